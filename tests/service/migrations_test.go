package service_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
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

const migrationRole = "arn:aws:iam::123456789012:role/web-migration-role-0123abc"

var task = components.MigrationTask{
	Cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/c", TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
	Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-task"}, LogGroup: "web-logs", Container: "web",
	Command: components.DefaultMigrateCommand(), TaskRoleArn: migrationRole,
	Environment: map[string]string{"DB_SECRET_ARN": ownerSecretArn, "DB_ADMIN_SECRET_ARN": masterSecretArn, "DB_APP_SECRET_ARN": appSecretArn},
}

// wantMigrateCommand is the contract's command (CONTRACT-db.md): provision
// the roles as the master, then migrate as the owner, its exit code the task's.
var wantMigrateCommand = []string{"sh", "-c", "python manage.py provision_db_roles && exec python manage.py migrate --noinput"}

func code(c int32) *int32 { return &c }

// TestMigrator checks that migrations run the new task definition with the
// migrate command, the migration role and the owner's credentials in the
// service's network, and that a failure reports the exit code, the stop
// reason and where the log is, but not the log itself (issue 20.5: the
// migration's output may hold row data).
func TestMigrator(t *testing.T) {
	cases := []struct {
		name    string
		ecs     *fakeECS
		wantErr string // "" means success
	}{
		{"success", &fakeECS{pollsToStop: 3, exitCode: code(0)}, ""},
		{"migration fails", &fakeECS{pollsToStop: 2, exitCode: code(1), reason: "Essential container in task exited"}, "migrations failed: task 0123abcd exit code 1"},
		{"image does not pull", &fakeECS{pollsToStop: 1, reason: "CannotPullContainerError: pull access denied"}, "exit code none; stopped: CannotPullContainerError: pull access denied"},
		{"no web container", &fakeECS{pollsToStop: 1, container: "sidecar", exitCode: code(0), reason: "Essential container exited"}, `stopped without a "web" container`},
		{"run fails", &fakeECS{runErr: errors.New("AccessDeniedException")}, "migrations: start task: AccessDeniedException"},
		{"no capacity", &fakeECS{failures: []ecstypes.Failure{{Arn: awssdk.String("arn:x"), Reason: awssdk.String("RESOURCE:ENI")}}}, "task did not start: arn:x: RESOURCE:ENI"},
		{"never stops", &fakeECS{pollsToStop: -1}, "still running after 50ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &components.Migrator{ECS: tc.ecs, Poll: time.Millisecond, Timeout: 50 * time.Millisecond}
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
			if got := awssdk.ToString(in.Overrides.TaskRoleArn); got != migrationRole {
				t.Errorf("taskRoleArn override: got %q, want the migration role %q", got, migrationRole)
			}
			o := in.Overrides.ContainerOverrides[0]
			if awssdk.ToString(o.Name) != "web" || !slices.Equal(o.Command, wantMigrateCommand) {
				t.Errorf("override: got %s %v, want web running %v", awssdk.ToString(o.Name), o.Command, wantMigrateCommand)
			}
			var env []string
			for _, kv := range o.Environment {
				env = append(env, awssdk.ToString(kv.Name)+"="+awssdk.ToString(kv.Value))
			}
			wantEnv := []string{"DB_ADMIN_SECRET_ARN=" + masterSecretArn, "DB_APP_SECRET_ARN=" + appSecretArn, "DB_SECRET_ARN=" + ownerSecretArn}
			if !slices.Equal(env, wantEnv) {
				t.Errorf("environment override: got %v, want %v", env, wantEnv)
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
			}
		})
	}
}

// TestMigrationTaskFromInputs checks that the hook reads the new task
// definition and network from the service's inputs, adds the migration role
// and the database secrets under the contract's names, and skips updates
// that do not change the task definition.
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
		{"missing role", nil, inputs(task.TaskDefinition), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := components.MigrationSettings{LogGroup: "web-logs", RoleArn: migrationRole, OwnerSecretArn: ownerSecretArn,
				MasterSecretArn: masterSecretArn, AppSecretArn: appSecretArn, Command: components.DefaultMigrateCommand()}
			if tc.name == "missing role" {
				s.RoleArn = ""
			}
			got, run, err := components.MigrationTaskFromInputs(tc.new, tc.old, s)
			if run != tc.wantRun || (err != nil) != tc.wantErr {
				t.Fatalf("got run %v err %v, want run %v err %v", run, err, tc.wantRun, tc.wantErr)
			}
			if run && (got.TaskDefinition != task.TaskDefinition || !slices.Equal(got.Subnets, task.Subnets) ||
				!slices.Equal(got.SecurityGroups, task.SecurityGroups) || got.LogGroup != "web-logs" || got.Container != "web" ||
				got.TaskRoleArn != migrationRole || !maps.Equal(got.Environment, task.Environment) || !slices.Equal(got.Command, wantMigrateCommand)) {
				t.Errorf("task: got %+v, want %+v", got, task)
			}
		})
	}
}
