package policy_test

import (
	"testing"

	"github.com/djangofargate/djangofargate/policy"
)

// checkCase is one fixture for one control: good() changed by edit.
type checkCase struct {
	control, name string
	edit          func(t *testing.T, d *doc)
	want          policy.Verdict
}

func in(name, path string, v any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) { set(d.get(t, name).inputs, path, v) }
}

func container(path string, v any) func(t *testing.T, d *doc) {
	return in("task-def", "containerDefinitions.0."+path, v)
}

func drop(names ...string) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) { d.drop(names...) }
}

func both(edits ...func(t *testing.T, d *doc)) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		for _, e := range edits {
			e(t, d)
		}
	}
}

var noEdit = func(*testing.T, *doc) {}

// undepend removes the named dependency from a fixture resource.
func undepend(name, dep string) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		r := d.get(t, name)
		var keep []string
		for _, x := range r.dependsOn {
			if x != dep {
				keep = append(keep, x)
			}
		}
		r.dependsOn = keep
	}
}

// masterSecret is an RDS-managed master secret's ARN.
const masterSecret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-abc123"

// checkCases holds, for every control, fixtures that pass it and fixtures
// that fail it: a check that cannot fail, or cannot pass, breaks the table.
var checkCases = []checkCase{
	{"NET-1", "flow log to a group with retention", noEdit, policy.Pass},
	{"NET-1", "no flow log", drop("flow-log"), policy.Fail},
	{"NET-1", "flow log group without retention", in("flow-logs", "retentionInDays", del), policy.Fail},
	{"NET-2", "default group adopted, no rules", noEdit, policy.Pass},
	{"NET-2", "default group not adopted", drop("default-sg"), policy.Fail},
	{"NET-2", "default group keeps egress", in("default-sg", "egress", []any{map[string]any{"protocol": "-1", "cidrBlocks": []any{"0.0.0.0/0"}}}), policy.Fail},
	{"NET-3", "one NAT per AZ", noEdit, policy.Pass},
	{"NET-3", "private subnet through another AZ's NAT (awsx Single)", in("route-private2", "natGatewayId", "nat-1"), policy.Fail},
	{"NET-3", "private subnets without a NAT route (awsx None)", drop("route-private1", "route-private2", "nat-1", "nat-2"), policy.Fail},
	{"NET-3", "strategy string says Single, the NAT gateways are per AZ", in("vpc", "natGateways.strategy", "Single"), policy.Pass},
	{"NET-3", "no private subnets", drop("private1", "private2"), policy.Pass},
	{"NET-4", "internet only to an internal load balancer's 443", both(in("alb-https", "cidrIpv4", "10.0.0.0/8"), in("alb-http", "cidrIpv6", "fd00::/8")), policy.Pass},
	{"NET-4", "ALB open to the internet on 80/443 (named exception)", noEdit, policy.Excepted},
	{"NET-4", "ALB open on 22", both(in("alb-https", "fromPort", 22.0), in("alb-https", "toPort", 22.0)), policy.Fail},
	{"NET-4", "task group open to the internet", in("tasks-from-alb", "cidrIpv4", "0.0.0.0/0"), policy.Fail},
	{"NET-4", "task group admits another port", both(in("tasks-from-alb", "fromPort", 22.0), in("tasks-from-alb", "toPort", 22.0)), policy.Fail},
	{"NET-4", "database admits the load balancer", in("db-from-tasks", "referencedSecurityGroupId", "sg-alb"), policy.Fail},
	{"NET-4", "rule without description", in("alb-to-tasks", "description", del), policy.Fail},
	{"NET-4", "inline rule open to the world", in("db-sg", "ingress", []any{map[string]any{"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0,
		"cidrBlocks": []any{"0.0.0.0/0"}, "description": "everyone"}}), policy.Fail},
	{"NET-5", "gateway and interface endpoints", noEdit, policy.Pass},
	{"NET-5", "no S3 gateway endpoint", drop("s3-endpoint"), policy.Fail},
	{"NET-5", "some interface endpoints missing", drop("logs-endpoint"), policy.Fail},
	{"ECS-1", "private subnets, no public IP", noEdit, policy.Pass},
	{"ECS-1", "public IP", in("service", "networkConfiguration.assignPublicIp", true), policy.Fail},
	{"ECS-1", "public subnet", in("service", "networkConfiguration.subnets", []any{"subnet-pub1", "subnet-priv2"}), policy.Fail},
	{"ECS-2", "read-only root with /tmp volume", noEdit, policy.Pass},
	{"ECS-2", "writable root", container("readonlyRootFilesystem", false), policy.Fail},
	{"ECS-2", "no writable volume", container("mountPoints", []any{}), policy.Fail},
	{"ECS-3", "awsvpc, unprivileged", noEdit, policy.Pass},
	{"ECS-3", "privileged", container("privileged", true), policy.Fail},
	{"ECS-3", "host pid", in("task-def", "pidMode", "host"), policy.Fail},
	{"ECS-3", "bridge network", in("task-def", "networkMode", "bridge"), policy.Fail},
	{"ECS-4", "secrets only, no environment", container("environment", []any{}), policy.Pass},
	{"ECS-4", "clean environment (named exception)", noEdit, policy.Excepted},
	{"ECS-4", "password in environment", container("environment", []any{map[string]any{"name": "DB_PASSWORD", "value": "hunter2"}}), policy.Fail},
	{"ECS-4", "secret named by ARN (the app reads it with its role)", container("environment", []any{map[string]any{"name": "DB_SECRET_ARN", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-credentials-AbCdEf"}}), policy.Excepted},
	{"ECS-4", "secret value under an ARN name", container("environment", []any{map[string]any{"name": "DB_SECRET_ARN", "value": "hunter2"}}), policy.Fail},
	{"ECS-4", "password under an ARN-looking name", container("environment", []any{map[string]any{"name": "DB_PASSWORD_ARN", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x:password::"}}), policy.Fail},
	{"ECS-4", "secret not from an ARN", container("secrets", []any{map[string]any{"name": "DJANGO_SECRET_KEY", "valueFrom": "plain"}}), policy.Fail},
	{"ECS-5", "awslogs to the stack's group", noEdit, policy.Pass},
	{"ECS-5", "no log configuration", container("logConfiguration", del), policy.Fail},
	{"ECS-5", "another driver", container("logConfiguration.logDriver", "json-file"), policy.Fail},
	{"ECS-6", "insights enabled", noEdit, policy.Pass},
	{"ECS-6", "insights disabled", in("cluster", "settings", []any{map[string]any{"name": "containerInsights", "value": "disabled"}}), policy.Fail},
	{"ECS-7", "LATEST", noEdit, policy.Pass},
	{"ECS-7", "unset", in("service", "platformVersion", del), policy.Pass},
	{"ECS-7", "pinned", in("service", "platformVersion", "1.3.0"), policy.Fail},
	{"ECS-8", "separate roles", noEdit, policy.Pass},
	{"ECS-8", "one role for both", in("task-def", "taskRoleArn", execArn), policy.Fail},
	{"ECS-9", "numeric non-root user", noEdit, policy.Pass},
	{"ECS-9", "root", container("user", "0:0"), policy.Fail},
	{"ECS-9", "no user", container("user", del), policy.Fail},
	{"ECS-10", "circuit breaker, grace period, 100%", noEdit, policy.Pass},
	{"ECS-10", "no rollback", in("service", "deploymentCircuitBreaker.rollback", false), policy.Fail},
	{"ECS-10", "no grace period", in("service", "healthCheckGracePeriodSeconds", del), policy.Fail},
	{"ECS-10", "min healthy 50% in production", in("service", "deploymentMinimumHealthyPercent", 50.0), policy.Fail},
	{"ECS-11", "two tasks, min 2, two subnets", noEdit, policy.Pass},
	{"ECS-11", "one task", in("service", "desiredCount", 1.0), policy.Fail},
	{"ECS-11", "autoscaling from 1", in("scaling", "minCapacity", 1.0), policy.Fail},
	{"ECS-11", "one subnet", in("service", "networkConfiguration.subnets", []any{"subnet-priv1"}), policy.Fail},
	{"ECS-12", "CPU and request tracking, desiredCount ignored", noEdit, policy.Pass},
	{"ECS-12", "no request tracking", drop("requests-scaling"), policy.Fail},
	{"ECS-12", "max equals min", in("scaling", "maxCapacity", 2.0), policy.Fail},
	{"ECS-12", "desiredCount not ignored", func(t *testing.T, d *doc) { d.get(t, "service").ignore = nil }, policy.Fail},
	{"ECS-12", "no autoscaling", drop("scaling"), policy.Fail},
	{"ECS-13", "keepalive 75 > 60, graceful 25 < 30, delay 30", noEdit, policy.Pass},
	{"ECS-13", "keepalive below idle timeout", in("alb", "idleTimeout", 120.0), policy.Fail},
	{"ECS-13", "graceful timeout above stopTimeout", container("stopTimeout", 20.0), policy.Fail},
	{"ECS-13", "default deregistration delay", in("tg", "deregistrationDelay", del), policy.Fail},
	{"ECR-1", "scan on push", noEdit, policy.Pass},
	{"ECR-1", "no scan", in("repository", "imageScanningConfiguration.scanOnPush", false), policy.Fail},
	{"ECR-2", "immutable", noEdit, policy.Pass},
	{"ECR-2", "mutable", in("repository", "imageTagMutability", "MUTABLE"), policy.Fail},
	{"ECR-3", "expires untagged, keeps 10", noEdit, policy.Pass},
	{"ECR-3", "no lifecycle policy", drop("lifecycle"), policy.Fail},
	{"ECR-3", "untagged images kept", in("lifecycle", "policy.rules", []any{map[string]any{"selection": map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan"}, "action": map[string]any{"type": "expire"}}}), policy.Fail},
	{"ELB-1", "redirect, HTTPS target group", in("tg", "protocol", "HTTPS"), policy.Pass},
	{"ELB-1", "HTTP target group behind TLS (named exception)", noEdit, policy.Excepted},
	{"ELB-1", "certificate, but HTTP forwards", both(in("tg", "protocol", "HTTPS"),
		in("http", "defaultActions", []any{map[string]any{"type": "forward", "targetGroupArn": tgArn}})), policy.Fail},
	{"ELB-1", "no certificate, HTTP forwards", both(in("tg", "protocol", "HTTPS"), drop("https"),
		in("http", "defaultActions", []any{map[string]any{"type": "forward", "targetGroupArn": tgArn}})), policy.NotApplicable},
	{"ELB-2", "TLS 1.3 policy", noEdit, policy.Pass},
	{"ELB-2", "2016 policy", in("https", "sslPolicy", "ELBSecurityPolicy-2016-08"), policy.Fail},
	{"ELB-2", "TLS13 policy allowing TLS 1.0", in("https", "sslPolicy", "ELBSecurityPolicy-TLS13-1-0-2021-06"), policy.Fail},
	{"ELB-2", "no HTTPS listener", drop("https"), policy.NotApplicable},
	{"ELB-3", "drops invalid headers", noEdit, policy.Pass},
	{"ELB-3", "keeps invalid headers", in("alb", "dropInvalidHeaderFields", del), policy.Fail},
	{"ELB-4", "defensive", noEdit, policy.Pass},
	{"ELB-4", "monitor", in("alb", "desyncMitigationMode", "monitor"), policy.Fail},
	{"ELB-5", "access logs on", noEdit, policy.Pass},
	{"ELB-5", "access logs off", in("alb", "accessLogs", del), policy.Fail},
	{"ELB-6", "deletion protection", noEdit, policy.Pass},
	{"ELB-6", "no deletion protection", in("alb", "enableDeletionProtection", false), policy.Fail},
	{"ELB-7", "explicit health check", noEdit, policy.Pass},
	{"ELB-7", "default matcher", in("tg", "healthCheck.matcher", del), policy.Fail},
	{"RDS-1", "private, isolated subnets", noEdit, policy.Pass},
	{"RDS-1", "publicly accessible", in("db", "publiclyAccessible", true), policy.Fail},
	{"RDS-1", "public subnets", in("db-subnets", "subnetIds", []any{"subnet-pub1", "subnet-pub2"}), policy.Fail},
	{"RDS-2", "encrypted", noEdit, policy.Pass},
	{"RDS-2", "unencrypted", in("db", "storageEncrypted", del), policy.Fail},
	{"RDS-3", "Multi-AZ", noEdit, policy.Pass},
	{"RDS-3", "single AZ", in("db", "multiAz", false), policy.Fail},
	{"RDS-4", "14 days", noEdit, policy.Pass},
	{"RDS-4", "3 days in production", in("db", "backupRetentionPeriod", 3.0), policy.Fail},
	{"RDS-5", "protected, final snapshot", noEdit, policy.Pass},
	{"RDS-5", "skips final snapshot", in("db", "skipFinalSnapshot", true), policy.Fail},
	{"RDS-5", "no deletion protection", in("db", "deletionProtection", false), policy.Fail},
	{"RDS-6", "postgresql and upgrade", noEdit, policy.Pass},
	{"RDS-6", "no upgrade log", in("db", "enabledCloudwatchLogsExports", []any{"postgresql"}), policy.Fail},
	{"RDS-7", "force_ssl 1", noEdit, policy.Pass},
	{"RDS-7", "force_ssl 0", in("db-params", "parameters", []any{map[string]any{"name": "rds.force_ssl", "value": "0"}}), policy.Fail},
	{"RDS-7", "default parameter group", in("db", "parameterGroupName", del), policy.Fail},
	{"RDS-8", "minor upgrades, tags copied", noEdit, policy.Pass},
	{"RDS-8", "minor upgrades off", in("db", "autoMinorVersionUpgrade", false), policy.Fail},
	{"RDS-8", "tags not copied", in("db", "copyTagsToSnapshot", del), policy.Fail},
	{"RDS-9", "managed password, own user", noEdit, policy.Pass},
	{"RDS-9", "username postgres", in("db", "username", "postgres"), policy.Fail},
	{"RDS-9", "password in the program", in("db", "manageMasterUserPassword", del), policy.Fail},
	{"RDS-10", "Performance Insights", noEdit, policy.Pass},
	{"RDS-10", "no Performance Insights", in("db", "performanceInsightsEnabled", false), policy.Fail},
	{"S3-1", "all four blocks", noEdit, policy.Pass},
	{"S3-1", "public policies allowed", in("media-bucket-pab", "blockPublicPolicy", false), policy.Fail},
	{"S3-1", "no block", drop("logs-bucket-pab"), policy.Fail},
	{"S3-2", "denies insecure transport", noEdit, policy.Pass},
	{"S3-2", "no bucket policy", drop("media-bucket-policy"), policy.Fail},
	{"S3-2", "allow-only policy", in("logs-bucket-policy", "policy", policyDoc(allow("Read", []any{"s3:GetObject"}, "arn:aws:s3:::logs-bucket/*"))), policy.Fail},
	{"S3-3", "owner enforced, encrypted", noEdit, policy.Pass},
	{"S3-3", "ACLs enabled", in("media-bucket-ownership", "rule.objectOwnership", "ObjectWriter"), policy.Fail},
	{"S3-3", "no encryption", drop("logs-bucket-sse"), policy.Fail},
	{"S3-4", "media versioned, noncurrent expire", noEdit, policy.Pass},
	{"S3-4", "media not versioned", in("media-versioning", "versioningConfiguration.status", "Suspended"), policy.Fail},
	{"S3-4", "noncurrent kept", drop("media-lifecycle"), policy.Fail},
	{"S3-4", "no bucket the app writes", drop("task-policy"), policy.NotApplicable},
	{"IAM-1", "scoped policies only", in("exec-policy", "policy", policyDoc(allow("Pull", []any{"ecr:BatchGetImage"}, repoArn))), policy.Pass},
	{"IAM-1", "GetAuthorizationToken on * (named exception)", noEdit, policy.Excepted},
	{"IAM-1", "wildcard action", in("task-policy", "policy", policyDoc(allow("All", []any{"s3:*"}, "arn:aws:s3:::media-bucket/*"))), policy.Fail},
	{"IAM-1", "another action beside the unscopable one on *", in("exec-policy", "policy",
		policyDoc(allow("EcrLogin", []any{"ecr:GetAuthorizationToken", "secretsmanager:GetSecretValue"}, "*"))), policy.Fail},
	{"IAM-1", "account-wide ARN", in("task-policy", "policy", policyDoc(allow("Any", []any{"s3:GetObject"}, "arn:aws:s3:::*"))), policy.Fail},
	{"IAM-1", "task role trusts another service", in("task", "assumeRolePolicy", trust("ec2.amazonaws.com")), policy.Fail},
	{"IAM-1", "an attached customer-managed policy the preview cannot show (fails closed)", func(t *testing.T, d *doc) {
		d.add(tAttachment, "custom", "custom", map[string]any{"role": "task", "policyArn": acct + "policy/Custom"}, nil)
	}, policy.Fail},
	{"IAM-1", "AWS managed admin policy", func(t *testing.T, d *doc) {
		d.add(tAttachment, "admin", "admin", map[string]any{"role": "task", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, nil)
	}, policy.Fail},
	{"LOG-1", "365 days", noEdit, policy.Pass},
	{"LOG-1", "no retention", in("container-logs", "retentionInDays", del), policy.Fail},
	{"LOG-1", "30 days in production", in("container-logs", "retentionInDays", 30.0), policy.Fail},
	{"DATA-1", "database and media protected", noEdit, policy.Pass},
	{"DATA-1", "database not protected", func(t *testing.T, d *doc) { d.get(t, "db").protect = false }, policy.Fail},
	{"DATA-1", "media not retained", func(t *testing.T, d *doc) { d.get(t, "media").retain = false }, policy.Fail},
	{"ECS-14", "service waits for policies, rules, endpoints, capacity providers", noEdit, policy.Pass},
	{"ECS-14", "service does not wait for the execution role's policy", undepend("service", "exec-policy"), policy.Fail},
	{"ECS-14", "service does not wait for the task group's ingress", undepend("service", "tasks-from-alb"), policy.Fail},
	{"ECS-14", "service does not wait for an interface endpoint", undepend("service", "logs-endpoint"), policy.Fail},
	{"ECS-14", "service does not wait for the capacity providers", undepend("service", "capacity"), policy.Fail},
	{"ECS-14", "waits through the task definition (transitively)", func(t *testing.T, d *doc) {
		undepend("service", "exec-policy")(t, d)
		td := d.get(t, "task-def")
		td.dependsOn = append(td.dependsOn, "exec-policy")
		svc := d.get(t, "service")
		svc.dependsOn = append(svc.dependsOn, "task-def")
	}, policy.Pass},
	{"ECS-15", "both probes on the liveness path", noEdit, policy.Pass},
	{"ECS-15", "target group probes the readiness path", in("tg", "healthCheck.path", "/readyz"), policy.Fail},
	{"ECS-15", "container probes the readiness path", container("healthCheck.command", []any{"CMD", "curl", "-f", "--max-time", "2", "http://localhost:8000/readyz"}), policy.Fail},
	{"ECS-15", "container probes /livez, the target group HEALTH_CHECK_PATH", container("healthCheck.command", []any{"CMD", "curl", "-f", "http://localhost:8000/livez"}), policy.Pass},
	{"ECS-15", "target group probes a path the app does not serve as liveness", in("tg", "healthCheck.path", "/api/notes/"), policy.Fail},
	{"ECS-15", "client timeout outside the probe's", container("healthCheck.timeout", 3.0), policy.Fail},
	{"ECS-16", "configuration values only", noEdit, policy.Pass},
	{"ECS-16", "debug off", env("DJANGO_DEBUG", "False"), policy.Pass},
	{"ECS-16", "password literal under a secret-like name", env("DB_PASSWORD", "hunter2"), policy.Fail},
	{"ECS-17", "drops ALL, adds nothing", noEdit, policy.Pass},
	{"ECS-17", "no capabilities dropped", container("linuxParameters", del), policy.Fail},
	{"ECR-4", "pinned by digest", noEdit, policy.Pass},
	{"ECR-4", "immutable tag of the stack's repository", container("image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:abc123"), policy.Pass},
	{"ECR-4", "tag of the stack's repository made mutable", both(container("image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:abc123"),
		in("repository", "imageTagMutability", "MUTABLE")), policy.Fail},
	{"ECR-4", "no tag at all (latest)", container("image", "python"), policy.Fail},
	{"RDS-11", "DB_SECRET_ARN read at connect time by the task role", noEdit, policy.Pass},
	{"RDS-11", "password injected at start", container("secrets.0", map[string]any{"name": "DB_PASSWORD", "valueFrom": appSecret + ":password::"}), policy.Fail},
	{"RDS-11", "task role reads DB_SECRET_ARN through an attached policy of the stack", func(t *testing.T, d *doc) {
		d.get(t, "task-policy").inputs["policy"] = policyDoc(allow("WriteMedia", []any{"s3:PutObject"}, "arn:aws:s3:::media-bucket/*"))
		d.add("aws:iam/policy:Policy", "db-secret", "db-secret", map[string]any{"policy": policyDoc(allow("Read", []any{"secretsmanager:GetSecretValue"}, appSecret))},
			map[string]any{"arn": acct + "policy/db-secret"})
		d.add(tAttachment, "db-secret-attach", "db-secret-attach", map[string]any{"role": "task", "policyArn": acct + "policy/db-secret"}, nil)
	}, policy.Pass},
	{"RDS-11", "task role may not read DB_SECRET_ARN", in("task-policy", "policy", policyDoc(allow("WriteMedia", []any{"s3:PutObject"}, "arn:aws:s3:::media-bucket/*"))), policy.Fail},
	{"RDS-11", "no database connection", container("environment", []any{}), policy.NotApplicable},
	{"RDS-12", "an app secret, not the master", noEdit, policy.Pass},
	{"RDS-12", "DB_SECRET_ARN names the RDS master secret", both(container("environment.3", map[string]any{"name": "DB_SECRET_ARN", "value": masterSecret})), policy.Fail},
	{"RDS-12", "DB_PASSWORD from the RDS master secret", container("secrets.0", map[string]any{"name": "DB_PASSWORD", "valueFrom": masterSecret + ":password::"}), policy.Fail},
	{"IAM-2", "secrets, keys and roles named", noEdit, policy.Pass},
	{"IAM-2", "GetSecretValue on a prefix of named secrets", addStatement("task-policy", allow("Prefix", []any{"secretsmanager:GetSecretValue"},
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:app-*")), policy.Pass},
	{"IAM-2", "AWS managed execution role policy", func(t *testing.T, d *doc) {
		d.add(tAttachment, "exec-managed", "exec-managed", map[string]any{"role": "exec", "policyArn": policy.ManagedExecutionRolePolicy}, nil)
	}, policy.Pass},
	{"IAM-3", "service principals with aws:SourceAccount", noEdit, policy.Pass},
	{"IAM-3", "GitHub OIDC scoped to a repository's environment", addRole("deploy", map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Federated": acct + "oidc-provider/token.actions.githubusercontent.com"},
		"Action": "sts:AssumeRoleWithWebIdentity",
		"Condition": map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
			"token.actions.githubusercontent.com:sub": "repo:acme/shop:environment:production"}}}}}), policy.Pass},
	{"IAM-3", "service principal without a source condition", in("task", "assumeRolePolicy", map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}}}), policy.Fail},
	{"RES-1", "TLS-only bucket policies", noEdit, policy.Pass},
	{"RES-1", "ALB log delivery grant (named exception)", addStatement("logs-bucket-policy", map[string]any{
		"Sid": "ELBAccessLogsWrite", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::127311923021:root"},
		"Action": []any{"s3:PutObject"}, "Resource": []any{"arn:aws:s3:::logs-bucket/alb/AWSLogs/123456789012/*"}}), policy.Excepted},
	{"RES-1", "the ELB account granted more than log delivery", addStatement("logs-bucket-policy", map[string]any{
		"Sid": "ELBRead", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::127311923021:root"},
		"Action": []any{"s3:GetObject"}, "Resource": []any{"arn:aws:s3:::logs-bucket/*"}}), policy.Fail},
	{"RES-1", "an endpoint with the default (full access) policy", in("secretsmanager-endpoint", "policy", del), policy.Fail},
	{"RES-1", "an endpoint policy open to every account", in("s3-endpoint", "policy", policyDoc(map[string]any{
		"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})), policy.Fail},
	{"S3-5", "media access logs to the log bucket", noEdit, policy.Pass},
	{"S3-5", "no media access logs", drop("media-access-logs"), policy.Fail},
	{"MON-1", "5xx and latency alarms with actions, deployment alarms roll back", noEdit, policy.Pass},
	{"MON-1", "no latency alarm", drop("latency"), policy.Fail},
	{"MON-1", "alarm without actions", in("http-5xx", "alarmActions", []any{}), policy.Fail},
	{"MON-1", "deployment alarms do not roll back", in("service", "alarms.rollback", false), policy.Fail},
	// A worker (components.Worker) serves no requests: no 5xx or latency.
	{"MON-1", "a service without a load balancer", in("service", "loadBalancers", del), policy.NotApplicable},
}

// TestEveryCheckPassesAndFails runs each fixture and asserts its control's
// verdict; then asserts that every control has a fixture that passes it and
// one that fails it.
func TestEveryCheckPassesAndFails(t *testing.T) {
	passes, fails := map[string]bool{}, map[string]bool{}
	for _, c := range checkCases {
		t.Run(c.control+"/"+c.name, func(t *testing.T) {
			d := good()
			c.edit(t, d)
			rep := d.report(t)
			if got := verdict(t, rep, c.control); got != c.want {
				t.Errorf("%s: got %s, want %s%s", c.control, got, c.want, findings(rep, c.control))
			}
			if c.want == policy.Fail && !rep.Failed() {
				t.Errorf("report.Failed(): got false, want true for a required control failing")
			}
		})
		switch c.want {
		case policy.Pass:
			passes[c.control] = true
		case policy.Fail:
			fails[c.control] = true
		}
	}
	for _, c := range attacks { // run by TestAttacksFail
		fails[c.control] = true
	}
	for _, ctl := range policy.Controls() {
		if !passes[ctl.ID] {
			t.Errorf("%s: no fixture that passes it", ctl.ID)
		}
		if !fails[ctl.ID] {
			t.Errorf("%s: no fixture that fails it", ctl.ID)
		}
	}
}

// TestGoodFixtureFailsNothing keeps the base fixture honest: every control
// passes, is not applicable, or meets a checker-conflict exception.
func TestGoodFixtureFailsNothing(t *testing.T) {
	rep := good().report(t)
	for _, r := range rep.Results {
		if r.Verdict == policy.Fail || r.Verdict == policy.NotDecidable {
			t.Errorf("%s: got %s, want pass%s", r.Control.ID, r.Verdict, findings(rep, r.Control.ID))
		}
	}
	if rep.Failed() {
		t.Errorf("Failed(): got true, want false")
	}
}
