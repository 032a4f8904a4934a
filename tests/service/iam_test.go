package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestExecutionRolePolicy checks IAM-1 statement by statement: the
// execution role may pull this repository, write this log group and read
// exactly the secrets `secrets` names; no database secret (the app reads
// its own with the task role, the master secret only the migration role).
func TestExecutionRolePolicy(t *testing.T) {
	const extra = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
	res := runService(t, func(a *components.DjangoServiceArgs) {
		a.Secrets = pulumi.ToStringMap(map[string]string{"STRIPE_KEY": extra + ":key::"})
	})
	logGroup := testutil.One(t, res, "aws:cloudwatch/logGroup:LogGroup").Output("arn")
	secretKey := testutil.One(t, res, "aws:secretsmanager/secret:Secret").Output("arn")
	doc := policy(t, res.Named("web-execution-policy").InputString("policy"))
	if doc.Version != "2012-10-17" {
		t.Errorf("version: got %q", doc.Version)
	}
	want := map[string]string{
		"EcrLogin":    "[ecr:GetAuthorizationToken] on [*]",
		"PullImage":   fmt.Sprintf("[ecr:BatchCheckLayerAvailability ecr:BatchGetImage ecr:GetDownloadUrlForLayer] on [%s]", repoArn),
		"WriteLogs":   fmt.Sprintf("[logs:CreateLogStream logs:PutLogEvents] on [%s:log-stream:*]", logGroup),
		"ReadSecrets": fmt.Sprintf("[secretsmanager:GetSecretValue] on [%s %s]", secretKey, extra),
	}
	if len(doc.Statement) != len(want) {
		t.Fatalf("statements: got %d, want %d", len(doc.Statement), len(want))
	}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("%s: effect %s", s.Sid, s.Effect)
		}
		if got := fmt.Sprintf("%v on %v", s.Action, s.Resource); got != want[s.Sid] {
			t.Errorf("%s: got %s, want %s", s.Sid, got, want[s.Sid])
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("%s: wildcard action %s (IAM-1)", s.Sid, a)
			}
		}
	}
}

// TestTaskRole checks that the task role gets the caller's policy, the SSM
// channels only with ECS Exec, and that both roles trust ECS tasks of this
// account only.
func TestTaskRole(t *testing.T) {
	for _, exec := range []bool{false, true} {
		res := runService(t, func(a *components.DjangoServiceArgs) { a.EcsExec = exec })
		if got := res.Named("web-task-policy").InputString("policy"); got != mediaPolicy {
			t.Errorf("task policy: got %s, want the media policy", got)
		}
		execPolicy := res.Named("web-exec-policy")
		if (execPolicy != nil) != exec {
			t.Fatalf("ecsExec %v: exec policy present %v", exec, execPolicy != nil)
		}
		if exec {
			doc := policy(t, execPolicy.InputString("policy"))
			want := []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}
			// The session channels first; the session key and log group
			// statements are TestEcsExecLoggedAndEncrypted's.
			if len(doc.Statement) == 0 || !slices.Equal(doc.Statement[0].Action, want) {
				t.Errorf("exec policy: got %+v, want %v first", doc.Statement, want)
			}
		}
		for _, role := range res.ByType("aws:iam/role:Role") {
			trust := policy(t, role.InputString("assumeRolePolicy"))
			s := trust.Statement
			if len(s) != 1 || fmt.Sprint(s[0].Principal) != "map[Service:ecs-tasks.amazonaws.com]" || !slices.Equal(s[0].Action, []string{"sts:AssumeRole"}) {
				t.Errorf("%s trust: got %+v, want ecs-tasks.amazonaws.com only", role.Name, s)
				continue
			}
			if got := fmt.Sprint(s[0].Condition["StringEquals"]["aws:SourceAccount"]); got != "123456789012" {
				t.Errorf("%s trust: SourceAccount got %s, want the stack's account", role.Name, got)
			}
		}
		// Without a task policy the app gets no AWS permissions at all.
		bare := runService(t, func(a *components.DjangoServiceArgs) { a.TaskPolicyJSON = nil })
		if bare.Named("web-task-policy") != nil {
			t.Error("no TaskPolicyJSON: got a task policy")
		}
	}
}

// TestValidation checks that bad arguments are refused with an error
// naming the field, before anything is registered.
func TestValidation(t *testing.T) {
	cases := []struct {
		name string
		edit func(*components.DjangoServiceArgs)
		want string
	}{
		{"cpu", func(a *components.DjangoServiceArgs) { a.CPU = 300 }, `cpu: cpu 300 is not a Fargate task size`},
		{"memory", func(a *components.DjangoServiceArgs) { a.CPU, a.Memory = 256, 4096 }, `memory: memory 4096 MiB does not fit cpu 256`},
		{"big memory", func(a *components.DjangoServiceArgs) { a.CPU, a.Memory = 8192, 17408 }, `memory: memory 17408 MiB does not fit cpu 8192 on Fargate; with cpu 8192 use 16384 to 61440 MiB in steps of 4096`},
		{"min > max", func(a *components.DjangoServiceArgs) { a.MinTasks, a.MaxTasks = 5, 3 }, `maxTasks: 3 must be greater than minTasks 5`},
		{"min = max", func(a *components.DjangoServiceArgs) { a.MinTasks, a.MaxTasks = 4, 4 }, `maxTasks: 4 must be greater`},
		{"desired above", func(a *components.DjangoServiceArgs) { a.DesiredCount = 11 }, `desiredCount: 11 is outside minTasks..maxTasks (2..10)`},
		{"desired below", func(a *components.DjangoServiceArgs) { a.MinTasks, a.DesiredCount = 3, 2 }, `desiredCount: 2 is outside`},
		{"min zero", func(a *components.DjangoServiceArgs) { a.MinTasks = -1 }, `minTasks: -1 is below 1`},
		{"cpu target", func(a *components.DjangoServiceArgs) { a.CPUTarget = 95 }, `cpuTarget: 95%`},
		{"keepalive", func(a *components.DjangoServiceArgs) { a.Gunicorn = &components.GunicornArgs{KeepAlive: 60} }, `gunicorn.keepAlive: 60 s must exceed the load balancer's idle timeout (60 s)`},
		{"graceful", func(a *components.DjangoServiceArgs) { a.Gunicorn = &components.GunicornArgs{GracefulTimeout: 30} }, `gunicorn.gracefulTimeout: 30 s must be at least 1 and below stopTimeout (30 s)`},
		{"stop timeout", func(a *components.DjangoServiceArgs) { a.Gunicorn = &components.GunicornArgs{StopTimeout: 121} }, `gunicorn.stopTimeout: 121 s is out of range`},
		{"architecture", func(a *components.DjangoServiceArgs) { a.Architecture = "amd64" }, `architecture: "amd64" is not an architecture`},
		{"health path", func(a *components.DjangoServiceArgs) { a.LivenessPath = "healthz" }, `livenessPath: "healthz" must be a path`},
		{"domain", func(a *components.DjangoServiceArgs) { a.Domain = "Not A Host" }, `domain: "Not A Host" is not a lowercase DNS host name`},
		{"domain without tls", func(a *components.DjangoServiceArgs) { a.Domain = "api.example.com" }, `domain: "api.example.com" needs hostedZone`},
		{"zone without domain", func(a *components.DjangoServiceArgs) { a.HostedZone = "example.com" }, `hostedZone: is set without domain`},
		{"domain outside zone", func(a *components.DjangoServiceArgs) { a.Domain, a.HostedZone = "api.example.org", "example.com" }, `domain: "api.example.org" is not inside hostedZone`},
		{"certificate", func(a *components.DjangoServiceArgs) { a.CertificateArn = pulumi.String("arn:aws:iam::1:cert") }, `certificateArn: "arn:aws:iam::1:cert" is not an ACM certificate ARN`},
		{"idle timeout", func(a *components.DjangoServiceArgs) { a.IdleTimeout = 5000 }, `idleTimeout: 5000 seconds is out of range`},
		{"secret in env", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"STRIPE_API_KEY": "sk"})
		}, `environment: STRIPE_API_KEY looks like a secret`},
		{"reserved env", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"DB_HOST": "x"})
		}, `environment: DB_HOST is set by the component itself`},
		{"secret arn", func(a *components.DjangoServiceArgs) {
			a.Secrets = pulumi.ToStringMap(map[string]string{"TOKEN": "plain"})
		}, `secrets: TOKEN: "plain" is not a Secrets Manager secret ARN`},
		{"retention", func(a *components.DjangoServiceArgs) { a.LogRetentionDays = 10 }, `logRetentionDays: 10 days is not a CloudWatch Logs retention period`},
		{"required", func(a *components.DjangoServiceArgs) { a.ImageURI = nil }, `imageUri: is required`},
		{"public subnets", func(a *components.DjangoServiceArgs) { a.PublicSubnetIDs = nil }, `publicSubnetIds: is required`},
		{"liveness is readiness", func(a *components.DjangoServiceArgs) { a.LivenessPath = "/readyz/" }, `livenessPath: "/readyz/" is the readiness path`},
		{"readiness path", func(a *components.DjangoServiceArgs) { a.ReadinessPath = "ready" }, `readinessPath: "ready" must be a path`},
		{"internal with public zone", func(a *components.DjangoServiceArgs) {
			a.Internal, a.Domain, a.HostedZone = true, "api.example.com", "example.com"
		}, `internal: an internal load balancer has only private addresses; hostedZone "example.com"`},
		{"no way out", func(a *components.DjangoServiceArgs) { a.InternetEgress = pulumi.BoolRef(false) }, `internetEgress: is false without endpointSecurityGroupId`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assertServiceRefused(t, tc.edit, tc.want) })
	}
	// The name feeds the ALB and target group names, limited to 32 characters.
	_, err := testutil.RunErr(func(ctx *pulumi.Context) error {
		args := baseArgs()
		_, err := components.NewDjangoService(ctx, "a-name-far-too-long-for-an-alb", &args)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "name: ") {
		t.Errorf("long name: got %v, want a name error", err)
	}
}
