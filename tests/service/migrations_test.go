package service_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// fakeECS is an ECS API whose task stops after a number of polls.
type fakeECS struct {
	runErr      error
	failures    []ecstypes.Failure
	pollsToStop int // -1: never stops
	exitCode    *int32
	container   string
	reason      string

	ran   *ecs.RunTaskInput
	polls int
}

const taskArn = "arn:aws:ecs:us-east-1:123456789012:task/cluster/0123abcd"

func (f *fakeECS) RunTask(_ context.Context, in *ecs.RunTaskInput, _ ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	f.ran = in
	if f.runErr != nil {
		return nil, f.runErr
	}
	if len(f.failures) > 0 {
		return &ecs.RunTaskOutput{Failures: f.failures}, nil
	}
	return &ecs.RunTaskOutput{Tasks: []ecstypes.Task{{TaskArn: awssdk.String(taskArn), LastStatus: awssdk.String("PROVISIONING")}}}, nil
}

func (f *fakeECS) DescribeTasks(_ context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	f.polls++
	status := "RUNNING"
	if f.pollsToStop >= 0 && f.polls >= f.pollsToStop {
		status = "STOPPED"
	}
	name := f.container
	if name == "" {
		name = "web"
	}
	return &ecs.DescribeTasksOutput{Tasks: []ecstypes.Task{{
		TaskArn: awssdk.String(in.Tasks[0]), LastStatus: awssdk.String(status), StoppedReason: awssdk.String(f.reason),
		Containers: []ecstypes.Container{{Name: awssdk.String(name), ExitCode: f.exitCode}},
	}}}, nil
}

// fakeLogs returns fixed log lines and remembers the stream asked for.
type fakeLogs struct{ stream string }

func (f *fakeLogs) GetLogEvents(_ context.Context, in *cloudwatchlogs.GetLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	f.stream = awssdk.ToString(in.LogGroupName) + "/" + awssdk.ToString(in.LogStreamName)
	return &cloudwatchlogs.GetLogEventsOutput{Events: []logtypes.OutputLogEvent{
		{Message: awssdk.String("Applying notes.0002_add_title...")},
		{Message: awssdk.String("django.db.utils.ProgrammingError: column \"title\" already exists")},
	}}, nil
}

var task = components.MigrationTask{
	Cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/c", TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
	Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-task"}, LogGroup: "web-logs", Container: "web",
	Command: components.DefaultMigrateCommand(),
}

func code(c int32) *int32 { return &c }

// TestMigrator checks that migrations run the new task definition with the
// migrate command in the service's network, and that a failure reports the
// exit code, the stop reason and where the log is, but not the log itself.
func TestMigrator(t *testing.T) {
	cases := []struct {
		name    string
		ecs     *fakeECS
		wantErr string // "" means success
	}{
		{"success", &fakeECS{pollsToStop: 3, exitCode: code(0)}, ""},
		{"migration fails", &fakeECS{pollsToStop: 2, exitCode: code(1), reason: "Essential container in task exited"}, "migrations failed: task 0123abcd exit code 1"},
		{"image does not pull", &fakeECS{pollsToStop: 1, reason: "CannotPullContainerError: pull access denied"}, "exit code none (CannotPullContainerError: pull access denied)"},
		{"no web container", &fakeECS{pollsToStop: 1, container: "sidecar", exitCode: code(0), reason: "Essential container exited"}, `stopped without a "web" container`},
		{"run fails", &fakeECS{runErr: errors.New("AccessDeniedException")}, "migrations: start task: AccessDeniedException"},
		{"no capacity", &fakeECS{failures: []ecstypes.Failure{{Arn: awssdk.String("arn:x"), Reason: awssdk.String("RESOURCE:ENI")}}}, "task did not start: arn:x: RESOURCE:ENI"},
		{"never stops", &fakeECS{pollsToStop: -1}, "still running after 50ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs := &fakeLogs{}
			m := &components.Migrator{ECS: tc.ecs, Logs: logs, Poll: time.Millisecond, Timeout: 50 * time.Millisecond}
			err := m.Run(context.Background(), task)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error: got %v, want it to contain %q", err, tc.wantErr)
			}
			in := tc.ecs.ran
			if awssdk.ToString(in.TaskDefinition) != task.TaskDefinition || awssdk.ToString(in.Cluster) != task.Cluster {
				t.Errorf("ran %s on %s, want %s on %s", awssdk.ToString(in.TaskDefinition), awssdk.ToString(in.Cluster), task.TaskDefinition, task.Cluster)
			}
			vpc := in.NetworkConfiguration.AwsvpcConfiguration
			if !slices.Equal(vpc.Subnets, task.Subnets) || !slices.Equal(vpc.SecurityGroups, task.SecurityGroups) || vpc.AssignPublicIp != ecstypes.AssignPublicIpDisabled {
				t.Errorf("network: got %+v, want the service's subnets and security groups, no public IP", vpc)
			}
			o := in.Overrides.ContainerOverrides[0]
			if awssdk.ToString(o.Name) != "web" || !slices.Equal(o.Command, []string{"python", "manage.py", "migrate", "--noinput"}) {
				t.Errorf("override: got %s %v, want web running manage.py migrate", awssdk.ToString(o.Name), o.Command)
			}
			if tc.name == "migration fails" {
				// The error names the log stream and how to read it, never
				// its lines: migration output may hold row data, and the
				// deploy output lands in CI logs (issue 20.5).
				for _, want := range []string{
					"exit code 1",
					"stopped: Essential container in task exited",
					"log group web-logs, stream web/web/0123abcd",
					"aws logs get-log-events --region us-east-1 --log-group-name web-logs --log-stream-name web/web/0123abcd",
				} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("failure: got %q, want it to contain %q", err, want)
					}
				}
				if strings.Contains(err.Error(), "already exists") || strings.Contains(err.Error(), "Applying") {
					t.Errorf("failure: got %q, which copies the task's log lines; want only the stream's name", err)
				}
				if logs.stream != "" {
					t.Errorf("failure: read log stream %q; want the log left unread", logs.stream)
				}
			}
		})
	}
}

// TestMigrationTaskFromInputs checks that the hook reads the new task
// definition and network from the service's inputs, and skips updates that
// do not change the task definition.
func TestMigrationTaskFromInputs(t *testing.T) {
	inputs := func(td string) resource.PropertyMap {
		return resource.NewPropertyMapFromMap(map[string]any{
			"cluster": task.Cluster, "taskDefinition": td,
			"networkConfiguration": map[string]any{"subnets": []any{"subnet-a", "subnet-b"}, "securityGroups": []any{"sg-task"}},
		})
	}
	cases := []struct {
		name     string
		old, new resource.PropertyMap
		wantRun  bool
		wantErr  bool
	}{
		{"create", nil, inputs(task.TaskDefinition), true, false},
		{"new image", inputs("arn:aws:ecs:us-east-1:123456789012:task-definition/web:6"), inputs(task.TaskDefinition), true, false},
		{"unchanged task definition", inputs(task.TaskDefinition), inputs(task.TaskDefinition), false, false},
		{"missing inputs", nil, resource.PropertyMap{}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, run, err := components.MigrationTaskFromInputs(tc.new, tc.old, "web-logs")
			if run != tc.wantRun || (err != nil) != tc.wantErr {
				t.Fatalf("got run %v err %v, want run %v err %v", run, err, tc.wantRun, tc.wantErr)
			}
			if run && (got.TaskDefinition != task.TaskDefinition || !slices.Equal(got.Subnets, task.Subnets) ||
				!slices.Equal(got.SecurityGroups, task.SecurityGroups) || got.LogGroup != "web-logs" || got.Container != "web") {
				t.Errorf("task: got %+v, want %+v", got, task)
			}
		})
	}
}
