package policy_test

import (
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/policy"
)

// TestUnknownValuesAreNotDecidable: a value a check needs that the preview
// shows as unknown or secret makes the control not decidable, never pass,
// and a critical or high control fails closed on it; a link whose value is
// unknown is followed through propertyDependencies.
func TestUnknownValuesAreNotDecidable(t *testing.T) {
	cases := []struct {
		control, name string
		edit          func(t *testing.T, d *doc)
		want          policy.Verdict
	}{
		{"ECS-2", "container definitions unknown (high: fails closed)", in("task-def", "containerDefinitions", policy.Unknown), policy.Fail},
		{"ECS-9", "container definitions secret (high: fails closed)", in("task-def", "containerDefinitions", policy.Secret), policy.Fail},
		{"RDS-3", "multiAz secret", in("db", "multiAz", policy.Secret), policy.NotDecidable},
		{"RDS-2", "storageEncrypted unknown (high: fails closed)", in("db", "storageEncrypted", policy.Unknown), policy.Fail},
		{"ELB-3", "dropInvalidHeaderFields unknown", in("alb", "dropInvalidHeaderFields", policy.Unknown), policy.NotDecidable},
		{"NET-3", "NAT gateway's subnet unknown, no dependency", in("nat-2", "subnetId", policy.Unknown), policy.NotDecidable},
		{"NET-3", "every id unknown, followed by dependencies (a real first preview)", unknownNetworkIDs, policy.Pass},
		{"NET-3", "every id unknown, a private route to the other AZ's NAT gateway", both(unknownNetworkIDs, func(t *testing.T, d *doc) {
			d.get(t, "route-private2").deps["natGatewayId"] = []string{d.get(t, "nat-1").urn()}
		}), policy.Fail},
		{"IAM-1", "task policy unknown (critical: fails closed)", in("task-policy", "policy", policy.Unknown), policy.Fail},
		{"S3-4", "which bucket the app writes is unknown", both(in("task-policy", "policy", policy.Unknown), in("exec-policy", "policy",
			policyDoc(allow("Pull", []any{"ecr:BatchGetImage"}, repoArn)))), policy.NotDecidable},
		{"NET-1", "flow log's VPC unknown, no dependency", in("flow-log", "vpcId", policy.Unknown), policy.NotDecidable},
		{"NET-1", "flow log's VPC unknown, followed by dependency", func(t *testing.T, d *doc) {
			fl := d.get(t, "flow-log")
			set(fl.inputs, "vpcId", policy.Unknown)
			fl.deps = map[string][]string{"vpcId": {d.get(t, "vpc").urn()}}
		}, policy.Pass},
		{"NET-4", "rule's group unknown (critical: fails closed)", in("db-from-tasks", "securityGroupId", policy.Unknown), policy.Fail},
		{"ECS-1", "subnets unknown (critical: fails closed)", in("service", "networkConfiguration.subnets", []any{policy.Unknown, "subnet-priv2"}), policy.Fail},
		{"ECS-13", "target group's ARN unknown, no dependency", in("service", "loadBalancers.0.targetGroupArn", policy.Unknown), policy.NotDecidable},
		{"RDS-1", "subnet group unknown (critical: fails closed)", in("db", "dbSubnetGroupName", policy.Unknown), policy.Fail},
		{"LOG-1", "retention unknown", in("container-logs", "retentionInDays", policy.Unknown), policy.NotDecidable},
		{"IAM-2", "a policy behind a secret (critical: fails closed)", in("task-policy", "policy", policy.Secret), policy.Fail},
		{"IAM-3", "a trust policy unknown (critical: fails closed)", in("task", "assumeRolePolicy", policy.Unknown), policy.Fail},
		{"RES-1", "a bucket policy unknown (critical: fails closed)", in("media-bucket-policy", "policy", policy.Unknown), policy.Fail},
		{"ECS-16", "container definitions unknown (critical: fails closed)", in("task-def", "containerDefinitions", policy.Unknown), policy.Fail},
		{"ECR-4", "container definitions unknown (high: fails closed)", in("task-def", "containerDefinitions", policy.Unknown), policy.Fail},
		{"ECS-14", "the service's security groups unknown, no dependency (medium)", in("service", "networkConfiguration.securityGroups", policy.Unknown), policy.NotDecidable},
		{"MON-1", "deployment alarms unknown (medium)", in("service", "alarms", policy.Unknown), policy.NotDecidable},
		// A failure elsewhere on the resource still fails: unknowns never hide a known miss.
		{"RDS-5", "snapshot unknown but deletion protection off", both(in("db", "skipFinalSnapshot", policy.Unknown), in("db", "deletionProtection", false)), policy.Fail},
	}
	for _, c := range cases {
		t.Run(c.control+"/"+c.name, func(t *testing.T) {
			d := good()
			c.edit(t, d)
			rep := d.report(t)
			if got := verdict(t, rep, c.control); got != c.want {
				t.Errorf("%s: got %s, want %s%s", c.control, got, c.want, findings(rep, c.control))
			}
		})
	}
}

// realPreview is shaped like `pulumi preview --json` of a new stack: no ids
// or outputs, links that are the unknown placeholder with
// propertyDependencies naming their source, secrets as "[secret]", a delete
// step with only an oldState, and a replacement's steps for one URN.
const realPreview = `{
  "config": {"aws:region": "eu-west-1", "djangofargate:profile": "production", "djangofargate:dbPassword": "[secret]"},
  "steps": [
    {"op": "create", "urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod",
     "newState": {"urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", "type": "pulumi:pulumi:Stack"}},
    {"op": "delete", "urn": "urn:pulumi:prod::p::aws:s3/bucketV2:BucketV2::old",
     "oldState": {"urn": "urn:pulumi:prod::p::aws:s3/bucketV2:BucketV2::old", "type": "aws:s3/bucketV2:BucketV2", "id": "old"}},
    {"op": "create", "urn": "urn:pulumi:prod::p::aws:ec2/securityGroup:SecurityGroup::alb-sg",
     "newState": {"urn": "urn:pulumi:prod::p::aws:ec2/securityGroup:SecurityGroup::alb-sg", "type": "aws:ec2/securityGroup:SecurityGroup", "custom": true,
       "inputs": {"vpcId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "description": "alb"}}},
    {"op": "create", "urn": "urn:pulumi:prod::p::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::alb-https",
     "newState": {"urn": "urn:pulumi:prod::p::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::alb-https",
       "type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "custom": true,
       "inputs": {"securityGroupId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443, "ipProtocol": "tcp", "description": "HTTPS"},
       "propertyDependencies": {"securityGroupId": ["urn:pulumi:prod::p::aws:ec2/securityGroup:SecurityGroup::alb-sg"]}}},
    {"op": "create", "urn": "urn:pulumi:prod::p::aws:lb/loadBalancer:LoadBalancer::alb",
     "newState": {"urn": "urn:pulumi:prod::p::aws:lb/loadBalancer:LoadBalancer::alb", "type": "aws:lb/loadBalancer:LoadBalancer", "custom": true,
       "inputs": {"securityGroups": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "dropInvalidHeaderFields": true, "enableDeletionProtection": true,
         "accessLogs": {"bucket": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "enabled": true}},
       "propertyDependencies": {"securityGroups": ["urn:pulumi:prod::p::aws:ec2/securityGroup:SecurityGroup::alb-sg"]}}},
    {"op": "create", "urn": "urn:pulumi:prod::p::aws:ecs/taskDefinition:TaskDefinition::task",
     "newState": {"urn": "urn:pulumi:prod::p::aws:ecs/taskDefinition:TaskDefinition::task", "type": "aws:ecs/taskDefinition:TaskDefinition", "custom": true,
       "inputs": {"family": "app", "networkMode": "awsvpc", "containerDefinitions": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
         "executionRoleArn": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "taskRoleArn": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}},
    {"op": "create", "urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::db",
     "newState": {"urn": "urn:pulumi:prod::p::aws:rds/instance:Instance::db", "type": "aws:rds/instance:Instance", "custom": true, "protect": true,
       "inputs": {"engine": "postgres", "publiclyAccessible": false, "storageEncrypted": true, "multiAz": "[secret]", "password": "[secret]",
         "dbSubnetGroupName": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "manageMasterUserPassword": true, "username": "django",
         "backupRetentionPeriod": 14, "deletionProtection": true, "skipFinalSnapshot": false, "finalSnapshotIdentifier": "[secret]",
         "enabledCloudwatchLogsExports": ["postgresql", "upgrade"], "parameterGroupName": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
         "autoMinorVersionUpgrade": true, "copyTagsToSnapshot": true, "performanceInsightsEnabled": true}}},
    {"op": "create-replacement", "urn": "urn:pulumi:prod::p::aws:cloudwatch/logGroup:LogGroup::logs",
     "newState": {"urn": "urn:pulumi:prod::p::aws:cloudwatch/logGroup:LogGroup::logs", "type": "aws:cloudwatch/logGroup:LogGroup", "custom": true,
       "inputs": {"retentionInDays": 365}}},
    {"op": "replace", "urn": "urn:pulumi:prod::p::aws:cloudwatch/logGroup:LogGroup::logs",
     "newState": {"urn": "urn:pulumi:prod::p::aws:cloudwatch/logGroup:LogGroup::logs", "type": "aws:cloudwatch/logGroup:LogGroup", "custom": true,
       "inputs": {"retentionInDays": 365}}},
    {"op": "delete-replaced", "urn": "urn:pulumi:prod::p::aws:cloudwatch/logGroup:LogGroup::logs",
     "oldState": {"urn": "urn:pulumi:prod::p::aws:cloudwatch/logGroup:LogGroup::logs", "type": "aws:cloudwatch/logGroup:LogGroup", "id": "logs"}}
  ],
  "changeSummary": {"create": 6, "delete": 1, "replace": 1}
}`

// TestRealPreviewShape: a document shaped like a real preview is read; what
// it shows is judged, what it hides is not decidable (a failure for critical
// and high controls, with the reason), and nothing hidden passes.
func TestRealPreviewShape(t *testing.T) {
	d, err := policy.Decode([]byte(realPreview))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d.Resources); got != 7 {
		t.Errorf("resources: got %d, want 7 (the stack and 6 resources: deletes skipped, a replacement once)", got)
	}
	rep := policy.Evaluate(d)
	want := map[string]policy.Verdict{
		"NET-4":  policy.Excepted, // the rule's group followed through propertyDependencies to the ALB's group
		"ELB-3":  policy.Pass,
		"ELB-5":  policy.NotDecidable, // the log bucket is unknown
		"ECS-2":  policy.Fail,         // containerDefinitions unknown: a high control fails closed
		"ECS-4":  policy.Fail,         // the same, critical
		"ECS-8":  policy.NotDecidable, // both roles unknown, no dependencies (medium)
		"RDS-1":  policy.Fail,         // subnet group unknown (critical)
		"RDS-2":  policy.Pass,
		"RDS-3":  policy.NotDecidable, // multiAz secret (medium)
		"RDS-7":  policy.Fail,         // parameter group unknown (high)
		"RDS-5":  policy.Pass,         // a secret final snapshot name is still a name
		"LOG-1":  policy.Pass,
		"DATA-1": policy.Pass,
		"ECS-1":  policy.NotApplicable, // no service in this document
	}
	for id, w := range want {
		if got := verdict(t, rep, id); got != w {
			t.Errorf("%s: got %s, want %s%s", id, got, w, findings(rep, id))
		}
	}
	for _, f := range rep.Findings {
		if f.Verdict == policy.Pass && (strings.Contains(f.Reason, policy.Unknown) || strings.Contains(f.Reason, policy.Secret)) {
			t.Errorf("%s %s: passed on a hidden value: %s", f.Control, f.Resource, f.Reason)
		}
		if f.Code == "not-decidable" && !strings.HasPrefix(f.Reason, "not decidable, and a ") {
			t.Errorf("%s %s: a fail-closed finding without its reason: %s", f.Control, f.Resource, f.Reason)
		}
	}
	if !rep.Failed() {
		t.Errorf("Failed(): got false, want true (hidden values fail the critical and high controls)")
	}
}

// TestExceptionsAreScoped: a checker-conflict exception covers exactly its
// case; a development trade-off covers nothing in production.
func TestExceptionsAreScoped(t *testing.T) {
	cases := []struct {
		name, control, profile string
		edit                   func(t *testing.T, d *doc)
		want                   policy.Verdict
	}{
		{"single AZ database in development", "RDS-3", "development", in("db", "multiAz", false), policy.Excepted},
		{"single AZ database in production", "RDS-3", "production", in("db", "multiAz", false), policy.Fail},
		{"unencrypted database in development (no trade-off)", "RDS-2", "development", in("db", "storageEncrypted", false), policy.Fail},
		{"GetAuthorizationToken alone on *", "IAM-1", "production", noEdit, policy.Excepted},
		{"ssmmessages channels on *", "IAM-1", "production", in("exec-policy", "policy", policyDoc(allow("Exec",
			[]any{"ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel"}, "*"))), policy.Excepted},
		{"ssmmessages wildcard action on *", "IAM-1", "production", in("exec-policy", "policy", policyDoc(allow("Exec",
			[]any{"ssmmessages:*"}, "*"))), policy.Fail},
		{"AWS managed execution role policy", "IAM-1", "production", both(
			in("exec-policy", "policy", policyDoc(allow("Pull", []any{"ecr:BatchGetImage"}, repoArn))),
			func(t *testing.T, d *doc) {
				d.add(tAttachment, "exec-managed", "exec-managed", map[string]any{"role": "exec", "policyArn": policy.ManagedExecutionRolePolicy}, nil)
			}), policy.Excepted},
		{"ALB open on 8080", "NET-4", "production", both(in("alb-http", "fromPort", 8080.0), in("alb-http", "toPort", 8080.0)), policy.Fail},
		{"secret-like environment next to the clean ones", "ECS-4", "production", container("environment.1",
			map[string]any{"name": "API_TOKEN", "value": "x"}), policy.Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := good()
			d.config[policy.ProfileKey] = c.profile
			c.edit(t, d)
			rep := d.report(t)
			if got := verdict(t, rep, c.control); got != c.want {
				t.Errorf("%s: got %s, want %s%s", c.control, got, c.want, findings(rep, c.control))
			}
		})
	}
}

// unknownNetworkIDs makes every id the VPC's network resources link by
// unknown, with the property dependencies a real first preview has.
func unknownNetworkIDs(t *testing.T, d *doc) {
	byID := map[string]string{}
	for _, r := range d.rs {
		byID[r.id] = r.urn()
	}
	for _, r := range d.rs {
		switch r.typ {
		case tSubnet, tRouteTable, tRTAssoc, tRoute, tNat:
			for _, k := range []string{"vpcId", "subnetId", "routeTableId", "natGatewayId", "gatewayId"} {
				if id, ok := r.inputs[k].(string); ok {
					if r.deps == nil {
						r.deps = map[string][]string{}
					}
					r.deps[k] = []string{byID[id]}
					r.inputs[k] = policy.Unknown
				}
			}
		}
	}
}
