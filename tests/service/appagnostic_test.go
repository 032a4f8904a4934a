package service_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestAppArgumentsReachTheTask protects issue 16's app-agnostic arguments:
// the settings module, command, user and port reach the container, and the
// port is the one the target group, both health checks and the security
// group rules use.
func TestAppArgumentsReachTheTask(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) {
		a.SettingsModule = "shop.settings.production"
		a.Command = []string{"gunicorn", "shop.wsgi"}
		a.User = "app:app"
		a.ContainerPort = 8080
	})
	c := web(t, res)
	env := envOf(c, "environment")
	for k, want := range map[string]string{"DJANGO_SETTINGS_MODULE": "shop.settings.production", "PORT": "8080"} {
		if env[k] != want {
			t.Errorf("environment %s: got %q, want %q", k, env[k], want)
		}
	}
	if got := fmt.Sprint(c["command"]); got != "[gunicorn shop.wsgi]" {
		t.Errorf("command: got %s, want [gunicorn shop.wsgi]", got)
	}
	if c["user"] != "app:app" {
		t.Errorf("user: got %v, want app:app", c["user"])
	}
	if got := fmt.Sprint(c["portMappings"]); !strings.Contains(got, "containerPort:8080") {
		t.Errorf("portMappings: got %s, want containerPort 8080", got)
	}
	if got := fmt.Sprint(c["healthCheck"]); !strings.Contains(got, "127.0.0.1:8080/livez") {
		t.Errorf("healthCheck: got %s, want a probe of 127.0.0.1:8080/livez", got)
	}
	if got := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup").Input("port"); got != 8080.0 {
		t.Errorf("target group port: got %v, want 8080", got)
	}
	lbs := testutil.One(t, res, "aws:ecs/service:Service").Input("loadBalancers").([]any)
	if got := lbs[0].(map[string]any)["containerPort"]; got != 8080.0 {
		t.Errorf("service loadBalancers containerPort: got %v, want 8080", got)
	}
	for _, name := range []string{"web-alb-to-tasks", "web-tasks-from-alb"} {
		if got := res.Named(name).Input("fromPort"); got != 8080.0 {
			t.Errorf("%s fromPort: got %v, want 8080", name, got)
		}
	}
}

// TestAppArgumentDefaults protects the defaults: today's values.
func TestAppArgumentDefaults(t *testing.T) {
	c := web(t, runService(t, nil))
	env := envOf(c, "environment")
	if env["DJANGO_SETTINGS_MODULE"] != components.DefaultSettingsModule || env["PORT"] != "8000" {
		t.Errorf("environment: got DJANGO_SETTINGS_MODULE %q PORT %q, want %q and 8000", env["DJANGO_SETTINGS_MODULE"], env["PORT"], components.DefaultSettingsModule)
	}
	if c["user"] != components.DefaultContainerUser {
		t.Errorf("user: got %v, want %s", c["user"], components.DefaultContainerUser)
	}
	if _, ok := c["command"]; ok {
		t.Errorf("command: got %v, want none (the image's CMD)", c["command"])
	}
}

// TestInputMaps protects Environment, Secrets and CertificateArn as Pulumi
// inputs: Output values reach the task definition and the execution role,
// a ":json-key::" secret grants its secret's ARN, and a map known only at
// deploy time is still checked, failing with the argument named.
func TestInputMaps(t *testing.T) {
	const stripe = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
	res := runService(t, func(a *components.DjangoServiceArgs) {
		a.Environment = pulumi.StringMap{"FEATURE": pulumi.String("on").ToStringOutput()}
		a.Secrets = pulumi.StringMap{"STRIPE_KEY": pulumi.String(stripe + ":key::").ToStringOutput()}
		a.CertificateArn = pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/abc").ToStringOutput()
	})
	c := web(t, res)
	if env := envOf(c, "environment"); env["FEATURE"] != "on" {
		t.Errorf("environment FEATURE: got %q, want on", env["FEATURE"])
	}
	if sec := envOf(c, "secrets"); sec["STRIPE_KEY"] != stripe+":key::" {
		t.Errorf("secrets STRIPE_KEY: got %q, want %s:key::", sec["STRIPE_KEY"], stripe)
	}
	if policy := res.Named("web-execution-policy").InputString("policy"); !strings.Contains(policy, `"`+stripe+`"`) {
		t.Errorf("execution policy: got %s, want %s readable", policy, stripe)
	}
	if got := res.Named("web-https").InputString("certificateArn"); !strings.HasSuffix(got, "certificate/abc") {
		t.Errorf("https listener certificateArn: got %q, want the given certificate", got)
	}

	for _, tc := range []struct {
		name string
		edit func(*components.DjangoServiceArgs)
		want string
	}{
		{"reserved name in an Output map", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"DJANGO_SETTINGS_MODULE": "x"}).ToStringMapOutput()
		}, `DjangoService "web": environment: DJANGO_SETTINGS_MODULE is set by the component itself`},
		{"bad ARN in an Output map", func(a *components.DjangoServiceArgs) {
			a.Secrets = pulumi.ToStringMap(map[string]string{"STRIPE_KEY": "sk_live"}).ToStringMapOutput()
		}, `DjangoService "web": secrets: STRIPE_KEY: "sk_live" is not a Secrets Manager secret ARN`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.edit(&args)
			_, err := testutil.RunErr(func(ctx *pulumi.Context) error {
				_, err := components.NewDjangoService(ctx, "web", &args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error: got %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestIssue16Validation protects the new arguments' plan-time errors: each
// names its argument and registers nothing.
func TestIssue16Validation(t *testing.T) {
	listener := func(edit func(*components.ListenerAttachment)) func(*components.DjangoServiceArgs) {
		return func(a *components.DjangoServiceArgs) {
			l := attachment()
			edit(l)
			a.Listener = l
		}
	}
	cases := []struct {
		name string
		edit func(*components.DjangoServiceArgs)
		want string
	}{
		{"settings module", func(a *components.DjangoServiceArgs) { a.SettingsModule = "config/settings.py" }, `settingsModule: "config/settings.py" is not a dotted Python module path`},
		{"root user", func(a *components.DjangoServiceArgs) { a.User = "0:0" }, `user: "0:0" is root`},
		{"root by name", func(a *components.DjangoServiceArgs) { a.User = "root" }, `user: "root" is root`},
		{"user shape", func(a *components.DjangoServiceArgs) { a.User = "a b" }, `user: "a b" is not a user`},
		{"low port", func(a *components.DjangoServiceArgs) { a.ContainerPort = 80 }, `containerPort: 80 is out of range; use 1024 to 65535`},
		{"high port", func(a *components.DjangoServiceArgs) { a.ContainerPort = 70000 }, `containerPort: 70000 is out of range`},
		{"command word", func(a *components.DjangoServiceArgs) { a.Command = []string{"gunicorn", ""} }, `command: ["gunicorn" ""] has an empty word`},
		{"PORT in env", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"PORT": "9000"})
		}, `environment: PORT is set by the component itself`},
		{"settings in env", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"DJANGO_SETTINGS_MODULE": "x.settings"})
		}, `environment: DJANGO_SETTINGS_MODULE is set by the component itself`},
		{"json key shape", func(a *components.DjangoServiceArgs) {
			a.Secrets = pulumi.ToStringMap(map[string]string{"K": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf:key"})
		}, `secrets: K: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf:key" is not a Secrets Manager secret ARN`},
		{"no conditions", listener(func(l *components.ListenerAttachment) { l.Paths = nil }), `listener: has neither hosts nor paths`},
		{"four paths", listener(func(l *components.ListenerAttachment) { l.Paths = []string{"/a", "/b", "/c", "/d"} }), `listener.paths: has 4 values; a rule condition takes at most 3`},
		{"six values", listener(func(l *components.ListenerAttachment) {
			l.Hosts, l.Paths = []string{"a.example.com", "b.example.com", "c.example.com"}, []string{"/a", "/b", "/c"}
		}), `listener: has 6 hosts and paths; a rule takes at most 5 values in all`},
		{"priority 0", listener(func(l *components.ListenerAttachment) { l.Priority = 0 }), `listener.priority: 0 is out of range; use 1 to 50000`},
		{"priority 50001", listener(func(l *components.ListenerAttachment) { l.Priority = 50001 }), `listener.priority: 50001 is out of range`},
		{"bad host", listener(func(l *components.ListenerAttachment) { l.Hosts = []string{"Admin.Example.com"} }), `listener.hosts: "Admin.Example.com" is not a lowercase host name`},
		{"bad path", listener(func(l *components.ListenerAttachment) { l.Paths = []string{"admin/*"} }), `listener.paths: "admin/*" is not a path pattern`},
		{"long path", listener(func(l *components.ListenerAttachment) { l.Paths = []string{"/" + strings.Repeat("a", 128)} }), `listener.paths: "/aaa`},
		{"no listener arn", listener(func(l *components.ListenerAttachment) { l.ListenerArn = nil }), `listener.listenerArn: is required`},
		{"no lb security group", listener(func(l *components.ListenerAttachment) { l.SecurityGroupID = nil }), `listener.securityGroupId: is required`},
		{"domain with listener", func(a *components.DjangoServiceArgs) {
			listener(func(*components.ListenerAttachment) {})(a)
			a.Domain, a.CertificateArn = "admin.example.com", pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/abc")
		}, `domain: is set with listener: it belongs to the load balancer's owner`},
		{"access logs with listener", func(a *components.DjangoServiceArgs) {
			listener(func(*components.ListenerAttachment) {})(a)
			a.AccessLogsBucket = pulumi.String("logs")
		}, `accessLogsBucket: is set with listener`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assertServiceRefused(t, tc.edit, tc.want) })
	}
}

const (
	ownerListener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api-alb-1234567/50dc6c495c0c9188/f2f7dc8efc522ab2"
	ownerAlbSG    = "sg-0a1b0000000000000"
)

// attachment is a valid ListenerAttachment to an owner with a domain.
func attachment() *components.ListenerAttachment {
	return &components.ListenerAttachment{
		ListenerArn: pulumi.String(ownerListener), SecurityGroupID: pulumi.String(ownerAlbSG),
		URL: pulumi.String("https://api.example.com"), Paths: []string{"/admin/*"}, Priority: 20,
	}
}

// TestAttachedService protects item 2 of issue 16: with Listener the
// service makes no load balancer, listener, or internet-facing rule; it
// makes its target group and one forward rule with the host and path
// conditions, the hop from the owner's load balancer group to its tasks,
// and takes the owner's load balancer for its alarms and scaling.
func TestAttachedService(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) {
		a.PublicSubnetIDs = nil // not needed without a load balancer of its own
		a.Listener = attachment()
		a.Listener.Hosts = []string{"admin.example.com", "*.admin.example.com"}
	})
	for _, typ := range []string{"aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener", "aws:acm/certificate:Certificate"} {
		if n := len(res.ByType(typ)); n != 0 {
			t.Errorf("%s: got %d, want none", typ, n)
		}
	}
	if res.Named("web-alb-sg") != nil || res.Named("web-alb-https-ipv4") != nil {
		t.Error("got a load balancer security group or internet rule, want the owner's")
	}
	rule := testutil.One(t, res, "aws:lb/listenerRule:ListenerRule")
	tg := testutil.One(t, res, "aws:lb/targetGroup:TargetGroup")
	if rule.InputString("listenerArn") != ownerListener || rule.Input("priority") != 20.0 {
		t.Errorf("rule: got listener %q priority %v, want %s and 20", rule.InputString("listenerArn"), rule.Input("priority"), ownerListener)
	}
	b, _ := json.Marshal(rule.Input("conditions"))
	if got, want := string(b), `[{"hostHeader":{"values":["admin.example.com","*.admin.example.com"]}},{"pathPattern":{"values":["/admin/*"]}}]`; got != want {
		t.Errorf("rule conditions: got %s, want %s", got, want)
	}
	if b, _ := json.Marshal(rule.Input("actions")); !strings.Contains(string(b), fmt.Sprintf(`"targetGroupArn":%q`, tg.ID)) {
		t.Errorf("rule actions: got %s, want a forward to %s", b, tg.ID)
	}
	egress, ingress := res.Named("web-alb-to-tasks"), res.Named("web-tasks-from-alb")
	task := res.Named("web-task-sg").ID
	if egress.InputString("securityGroupId") != ownerAlbSG || egress.InputString("referencedSecurityGroupId") != task {
		t.Errorf("web-alb-to-tasks: got %s -> %s, want %s -> %s", egress.InputString("securityGroupId"), egress.InputString("referencedSecurityGroupId"), ownerAlbSG, task)
	}
	if ingress.InputString("securityGroupId") != task || ingress.InputString("referencedSecurityGroupId") != ownerAlbSG {
		t.Errorf("web-tasks-from-alb: got %s from %s, want %s from %s", ingress.InputString("securityGroupId"), ingress.InputString("referencedSecurityGroupId"), task, ownerAlbSG)
	}
	env := envOf(web(t, res), "environment")
	if env["DJANGO_ALLOWED_HOSTS"] != "admin.example.com,.admin.example.com" || env["DJANGO_CSRF_TRUSTED_ORIGINS"] != "https://admin.example.com" {
		t.Errorf("hosts: got ALLOWED_HOSTS %q CSRF_TRUSTED_ORIGINS %q, want admin.example.com,.admin.example.com and https://admin.example.com",
			env["DJANGO_ALLOWED_HOSTS"], env["DJANGO_CSRF_TRUSTED_ORIGINS"])
	}
	// CloudWatch names the owner's load balancer by its ARN suffix, which
	// the listener's ARN holds.
	const suffix = "app/api-alb-1234567/50dc6c495c0c9188"
	for _, r := range res.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if b, _ := json.Marshal(r.Inputs); strings.Contains(string(b), `"LoadBalancer"`) && !strings.Contains(string(b), suffix) {
			t.Errorf("%s: got %s, want the LoadBalancer dimension %s", r.Name, b, suffix)
		}
	}
	scaling := res.Named("web-requests-scaling")
	if b, _ := json.Marshal(scaling.Inputs); !strings.Contains(string(b), suffix+"/"+tg.Output("arnSuffix").(string)) {
		t.Errorf("web-requests-scaling: got %s, want the resource label %s/<target group>", b, suffix)
	}
}

// TestOwnerOutputs protects the outputs another service attaches with, and
// that Dashboard takes from any language: the HTTPS listener when there is
// one, the load balancer's group, and both ARN suffixes.
func TestOwnerOutputs(t *testing.T) {
	var svc *components.DjangoService
	var mu sync.Mutex
	got := map[string]string{}
	res := testutil.Run(t, func(ctx *pulumi.Context) error {
		args := baseArgs()
		args.CertificateArn = pulumi.String("arn:aws:acm:us-east-1:123456789012:certificate/abc")
		var err error
		if svc, err = components.NewDjangoService(ctx, "web", &args); err != nil {
			return err
		}
		for k, o := range map[string]pulumi.StringOutput{"listener": svc.ListenerArn, "sg": svc.LoadBalancerSecurityGroupID,
			"lb": svc.LoadBalancerArnSuffix, "tg": svc.TargetGroupArnSuffix} {
			o.ApplyT(func(v string) string {
				mu.Lock()
				defer mu.Unlock()
				got[k] = v
				return v
			})
		}
		return nil
	})
	want := map[string]string{
		"listener": res.Named("web-https").ID, "sg": res.Named("web-alb-sg").ID,
		"lb": fmt.Sprint(testutil.One(t, res, "aws:lb/loadBalancer:LoadBalancer").Output("arnSuffix")),
		"tg": fmt.Sprint(testutil.One(t, res, "aws:lb/targetGroup:TargetGroup").Output("arnSuffix")),
	}
	for k, w := range want {
		if got[k] != w || w == "" {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

// TestNoFixedPartition guards the partition: every ARN the components build
// takes it from aws.GetPartition, so no source file may spell the "aws"
// partition into an ARN.
func TestNoFixedPartition(t *testing.T) {
	files, err := filepath.Glob("../../components/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("components sources: got %v %v, want some", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `"arn:aws:`) || strings.Contains(line, "`arn:aws:") {
				t.Errorf("%s:%d: got %s, want the partition from aws.GetPartition", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
