package components

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ScheduledCommand is one command a ScheduledCommands component runs on a
// schedule, as a one-off task of the service's task definition.
type ScheduledCommand struct {
	// Name names the schedule: 1 to 40 lowercase letters, digits and
	// hyphens, unique in the component. The run's ECS task carries the group
	// "schedule:<Name>" (ScheduleGroupPrefix). Required.
	Name string `pulumi:"name"`
	// Schedule is an EventBridge Scheduler expression: "cron(minutes hours
	// day-of-month month day-of-week year)" (six fields; one of the two day
	// fields is "?"), "rate(value unit)" ("rate(1 day)", "rate(15
	// minutes)") or, for one run, "at(yyyy-mm-ddThh:mm:ss)". Required.
	Schedule string `pulumi:"schedule"`
	// Command replaces the web container's command for the run, such as
	// ["python", "manage.py", "clearsessions"]. It runs with the app's task
	// role and environment, not the migration role. Required.
	Command []string `pulumi:"command"`
	// Timezone is the IANA time zone cron and at expressions are read in,
	// such as "Europe/Paris". Default "UTC". A cron schedule in a zone with
	// daylight saving time skips or repeats runs in the changed hour.
	Timezone string `pulumi:"timezone,optional"`
}

// ScheduledCommandsArgs configure a ScheduledCommands component.
type ScheduledCommandsArgs struct {
	// Service is the DjangoService whose task definition, cluster, subnets,
	// security group and roles the runs use. Required. Go only: a component
	// cannot cross languages.
	Service *DjangoService
	// Commands are the scheduled commands; at least one.
	Commands []ScheduledCommand `pulumi:"commands"`
	// Tags are added to the schedule group and the role.
	Tags map[string]string `pulumi:"tags,optional"`
}

// ScheduleGroupPrefix starts the ECS task group of every scheduled run:
// the task of the schedule "clearsessions" is in the group
// "schedule:clearsessions", which `aws ecs describe-tasks` and the console
// show. (Its container's logs are in the service's log group, one stream
// per task: awslogs names it "web/web/<task id>".)
const ScheduleGroupPrefix = "schedule:"

// Scheduler retry settings: a RunTask call that fails (throttled, no
// Fargate capacity) is retried up to scheduleRetries times within
// scheduleMaxAge seconds; a run an hour late is dropped rather than run
// out of time. EventBridge Scheduler's defaults are 185 retries over 24
// hours (Scheduler API reference, RetryPolicy). A task that starts and
// fails is not retried: that is the command's own exit code. There is no
// dead-letter queue, so a dropped run leaves no message, and no flexible
// time window: a run starts within the minute its expression names.
const (
	scheduleRetries = 3
	scheduleMaxAge  = 3600
)

// maxOverrides is the most characters RunTask accepts for its overrides,
// JSON included (ECS API reference, RunTask overrides).
const maxOverrides = 8192

// ScheduledCommands runs commands of a DjangoService on schedules with
// EventBridge Scheduler: one schedule group, one execution role that may
// run only the service's task definition family in its cluster and pass
// only the service's two task roles, and one schedule per command. Each
// run is a one-off Fargate task (on Fargate Spot when the service is) in
// the service's private subnets with its security group and no public IP;
// its command replaces the web container's. Each schedule calls RunTask
// through the universal target (RunTaskTarget) with the whole request in
// its Input, so the override is a RunTask parameter, not a convention of
// the templated target. Cost: EventBridge Scheduler's free tier is 14 million
// invocations a month; each run is billed as a Fargate task of the
// service's size for as long as it runs (one minute at least).
type ScheduledCommands struct {
	pulumi.ResourceState

	// ScheduleGroupName is the schedule group holding every schedule.
	ScheduleGroupName pulumi.StringOutput `pulumi:"scheduleGroupName"`
	// RoleArn is the role EventBridge Scheduler runs the tasks with.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`

	// Group is the schedule group.
	Group *scheduler.ScheduleGroup
	// Role is the schedules' execution role; RolePolicy its only policy.
	Role       *iam.Role
	RolePolicy *iam.RolePolicy
	// Schedules maps a command's Name to its schedule.
	Schedules map[string]*scheduler.Schedule
}

var scheduleNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// Scheduler names: 1 to 64 of [0-9a-zA-Z-_.] for schedules and schedule
// groups (Scheduler API reference, CreateSchedule Name and GroupName);
// Pulumi's auto-name adds "-" and 7 random characters.
const (
	maxSchedulerName = 64
	autoNameSuffix   = 8
	maxCommandName   = 40
)

// Validate checks the commands as NewScheduledCommands would, without a
// name: the names, expressions, time zones and commands.
func (a ScheduledCommandsArgs) Validate() error { return a.ValidateNamed("") }

// ValidateNamed is Validate for an instance named name: it also checks the
// AWS names derived from name and each command's Name.
func (a ScheduledCommandsArgs) ValidateNamed(name string) error {
	_, err := a.defaults(name, false)
	return err
}

// defaults validates args and returns a copy with the defaults filled in.
// service says whether a missing Service is an error.
func (a ScheduledCommandsArgs) defaults(name string, service bool) (ScheduledCommandsArgs, error) {
	const c = "ScheduledCommands"
	fail := func(field, format string, v ...any) (ScheduledCommandsArgs, error) {
		return a, argError(c, name, field, format, v...)
	}
	if service && a.Service == nil {
		return fail("service", "is required")
	}
	if len(a.Commands) == 0 {
		return fail("commands", "is empty: give at least one command, or do not create the component")
	}
	if name != "" {
		if n := len(child(name, "schedules")) + autoNameSuffix; n > maxSchedulerName {
			return fail("name", "%q makes the schedule group name %d characters with Pulumi's suffix; EventBridge Scheduler allows %d", name, n, maxSchedulerName)
		}
	}
	out := a
	out.Commands = slices.Clone(a.Commands)
	seen := map[string]int{}
	for i, cmd := range out.Commands {
		field := fmt.Sprintf("commands[%d]", i)
		if !scheduleNameRE.MatchString(cmd.Name) || len(cmd.Name) > maxCommandName {
			return fail(field+".name", "%q must be 1 to %d lowercase letters, digits and hyphens, not starting or ending with a hyphen", cmd.Name, maxCommandName)
		}
		if j, dup := seen[cmd.Name]; dup {
			return fail(field+".name", "%q is also the name of commands[%d]; each schedule needs its own", cmd.Name, j)
		}
		seen[cmd.Name] = i
		if name != "" {
			if n := len(child(name, "schedule-"+cmd.Name)) + autoNameSuffix; n > maxSchedulerName {
				return fail(field+".name", "%q makes the schedule name %d characters with Pulumi's suffix; EventBridge Scheduler allows %d", cmd.Name, n, maxSchedulerName)
			}
		}
		if err := ValidateScheduleExpression(cmd.Schedule); err != nil {
			return fail(field+".schedule", "%v", err)
		}
		if cmd.Timezone == "" {
			out.Commands[i].Timezone = "UTC"
		} else if err := ValidateTimezone(cmd.Timezone); err != nil {
			return fail(field+".timezone", "%v", err)
		}
		if len(cmd.Command) == 0 || slices.ContainsFunc(cmd.Command, func(s string) bool { return strings.TrimSpace(s) == "" }) {
			return fail(field+".command", "%q is empty or holds an empty argument; give the program and its arguments, such as [\"python\", \"manage.py\", \"clearsessions\"]", cmd.Command)
		}
		if n := len(commandOverrides(cmd.Command)); n > maxOverrides {
			return fail(field+".command", "is %d characters as RunTask overrides; ECS accepts at most %d", n, maxOverrides)
		}
	}
	return out, nil
}

// commandOverrides is the RunTask overrides that replace the web
// container's command, as the universal target's Input carries them
// (Overrides in runTaskInput). Its length is what ECS limits to
// maxOverrides.
func commandOverrides(command []string) string {
	return mustJSON(runTaskOverrides{ContainerOverrides: []containerOverride{{Name: ContainerName, Command: command}}})
}

// RunTaskTarget is the EventBridge Scheduler universal target that calls
// ECS RunTask, without its partition: "arn:<partition>:" + RunTaskTarget.
// ScheduledCommands uses it, not the templated ECS target (Target.Arn the
// cluster, EcsParameters), because no AWS documentation says the templated
// target applies a container override given in Input: the Scheduler API
// reference's Target.Input asks for JSON from templated Lambda, Step
// Functions and EventBridge targets and says nothing of ECS overrides
// (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_Target.html);
// the only sign is an undocumented CreateSchedule error, "Unable to convert
// target input to TaskOverride" (boto/boto3#4370), and the Terraform
// provider has no overrides for it (hashicorp/terraform-provider-aws#34057,
// which names the universal target as the way to give them). A templated run that ignored the override would
// start the web server instead of the command. A universal target's Input
// is "the request parameters that EventBridge Scheduler sends to the target
// API" (Scheduler user guide, "Using universal targets",
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html):
// here the whole RunTask request
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
const RunTaskTarget = "scheduler:::aws-sdk:ecs:runTask"

// runTaskInput is the RunTask request a schedule's universal target sends.
// Its field names are the AWS SDK's (PascalCase: Cluster, TaskDefinition),
// not the camelCase of ECS's JSON wire protocol: AWS states no casing, the
// user guide's Input is the SDK's request parameters, and public
// configurations of this target use PascalCase (one reports CreateSchedule
// refusing camelCase with "missing field TaskDefinition"). TestSchedulesKey
// (tests/stack) pins the names.
type runTaskInput struct {
	Cluster                  string                 `json:"Cluster"`
	TaskDefinition           string                 `json:"TaskDefinition"`
	Count                    int                    `json:"Count"`
	LaunchType               string                 `json:"LaunchType,omitempty"`
	CapacityProviderStrategy []capacityProviderItem `json:"CapacityProviderStrategy,omitempty"`
	PlatformVersion          string                 `json:"PlatformVersion"`
	NetworkConfiguration     networkConfiguration   `json:"NetworkConfiguration"`
	Group                    string                 `json:"Group"`
	StartedBy                string                 `json:"StartedBy"`
	Overrides                runTaskOverrides       `json:"Overrides"`
}

type capacityProviderItem struct {
	CapacityProvider string `json:"CapacityProvider"`
	Weight           int    `json:"Weight,omitempty"`
	Base             int    `json:"Base,omitempty"`
}

type networkConfiguration struct {
	AwsvpcConfiguration awsvpcConfiguration `json:"AwsvpcConfiguration"`
}

type awsvpcConfiguration struct {
	Subnets        []string `json:"Subnets"`
	SecurityGroups []string `json:"SecurityGroups"`
	AssignPublicIp string   `json:"AssignPublicIp"`
}

type runTaskOverrides struct {
	ContainerOverrides []containerOverride `json:"ContainerOverrides"`
}

type containerOverride struct {
	Name    string   `json:"Name"`
	Command []string `json:"Command"`
}

// StartedByScheduler is the startedBy of every scheduled run, which
// `aws ecs list-tasks --started-by` filters on.
const StartedByScheduler = "eventbridge-scheduler"

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and numbers only
	}
	return string(b)
}

// runTaskRequest builds the universal target's Input for command in the
// service's cluster, task definition, subnets and security group, on the
// service's capacity: Fargate Spot (the capacity provider strategy the
// service has with DjangoServiceArgs.Spot) or the FARGATE launch type.
func runTaskRequest(cmd ScheduledCommand, cluster, taskDef string, subnets []string, sg string, spot bool) string {
	in := runTaskInput{
		Cluster: cluster, TaskDefinition: taskDef, Count: 1, PlatformVersion: "LATEST",
		NetworkConfiguration: networkConfiguration{AwsvpcConfiguration: awsvpcConfiguration{
			Subnets: subnets, SecurityGroups: []string{sg}, AssignPublicIp: "DISABLED",
		}},
		Group:     ScheduleGroupPrefix + cmd.Name,
		StartedBy: StartedByScheduler,
		Overrides: runTaskOverrides{ContainerOverrides: []containerOverride{{Name: ContainerName, Command: cmd.Command}}},
	}
	if spot {
		in.CapacityProviderStrategy = []capacityProviderItem{{CapacityProvider: "FARGATE_SPOT", Weight: 1}}
	} else {
		in.LaunchType = "FARGATE"
	}
	return mustJSON(in)
}

// NewScheduledCommands creates the schedules of args.Commands for
// args.Service. Bad arguments are refused, naming the field, before
// anything is registered.
func NewScheduledCommands(ctx *pulumi.Context, name string, args *ScheduledCommandsArgs, opts ...pulumi.ResourceOption) (*ScheduledCommands, error) {
	if args == nil {
		args = &ScheduledCommandsArgs{}
	}
	a, err := args.defaults(name, true)
	if err != nil {
		return nil, err
	}
	svc := a.Service
	if svc.Service == nil || svc.TaskDefinition == nil || svc.ExecutionRole == nil || svc.TaskRole == nil {
		return nil, argError("ScheduledCommands", name, "service", "is not a DjangoService made by NewDjangoService (its service, task definition or roles are missing)")
	}
	s := &ScheduledCommands{Schedules: map[string]*scheduler.Schedule{}}
	if err := ctx.RegisterComponentResource(typePrefix+"ScheduledCommands", name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	tags := pulumi.ToStringMap(a.Tags)
	s.Group, err = scheduler.NewScheduleGroup(ctx, child(name, "schedules"), &scheduler.ScheduleGroupArgs{Tags: tags}, parent)
	if err != nil {
		return nil, err
	}
	// The trust policy: EventBridge Scheduler, for this account's schedule
	// group only. AWS asks for aws:SourceArn to name the schedule group, not
	// a schedule (Scheduler user guide, "Confused deputy prevention").
	trust := s.Group.Arn.ApplyT(func(group string) string {
		return assumeRolePolicy("scheduler.amazonaws.com", arnAccount(group), group)
	}).(pulumi.StringOutput)
	s.Role, err = iam.NewRole(ctx, child(name, "scheduler-role"), &iam.RoleArgs{
		AssumeRolePolicy: trust,
		Description:      pulumi.Sprintf("EventBridge Scheduler: run the scheduled commands of %s", name),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	cluster := svc.Service.Cluster
	s.RolePolicy, err = iam.NewRolePolicy(ctx, child(name, "scheduler-policy"), &iam.RolePolicyArgs{
		Role: s.Role.Name,
		Policy: policyOutput(func(v []string) PolicyDocument {
			return SchedulerPolicy(v[0], v[1], v[2], v[3])
		}, svc.TaskDefinition.ArnWithoutRevision, cluster, svc.ExecutionRole.Arn, svc.TaskRole.Arn),
	}, parent)
	if err != nil {
		return nil, err
	}
	// The partition from an invoke, not from the cluster's ARN, so the
	// target is known in a preview and the policy can tell what it calls.
	part, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	target := pulumi.String("arn:" + part.Partition + ":" + RunTaskTarget)
	for _, cmd := range a.Commands {
		input := pulumi.All(cluster, svc.TaskDefinition.Arn, svc.Service.NetworkConfiguration.Subnets(), svc.TaskSecurityGroupID).ApplyT(func(v []any) string {
			return runTaskRequest(cmd, v[0].(string), v[1].(string), v[2].([]string), v[3].(string), svc.Spot)
		}).(pulumi.StringOutput)
		sch, err := scheduler.NewSchedule(ctx, child(name, "schedule-"+cmd.Name), &scheduler.ScheduleArgs{
			Description:                pulumi.Sprintf("%s of %s: %s", cmd.Name, name, strings.Join(cmd.Command, " ")),
			GroupName:                  s.Group.Name,
			ScheduleExpression:         pulumi.String(cmd.Schedule),
			ScheduleExpressionTimezone: pulumi.String(cmd.Timezone),
			FlexibleTimeWindow:         scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
			Target: scheduler.ScheduleTargetArgs{
				// The universal target: Input is the whole RunTask
				// request (RunTaskTarget says why not the templated one).
				Arn:     target,
				RoleArn: s.Role.Arn,
				Input:   input,
				RetryPolicy: scheduler.ScheduleTargetRetryPolicyArgs{
					MaximumRetryAttempts:     pulumi.Int(scheduleRetries),
					MaximumEventAgeInSeconds: pulumi.Int(scheduleMaxAge),
				},
			},
			// A schedule that fires before the role's policy exists fails
			// its RunTask.
		}, parent, pulumi.DependsOn([]pulumi.Resource{s.RolePolicy}))
		if err != nil {
			return nil, err
		}
		s.Schedules[cmd.Name] = sch
	}
	s.ScheduleGroupName, s.RoleArn = s.Group.Name, s.Role.Arn
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"scheduleGroupName": s.ScheduleGroupName,
		"roleArn":           s.RoleArn,
	})
}

// SchedulerPolicy is the schedules' execution role policy: ecs:RunTask on
// any revision of the task definition's family, in the cluster only
// (ecs:cluster), and iam:PassRole on the task's execution and task roles,
// to ECS tasks only (iam:PassedToService). Nothing else: no ecs:TagResource,
// since the runs carry no tags. AWS's managed policy for this
// (AmazonEC2ContainerServiceEventsRole) allows RunTask and PassRole on "*"
// (ECS developer guide, "Amazon ECS EventBridge IAM Role"); a universal
// target's role needs the permissions of the API it calls, here RunTask and
// the PassRole RunTask needs for the task's roles (Scheduler user guide,
// "Using universal targets"); the family's
// ARN keeps a run working while a deploy moves the schedule to a new
// revision.
//
// familyArn is the task definition's ARN without its revision
// (TaskDefinition.ArnWithoutRevision).
func SchedulerPolicy(familyArn, clusterArn, executionRoleArn, taskRoleArn string) PolicyDocument {
	return PolicyDocument{Version: policyVersion, Statement: []Statement{
		{
			Sid: "RunTheServiceTask", Effect: "Allow", Action: []string{"ecs:RunTask"},
			Resource:  []string{familyArn + ":*"},
			Condition: map[string]map[string]any{"ArnEquals": {"ecs:cluster": clusterArn}},
		},
		{
			Sid: "PassTheTaskRoles", Effect: "Allow", Action: []string{"iam:PassRole"},
			Resource:  []string{executionRoleArn, taskRoleArn},
			Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
		},
	}}
}

// arnAccount returns the account field of an ARN, "" when it has none.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
