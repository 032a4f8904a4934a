package stacks

import (
	"github.com/djangofargate/djangofargate/components"
)

// Regenerates Pulumi.yaml's config block, Pulumi.dev.yaml's development
// values and README.md's key tables from keyTable.
//go:generate go run ./internal/configgen -root ..

// keyTable is every config key, once: its type, its default in each
// profile, what it accepts, and the component argument it sets. Pulumi.yaml,
// Pulumi.dev.yaml and the README's tables are generated from it, and a
// component's *FieldError is mapped back to a key through it.
//
// Adding a key: one entry here (the component argument must exist), then
// `go generate ./stacks` and a test of what the key changes.
func keyTable() []Key {
	return []Key{
		stringKey("profile", "Which defaults the stack was written from: production (highly available, keeps data) or development (cheap). It never changes security. Pulumi.yaml's defaults are production's; a development stack states development's values in its stack file (copy Pulumi.dev.yaml: `pulumi stack init NAME --copy-config-from dev`).",
			same(Production), oneOf(Production, Development),
			stack(func(c *Config) *string { return &c.Profile })),

		// Network.
		intKey("azCount", "Availability zones the subnets span; an ALB and a Multi-AZ database need two.",
			same(2), between(2, 4),
			network(func(a *components.NetworkArgs) *int { return &a.AZCount })),
		stringKey("vpcCidr", "The VPC's private IPv4 range, an RFC 1918 network from /16 to /20. Changing it replaces the network.",
			same("10.0.0.0/16"), anyString(),
			network(func(a *components.NetworkArgs) *string { return &a.CidrBlock })),
		stringKey("natGateways", "NAT gateways for the tasks' internet egress; None needs vpcEndpoints.",
			byProfile(components.NatOnePerAZ, components.NatSingle), oneOf(components.NatOnePerAZ, components.NatSingle, components.NatNone),
			network(func(a *components.NetworkArgs) *string { return &a.NatGateways })).
			givesUp("an AZ outage cuts the tasks' internet egress"),
		boolKey("vpcEndpoints", "Interface endpoints for ECR, CloudWatch Logs and Secrets Manager in the private subnets.",
			byProfile(true, false),
			optional(network(func(a *components.NetworkArgs) **bool { return &a.InterfaceEndpoints }))).
			givesUp("ECR, CloudWatch Logs and Secrets Manager calls go through the NAT gateway (S3 keeps its gateway endpoint)"),
		boolKey("flowLogs", "VPC flow logs to CloudWatch Logs.",
			byProfile(true, false),
			optional(network(func(a *components.NetworkArgs) **bool { return &a.FlowLogs }))).
			givesUp("no record of the VPC's traffic"),
		intKey("logRetentionDays", "Retention of every log group (container, flow logs, database), in days.",
			byProfile(365, 14), oneOfInts(components.LogRetentionDays...),
			network(func(a *components.NetworkArgs) *int { return &a.LogRetentionDays }),
			database(func(a *components.DatabaseArgs) *int { return &a.LogRetentionDays }),
			service(func(a *components.DjangoServiceArgs) *int { return &a.LogRetentionDays })).
			givesUp("logs are kept two weeks, not a year"),
		boolKey("protect", "Pulumi `protect` on the database and media bucket (and retainOnDelete on the bucket): destroying the stack cannot lose their data.",
			byProfile(true, false),
			optional(database(func(a *components.DatabaseArgs) **bool { return &a.Protect })),
			optional(storage(func(a *components.StorageArgs) **bool { return &a.Protect }))).
			givesUp("`pulumi destroy` deletes the database and the media bucket"),

		// Registry and image.
		stringKey("appPath", "The app's Docker build context, relative to this file. The image tag is a hash of its contents (honouring .dockerignore).",
			same("app"), anyString(),
			registry(func(a *components.RegistryArgs) *string { return &a.Context })),
		stringKey("dockerfile", "The Dockerfile, relative to appPath.",
			same("Dockerfile"), anyString(),
			registry(func(a *components.RegistryArgs) *string { return &a.Dockerfile })),
		stringKey("architecture", "CPU architecture of the image and the tasks; arm64 (Graviton) is about 20% cheaper.",
			same(components.ArchX86_64), oneOf(components.ArchX86_64, components.ArchARM64),
			registry(func(a *components.RegistryArgs) *string { return &a.Architecture }),
			service(func(a *components.DjangoServiceArgs) *string { return &a.Architecture })),
		stringKey("image", "A prebuilt image (registry/repo:tag or @sha256:digest, never :latest) to deploy instead of building appPath. Empty: build appPath.",
			same(""), anyString(),
			registry(func(a *components.RegistryArgs) *string { return &a.Image })),
		intKey("imagesKept", "Tagged images the ECR lifecycle policy keeps; untagged images expire after a day.",
			same(10), between(1, 1000),
			registry(func(a *components.RegistryArgs) *int { return &a.ImagesKept })),

		// Database.
		stringKey("dbInstanceClass", "RDS instance class (db.t4g.micro and db.t3.small lack Performance Insights).",
			byProfile("db.t4g.medium", "db.t4g.micro"), anyString(),
			database(func(a *components.DatabaseArgs) *string { return &a.InstanceClass })).
			givesUp("2 vCPU and 4 GiB down to 2 vCPU and 1 GiB, burstable"),
		stringKey("dbEngineVersion", "PostgreSQL version, major (\"17\") or major.minor; minor upgrades are automatic. Changing the major version upgrades the database in place.",
			same("17"), anyString(),
			database(func(a *components.DatabaseArgs) *string { return &a.EngineVersion })),
		intKey("dbAllocatedStorage", "Initial gp3 storage in GiB.",
			same(20), between(20, 65536),
			database(func(a *components.DatabaseArgs) *int { return &a.AllocatedStorage })),
		intKey("dbMaxAllocatedStorage", "Storage autoscaling ceiling in GiB, above dbAllocatedStorage.",
			same(100), between(21, 65536),
			database(func(a *components.DatabaseArgs) *int { return &a.MaxAllocatedStorage })),
		boolKey("dbMultiAz", "A standby database in a second AZ with automatic failover (doubles the database cost).",
			byProfile(true, false),
			optional(database(func(a *components.DatabaseArgs) **bool { return &a.MultiAZ }))).
			givesUp("the database is down during an AZ or host failure"),
		intKey("dbBackupRetentionDays", "Automated backup retention in days (point-in-time recovery reaches back this far).",
			byProfile(14, 1), between(1, 35),
			database(func(a *components.DatabaseArgs) *int { return &a.BackupRetentionDays })).
			givesUp("point-in-time recovery reaches back one day"),
		boolKey("dbDeletionProtection", "RDS deletion protection and a final snapshot on delete.",
			byProfile(true, false),
			optional(database(func(a *components.DatabaseArgs) **bool { return &a.DeletionProtection })),
			optional(database(func(a *components.DatabaseArgs) **bool { return &a.FinalSnapshot }))).
			givesUp("deleting the stack deletes the database, with no final snapshot"),
		boolKey("dbPerformanceInsights", "Performance Insights (7 days free).",
			byProfile(true, false),
			optional(database(func(a *components.DatabaseArgs) **bool { return &a.PerformanceInsights }))).
			givesUp("no query-level performance history"),

		stringKey("dbAppRole", "The PostgreSQL role the web tasks log in as: read and write on the owner's tables, no DDL. Its password is generated and kept in Secrets Manager.",
			same("app"), anyString(),
			database(func(a *components.DatabaseArgs) *string { return &a.AppRole })),
		stringKey("dbOwnerRole", "The PostgreSQL role that owns the tables and runs the migrations. Its password is generated and kept in Secrets Manager.",
			same("app_owner"), anyString(),
			database(func(a *components.DatabaseArgs) *string { return &a.OwnerRole })),
		intKey("dbMasterRotationDays", "Days between RDS's rotations of the master password (used only by the migration task's role provisioning, read when it starts).",
			same(7), between(1, 1000),
			database(func(a *components.DatabaseArgs) *int { return &a.MasterRotationDays })),
		intKey("dbMonitoringInterval", "RDS Enhanced Monitoring interval in seconds (OS metrics per process); 0 turns it off.",
			byProfile(60, 0), oneOfInts(1, 5, 10, 15, 30, 60).orZero("off"),
			optional(database(func(a *components.DatabaseArgs) **int { return &a.MonitoringInterval }))).
			givesUp("no OS-level database metrics (Enhanced Monitoring)"),

		// Storage.
		listKey("corsOrigins", "HTTPS origins allowed to upload to the media bucket from browsers, e.g. [\"https://app.example.com\"]; empty: none.",
			same([]string{}),
			storage(func(a *components.StorageArgs) *[]string { return &a.CorsOrigins })),
		boolKey("albAccessLogs", "Load balancer access logs to an S3 bucket.",
			byProfile(true, false),
			optional(storage(func(a *components.StorageArgs) **bool { return &a.AccessLogs }))).
			givesUp("no request logs from the load balancer"),

		// Service.
		intKey("cpu", "Task CPU units (1024 = 1 vCPU). Gunicorn runs (2 x vCPU) + 1 workers (at least 2) of 2 threads unless gunicornWorkers and gunicornThreads say otherwise.",
			byProfile(1024, 256), oneOfInts(fargateCPUs()...),
			service(func(a *components.DjangoServiceArgs) *int { return &a.CPU })).
			givesUp("a quarter of the capacity per task"),
		intKey("memory", "Task memory in MiB; must be a Fargate size for the cpu.",
			byProfile(2048, 512), atLeast(512),
			service(func(a *components.DjangoServiceArgs) *int { return &a.Memory })).
			givesUp("a quarter of the memory per task"),
		intKey("desiredCount", "Tasks at the first deploy; autoscaling owns the count afterwards.",
			same(0), between(1, 1000).orZero("the same as minTasks"),
			service(func(a *components.DjangoServiceArgs) *int { return &a.DesiredCount })),
		intKey("minTasks", "Autoscaling minimum; 1 leaves the API down while its one task restarts.",
			byProfile(2, 1), between(1, 999),
			service(func(a *components.DjangoServiceArgs) *int { return &a.MinTasks })).
			givesUp("one task: the API is down while it restarts"),
		intKey("maxTasks", "Autoscaling maximum, above minTasks.",
			byProfile(10, 3), between(2, 1000),
			service(func(a *components.DjangoServiceArgs) *int { return &a.MaxTasks })).
			givesUp("a tenth of the production peak"),
		intKey("cpuTarget", "Average CPU percentage autoscaling holds.",
			same(60), between(10, 90),
			service(func(a *components.DjangoServiceArgs) *int { return &a.CPUTarget })),
		intKey("requestsPerTarget", "Load balancer requests per task per minute autoscaling holds.",
			same(1000), atLeast(1),
			service(func(a *components.DjangoServiceArgs) *int { return &a.RequestsPerTarget })),
		boolKey("spot", "Run tasks on Fargate Spot (about 70% cheaper; AWS may stop a task with two minutes' notice).",
			byProfile(false, true),
			service(func(a *components.DjangoServiceArgs) *bool { return &a.Spot })).
			givesUp("AWS may stop the task with two minutes' notice"),
		boolKey("ecsExec", "Allow `aws ecs execute-command` shells in the tasks.",
			same(false),
			service(func(a *components.DjangoServiceArgs) *bool { return &a.EcsExec })),
		boolKey("containerInsights", "CloudWatch Container Insights on the cluster.",
			byProfile(true, false),
			optional(service(func(a *components.DjangoServiceArgs) **bool { return &a.ContainerInsights }))).
			givesUp("no task-level metrics, only the service's CPU and memory"),
		boolKey("albDeletionProtection", "Deletion protection on the load balancer.",
			byProfile(true, false),
			optional(service(func(a *components.DjangoServiceArgs) **bool { return &a.DeletionProtection }))).
			givesUp("the load balancer can be deleted by mistake"),
		intKey("idleTimeout", "Load balancer idle timeout in seconds; gunicorn's keep-alive is set 15 s above it.",
			same(60), between(1, 4000),
			service(func(a *components.DjangoServiceArgs) *int { return &a.IdleTimeout })),
		intKey("gunicornWorkers", "Gunicorn worker processes per task (WEB_CONCURRENCY); 0 leaves it to the service, which derives it from cpu.",
			same(0), between(1, 64).orZero("derived from cpu"),
			service(func(a *components.DjangoServiceArgs) *int { return &gunicorn(a).Workers })),
		intKey("gunicornThreads", "Threads per gunicorn worker (gthread): they overlap the waits on the database and S3.",
			same(components.GunicornThreads), between(1, 32),
			service(func(a *components.DjangoServiceArgs) *int { return &gunicorn(a).Threads })),
		stringKey("livenessPath", "The app's liveness path (never touches the database): what the load balancer and the container health check call, so a database outage never makes ECS replace the tasks.",
			same("/livez"), anyString(),
			service(func(a *components.DjangoServiceArgs) *string { return &a.LivenessPath })),
		stringKey("readinessPath", "The app's readiness path (checks the database), for alarms and people; never probed by ECS or the load balancer.",
			same("/readyz"), anyString(),
			service(func(a *components.DjangoServiceArgs) *string { return &a.ReadinessPath })),
		boolKey("internalLoadBalancer", "Put the load balancer in the private subnets, reachable only from the VPC (and what is peered or connected to it); not with hostedZone.",
			same(false),
			service(func(a *components.DjangoServiceArgs) *bool { return &a.Internal })),
		stringKey("domain", "The API's host name, e.g. api.example.com. Needs hostedZone or certificateArn; HTTP then redirects to HTTPS. Empty: HTTP on the load balancer's name.",
			same(""), anyString(),
			service(func(a *components.DjangoServiceArgs) *string { return &a.Domain })),
		stringKey("hostedZone", "Route 53 public zone holding domain: the stack issues an ACM certificate and an alias record. Empty: none.",
			same(""), anyString(),
			service(func(a *components.DjangoServiceArgs) *string { return &a.HostedZone })),
		stringKey("certificateArn", "An existing ACM certificate for HTTPS, in the stack's aws:region. Empty: none.",
			same(""), anyString(),
			certificate()),
		listKey("generatedSecrets", "Variables the service fills with a random value kept in its own Secrets Manager secret (like DJANGO_SECRET_KEY), delivered through the task definition's secrets. The reference app's writes need API_TOKEN; read it from the generatedSecretArns output.",
			same([]string{"API_TOKEN"}),
			service(func(a *components.DjangoServiceArgs) *[]string { return &a.GeneratedSecrets })),
		boolKey("alarms", "CloudWatch alarms on the service and the database, an SNS topic they notify and a dashboard; the 5xx and p99 latency alarms roll a failing deployment back.",
			byProfile(true, false),
			optional(service(func(a *components.DjangoServiceArgs) **bool { return &a.Alarms })),
			optional(database(func(a *components.DatabaseArgs) **bool { return &a.Alarms }))).
			givesUp("no alarms or dashboard; a deployment rolls back on failed health checks only"),
		stringKey("alarmEmail", "E-mail address the alarm topic notifies (AWS mails a confirmation link first). Empty: nobody; subscribe a pager to the alarmTopicArn output.",
			same(""), anyString(),
			alerts(func(a *components.AlertsArgs) *string { return &a.Email })),
		boolKey("migrations", "Run `manage.py migrate` on every new image before the service rolls to it; a failure stops the deploy.",
			same(true),
			optional(service(func(a *components.DjangoServiceArgs) **bool { return &a.Migrations }))),

		// Worker.
		boolKey("worker", "A background worker: an ECS service of its own that runs workerCommand from the app's image with the web tasks' environment, secrets and roles, no load balancer and no public IP, consuming an encrypted SQS queue (with a dead-letter queue) that the app uses as Celery's broker; it scales on the queue's backlog per task.",
			same(false),
			stack(func(c *Config) *bool { return &c.WorkerEnabled })),
		listKey("workerCommand", "The worker container's command (the image's entry point runs it).",
			same(components.DefaultWorkerCommand()),
			worker(func(a *components.WorkerArgs) *[]string { return &a.Command })),
		intKey("workerCpu", "Worker task CPU units (1024 = 1 vCPU).",
			same(512), oneOfInts(fargateCPUs()...),
			worker(func(a *components.WorkerArgs) *int { return &a.CPU })),
		intKey("workerMemory", "Worker task memory in MiB; must be a Fargate size for workerCpu.",
			same(1024), atLeast(512),
			worker(func(a *components.WorkerArgs) *int { return &a.Memory })),
		intKey("workerMinTasks", "Worker autoscaling minimum.",
			byProfile(2, 1), between(1, 1000),
			worker(func(a *components.WorkerArgs) *int { return &a.MinTasks })).
			givesUp("one worker task: background tasks wait while it restarts"),
		intKey("workerMaxTasks", "Worker autoscaling maximum, at least workerMinTasks (equal: a fixed size).",
			byProfile(8, 2), between(1, 1000),
			worker(func(a *components.WorkerArgs) *int { return &a.MaxTasks })).
			givesUp("a quarter of the production worker peak"),
		intKey("workerBacklogPerTask", "Messages waiting per worker task that autoscaling holds: the latency you accept divided by a task's average run time.",
			same(100), between(1, 100000),
			worker(func(a *components.WorkerArgs) *int { return &a.BacklogPerTask })),
		intKey("workerVisibilityTimeout", "Seconds a task's message stays hidden once a worker takes it; it must exceed the longest task, or the task runs twice.",
			same(900), between(30, 43200),
			taskQueue(func(a *components.TaskQueueArgs) *int { return &a.VisibilityTimeout })),
		// Scheduled commands.
		listKey("schedules", "Commands run on a schedule as one-off tasks of the service's task definition (EventBridge Scheduler), each entry \"NAME EXPRESSION COMMAND...\": e.g. \"clearsessions cron(0 3 * * ? *) python manage.py clearsessions\". EXPRESSION is cron(min hour day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss); a JSON array for COMMAND keeps arguments with spaces. Each run's task is in the group schedule:NAME. Empty: none.",
			same([]string{}),
			stack(func(c *Config) *[]string { return &c.Schedules })),
		stringKey("scheduleTimezone", "IANA time zone the schedules' cron and at expressions are read in, e.g. Europe/Paris.",
			same("UTC"), anyString(),
			stack(func(c *Config) *string { return &c.ScheduleTimezone })),
	}
}

// gunicorn returns the service's gunicorn arguments, made on first use.
func gunicorn(a *components.DjangoServiceArgs) *components.GunicornArgs {
	if a.Gunicorn == nil {
		a.Gunicorn = &components.GunicornArgs{}
	}
	return a.Gunicorn
}

// fargateCPUs lists the Fargate task CPU sizes, smallest first.
func fargateCPUs() []int {
	var out []int
	for cpu := range components.FargateMemory {
		out = append(out, cpu)
	}
	return sortedInts(out)
}
