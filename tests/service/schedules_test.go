package service_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runSchedules runs a DjangoService "web" and a ScheduledCommands "web"
// over it with the given commands.
func runSchedules(t *testing.T, cmds []components.ScheduledCommand) (*offline.Result, error) {
	t.Helper()
	args := baseArgs()
	return testutil.RunErr(func(ctx *pulumi.Context) error {
		svc, err := components.NewDjangoService(ctx, "web", &args)
		if err != nil {
			return err
		}
		_, err = components.NewScheduledCommands(ctx, "web", &components.ScheduledCommandsArgs{Service: svc, Commands: cmds})
		return err
	})
}

// TestScheduledCommandRunsTheServiceTask checks that a schedule calls
// RunTask through the universal target for one Fargate task of the
// service's own task definition, in its cluster, subnets and security
// group with no public IP, with the command replacing the web container's
// and the task group naming the schedule.
func TestScheduledCommandRunsTheServiceTask(t *testing.T) {
	res, err := runSchedules(t, []components.ScheduledCommand{
		{Name: "clearsessions", Schedule: "cron(0 3 * * ? *)", Command: []string{"python", "manage.py", "clearsessions"}},
		{Name: "report", Schedule: "rate(1 hour)", Command: []string{"python", "manage.py", "report"}, Timezone: "Europe/Paris"},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
	group := testutil.One(t, res, "aws:scheduler/scheduleGroup:ScheduleGroup")
	role := res.Named("web-scheduler-role")
	schedules := res.ByType("aws:scheduler/schedule:Schedule")
	if len(schedules) != 2 {
		t.Fatalf("schedules: got %d, want 2", len(schedules))
	}
	s := res.Named("web-schedule-clearsessions")
	checks := []struct{ path, want any }{
		{"scheduleExpression", "cron(0 3 * * ? *)"},
		{"scheduleExpressionTimezone", "UTC"},
		{"groupName", group.Output("name")},
		{"flexibleTimeWindow.mode", "OFF"},
		{"target.arn", "arn:aws:scheduler:::aws-sdk:ecs:runTask"},
		{"target.ecsParameters", nil},
		{"target.roleArn", role.Output("arn")},
		{"target.retryPolicy.maximumRetryAttempts", 3.0},
		{"target.retryPolicy.maximumEventAgeInSeconds", 3600.0},
	}
	for _, c := range checks {
		if got := s.Input(c.path.(string)); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.path, got, c.want)
		}
	}
	rt := testutil.DecodeRunTask(t, s)
	fields := []struct {
		name string
		got  any
		want any
	}{
		{"Cluster", rt.Cluster, svc.Input("cluster")},
		{"TaskDefinition", rt.TaskDefinition, td.Output("arn")},
		{"Count", rt.Count, 1},
		{"LaunchType", rt.LaunchType, "FARGATE"},
		{"CapacityProviderStrategy", len(rt.CapacityProviderStrategy), 0},
		{"PlatformVersion", rt.PlatformVersion, "LATEST"},
		{"Group", rt.Group, "schedule:clearsessions"},
		{"StartedBy", rt.StartedBy, components.StartedByScheduler},
		{"AssignPublicIp", rt.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, "DISABLED"},
		{"Subnets", rt.NetworkConfiguration.AwsvpcConfiguration.Subnets, svc.Input("networkConfiguration.subnets")},
		{"SecurityGroups", rt.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups, svc.Input("networkConfiguration.securityGroups")},
	}
	for _, f := range fields {
		if fmt.Sprint(f.got) != fmt.Sprint(f.want) {
			t.Errorf("input %s: got %v, want %v", f.name, f.got, f.want)
		}
	}
	if len(rt.NetworkConfiguration.AwsvpcConfiguration.Subnets) == 0 {
		t.Errorf("input Subnets: got none, want the service's private subnets")
	}
	co := rt.Overrides.ContainerOverrides
	if len(co) != 1 || co[0].Name != components.ContainerName || strings.Join(co[0].Command, " ") != "python manage.py clearsessions" {
		t.Errorf("input Overrides: got %+v, want the web container's command replaced", rt.Overrides)
	}
	if got := res.Named("web-schedule-report").Input("scheduleExpressionTimezone"); got != "Europe/Paris" {
		t.Errorf("report timezone: got %v, want Europe/Paris", got)
	}
	if !res.WaitsFor(s.URN)[res.Named("web-scheduler-policy").URN] {
		t.Errorf("the schedule does not wait for the role's policy: a first run could fail its RunTask")
	}
}

// TestScheduledCommandOnSpot checks that the runs of a Fargate Spot
// service are on Fargate Spot too: the service's capacity provider
// strategy in place of the launch type (RunTask takes one or the other).
func TestScheduledCommandOnSpot(t *testing.T) {
	args := baseArgs()
	args.Spot = true
	res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
		svc, err := components.NewDjangoService(ctx, "web", &args)
		if err != nil {
			return err
		}
		_, err = components.NewScheduledCommands(ctx, "web", &components.ScheduledCommandsArgs{Service: svc,
			Commands: []components.ScheduledCommand{{Name: "nightly", Schedule: "rate(1 day)", Command: []string{"true"}}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := testutil.DecodeRunTask(t, res.Named("web-schedule-nightly"))
	want := fmt.Sprint(testutil.One(t, res, "aws:ecs/service:Service").Input("capacityProviderStrategies"))
	if got := fmt.Sprint(rt.CapacityProviderStrategy); rt.LaunchType != "" || got != "[{FARGATE_SPOT 1}]" {
		t.Errorf("LaunchType %q, CapacityProviderStrategy %s: want none and the service's %s", rt.LaunchType, got, want)
	}
}

// TestSchedulerRoleIsScoped checks the role: trusted by EventBridge
// Scheduler for this account's schedule group only, allowed to run only
// the service's task definition family in its cluster and to pass only
// the service's two roles, to ECS tasks.
func TestSchedulerRoleIsScoped(t *testing.T) {
	res, err := runSchedules(t, []components.ScheduledCommand{
		{Name: "clearsessions", Schedule: "rate(1 day)", Command: []string{"python", "manage.py", "clearsessions"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	group := testutil.One(t, res, "aws:scheduler/scheduleGroup:ScheduleGroup").Output("arn")
	trust := res.Named("web-scheduler-role").InputString("assumeRolePolicy")
	wantTrust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":["sts:AssumeRole"],"Condition":{"ArnLike":{"aws:SourceArn":"%s"},"StringEquals":{"aws:SourceAccount":"%s"}}}]}`, group, offline.Account)
	if trust != wantTrust {
		t.Errorf("trust:\ngot  %s\nwant %s", trust, wantTrust)
	}
	td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
	cluster := testutil.One(t, res, "aws:ecs/service:Service").Input("cluster")
	exec, task := res.Named("web-execution-role").Output("arn"), res.Named("web-task-role").Output("arn")
	doc := policy(t, res.Named("web-scheduler-policy").InputString("policy"))
	want := map[string]string{
		"RunTheServiceTask": fmt.Sprintf("[ecs:RunTask] on [%s:*] if map[ArnEquals:map[ecs:cluster:%s]]", td.Output("arnWithoutRevision"), cluster),
		"PassTheTaskRoles":  fmt.Sprintf("[iam:PassRole] on [%s %s] if map[StringEquals:map[iam:PassedToService:ecs-tasks.amazonaws.com]]", exec, task),
	}
	if len(doc.Statement) != len(want) {
		t.Fatalf("statements: got %d, want %d", len(doc.Statement), len(want))
	}
	for _, s := range doc.Statement {
		if got := fmt.Sprintf("%v on %v if %v", s.Action, s.Resource, s.Condition); got != want[s.Sid] {
			t.Errorf("%s:\ngot  %s\nwant %s", s.Sid, got, want[s.Sid])
		}
	}
}

// TestScheduledCommandsValidation checks that bad commands are refused,
// naming the field, with nothing registered.
func TestScheduledCommandsValidation(t *testing.T) {
	ok := components.ScheduledCommand{Name: "ok", Schedule: "rate(5 minutes)", Command: []string{"true"}}
	long := strings.Repeat("a", 41)
	cases := []struct {
		name, field, message string
		cmds                 []components.ScheduledCommand
	}{
		{"none", "commands", "is empty", nil},
		{"bad name", "commands[0].name", "lowercase letters", []components.ScheduledCommand{{Name: "Clear_Sessions", Schedule: "rate(1 day)", Command: []string{"x"}}}},
		{"long name", "commands[0].name", "1 to 40", []components.ScheduledCommand{{Name: long, Schedule: "rate(1 day)", Command: []string{"x"}}}},
		{"duplicate", "commands[1].name", `"ok" is also the name of commands[0]`, []components.ScheduledCommand{ok, ok}},
		{"five cron fields", "commands[1].schedule", `"cron(0 3 * * *)" has 5 fields`, []components.ScheduledCommand{ok, {Name: "b", Schedule: "cron(0 3 * * *)", Command: []string{"x"}}}},
		{"empty command", "commands[0].command", "is empty", []components.ScheduledCommand{{Name: "a", Schedule: "rate(1 day)"}}},
		{"blank argument", "commands[0].command", "empty argument", []components.ScheduledCommand{{Name: "a", Schedule: "rate(1 day)", Command: []string{"python", " "}}}},
		{"timezone", "commands[0].timezone", "not an IANA time zone", []components.ScheduledCommand{{Name: "a", Schedule: "rate(1 day)", Command: []string{"x"}, Timezone: "Mars/Olympus"}}},
		{"overrides too long", "commands[0].command", "at most 8192", []components.ScheduledCommand{{Name: "a", Schedule: "rate(1 day)", Command: []string{strings.Repeat("x", 8200)}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
				_, err := components.NewScheduledCommands(ctx, "web", &components.ScheduledCommandsArgs{Service: &components.DjangoService{}, Commands: c.cmds})
				return err
			})
			testutil.AssertRefused(t, res, err, "ScheduledCommands", "web", c.field, c.message)
		})
	}
	t.Run("long component name", func(t *testing.T) {
		err := components.ScheduledCommandsArgs{Commands: []components.ScheduledCommand{{Name: "clearsessions", Schedule: "rate(1 day)", Command: []string{"x"}}}}.
			ValidateNamed(strings.Repeat("n", 40))
		if err == nil || !strings.Contains(err.Error(), "commands[0].name") || !strings.Contains(err.Error(), "allows 64") {
			t.Errorf("error: got %v, want the schedule name refused for its length", err)
		}
	})
}

// TestScheduleExpressions checks the expression grammar of EventBridge
// Scheduler ("Schedule types on EventBridge Scheduler"; the cron fields of
// the EventBridge user guide's cron reference).
func TestScheduleExpressions(t *testing.T) {
	good := []string{
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
		"cron(0 3 * * ? *)", "cron(15 10 ? * MON-FRI *)", "cron(0/15 * * * ? *)", "cron(0 8 1 * ? *)",
		"cron(0 18 ? * 6L 2030)", "cron(0 9 ? * 3#2 *)", "cron(0 0 L * ? *)", "cron(0 0 15W * ? *)",
		"cron(0 12 ? JAN,JUL SUN *)", "cron(5,35 14 * * ? 2026-2030)",
		"at(2030-01-01T03:00:00)",
	}
	for _, e := range good {
		if err := components.ValidateScheduleExpression(e); err != nil {
			t.Errorf("%s: got %v, want accepted", e, err)
		}
	}
	bad := map[string]string{
		"cron(0 3 * * *)":         "has 5 fields",
		"cron(0 3 * * * *)":       "exactly one of them must be ?",
		"cron(0 3 ? * ? *)":       "exactly one of them must be ?",
		"cron(60 3 * * ? *)":      `minutes field "60"`,
		"cron(0 24 * * ? *)":      `hours field "24"`,
		"cron(0 3 32 * ? *)":      `day-of-month field "32"`,
		"cron(0 3 * 13 ? *)":      `month field "13"`,
		"cron(0 3 ? * 8 *)":       `day-of-week field "8"`,
		"cron(0 3 * * ? 1969)":    `year field "1969"`,
		"cron(? 3 * * ? *)":       "? is allowed only",
		"cron(0 3 * * ? * *)":     "has 7 fields",
		"rate(1 days)":            `use one of minute, hour, day`,
		"rate(2 day)":             `use one of minutes, hours, days`,
		"rate(0 minutes)":         "positive whole number",
		"rate(1.5 hours)":         "positive whole number",
		"rate(5 weeks)":           `unit "weeks"`,
		"rate(5)":                 "has 1 fields",
		"at(2030-01-01 03:00:00)": "yyyy-mm-ddThh:mm:ss",
		"every(1 day)":            "not cron, rate or at",
		"0 3 * * *":               "not a schedule expression",
		"":                        "not a schedule expression",
		"cron(0 10-5 * * ? *)":    "runs backwards",
		"cron(0/0 3 * * ? *)":     "increment",
		"cron(0 3 ? * 1#2,3#1 *)": "list",
		"cron(0 3 ? * MON/2 *)":   "increments",
		"rate(1 day) ":            "not a schedule expression",
	}
	for e, want := range bad {
		err := components.ValidateScheduleExpression(e)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", e, err, want)
		}
	}
}
