package policy_test

import (
	"testing"

	"github.com/djangofargate/djangofargate/policy"
)

// Type tokens only the attack fixtures use.
const (
	tUser         = "aws:iam/user:User"
	tAccessKey    = "aws:iam/accessKey:AccessKey"
	tRepoPolicy   = "aws:ecr/repositoryPolicy:RepositoryPolicy"
	tSecretPolicy = "aws:secretsmanager/secretPolicy:SecretPolicy"
	foreignAcct   = "999999999999"
)

// addStatement appends an Allow statement to a fixture's identity policy.
func addStatement(name string, st map[string]any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		p := d.get(t, name).inputs["policy"].(map[string]any)
		p["Statement"] = append(p["Statement"].([]any), st)
	}
}

// addRole adds a role with the given trust policy.
func addRole(name string, trustPolicy map[string]any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		d.add(tRole, name, name, map[string]any{"assumeRolePolicy": trustPolicy}, map[string]any{"arn": acct + "role/" + name})
	}
}

// env sets the web container's environment entry name to value.
func env(name, value string) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		c := d.get(t, "task-def").inputs["containerDefinitions"].([]any)[0].(map[string]any)
		c["environment"] = append(c["environment"].([]any), map[string]any{"name": name, "value": value})
	}
}

// ingressRule adds a standalone ingress rule.
func ingressRule(name, sg string, port float64, source map[string]any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		d.add(tIngress, name, "sgr-"+name, rule(sg, "added "+name, port, source), nil)
	}
}

// attacks are the ways in an adversarial review found that the controls
// passed (issue 20, item 3): each must fail its CONTROLS.md row, and with it
// the run. Each was first run against the controls as they were (commit
// 163931d) and passed there: see the issue note.
var attacks = []checkCase{
	{"IAM-2", "GetSecretValue on every secret", addStatement("task-policy",
		allow("AllSecrets", []any{"secretsmanager:GetSecretValue"}, "arn:aws:secretsmanager:us-east-1:123456789012:secret:*")), policy.Fail},
	{"IAM-2", "PassRole on every role", addStatement("task-policy",
		allow("PassAny", []any{"iam:PassRole"}, "arn:aws:iam::123456789012:role/*")), policy.Fail},
	{"IAM-2", "AssumeRole on any account's role", addStatement("task-policy",
		allow("AssumeAnywhere", []any{"sts:AssumeRole"}, "arn:aws:iam::*:role/deploy")), policy.Fail},
	{"IAM-2", "Decrypt with every key", addStatement("task-policy",
		allow("DecryptAll", []any{"kms:Decrypt"}, "arn:aws:kms:us-east-1:123456789012:key/*")), policy.Fail},
	{"IAM-2", "a wildcard action that includes PassRole on every role", addStatement("task-policy",
		allow("PassWild", []any{"iam:Pass*"}, "arn:aws:iam::123456789012:role/*")), policy.Fail},
	{"IAM-2", "privilege escalation: PutRolePolicy on a named role", addStatement("task-policy",
		allow("Escalate", []any{"iam:PutRolePolicy"}, taskArn)), policy.Fail},
	{"IAM-2", "privilege escalation: AttachRolePolicy on a named role", addStatement("task-policy",
		allow("Attach", []any{"iam:AttachRolePolicy", "iam:CreatePolicyVersion"}, taskArn)), policy.Fail},
	{"IAM-2", "an IAM user with an access key", func(t *testing.T, d *doc) {
		d.add(tUser, "ci-user", "ci-user", map[string]any{"name": "ci-user"}, map[string]any{"arn": acct + "user/ci-user"})
		d.add(tAccessKey, "ci-key", "AKIAEXAMPLE", map[string]any{"user": "ci-user"}, nil)
	}, policy.Fail},
	{"IAM-3", "a role trusted by another account", addRole("foreign", map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + foreignAcct + ":root"}, "Action": "sts:AssumeRole"}}}), policy.Fail},
	{"IAM-3", "a GitHub OIDC role with no sub condition", addRole("deploy", map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Federated": acct + "oidc-provider/token.actions.githubusercontent.com"},
		"Action":    "sts:AssumeRoleWithWebIdentity",
		"Condition": map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}}}), policy.Fail},
	{"IAM-3", "a GitHub OIDC role with a wildcard sub", addRole("deploy", map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Federated": acct + "oidc-provider/token.actions.githubusercontent.com"},
		"Action": "sts:AssumeRoleWithWebIdentity",
		"Condition": map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike": map[string]any{"token.actions.githubusercontent.com:sub": "repo:*"}}}}}), policy.Fail},
	{"IAM-1", "a policy hidden behind a secret", in("task-policy", "policy", policy.Secret), policy.Fail},
	{"IAM-1", "an attached customer-managed policy the preview cannot show", func(t *testing.T, d *doc) {
		d.add(tAttachment, "custom", "custom", map[string]any{"role": "task", "policyArn": acct + "policy/AnythingGoes"}, nil)
	}, policy.Fail},
	{"NET-4", "port 22 open to 0.0.0.0/1 and 128.0.0.0/1", both(
		ingressRule("ssh-low", "sg-alb", 22, map[string]any{"cidrIpv4": "0.0.0.0/1"}),
		ingressRule("ssh-high", "sg-alb", 22, map[string]any{"cidrIpv4": "128.0.0.0/1"})), policy.Fail},
	{"NET-4", "port 22 open to ::/1 and 8000::/1", both(
		ingressRule("ssh6-low", "sg-alb", 22, map[string]any{"cidrIpv6": "::/1"}),
		ingressRule("ssh6-high", "sg-alb", 22, map[string]any{"cidrIpv6": "8000::/1"})), policy.Fail},
	{"NET-4", "all traffic out of the tasks to the internet", func(t *testing.T, d *doc) {
		d.add(tEgress, "tasks-all-out", "sgr-all", map[string]any{"securityGroupId": "sg-task", "description": "everything",
			"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}, nil)
	}, policy.Fail},
	{"NET-4", "database egress to the internet (inline)", in("db-sg", "egress", []any{map[string]any{
		"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": []any{"0.0.0.0/0"}, "description": "anything"}}), policy.Fail},
	{"RES-1", "a bucket grant to another account", addStatement("media-bucket-policy", map[string]any{
		"Sid": "Partner", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + foreignAcct + ":root"},
		"Action": []any{"s3:GetObject"}, "Resource": []any{"arn:aws:s3:::media-bucket/*"}}), policy.Fail},
	{"RES-1", "a public ECR repository policy", func(t *testing.T, d *doc) {
		d.add(tRepoPolicy, "repo-policy", "repo", map[string]any{"repository": "repo", "policy": policyDoc(map[string]any{
			"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": []any{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}})}, nil)
	}, policy.Fail},
	{"RES-1", "a public secret policy", func(t *testing.T, d *doc) {
		d.add(tSecretPolicy, "secret-policy", "secret-policy", map[string]any{"secretArn": secretArn, "policy": policyDoc(map[string]any{
			"Sid": "Public", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})}, nil)
	}, policy.Fail},
	{"RES-1", "a key letting CloudWatch Logs use it for another account's log groups", func(t *testing.T, d *doc) {
		d.add("aws:kms/key:Key", "logs-key", "logs-key", map[string]any{"policy": policyDoc(map[string]any{
			"Sid": "Logs", "Effect": "Allow", "Principal": map[string]any{"Service": "logs.us-east-1.amazonaws.com"},
			"Action": []any{"kms:Decrypt*", "kms:GenerateDataKey*"}, "Resource": "*",
			"Condition": map[string]any{"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:" + foreignAcct + ":log-group:*"}}})}, nil)
	}, policy.Fail},
	{"ECS-16", "a database URL with a password in environment", env("DATABASE_URL", "postgres://django:hunter2@db.example.internal:5432/app"), policy.Fail},
	{"ECS-16", "an AWS access key id in environment", env("UPLOAD_CONFIG", "key=AKIAIOSFODNN7EXAMPLE"), policy.Fail},
	{"ECS-16", "Django debug on", env("DJANGO_DEBUG", "true"), policy.Fail},
	{"ECS-17", "an added Linux capability", container("linuxParameters", map[string]any{"capabilities": map[string]any{"add": []any{"SYS_PTRACE"}}}), policy.Fail},
	{"ECR-4", "a mutable third-party image tag", container("image", "docker.io/library/nginx:1.27"), policy.Fail},
}

// TestAttacksFail: every attack fails its control and the run.
func TestAttacksFail(t *testing.T) {
	for _, c := range attacks {
		t.Run(c.control+"/"+c.name, func(t *testing.T) {
			d := good()
			c.edit(t, d)
			rep := d.report(t)
			if !rep.Failed() {
				t.Errorf("report.Failed(): got false, want true: the attack passes the controls")
			}
			r, ok := rep.Result(c.control)
			if !ok {
				t.Fatalf("%s: no such control", c.control)
			}
			if r.Verdict != c.want {
				t.Errorf("%s: got %s, want %s%s", c.control, r.Verdict, c.want, findings(rep, c.control))
			}
		})
	}
}
