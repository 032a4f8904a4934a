package service_test

import (
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestLaunchOrder protects issue 12 item 5 (CONTROLS.md ECS-14): the first
// task and the migration task (the service's beforeCreate/beforeUpdate
// hook, which the engine runs only once the service's dependencies exist)
// must not start before IAM has the execution role's policy, the task
// security group's rules, or the cluster's capacity providers. Without
// them ECS fails the task with ResourceInitializationError ("unable to pull
// secrets or registry auth"): AWS ECS troubleshooting guide, "Troubleshoot
// Amazon ECS ResourceInitializationError errors".
func TestLaunchOrder(t *testing.T) {
	for _, spot := range []bool{false, true} {
		res := runService(t, func(a *components.DjangoServiceArgs) { a.Spot = spot })
		svc := testutil.One(t, res, "aws:ecs/service:Service")
		td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
		svcDeps, tdDeps := res.WaitsFor(svc.URN), res.WaitsFor(td.URN)

		var want []*offline.Resource
		want = append(want, res.Named("web-execution-policy"), res.Named("web-capacity"))
		taskSG := res.Named("web-task-sg")
		for _, typ := range []string{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
			for _, r := range res.ByType(typ) {
				// Every rule of the task SG, and the database's rule admitting it.
				if r.Input("securityGroupId") == taskSG.ID || r.Input("referencedSecurityGroupId") == taskSG.ID {
					want = append(want, r)
				}
			}
		}
		for _, w := range want {
			if w == nil {
				t.Fatalf("spot=%v: a launch dependency is missing from the program", spot)
			}
			if !svcDeps[w.URN] {
				t.Errorf("spot=%v: service does not depend on %s (%s)", spot, w.Name, w.Type)
			}
		}
		if len(want) < 6 {
			t.Errorf("spot=%v: launch dependencies found: got %d, want at least 6 (policy, capacity, 4 rules)", spot, len(want))
		}
		if ep := res.Named("web-execution-policy"); !tdDeps[ep.URN] {
			t.Errorf("spot=%v: task definition does not depend on the execution role's policy", spot)
		}
	}
}
