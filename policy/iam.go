// IAM controls (CONTROLS.md IAM-1).

package policy

import (
	"fmt"
	"slices"
	"strings"
)

// statements returns a policy document's statements.
func statements(doc any) []any {
	return asList(get(doc, "Statement").v)
}

// allowStatement is one Allow statement of a policy document, with its
// index in the document and its Sid ("" when it has none).
type allowStatement struct {
	i   int
	sid string
	s   any
}

// allowStatements returns the Allow statements of doc: a Deny only narrows
// access, so no control judges it.
func allowStatements(doc any) []allowStatement {
	var out []allowStatement
	for i, s := range statements(doc) {
		if eff, _ := get(s, "Effect").str(); eff != "Allow" {
			continue
		}
		sid, _ := get(s, "Sid").str()
		out = append(out, allowStatement{i, sid, s})
	}
	return out
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	default:
		return []any{x}
	}
}

func strList(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// wildcardResource reports whether an IAM resource names no resource: "*",
// or an ARN whose resource part is "*".
func wildcardResource(s string) bool {
	if s == "*" {
		return true
	}
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && strings.HasPrefix(parts[5], "*")
}

// judgePolicy judges an identity policy document held in v.
func judgePolicy(j *judge, v value, what string) {
	doc, v := jsonDoc(v)
	if j.unreadable(v, what) {
		return
	}
	for _, st := range allowStatements(doc) {
		s := st.s
		label := fmt.Sprintf(statementLabel, what, orText(st.sid, fmt.Sprint(st.i)))
		if get(s, "NotAction").state != absent || get(s, "NotResource").state != absent {
			j.fail("not-action", "%s allows NotAction or NotResource", label)
		}
		actions := strList(get(s, "Action").v)
		for _, a := range actions {
			if strings.Contains(a, "*") {
				j.failOn(actions, "wildcard-action", "%s allows the wildcard action %s", label, a)
				break
			}
		}
		for _, r := range strList(get(s, "Resource").v) {
			if wildcardResource(r) {
				j.failOn(actions, "wildcard-resource", "%s allows %s on Resource %s", label, strings.Join(actions, ", "), r)
				break
			}
		}
	}
}

// taskRoles are the roles task definitions name, by URN.
func (d *Document) taskRoles() map[string]bool {
	out := map[string]bool{}
	for _, td := range d.ByType(tTaskDef) {
		for _, k := range []string{"executionRoleArn", "taskRoleArn"} {
			rs, _ := d.link(td, k, td.in(k), tRole)
			for _, r := range rs {
				out[r.URN] = true
			}
		}
	}
	return out
}

func judgeManaged(j *judge, arn string) {
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		j.failOn([]string{arn}, "aws-managed-policy", "attaches the AWS managed policy %s, not a policy scoped to named ARNs", arn)
	} else {
		j.undecided("managed policy %s is not judged here unless it is an aws:iam/policy:Policy of the preview", arn)
	}
}

// checkLeastPrivilege (IAM-1) wants no wildcard action or resource in identity policies, no AWS managed policies, no open trust and task roles trusting only ecs-tasks.amazonaws.com.
func checkLeastPrivilege(d *Document, _ string) []Finding {
	task := d.taskRoles()
	var out []Finding
	for _, r := range d.ByType(tRole) {
		j := newJudge(r)
		doc, v := jsonDoc(r.in("assumeRolePolicy"))
		if !j.unreadable(v, "assumeRolePolicy") {
			for _, s := range statements(doc) {
				p := get(s, "Principal")
				if fmt.Sprint(p.v) == "*" || slices.Contains(strList(get(p.v, "AWS").v), "*") {
					j.fail("open-trust", "any principal may assume the role")
				}
				if task[r.URN] {
					svc := strList(get(p.v, "Service").v)
					if len(svc) != 1 || svc[0] != "ecs-tasks.amazonaws.com" {
						j.fail("task-trust", "a task role trusts %v, not only ecs-tasks.amazonaws.com", svc)
					}
				}
			}
		}
		for i, ip := range r.in("inlinePolicies").list() {
			judgePolicy(j, get(ip, "policy"), fmt.Sprintf("inline policy %d", i))
		}
		for _, arn := range strList(r.in("managedPolicyArns").v) {
			judgeManaged(j, arn)
		}
		trust := "trust scoped"
		if task[r.URN] {
			trust = "trusts ecs-tasks.amazonaws.com only"
		}
		out = append(out, j.done("%s", trust)...)
	}
	for _, p := range d.ByType(tRolePolicy, tPolicy) {
		j := newJudge(p)
		judgePolicy(j, p.in("policy"), "policy")
		out = append(out, j.done("no wildcard actions; resources are named ARNs")...)
	}
	for _, a := range d.ByType(tAttachment) {
		j := newJudge(a)
		arn := a.in("policyArn")
		if !j.unreadable(arn, "policyArn") {
			s, _ := arn.str()
			if ps, _ := d.link(a, "policyArn", arn, tPolicy); len(ps) > 0 {
				out = append(out, j.done("attaches %s, judged on its own", ps[0].Name())...)
				continue
			}
			judgeManaged(j, s)
		}
		out = append(out, j.done("")...)
	}
	if len(out) == 0 {
		return notApplicable("no IAM roles or policies in the preview")
	}
	return out
}
