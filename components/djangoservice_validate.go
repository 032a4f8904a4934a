package components

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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
	"HEALTH_CHECK_PATH", "DJANGO_SECRET_KEY", "DB_SECRET_ARN", "AWS_REGION",
	// The migration task's overrides, and the names the credentials
	// replaced: a user value would shadow or contradict the secret ARNs.
	"DB_ADMIN_SECRET_ARN", "DB_APP_SECRET_ARN", "DB_USER", "DB_PASSWORD"}

// Health check paths of the reference app (app/config/health.py).
const (
	// DefaultLivenessPath answers 200 while the process can serve; it never
	// touches the database.
	DefaultLivenessPath = "/livez"
	// DefaultReadinessPath answers 200 when the database answers.
	DefaultReadinessPath = "/readyz"
)

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
	required := map[string]any{"vpcId": a.VpcID,
		"privateSubnetIds": a.PrivateSubnetIDs, "imageUri": a.ImageURI, "repositoryArn": a.RepositoryArn,
		"databaseHost": a.DatabaseHost, "databasePort": a.DatabasePort, "databaseName": a.DatabaseName,
		"databaseAppSecretArn": a.DatabaseAppSecretArn}
	if !a.Internal {
		required["publicSubnetIds"] = a.PublicSubnetIDs
	}
	for _, field := range slices.Sorted(maps.Keys(required)) {
		if isNil(required[field]) {
			return fail(field, "is required")
		}
	}
	a.Migrations = pulumi.BoolRef(boolOr(a.Migrations, true))
	if *a.Migrations {
		for _, f := range []struct {
			field string
			in    pulumi.StringInput
		}{{"databaseOwnerSecretArn", a.DatabaseOwnerSecretArn}, {"databaseMasterSecretArn", a.DatabaseMasterSecretArn}} {
			if isNil(f.in) {
				return fail(f.field, "is required when migrations are on: the migration task provisions the roles with the master secret and migrates as the owner")
			}
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
	a.LivenessPath = cmpOr(a.LivenessPath, DefaultLivenessPath)
	a.ReadinessPath = cmpOr(a.ReadinessPath, DefaultReadinessPath)
	for _, p := range []struct{ field, path string }{{"livenessPath", a.LivenessPath}, {"readinessPath", a.ReadinessPath}} {
		if !strings.HasPrefix(p.path, "/") || len(p.path) > 1024 || strings.ContainsAny(p.path, " ?#") {
			return fail(p.field, "%q must be a path starting with / (no spaces, query or fragment), at most 1024 characters", p.path)
		}
	}
	if strings.TrimSuffix(a.LivenessPath, "/") == strings.TrimSuffix(a.ReadinessPath, "/") {
		return fail("livenessPath", "%q is the readiness path: ECS replaces tasks that fail it, so a database outage would replace every task at once; probe a path that does not touch the database", a.LivenessPath)
	}
	if a.Internal && a.HostedZone != "" {
		return fail("internal", "an internal load balancer has only private addresses; hostedZone %q would publish a public DNS name that reaches nothing: use certificateArn and a private zone instead", a.HostedZone)
	}
	a.InternetEgress = pulumi.BoolRef(boolOr(a.InternetEgress, a.EndpointSecurityGroupID == nil))
	if !*a.InternetEgress && a.EndpointSecurityGroupID == nil {
		return fail("internetEgress", "is false without endpointSecurityGroupId: the tasks could reach neither ECR, CloudWatch Logs nor Secrets Manager and would never start")
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
	a.Alarms = pulumi.BoolRef(boolOr(a.Alarms, true))
	a.AlarmThresholds = copyOrNew(a.AlarmThresholds)
	if err := a.AlarmThresholds.defaults(); err != nil {
		return fail("alarmThresholds", "%v", err)
	}
	if len(a.MigrateCommand) == 0 {
		a.MigrateCommand = DefaultMigrateCommand()
	} else {
		a.MigrateCommand = slices.Clone(a.MigrateCommand)
	}
	if slices.Contains(a.MigrateCommand, "") {
		return fail("migrateCommand", "%q has an empty word", a.MigrateCommand)
	}
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
	for i, k := range a.GeneratedSecrets {
		switch {
		case !envName.MatchString(k):
			return fail("generatedSecrets", "%q is not a valid variable name", k)
		case k == "DJANGO_SECRET_KEY" || slices.Contains(reservedEnv, k) || a.Environment[k] != "" || a.Secrets[k] != "" || slices.Contains(a.GeneratedSecrets[:i], k):
			return fail("generatedSecrets", "%s is already set", k)
		}
	}
	return a.gunicornDefaults(name)
}

// gunicornDefaults fills and checks the timeout chain.
func (a DjangoServiceArgs) gunicornDefaults(name string) (DjangoServiceArgs, error) {
	a.Gunicorn = copyOrNew(a.Gunicorn)
	g := a.Gunicorn
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

// copyOrNew returns a pointer to a copy of *p, or to a zero T when p is nil,
// so defaults never write into the caller's arguments.
func copyOrNew[T any](p *T) *T {
	var v T
	if p != nil {
		v = *p
	}
	return &v
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
