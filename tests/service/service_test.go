package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestContainerDefinition checks the web container field by field (ECS-2,
// ECS-3, ECS-4, ECS-5, ECS-9).
func TestContainerDefinition(t *testing.T) {
	res := runService(t, nil)
	c := web(t, res)
	td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
	logGroup := testutil.One(t, res, "aws:cloudwatch/logGroup:LogGroup")
	secret := testutil.One(t, res, "aws:secretsmanager/secret:Secret")

	checks := []struct {
		field string
		got   any
		want  any
	}{
		{"image", c["image"], image},
		{"essential", c["essential"], true},
		{"user", c["user"], "10001:10001"},
		{"readonlyRootFilesystem", c["readonlyRootFilesystem"], true},
		{"privileged", c["privileged"], false},
		{"portMappings", fmt.Sprint(c["portMappings"]), "[map[containerPort:8000 name:http protocol:tcp]]"},
		{"mountPoints", fmt.Sprint(c["mountPoints"]), "[map[containerPath:/tmp readOnly:false sourceVolume:tmp]]"},
		{"stopTimeout", c["stopTimeout"], float64(30)},
		{"logDriver", offline.Lookup(c, "logConfiguration.logDriver"), "awslogs"},
		{"awslogs-group", offline.Lookup(c, "logConfiguration.options.awslogs-group"), logGroup.Output("name")},
		{"awslogs-region", offline.Lookup(c, "logConfiguration.options.awslogs-region"), "us-east-1"},
		{"awslogs-stream-prefix", offline.Lookup(c, "logConfiguration.options.awslogs-stream-prefix"), "web"},
		{"task networkMode", td.Input("networkMode"), "awsvpc"},
		{"task requiresCompatibilities", fmt.Sprint(td.Input("requiresCompatibilities")), "[FARGATE]"},
		{"task volumes", fmt.Sprint(td.Input("volumes")), "[map[name:tmp]]"},
		{"task cpu", td.Input("cpu"), "512"},
		{"task memory", td.Input("memory"), "1024"},
		{"task cpuArchitecture", td.Input("runtimePlatform.cpuArchitecture"), "X86_64"},
		{"task pidMode", td.Input("pidMode"), nil},
	}
	for _, ch := range checks {
		if fmt.Sprint(ch.got) != fmt.Sprint(ch.want) {
			t.Errorf("%s: got %v, want %v", ch.field, ch.got, ch.want)
		}
	}
	hc := c["healthCheck"].(map[string]any)
	cmd := fmt.Sprint(hc["command"])
	if !strings.HasPrefix(cmd, "[CMD ") || !strings.Contains(cmd, "http://127.0.0.1:8000/livez") {
		t.Errorf("healthCheck.command: got %s, want a CMD calling http://127.0.0.1:8000/livez", cmd)
	}
	// Ranges from the ECS API model (aws-api/ecs-task-definition.json).
	for field, r := range map[string][2]float64{"interval": {5, 300}, "timeout": {2, 60}, "retries": {1, 10}, "startPeriod": {0, 300}} {
		if v, _ := hc[field].(float64); v < r[0] || v > r[1] {
			t.Errorf("healthCheck.%s: got %v, want %v..%v", field, hc[field], r[0], r[1])
		}
	}
	if lp := c["linuxParameters"].(map[string]any); lp["initProcessEnabled"] != true {
		t.Errorf("linuxParameters.initProcessEnabled: got %v, want true", lp["initProcessEnabled"])
	}

	env := envOf(c, "environment")
	wantEnv := map[string]string{
		"DJANGO_SETTINGS_MODULE": "config.settings", "DB_HOST": "db.example.internal", "DB_PORT": "5432",
		"DB_NAME": "app", "AWS_STORAGE_BUCKET_NAME": "media-bucket", "AWS_S3_REGION_NAME": "us-east-1",
		"HEALTH_CHECK_PATH": "/livez", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2",
		"GUNICORN_TIMEOUT": "60", "GUNICORN_KEEPALIVE": "75", "GUNICORN_GRACEFUL_TIMEOUT": "25",
		// The app reads its credentials from this secret, in this region,
		// when it connects (RDS-11): an ARN, not a secret.
		"DB_SECRET_ARN": appSecretArn, "AWS_REGION": "us-east-1",
		// gunicorn binds to it (app/gunicorn.conf.py).
		"PORT": "8000",
	}
	for k, want := range wantEnv {
		if env[k] != want {
			t.Errorf("environment %s: got %q, want %q", k, env[k], want)
		}
	}
	alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
	if dns := alb.Output("dnsName"); env["DJANGO_ALLOWED_HOSTS"] != dns || env["DJANGO_CSRF_TRUSTED_ORIGINS"] != "http://"+fmt.Sprint(dns) {
		t.Errorf("hosts: got ALLOWED_HOSTS %q, CSRF_TRUSTED_ORIGINS %q; want %v and http://%v",
			env["DJANGO_ALLOWED_HOSTS"], env["DJANGO_CSRF_TRUSTED_ORIGINS"], dns, dns)
	}
	if len(env) != len(wantEnv)+2 {
		t.Errorf("environment: got %d variables %v, want %d", len(env), env, len(wantEnv)+2)
	}
	for k, v := range env {
		if k == "DB_SECRET_ARN" && strings.HasPrefix(v, "arn:aws:secretsmanager:") {
			continue // a reference the app resolves with its role, not a value
		}
		if strings.Contains(k, "SECRET") || strings.Contains(k, "PASSWORD") {
			t.Errorf("environment holds a secret-like name %s (ECS-4)", k)
		}
	}
	// The database credentials are no longer injected at start: a task
	// would keep a rotated-out password until it restarts.
	secrets := envOf(c, "secrets")
	wantSecrets := map[string]string{
		"DJANGO_SECRET_KEY": secret.Output("arn").(string),
	}
	if fmt.Sprint(secrets) != fmt.Sprint(wantSecrets) {
		t.Errorf("secrets: got %v, want %v", secrets, wantSecrets)
	}
}

// TestGunicornWorkersPerCPU checks WEB_CONCURRENCY = the seed's
// (2 x vCPU) + 1, at least 2, and GUNICORN_THREADS 2, for every Fargate CPU size.
func TestGunicornWorkersPerCPU(t *testing.T) {
	want := map[int]string{256: "2", 512: "2", 1024: "3", 2048: "5", 4096: "9", 8192: "17", 16384: "33"}
	for _, cpu := range components.FargateCPUs() {
		t.Run(fmt.Sprint(cpu), func(t *testing.T) {
			res := runService(t, func(a *components.DjangoServiceArgs) {
				a.CPU, a.Memory = cpu, components.FargateMemory[cpu][0]
			})
			env := envOf(web(t, res), "environment")
			if got := env["WEB_CONCURRENCY"]; got != want[cpu] {
				t.Errorf("cpu %d: WEB_CONCURRENCY got %s, want %s", cpu, got, want[cpu])
			}
			if got := env["GUNICORN_THREADS"]; got != "2" {
				t.Errorf("cpu %d: GUNICORN_THREADS got %s, want 2", cpu, got)
			}
		})
	}
}

// TestTimeoutChain checks ECS-13: keepalive above the ALB idle timeout,
// graceful timeout below stopTimeout, deregistration delay set explicitly.
func TestTimeoutChain(t *testing.T) {
	for _, idle := range []int{60, 120} {
		res := runService(t, func(a *components.DjangoServiceArgs) { a.IdleTimeout = idle })
		c := web(t, res)
		env := envOf(c, "environment")
		alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
		tg := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup")
		var keepalive, graceful int
		fmt.Sscan(env["GUNICORN_KEEPALIVE"], &keepalive)
		fmt.Sscan(env["GUNICORN_GRACEFUL_TIMEOUT"], &graceful)
		if got := alb.Input("idleTimeout"); got != float64(idle) {
			t.Errorf("idleTimeout: got %v, want %d", got, idle)
		}
		if keepalive <= idle {
			t.Errorf("idle %d: GUNICORN_KEEPALIVE got %d, want > %d", idle, keepalive, idle)
		}
		if stop := c["stopTimeout"].(float64); float64(graceful) >= stop {
			t.Errorf("GUNICORN_GRACEFUL_TIMEOUT got %d, want < stopTimeout %v", graceful, stop)
		}
		if d := tg.Input("deregistrationDelay"); d == nil || d == float64(300) {
			t.Errorf("deregistrationDelay: got %v, want set and not the 300 s default", d)
		}
	}
}

// rule is a security group rule as the tests compare them.
type rule struct {
	kind, sg, peer string
	port           float64
}

// sgRules lists every separate ingress and egress rule.
func sgRules(t *testing.T, res *offline.Result) []rule {
	t.Helper()
	var out []rule
	for kind, typ := range map[string]string{"in": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "out": "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
		for _, r := range res.ByType(typ) {
			if r.InputString("description") == "" {
				t.Errorf("%s has no description (NET-4)", r.Name)
			}
			if r.InputString("ipProtocol") != "tcp" || r.Input("fromPort") != r.Input("toPort") {
				t.Errorf("%s: got protocol %v ports %v-%v, want one tcp port", r.Name, r.Input("ipProtocol"), r.Input("fromPort"), r.Input("toPort"))
			}
			peer := r.InputString("referencedSecurityGroupId") + r.InputString("cidrIpv4") + r.InputString("cidrIpv6")
			out = append(out, rule{kind, r.InputString("securityGroupId"), peer, r.Input("fromPort").(float64)})
		}
	}
	return out
}

// TestSecurityGroupChain checks NET-4: internet -> ALB on 80/443, ALB ->
// tasks on 8000, tasks -> database on 5432, and nothing else.
func TestSecurityGroupChain(t *testing.T) {
	res := runService(t, nil)
	alb := res.Named("web-alb-sg").ID
	task := res.Named("web-task-sg").ID
	want := []rule{
		{"in", alb, "0.0.0.0/0", 80}, {"in", alb, "::/0", 80},
		{"in", alb, "0.0.0.0/0", 443}, {"in", alb, "::/0", 443},
		{"out", alb, task, 8000},
		{"in", task, alb, 8000},
		{"out", task, "0.0.0.0/0", 443},
		{"out", task, dbSG, 5432},
		{"in", dbSG, task, 5432},
	}
	got := sgRules(t, res)
	key := func(r rule) string { return fmt.Sprintf("%s %s<-%s:%v", r.kind, r.sg, r.peer, r.port) }
	gotKeys, wantKeys := []string{}, []string{}
	for _, r := range got {
		gotKeys = append(gotKeys, key(r))
	}
	for _, r := range want {
		wantKeys = append(wantKeys, key(r))
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("rules:\ngot  %v\nwant %v", gotKeys, wantKeys)
	}
	for _, sg := range res.ByType("aws:ec2/securityGroup:SecurityGroup") {
		if sg.Input("ingress") != nil || sg.Input("egress") != nil {
			t.Errorf("%s: inline rules %v %v, want none (rules are separate resources)", sg.Name, sg.Input("ingress"), sg.Input("egress"))
		}
	}
}

// TestListeners checks ELB-1 and ELB-2 for the HTTP, certificate and domain variants.
func TestListeners(t *testing.T) {
	const cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"
	cases := []struct {
		name      string
		edit      func(*components.DjangoServiceArgs)
		http      string // port 80 action
		https     bool
		issued    bool
		urlPrefix string
	}{
		{"plain", nil, "forward", false, false, "http://web-alb-"},
		{"certificate", func(a *components.DjangoServiceArgs) { a.CertificateArn = pulumi.String(cert) }, "redirect", true, false, "https://web-alb-"},
		{"domain", func(a *components.DjangoServiceArgs) { a.Domain, a.HostedZone = "api.example.com", "example.com" }, "redirect", true, true, "https://api.example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runService(t, tc.edit)
			ports := map[float64]*offline.Resource{}
			for _, l := range res.ByType("aws:lb/listener:Listener") {
				ports[l.Input("port").(float64)] = l
			}
			http := ports[80]
			if got := http.Input("defaultActions.0.type"); got != tc.http {
				t.Errorf("port 80 action: got %v, want %s", got, tc.http)
			}
			if tc.http == "redirect" {
				if got := fmt.Sprint(http.Input("defaultActions.0.redirect")); got != "map[port:443 protocol:HTTPS statusCode:HTTP_301]" {
					t.Errorf("redirect: got %s, want 301 to HTTPS 443", got)
				}
			}
			if (ports[443] != nil) != tc.https || len(ports) != map[bool]int{true: 2, false: 1}[tc.https] {
				t.Fatalf("listeners on ports %v, want https %v", len(ports), tc.https)
			}
			if tc.https {
				l := ports[443]
				if l.Input("protocol") != "HTTPS" || l.Input("sslPolicy") != components.TLSPolicy {
					t.Errorf("443: got protocol %v policy %v, want HTTPS %s", l.Input("protocol"), l.Input("sslPolicy"), components.TLSPolicy)
				}
				if certArn := l.InputString("certificateArn"); (!tc.issued && certArn != cert) || certArn == "" {
					t.Errorf("443 certificate: got %q", certArn)
				}
				// With a domain, other hosts get a fixed 421 and a rule
				// forwards the domain (TestUnknownHostsAnswer421).
				want443 := map[bool]string{true: "fixed-response", false: "forward"}[tc.issued]
				if l.Input("defaultActions.0.type") != want443 {
					t.Errorf("443 action: got %v, want %s", l.Input("defaultActions.0.type"), want443)
				}
			}
			if got := len(res.ByType("aws:acm/certificate:Certificate")); got != map[bool]int{true: 1}[tc.issued] {
				t.Errorf("certificates issued: got %d", got)
			}
			env := envOf(web(t, res), "environment")
			if !strings.HasPrefix(env["DJANGO_CSRF_TRUSTED_ORIGINS"], tc.urlPrefix) {
				t.Errorf("CSRF origins: got %q, want prefix %q", env["DJANGO_CSRF_TRUSTED_ORIGINS"], tc.urlPrefix)
			}
			if tc.issued {
				if !strings.HasPrefix(env["DJANGO_ALLOWED_HOSTS"], "api.example.com,") {
					t.Errorf("allowed hosts: got %q, want the domain first", env["DJANGO_ALLOWED_HOSTS"])
				}
				alias := res.Named("web-dns")
				if alias == nil || alias.Input("name") != "api.example.com" || alias.Input("aliases.0.name") != testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer").Output("dnsName") {
					t.Errorf("alias record: got %v, want api.example.com -> the ALB", alias)
				}
			}
		})
	}
}

// TestLoadBalancer checks ELB-3..7 and the production defaults.
func TestLoadBalancer(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) { a.AccessLogsBucket = pulumi.String("logs-bucket") })
	alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
	tg := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup")
	checks := map[string][2]any{
		"internal":                 {alb.Input("internal"), false},
		"dropInvalidHeaderFields":  {alb.Input("dropInvalidHeaderFields"), true},
		"desyncMitigationMode":     {alb.Input("desyncMitigationMode"), "defensive"},
		"enableDeletionProtection": {alb.Input("enableDeletionProtection"), true},
		"accessLogs.bucket":        {alb.Input("accessLogs.bucket"), "logs-bucket"},
		"accessLogs.enabled":       {alb.Input("accessLogs.enabled"), true},
		"subnets":                  {fmt.Sprint(alb.Input("subnets")), "[subnet-pub-a subnet-pub-b]"},
		"tg.targetType":            {tg.Input("targetType"), "ip"},
		"tg.port":                  {tg.Input("port"), float64(8000)},
		"tg.healthCheck.path":      {tg.Input("healthCheck.path"), "/livez"},
		"tg.healthCheck.matcher":   {tg.Input("healthCheck.matcher"), "200"},
		"tg.healthCheck.interval":  {tg.Input("healthCheck.interval"), float64(15)},
		"tg.healthCheck.timeout":   {tg.Input("healthCheck.timeout"), float64(5)},
		"tg.healthyThreshold":      {tg.Input("healthCheck.healthyThreshold"), float64(2)},
		"tg.unhealthyThreshold":    {tg.Input("healthCheck.unhealthyThreshold"), float64(3)},
	}
	for field, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s: got %v, want %v", field, c[0], c[1])
		}
	}
	// The ALB name is auto-named from "<name>-alb": it must fit in 32 characters.
	if n := alb.Output("name").(string); len(n) > 32 {
		t.Errorf("ALB name %q has %d characters, want <= 32", n, len(n))
	}
	cheap := runService(t, func(a *components.DjangoServiceArgs) { a.DeletionProtection = pulumi.BoolRef(false) })
	if got := testutil.One(t, cheap, "aws:lb/loadBalancer:LoadBalancer").Input("enableDeletionProtection"); got != false {
		t.Errorf("DeletionProtection false: got %v", got)
	}
	if got := testutil.One(t, cheap, "aws:lb/loadBalancer:LoadBalancer").Input("accessLogs"); got != nil {
		t.Errorf("no access log bucket: got accessLogs %v, want none", got)
	}
}

// TestService checks ECS-1, ECS-7, ECS-10, ECS-12 and the migration hook's
// place before every create and update of the service.
func TestService(t *testing.T) {
	res := runService(t, nil)
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
	checks := map[string][2]any{
		"assignPublicIp":         {svc.Input("networkConfiguration.assignPublicIp"), false},
		"subnets":                {fmt.Sprint(svc.Input("networkConfiguration.subnets")), "[subnet-priv-a subnet-priv-b]"},
		"securityGroups":         {fmt.Sprint(svc.Input("networkConfiguration.securityGroups")), "[" + res.Named("web-task-sg").ID + "]"},
		"launchType":             {svc.Input("launchType"), "FARGATE"},
		"platformVersion":        {svc.Input("platformVersion"), "LATEST"},
		"circuitBreaker":         {fmt.Sprint(svc.Input("deploymentCircuitBreaker")), "map[enable:true rollback:true]"},
		"minimumHealthyPercent":  {svc.Input("deploymentMinimumHealthyPercent"), float64(100)},
		"healthCheckGracePeriod": {svc.Input("healthCheckGracePeriodSeconds"), float64(60)},
		"desiredCount":           {svc.Input("desiredCount"), float64(2)},
		"taskDefinition":         {svc.Input("taskDefinition"), td.Output("arn")},
		"enableExecuteCommand":   {svc.Input("enableExecuteCommand"), false},
		"waitForSteadyState":     {svc.Input("waitForSteadyState"), true},
		"loadBalancer container": {svc.Input("loadBalancers.0.containerName"), "web"},
		"loadBalancer port":      {svc.Input("loadBalancers.0.containerPort"), float64(8000)},
		"ignoreChanges":          {fmt.Sprint(svc.IgnoreChanges), "[desiredCount]"},
		"hooks":                  {fmt.Sprint(svc.Hooks), "map[beforeCreate:[web-migrate] beforeUpdate:[web-migrate]]"},
		"separate roles":         {td.Input("executionRoleArn") != td.Input("taskRoleArn"), true},
	}
	for field, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s: got %v, want %v", field, c[0], c[1])
		}
	}
	for _, l := range res.ByType("aws:lb/listener:Listener") {
		if !slices.Contains(svc.Dependencies, l.URN) {
			t.Errorf("service does not depend on listener %s: the target group must be attached first", l.Name)
		}
	}

	spot := testutil.One(t, runService(t, func(a *components.DjangoServiceArgs) {
		a.Spot, a.EcsExec, a.Migrations = true, true, pulumi.BoolRef(false)
	}), "aws:ecs/service:Service")
	if spot.Input("launchType") != nil || fmt.Sprint(spot.Input("capacityProviderStrategies")) != "[map[capacityProvider:FARGATE_SPOT weight:1]]" {
		t.Errorf("spot: got launchType %v strategies %v, want FARGATE_SPOT only", spot.Input("launchType"), spot.Input("capacityProviderStrategies"))
	}
	if spot.Input("enableExecuteCommand") != true {
		t.Errorf("ecsExec: got %v, want true", spot.Input("enableExecuteCommand"))
	}
	exec := runService(t, func(a *components.DjangoServiceArgs) { a.EcsExec = true })
	if c := web(t, exec); c["readonlyRootFilesystem"] != true ||
		fmt.Sprint(c["mountPoints"]) != "[map[containerPath:/tmp readOnly:false sourceVolume:tmp] map[containerPath:/var/lib/amazon readOnly:false sourceVolume:ssm-lib] map[containerPath:/var/log/amazon readOnly:false sourceVolume:ssm-log]]" {
		t.Errorf("ecsExec: got read-only %v, mounts %v; want a read-only root with writable SSM agent directories", c["readonlyRootFilesystem"], c["mountPoints"])
	}
	if got := fmt.Sprint(testutil.One(t, exec, "aws:ecs/taskDefinition:TaskDefinition").Input("volumes")); got != "[map[name:tmp] map[name:ssm-lib] map[name:ssm-log]]" {
		t.Errorf("ecsExec volumes: got %s", got)
	}
	if spot.Hooks != nil {
		t.Errorf("migrations off: got hooks %v, want none", spot.Hooks)
	}
}

// TestAutoscaling checks ECS-11 and ECS-12.
func TestAutoscaling(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) { a.MinTasks, a.MaxTasks, a.DesiredCount = 3, 12, 4 })
	target := testutil.One(t, res, "aws:appautoscaling/target:Target")
	cluster := testutil.One(t, res, "aws:ecs/cluster:Cluster")
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	if got, want := target.Input("resourceId"), fmt.Sprintf("service/%s/%s", cluster.Output("name"), svc.Output("name")); got != want {
		t.Errorf("resourceId: got %v, want %v", got, want)
	}
	if target.Input("minCapacity") != float64(3) || target.Input("maxCapacity") != float64(12) || svc.Input("desiredCount") != float64(4) {
		t.Errorf("capacity: got min %v max %v desired %v, want 3 12 4", target.Input("minCapacity"), target.Input("maxCapacity"), svc.Input("desiredCount"))
	}
	alb := testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer")
	tg := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup")
	want := map[string][2]any{
		"ECSServiceAverageCPUUtilization": {float64(60), nil},
		"ALBRequestCountPerTarget":        {float64(1000), fmt.Sprintf("%s/%s", alb.Output("arnSuffix"), tg.Output("arnSuffix"))},
	}
	policies := res.ByType("aws:appautoscaling/policy:Policy")
	if len(policies) != 2 {
		t.Fatalf("policies: got %d, want 2", len(policies))
	}
	for _, p := range policies {
		metric := p.InputString("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType")
		w, ok := want[metric]
		if !ok {
			t.Errorf("unexpected metric %q", metric)
			continue
		}
		cfg := "targetTrackingScalingPolicyConfiguration."
		if got := p.Input(cfg + "targetValue"); got != w[0] {
			t.Errorf("%s target: got %v, want %v", metric, got, w[0])
		}
		if got := p.Input(cfg + "predefinedMetricSpecification.resourceLabel"); got != w[1] {
			t.Errorf("%s resourceLabel: got %v, want %v", metric, got, w[1])
		}
		if p.Input(cfg+"scaleOutCooldown") != float64(60) || p.Input(cfg+"scaleInCooldown") != float64(300) {
			t.Errorf("%s cooldowns: got out %v in %v, want 60 and 300", metric, p.Input(cfg+"scaleOutCooldown"), p.Input(cfg+"scaleInCooldown"))
		}
		if p.Input("resourceId") != target.Input("resourceId") {
			t.Errorf("%s resourceId: got %v, want the target's", metric, p.Input("resourceId"))
		}
	}
}

// TestClusterInsights checks ECS-6 and the existing-cluster escape hatch.
func TestClusterInsights(t *testing.T) {
	res := runService(t, nil)
	if got := fmt.Sprint(testutil.One(t, res, "aws:ecs/cluster:Cluster").Input("settings")); got != "[map[name:containerInsights value:enabled]]" {
		t.Errorf("settings: got %s, want containerInsights enabled", got)
	}
	off := runService(t, func(a *components.DjangoServiceArgs) { a.ContainerInsights = pulumi.BoolRef(false) })
	if got := fmt.Sprint(testutil.One(t, off, "aws:ecs/cluster:Cluster").Input("settings")); got != "[map[name:containerInsights value:disabled]]" {
		t.Errorf("insights off: got %s", got)
	}
	const existing = "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
	shared := runService(t, func(a *components.DjangoServiceArgs) { a.ClusterArn = pulumi.String(existing) })
	if n := len(shared.ByType("aws:ecs/cluster:Cluster")); n != 0 {
		t.Errorf("existing cluster: got %d clusters created, want 0", n)
	}
	if got := testutil.One(t, shared, "aws:ecs/service:Service").Input("cluster"); got != existing {
		t.Errorf("existing cluster: service cluster got %v, want %s", got, existing)
	}
}

// TestLogGroup checks LOG-1 for the container logs.
func TestLogGroup(t *testing.T) {
	for _, days := range []int{0, 14} {
		res := runService(t, func(a *components.DjangoServiceArgs) { a.LogRetentionDays = days })
		want := map[int]float64{0: 365, 14: 14}[days]
		if got := testutil.One(t, res, "aws:cloudwatch/logGroup:LogGroup").Input("retentionInDays"); got != want {
			t.Errorf("retention for %d: got %v, want %v", days, got, want)
		}
	}
}
