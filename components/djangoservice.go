package components

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ContainerPort is the port gunicorn listens on inside the task.
const ContainerPort = 8000

// ContainerName is the name of the Django container in the task definition.
const ContainerName = "web"

// ContainerUser is the numeric non-root user the container runs as; the
// image (app/Dockerfile) creates it.
const ContainerUser = "10001:10001"

// TLSPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2 only.
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// DjangoServiceArgs configure a DjangoService. Fields marked required have
// no default; the zero value of every other field is the production default.
type DjangoServiceArgs struct {
	// VpcID is the VPC of the load balancer and the tasks. Required.
	VpcID pulumi.StringInput `pulumi:"vpcId"`
	// PublicSubnetIDs hold the load balancer; two AZs at least. Required.
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

	// DatabaseHost, DatabasePort and DatabaseName locate the database. Required.
	DatabaseHost pulumi.StringInput `pulumi:"databaseHost"`
	DatabasePort pulumi.IntInput    `pulumi:"databasePort"`
	DatabaseName pulumi.StringInput `pulumi:"databaseName"`
	// DatabaseSecretArn is the RDS-managed master secret; its "username" and
	// "password" keys reach the container as DB_USER and DB_PASSWORD through
	// the task definition's secrets. Required.
	DatabaseSecretArn pulumi.StringInput `pulumi:"databaseSecretArn"`
	// DatabaseSecurityGroupID, when set, gets an ingress rule admitting the
	// database port from the tasks' security group, and the tasks may reach
	// it: nothing else is opened.
	DatabaseSecurityGroupID pulumi.StringInput `pulumi:"databaseSecurityGroupId,optional"`

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
	// SSM message permissions to the task role). Default false.
	EcsExec bool `pulumi:"ecsExec,optional"`

	// HealthCheckPath is the path the load balancer and the container health
	// check call. Default "/healthz".
	HealthCheckPath string `pulumi:"healthCheckPath,optional"`
	// Domain is the site's host name, such as "api.example.com". With
	// HostedZone, the component issues its certificate and points it at the
	// load balancer.
	Domain string `pulumi:"domain,optional"`
	// HostedZone is the Route 53 public zone that holds Domain.
	HostedZone string `pulumi:"hostedZone,optional"`
	// CertificateArn is an ACM certificate for the HTTPS listener; it wins
	// over the one HostedZone would issue.
	CertificateArn string `pulumi:"certificateArn,optional"`

	// IdleTimeout is the load balancer's idle timeout, seconds. Default 60.
	IdleTimeout int `pulumi:"idleTimeout,optional"`
	// DeletionProtection keeps the load balancer from being deleted. Default true.
	DeletionProtection *bool `pulumi:"deletionProtection,optional"`
	// AccessLogsBucket, when set, receives the load balancer's access logs.
	AccessLogsBucket pulumi.StringInput `pulumi:"accessLogsBucket,optional"`
	// AccessLogsPrefix is the key prefix the logs go under; it must be the
	// one the bucket's policy grants (Storage.LogPrefix). Default: the name.
	AccessLogsPrefix pulumi.StringInput `pulumi:"accessLogsPrefix,optional"`

	// Migrations runs `manage.py migrate` on the new image, as a one-off task,
	// before the service rolls to it; a failed migration fails `pulumi up`
	// and the service keeps its old tasks. Default true.
	Migrations *bool `pulumi:"migrations,optional"`
	// LogRetentionDays is how long container logs are kept. Default 365.
	LogRetentionDays int `pulumi:"logRetentionDays,optional"`
	// Environment holds extra plain settings for the container. Names that
	// look like secrets are refused: pass secrets through Secrets.
	Environment map[string]string `pulumi:"environment,optional"`
	// Secrets maps extra variable names to Secrets Manager or SSM ARNs
	// (optionally "arn:json-key::"); the execution role may read them.
	Secrets map[string]string `pulumi:"secrets,optional"`
	// Gunicorn tunes the app server; see GunicornArgs for its defaults.
	Gunicorn GunicornArgs `pulumi:"gunicorn,optional"`
	// Tags are added to every taggable resource.
	Tags map[string]string `pulumi:"tags,optional"`
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

	// Cluster is the ECS cluster the component created; nil when
	// DjangoServiceArgs.ClusterArn named an existing one.
	Cluster *ecs.Cluster
	// LogGroup holds the container logs (and the migration task's).
	LogGroup *cloudwatch.LogGroup
	// ExecutionRole is the role ECS uses to start the tasks: pull the image,
	// write logs, read the secrets. The app never gets it.
	ExecutionRole *iam.Role
	// TaskRole is the app's own role: TaskPolicyJSON, plus the SSM messages
	// ECS Exec needs when EcsExec is set.
	TaskRole *iam.Role
	// SecretKey is the Secrets Manager secret holding DJANGO_SECRET_KEY.
	SecretKey *secretsmanager.Secret
	// AlbSecurityGroup admits 80 and 443 from the internet and reaches only
	// the tasks.
	AlbSecurityGroup *ec2.SecurityGroup
	// TaskSecurityGroup admits the container port from the load balancer only.
	TaskSecurityGroup *ec2.SecurityGroup
	// LoadBalancer is the internet-facing Application Load Balancer.
	LoadBalancer *lb.LoadBalancer
	// TargetGroup holds the tasks' IPs and health checks them.
	TargetGroup *lb.TargetGroup
	// Listeners maps a port (80, 443) to its listener.
	Listeners map[int]*lb.Listener
	// TaskDefinition is the web container's task definition; a new revision
	// on every change of image or settings.
	TaskDefinition *ecs.TaskDefinition
	// Service is the ECS service; autoscaling owns its desired count after
	// the first deploy.
	Service *ecs.Service
	// ScalingTarget is the Application Auto Scaling target between MinTasks
	// and MaxTasks.
	ScalingTarget *appautoscaling.Target
	// Certificate is the ACM certificate the component issued; nil otherwise.
	Certificate *acm.Certificate
}

// secretLike matches environment names that must go through Secrets.
var secretLike = regexp.MustCompile(`(?i)(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY)`)

// envName is the shape of a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// hostName matches a DNS host name such as api.example.com.
var hostName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// resourceName is what ALB and target group names allow (names.json).
var resourceName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)

// certificateArn is the shape of an ACM certificate ARN.
var certificateArn = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`)

// maxServiceName keeps "<name>-alb" and "<name>-tg" within the 24
// characters that leave room for Pulumi's 8-character auto-name suffix in
// the 32 that ALB and target group names allow.
const maxServiceName = 20

// reservedEnv are the variables the component sets itself.
var reservedEnv = []string{"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS",
	"DB_HOST", "DB_PORT", "DB_NAME", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_REGION_NAME", "WEB_CONCURRENCY",
	"GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_KEEPALIVE", "GUNICORN_GRACEFUL_TIMEOUT",
	"HEALTH_CHECK_PATH", "DJANGO_SECRET_KEY", "DB_USER", "DB_PASSWORD"}

// Validate returns a *FieldError for the first invalid argument.
func (a DjangoServiceArgs) Validate() error {
	_, err := a.defaults("service")
	return err
}

// ValidateNamed is Validate for an instance named name: it also checks the
// names NewDjangoService derives from name for its children (the AWS name limits
// after Pulumi's auto-name suffix), so a program that names its components
// alike can check every name before it registers anything.
func (a DjangoServiceArgs) ValidateNamed(name string) error {
	_, err := a.defaults(name)
	return err
}

// defaults validates args and returns a copy with every default filled in.
func (a DjangoServiceArgs) defaults(name string) (DjangoServiceArgs, error) {
	const c = "DjangoService"
	fail := func(field, format string, v ...any) (DjangoServiceArgs, error) {
		return a, argError(c, name, field, format, v...)
	}
	if len(name) > maxServiceName || !resourceName.MatchString(name) {
		return fail("name", "%q must be 1 to %d letters, digits and hyphens, not starting or ending with a hyphen: the load balancer and target group names derived from it are limited to 32 characters", name, maxServiceName)
	}
	for field, in := range map[string]any{"vpcId": a.VpcID, "publicSubnetIds": a.PublicSubnetIDs,
		"privateSubnetIds": a.PrivateSubnetIDs, "imageUri": a.ImageURI, "repositoryArn": a.RepositoryArn,
		"databaseHost": a.DatabaseHost, "databasePort": a.DatabasePort, "databaseName": a.DatabaseName,
		"databaseSecretArn": a.DatabaseSecretArn} {
		if isNil(in) {
			return fail(field, "is required")
		}
	}
	if a.Architecture == "" {
		a.Architecture = ArchX86_64
	}
	if err := ValidateArchitecture(a.Architecture); err != nil {
		return fail("architecture", "%v", err)
	}
	if a.CPU == 0 {
		a.CPU = 512
	}
	if a.Memory == 0 {
		a.Memory = 1024
	}
	if err := ValidateFargateSize(a.CPU, a.Memory); err != nil {
		field := "memory"
		if _, ok := FargateMemory[a.CPU]; !ok {
			field = "cpu"
		}
		return fail(field, "%v", err)
	}
	a.MinTasks = cmpOr(a.MinTasks, 2)
	a.MaxTasks = cmpOr(a.MaxTasks, 10)
	a.DesiredCount = cmpOr(a.DesiredCount, a.MinTasks)
	switch {
	case a.MinTasks < 1:
		return fail("minTasks", "%d is below 1; scaling a web service to zero leaves the site down", a.MinTasks)
	case a.MaxTasks <= a.MinTasks:
		return fail("maxTasks", "%d must be greater than minTasks %d, or autoscaling cannot scale", a.MaxTasks, a.MinTasks)
	case a.MaxTasks > 1000:
		return fail("maxTasks", "%d is above 1000, the most tasks one ECS service runs", a.MaxTasks)
	case a.DesiredCount < a.MinTasks || a.DesiredCount > a.MaxTasks:
		return fail("desiredCount", "%d is outside minTasks..maxTasks (%d..%d)", a.DesiredCount, a.MinTasks, a.MaxTasks)
	}
	a.CPUTarget = cmpOr(a.CPUTarget, 60)
	if a.CPUTarget < 10 || a.CPUTarget > 90 {
		return fail("cpuTarget", "%d%% is out of range; use 10 to 90", a.CPUTarget)
	}
	a.RequestsPerTarget = cmpOr(a.RequestsPerTarget, 1000)
	if a.RequestsPerTarget < 1 {
		return fail("requestsPerTarget", "%d must be at least 1", a.RequestsPerTarget)
	}
	a.HealthCheckPath = cmpOr(a.HealthCheckPath, "/healthz")
	if !strings.HasPrefix(a.HealthCheckPath, "/") || len(a.HealthCheckPath) > 1024 || strings.ContainsAny(a.HealthCheckPath, " ?#") {
		return fail("healthCheckPath", "%q must be a path starting with / (no spaces, query or fragment), at most 1024 characters", a.HealthCheckPath)
	}
	if a.Domain != "" && !hostName.MatchString(a.Domain) {
		return fail("domain", "%q is not a lowercase DNS host name such as api.example.com", a.Domain)
	}
	if a.HostedZone != "" {
		zone := strings.TrimSuffix(a.HostedZone, ".")
		if a.Domain == "" {
			return fail("hostedZone", "is set without domain: name the host to create in %q", a.HostedZone)
		}
		if a.Domain != zone && !strings.HasSuffix(a.Domain, "."+zone) {
			return fail("domain", "%q is not inside hostedZone %q", a.Domain, a.HostedZone)
		}
	}
	if a.CertificateArn != "" && !certificateArn.MatchString(a.CertificateArn) {
		return fail("certificateArn", "%q is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)", a.CertificateArn)
	}
	if a.Domain != "" && a.HostedZone == "" && a.CertificateArn == "" {
		return fail("domain", "%q needs hostedZone (to issue a certificate) or certificateArn: the site would be served over plain HTTP", a.Domain)
	}
	a.IdleTimeout = cmpOr(a.IdleTimeout, 60)
	if a.IdleTimeout < 1 || a.IdleTimeout > 4000 {
		return fail("idleTimeout", "%d seconds is out of range; use 1 to 4000", a.IdleTimeout)
	}
	a.DeletionProtection = pulumi.BoolRef(boolOr(a.DeletionProtection, true))
	a.ContainerInsights = pulumi.BoolRef(boolOr(a.ContainerInsights, true))
	a.Migrations = pulumi.BoolRef(boolOr(a.Migrations, true))
	a.LogRetentionDays = cmpOr(a.LogRetentionDays, 365)
	if err := ValidateLogRetention(a.LogRetentionDays); err != nil {
		return fail("logRetentionDays", "%v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Environment)) {
		switch {
		case !envName.MatchString(k):
			return fail("environment", "%q is not a valid variable name", k)
		case slices.Contains(reservedEnv, k):
			return fail("environment", "%s is set by the component itself", k)
		case secretLike.MatchString(k):
			return fail("environment", "%s looks like a secret; pass it through secrets so it never appears in the task definition", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.Secrets)) {
		v := a.Secrets[k]
		switch {
		case !envName.MatchString(k):
			return fail("secrets", "%q is not a valid variable name", k)
		case slices.Contains(reservedEnv, k) || a.Environment[k] != "":
			return fail("secrets", "%s is already set", k)
		case !strings.HasPrefix(v, "arn:aws") || !(strings.Contains(v, ":secretsmanager:") || strings.Contains(v, ":ssm:")):
			return fail("secrets", "%s: %q is not a Secrets Manager or SSM parameter ARN", k, v)
		}
	}
	return a.gunicornDefaults(name)
}

// gunicornDefaults fills and checks the timeout chain.
func (a DjangoServiceArgs) gunicornDefaults(name string) (DjangoServiceArgs, error) {
	g := &a.Gunicorn
	fail := func(field, format string, v ...any) (DjangoServiceArgs, error) {
		return a, argError("DjangoService", name, "gunicorn."+field, format, v...)
	}
	g.Workers = cmpOr(g.Workers, GunicornWorkers(a.CPU))
	g.Threads = cmpOr(g.Threads, GunicornThreads)
	g.Timeout = cmpOr(g.Timeout, 60)
	g.KeepAlive = cmpOr(g.KeepAlive, a.IdleTimeout+15)
	g.GracefulTimeout = cmpOr(g.GracefulTimeout, 25)
	g.StopTimeout = cmpOr(g.StopTimeout, 30)
	g.DeregistrationDelay = cmpOr(g.DeregistrationDelay, 30)
	switch {
	case g.Workers < 1 || g.Workers > 64:
		return fail("workers", "%d is out of range; use 1 to 64", g.Workers)
	case g.Threads < 1 || g.Threads > 32:
		return fail("threads", "%d is out of range; use 1 to 32", g.Threads)
	case g.Timeout < 1:
		return fail("timeout", "%d must be at least 1 second", g.Timeout)
	case g.KeepAlive <= a.IdleTimeout:
		return fail("keepAlive", "%d s must exceed the load balancer's idle timeout (%d s), or the ALB reuses connections gunicorn has closed and clients get 502s", g.KeepAlive, a.IdleTimeout)
	case g.StopTimeout < 2 || g.StopTimeout > 120:
		return fail("stopTimeout", "%d s is out of range; Fargate allows 2 to 120", g.StopTimeout)
	case g.GracefulTimeout < 1 || g.GracefulTimeout >= g.StopTimeout:
		return fail("gracefulTimeout", "%d s must be at least 1 and below stopTimeout (%d s), or ECS kills workers mid-request", g.GracefulTimeout, g.StopTimeout)
	case g.DeregistrationDelay > 3600:
		return fail("deregistrationDelay", "%d s is out of range; use 0 to 3600", g.DeregistrationDelay)
	}
	return a, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// isNil reports whether an input interface holds nothing.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch x := v.(type) {
	case pulumi.StringInput:
		return x == nil
	case pulumi.StringArrayInput:
		return x == nil
	case pulumi.IntInput:
		return x == nil
	}
	return false
}

// https reports whether the load balancer terminates TLS.
func (a DjangoServiceArgs) https() bool { return a.CertificateArn != "" || a.HostedZone != "" }

// NewDjangoService creates a DjangoService.
func NewDjangoService(ctx *pulumi.Context, name string, args *DjangoServiceArgs, opts ...pulumi.ResourceOption) (*DjangoService, error) {
	if args == nil {
		args = &DjangoServiceArgs{}
	}
	a, err := args.defaults(name)
	if err != nil {
		return nil, err
	}
	s := &DjangoService{Listeners: map[int]*lb.Listener{}}
	if err := ctx.RegisterComponentResource(typePrefix+"DjangoService", name, s, opts...); err != nil {
		return nil, err
	}
	b := &serviceBuilder{ctx: ctx, name: name, a: a, s: s, parent: pulumi.Parent(s), tags: pulumi.ToStringMap(a.Tags)}
	for _, step := range []func() error{
		b.region, b.cluster, b.logGroup, b.secretKey, b.securityGroups, b.loadBalancer,
		b.roles, b.taskDefinition, b.service, b.autoscaling,
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

	regionName, accountID string
	clusterArn            pulumi.StringOutput
	hosts                 pulumi.StringOutput // DJANGO_ALLOWED_HOSTS
	origins               pulumi.StringOutput // DJANGO_CSRF_TRUSTED_ORIGINS
	listenerDeps          []pulumi.Resource
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
	b.regionName, b.accountID = r.Name, id.AccountId
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
	var err error
	b.s.Cluster, err = ecs.NewCluster(b.ctx, b.child("cluster"), &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{ecs.ClusterSettingArgs{
			Name: pulumi.String("containerInsights"), Value: pulumi.String(insights),
		}},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	_, err = ecs.NewClusterCapacityProviders(b.ctx, b.child("capacity"), &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       b.s.Cluster.Name,
		CapacityProviders: pulumi.ToStringArray([]string{"FARGATE", "FARGATE_SPOT"}),
	}, b.parent)
	b.clusterArn, b.s.ClusterName = b.s.Cluster.Arn, b.s.Cluster.Name
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
	return err
}

// securityGroups chains internet -> ALB (80/443) -> tasks (container port)
// -> database, with one described rule per hop and nothing else open.
func (b *serviceBuilder) securityGroups() error {
	var err error
	b.s.AlbSecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("alb-sg"), &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("Load balancer: HTTP and HTTPS from the internet"),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.TaskSecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("task-sg"), &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("Django tasks: the container port from the load balancer only"),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	albSG, taskSG := b.s.AlbSecurityGroup.ID().ToStringOutput(), b.s.TaskSecurityGroup.ID().ToStringOutput()
	b.s.TaskSecurityGroupID = taskSG
	type rule struct {
		role, desc string
		sg         pulumi.StringOutput
		port       int
		cidr4      string
		cidr6      string
		peer       pulumi.StringInput
		egress     bool
	}
	rules := []rule{
		{role: "alb-http-ipv4", desc: "HTTP from the internet (IPv4)", sg: albSG, port: 80, cidr4: "0.0.0.0/0"},
		{role: "alb-http-ipv6", desc: "HTTP from the internet (IPv6)", sg: albSG, port: 80, cidr6: "::/0"},
		{role: "alb-https-ipv4", desc: "HTTPS from the internet (IPv4)", sg: albSG, port: 443, cidr4: "0.0.0.0/0"},
		{role: "alb-https-ipv6", desc: "HTTPS from the internet (IPv6)", sg: albSG, port: 443, cidr6: "::/0"},
		{role: "alb-to-tasks", desc: "To the Django tasks", sg: albSG, port: ContainerPort, peer: taskSG, egress: true},
		{role: "tasks-from-alb", desc: "From the load balancer", sg: taskSG, port: ContainerPort, peer: albSG},
		{role: "tasks-https-out", desc: "HTTPS to AWS APIs (ECR, S3, Logs, Secrets Manager) and the internet", sg: taskSG, port: 443, cidr4: "0.0.0.0/0", egress: true},
	}
	if b.a.DatabaseSecurityGroupID != nil {
		rules = append(rules,
			rule{role: "tasks-to-db", desc: "To the database", sg: taskSG, port: 5432, peer: b.a.DatabaseSecurityGroupID, egress: true},
			rule{role: "db-from-tasks", desc: "From the Django tasks", sg: b.a.DatabaseSecurityGroupID.ToStringOutput(), port: 5432, peer: taskSG},
		)
	}
	for _, r := range rules {
		var cidr4, cidr6, peer pulumi.StringPtrInput
		if r.cidr4 != "" {
			cidr4 = pulumi.String(r.cidr4)
		}
		if r.cidr6 != "" {
			cidr6 = pulumi.String(r.cidr6)
		}
		if r.peer != nil {
			peer = r.peer.ToStringOutput()
		}
		if r.egress {
			_, err = vpc.NewSecurityGroupEgressRule(b.ctx, b.child(r.role), &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: r.sg, Description: pulumi.String(r.desc), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
				CidrIpv4: cidr4, CidrIpv6: cidr6, ReferencedSecurityGroupId: peer, Tags: b.tags,
			}, b.parent)
		} else {
			_, err = vpc.NewSecurityGroupIngressRule(b.ctx, b.child(r.role), &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: r.sg, Description: pulumi.String(r.desc), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
				CidrIpv4: cidr4, CidrIpv6: cidr6, ReferencedSecurityGroupId: peer, Tags: b.tags,
			}, b.parent)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// loadBalancer creates the ALB, its target group, the listeners and, with a
// hosted zone, the certificate and the DNS record.
func (b *serviceBuilder) loadBalancer() error {
	a := b.a
	var logs *lb.LoadBalancerAccessLogsArgs
	if a.AccessLogsBucket != nil {
		prefix := a.AccessLogsPrefix
		if prefix == nil {
			prefix = pulumi.String(b.name)
		}
		logs = &lb.LoadBalancerAccessLogsArgs{Bucket: a.AccessLogsBucket, Prefix: prefix, Enabled: pulumi.Bool(true)}
	}
	var err error
	b.s.LoadBalancer, err = lb.NewLoadBalancer(b.ctx, b.child("alb"), &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  a.PublicSubnetIDs,
		SecurityGroups:           pulumi.StringArray{b.s.AlbSecurityGroup.ID().ToStringOutput()},
		IdleTimeout:              pulumi.Int(a.IdleTimeout),
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		EnableDeletionProtection: pulumi.Bool(*a.DeletionProtection),
		EnableHttp2:              pulumi.Bool(true),
		AccessLogs:               logs,
		Tags:                     b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.AlbDNSName = b.s.LoadBalancer.DnsName
	b.s.TargetGroup, err = lb.NewTargetGroup(b.ctx, b.child("tg"), &lb.TargetGroupArgs{
		VpcId:               a.VpcID,
		TargetType:          pulumi.String("ip"),
		Port:                pulumi.Int(ContainerPort),
		Protocol:            pulumi.String("HTTP"),
		ProtocolVersion:     pulumi.String("HTTP1"),
		DeregistrationDelay: pulumi.Int(a.Gunicorn.DeregistrationDelay),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Path:               pulumi.String(a.HealthCheckPath),
			Matcher:            pulumi.String("200"),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Interval:           pulumi.Int(15),
			Timeout:            pulumi.Int(5),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(3),
		},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type: pulumi.String("forward"), TargetGroupArn: b.s.TargetGroup.Arn,
	}}
	host := b.s.LoadBalancer.DnsName
	scheme := "http"
	if a.https() {
		scheme = "https"
		certArn, err := b.certificate()
		if err != nil {
			return err
		}
		b.s.Listeners[443], err = lb.NewListener(b.ctx, b.child("https"), &lb.ListenerArgs{
			LoadBalancerArn: b.s.LoadBalancer.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			SslPolicy:       pulumi.String(TLSPolicy),
			CertificateArn:  certArn,
			DefaultActions:  forward,
			Tags:            b.tags,
		}, b.parent)
		if err != nil {
			return err
		}
		forward = lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
			},
		}}
	}
	b.s.Listeners[80], err = lb.NewListener(b.ctx, b.child("http"), &lb.ListenerArgs{
		LoadBalancerArn: b.s.LoadBalancer.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions:  forward,
		Tags:            b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	for _, l := range b.s.Listeners {
		b.listenerDeps = append(b.listenerDeps, l)
	}
	if a.Domain != "" {
		host = pulumi.String(a.Domain).ToStringOutput()
		b.hosts = pulumi.Sprintf("%s,%s", a.Domain, b.s.LoadBalancer.DnsName)
	} else {
		b.hosts = b.s.LoadBalancer.DnsName
	}
	b.s.URL = pulumi.Sprintf("%s://%s", scheme, host)
	b.origins = b.s.URL
	return nil
}

// certificate returns the HTTPS certificate: the one given, or one issued
// by ACM and validated through DNS in the hosted zone, with the domain
// pointed at the load balancer.
func (b *serviceBuilder) certificate() (pulumi.StringInput, error) {
	a := b.a
	var zoneID pulumi.StringOutput
	if a.HostedZone != "" {
		zone := route53.LookupZoneOutput(b.ctx, route53.LookupZoneOutputArgs{
			Name: pulumi.String(a.HostedZone), PrivateZone: pulumi.Bool(false),
		}, b.parent)
		zoneID = zone.ZoneId()
		_, err := route53.NewRecord(b.ctx, b.child("dns"), &route53.RecordArgs{
			ZoneId: zoneID,
			Name:   pulumi.String(a.Domain),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name: b.s.LoadBalancer.DnsName, ZoneId: b.s.LoadBalancer.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, b.parent)
		if err != nil {
			return nil, err
		}
	}
	if a.CertificateArn != "" {
		return pulumi.String(a.CertificateArn), nil
	}
	var err error
	b.s.Certificate, err = acm.NewCertificate(b.ctx, b.child("cert"), &acm.CertificateArgs{
		DomainName:       pulumi.String(a.Domain),
		ValidationMethod: pulumi.String("DNS"),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return nil, err
	}
	opt := b.s.Certificate.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(b.ctx, b.child("cert-validation"), &route53.RecordArgs{
		ZoneId:         zoneID,
		Name:           opt.ResourceRecordName().Elem(),
		Type:           opt.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(60),
		AllowOverwrite: pulumi.Bool(true),
	}, b.parent)
	if err != nil {
		return nil, err
	}
	validation, err := acm.NewCertificateValidation(b.ctx, b.child("cert-validated"), &acm.CertificateValidationArgs{
		CertificateArn:        b.s.Certificate.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, b.parent)
	if err != nil {
		return nil, err
	}
	return validation.CertificateArn, nil
}

// roles creates the execution role (pull this image, write these logs,
// read these secrets) and the task role (the app's own permissions).
func (b *serviceBuilder) roles() error {
	a := b.a
	trust := assumeRolePolicy("ecs-tasks.amazonaws.com", b.accountID,
		fmt.Sprintf("arn:aws:ecs:%s:%s:*", b.regionName, b.accountID))
	var err error
	b.s.ExecutionRole, err = iam.NewRole(b.ctx, b.child("execution-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("ECS agent for %s: pull the image, write logs, read secrets", b.name),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	extra := slices.Sorted(maps.Values(a.Secrets))
	_, err = iam.NewRolePolicy(b.ctx, b.child("execution-policy"), &iam.RolePolicyArgs{
		Role: b.s.ExecutionRole.Name,
		Policy: policyOutput(func(v []string) PolicyDocument {
			repo, logs, key, db := v[0], v[1], v[2], secretBaseArn(v[3])
			secrets := append([]string{key, db}, secretArns(extra)...)
			return PolicyDocument{Version: policyVersion, Statement: []Statement{
				// GetAuthorizationToken has no resource-level permissions: AWS
				// requires "*" here (CONTROLS.md IAM-1 exception).
				{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
				{Sid: "PullImage", Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, Resource: []string{repo}},
				{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logs + ":log-stream:*"}},
				{Sid: "ReadSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: secrets},
			}}
		}, a.RepositoryArn, b.s.LogGroup.Arn, b.s.SecretKey.Arn, a.DatabaseSecretArn),
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.TaskRole, err = iam.NewRole(b.ctx, b.child("task-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("The Django app of %s", b.name),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	if a.TaskPolicyJSON != nil {
		if _, err := iam.NewRolePolicy(b.ctx, b.child("task-policy"), &iam.RolePolicyArgs{
			Role: b.s.TaskRole.Name, Policy: a.TaskPolicyJSON,
		}, b.parent); err != nil {
			return err
		}
	}
	if a.EcsExec {
		_, err = iam.NewRolePolicy(b.ctx, b.child("exec-policy"), &iam.RolePolicyArgs{
			Role: b.s.TaskRole.Name,
			Policy: pulumi.String(PolicyDocument{Version: policyVersion, Statement: []Statement{{
				// The SSM message channels have no resource-level permissions:
				// AWS requires "*" (CONTROLS.md IAM-1 exception).
				Sid: "EcsExec", Effect: "Allow",
				Action: []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
					"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
				Resource: []string{"*"},
			}}}.JSON()),
		}, b.parent)
	}
	return err
}

// secretBaseArn strips a ":json-key:version-stage:version-id" reference
// back to the secret's ARN, which is what IAM policies name.
func secretBaseArn(ref string) string {
	parts := strings.Split(ref, ":")
	if len(parts) > 7 {
		return strings.Join(parts[:7], ":")
	}
	return ref
}

func secretArns(refs []string) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		if arn := secretBaseArn(r); !slices.Contains(out, arn) {
			out = append(out, arn)
		}
	}
	return out
}

// taskDefinition registers the Fargate task: the web container from the
// pinned image, non-root, read-only root filesystem with a /tmp volume,
// settings in environment and secrets in secrets.
func (b *serviceBuilder) taskDefinition() error {
	a := b.a
	bucket := pulumi.StringInput(pulumi.String(""))
	if a.MediaBucketName != nil {
		bucket = a.MediaBucketName
	}
	defs := pulumi.All(a.ImageURI, b.s.LogGroup.Name, b.s.SecretKey.Arn, a.DatabaseSecretArn,
		a.DatabaseHost, a.DatabasePort, a.DatabaseName, bucket, b.hosts, b.origins).
		ApplyT(func(v []any) string {
			return containerDefinitionsJSON(b.container(containerValues{
				image: v[0].(string), logGroup: v[1].(string), secretKeyArn: v[2].(string),
				dbSecretArn: v[3].(string), dbHost: v[4].(string), dbPort: v[5].(int), dbName: v[6].(string),
				bucket: v[7].(string), hosts: v[8].(string), origins: v[9].(string),
			}))
		}).(pulumi.StringOutput)
	var volumes ecs.TaskDefinitionVolumeArray
	for _, m := range b.mounts() {
		volumes = append(volumes, ecs.TaskDefinitionVolumeArgs{Name: pulumi.String(m.SourceVolume)})
	}
	var err error
	b.s.TaskDefinition, err = ecs.NewTaskDefinition(b.ctx, b.child("task"), &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(b.ctx.Stack() + "-" + b.name),
		Cpu:                     pulumi.String(strconv.Itoa(a.CPU)),
		Memory:                  pulumi.String(strconv.Itoa(a.Memory)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.ToStringArray([]string{"FARGATE"}),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(ECSCPUArchitecture(a.Architecture)),
		},
		ExecutionRoleArn:     b.s.ExecutionRole.Arn,
		TaskRoleArn:          b.s.TaskRole.Arn,
		Volumes:              volumes,
		ContainerDefinitions: defs,
		Tags:                 b.tags,
	}, b.parent)
	return err
}

// mounts are the container's writable paths on its read-only root
// filesystem: /tmp, and with ECS Exec the directories the SSM agent writes
// (it fails on a read-only root otherwise: aws/containers-roadmap#1359).
func (b *serviceBuilder) mounts() []MountPoint {
	m := []MountPoint{{SourceVolume: "tmp", ContainerPath: "/tmp"}}
	if b.a.EcsExec {
		m = append(m,
			MountPoint{SourceVolume: "ssm-lib", ContainerPath: "/var/lib/amazon"},
			MountPoint{SourceVolume: "ssm-log", ContainerPath: "/var/log/amazon"})
	}
	return m
}

// containerValues are the resolved values the container definition needs.
type containerValues struct {
	image, logGroup, secretKeyArn, dbSecretArn, dbHost, dbName, bucket, hosts, origins string
	dbPort                                                                             int
}

// container builds the web container's definition.
func (b *serviceBuilder) container(v containerValues) ContainerDefinition {
	a, g := b.a, b.a.Gunicorn
	env := map[string]string{
		"DJANGO_SETTINGS_MODULE":      "config.settings",
		"DJANGO_ALLOWED_HOSTS":        v.hosts,
		"DJANGO_CSRF_TRUSTED_ORIGINS": v.origins,
		"DB_HOST":                     v.dbHost,
		"DB_PORT":                     strconv.Itoa(v.dbPort),
		"DB_NAME":                     v.dbName,
		"AWS_S3_REGION_NAME":          b.regionName,
		"HEALTH_CHECK_PATH":           a.HealthCheckPath,
		"WEB_CONCURRENCY":             strconv.Itoa(g.Workers),
		"GUNICORN_THREADS":            strconv.Itoa(g.Threads),
		"GUNICORN_TIMEOUT":            strconv.Itoa(g.Timeout),
		"GUNICORN_KEEPALIVE":          strconv.Itoa(g.KeepAlive),
		"GUNICORN_GRACEFUL_TIMEOUT":   strconv.Itoa(g.GracefulTimeout),
	}
	if v.bucket != "" {
		env["AWS_STORAGE_BUCKET_NAME"] = v.bucket
	}
	maps.Copy(env, a.Environment)
	c := ContainerDefinition{
		Name:                   ContainerName,
		Image:                  v.image,
		Essential:              true,
		User:                   ContainerUser,
		ReadonlyRootFilesystem: true,
		PortMappings:           []PortMapping{{ContainerPort: ContainerPort, Protocol: "tcp", Name: "http"}},
		Environment:            []KeyValuePair{},
		Secrets: []Secret{
			{Name: "DJANGO_SECRET_KEY", ValueFrom: v.secretKeyArn},
			{Name: "DB_USER", ValueFrom: v.dbSecretArn + ":username::"},
			{Name: "DB_PASSWORD", ValueFrom: v.dbSecretArn + ":password::"},
		},
		MountPoints: b.mounts(),
		HealthCheck: &HealthCheck{
			Command: []string{"CMD", "python", "-c", fmt.Sprintf(
				"import urllib.request; urllib.request.urlopen('http://127.0.0.1:%d%s', timeout=4)", ContainerPort, a.HealthCheckPath)},
			Interval: 15, Timeout: 5, Retries: 3, StartPeriod: 30,
		},
		StopTimeout:     g.StopTimeout,
		LinuxParameters: &LinuxParameters{InitProcessEnabled: true},
		LogConfiguration: &LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         v.logGroup,
			"awslogs-region":        b.regionName,
			"awslogs-stream-prefix": ContainerName,
			"mode":                  "non-blocking",
			"max-buffer-size":       "25m",
		}},
		Ulimits: []Ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}},
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		c.Environment = append(c.Environment, KeyValuePair{Name: k, Value: env[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(a.Secrets)) {
		c.Secrets = append(c.Secrets, Secret{Name: k, ValueFrom: a.Secrets[k]})
	}
	return c
}

// service creates the ECS service: private subnets, no public IP, circuit
// breaker with rollback, and desiredCount left to autoscaling after the
// first deploy.
func (b *serviceBuilder) service() error {
	a := b.a
	var strategy ecs.ServiceCapacityProviderStrategyArray
	launchType := pulumi.StringPtrInput(pulumi.String("FARGATE"))
	if a.Spot {
		launchType = nil
		strategy = ecs.ServiceCapacityProviderStrategyArray{ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String("FARGATE_SPOT"), Weight: pulumi.Int(1),
		}}
	}
	opts := []pulumi.ResourceOption{b.parent, pulumi.IgnoreChanges([]string{"desiredCount"}), pulumi.DependsOn(b.listenerDeps)}
	if *a.Migrations {
		hook, err := b.migrationHook()
		if err != nil {
			return err
		}
		opts = append(opts, pulumi.ResourceHooks(&pulumi.ResourceHookBinding{
			BeforeCreate: []*pulumi.ResourceHook{hook}, BeforeUpdate: []*pulumi.ResourceHook{hook},
		}))
	}
	var err error
	b.s.Service, err = ecs.NewService(b.ctx, b.child("service"), &ecs.ServiceArgs{
		Cluster:                    b.clusterArn,
		TaskDefinition:             b.s.TaskDefinition.Arn,
		DesiredCount:               pulumi.Int(a.DesiredCount),
		LaunchType:                 launchType,
		CapacityProviderStrategies: strategy,
		PlatformVersion:            pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        a.PrivateSubnetIDs,
			SecurityGroups: pulumi.StringArray{b.s.TaskSecurityGroup.ID().ToStringOutput()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: b.s.TargetGroup.Arn, ContainerName: pulumi.String(ContainerName), ContainerPort: pulumi.Int(ContainerPort),
		}},
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(60),
		EnableExecuteCommand:            pulumi.Bool(a.EcsExec),
		EnableEcsManagedTags:            pulumi.Bool(true),
		PropagateTags:                   pulumi.String("SERVICE"),
		WaitForSteadyState:              pulumi.Bool(true),
		Tags:                            b.tags,
	}, opts...)
	if err != nil {
		return err
	}
	b.s.ServiceName = b.s.Service.Name
	return nil
}

// autoscaling tracks average CPU and requests per task between MinTasks and
// MaxTasks: scale out fast, scale in slowly.
func (b *serviceBuilder) autoscaling() error {
	a := b.a
	var err error
	b.s.ScalingTarget, err = appautoscaling.NewTarget(b.ctx, b.child("scaling"), &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", b.s.ClusterName, b.s.Service.Name),
		MinCapacity:       pulumi.Int(a.MinTasks),
		MaxCapacity:       pulumi.Int(a.MaxTasks),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	policies := []struct {
		role, metric string
		target       int
		label        pulumi.StringPtrInput
	}{
		{"cpu-scaling", "ECSServiceAverageCPUUtilization", a.CPUTarget, nil},
		{"requests-scaling", "ALBRequestCountPerTarget", a.RequestsPerTarget,
			pulumi.Sprintf("%s/%s", b.s.LoadBalancer.ArnSuffix, b.s.TargetGroup.ArnSuffix)},
	}
	for _, p := range policies {
		_, err = appautoscaling.NewPolicy(b.ctx, b.child(p.role), &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  b.s.ScalingTarget.ServiceNamespace,
			ScalableDimension: b.s.ScalingTarget.ScalableDimension,
			ResourceId:        b.s.ScalingTarget.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue:      pulumi.Float64(float64(p.target)),
				ScaleOutCooldown: pulumi.Int(60),
				ScaleInCooldown:  pulumi.Int(300),
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(p.metric),
					ResourceLabel:        p.label,
				},
			},
		}, b.parent)
		if err != nil {
			return err
		}
	}
	return nil
}
