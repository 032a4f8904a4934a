// Package stack_test tests the whole stack program, as each stack file
// configures it, on the offline engine.
package stack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestExports checks that every stack output is wired to the resource it names.
func TestExports(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			res := testutil.MustRunStack(t, stack, nil)
			alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
			db := testutil.One(t, res, "aws:rds/instance:Instance")
			media := res.Named("djangofargate-media")
			want := map[string]any{
				"url":           "http://" + alb.Output("dnsName").(string),
				"albDnsName":    alb.Output("dnsName"),
				"clusterName":   testutil.One(t, res, "aws:ecs/cluster:Cluster").Output("name"),
				"serviceName":   testutil.One(t, res, "aws:ecs/service:Service").Output("name"),
				"logGroupName":  res.Named("djangofargate-container-logs").Output("name"),
				"repositoryUrl": testutil.One(t, res, "aws:ecr/repository:Repository").Output("repositoryUrl"),
				"imageUri":      testutil.One(t, res, "docker:index/image:Image").Output("imageName"),
				"dbEndpoint":    db.Output("endpoint"),
				"dbSecretArn":   db.Output("masterUserSecrets.0.secretArn"),
				// The role secrets and the role the deployer must be
				// allowed to pass (iam:PassRole) for the migration task.
				"dbAppSecretArn":   res.Named("djangofargate-app-credentials").Output("arn"),
				"dbOwnerSecretArn": res.Named("djangofargate-owner-credentials").Output("arn"),
				"migrationRoleArn": res.Named("djangofargate-migration-role").Output("arn"),
				"mediaBucket":      media.Output("bucket"),
				"vpcId":            testutil.One(t, res, "awsx:ec2:Vpc").Output("vpcId"),
			}
			want["generatedSecretArns"] = map[string]any{"API_TOKEN": res.Named("djangofargate-api-token").Output("arn")}
			if stack == "prod" { // alarms on: the topic people subscribe to
				want["alarmTopicArn"] = testutil.One(t, res, "aws:sns/topic:Topic").Output("arn")
			}
			if len(res.Exports) != len(want) {
				t.Errorf("exports: got %d %v, want %d", len(res.Exports), res.Exports, len(want))
			}
			for k, w := range want {
				if got := res.Exports[k]; fmt.Sprint(got) != fmt.Sprint(w) || got == "" || got == nil {
					t.Errorf("export %s: got %v, want %v", k, got, w)
				}
			}
			// Pinned by the content tag, which the IMMUTABLE repository never moves.
			repo := testutil.One(t, res, "aws:ecr/repository:Repository")
			if uri := fmt.Sprint(res.Exports["imageUri"]); !strings.HasPrefix(uri, fmt.Sprint(repo.Output("repositoryUrl"))+":src-") ||
				repo.Input("imageTagMutability") != "IMMUTABLE" {
				t.Errorf("imageUri %v is not a content tag of the stack's immutable repository", uri)
			}
		})
	}
}

// TestWiring checks the values one component hands another: subnets per
// tier, the image, the database and the media bucket.
func TestWiring(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	vpc := testutil.One(t, res, "awsx:ec2:Vpc")
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
	subnetGroup := testutil.One(t, res, "aws:rds/subnetGroup:SubnetGroup")
	checks := map[string][2]any{
		"tasks in private subnets": {svc.Input("networkConfiguration.subnets"), vpc.Output("privateSubnetIds")},
		"ALB in public subnets":    {alb.Input("subnets"), vpc.Output("publicSubnetIds")},
		"database in isolated":     {subnetGroup.Input("subnetIds"), vpc.Output("isolatedSubnetIds")},
		"ALB logs bucket":          {alb.Input("accessLogs.bucket"), res.Named("djangofargate-logs").Output("bucket")},
	}
	for what, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) || c[0] == nil {
			t.Errorf("%s: got %v, want %v", what, c[0], c[1])
		}
	}
	// The ALB must wait for the log bucket's policy, and write where it allows.
	if deps := alb.PropertyDependencies["accessLogs"]; !slices.Contains(deps, res.Named("djangofargate-logs-policy").URN) {
		t.Errorf("ALB accessLogs depends on %v, want the log bucket policy: logging fails with Access Denied before it exists", deps)
	}
	var doc struct{ Statement []struct{ Resource any } }
	policy := res.Named("djangofargate-logs-policy")
	if policy == nil {
		t.Fatal("no log bucket policy")
	}
	if err := json.Unmarshal([]byte(policy.InputString("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("%s/%s/AWSLogs/", res.Named("djangofargate-logs").Output("arn"), alb.Input("accessLogs.prefix"))
	if !strings.Contains(fmt.Sprint(doc.Statement), prefix) {
		t.Errorf("log bucket policy %v does not grant %s*", doc.Statement, prefix)
	}
	var defs []map[string]any
	td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
	if err := json.Unmarshal([]byte(td.InputString("containerDefinitions")), &defs); err != nil {
		t.Fatal(err)
	}
	if got, want := defs[0]["image"], res.Exports["imageUri"]; got != want {
		t.Errorf("container image: got %v, want %v", got, want)
	}
	if got, want := td.Input("runtimePlatform.cpuArchitecture"), "X86_64"; got != want {
		t.Errorf("cpuArchitecture: got %v, want %v", got, want)
	}
	if got := testutil.One(t, res, "docker:index/image:Image").Input("build.platform"); got != "linux/amd64" {
		t.Errorf("image platform: got %v, want linux/amd64", got)
	}
}

// TestDatabaseCredentialWiring checks RDS-11/RDS-12 across the stack: the
// web container connects with the Database's app secret, named by ARN in
// its environment; only the task role's policy names it; the migration
// role reads the owner, app and master secrets of this stack's Database.
func TestDatabaseCredentialWiring(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			res := testutil.MustRunStack(t, stack, nil)
			app := res.Named("djangofargate-app-credentials").Output("arn")
			owner := res.Named("djangofargate-owner-credentials").Output("arn")
			master := testutil.One(t, res, "aws:rds/instance:Instance").Output("masterUserSecrets.0.secretArn")
			var defs []struct {
				Environment, Secrets []map[string]string
			}
			td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
			if err := json.Unmarshal([]byte(td.InputString("containerDefinitions")), &defs); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{}
			for _, e := range defs[0].Environment {
				env[e["name"]] = e["value"]
			}
			if env["DB_SECRET_ARN"] != app || env["AWS_REGION"] != "us-east-1" {
				t.Errorf("environment: got DB_SECRET_ARN %q, AWS_REGION %q; want the app secret %v and us-east-1", env["DB_SECRET_ARN"], env["AWS_REGION"], app)
			}
			// No database credential travels through secrets: only the
			// generated DJANGO_SECRET_KEY and API_TOKEN (generatedSecrets).
			for _, s := range defs[0].Secrets {
				if s["name"] != "DJANGO_SECRET_KEY" && !(s["name"] == "API_TOKEN" && s["valueFrom"] == res.Named("djangofargate-api-token").Output("arn")) {
					t.Errorf("secrets: got %s from %s, want only DJANGO_SECRET_KEY and the generated API_TOKEN", s["name"], s["valueFrom"])
				}
			}
			wantPolicies := map[string]string{
				"djangofargate-db-secret-policy": fmt.Sprintf("[%s]", app),
				"djangofargate-migration-policy": fmt.Sprintf("[%s %s %s]", owner, app, master),
			}
			for name, want := range wantPolicies {
				var doc struct {
					Statement []struct{ Action, Resource []string }
				}
				if err := json.Unmarshal([]byte(res.Named(name).InputString("policy")), &doc); err != nil {
					t.Fatal(err)
				}
				if len(doc.Statement) != 1 || fmt.Sprint(doc.Statement[0].Action) != "[secretsmanager:GetSecretValue]" || fmt.Sprint(doc.Statement[0].Resource) != want {
					t.Errorf("%s: got %+v, want GetSecretValue on %s", name, doc.Statement, want)
				}
			}
			for _, p := range res.ByType("aws:iam/rolePolicy:RolePolicy") {
				if _, ok := wantPolicies[p.Name]; !ok && strings.Contains(p.InputString("policy"), fmt.Sprint(master)) {
					t.Errorf("%s names the master secret; only the migration role may read it", p.Name)
				}
			}
		})
	}
}

// TestNetworkChain checks NET-4 across the whole stack: the ALB is the only
// thing open to the internet, and every rule has a description.
func TestNetworkChain(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	open := map[string]bool{}
	for _, r := range res.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if c := r.InputString("cidrIpv4") + r.InputString("cidrIpv6"); c == "0.0.0.0/0" || c == "::/0" {
			open[r.InputString("securityGroupId")] = true
			if p := r.Input("fromPort"); p != float64(80) && p != float64(443) {
				t.Errorf("%s opens port %v to the internet", r.Name, p)
			}
		}
	}
	albSG := res.Named("djangofargate-alb-sg").ID
	if len(open) != 1 || !open[albSG] {
		t.Errorf("groups open to the internet: got %v, want only the ALB's %s", open, albSG)
	}
	for _, sg := range res.ByType("aws:ec2/securityGroup:SecurityGroup") {
		ingress, _ := sg.Input("ingress").([]any)
		for _, in := range ingress {
			rule := in.(map[string]any)
			if rule["description"] == "" || rule["description"] == nil {
				t.Errorf("%s: inline rule without description: %v", sg.Name, rule)
			}
			if fmt.Sprint(rule["cidrBlocks"]) == "[0.0.0.0/0]" {
				t.Errorf("%s: inline rule open to the internet", sg.Name)
			}
		}
	}
	dbSG := res.Named("djangofargate-sg")
	if dbSG == nil || dbSG.Input("ingress") != nil {
		t.Errorf("database security group: got inline ingress %v, want none (the service adds one rule)", dbSG)
	}
}

// TestProfiles checks what each profile trades: protection, availability
// and cost (DATA-1, RDS-3, RDS-5, ECS-11, ELB-5, ELB-6, NET-1, NET-3).
func TestProfiles(t *testing.T) {
	prod := testutil.MustRunStack(t, "prod", nil)
	dev := testutil.MustRunStack(t, "dev", nil)
	get := func(res *offline.Result, typ, path string) any { return testutil.One(t, res, typ).Input(path) }
	cases := []struct {
		what      string
		prod, dev any
		read      func(*offline.Result) any
	}{
		{"database protect", true, false, func(r *offline.Result) any { return testutil.One(t, r, "aws:rds/instance:Instance").Protect }},
		{"media bucket protect", true, false, func(r *offline.Result) any { return r.Named("djangofargate-media").Protect }},
		{"media bucket retainOnDelete", true, false, func(r *offline.Result) any { return r.Named("djangofargate-media").RetainOnDelete }},
		{"multiAz", true, false, func(r *offline.Result) any { return get(r, "aws:rds/instance:Instance", "multiAz") }},
		{"backups", float64(14), float64(1), func(r *offline.Result) any { return get(r, "aws:rds/instance:Instance", "backupRetentionPeriod") }},
		{"db deletion protection", true, false, func(r *offline.Result) any { return get(r, "aws:rds/instance:Instance", "deletionProtection") }},
		{"instance class", "db.t4g.medium", "db.t4g.micro", func(r *offline.Result) any { return get(r, "aws:rds/instance:Instance", "instanceClass") }},
		{"NAT", "OnePerAz", "Single", func(r *offline.Result) any { return get(r, "awsx:ec2:Vpc", "natGateways.strategy") }},
		{"flow logs", 1, 0, func(r *offline.Result) any { return len(r.ByType("aws:ec2/flowLog:FlowLog")) }},
		{"ALB deletion protection", true, false, func(r *offline.Result) any {
			return get(r, "aws:lb/loadBalancer:LoadBalancer", "enableDeletionProtection")
		}},
		{"ALB access logs", true, nil, func(r *offline.Result) any { return get(r, "aws:lb/loadBalancer:LoadBalancer", "accessLogs.enabled") }},
		{"container insights", "enabled", "disabled", func(r *offline.Result) any { return get(r, "aws:ecs/cluster:Cluster", "settings.0.value") }},
		{"task cpu", "1024", "256", func(r *offline.Result) any { return get(r, "aws:ecs/taskDefinition:TaskDefinition", "cpu") }},
		{"min tasks", float64(2), float64(1), func(r *offline.Result) any { return get(r, "aws:appautoscaling/target:Target", "minCapacity") }},
		{"spot", nil, "FARGATE_SPOT", func(r *offline.Result) any {
			return get(r, "aws:ecs/service:Service", "capacityProviderStrategies.0.capacityProvider")
		}},
		{"log retention", float64(365), float64(14), func(r *offline.Result) any { return r.Named("djangofargate-container-logs").Input("retentionInDays") }},
	}
	for _, c := range cases {
		if got := c.read(prod); fmt.Sprint(got) != fmt.Sprint(c.prod) {
			t.Errorf("prod %s: got %v, want %v", c.what, got, c.prod)
		}
		if got := c.read(dev); fmt.Sprint(got) != fmt.Sprint(c.dev) {
			t.Errorf("dev %s: got %v, want %v", c.what, got, c.dev)
		}
	}
	// Security never depends on the profile.
	for _, res := range []*offline.Result{prod, dev} {
		db := testutil.One(t, res, "aws:rds/instance:Instance")
		if db.Input("storageEncrypted") != true || db.Input("publiclyAccessible") != false || db.Input("manageMasterUserPassword") != true {
			t.Errorf("database security differs by profile: %v", offline.Plain(db.Inputs))
		}
	}
}

// TestHTTPSConfig checks the domain and certificate keys reach the listeners.
func TestHTTPSConfig(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", map[string]string{"domain": "api.example.com", "hostedZone": "example.com"})
	if res.Exports["url"] != "https://api.example.com" {
		t.Errorf("url: got %v, want https://api.example.com", res.Exports["url"])
	}
	if n := len(res.ByType("aws:acm/certificate:Certificate")); n != 1 {
		t.Errorf("certificates: got %d, want 1", n)
	}
	for _, l := range res.ByType("aws:lb/listener:Listener") {
		if l.Input("port") == float64(80) && l.Input("defaultActions.0.type") != "redirect" {
			t.Errorf("port 80 with a domain: got %v, want redirect", l.Input("defaultActions.0.type"))
		}
	}
}

// TestPreview checks the program runs as `pulumi preview` runs it.
func TestPreview(t *testing.T) {
	res, err := offline.Run(stacksProgram, offline.Options{
		Project: testutil.Project, Stack: "prod", Config: testutil.StackConfig(t, "prod", nil),
		Preview: true, RootDirectory: testutil.RepoRoot(),
	})
	if err != nil || len(res.Resources) < 50 {
		t.Fatalf("preview: got %v with %d resources", err, len(res.Resources))
	}
}
