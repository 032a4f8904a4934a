package synth_test

import (
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
)

// TestMermaidDrawsTheStackNetwork protects the diagram of the stacks as they
// are: the VPC with its AZ count and range, the NAT gateways the profile
// chooses (one per AZ in production, one shared in development), interface
// endpoints only where configured, and egress from NAT to the internet.
func TestMermaidDrawsTheStackNetwork(t *testing.T) {
	tests := []struct {
		name, stack string
		config      []string
		vpc, nat    string // label parts; nat "" means no NAT node
		endpoints   bool
	}{
		{"prod", "prod", nil, "VPC 10.0.0.0/16 · 2 AZs", "NAT gateway × 2<br/>one per AZ", true},
		{"dev", "dev", nil, "VPC 10.1.0.0/16 · 2 AZs", "NAT gateway × 1<br/>shared by all AZs", false},
		{"prod with 3 AZs", "prod", []string{"-config", "azCount=3"}, "· 3 AZs", "NAT gateway × 3", true},
		{"prod without NAT", "prod", []string{"-config", "natGateways=None"}, "VPC 10.0.0.0/16", "", true},
		{"dev with endpoints", "dev", []string{"-config", "vpcEndpoints=true"}, "VPC 10.1.0.0/16", "NAT gateway × 1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := parseMermaid(t, mustRun(t, append([]string{"-stack", tc.stack, "-format", "mermaid"}, tc.config...)...))
			if got := g.labels["vpc"]; !strings.Contains(got, tc.vpc) {
				t.Errorf("vpc subgraph: got %q, want %q in it", got, tc.vpc)
			}
			if tc.nat == "" {
				if g.has("NAT gateway") {
					t.Errorf("NAT node: got one, want none; labels %v", g.labels)
				}
			} else {
				nat := g.node(t, tc.nat)
				if g.inGraph[nat] != "public" {
					t.Errorf("NAT node in subgraph %q, want public", g.inGraph[nat])
				}
				if !g.edge(nat, "-->", "", "internet") {
					t.Errorf("edges %v: want %s --> internet", g.edges, nat)
				}
			}
			if got := g.has("VPC interface endpoints"); got != tc.endpoints {
				t.Errorf("interface endpoints node: got %v, want %v; labels %v", got, tc.endpoints, g.labels)
			}
			if tc.endpoints {
				ep := g.node(t, "VPC interface endpoints")
				for _, svc := range []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"} {
					if !strings.Contains(g.labels[ep], svc) {
						t.Errorf("endpoints label %q: want %s", g.labels[ep], svc)
					}
				}
				if g.inGraph[ep] != "private" {
					t.Errorf("endpoints node in subgraph %q, want private", g.inGraph[ep])
				}
			}
			if !g.has("VPC gateway endpoints<br/>s3") {
				t.Errorf("labels %v: want the S3 gateway endpoint", g.labels)
			}
		})
	}
}

// fullStack builds by hand the resources a complete deployment registers,
// with the references between them that the components wire: the diagram of
// the whole architecture is tested before the components exist.
func fullStack(spot bool, multiAZ bool) *offline.Result {
	b := newBuilder("prod")
	net := b.add("djangofargate:components:Network", "app", nil, "", nil, nil)
	b.add("awsx:ec2:Vpc", "app-vpc", net, "", map[string]any{
		"cidrBlock": "10.0.0.0/16", "numberOfAvailabilityZones": 3,
		"natGateways": map[string]any{"strategy": "OnePerAz"},
		"subnetSpecs": []any{map[string]any{"type": "Public"}, map[string]any{"type": "Private"}, map[string]any{"type": "Isolated"}},
	}, nil)
	const (
		albARN  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/app-alb-1234567/0123456789abcdef"
		tgARN   = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app-tg-1234567/0123456789abcdef"
		tdARN   = "arn:aws:ecs:us-east-1:123456789012:task-definition/app-web:1"
		svcARN  = "arn:aws:ecs:us-east-1:123456789012:service/app-cluster-1234567/app-service-1234567"
		media   = "app-media-1234567"
		albLogs = "app-alb-logs-1234567"
	)
	svcComp := b.add("djangofargate:components:DjangoService", "app", nil, "", nil, nil)
	b.add("aws:lb/loadBalancer:LoadBalancer", "app-alb", svcComp, albARN, map[string]any{
		"loadBalancerType": "application", "internal": false,
		"accessLogs": map[string]any{"bucket": albLogs, "enabled": true},
	}, map[string]any{"arn": albARN})
	b.add("aws:lb/targetGroup:TargetGroup", "app-tg", svcComp, tgARN, map[string]any{"port": 8000}, map[string]any{"arn": tgARN})
	b.add("aws:lb/listener:Listener", "app-https", svcComp, albARN+"/l1", map[string]any{
		"loadBalancerArn": albARN, "port": 443, "protocol": "HTTPS",
		"defaultActions": []any{map[string]any{"type": "forward", "targetGroupArn": tgARN}},
	}, nil)
	b.add("aws:lb/listener:Listener", "app-http", svcComp, albARN+"/l2", map[string]any{
		"loadBalancerArn": albARN, "port": 80, "protocol": "HTTP",
		"defaultActions": []any{map[string]any{"type": "redirect", "redirect": map[string]any{"port": "443", "protocol": "HTTPS"}}},
	}, nil)
	b.add("aws:ecs/taskDefinition:TaskDefinition", "app-task", svcComp, "app-web", map[string]any{
		"family": "app-web", "cpu": "512", "memory": "1024",
		"containerDefinitions": `[{"name":"web","environment":[{"name":"AWS_STORAGE_BUCKET_NAME","value":"` + media + `"}]}]`,
	}, map[string]any{"arn": tdARN})
	service := map[string]any{
		"taskDefinition": tdARN, "desiredCount": 2,
		"loadBalancers": []any{map[string]any{"targetGroupArn": tgARN, "containerName": "web", "containerPort": 8000}},
	}
	if spot {
		service["capacityProviderStrategies"] = []any{map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1}}
	} else {
		service["launchType"] = "FARGATE"
	}
	b.add("aws:ecs/service:Service", "app-service", svcComp, svcARN, service, map[string]any{"name": "app-service-1234567"})
	b.add("aws:appautoscaling/target:Target", "app-scaling", svcComp, "service/app-cluster-1234567/app-service-1234567", map[string]any{
		"resourceId": "service/app-cluster-1234567/app-service-1234567", "serviceNamespace": "ecs",
		"minCapacity": 2, "maxCapacity": 10,
	}, nil)
	db := b.add("djangofargate:components:Database", "app-db", nil, "", nil, nil)
	b.add("aws:rds/instance:Instance", "app-db-db", db, "db-abc", map[string]any{
		"engine": "postgres", "engineVersion": "17", "instanceClass": "db.t4g.medium",
		"multiAz": multiAZ, "manageMasterUserPassword": true, "port": 5432,
	}, nil)
	b.add("aws:ecr/repository:Repository", "app-repository", nil, "app-repository-1234567", nil, nil)
	b.add("aws:secretsmanager/secret:Secret", "app-django-secret-key", svcComp, "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-django-1234567-abcdef", nil, nil)
	b.add("aws:s3/bucketV2:BucketV2", "app-media", nil, media, map[string]any{"bucket": media}, map[string]any{"bucket": media})
	b.add("aws:s3/bucketV2:BucketV2", "app-alb-logs", nil, albLogs, map[string]any{"bucket": albLogs}, map[string]any{"bucket": albLogs})
	return b.res
}

// TestMermaidDrawsTheWholeArchitecture protects the diagram the deployment
// guides draw: internet -> ALB (listeners) -> tasks (size, count, scaling)
// in private subnets -> database in isolated subnets; ECR, secrets and the
// media bucket in the AWS services box, reached through NAT when the run has
// no endpoints; ALB logs to their bucket; NAT egress.
func TestMermaidDrawsTheWholeArchitecture(t *testing.T) {
	g := parseMermaid(t, render(t, fullStack(false, true), "mermaid"))

	alb := g.node(t, "Application Load Balancer")
	tasks := g.node(t, "ECS service app-service")
	db := g.node(t, "RDS PostgreSQL 17")
	ecr := g.node(t, "ECR repository")
	secrets := g.node(t, "Secrets Manager")
	media := g.node(t, "S3 bucket<br/>app-media")
	logs := g.node(t, "S3 bucket<br/>app-alb-logs")
	nat := g.node(t, "NAT gateway × 3")

	labels := []struct{ node, want string }{
		{alb, "listeners: HTTP 80 → HTTPS 443, HTTPS 443"},
		{tasks, "Fargate tasks: 0.5 vCPU · 1 GB"},
		{tasks, "desired 2 · autoscaling 2-10"},
		{db, "db.t4g.medium · Multi-AZ"},
		{secrets, "app-django-secret-key"},
		{secrets, "app-db-db master password (managed by RDS)"},
		{"vpc", "VPC 10.0.0.0/16 · 3 AZs"},
		{"private", "Private subnets · 3 AZs"},
	}
	for _, l := range labels {
		if !strings.Contains(g.labels[l.node], l.want) {
			t.Errorf("%s label: got %q, want %q in it", l.node, g.labels[l.node], l.want)
		}
	}
	placed := []struct{ node, graph string }{
		{alb, "public"}, {nat, "public"}, {tasks, "private"}, {db, "isolated"},
		{ecr, "aws"}, {secrets, "aws"}, {media, "aws"}, {"internet", ""},
	}
	for _, p := range placed {
		if got := g.inGraph[p.node]; got != p.graph {
			t.Errorf("%s is in subgraph %q, want %q", p.node, got, p.graph)
		}
	}
	edges := []struct{ from, arrow, label, to string }{
		{"internet", "-->", "HTTP 80, HTTPS 443", alb},
		{alb, "-->", "port 8000", tasks},
		{tasks, "-->", "5432", db},
		// No endpoints in this run: the tasks reach ECR, Secrets Manager
		// and S3 through NAT.
		{nat, "-.->", "", ecr},
		{nat, "-.->", "", secrets},
		{nat, "-.->", "", media},
		{alb, "-.->", "access logs", logs},
		{tasks, "-->", "egress", nat},
		{nat, "-->", "", "internet"},
	}
	for _, e := range edges {
		if !g.edge(e.from, e.arrow, e.label, e.to) {
			t.Errorf("edges %v: want %s %s|%s| %s", g.edges, e.from, e.arrow, e.label, e.to)
		}
	}
	if g.reaches(tasks, logs) || g.reaches(nat, logs) {
		t.Errorf("edges %v: the ALB log bucket is drawn as a bucket the tasks use", g.edges)
	}
}

// TestMermaidShowsCostTradeOffs protects the labels that tell a development
// stack from a production one: Fargate Spot and a single-AZ database.
func TestMermaidShowsCostTradeOffs(t *testing.T) {
	g := parseMermaid(t, render(t, fullStack(true, false), "mermaid"))
	if tasks := g.node(t, "ECS service"); !strings.Contains(g.labels[tasks], "Fargate Spot tasks") {
		t.Errorf("tasks label: got %q, want Fargate Spot", g.labels[tasks])
	}
	if db := g.node(t, "RDS PostgreSQL"); !strings.Contains(g.labels[db], "Single-AZ") {
		t.Errorf("db label: got %q, want Single-AZ", g.labels[db])
	}
}

// TestMermaidDrawsOnlyWhatExists protects the rule that a node needs its
// resource: a program with no network, service or database draws none.
func TestMermaidDrawsOnlyWhatExists(t *testing.T) {
	b := newBuilder("dev")
	b.add("aws:ecr/repository:Repository", "repo", nil, "repo-1234567", nil, nil)
	g := parseMermaid(t, render(t, b.res, "mermaid"))
	if len(g.labels) != 1 || !g.has("ECR repository<br/>repo") || len(g.edges) != 0 {
		t.Errorf("nodes %v edges %v: want only the ECR repository", g.labels, g.edges)
	}
}
