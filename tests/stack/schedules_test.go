package stack_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestSchedulesKey checks what the schedules key changes: nothing by
// default; with entries, one schedule each, calling RunTask through the
// universal target with the web service's cluster, task definition,
// network and capacity and the entry's command, in scheduleTimezone, and
// the schedule group as an output.
func TestSchedulesKey(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			res := testutil.MustRunStack(t, stack, nil)
			if n := len(res.ByType("aws:scheduler/schedule:Schedule")) + len(res.ByType("aws:scheduler/scheduleGroup:ScheduleGroup")); n != 0 {
				t.Errorf("default: got %d scheduler resources, want none", n)
			}
			if _, ok := res.Exports["scheduleGroupName"]; ok {
				t.Errorf("default: got a scheduleGroupName output, want none")
			}

			res = testutil.MustRunStack(t, stack, map[string]string{
				"schedules":        `["clearsessions cron(0 3 * * ? *) python manage.py clearsessions", "report rate(1 day) [\"python\", \"manage.py\", \"report\", \"--title\", \"Daily report\"]"]`,
				"scheduleTimezone": "Europe/Paris",
			})
			td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
			cluster := testutil.One(t, res, "aws:ecs/cluster:Cluster")
			svc := testutil.One(t, res, "aws:ecs/service:Service")
			group := testutil.One(t, res, "aws:scheduler/scheduleGroup:ScheduleGroup")
			if got, want := res.Exports["scheduleGroupName"], group.Output("name"); got != want {
				t.Errorf("scheduleGroupName: got %v, want %v", got, want)
			}
			want := map[string][]string{
				"clearsessions": {"python", "manage.py", "clearsessions"},
				"report":        {"python", "manage.py", "report", "--title", "Daily report"},
			}
			if n := len(res.ByType("aws:scheduler/schedule:Schedule")); n != len(want) {
				t.Fatalf("schedules: got %d, want %d", n, len(want))
			}
			for name, command := range want {
				s := res.Named("djangofargate-schedule-" + name)
				if s == nil {
					t.Fatalf("no schedule %s", name)
				}
				if got, want := s.Input("target.arn"), "arn:aws:scheduler:::aws-sdk:ecs:runTask"; got != want {
					t.Errorf("%s: target: got %v, want the universal target %s", name, got, want)
				}
				if got := s.Input("target.ecsParameters"); got != nil {
					t.Errorf("%s: ecsParameters: got %v, want none (the templated target)", name, got)
				}
				if got := s.Input("scheduleExpressionTimezone"); got != "Europe/Paris" {
					t.Errorf("%s: timezone: got %v, want Europe/Paris", name, got)
				}
				rt := testutil.DecodeRunTask(t, s)
				if rt.Cluster != cluster.Output("arn") {
					t.Errorf("%s: Cluster: got %q, want the service's %v", name, rt.Cluster, cluster.Output("arn"))
				}
				if rt.TaskDefinition != td.Output("arn") {
					t.Errorf("%s: TaskDefinition: got %q, want the service's %v", name, rt.TaskDefinition, td.Output("arn"))
				}
				if rt.Count != 1 || rt.PlatformVersion != "LATEST" || rt.Group != "schedule:"+name || rt.StartedBy != "eventbridge-scheduler" {
					t.Errorf("%s: Count, PlatformVersion, Group, StartedBy: got %d, %q, %q, %q, want 1, LATEST, schedule:%s, eventbridge-scheduler",
						name, rt.Count, rt.PlatformVersion, rt.Group, rt.StartedBy, name)
				}
				// The service's capacity: Fargate Spot in dev, Fargate in prod.
				wantLaunch, wantProvider := "FARGATE", ""
				if stack == "dev" {
					wantLaunch, wantProvider = "", "FARGATE_SPOT"
				}
				gotProvider := ""
				if len(rt.CapacityProviderStrategy) == 1 {
					gotProvider = rt.CapacityProviderStrategy[0].CapacityProvider
				}
				if rt.LaunchType != wantLaunch || gotProvider != wantProvider || len(rt.CapacityProviderStrategy) > 1 {
					t.Errorf("%s: LaunchType %q, CapacityProviderStrategy %+v: want %q and %q", name, rt.LaunchType, rt.CapacityProviderStrategy, wantLaunch, wantProvider)
				}
				net := rt.NetworkConfiguration.AwsvpcConfiguration
				if net.AssignPublicIp != "DISABLED" {
					t.Errorf("%s: AssignPublicIp: got %q, want DISABLED", name, net.AssignPublicIp)
				}
				if got, want := fmt.Sprint(net.Subnets), fmt.Sprint(svc.Input("networkConfiguration.subnets")); got != want || len(net.Subnets) == 0 {
					t.Errorf("%s: Subnets: got %s, want the service's private subnets %s", name, got, want)
				}
				if got, want := fmt.Sprint(net.SecurityGroups), fmt.Sprint(svc.Input("networkConfiguration.securityGroups")); got != want {
					t.Errorf("%s: SecurityGroups: got %s, want the service's %s", name, got, want)
				}
				co := rt.Overrides.ContainerOverrides
				if len(co) != 1 || co[0].Name != "web" || !slices.Equal(co[0].Command, command) {
					t.Errorf("%s: ContainerOverrides: got %+v, want the web container with %q", name, co, command)
				}
			}
		})
	}
}
