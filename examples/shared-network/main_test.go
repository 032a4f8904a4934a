package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const adminImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/admin@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// run runs the example program offline, as `pulumi up` would run it from
// this directory, with extra project config.
func run(t *testing.T, extra map[string]string) *offline.Result {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{"aws:region": "us-east-1"}
	for k, v := range extra {
		cfg["shared-network:"+k] = v
	}
	res, err := offline.Run(program, offline.Options{
		Project: "shared-network", Stack: "dev", Config: cfg, RootDirectory: dir,
	})
	if err != nil {
		t.Fatalf("offline run: %v", err)
	}
	return res
}

// count returns how many resources of a type the program registered.
func count(res *offline.Result, typ string) int { return len(res.ByType(typ)) }

// named returns the resource with a logical name, failing the test if absent.
func named(t *testing.T, res *offline.Result, name string) *offline.Resource {
	t.Helper()
	r := res.Named(name)
	if r == nil {
		t.Fatalf("no resource named %q", name)
	}
	return r
}

// TestBuildsTwoServicesOnSharedInfrastructure protects the example's shape:
// two services and two of everything per service, one of everything shared,
// the load balancer included.
func TestBuildsTwoServicesOnSharedInfrastructure(t *testing.T) {
	res := run(t, nil)
	for _, tc := range []struct {
		typ  string
		want int
	}{
		{"djangofargate:components:DjangoService", 2},
		{"djangofargate:components:Network", 1},
		{"djangofargate:components:Database", 1},
		{"djangofargate:components:Storage", 1},
		{"djangofargate:components:Registry", 2},
		{"awsx:ec2:Vpc", 1},
		{"aws:rds/instance:Instance", 1},
		{"aws:ecs/cluster:Cluster", 1},
		{"aws:ecs/service:Service", 2},
		{"aws:lb/loadBalancer:LoadBalancer", 1},
		{"aws:lb/listener:Listener", 1},
		{"aws:lb/targetGroup:TargetGroup", 2},
		{"aws:lb/listenerRule:ListenerRule", 1},
		{"aws:ecr/repository:Repository", 2},
		{"docker:index/image:Image", 2},
	} {
		if got := count(res, tc.typ); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.typ, got, tc.want)
		}
	}
}

// TestEachServiceAdmitsItselfToTheDatabase protects the per-service
// database rule: the shared database's security group gets exactly one
// 5432 ingress rule per service, from that service's task security group.
func TestEachServiceAdmitsItselfToTheDatabase(t *testing.T) {
	res := run(t, nil)
	dbSG := named(t, res, "shared-sg").ID
	var peers []string
	for _, r := range res.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.InputString("securityGroupId") != dbSG {
			continue
		}
		if r.Input("fromPort") != 5432.0 || r.Input("toPort") != 5432.0 || r.InputString("cidrIpv4") != "" || r.InputString("description") == "" {
			t.Errorf("%s: got ports %v-%v cidr %q description %q, want 5432 from a security group, described",
				r.Name, r.Input("fromPort"), r.Input("toPort"), r.InputString("cidrIpv4"), r.InputString("description"))
		}
		peers = append(peers, r.InputString("referencedSecurityGroupId"))
	}
	slices.Sort(peers)
	want := []string{named(t, res, "api-task-sg").ID, named(t, res, "admin-task-sg").ID}
	slices.Sort(want)
	if !slices.Equal(peers, want) {
		t.Errorf("database ingress peers: got %v, want the two task security groups %v", peers, want)
	}
}

// TestAdminAttachesToTheAPILoadBalancer protects the shared load balancer:
// the admin's rule sits on the api's listener, forwards /admin to the
// admin's own target group, and the api's load balancer security group
// reaches the admin's tasks on the container port, which admit it.
func TestAdminAttachesToTheAPILoadBalancer(t *testing.T) {
	res := run(t, nil)
	listener := res.ByType("aws:lb/listener:Listener")[0]
	rule := named(t, res, "admin-rule")
	if got := rule.InputString("listenerArn"); got != listener.ID {
		t.Errorf("admin-rule listenerArn: got %q, want the api's listener %q", got, listener.ID)
	}
	if rule.Input("priority") != 100.0 {
		t.Errorf("admin-rule priority: got %v, want 100", rule.Input("priority"))
	}
	// Without hosts of its own, the admin serves the api's host.
	dns := res.ByType("aws:lb/loadBalancer:LoadBalancer")[0].Output("dnsName").(string)
	defs := named(t, res, "admin-task").InputString("containerDefinitions")
	if want := `{"name":"DJANGO_ALLOWED_HOSTS","value":"` + dns + `"}`; !strings.Contains(defs, want) {
		t.Errorf("admin container definitions: got %s, want %s", defs, want)
	}
	actions, _ := rule.Input("actions").([]any)
	if len(actions) != 1 || actions[0].(map[string]any)["targetGroupArn"] != named(t, res, "admin-tg").ID {
		t.Errorf("admin-rule actions: got %v, want one forward to admin-tg", actions)
	}
	conditions, _ := rule.Input("conditions").([]any)
	if len(conditions) != 1 || !strings.Contains(fmt.Sprint(conditions[0]), "/admin/*") {
		t.Errorf("admin-rule conditions: got %v, want one path-pattern with /admin/*", conditions)
	}
	albSG, adminSG := named(t, res, "api-alb-sg").ID, named(t, res, "admin-task-sg").ID
	egress := named(t, res, "admin-alb-to-tasks")
	ingress := named(t, res, "admin-tasks-from-alb")
	if egress.InputString("securityGroupId") != albSG || egress.InputString("referencedSecurityGroupId") != adminSG || egress.Input("fromPort") != 8000.0 {
		t.Errorf("admin-alb-to-tasks: got sg %q peer %q port %v, want %s -> %s on 8000",
			egress.InputString("securityGroupId"), egress.InputString("referencedSecurityGroupId"), egress.Input("fromPort"), albSG, adminSG)
	}
	if ingress.InputString("securityGroupId") != adminSG || ingress.InputString("referencedSecurityGroupId") != albSG {
		t.Errorf("admin-tasks-from-alb: got sg %q peer %q, want %s from %s",
			ingress.InputString("securityGroupId"), ingress.InputString("referencedSecurityGroupId"), adminSG, albSG)
	}
	if res.Named("admin-alb-sg") != nil || res.Named("admin-http") != nil {
		t.Error("admin: got a load balancer security group or listener of its own, want the api's")
	}
}

// TestLoadBalancerNamesAreDistinctAndFit protects the names AWS limits to
// 32 characters: the two services' load balancers and target groups must
// not collide and must fit with Pulumi's auto-name suffix.
func TestLoadBalancerNamesAreDistinctAndFit(t *testing.T) {
	res := run(t, nil)
	for _, typ := range []string{"aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"} {
		seen := map[string]bool{}
		for _, r := range res.ByType(typ) {
			name, _ := r.Output("name").(string)
			if name == "" || len(name) > 32 || seen[name] {
				t.Errorf("%s %s: got name %q, want a distinct name of 1 to 32 characters", typ, r.Name, name)
			}
			seen[name] = true
		}
	}
}

// TestAdminJoinsTheAPIClusterAndWaitsForIt protects the component options:
// the admin runs in the api's cluster, does not migrate, and depends on
// the api component (so on its service and migrations) before it rolls.
func TestAdminJoinsTheAPIClusterAndWaitsForIt(t *testing.T) {
	res := run(t, nil)
	cluster := res.ByType("aws:ecs/cluster:Cluster")[0]
	for _, svc := range []string{"api-service", "admin-service"} {
		if got := named(t, res, svc).InputString("cluster"); got != cluster.Output("arn") {
			t.Errorf("%s cluster: got %q, want the shared cluster %v", svc, got, cluster.Output("arn"))
		}
	}
	if hooks := named(t, res, "api-service").Hooks; len(hooks["beforeCreate"]) == 0 || len(hooks["beforeUpdate"]) == 0 {
		t.Errorf("api-service hooks: got %v, want the migration hook before create and update", hooks)
	}
	if hooks := named(t, res, "admin-service").Hooks; len(hooks) != 0 {
		t.Errorf("admin-service hooks: got %v, want none (the api migrates)", hooks)
	}
	var admin *offline.Resource
	for _, r := range res.ByType("djangofargate:components:DjangoService") {
		if r.Name == "admin" {
			admin = r
		}
	}
	if admin == nil {
		t.Fatal("no admin DjangoService")
	}
	if api := named(t, res, "api-service").URN; !slices.Contains(admin.Dependencies, api) {
		t.Errorf("admin dependencies: got %v, want the api's service %s", admin.Dependencies, api)
	}
}

// TestAdminRunsAPrebuiltImage protects the adminImage switch: the admin
// gets its own repository but no build, and its task runs the given image.
func TestAdminRunsAPrebuiltImage(t *testing.T) {
	res := run(t, map[string]string{"adminImage": adminImage})
	if got := count(res, "docker:index/image:Image"); got != 1 {
		t.Errorf("docker images: got %d, want 1 (the api's build only)", got)
	}
	if res.Named("admin-image") != nil {
		t.Error("admin-image: got a build, want none with a prebuilt image")
	}
	if got := count(res, "aws:ecr/repository:Repository"); got != 2 {
		t.Errorf("repositories: got %d, want 2", got)
	}
	defs := named(t, res, "admin-task").InputString("containerDefinitions")
	if want := `"image":"` + adminImage + `"`; !strings.Contains(defs, want) {
		t.Errorf("admin container definitions: got %s, want %s", defs, want)
	}
}

// TestSlowStartChangesTargetGroupsOnly protects the transform the api
// passes: the offline engine, like the SDK's mocks, does not run transforms
// (the Pulumi engine does), so the function itself is tested here.
func TestSlowStartChangesTargetGroupsOnly(t *testing.T) {
	transform := slowStart(60)
	for _, tc := range []struct {
		typ       string
		props     pulumi.Map
		wantSlow  any
		unchanged bool
	}{
		{typ: targetGroupType, props: pulumi.Map{"port": pulumi.Int(8000)}, wantSlow: pulumi.Int(60)},
		{typ: targetGroupType, props: nil, wantSlow: pulumi.Int(60)},
		{typ: "aws:lb/loadBalancer:LoadBalancer", props: pulumi.Map{"idleTimeout": pulumi.Int(60)}, unchanged: true},
		{typ: "djangofargate:components:DjangoService", unchanged: true},
	} {
		args := &pulumi.ResourceTransformArgs{Type: tc.typ, Name: "api-tg", Props: tc.props}
		got := transform(context.Background(), args)
		if tc.unchanged {
			if got != nil {
				t.Errorf("%s: got %v, want no change", tc.typ, got.Props)
			}
			continue
		}
		if got == nil || got.Props["slowStart"] != tc.wantSlow {
			t.Fatalf("%s: got %v, want slowStart %v", tc.typ, got, tc.wantSlow)
		}
		if tc.props != nil && got.Props["port"] != tc.props["port"] {
			t.Errorf("%s port: got %v, want %v kept", tc.typ, got.Props["port"], tc.props["port"])
		}
		if _, leaked := tc.props["slowStart"]; leaked {
			t.Errorf("%s: the transform changed the caller's map", tc.typ)
		}
	}
}
