package components

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// typePrefix is the type token namespace of every component in this package.
const typePrefix = "djangofargate:components:"

// FieldError is the error a constructor returns for a bad argument, before
// it registers anything. Field is the argument's pulumi tag name.
type FieldError struct {
	// Component is the component type ("DjangoService"), Name the instance
	// name, Field the argument's pulumi tag name ("cpu", "gunicorn.threads")
	// and Reason what is wrong and what is allowed.
	Component, Name, Field, Reason string
}

// Error names the component, its instance and the field.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s %q: %s: %s", e.Component, e.Name, e.Field, e.Reason)
}

func argError(component, name, field, format string, a ...any) error {
	return &FieldError{Component: component, Name: name, Field: field, Reason: fmt.Sprintf(format, a...)}
}

// child returns the logical name of a component's child: "<name>-<role>".
func child(name, role string) string { return name + "-" + role }

// boolOr returns *p, or def when p is nil.
func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// LogRetentionDays lists the retention periods CloudWatch Logs accepts.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
	1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ValidateLogRetention returns an error when days is not a retention period
// CloudWatch Logs accepts.
func ValidateLogRetention(days int) error {
	if !slices.Contains(LogRetentionDays, days) {
		return fmt.Errorf("%d days is not a CloudWatch Logs retention period; use one of %v", days, LogRetentionDays)
	}
	return nil
}

// PolicyDocument is an IAM policy document. Documents are built from Go
// values and marshalled, never written as string templates.
type PolicyDocument struct {
	// Version is the policy language version, "2012-10-17".
	Version string `json:"Version"`
	// Statement lists the statements; IAM allows what one allows and no
	// statement denies.
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a PolicyDocument.
type Statement struct {
	// Sid is an optional identifier, unique within the document.
	Sid string `json:"Sid,omitempty"`
	// Effect is "Allow" or "Deny".
	Effect string `json:"Effect"`
	// Principal is who may assume the role (trust policies) or reach the
	// resource (resource policies), such as {"Service": "ecs-tasks.amazonaws.com"};
	// empty in identity policies.
	Principal map[string]any `json:"Principal,omitempty"`
	// Action lists the API actions, such as "s3:GetObject". This library
	// never writes "*" (CONTROLS.md IAM-1).
	Action []string `json:"Action"`
	// Resource lists the ARNs the statement covers; empty in trust policies.
	Resource []string `json:"Resource,omitempty"`
	// Condition maps an operator to keys and values, such as
	// {"Bool": {"aws:SecureTransport": "false"}}.
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// policyVersion is the current IAM policy language version.
const policyVersion = "2012-10-17"

// JSON marshals the document.
func (d PolicyDocument) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // a PolicyDocument holds only strings, maps and slices
	}
	return string(b)
}

// policyOutput renders a policy document once the values it names are known.
func policyOutput(build func(v []string) PolicyDocument, inputs ...pulumi.StringInput) pulumi.StringOutput {
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	return pulumi.All(args...).ApplyT(func(vals []any) string {
		s := make([]string, len(vals))
		for i, v := range vals {
			s[i], _ = v.(string)
		}
		return build(s).JSON()
	}).(pulumi.StringOutput)
}

// MergePolicies joins identity policy documents (JSON) into one, their
// statements in order; empty inputs are skipped. It lets one role policy,
// such as DjangoServiceArgs.TaskPolicyJSON, carry the grants of several
// components (Storage.MediaPolicyJSON and TaskQueue.PolicyJSON). Statement
// Sids must stay unique: the components use distinct ones.
func MergePolicies(docs ...pulumi.StringInput) pulumi.StringOutput {
	args := make([]any, len(docs))
	for i, d := range docs {
		args[i] = d
	}
	return pulumi.All(args...).ApplyT(func(vals []any) (string, error) {
		merged := PolicyDocument{Version: policyVersion}
		for i, v := range vals {
			s, _ := v.(string)
			if s == "" {
				continue
			}
			var doc PolicyDocument
			if err := json.Unmarshal([]byte(s), &doc); err != nil {
				return "", fmt.Errorf("policy document %d: %w", i, err)
			}
			merged.Statement = append(merged.Statement, doc.Statement...)
		}
		return merged.JSON(), nil
	}).(pulumi.StringOutput)
}

// assumeRolePolicy is the trust policy that lets an AWS service assume a
// role for this account only: aws:SourceAccount and aws:SourceArn guard
// against the confused deputy, as AWS recommends.
func assumeRolePolicy(service, account, sourceArn string) string {
	return PolicyDocument{Version: policyVersion, Statement: []Statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": service},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": account},
			"ArnLike":      {"aws:SourceArn": sourceArn},
		},
	}}}.JSON()
}
