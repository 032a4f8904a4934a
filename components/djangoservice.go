package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultContainerPort is the port gunicorn listens on inside the task
// unless DjangoServiceArgs.ContainerPort says otherwise; the container gets
// it as PORT (app/gunicorn.conf.py binds to it).
const DefaultContainerPort = 8000

// ContainerName is the name of the Django container in the task definition.
const ContainerName = "web"

// DefaultContainerUser is the numeric non-root user the container runs as
// unless DjangoServiceArgs.User says otherwise; the reference image
// (app/Dockerfile) creates it.
const DefaultContainerUser = "10001:10001"

// DefaultSettingsModule is DJANGO_SETTINGS_MODULE unless
// DjangoServiceArgs.SettingsModule says otherwise: the reference app's.
const DefaultSettingsModule = "config.settings"

// TLSPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2 only.
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// DjangoServiceArgs configure a DjangoService. Fields marked required have
// no default; the zero value of every other field is the production default.
type DjangoServiceArgs struct {
	// VpcID is the VPC of the load balancer and the tasks. Required.
	VpcID pulumi.StringInput `pulumi:"vpcId"`
	// PublicSubnetIDs hold the load balancer; two AZs at least. Required
	// unless Internal (an internal load balancer sits in PrivateSubnetIDs).
	PublicSubnetIDs pulumi.StringArrayInput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs hold the tasks, which get no public IP. Required.
	PrivateSubnetIDs pulumi.StringArrayInput `pulumi:"privateSubnetIds"`

	// ImageURI is the app image, pinned by digest (Registry.ImageURI). Required.
	ImageURI pulumi.StringInput `pulumi:"imageUri"`
	// RepositoryArn is the ECR repository the execution role may pull from.
	// Required.
	RepositoryArn pulumi.StringInput `pulumi:"repositoryArn"`
	// Architecture is "x86_64" (default) or "arm64" (Graviton, about 20%
	// cheaper); it must match the image.
	Architecture string `pulumi:"architecture,optional"`
	// SettingsModule is the Django settings module, set as
	// DJANGO_SETTINGS_MODULE in the web and migration containers: a dotted
	// Python module path. Default DefaultSettingsModule ("config.settings").
	SettingsModule string `pulumi:"settingsModule,optional"`
	// Command replaces the image's CMD in the web container, such as
	// ["gunicorn", "shop.wsgi"]; it must serve HTTP on ContainerPort and
	// answer LivenessPath. Default: none, the image's own CMD (the reference
	// image runs gunicorn with app/gunicorn.conf.py). The migration task runs
	// MigrateCommand instead.
	Command []string `pulumi:"command,optional"`
	// User is the "uid", "uid:gid", "user" or "user:group" the container
	// runs as; root (0 or "root") is refused (CONTROLS.md ECS-9). Default
	// DefaultContainerUser ("10001:10001"), the user the reference image
	// creates: a user the image lacks fails the task at start.
	User string `pulumi:"user,optional"`
	// ContainerPort is the port the app listens on, 1024 to 65535 (the
	// container has no capability to bind a lower port as non-root). The
	// container gets it as PORT; the target group, the health checks and the
	// security group rules use it. Default DefaultContainerPort (8000).
	ContainerPort int `pulumi:"containerPort,optional"`

	// DatabaseHost, DatabasePort and DatabaseName locate the database. Required.
	DatabaseHost pulumi.StringInput `pulumi:"databaseHost"`
	DatabasePort pulumi.IntInput    `pulumi:"databasePort"`
	DatabaseName pulumi.StringInput `pulumi:"databaseName"`
	// DatabaseAppSecretArn is the app role's secret (Database.AppSecretArn),
	// JSON {"username", "password"}. The container gets its ARN, not its
	// value, as DB_SECRET_ARN and reads it when it opens a connection, so a
	// new password takes effect without a restart (CONTROLS.md RDS-11); the
	// task role may read this secret and no other. Required.
	DatabaseAppSecretArn pulumi.StringInput `pulumi:"databaseAppSecretArn"`
	// DatabaseOwnerSecretArn is the owner role's secret
	// (Database.OwnerSecretArn): the migration task connects with it.
	// Required when Migrations is on.
	DatabaseOwnerSecretArn pulumi.StringInput `pulumi:"databaseOwnerSecretArn,optional"`
	// DatabaseMasterSecretArn is the RDS-managed master secret
	// (Database.MasterSecretArn): only the migration task's provisioning
	// step reads it, to create the app and owner roles. Required when
	// Migrations is on. Danger: never pass it as DatabaseAppSecretArn; the
	// app would run as rds_superuser.
	DatabaseMasterSecretArn pulumi.StringInput `pulumi:"databaseMasterSecretArn,optional"`
	// DatabaseSecretsKMSKeyArn is the KMS key of those secrets
	// (Database.SecretsKMSKeyArn). Set (and not ""), the roles that read the
	// secrets also get kms:Decrypt on it, through Secrets Manager only.
	// Default: none, the secrets use the AWS-managed key.
	DatabaseSecretsKMSKeyArn pulumi.StringInput `pulumi:"databaseSecretsKmsKeyArn,optional"`
	// DatabaseSecurityGroupID, when set, is the database's security group:
	// the tasks' group gets an egress rule to it on DatabasePort, nothing
	// else. The ingress rule admitting the tasks is the database's: with
	// Database, Database.AllowFrom adds it; without Database (in languages
	// other than Go, which cannot pass one), the component adds the same
	// rule, "<name>-db-from-tasks", itself on DatabasePort.
	DatabaseSecurityGroupID pulumi.StringInput `pulumi:"databaseSecurityGroupId,optional"`
	// Database, when set, is asked for the ingress rule admitting the tasks'
	// security group: Database.AllowFrom, "<name>-db-from-tasks", a child of
	// the Database on the instance's own port; the tasks start only once it
	// exists (CONTROLS.md ECS-14). An alias keeps the rule's URN from when
	// the service made it, so existing stacks update it in place. Default
	// none. Danger: do not also list the tasks' group in
	// DatabaseArgs.AllowedSecurityGroupIDs (AllowFrom refuses). Go only.
	Database DatabaseAccess

	// EndpointSecurityGroupID is the security group of the VPC's interface
	// endpoints (Network.EndpointSecurityGroup). When set, the tasks' HTTPS
	// egress goes to it (and to S3PrefixListID) instead of the internet.
	EndpointSecurityGroupID pulumi.StringInput `pulumi:"endpointSecurityGroupId,optional"`
	// S3PrefixListID is the S3 gateway endpoint's prefix list
	// (Network.S3PrefixListID): ECR image layers and the media bucket are
	// reached through it on 443.
	S3PrefixListID pulumi.StringInput `pulumi:"s3PrefixListId,optional"`
	// InternetEgress lets the tasks open HTTPS connections to any address
	// (0.0.0.0/0:443, through the NAT gateways). Default: true without
	// EndpointSecurityGroupID (the tasks reach AWS APIs no other way), false
	// with it. Setting it with endpoints is an explicit opt-in for an app
	// that calls third-party APIs; it also opens an exfiltration path.
	InternetEgress *bool `pulumi:"internetEgress,optional"`
	// LaunchDependencies are resources the tasks need before the first one
	// starts, such as the VPC's endpoints (Network.LaunchDependencies): the
	// service, and so the migration task that runs before it, waits for
	// them (CONTROLS.md ECS-14). Go only: resources cannot cross languages.
	LaunchDependencies []pulumi.Resource

	// MediaBucketName is the S3 bucket for uploaded media (AWS_STORAGE_BUCKET_NAME).
	MediaBucketName pulumi.StringInput `pulumi:"mediaBucketName,optional"`
	// TaskPolicyJSON is an IAM policy for the task role, such as
	// Storage.MediaPolicyJSON. Without it the app gets no AWS permissions.
	TaskPolicyJSON pulumi.StringInput `pulumi:"taskPolicyJson,optional"`

	// ClusterArn runs the service in an existing ECS cluster; by default the
	// component creates one.
	ClusterArn pulumi.StringInput `pulumi:"clusterArn,optional"`
	// ContainerInsights turns on CloudWatch Container Insights for a created
	// cluster. Default true; billed per metric.
	ContainerInsights *bool `pulumi:"containerInsights,optional"`

	// CPU is the task size in CPU units (1024 = 1 vCPU). Default 512.
	CPU int `pulumi:"cpu,optional"`
	// Memory is the task memory in MiB; with CPU it must be a Fargate size.
	// Default 1024.
	Memory int `pulumi:"memory,optional"`
	// DesiredCount is the number of tasks at the first deploy; afterwards
	// autoscaling owns it. Default 2; within MinTasks..MaxTasks.
	DesiredCount int `pulumi:"desiredCount,optional"`
	// MinTasks and MaxTasks bound autoscaling. Defaults 2 and 10. A minimum
	// of 1 leaves one AZ serving nothing while that task restarts.
	MinTasks int `pulumi:"minTasks,optional"`
	MaxTasks int `pulumi:"maxTasks,optional"`
	// CPUTarget is the average CPU percentage autoscaling holds. Default 60.
	CPUTarget int `pulumi:"cpuTarget,optional"`
	// RequestsPerTarget is the ALB requests per task per minute autoscaling
	// holds. Default 1000.
	RequestsPerTarget int `pulumi:"requestsPerTarget,optional"`
	// Spot runs the tasks on Fargate Spot: about 70% cheaper, but AWS may
	// stop a task with two minutes' notice. Default false.
	Spot bool `pulumi:"spot,optional"`
	// EcsExec allows `aws ecs execute-command` shells in the tasks (adds the
	// SSM message permissions to the task role). On a cluster the component
	// creates, every session is logged to ExecLogGroup (LogRetentionDays)
	// and encrypted with ExecKey, a KMS key (about 1 USD a month); with
	// ClusterArn, that cluster's executeCommandConfiguration applies. Without
	// NAT, or with the tasks' egress limited to endpoints, the VPC needs the
	// ssmmessages and kms endpoints (NetworkArgs.EcsExecEndpoints). Default
	// false.
	EcsExec bool `pulumi:"ecsExec,optional"`

	// LivenessPath is the path the load balancer and the container health
	// check call: it must answer 200 whenever the process can serve, without
	// touching the database, or a database outage makes ECS replace every
	// task at once (CONTROLS.md ECS-15). The container receives it as
	// HEALTH_CHECK_PATH. Default "/livez".
	LivenessPath string `pulumi:"livenessPath,optional"`
	// ReadinessPath is the app's deep check (the database answers), for
	// alarms and people; nothing that replaces tasks probes it, and it must
	// differ from LivenessPath. Default "/readyz".
	ReadinessPath string `pulumi:"readinessPath,optional"`
	// Internal places the load balancer in the private subnets with no
	// public address, reachable only from the VPC and networks routed to it
	// (peering, VPN, Transit Gateway). Default false (internet-facing).
	// HostedZone is refused with it: a public DNS name for a private address
	// serves no one.
	Internal bool `pulumi:"internal,optional"`
	// Domain is the site's host name, such as "api.example.com". With
	// HostedZone, the component issues its certificate and points it at the
	// load balancer.
	Domain string `pulumi:"domain,optional"`
	// HostedZone is the Route 53 public zone that holds Domain.
	HostedZone string `pulumi:"hostedZone,optional"`
	// CertificateArn is an ACM certificate for the HTTPS listener, in the
	// stack's region; it wins over the one HostedZone would issue. A known
	// value is checked at plan time; an Output (a certificate made in the
	// same program) is taken as it resolves. Default none.
	CertificateArn pulumi.StringInput `pulumi:"certificateArn,optional"`

	// Listener attaches the service to another load balancer's listener
	// (another DjangoService's ListenerArn) instead of creating one: the
	// component then creates only its target group, a listener rule
	// matching Listener.Hosts and/or Listener.Paths, and the security group
	// rules between that load balancer and its tasks. Internal, Domain,
	// HostedZone, CertificateArn, AccessLogsBucket and DeletionProtection
	// belong to the load balancer's owner and are refused with it. Default
	// none: the service has a load balancer of its own.
	Listener *ListenerAttachment `pulumi:"listener,optional"`

	// IdleTimeout is the load balancer's idle timeout, seconds. Default 60.
	// With Listener, give the owner's: gunicorn's keep-alive must exceed it.
	IdleTimeout int `pulumi:"idleTimeout,optional"`
	// DeletionProtection keeps the load balancer from being deleted. Default true.
	DeletionProtection *bool `pulumi:"deletionProtection,optional"`
	// AccessLogsBucket, when set, receives the load balancer's access logs.
	AccessLogsBucket pulumi.StringInput `pulumi:"accessLogsBucket,optional"`
	// AccessLogsPrefix is the key prefix the logs go under; it must be the
	// one the bucket's policy grants (Storage.LogPrefix). Default: the name.
	AccessLogsPrefix pulumi.StringInput `pulumi:"accessLogsPrefix,optional"`

	// Migrations runs MigrateCommand on the new image, as a one-off task with
	// the migration role, before the service rolls to it; a failed migration
	// fails `pulumi up` and the service keeps its old tasks. Default true.
	// The deploying principal needs iam:PassRole on MigrationRole: RunTask
	// passes it as the task's role.
	Migrations *bool `pulumi:"migrations,optional"`
	// MigrateCommand is the command the migration task runs in the web
	// container, on the new image, before the service rolls to it.
	// Default DefaultMigrateCommand().
	MigrateCommand []string `pulumi:"migrateCommand,optional"`

	// Alarms creates CloudWatch alarms on the service: the 5xx rate, p99
	// latency, unhealthy targets, CPU, memory and (with Container Insights)
	// running tasks below MinTasks; and makes the 5xx and latency alarms the
	// deployment's rollback alarms, so a deploy that breaks the app rolls
	// back even when its health checks pass. Default true.
	Alarms *bool `pulumi:"alarms,optional"`
	// AlarmTopicArn is the SNS topic the alarms notify on ALARM and OK
	// (Alerts.TopicArn). Default none: the alarms still roll deployments
	// back, but tell nobody.
	AlarmTopicArn pulumi.StringInput `pulumi:"alarmTopicArn,optional"`
	// AlarmThresholds tune the alarms; a zero field takes its default.
	AlarmThresholds *ServiceAlarmThresholds `pulumi:"alarmThresholds,optional"`
	// LogRetentionDays is how long container logs are kept. Default 365.
	LogRetentionDays int `pulumi:"logRetentionDays,optional"`
	// Environment holds extra plain settings for the container; values may
	// be Outputs. Names the component sets itself (such as DB_HOST, and
	// DJANGO_SETTINGS_MODULE and PORT: use SettingsModule and ContainerPort)
	// and names that look like secrets are refused: pass secrets through
	// Secrets. The names of a pulumi.StringMap are checked at plan time; a
	// map that is itself an Output is checked when it resolves, and a bad
	// name then fails the task definition with the same error.
	Environment pulumi.StringMapInput `pulumi:"environment,optional"`
	// Secrets maps extra variable names to Secrets Manager secret or SSM
	// parameter ARNs, optionally with a JSON key ("<secret arn>:<key>::");
	// the execution role may read them, and ECS puts their values in the
	// container at start. Values may be Outputs (a secret made in the same
	// program); names and known values are checked at plan time, the rest
	// as Environment's.
	Secrets pulumi.StringMapInput `pulumi:"secrets,optional"`
	// GeneratedSecrets names variables the component fills with a random
	// 64-character value (letters and digits) kept in a Secrets Manager
	// secret of its own, as it does for DJANGO_SECRET_KEY: for example the
	// reference app's API_TOKEN. The value reaches the container through
	// the task definition's secrets; read it with
	// `aws secretsmanager get-secret-value` on GeneratedSecretArns[name].
	// Default none.
	GeneratedSecrets []string `pulumi:"generatedSecrets,optional"`
	// Gunicorn tunes the app server; see GunicornArgs for its defaults.
	Gunicorn *GunicornArgs `pulumi:"gunicorn,optional"`
	// Tags are added to every taggable resource.
	Tags map[string]string `pulumi:"tags,optional"`
}

// ListenerAttachment puts a DjangoService behind a listener another
// DjangoService owns: one load balancer, several services, each with its own
// target group, health check and listener rule. The rule forwards a request
// that matches every condition given: its Host header is one of Hosts (when
// set) and its path matches one of Paths (when set). AWS allows three values
// per condition and five per rule (Elastic Load Balancing user guide,
// "Listener rules for your Application Load Balancer").
type ListenerAttachment struct {
	// ListenerArn is the listener the rule joins (DjangoService.ListenerArn:
	// the HTTPS listener of a service with a certificate, else its HTTP
	// one). Required.
	ListenerArn pulumi.StringInput `pulumi:"listenerArn"`
	// SecurityGroupID is the load balancer's security group
	// (DjangoService.LoadBalancerSecurityGroupID): the component lets it
	// reach this service's tasks on ContainerPort, and the tasks admit it.
	// Required.
	SecurityGroupID pulumi.StringInput `pulumi:"securityGroupId"`
	// URL is the owning service's URL (DjangoService.URL): its scheme is the
	// listener's, and its host is this service's host when Hosts is empty.
	// Required.
	URL pulumi.StringInput `pulumi:"url"`
	// Hosts are the host names the rule matches (host-header condition),
	// such as "admin.example.com" or "*.example.com" (every subdomain);
	// they are also the service's DJANGO_ALLOWED_HOSTS, and the first one
	// without a wildcard is its URL's host. At most 3. Default none: the
	// owner's host (from URL) and any host the listener receives.
	Hosts []string `pulumi:"hosts,optional"`
	// Paths are the path patterns the rule matches (path-pattern
	// condition), such as "/admin" and "/admin/*": each starts with "/", at
	// most 128 characters. At most 3; with Hosts, at most 5 values in all.
	// Default none; Hosts or Paths is required.
	Paths []string `pulumi:"paths,optional"`
	// Priority orders the rule among the listener's rules, 1 to 50000
	// (ELBv2 API reference, CreateRule), lowest first; each rule of a
	// listener needs its own. An owning service with a Domain uses 10 for
	// its host rule. Required.
	Priority int `pulumi:"priority"`
}

// GunicornArgs tune gunicorn and the shutdown chain around it (CONTROLS.md
// ECS-13): KeepAlive stays above the load balancer's idle timeout, or the
// ALB reuses a connection gunicorn has just closed and users see 502s;
// GracefulTimeout stays below StopTimeout, so in-flight requests finish
// before ECS kills the container.
type GunicornArgs struct {
	// Workers overrides the worker count; default GunicornWorkers(CPU):
	// (2 x vCPU) + 1, at least 2.
	Workers int `pulumi:"workers,optional"`
	// Threads per worker (gthread). Default GunicornThreads (2).
	Threads int `pulumi:"threads,optional"`
	// Timeout kills a worker silent for this many seconds. Default 60.
	Timeout int `pulumi:"timeout,optional"`
	// KeepAlive seconds; must exceed the ALB idle timeout. Default idle timeout + 15.
	KeepAlive int `pulumi:"keepAlive,optional"`
	// GracefulTimeout seconds for in-flight requests after SIGTERM. Default 25.
	GracefulTimeout int `pulumi:"gracefulTimeout,optional"`
	// StopTimeout seconds ECS waits after SIGTERM before SIGKILL; at most 120
	// on Fargate. Default 30.
	StopTimeout int `pulumi:"stopTimeout,optional"`
	// DeregistrationDelay seconds the ALB drains a stopping task. Default 30
	// (the ALB's own default, 300, makes every deploy five minutes longer).
	DeregistrationDelay int `pulumi:"deregistrationDelay,optional"`
}

// DjangoService is a Django API on ECS Fargate behind an internet-facing
// Application Load Balancer: cluster, task definition, service, load
// balancer, target group, listeners, autoscaling, IAM roles, log group, the
// Django secret key in Secrets Manager and migrations on every new image.
type DjangoService struct {
	pulumi.ResourceState

	// URL is where the API answers: https://<domain> with a domain,
	// http://<alb dns name> without.
	URL pulumi.StringOutput `pulumi:"url"`
	// AlbDNSName is the load balancer's DNS name.
	AlbDNSName pulumi.StringOutput `pulumi:"albDnsName"`
	// ClusterName is the ECS cluster's name.
	ClusterName pulumi.StringOutput `pulumi:"clusterName"`
	// ServiceName is the ECS service's name.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// LogGroupName holds the container logs.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// TaskSecurityGroupID is the tasks' security group.
	TaskSecurityGroupID pulumi.StringOutput `pulumi:"taskSecurityGroupId"`
	// SecretKeyArn is the Secrets Manager secret holding DJANGO_SECRET_KEY.
	SecretKeyArn pulumi.StringOutput `pulumi:"secretKeyArn"`
	// GeneratedSecretArns maps each of GeneratedSecrets to its secret's ARN.
	GeneratedSecretArns pulumi.StringMapOutput `pulumi:"generatedSecretArns"`
	// MigrationRoleArn is the migration task's role, "" without Migrations:
	// whoever runs `pulumi up` needs iam:PassRole on it.
	MigrationRoleArn pulumi.StringOutput `pulumi:"migrationRoleArn"`
	// LoadBalancerArnSuffix and TargetGroupArnSuffix are the names
	// CloudWatch gives the load balancer (its own, or the attached one's)
	// and the service's target group: DashboardArgs.LoadBalancer and
	// DashboardArgs.TargetGroup.
	LoadBalancerArnSuffix pulumi.StringOutput `pulumi:"loadBalancerArnSuffix"`
	TargetGroupArnSuffix  pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// ListenerArn is the listener another service attaches to
	// (ListenerAttachment.ListenerArn): the HTTPS listener with a
	// certificate, else the HTTP one; with Listener, the attached one.
	ListenerArn pulumi.StringOutput `pulumi:"listenerArn"`
	// LoadBalancerSecurityGroupID is the load balancer's security group
	// (ListenerAttachment.SecurityGroupID); with Listener, the attached one's.
	LoadBalancerSecurityGroupID pulumi.StringOutput `pulumi:"loadBalancerSecurityGroupId"`

	// Cluster is the ECS cluster the component created; nil when
	// DjangoServiceArgs.ClusterArn named an existing one.
	Cluster *ecs.Cluster
	// CapacityProviders associates FARGATE and FARGATE_SPOT with a created
	// cluster; nil with ClusterArn.
	CapacityProviders *ecs.ClusterCapacityProviders
	// ExecKey encrypts ECS Exec sessions and their logs; nil unless EcsExec
	// is set on a created cluster.
	ExecKey *kms.Key
	// ExecLogGroup records every ECS Exec session; nil unless EcsExec is set
	// on a created cluster.
	ExecLogGroup *cloudwatch.LogGroup
	// LogGroup holds the container logs (and the migration task's).
	LogGroup *cloudwatch.LogGroup
	// ExecutionRole is the role ECS uses to start the tasks: pull the image,
	// write logs, read the secrets. The app never gets it.
	ExecutionRole *iam.Role
	// TaskRole is the app's own role: read the app's database secret,
	// TaskPolicyJSON, plus the SSM messages ECS Exec needs when EcsExec is
	// set.
	TaskRole *iam.Role
	// MigrationRole is the migration task's role (a RunTask override of
	// TaskRole): read the owner, app and master database secrets, nothing
	// else. Nil without Migrations.
	MigrationRole *iam.Role
	// SecretKey is the Secrets Manager secret holding DJANGO_SECRET_KEY.
	SecretKey *secretsmanager.Secret
	// AlbSecurityGroup admits 80 and 443 from the internet and reaches only
	// the tasks; nil with Listener.
	AlbSecurityGroup *ec2.SecurityGroup
	// TaskSecurityGroup admits the container port from the load balancer only.
	TaskSecurityGroup *ec2.SecurityGroup
	// LoadBalancer is the Application Load Balancer: internet-facing, or
	// internal with DjangoServiceArgs.Internal; nil with Listener.
	LoadBalancer *lb.LoadBalancer
	// TargetGroup holds the tasks' IPs and health checks them.
	TargetGroup *lb.TargetGroup
	// Listeners maps a port (80, 443) to its listener; empty with Listener.
	Listeners map[int]*lb.Listener
	// ListenerRule forwards the requests ListenerAttachment matches to the
	// tasks; nil without Listener.
	ListenerRule *lb.ListenerRule
	// DatabaseIngress admits the tasks to the database: made by
	// Database.AllowFrom, its parent is the Database. Nil without
	// DjangoServiceArgs.Database.
	DatabaseIngress pulumi.Resource
	// HostRule forwards requests for Domain to the tasks; every other host
	// gets a fixed 421 from the HTTPS listener. Nil without a domain.
	HostRule *lb.ListenerRule
	// TaskDefinition is the web container's task definition; a new revision
	// on every change of image or settings.
	TaskDefinition *ecs.TaskDefinition
	// Service is the ECS service; autoscaling owns its desired count after
	// the first deploy.
	Service *ecs.Service
	// Spot is DjangoServiceArgs.Spot: the service's tasks run on Fargate
	// Spot (its capacity provider strategy) rather than the FARGATE launch
	// type. Scheduled commands run on the same capacity. Go only.
	Spot bool
	// ScalingTarget is the Application Auto Scaling target between MinTasks
	// and MaxTasks.
	ScalingTarget *appautoscaling.Target
	// Certificate is the ACM certificate the component issued; nil otherwise.
	Certificate *acm.Certificate
	// MetricAlarms maps an alarm's role ("5xx", "latency-p99",
	// "unhealthy-targets", "cpu", "memory", "running-tasks") to the alarm;
	// empty when Alarms is false.
	MetricAlarms map[string]*cloudwatch.MetricAlarm

	// builder and values are what a component running the same image
	// reuses: the resolved arguments (defaults filled, Environment and
	// Secrets checked: builder.environment, builder.secrets), roles,
	// cluster and security group, and the container's resolved inputs (a
	// containerValues).
	builder *serviceBuilder
	values  pulumi.AnyOutput
}

// https reports whether the service's own load balancer terminates TLS.
func (a DjangoServiceArgs) https() bool { return a.CertificateArn != nil || a.HostedZone != "" }

// NewDjangoService creates a DjangoService.
func NewDjangoService(ctx *pulumi.Context, name string, args *DjangoServiceArgs, opts ...pulumi.ResourceOption) (*DjangoService, error) {
	if args == nil {
		args = &DjangoServiceArgs{}
	}
	a, err := args.defaults(name)
	if err != nil {
		return nil, err
	}
	s := &DjangoService{Listeners: map[int]*lb.Listener{}, MetricAlarms: map[string]*cloudwatch.MetricAlarm{}}
	if err := ctx.RegisterComponentResource(typePrefix+"DjangoService", name, s, opts...); err != nil {
		return nil, err
	}
	b := &serviceBuilder{ctx: ctx, name: name, a: a, s: s, parent: pulumi.Parent(s), tags: pulumi.ToStringMap(a.Tags)}
	b.environment, b.secrets = a.checkedMaps(name)
	s.builder = b
	for _, step := range []func() error{
		b.region, b.cluster, b.logGroup, b.secretKey, b.securityGroups, b.loadBalancer,
		b.roles, b.taskDefinition, b.deploymentAlarms, b.service, b.autoscaling, b.serviceAlarms,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"url":                 s.URL,
		"albDnsName":          s.AlbDNSName,
		"clusterName":         s.ClusterName,
		"serviceName":         s.ServiceName,
		"logGroupName":        s.LogGroupName,
		"taskSecurityGroupId": s.TaskSecurityGroupID,
		"secretKeyArn":        s.SecretKeyArn,
		"generatedSecretArns": s.GeneratedSecretArns,
		"migrationRoleArn":    s.MigrationRoleArn,

		"loadBalancerArnSuffix":       s.LoadBalancerArnSuffix,
		"targetGroupArnSuffix":        s.TargetGroupArnSuffix,
		"listenerArn":                 s.ListenerArn,
		"loadBalancerSecurityGroupId": s.LoadBalancerSecurityGroupID,
	})
}

// serviceBuilder carries what the construction steps share.
type serviceBuilder struct {
	ctx    *pulumi.Context
	name   string
	a      DjangoServiceArgs
	s      *DjangoService
	parent pulumi.ResourceOrInvokeOption
	tags   pulumi.StringMap

	regionName, accountID, partition string
	// environment and secrets are DjangoServiceArgs.Environment and
	// Secrets, checked (an Output map when it resolves) and never nil.
	environment, secrets pulumi.StringMapOutput
	lbArnSuffix          pulumi.StringOutput // CloudWatch's LoadBalancer dimension
	clusterArn           pulumi.StringOutput
	hosts                pulumi.StringOutput // DJANGO_ALLOWED_HOSTS
	origins              pulumi.StringOutput // DJANGO_CSRF_TRUSTED_ORIGINS
	listenerDeps         []pulumi.Resource
	rollbackAlarms       ecs.ServiceAlarmsPtrInput // nil without Alarms
	generated            pulumi.StringMap          // GeneratedSecrets' ARNs by name
	// launchDeps are what a task needs before it starts (CONTROLS.md
	// ECS-14): the service depends on all of them.
	launchDeps      []pulumi.Resource
	executionPolicy *iam.RolePolicy
	execKey         *kms.Key
	execLogs        *cloudwatch.LogGroup
}

func (b *serviceBuilder) child(role string) string { return child(b.name, role) }

func (b *serviceBuilder) region() error {
	r, err := aws.GetRegion(b.ctx, nil, b.parent)
	if err != nil {
		return err
	}
	id, err := aws.GetCallerIdentity(b.ctx, nil, b.parent)
	if err != nil {
		return err
	}
	// ARNs name the partition ("aws", "aws-cn", "aws-us-gov") the stack
	// deploys to (aws, aws-cn, aws-us-gov), never a fixed one.
	p, err := aws.GetPartition(b.ctx, nil, b.parent)
	if err != nil {
		return err
	}
	b.regionName, b.accountID, b.partition = r.Name, id.AccountId, p.Partition
	return nil
}

func (b *serviceBuilder) cluster() error {
	if b.a.ClusterArn != nil {
		b.clusterArn = b.a.ClusterArn.ToStringOutput()
		b.s.ClusterName = b.clusterArn.ApplyT(func(arn string) string {
			return arn[strings.LastIndex(arn, "/")+1:]
		}).(pulumi.StringOutput)
		return nil
	}
	insights := "disabled"
	if *b.a.ContainerInsights {
		insights = "enabled"
	}
	var config *ecs.ClusterConfigurationArgs
	if b.a.EcsExec {
		if err := b.execAudit(); err != nil {
			return err
		}
		config = &ecs.ClusterConfigurationArgs{ExecuteCommandConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationArgs{
			KmsKeyId: b.execKey.Arn,
			Logging:  pulumi.String("OVERRIDE"),
			LogConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs{
				CloudWatchLogGroupName:      b.execLogs.Name,
				CloudWatchEncryptionEnabled: pulumi.Bool(true),
			},
		}}
	}
	var err error
	b.s.Cluster, err = ecs.NewCluster(b.ctx, b.child("cluster"), &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{ecs.ClusterSettingArgs{
			Name: pulumi.String("containerInsights"), Value: pulumi.String(insights),
		}},
		Configuration: config,
		Tags:          b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.CapacityProviders, err = ecs.NewClusterCapacityProviders(b.ctx, b.child("capacity"), &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       b.s.Cluster.Name,
		CapacityProviders: pulumi.ToStringArray([]string{"FARGATE", "FARGATE_SPOT"}),
	}, b.parent)
	if err != nil {
		return err
	}
	// A service on FARGATE_SPOT fails to create until the provider is
	// associated with the cluster (CONTROLS.md ECS-14).
	b.launchDeps = append(b.launchDeps, b.s.CapacityProviders)
	b.clusterArn, b.s.ClusterName = b.s.Cluster.Arn, b.s.Cluster.Name
	return nil
}

// execAudit creates the KMS key that encrypts ECS Exec sessions and their
// logs, and the log group that records every session (ECS developer guide,
// "Monitor Amazon ECS containers with ECS Exec": logging and encryption of
// sessions). The key policy lets this account's IAM policies use the key,
// and CloudWatch Logs use it for this account's log groups only (CloudWatch
// Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
func (b *serviceBuilder) execAudit() error {
	account, region := b.accountID, b.regionName
	policy := PolicyDocument{Version: policyVersion, Statement: []Statement{
		{
			Sid: "AccountAdministers", Effect: "Allow",
			Principal: map[string]any{"AWS": "arn:" + b.partition + ":iam::" + account + ":root"},
			// A key policy's resource is the key itself ("*" means this key).
			Action: []string{"kms:*"}, Resource: []string{"*"},
		},
		{
			Sid: "LogsEncryptExecLogs", Effect: "Allow",
			Principal: map[string]any{"Service": "logs." + region + ".amazonaws.com"},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]any{"ArnLike": {
				"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", b.partition, region, account),
			}},
		},
	}}
	var err error
	b.execKey, err = kms.NewKey(b.ctx, b.child("exec-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("ECS Exec sessions and session logs of %s", b.name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policy.JSON()),
		Tags:                 b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.execLogs, err = cloudwatch.NewLogGroup(b.ctx, b.child("exec-logs"), &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(b.a.LogRetentionDays),
		KmsKeyId:        b.execKey.Arn,
		Tags:            b.tags,
	}, b.parent)
	b.s.ExecKey, b.s.ExecLogGroup = b.execKey, b.execLogs
	return err
}

func (b *serviceBuilder) logGroup() error {
	var err error
	b.s.LogGroup, err = cloudwatch.NewLogGroup(b.ctx, b.child("container-logs"), &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(b.a.LogRetentionDays),
		Tags:            b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.LogGroupName = b.s.LogGroup.Name
	return nil
}

// secretKey generates DJANGO_SECRET_KEY and keeps it in Secrets Manager.
func (b *serviceBuilder) secretKey() error {
	key, err := random.NewRandomPassword(b.ctx, b.child("secret-key"), &random.RandomPasswordArgs{
		Length:          pulumi.Int(64),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String("!#%&*()-_=+[]{}<>:?"),
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.SecretKey, err = secretsmanager.NewSecret(b.ctx, b.child("django-secret-key"), &secretsmanager.SecretArgs{
		Description: pulumi.Sprintf("DJANGO_SECRET_KEY of %s", b.name),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	_, err = secretsmanager.NewSecretVersion(b.ctx, b.child("django-secret-key-value"), &secretsmanager.SecretVersionArgs{
		SecretId:     b.s.SecretKey.ID(),
		SecretString: key.Result,
	}, b.parent)
	b.s.SecretKeyArn = b.s.SecretKey.Arn
	if err != nil {
		return err
	}
	arns := pulumi.StringMap{}
	for _, name := range b.a.GeneratedSecrets {
		role := strings.ReplaceAll(strings.ToLower(name), "_", "-")
		value, err := random.NewRandomPassword(b.ctx, b.child(role+"-random"), &random.RandomPasswordArgs{
			Length: pulumi.Int(64), Special: pulumi.Bool(false),
		}, b.parent)
		if err != nil {
			return err
		}
		secret, err := secretsmanager.NewSecret(b.ctx, b.child(role), &secretsmanager.SecretArgs{
			Description: pulumi.Sprintf("%s of %s", name, b.name),
			Tags:        b.tags,
		}, b.parent)
		if err != nil {
			return err
		}
		version, err := secretsmanager.NewSecretVersion(b.ctx, b.child(role+"-value"), &secretsmanager.SecretVersionArgs{
			SecretId: secret.ID(), SecretString: value.Result,
		}, b.parent)
		if err != nil {
			return err
		}
		// The ARN resolves once the value is written: a task never reads an
		// empty secret.
		arns[name] = pulumi.All(secret.Arn, version.ID()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	}
	b.generated = arns
	b.s.GeneratedSecretArns = arns.ToStringMapOutput()
	return nil
}
