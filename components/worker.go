package components

import (
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkerContainerName is the name of the worker's container.
const WorkerContainerName = "worker"

// DefaultWorkerCommand is the reference app's Celery worker (app/config/celery.py).
func DefaultWorkerCommand() []string {
	return []string{"celery", "-A", "config", "worker", "--loglevel=INFO"}
}

// WorkerStopTimeout is the worker container's stop timeout, seconds: the
// most Fargate allows (ECS developer guide, task definition parameters,
// stopTimeout: at most 120 seconds for tasks on Fargate).
// ECS sends SIGTERM, on which Celery does a warm shutdown: it takes no new
// task and finishes the ones it runs (Celery user guide, "Workers":
// Stopping the worker), then SIGKILL after this many seconds. A task longer
// than that is killed; its message becomes visible again after the
// queue's visibility timeout and another worker runs it from the start
// (the app acknowledges late), so tasks must be safe to run twice.
const WorkerStopTimeout = 120

// WorkerArgs configure a Worker. Service is required; the zero value of
// every other field is its default.
type WorkerArgs struct {
	// Service is the web service whose image, environment, secrets,
	// execution and task roles, cluster, private subnets, security group
	// and log group the worker shares. Required. Go only: a component
	// cannot cross languages, so the worker is not in the provider schema.
	Service *DjangoService
	// Queue is the SQS queue the worker consumes; the worker scales on its
	// backlog per task as well as on CPU. The shared task role needs
	// Queue.PolicyJSON (pass it in the service's TaskPolicyJSON). Default
	// none (a broker outside AWS): CPU only.
	Queue *TaskQueue

	// Command is the container's command. Default DefaultWorkerCommand().
	Command []string `pulumi:"command,optional"`
	// CPU is the worker task's CPU units (1024 = 1 vCPU). Default 512.
	CPU int `pulumi:"cpu,optional"`
	// Memory is its memory in MiB; with CPU it must be a Fargate size.
	// Default 1024.
	Memory int `pulumi:"memory,optional"`
	// MinTasks and MaxTasks bound autoscaling. Defaults 1 and 4; MinTasks
	// at least 1 (scaling on backlog per task needs a running task to
	// divide by), MaxTasks at least MinTasks (equal: a fixed size).
	MinTasks int `pulumi:"minTasks,optional"`
	MaxTasks int `pulumi:"maxTasks,optional"`
	// BacklogPerTask is the number of waiting messages per worker task that
	// autoscaling holds with a Queue: how many tasks one worker clears in
	// the latency you accept (AWS's acceptable backlog per task: the longest
	// acceptable latency / average processing time). Default 100.
	BacklogPerTask int `pulumi:"backlogPerTask,optional"`
	// CPUTarget is the average CPU percentage autoscaling holds (with a
	// Queue too: target tracking scales out when either policy asks, in
	// only when both agree). Default 60.
	CPUTarget int `pulumi:"cpuTarget,optional"`
	// Spot runs the worker on Fargate Spot (about 70% cheaper; a stopped
	// task's message is redelivered). Default: the service's choice.
	Spot *bool `pulumi:"spot,optional"`
	// Tags are added to every taggable resource. Default: the service's.
	Tags map[string]string `pulumi:"tags,optional"`
}

// Worker runs a long-lived command, such as a Celery worker, from the web
// service's image with its environment, secrets and roles, as an ECS
// service of its own with no load balancer and no public IP, its own task
// size and its own autoscaling (on the queue's backlog per task with a
// Queue, on CPU without). It has no container health check: Celery's
// `inspect ping` needs remote control, which the SQS transport does not
// support, and a worker whose process exits stops its task, which ECS
// replaces; the deployment circuit breaker rolls back a worker that never
// reaches RUNNING.
type Worker struct {
	pulumi.ResourceState

	// ServiceName is the worker's ECS service name.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`

	// TaskDefinition is the worker's task definition.
	TaskDefinition *ecs.TaskDefinition
	// Service is the worker's ECS service (no load balancer).
	Service *ecs.Service
	// ScalingTarget bounds the worker between MinTasks and MaxTasks.
	ScalingTarget *appautoscaling.Target
	// ScalingPolicies maps a policy's role ("cpu", and with a Queue
	// "backlog", or "backlog-out" and "backlog-in") to the policy.
	ScalingPolicies map[string]*appautoscaling.Policy
	// BacklogAlarms maps "high" and "empty" to the alarms that drive step
	// scaling when the cluster has no Container Insights; empty otherwise.
	BacklogAlarms map[string]*cloudwatch.MetricAlarm
}

// CeleryQueueActions are the SQS actions Celery's SQS transport (kombu)
// calls on a predefined queue: SendMessage (enqueue, from the web tasks),
// ReceiveMessage, DeleteMessage (acknowledge), ChangeMessageVisibility
// (reject and retry back-off) and GetQueueAttributes (queue size). With
// predefined queues kombu never lists, creates or deletes queues
// (kombu docs, "Amazon SQS Transport": predefined queues), so the role
// gets no sqs:ListQueues or sqs:CreateQueue, and no sqs:PurgeQueue.
var CeleryQueueActions = []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
	"sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage"}

// defaults validates args and returns a copy with every default filled in.
func (a WorkerArgs) defaults(name string) (WorkerArgs, error) {
	const c = "Worker"
	fail := func(field, format string, v ...any) (WorkerArgs, error) {
		return a, argError(c, name, field, format, v...)
	}
	if !resourceName.MatchString(name) {
		return fail("name", "%q must be letters, digits and hyphens, not starting or ending with a hyphen", name)
	}
	if len(a.Command) == 0 {
		a.Command = DefaultWorkerCommand()
	}
	if slices.Contains(a.Command, "") {
		return fail("command", "%q holds an empty argument", a.Command)
	}
	a.CPU, a.Memory = cmpOr(a.CPU, 512), cmpOr(a.Memory, 1024)
	if err := ValidateFargateSize(a.CPU, a.Memory); err != nil {
		field := "memory"
		if _, ok := FargateMemory[a.CPU]; !ok {
			field = "cpu"
		}
		return fail(field, "%v", err)
	}
	a.MinTasks, a.MaxTasks = cmpOr(a.MinTasks, 1), cmpOr(a.MaxTasks, 4)
	switch {
	case a.MinTasks < 1:
		return fail("minTasks", "%d is below 1; a worker scaled to zero never sees a backlog per task to scale out on", a.MinTasks)
	case a.MaxTasks < a.MinTasks:
		return fail("maxTasks", "%d is below minTasks %d", a.MaxTasks, a.MinTasks)
	case a.MaxTasks > 1000:
		return fail("maxTasks", "%d is above 1000, the most tasks one ECS service runs", a.MaxTasks)
	}
	a.BacklogPerTask = cmpOr(a.BacklogPerTask, 100)
	if a.BacklogPerTask < 1 {
		return fail("backlogPerTask", "%d must be at least 1", a.BacklogPerTask)
	}
	a.CPUTarget = cmpOr(a.CPUTarget, 60)
	if a.CPUTarget < 10 || a.CPUTarget > 90 {
		return fail("cpuTarget", "%d%% is out of range; use 10 to 90", a.CPUTarget)
	}
	return a, nil
}

// Validate returns a *FieldError for the first invalid argument other than
// Service, which NewWorker requires.
func (a WorkerArgs) Validate() error {
	_, err := a.defaults("worker")
	return err
}

// NewWorker creates a Worker.
func NewWorker(ctx *pulumi.Context, name string, args *WorkerArgs, opts ...pulumi.ResourceOption) (*Worker, error) {
	if args == nil {
		args = &WorkerArgs{}
	}
	a, err := args.defaults(name)
	if err != nil {
		return nil, err
	}
	if a.Service == nil || a.Service.builder == nil {
		return nil, argError("Worker", name, "service", "is required: a DjangoService made by NewDjangoService")
	}
	sb := a.Service.builder
	if a.Spot == nil {
		a.Spot = pulumi.BoolRef(sb.a.Spot)
	}
	if a.Tags == nil {
		a.Tags = sb.a.Tags
	}
	w := &Worker{ScalingPolicies: map[string]*appautoscaling.Policy{}, BacklogAlarms: map[string]*cloudwatch.MetricAlarm{}}
	if err := ctx.RegisterComponentResource(typePrefix+"Worker", name, w, opts...); err != nil {
		return nil, err
	}
	b := &workerBuilder{ctx: ctx, name: name, a: a, w: w, sb: sb, parent: pulumi.Parent(w), tags: pulumi.ToStringMap(a.Tags)}
	for _, step := range []func() error{b.taskDefinition, b.service, b.autoscaling} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"serviceName": w.ServiceName})
}

// workerBuilder carries what the construction steps share.
type workerBuilder struct {
	ctx    *pulumi.Context
	name   string
	a      WorkerArgs
	w      *Worker
	sb     *serviceBuilder // the web service's resolved pieces
	parent pulumi.ResourceOrInvokeOption
	tags   pulumi.StringMap
	deps   []pulumi.Resource
}

func (b *workerBuilder) child(role string) string { return child(b.name, role) }

// workerContainer turns the web container into the worker's: the same
// image, user, read-only root, environment, secrets, mounts and logs, with
// Command, no port, no health check, its own log stream prefix and the
// longest stop timeout Fargate allows.
func workerContainer(web ContainerDefinition, command []string) ContainerDefinition {
	c := web
	c.Name = WorkerContainerName
	c.Command = slices.Clone(command)
	c.PortMappings = nil
	c.HealthCheck = nil
	c.StopTimeout = WorkerStopTimeout
	if web.LogConfiguration != nil {
		logs := *web.LogConfiguration
		logs.Options = map[string]string{}
		for k, v := range web.LogConfiguration.Options {
			logs.Options[k] = v
		}
		logs.Options["awslogs-stream-prefix"] = WorkerContainerName
		c.LogConfiguration = &logs
	}
	return c
}

func (b *workerBuilder) taskDefinition() error {
	a, sb := b.a, b.sb
	defs := sb.s.values.ApplyT(func(v any) string {
		return containerDefinitionsJSON(workerContainer(sb.container(v.(containerValues)), a.Command))
	}).(pulumi.StringOutput)
	var err error
	b.w.TaskDefinition, err = sb.registerTask(b.ctx, b.name, a.CPU, a.Memory, defs, b.tags, b.parent)
	return err
}

// service creates the worker's ECS service: the web service's cluster,
// private subnets and security group, no public IP, no load balancer,
// circuit breaker with rollback. It waits for the web service, so a new
// image reaches the worker only after the migration hook has run and the
// web tasks have rolled.
func (b *workerBuilder) service() error {
	a, sb := b.a, b.sb
	args := sb.fargateServiceArgs(b.w.TaskDefinition, a.MinTasks, *a.Spot)
	args.Tags = b.tags
	var err error
	b.w.Service, err = ecs.NewService(b.ctx, b.child("service"), args, b.parent, pulumi.IgnoreChanges([]string{"desiredCount"}),
		pulumi.DependsOn(sb.launchDeps), pulumi.DependsOn(sb.a.LaunchDependencies),
		pulumi.DependsOn(b.deps), pulumi.DependsOn([]pulumi.Resource{sb.s.Service}))
	if err != nil {
		return err
	}
	b.w.ServiceName = b.w.Service.Name
	return nil
}

// insights reports whether the worker's cluster publishes Container
// Insights metrics (RunningTaskCount): only a cluster the service created
// with ContainerInsights on is known to.
func (b *workerBuilder) insights() bool {
	return b.sb.a.ClusterArn == nil && boolOr(b.sb.a.ContainerInsights, true)
}

// autoscaling registers the worker between MinTasks and MaxTasks and
// scales it on CPU and, with a Queue, on the queue's backlog.
func (b *workerBuilder) autoscaling() error {
	a := b.a
	var err error
	b.w.ScalingTarget, err = appautoscaling.NewTarget(b.ctx, b.child("scaling"), &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", b.sb.s.ClusterName, b.w.Service.Name),
		MinCapacity:       pulumi.Int(a.MinTasks),
		MaxCapacity:       pulumi.Int(a.MaxTasks),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	err = b.targetTracking("cpu", float64(a.CPUTarget), &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
		PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
		},
	})
	switch {
	case err != nil || a.Queue == nil:
		return err
	case b.insights():
		return b.backlogPerTask()
	default:
		return b.backlogSteps()
	}
}

func (b *workerBuilder) targetTracking(role string, target float64, cfg *appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs) error {
	cfg.TargetValue = pulumi.Float64(target)
	cfg.ScaleOutCooldown = pulumi.Int(60)
	cfg.ScaleInCooldown = pulumi.Int(300)
	p, err := appautoscaling.NewPolicy(b.ctx, b.child(role+"-scaling"), &appautoscaling.PolicyArgs{
		PolicyType:                               pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:                         b.w.ScalingTarget.ServiceNamespace,
		ScalableDimension:                        b.w.ScalingTarget.ScalableDimension,
		ResourceId:                               b.w.ScalingTarget.ResourceId,
		TargetTrackingScalingPolicyConfiguration: cfg,
	}, b.parent)
	b.w.ScalingPolicies[role] = p
	return err
}

type (
	ttMetric     = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs
	ttMetricStat = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatArgs
	ttStatMetric = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs
	ttDimension  = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs
	ttDimensions = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArray
)

// backlogPerTask is AWS's recommended queue scaling: target tracking on the
// backlog per task, a metric math expression of the queue's
// ApproximateNumberOfMessagesVisible divided by the service's
// RunningTaskCount (Container Insights), held at BacklogPerTask
// (Application Auto Scaling user guide, "Create a target tracking scaling
// policy for Application Auto Scaling using metric math", example "Amazon
// SQS queue backlog per task").
func (b *workerBuilder) backlogPerTask() error {
	m := func(id, ns, metric, stat string, dims ttDimensions) ttMetric {
		return ttMetric{Id: pulumi.String(id), ReturnData: pulumi.Bool(false), MetricStat: &ttMetricStat{
			Stat: pulumi.String(stat), Metric: &ttStatMetric{Namespace: pulumi.String(ns), MetricName: pulumi.String(metric), Dimensions: dims},
		}}
	}
	metrics := appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArray{
		m("m1", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Sum", ttDimensions{
			ttDimension{Name: pulumi.String("QueueName"), Value: b.a.Queue.QueueName}}),
		m("m2", "ECS/ContainerInsights", "RunningTaskCount", "Average", ttDimensions{
			ttDimension{Name: pulumi.String("ClusterName"), Value: b.sb.s.ClusterName},
			ttDimension{Name: pulumi.String("ServiceName"), Value: b.w.Service.Name}}),
		ttMetric{Id: pulumi.String("e1"), Expression: pulumi.String("m1 / m2"), Label: pulumi.String("Backlog per task"), ReturnData: pulumi.Bool(true)},
	}
	return b.targetTracking("backlog", float64(b.a.BacklogPerTask), &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
		CustomizedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs{
			Metrics: metrics,
		},
	})
}

// backlogSteps scales on the queue without Container Insights (no
// RunningTaskCount to divide by): step scaling on
// ApproximateNumberOfMessagesVisible. An alarm at BacklogPerTask messages
// adds one task, and one more per further BacklogPerTask messages up to
// four; an alarm when nothing has been visible or in flight for 15 minutes
// removes one task at a time.
func (b *workerBuilder) backlogSteps() error {
	a := b.a
	steps := appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArray{}
	for i := 0; i < 4; i++ {
		step := appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs{
			MetricIntervalLowerBound: pulumi.String(strconv.Itoa(i * a.BacklogPerTask)),
			ScalingAdjustment:        pulumi.Int(i + 1),
		}
		if i < 3 {
			step.MetricIntervalUpperBound = pulumi.String(strconv.Itoa((i + 1) * a.BacklogPerTask))
		}
		steps = append(steps, step)
	}
	policies := []struct {
		role     string
		cooldown int
		steps    appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArray
	}{
		{"backlog-out", 60, steps},
		{"backlog-in", 300, appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArray{
			appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs{
				MetricIntervalUpperBound: pulumi.String("0"), ScalingAdjustment: pulumi.Int(-1),
			}}},
	}
	for _, p := range policies {
		policy, err := appautoscaling.NewPolicy(b.ctx, b.child(p.role+"-scaling"), &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("StepScaling"),
			ServiceNamespace:  b.w.ScalingTarget.ServiceNamespace,
			ScalableDimension: b.w.ScalingTarget.ScalableDimension,
			ResourceId:        b.w.ScalingTarget.ResourceId,
			StepScalingPolicyConfiguration: &appautoscaling.PolicyStepScalingPolicyConfigurationArgs{
				AdjustmentType:        pulumi.String("ChangeInCapacity"),
				Cooldown:              pulumi.Int(p.cooldown),
				MetricAggregationType: pulumi.String("Maximum"),
				StepAdjustments:       p.steps,
			},
		}, b.parent)
		if err != nil {
			return err
		}
		b.w.ScalingPolicies[p.role] = policy
	}
	queue := pulumi.StringMap{"QueueName": b.a.Queue.QueueName}
	sqsMetric := func(id, name string) cloudwatch.MetricAlarmMetricQueryArgs {
		return cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace: pulumi.String("AWS/SQS"), MetricName: pulumi.String(name), Dimensions: queue,
			Period: pulumi.Int(60), Stat: pulumi.String("Maximum"),
		}}
	}
	high, err := cloudwatch.NewMetricAlarm(b.ctx, b.child("backlog-high"), &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.Sprintf("%s: %d or more tasks waiting in the queue; adds worker tasks", b.name, a.BacklogPerTask),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateNumberOfMessagesVisible"),
		Dimensions:         queue,
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(float64(a.BacklogPerTask)),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       pulumi.Array{b.w.ScalingPolicies["backlog-out"].Arn},
		Tags:               b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	empty, err := cloudwatch.NewMetricAlarm(b.ctx, b.child("backlog-empty"), &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("%s: no task waiting or running for 15 minutes; removes a worker task", b.name),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			sqsMetric("visible", "ApproximateNumberOfMessagesVisible"),
			sqsMetric("inflight", "ApproximateNumberOfMessagesNotVisible"),
			cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("total"), Expression: pulumi.String("visible + inflight"),
				Label: pulumi.String("Messages waiting or in flight"), ReturnData: pulumi.Bool(true)},
		},
		EvaluationPeriods:  pulumi.Int(15),
		Threshold:          pulumi.Float64(1),
		ComparisonOperator: pulumi.String("LessThanThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       pulumi.Array{b.w.ScalingPolicies["backlog-in"].Arn},
		Tags:               b.tags,
	}, b.parent)
	b.w.BacklogAlarms["high"], b.w.BacklogAlarms["empty"] = high, empty
	return err
}
