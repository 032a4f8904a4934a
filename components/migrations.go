package components

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultMigrateCommand returns the command the migration task runs in the
// web container unless DjangoServiceArgs.MigrateCommand says otherwise.
func DefaultMigrateCommand() []string {
	return []string{"python", "manage.py", "migrate", "--noinput"}
}

// MigrationECS is the part of the ECS API migrations use.
type MigrationECS interface {
	// RunTask starts the one-off migration task.
	RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	// DescribeTasks reports its status and exit code.
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, opts ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
}

// MigrationLogs is the part of the CloudWatch Logs API migrations use.
type MigrationLogs interface {
	// GetLogEvents reads the task's last log lines for the error message.
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
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
}

// Migrator runs `manage.py migrate` as a one-off Fargate task and waits for
// it. The service's deploy hook uses it; tests give it fakes.
type Migrator struct {
	// ECS runs and watches the task. Required.
	ECS MigrationECS
	// Logs reads the log tail of a failed run; nil leaves it out.
	Logs MigrationLogs
	// Poll is the interval between status checks. Default 5 s.
	Poll time.Duration
	// Timeout bounds the whole run. Default 15 minutes.
	Timeout time.Duration
	// LogLines is how many of the task's last log lines a failure shows. Default 30.
	LogLines int
}

// Run starts the task on the new task definition (so migrations run on the
// new image with the new settings), waits for it to stop, and returns an
// error with the exit code and the tail of its log unless it exited 0.
func (m *Migrator) Run(ctx context.Context, t MigrationTask) error {
	poll, timeout, lines := cmpOr(m.Poll, 5*time.Second), cmpOr(m.Timeout, 15*time.Minute), cmpOr(m.LogLines, 30)
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
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{
			Name: awssdk.String(t.Container), Command: t.Command,
		}}},
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
			return m.verdict(ctx, t, d.Tasks[0], lines)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrations: task %s still running after %s: %w", taskArn, timeout, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// verdict reads a stopped task's exit code and, on failure, its log tail.
func (m *Migrator) verdict(ctx context.Context, t MigrationTask, task ecstypes.Task, lines int) error {
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
		return fmt.Errorf("migrations failed: task %s exit code %s (%s)%s", taskID, code,
			firstOf(awssdk.ToString(c.Reason), awssdk.ToString(task.StoppedReason)), m.tail(ctx, t, taskID, lines))
	}
	return fmt.Errorf("migrations failed: task %s stopped without a %q container: %s", taskArn, t.Container, awssdk.ToString(task.StoppedReason))
}

// tail returns the last lines of the task's log stream, which the awslogs
// driver names "<prefix>/<container>/<task id>".
func (m *Migrator) tail(ctx context.Context, t MigrationTask, taskID string, lines int) string {
	if m.Logs == nil || t.LogGroup == "" {
		return ""
	}
	stream := ContainerName + "/" + t.Container + "/" + taskID
	out, err := m.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: awssdk.String(t.LogGroup), LogStreamName: awssdk.String(stream),
		Limit: awssdk.Int32(int32(lines)), StartFromHead: awssdk.Bool(false),
	})
	if err != nil {
		return fmt.Sprintf("\n(log %s/%s unavailable: %v)", t.LogGroup, stream, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nlast lines of %s/%s:", t.LogGroup, stream)
	for _, e := range out.Events {
		b.WriteString("\n  " + awssdk.ToString(e.Message))
	}
	return b.String()
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "no reason given"
}

// MigrationTaskFromInputs reads the task to run from the service's inputs
// as a resource hook receives them. ok is false when the task definition
// did not change, so there is nothing new to migrate.
func MigrationTaskFromInputs(newInputs, oldInputs resource.PropertyMap, logGroup string) (t MigrationTask, ok bool, err error) {
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
		LogGroup:       logGroup,
		Container:      ContainerName,
	}
	if t.Cluster == "" || t.TaskDefinition == "" || len(t.Subnets) == 0 {
		return t, false, errors.New("migrations: the service's inputs lack cluster, taskDefinition or subnets")
	}
	if oldInputs != nil && str(oldInputs, "taskDefinition") == t.TaskDefinition {
		return t, false, nil
	}
	return t, true, nil
}

// migrationHook returns the hook that runs migrations before the service is
// created or updated. Hooks do not run in previews.
func (b *serviceBuilder) migrationHook() (*pulumi.ResourceHook, error) {
	var logGroup atomic.Value
	logGroup.Store("")
	b.s.LogGroup.Name.ApplyT(func(n string) string { logGroup.Store(n); return n })
	region, command := b.regionName, b.a.MigrateCommand
	return b.ctx.RegisterResourceHook(b.child("migrate"), func(args *pulumi.ResourceHookArgs) error {
		t, ok, err := MigrationTaskFromInputs(args.NewInputs, args.OldInputs, logGroup.Load().(string))
		if err != nil || !ok {
			return err
		}
		t.Command = command
		ctx := context.Background()
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
		if err != nil {
			return fmt.Errorf("migrations: aws credentials: %w", err)
		}
		m := &Migrator{ECS: ecs.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}
		return m.Run(ctx, t)
	}, &pulumi.ResourceHookOptions{OnDryRun: false})
}
