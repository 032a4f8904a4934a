package components

import (
	"fmt"
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
	"HEALTH_CHECK_PATH", "DJANGO_SECRET_KEY", "DB_SECRET_ARN", "AWS_REGION", "PORT",
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
	if !a.Internal && a.Listener == nil {
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
	if err := a.listenerDefaults(name); err != nil {
		return a, err
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
	if cert, ok := a.CertificateArn.(pulumi.String); ok {
		if cert == "" {
			a.CertificateArn = nil // the config's "none"
		} else if !certificateArn.MatchString(string(cert)) {
			return fail("certificateArn", "%q is not an ACM certificate ARN (arn:<partition>:acm:<region>:<account>:certificate/<id>)", cert)
		}
	}
	if a.Domain != "" && a.HostedZone == "" && a.CertificateArn == nil {
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
	env, envKnown := planMap(a.Environment)
	secrets, secretsKnown := planMap(a.Secrets)
	if !envKnown {
		env = nil // checked when it resolves (checkedMaps)
	}
	if !secretsKnown {
		secrets = nil
	}
	if field, err := checkVars(env, secrets, a.GeneratedSecrets); err != nil {
		return fail(field, "%v", err)
	}
	if err := a.appDefaults(name); err != nil {
		return a, err
	}
	a.SettingsModule = cmpOr(a.SettingsModule, DefaultSettingsModule)
	a.User = cmpOr(a.User, DefaultContainerUser)
	a.ContainerPort = cmpOr(a.ContainerPort, DefaultContainerPort)
	return a.gunicornDefaults(name)
}

// pythonModule is a dotted Python module path such as config.settings.
var pythonModule = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// containerUser is an ECS container user: a name or uid, optionally with a
// group or gid (aws-api/ecs-task-definition.json, user).
var containerUser = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$`)

// appDefaults checks what the app itself is told: settings module, command,
// user and port. It checks the caller's values; defaults fills the rest.
func (a DjangoServiceArgs) appDefaults(name string) error {
	fail := func(field, format string, v ...any) error {
		return argError("DjangoService", name, field, format, v...)
	}
	if a.SettingsModule != "" && !pythonModule.MatchString(a.SettingsModule) {
		return fail("settingsModule", "%q is not a dotted Python module path such as config.settings", a.SettingsModule)
	}
	if slices.Contains(a.Command, "") {
		return fail("command", "%q has an empty word", a.Command)
	}
	if a.User != "" {
		uid, _, _ := strings.Cut(a.User, ":")
		switch {
		case !containerUser.MatchString(a.User):
			return fail("user", "%q is not a user such as 10001:10001 (uid, uid:gid, user or user:group)", a.User)
		case uid == "0" || uid == "root":
			return fail("user", "%q is root: the container must run as a non-root user (CONTROLS.md ECS-9)", a.User)
		}
	}
	if a.ContainerPort != 0 && (a.ContainerPort < 1024 || a.ContainerPort > 65535) {
		return fail("containerPort", "%d is out of range; use 1024 to 65535 (a non-root process without capabilities cannot bind a lower port)", a.ContainerPort)
	}
	return nil
}

// unknownValue stands for a map value not known at plan time.
const unknownValue = "\x00unknown"

// planMap returns the entries of m known at plan time: ok is false when
// the map itself is an Output (its keys are unknown), and a value that is
// an Output is unknownValue.
func planMap(m pulumi.StringMapInput) (map[string]string, bool) {
	if m == nil {
		return nil, true
	}
	plain, ok := m.(pulumi.StringMap)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(plain))
	for k, v := range plain {
		out[k] = unknownValue
		if s, ok := v.(pulumi.String); ok {
			out[k] = string(s)
		}
	}
	return out, true
}

// checkVars checks the container's extra variables: environment names
// (env), secret names and ARNs (secrets; unknownValue skips an ARN) and
// generated secret names. It returns the argument at fault with the error.
func checkVars(env, secrets map[string]string, generated []string) (string, error) {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		switch {
		case !envName.MatchString(k):
			return "environment", fmt.Errorf("%q is not a valid variable name", k)
		case slices.Contains(reservedEnv, k):
			return "environment", fmt.Errorf("%s is set by the component itself", k)
		case secretLike.MatchString(k):
			return "environment", fmt.Errorf("%s looks like a secret; pass it through secrets so it never appears in the task definition", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(secrets)) {
		v := secrets[k]
		_, inEnv := env[k]
		switch {
		case !envName.MatchString(k):
			return "secrets", fmt.Errorf("%q is not a valid variable name", k)
		case slices.Contains(reservedEnv, k) || inEnv:
			return "secrets", fmt.Errorf("%s is already set", k)
		case v != unknownValue && !secretRef.MatchString(v):
			return "secrets", fmt.Errorf("%s: %q is not a Secrets Manager secret ARN (optionally <arn>:<json-key>::) or an SSM parameter ARN", k, v)
		}
	}
	for i, k := range generated {
		_, inEnv := env[k]
		_, inSecrets := secrets[k]
		switch {
		case !envName.MatchString(k):
			return "generatedSecrets", fmt.Errorf("%q is not a valid variable name", k)
		case k == "DJANGO_SECRET_KEY" || slices.Contains(reservedEnv, k) || inEnv || inSecrets || slices.Contains(generated[:i], k):
			return "generatedSecrets", fmt.Errorf("%s is already set", k)
		}
	}
	return "", nil
}

// secretRef is what ECS takes as a secret's valueFrom: a Secrets Manager
// secret ARN, optionally followed by ":<json-key>:<version-stage>:<version-id>"
// (the ECS developer guide, "Pass Secrets Manager secrets through Amazon
// ECS environment variables"), or an SSM parameter ARN.
var secretRef = regexp.MustCompile(`^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^:]+(:[^:]*:[^:]*:[^:]*)?|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$`)

// checkedMaps returns Environment and Secrets as Outputs (empty when
// unset) that fail, naming the argument, when a map only known at deploy
// time holds a name or ARN defaults could not check.
func (a DjangoServiceArgs) checkedMaps(name string) (env, secrets pulumi.StringMapOutput) {
	orEmpty := func(m pulumi.StringMapInput) pulumi.StringMapOutput {
		if m == nil {
			return pulumi.StringMap{}.ToStringMapOutput()
		}
		return m.ToStringMapOutput()
	}
	both := pulumi.All(orEmpty(a.Environment), orEmpty(a.Secrets))
	pick := func(i int) pulumi.StringMapOutput {
		return both.ApplyT(func(v []any) (map[string]string, error) {
			if field, err := checkVars(v[0].(map[string]string), v[1].(map[string]string), a.GeneratedSecrets); err != nil {
				return nil, argError("DjangoService", name, field, "%v", err)
			}
			return v[i].(map[string]string), nil
		}).(pulumi.StringMapOutput)
	}
	return pick(0), pick(1)
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

// ALB listener rule limits (Elastic Load Balancing user guide, "Listener
// rules for your Application Load Balancer": three values per condition,
// five per rule; "Condition types": a pattern is at most 128 characters;
// ELBv2 API reference, CreateRule: priority 1 to 50000).
const (
	maxConditionValues = 3
	maxRuleValues      = 5
	maxRulePattern     = 128
	maxRulePriority    = 50000
)

// hostPattern is a host-header condition value this component takes: a
// lowercase host name, optionally "*." and a domain (every subdomain, which
// Django's ALLOWED_HOSTS writes ".example.com").
var hostPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// listenerDefaults checks Listener and what it excludes.
func (a *DjangoServiceArgs) listenerDefaults(name string) error {
	l := a.Listener
	if l == nil {
		return nil
	}
	fail := func(field, format string, v ...any) error {
		return argError("DjangoService", name, field, format, v...)
	}
	for _, f := range []struct {
		field string
		in    pulumi.StringInput
	}{{"listener.listenerArn", l.ListenerArn}, {"listener.securityGroupId", l.SecurityGroupID}, {"listener.url", l.URL}} {
		if isNil(f.in) {
			return fail(f.field, "is required")
		}
	}
	owned := []struct {
		field string
		set   bool
	}{
		{"internal", a.Internal}, {"domain", a.Domain != ""}, {"hostedZone", a.HostedZone != ""},
		{"certificateArn", a.CertificateArn != nil}, {"accessLogsBucket", a.AccessLogsBucket != nil},
		{"deletionProtection", a.DeletionProtection != nil},
	}
	for _, o := range owned {
		if o.set {
			return fail(o.field, "is set with listener: it belongs to the load balancer's owner; set it there")
		}
	}
	switch {
	case len(l.Hosts) == 0 && len(l.Paths) == 0:
		return fail("listener", "has neither hosts nor paths: the rule would match every request and take the owner's traffic")
	case len(l.Hosts) > maxConditionValues:
		return fail("listener.hosts", "has %d values; a rule condition takes at most %d", len(l.Hosts), maxConditionValues)
	case len(l.Paths) > maxConditionValues:
		return fail("listener.paths", "has %d values; a rule condition takes at most %d", len(l.Paths), maxConditionValues)
	case len(l.Hosts)+len(l.Paths) > maxRuleValues:
		return fail("listener", "has %d hosts and paths; a rule takes at most %d values in all", len(l.Hosts)+len(l.Paths), maxRuleValues)
	case l.Priority < 1 || l.Priority > maxRulePriority:
		return fail("listener.priority", "%d is out of range; use 1 to %d, unique among the listener's rules", l.Priority, maxRulePriority)
	}
	for _, h := range l.Hosts {
		if len(h) > maxRulePattern || !hostPattern.MatchString(h) {
			return fail("listener.hosts", "%q is not a lowercase host name such as admin.example.com or *.example.com, at most %d characters", h, maxRulePattern)
		}
	}
	for _, p := range l.Paths {
		if !strings.HasPrefix(p, "/") || len(p) > maxRulePattern || strings.ContainsAny(p, " \t#") {
			return fail("listener.paths", "%q is not a path pattern such as /admin/* (starting with /, no spaces or fragment; * and ? are wildcards), at most %d characters", p, maxRulePattern)
		}
	}
	return nil
}
