package components

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TaskQueueArgs configure a TaskQueue. The zero value is the default.
type TaskQueueArgs struct {
	// VisibilityTimeout is how many seconds a received message stays hidden
	// before SQS hands it to another worker: it must exceed the longest
	// task, or a task still running is started a second time. Celery's SQS
	// transport sends the same value on every receive
	// (CELERY_VISIBILITY_TIMEOUT), so queue and app agree. Default 900 (15
	// minutes); 30 to 43200 (the SQS maximum, 12 hours).
	VisibilityTimeout int `pulumi:"visibilityTimeout,optional"`
	// MaxReceiveCount is how many times a message is received before SQS
	// moves it to the dead-letter queue: a task that crashes its worker
	// every time stops after this many tries. Default 5; 1 to 1000.
	MaxReceiveCount int `pulumi:"maxReceiveCount,optional"`
	// RetentionSeconds is how long an unprocessed message is kept. Default
	// 345600 (4 days, the SQS default); 60 to 1209600. The dead-letter queue
	// keeps its messages 14 days (the maximum), so a failed task can be
	// inspected and redriven.
	RetentionSeconds int `pulumi:"retentionSeconds,optional"`
	// Tags are added to both queues.
	Tags map[string]string `pulumi:"tags,optional"`
}

// TaskQueue is the SQS queue a Celery worker consumes, with its dead-letter
// queue: both encrypted at rest with SQS-managed keys (SSE-SQS: no KMS key
// to pay for or grant), long polling, and a redrive policy. The queue's name
// is fixed ("<stack>-<name>"), so the web service's environment can name it
// before either exists (Environment).
type TaskQueue struct {
	pulumi.ResourceState

	// QueueName is the queue's name, "<stack>-<name>".
	QueueName pulumi.StringOutput `pulumi:"queueName"`
	// QueueURL is the queue's URL, what SQS API calls address.
	QueueURL pulumi.StringOutput `pulumi:"queueUrl"`
	// QueueArn is the queue's ARN, what IAM policies name.
	QueueArn pulumi.StringOutput `pulumi:"queueArn"`
	// DeadLetterQueueArn is the dead-letter queue's ARN.
	DeadLetterQueueArn pulumi.StringOutput `pulumi:"deadLetterQueueArn"`
	// PolicyJSON is an identity policy granting CeleryQueueActions on the
	// queue and nothing else. Give it to the role the web and worker tasks
	// share, through DjangoServiceArgs.TaskPolicyJSON (MergePolicies with
	// any other), so the service's first task already has it (CONTROLS.md
	// ECS-14).
	PolicyJSON pulumi.StringOutput `pulumi:"policyJson"`

	// Queue is the task queue.
	Queue *sqs.Queue
	// DeadLetterQueue receives the messages received MaxReceiveCount times.
	DeadLetterQueue *sqs.Queue

	name, url         string // known before deployment
	visibilityTimeout int
}

// Bounds of TaskQueueArgs (SQS developer guide, "Amazon SQS quotas" and
// the CreateQueue API reference: VisibilityTimeout 0 to 43200 seconds,
// MessageRetentionPeriod 60 to 1209600 seconds, maxReceiveCount 1 to 1000).
const (
	defaultVisibilityTimeout = 900
	maxVisibilityTimeout     = 43200
	maxRetention             = 1209600
	maxQueueName             = 80 // letters, digits, hyphens and underscores
)

// defaults validates args and returns a copy with every default filled in.
func (a TaskQueueArgs) defaults(name, stack string) (TaskQueueArgs, error) {
	const c = "TaskQueue"
	fail := func(field, format string, v ...any) (TaskQueueArgs, error) {
		return a, argError(c, name, field, format, v...)
	}
	full := stack + "-" + name + "-dlq"
	if len(full) > maxQueueName || !resourceName.MatchString(name) {
		return fail("name", "%q must be letters, digits and hyphens, and %q at most %d characters (the SQS name limit)", name, full, maxQueueName)
	}
	a.VisibilityTimeout = cmpOr(a.VisibilityTimeout, defaultVisibilityTimeout)
	if a.VisibilityTimeout < 30 || a.VisibilityTimeout > maxVisibilityTimeout {
		return fail("visibilityTimeout", "%d seconds is out of range; use 30 to %d (it must exceed the longest task)", a.VisibilityTimeout, maxVisibilityTimeout)
	}
	a.MaxReceiveCount = cmpOr(a.MaxReceiveCount, 5)
	if a.MaxReceiveCount < 1 || a.MaxReceiveCount > 1000 {
		return fail("maxReceiveCount", "%d is out of range; use 1 to 1000", a.MaxReceiveCount)
	}
	a.RetentionSeconds = cmpOr(a.RetentionSeconds, 345600)
	if a.RetentionSeconds < 60 || a.RetentionSeconds > maxRetention {
		return fail("retentionSeconds", "%d is out of range; use 60 to %d (14 days)", a.RetentionSeconds, maxRetention)
	}
	return a, nil
}

// Validate returns a *FieldError for the first invalid argument of a queue
// named name in stack.
func (a TaskQueueArgs) Validate(name, stack string) error {
	_, err := a.defaults(name, stack)
	return err
}

// NewTaskQueue creates a TaskQueue named "<stack>-<name>" and its
// dead-letter queue "<stack>-<name>-dlq".
func NewTaskQueue(ctx *pulumi.Context, name string, args *TaskQueueArgs, opts ...pulumi.ResourceOption) (*TaskQueue, error) {
	if args == nil {
		args = &TaskQueueArgs{}
	}
	a, err := args.defaults(name, ctx.Stack())
	if err != nil {
		return nil, err
	}
	q := &TaskQueue{name: ctx.Stack() + "-" + name, visibilityTimeout: a.VisibilityTimeout}
	if err := ctx.RegisterComponentResource(typePrefix+"TaskQueue", name, q, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	id, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	q.url = QueueURL(region.Name, id.AccountId, q.name)
	tags := pulumi.ToStringMap(a.Tags)
	q.DeadLetterQueue, err = sqs.NewQueue(ctx, child(name, "dlq"), &sqs.QueueArgs{
		Name:                    pulumi.String(q.name + "-dlq"),
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(maxRetention),
		Tags:                    tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	redrive := q.DeadLetterQueue.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": a.MaxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
	q.Queue, err = sqs.NewQueue(ctx, child(name, "queue"), &sqs.QueueArgs{
		Name:                     pulumi.String(q.name),
		SqsManagedSseEnabled:     pulumi.Bool(true),
		VisibilityTimeoutSeconds: pulumi.Int(a.VisibilityTimeout),
		MessageRetentionSeconds:  pulumi.Int(a.RetentionSeconds),
		// Long polling: a receive waits up to 20 s for a message instead of
		// answering empty at once (fewer, cheaper requests).
		ReceiveWaitTimeSeconds: pulumi.Int(20),
		RedrivePolicy:          redrive,
		Tags:                   tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	q.QueueName, q.QueueURL, q.QueueArn = q.Queue.Name, q.Queue.Url, q.Queue.Arn
	q.DeadLetterQueueArn = q.DeadLetterQueue.Arn
	q.PolicyJSON = policyOutput(func(v []string) PolicyDocument {
		return PolicyDocument{Version: policyVersion, Statement: []Statement{
			{Sid: "CeleryQueue", Effect: "Allow", Action: CeleryQueueActions, Resource: []string{v[0]}},
		}}
	}, q.QueueArn)
	return q, ctx.RegisterResourceOutputs(q, pulumi.Map{
		"queueName": q.QueueName, "queueUrl": q.QueueURL, "queueArn": q.QueueArn,
		"deadLetterQueueArn": q.DeadLetterQueueArn, "policyJson": q.PolicyJSON,
	})
}

// QueueURL is the URL SQS gives a queue named name in region and account:
// https://sqs.<region>.<dns suffix>/<account>/<name> (SQS developer guide,
// "Amazon SQS queue and message identifiers"). China regions use the
// amazonaws.com.cn suffix.
func QueueURL(region, account, name string) string {
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix += ".cn"
	}
	return "https://sqs." + region + "." + suffix + "/" + account + "/" + name
}

// Environment is what the app needs to use the queue as Celery's broker:
// CELERY_BROKER_URL "sqs://" (no keys in the URL: boto3 takes the task
// role's credentials), the queue's name and URL (the app declares it as its
// only, predefined queue, so kombu never lists or creates queues), and the
// visibility timeout kombu must send. Merge it into the service's
// DjangoServiceArgs.Environment: the worker runs with the same environment.
// Its values are plain strings, known before the queue exists (the URL is
// built from the region, account and name), so the container definitions
// stay known at preview.
func (q *TaskQueue) Environment() pulumi.StringMap {
	return pulumi.StringMap{
		"CELERY_BROKER_URL":         pulumi.String("sqs://"),
		"CELERY_QUEUE_NAME":         pulumi.String(q.name),
		"CELERY_QUEUE_URL":          pulumi.String(q.url),
		"CELERY_VISIBILITY_TIMEOUT": pulumi.String(strconv.Itoa(q.visibilityTimeout)),
	}
}
