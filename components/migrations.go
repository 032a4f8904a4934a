package components

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultMigrateCommand returns the command the migration task runs in the
// web container unless DjangoServiceArgs.MigrateCommand says otherwise:
// provision_db_roles connects as the master (DB_ADMIN_SECRET_ARN) and
// creates or updates the owner and app roles with their secrets' passwords,
// then migrate runs as the owner (DB_SECRET_ARN). exec hands migrate the
// shell's process, so its exit code is the task's.
func DefaultMigrateCommand() []string {
	return []string{"sh", "-c", "python manage.py provision_db_roles && exec python manage.py migrate --noinput"}
}

// Environment variables the migration task's container overrides, so that
// one task definition serves the web tasks and the migration.
const (
	// EnvDBSecretArn is the secret a process connects with: the app secret
	// in the web tasks, the owner secret in the migration task.
	EnvDBSecretArn = "DB_SECRET_ARN"
	// EnvDBAdminSecretArn is the RDS master secret; only the migration
	// task's provisioning step gets it.
	EnvDBAdminSecretArn = "DB_ADMIN_SECRET_ARN"
	// EnvDBAppSecretArn is the app secret, whose role the provisioning step
	// creates or updates.
	EnvDBAppSecretArn = "DB_APP_SECRET_ARN"
)

// MigrationECS is the part of the ECS API migrations use.
type MigrationECS interface {
	// RunTask starts the one-off migration task.
	RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	// DescribeTasks reports its status and exit code.
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, opts ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
}

// MigrationTask says where and what to run.
type MigrationTask struct {
	// Cluster and TaskDefinition are the ARNs (or names) of the cluster to
	// run in and the task definition revision to run.
	Cluster, TaskDefinition string
	// Subnets and SecurityGroups place the task as the service's tasks are
	// placed: private subnets, the tasks' security group, no public IP.
	Subnets, SecurityGroups []string
	// LogGroup is where the task logs; Container names the container whose
	// command is replaced by Command.
	LogGroup, Container string
	// Command is what the task runs instead of the image's command.
	Command []string
	// TaskRoleArn overrides the task definition's task role for this run:
	// the migration role. Empty keeps the task definition's. The caller of
	// RunTask needs iam:PassRole on it.
	TaskRoleArn string
	// Environment adds to or overrides the container's environment for
	// this run, such as the owner secret as DB_SECRET_ARN.
	Environment map[string]string
}

// Migrator runs the migrations as a one-off Fargate task and waits for it.
// The service's deploy hook uses it; tests give it fakes.
type Migrator struct {
	// ECS runs and watches the task. Required.
	ECS MigrationECS
	// Poll is the interval between status checks. Default 5 s.
	Poll time.Duration
	// Timeout bounds the whole run. Default 15 minutes.
	Timeout time.Duration
}

// Run starts the task on the new task definition (so migrations run on the
// new image with the new settings), waits for it to stop, and returns an
// error unless it exited 0. The error gives the exit code, the stop reason
// and the log stream with a command to read it, never the log's lines: a
// failed migration may print row data, and the deploy output is kept in CI
// logs that more people can read than the log group.
func (m *Migrator) Run(ctx context.Context, t MigrationTask) error {
	poll, timeout := cmpOr(m.Poll, 5*time.Second), cmpOr(m.Timeout, 15*time.Minute)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := m.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster:         awssdk.String(t.Cluster),
		TaskDefinition:  awssdk.String(t.TaskDefinition),
		LaunchType:      ecstypes.LaunchTypeFargate,
		PlatformVersion: awssdk.String("LATEST"),
		Count:           awssdk.Int32(1),
		StartedBy:       awssdk.String("djangofargate-migrate"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: t.Subnets, SecurityGroups: t.SecurityGroups, AssignPublicIp: ecstypes.AssignPublicIpDisabled,
		}},
		Overrides: t.overrides(),
	})
	if err != nil {
		return fmt.Errorf("migrations: start task: %w", err)
	}
	if len(out.Failures) > 0 || len(out.Tasks) == 0 {
		var reasons []string
		for _, f := range out.Failures {
			reasons = append(reasons, awssdk.ToString(f.Arn)+": "+awssdk.ToString(f.Reason))
		}
		return fmt.Errorf("migrations: task did not start: %s", strings.Join(reasons, "; "))
	}
	taskArn := awssdk.ToString(out.Tasks[0].TaskArn)
	for {
		d, err := m.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: awssdk.String(t.Cluster), Tasks: []string{taskArn}})
		if err != nil {
			return fmt.Errorf("migrations: task %s: %w", taskArn, err)
		}
		if len(d.Tasks) == 1 && awssdk.ToString(d.Tasks[0].LastStatus) == "STOPPED" {
			return verdict(t, d.Tasks[0])
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrations: task %s still running after %s: %w", taskArn, timeout, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// overrides are the RunTask overrides: the command, the environment (in
// name order, so a run is reproducible) and the task role.
func (t MigrationTask) overrides() *ecstypes.TaskOverride {
	c := ecstypes.ContainerOverride{Name: awssdk.String(t.Container), Command: t.Command}
	for _, k := range slices.Sorted(maps.Keys(t.Environment)) {
		c.Environment = append(c.Environment, ecstypes.KeyValuePair{Name: awssdk.String(k), Value: awssdk.String(t.Environment[k])})
	}
	o := &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{c}}
	if t.TaskRoleArn != "" {
		o.TaskRoleArn = awssdk.String(t.TaskRoleArn)
	}
	return o
}

// verdict reads a stopped task's exit code and stop reason.
func verdict(t MigrationTask, task ecstypes.Task) error {
	taskArn := awssdk.ToString(task.TaskArn)
	for _, c := range task.Containers {
		if awssdk.ToString(c.Name) != t.Container {
			continue
		}
		if c.ExitCode != nil && *c.ExitCode == 0 {
			return nil
		}
		code := "none"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		taskID := taskArn[strings.LastIndex(taskArn, "/")+1:]
		msg := fmt.Sprintf("migrations failed: task %s exit code %s; stopped: %s", taskID, code, firstOf(awssdk.ToString(task.StoppedReason)))
		if r := awssdk.ToString(c.Reason); r != "" {
			msg += "; container: " + r
		}
		return errors.New(msg + logHint(t, taskArn, taskID))
	}
	return fmt.Errorf("migrations failed: task %s stopped without a %q container: %s", taskArn, t.Container, awssdk.ToString(task.StoppedReason))
}

// logHint names the task's log stream, which the awslogs driver names
// "<prefix>/<container>/<task id>" (the prefix is ContainerName), and the
// AWS CLI command that reads it; the region is the task ARN's.
func logHint(t MigrationTask, taskArn, taskID string) string {
	if t.LogGroup == "" {
		return ""
	}
	stream := ContainerName + "/" + t.Container + "/" + taskID
	region := ""
	if parts := strings.Split(taskArn, ":"); len(parts) > 3 && parts[3] != "" {
		region = " --region " + parts[3]
	}
	return fmt.Sprintf("\nits output is in log group %s, stream %s; read it (it may hold row data) with:\n  aws logs get-log-events%s --log-group-name %s --log-stream-name %s --no-start-from-head --limit 100 --query 'events[].message' --output text",
		t.LogGroup, stream, region, t.LogGroup, stream)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "no reason given"
}

// MigrationSettings are what the migration task gets besides the service's
// own inputs: the component's log group, the migration role, the three
// database secrets and the command.
type MigrationSettings struct {
	// LogGroup is the container log group the task logs to.
	LogGroup string
	// RoleArn is the migration role, RunTask's taskRoleArn override.
	RoleArn string
	// OwnerSecretArn, MasterSecretArn and AppSecretArn become the
	// container's DB_SECRET_ARN, DB_ADMIN_SECRET_ARN and DB_APP_SECRET_ARN.
	OwnerSecretArn, MasterSecretArn, AppSecretArn string
	// Command replaces the image's command.
	Command []string
}

// MigrationTaskFromInputs reads the task to run from the service's inputs
// as a resource hook receives them and adds the settings: the migration
// role and the database secrets as overrides of the web container's
// environment, so the task connects as the owner. ok is false when the
// task definition did not change, so there is nothing new to migrate.
func MigrationTaskFromInputs(newInputs, oldInputs resource.PropertyMap, s MigrationSettings) (t MigrationTask, ok bool, err error) {
	str := func(m resource.PropertyMap, path ...string) string {
		v := resource.NewObjectProperty(m)
		for _, p := range path {
			if !v.IsObject() {
				return ""
			}
			v = v.ObjectValue()[resource.PropertyKey(p)]
		}
		if v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	list := func(path ...string) []string {
		v := resource.NewObjectProperty(newInputs)
		for _, p := range path {
			if !v.IsObject() {
				return nil
			}
			v = v.ObjectValue()[resource.PropertyKey(p)]
		}
		var out []string
		if v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e.IsString() {
					out = append(out, e.StringValue())
				}
			}
		}
		return out
	}
	t = MigrationTask{
		Cluster:        str(newInputs, "cluster"),
		TaskDefinition: str(newInputs, "taskDefinition"),
		Subnets:        list("networkConfiguration", "subnets"),
		SecurityGroups: list("networkConfiguration", "securityGroups"),
		LogGroup:       s.LogGroup,
		Container:      ContainerName,
		Command:        slices.Clone(s.Command),
		TaskRoleArn:    s.RoleArn,
		Environment: map[string]string{
			EnvDBSecretArn:      s.OwnerSecretArn,
			EnvDBAdminSecretArn: s.MasterSecretArn,
			EnvDBAppSecretArn:   s.AppSecretArn,
		},
	}
	if t.Cluster == "" || t.TaskDefinition == "" || len(t.Subnets) == 0 {
		return t, false, errors.New("migrations: the service's inputs lack cluster, taskDefinition or subnets")
	}
	if s.RoleArn == "" || s.OwnerSecretArn == "" || s.MasterSecretArn == "" || s.AppSecretArn == "" {
		return t, false, errors.New("migrations: the migration role or a database secret ARN is empty")
	}
	if oldInputs != nil && str(oldInputs, "taskDefinition") == t.TaskDefinition {
		return t, false, nil
	}
	return t, true, nil
}

// migrationHook returns the hook that runs migrations before the service is
// created or updated. Hooks do not run in previews.
//
// The role and secret ARNs are outputs of other resources, which the
// service depends on; the hook waits (bounded) until they are known.
func (b *serviceBuilder) migrationHook() (*pulumi.ResourceHook, error) {
	ready := make(chan MigrationSettings, 1)
	a := b.a
	pulumi.All(b.s.LogGroup.Name, b.s.MigrationRole.Arn, a.DatabaseOwnerSecretArn, a.DatabaseMasterSecretArn, a.DatabaseAppSecretArn).
		ApplyT(func(v []any) int {
			ready <- MigrationSettings{LogGroup: v[0].(string), RoleArn: v[1].(string),
				OwnerSecretArn: v[2].(string), MasterSecretArn: v[3].(string), AppSecretArn: v[4].(string), Command: a.MigrateCommand}
			return 0
		})
	settings := sync.OnceValues(func() (MigrationSettings, error) {
		select {
		case s := <-ready:
			return s, nil
		case <-time.After(2 * time.Minute):
			return MigrationSettings{}, errors.New("migrations: the migration role and database secret ARNs are still unknown after 2 minutes")
		}
	})
	region := b.regionName
	return b.ctx.RegisterResourceHook(b.child("migrate"), func(args *pulumi.ResourceHookArgs) error {
		s, err := settings()
		if err != nil {
			return err
		}
		t, ok, err := MigrationTaskFromInputs(args.NewInputs, args.OldInputs, s)
		if err != nil || !ok {
			return err
		}
		ctx := context.Background()
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
		if err != nil {
			return fmt.Errorf("migrations: aws credentials: %w", err)
		}
		m := &Migrator{ECS: ecs.NewFromConfig(cfg)}
		return m.Run(ctx, t)
	}, &pulumi.ResourceHookOptions{OnDryRun: false})
}
