package stack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestSchedulesKey checks what the schedules key changes: nothing by
// default; with entries, one schedule each, running the web service's task
// definition with the entry's command in scheduleTimezone, and the schedule
// group as an output.
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
			group := testutil.One(t, res, "aws:scheduler/scheduleGroup:ScheduleGroup")
			if got, want := res.Exports["scheduleGroupName"], group.Output("name"); got != want {
				t.Errorf("scheduleGroupName: got %v, want %v", got, want)
			}
			want := map[string]string{
				"djangofargate-schedule-clearsessions": `["python","manage.py","clearsessions"]`,
				"djangofargate-schedule-report":        `["python","manage.py","report","--title","Daily report"]`,
			}
			if n := len(res.ByType("aws:scheduler/schedule:Schedule")); n != len(want) {
				t.Fatalf("schedules: got %d, want %d", n, len(want))
			}
			for name, command := range want {
				s := res.Named(name)
				if s == nil {
					t.Fatalf("no schedule %s", name)
				}
				if got := s.Input("target.ecsParameters.taskDefinitionArn"); got != td.Output("arn") {
					t.Errorf("%s: task definition: got %v, want the service's %v", name, got, td.Output("arn"))
				}
				if got := s.InputString("target.input"); !strings.Contains(got, `"command":`+command) {
					t.Errorf("%s: input: got %s, want the command %s", name, got, command)
				}
				if got := s.Input("scheduleExpressionTimezone"); got != "Europe/Paris" {
					t.Errorf("%s: timezone: got %v, want Europe/Paris", name, got)
				}
				if got := fmt.Sprint(s.Input("target.ecsParameters.networkConfiguration.assignPublicIp")); got != "false" {
					t.Errorf("%s: assignPublicIp: got %s, want false", name, got)
				}
			}
		})
	}
}
