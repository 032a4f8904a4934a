package stacks

import (
	"fmt"

	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkerName is the worker's and its queue's component name; the queue is
// named "<stack>-worker".
const WorkerName = "worker"

// Program builds the whole stack from the stack's configuration: Network,
// Registry, Storage, Database and DjangoService, wired together. It is the
// program main.go runs, and the one tests and cmd/synth run offline.
func Program(ctx *pulumi.Context) error {
	cfg, err := Load(ctx)
	if err != nil {
		return err
	}
	// Every component shares the project's name, so URNs read
	// "djangofargate:components:Database::djangofargate". Renaming it
	// changes every URN: see the data-safety test before you do.
	name := ctx.Project()
	var w Wiring

	netArgs := cfg.NetworkArgs()
	// ECS Exec needs the ssmmessages (and, for its session key, kms)
	// endpoints whenever the tasks reach AWS through endpoints: always
	// without NAT, and with NAT too since their egress is limited to the
	// endpoints (issue 12 item 7, issue 20 item 5).
	netArgs.EcsExecEndpoints = cfg.Service.EcsExec && netArgs.InterfaceEndpoints != nil && *netArgs.InterfaceEndpoints
	if w.Network, err = components.NewNetwork(ctx, name, &netArgs); err != nil {
		return err
	}
	regArgs := cfg.RegistryArgs()
	// `protect` decides whether `pulumi destroy` may empty what holds data:
	// an unprotected (development) stack's repository and buckets are
	// deleted with their contents, a protected one's never are.
	protect := *cfg.Storage.Protect
	regArgs.ForceDelete = pulumi.BoolRef(!protect)
	if w.Registry, err = components.NewRegistry(ctx, name, &regArgs); err != nil {
		return err
	}
	storageArgs := cfg.StorageArgs()
	storageArgs.ForceDestroy = !protect
	if w.Storage, err = components.NewStorage(ctx, name, &storageArgs); err != nil {
		return err
	}
	// Alarms (on in production) notify a topic and roll deployments back;
	// a dashboard shows what they watch.
	alarms := *cfg.Service.Alarms
	var topic pulumi.StringInput
	if alarms {
		alertArgs := cfg.Alerts
		alerts, err := components.NewAlerts(ctx, name, &alertArgs)
		if err != nil {
			return err
		}
		topic = alerts.TopicArn
		ctx.Export("alarmTopicArn", alerts.TopicArn)
	}
	dbArgs := cfg.DatabaseArgs(w)
	dbArgs.AlarmTopicArn = topic
	if w.Database, err = components.NewDatabase(ctx, name, &dbArgs); err != nil {
		return err
	}
	svcArgs := cfg.ServiceArgs(w)
	svcArgs.AlarmTopicArn = topic
	// The tasks' egress goes to the endpoints when there are any, and the
	// service waits for them before its first task (CONTROLS.md ECS-14).
	if sg := w.Network.EndpointSecurityGroup; sg != nil {
		svcArgs.EndpointSecurityGroupID = sg.ID().ToStringOutput()
	}
	svcArgs.S3PrefixListID = w.Network.S3PrefixListID
	svcArgs.LaunchDependencies = w.Network.LaunchDependencies()
	// The worker's queue exists before the service: the web tasks enqueue,
	// so its name and URL are in their environment, which the worker shares.
	var queue *components.TaskQueue
	if cfg.WorkerEnabled {
		queueArgs := cfg.WorkerQueue
		if queue, err = components.NewTaskQueue(ctx, WorkerName, &queueArgs); err != nil {
			return err
		}
		// The stack sets no other environment (no config key does), so the
		// queue's variables are the service's whole Environment.
		if svcArgs.Environment != nil {
			return fmt.Errorf("worker: the service already has an Environment; merge the queue's variables into it")
		}
		svcArgs.Environment = queue.Environment()
		// One task role for web and worker tasks: media and queue grants.
		policies := []pulumi.StringInput{queue.PolicyJSON}
		if svcArgs.TaskPolicyJSON != nil {
			policies = append([]pulumi.StringInput{svcArgs.TaskPolicyJSON}, policies...)
		}
		svcArgs.TaskPolicyJSON = components.MergePolicies(policies...)
	}
	svc, err := components.NewDjangoService(ctx, name, &svcArgs)
	if err != nil {
		return err
	}
	if cfg.WorkerEnabled {
		workerArgs := cfg.Worker
		workerArgs.Service, workerArgs.Queue = svc, queue
		worker, err := components.NewWorker(ctx, WorkerName, &workerArgs)
		if err != nil {
			return err
		}
		ctx.Export("workerServiceName", worker.ServiceName)
		ctx.Export("taskQueueUrl", queue.QueueURL)
		ctx.Export("taskDeadLetterQueueArn", queue.DeadLetterQueueArn)
	}
	if alarms {
		if _, err := components.NewDashboard(ctx, name, &components.DashboardArgs{
			LoadBalancer: svc.LoadBalancerArnSuffix, TargetGroup: svc.TargetGroupArnSuffix,
			ClusterName: svc.ClusterName, ServiceName: svc.ServiceName,
			DatabaseIdentifier: w.Database.Instance.Identifier,
		}); err != nil {
			return err
		}
	}

	// Scheduled commands run the service's task definition on schedules.
	cmds, err := cfg.ScheduledCommands()
	if err != nil {
		return err
	}
	if len(cmds) > 0 {
		sched, err := components.NewScheduledCommands(ctx, name, &components.ScheduledCommandsArgs{Service: svc, Commands: cmds})
		if err != nil {
			return err
		}
		ctx.Export("scheduleGroupName", sched.ScheduleGroupName)
	}

	ctx.Export("url", svc.URL)
	ctx.Export("albDnsName", svc.AlbDNSName)
	ctx.Export("clusterName", svc.ClusterName)
	ctx.Export("serviceName", svc.ServiceName)
	ctx.Export("logGroupName", svc.LogGroupName)
	ctx.Export("generatedSecretArns", svc.GeneratedSecretArns)
	ctx.Export("repositoryUrl", w.Registry.RepositoryURL)
	ctx.Export("imageUri", w.Registry.ImageURI)
	ctx.Export("dbEndpoint", w.Database.Endpoint)
	ctx.Export("dbSecretArn", w.Database.MasterSecretArn)
	ctx.Export("dbAppSecretArn", w.Database.AppSecretArn)
	ctx.Export("dbOwnerSecretArn", w.Database.OwnerSecretArn)
	ctx.Export("migrationRoleArn", svc.MigrationRoleArn)
	ctx.Export("mediaBucket", w.Storage.MediaBucketName)
	ctx.Export("vpcId", w.Network.VpcID)
	return nil
}
