package service_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestHealthChecksProbeLiveness protects issue 12 item 2 (CONTROLS.md
// ECS-15): ECS replaces a task that fails its container health check or
// its target health (ECS developer guide, "Health checks for Amazon ECS
// services"), so both probe the liveness path, which never touches the
// database, and each finishes well inside its probe's timeout.
func TestHealthChecksProbeLiveness(t *testing.T) {
	res := runService(t, nil)
	c := web(t, res)
	tg := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup")
	hc := c["healthCheck"].(map[string]any)
	cmd := fmt.Sprint(hc["command"])
	if want := "http://127.0.0.1:8000/livez"; !regexp.MustCompile(regexp.QuoteMeta(want) + `\b`).MatchString(cmd) {
		t.Errorf("container health check: got %s, want it to call %s", cmd, want)
	}
	if got := tg.Input("healthCheck.path"); got != "/livez" {
		t.Errorf("target group health check path: got %v, want /livez", got)
	}
	if got := envOf(c, "environment")["HEALTH_CHECK_PATH"]; got != "/livez" {
		t.Errorf("HEALTH_CHECK_PATH: got %q, want /livez", got)
	}
	// The probe's own timeout must end before ECS gives up on the check, with
	// room for the interpreter to start (about 0.3 s on Fargate).
	m := regexp.MustCompile(`timeout=([0-9.]+)`).FindStringSubmatch(cmd)
	if m == nil {
		t.Fatalf("container health check %s sets no urlopen timeout", cmd)
	}
	probe, _ := strconv.ParseFloat(m[1], 64)
	checkTimeout, _ := hc["timeout"].(float64)
	if probe+2 > checkTimeout {
		t.Errorf("urlopen timeout %v s + 2 s start-up: got over the check's timeout %v s", probe, checkTimeout)
	}
	interval, _ := hc["interval"].(float64)
	if checkTimeout >= interval {
		t.Errorf("container check timeout %v s: got at least its interval %v s", checkTimeout, interval)
	}
	tgTimeout, _ := tg.Input("healthCheck.timeout").(float64)
	tgInterval, _ := tg.Input("healthCheck.interval").(float64)
	if tgTimeout >= tgInterval || tgTimeout > 5 {
		t.Errorf("target group timeout %v s / interval %v s: want timeout at most 5 s and below the interval", tgTimeout, tgInterval)
	}
}

// TestCapabilitiesDropped protects issue 20 item 5 (CONTROLS.md ECS-17):
// the container drops every Linux capability and adds none
// (linuxParameters.capabilities, aws-api/ecs-task-definition.json).
func TestCapabilitiesDropped(t *testing.T) {
	for _, exec := range []bool{false, true} {
		c := web(t, runService(t, func(a *components.DjangoServiceArgs) { a.EcsExec = exec }))
		if got := fmt.Sprint(offline.Lookup(c, "linuxParameters.capabilities.drop")); got != "[ALL]" {
			t.Errorf("ecsExec=%v: capabilities.drop: got %s, want [ALL]", exec, got)
		}
		if got := offline.Lookup(c, "linuxParameters.capabilities.add"); got != nil {
			t.Errorf("ecsExec=%v: capabilities.add: got %v, want none", exec, got)
		}
	}
}

// TestEcsExecLoggedAndEncrypted protects issue 20 item 5: with ECS Exec on,
// the cluster logs every session to a CloudWatch log group with retention
// and encrypts sessions and logs with a KMS key (ECS developer guide,
// "Monitor Amazon ECS containers with ECS Exec", executeCommandConfiguration),
// and the task role may use exactly that key and log group.
func TestEcsExecLoggedAndEncrypted(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) { a.EcsExec = true })
	cluster := testutil.One(t, res, "aws:ecs/cluster:Cluster")
	exec := cluster.Input("configuration.executeCommandConfiguration")
	if exec == nil {
		t.Fatalf("cluster configuration.executeCommandConfiguration: got none, want logging and a KMS key")
	}
	key := testutil.One(t, res, "aws:kms/key:Key")
	checks := map[string][2]any{
		"logging":          {offline.Lookup(exec, "logging"), "OVERRIDE"},
		"kmsKeyId":         {offline.Lookup(exec, "kmsKeyId"), key.Output("arn")},
		"encryption":       {offline.Lookup(exec, "logConfiguration.cloudWatchEncryptionEnabled"), true},
		"key rotation":     {key.Input("enableKeyRotation"), true},
		"log group exists": {res.Named("web-exec-logs") != nil, true},
	}
	for field, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s: got %v, want %v", field, c[0], c[1])
		}
	}
	lg := res.Named("web-exec-logs")
	if lg == nil {
		return
	}
	if got := offline.Lookup(exec, "logConfiguration.cloudWatchLogGroupName"); got != lg.Output("name") {
		t.Errorf("exec log group: got %v, want %v", got, lg.Output("name"))
	}
	if got := lg.Input("kmsKeyId"); got != key.Output("arn") {
		t.Errorf("exec log group kmsKeyId: got %v, want %v", got, key.Output("arn"))
	}
	if got, _ := lg.Input("retentionInDays").(float64); got < 1 {
		t.Errorf("exec log group retention: got %v, want set", got)
	}
	p := policy(t, res.Named("web-exec-policy").InputString("policy"))
	var decrypt bool
	for _, s := range p.Statement {
		for _, a := range s.Action {
			if a == "kms:Decrypt" && fmt.Sprint(s.Resource) == fmt.Sprint([]any{key.Output("arn")}) {
				decrypt = true
			}
		}
	}
	if !decrypt {
		t.Errorf("task role exec policy %v: want kms:Decrypt on the exec key only", p.Statement)
	}
}

// TestUnknownHostsAnswer421 protects issue 20 item 5 / issue 13 item 3: with
// a domain, the HTTPS listener forwards only requests for that host and
// answers any other Host with a fixed 421, so scanners that reach the load
// balancer by its DNS name or IP never reach Django. Target health checks go
// straight to the targets and are unaffected by listener rules (ELB guide,
// "Health checks for Application Load Balancer target groups").
func TestUnknownHostsAnswer421(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) {
		a.Domain, a.CertificateArn = "api.example.com", pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/abc")
	})
	https := res.Named("web-https")
	if got := https.Input("defaultActions.0.type"); got != "fixed-response" {
		t.Fatalf("HTTPS default action: got %v, want fixed-response", got)
	}
	if got := https.Input("defaultActions.0.fixedResponse.statusCode"); got != "421" {
		t.Errorf("HTTPS default status: got %v, want 421", got)
	}
	rules := res.ByType("aws:lb/listenerRule:ListenerRule")
	if len(rules) != 1 {
		t.Fatalf("listener rules: got %d, want 1", len(rules))
	}
	r := rules[0]
	tg := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup")
	checks := map[string][2]any{
		"listener": {r.Input("listenerArn"), https.Output("arn")},
		"host":     {fmt.Sprint(r.Input("conditions.0.hostHeader.values")), "[api.example.com]"},
		"action":   {r.Input("actions.0.type"), "forward"},
		"target":   {r.Input("actions.0.targetGroupArn"), tg.Output("arn")},
	}
	for field, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("rule %s: got %v, want %v", field, c[0], c[1])
		}
	}
	if svc := testutil.One(t, res, "aws:ecs/service:Service"); !res.WaitsFor(svc.URN)[r.URN] {
		t.Errorf("service does not depend on the forwarding rule: ECS refuses a target group no listener uses")
	}
	// Without a domain every host is forwarded, as before.
	plain := runService(t, nil)
	if n := len(plain.ByType("aws:lb/listenerRule:ListenerRule")); n != 0 {
		t.Errorf("listener rules without a domain: got %d, want 0", n)
	}
}

// TestInternalLoadBalancer protects the issue 20 item 5 option: an internal
// load balancer sits in the private subnets, with no public subnet needed.
func TestInternalLoadBalancer(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) { a.Internal, a.PublicSubnetIDs = true, nil })
	alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
	if got := alb.Input("internal"); got != true {
		t.Errorf("internal: got %v, want true", got)
	}
	if got := fmt.Sprint(alb.Input("subnets")); got != "[subnet-priv-a subnet-priv-b]" {
		t.Errorf("subnets: got %s, want the private subnets", got)
	}
}

// TestEgressFollowsEndpoints protects issue 20 item 5 on the component: with
// the endpoints' security group given, the tasks' HTTPS goes only to it and
// to the S3 prefix list, unless InternetEgress opts in to NAT egress.
func TestEgressFollowsEndpoints(t *testing.T) {
	for _, tc := range []struct {
		name     string
		edit     func(a *components.DjangoServiceArgs)
		internet bool
	}{
		{"no endpoints", nil, true},
		{"endpoints", func(a *components.DjangoServiceArgs) {
			a.EndpointSecurityGroupID, a.S3PrefixListID = pulumi.String("sg-endpoints"), pulumi.String("pl-s3")
		}, false},
		{"endpoints and NAT egress", func(a *components.DjangoServiceArgs) {
			a.EndpointSecurityGroupID, a.S3PrefixListID = pulumi.String("sg-endpoints"), pulumi.String("pl-s3")
			a.InternetEgress = pulumi.BoolRef(true)
		}, true},
	} {
		res := runService(t, tc.edit)
		taskSG := res.Named("web-task-sg").ID
		var internet, endpoints, s3 bool
		for _, r := range res.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
			if r.InputString("securityGroupId") != taskSG {
				continue
			}
			internet = internet || r.InputString("cidrIpv4") == "0.0.0.0/0"
			endpoints = endpoints || r.InputString("referencedSecurityGroupId") == "sg-endpoints" && r.Input("fromPort") == 443.0
			s3 = s3 || r.InputString("prefixListId") == "pl-s3" && r.Input("fromPort") == 443.0
		}
		if internet != tc.internet {
			t.Errorf("%s: egress to 0.0.0.0/0: got %v, want %v", tc.name, internet, tc.internet)
		}
		if want := tc.edit != nil; endpoints != want || s3 != want {
			t.Errorf("%s: egress to the endpoints %v and the S3 prefix list %v: want %v", tc.name, endpoints, s3, want)
		}
	}
}

// TestLaunchDependenciesArg checks that the resources a caller names in
// LaunchDependencies (the VPC's endpoints) come before the service.
func TestLaunchDependenciesArg(t *testing.T) {
	res := testutil.Run(t, func(ctx *pulumi.Context) error {
		sg, err := ec2.NewSecurityGroup(ctx, "endpoint-stand-in", &ec2.SecurityGroupArgs{})
		if err != nil {
			return err
		}
		args := baseArgs()
		args.LaunchDependencies = []pulumi.Resource{sg}
		_, err = components.NewDjangoService(ctx, "web", &args)
		return err
	})
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	if !res.WaitsFor(svc.URN)[res.Named("endpoint-stand-in").URN] {
		t.Errorf("service does not depend on the launch dependency it was given")
	}
}
