// Package monitoring_test checks the stack's alarms, dashboard, alarm-based
// rollback and audit trail (CONTROLS.md MON-1, S3-5) on the offline engine.
package monitoring_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// documented holds, per namespace and metric, the dimension sets and
// statistics AWS documents for it. Sources:
//   - AWS/ApplicationELB: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
//   - AWS/ECS: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html
//   - ECS/ContainerInsights: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html
//   - AWS/RDS: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html and dimensions.html
var documented = map[string]map[string]struct {
	dimensions []string // each a sorted, comma-joined set of dimension names
	statistics []string // "p" stands for any percentile
}{
	"AWS/ApplicationELB": {
		"RequestCount":              {[]string{"LoadBalancer", "LoadBalancer,TargetGroup", "TargetGroup"}, []string{"Sum"}},
		"HTTPCode_Target_5XX_Count": {[]string{"LoadBalancer", "LoadBalancer,TargetGroup", "TargetGroup"}, []string{"Sum"}},
		"HTTPCode_ELB_5XX_Count":    {[]string{"LoadBalancer"}, []string{"Sum"}},
		"TargetResponseTime":        {[]string{"LoadBalancer", "LoadBalancer,TargetGroup", "TargetGroup"}, []string{"Average", "p"}},
		"UnHealthyHostCount":        {[]string{"LoadBalancer,TargetGroup"}, []string{"Average", "Minimum", "Maximum"}},
		"HealthyHostCount":          {[]string{"LoadBalancer,TargetGroup"}, []string{"Average", "Minimum", "Maximum"}},
	},
	"AWS/ECS": {
		"CPUUtilization":    {[]string{"ClusterName", "ClusterName,ServiceName"}, []string{"Average", "Minimum", "Maximum"}},
		"MemoryUtilization": {[]string{"ClusterName", "ClusterName,ServiceName"}, []string{"Average", "Minimum", "Maximum"}},
	},
	"ECS/ContainerInsights": {
		"RunningTaskCount": {[]string{"ClusterName,ServiceName"}, []string{"Average", "Minimum", "Maximum"}},
	},
	"AWS/RDS": {
		"CPUUtilization":      {[]string{"DBInstanceIdentifier"}, []string{"Average", "Minimum", "Maximum"}},
		"FreeStorageSpace":    {[]string{"DBInstanceIdentifier"}, []string{"Average", "Minimum", "Maximum"}},
		"DatabaseConnections": {[]string{"DBInstanceIdentifier"}, []string{"Average", "Minimum", "Maximum", "Sum"}},
	},
}

// checkMetric reports what is wrong with a metric reference, or "".
func checkMetric(namespace, metric string, dims []string, stat string) string {
	facts, ok := documented[namespace][metric]
	if !ok {
		return namespace + " " + metric + " is not a documented metric"
	}
	sort.Strings(dims)
	if !slices.Contains(facts.dimensions, strings.Join(dims, ",")) {
		return namespace + " " + metric + ": dimensions " + strings.Join(dims, ",") + " are not documented for it"
	}
	if strings.HasPrefix(stat, "p") && len(stat) > 1 {
		stat = "p"
	}
	if !slices.Contains(facts.statistics, stat) {
		return namespace + " " + metric + ": statistic " + stat + " is not a useful statistic for it"
	}
	return ""
}

func keys(m any) []string {
	var out []string
	if mm, ok := m.(map[string]any); ok {
		for k := range mm {
			out = append(out, k)
		}
	}
	return out
}

// TestAlarmMetricsAreDocumented: every alarm of the production stack, and
// every metric of its metric-math alarms, names a documented metric with
// documented dimensions and a useful statistic.
func TestAlarmMetricsAreDocumented(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	alarms := res.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	if len(alarms) == 0 {
		t.Fatal("production has no alarms")
	}
	for _, a := range alarms {
		if queries, ok := a.Input("metricQueries").([]any); ok && len(queries) > 0 {
			for _, q := range queries {
				m, _ := q.(map[string]any)["metric"].(map[string]any)
				if m == nil {
					continue // the expression
				}
				if msg := checkMetric(m["namespace"].(string), m["metricName"].(string), keys(m["dimensions"]), m["stat"].(string)); msg != "" {
					t.Errorf("%s: %s", a.Name, msg)
				}
			}
			continue
		}
		stat := a.InputString("statistic")
		if stat == "" {
			stat = a.InputString("extendedStatistic")
		}
		if msg := checkMetric(a.InputString("namespace"), a.InputString("metricName"), keys(a.Input("dimensions")), stat); msg != "" {
			t.Errorf("%s: %s", a.Name, msg)
		}
	}
}

// TestCheckMetricRefusesUndocumented keeps the table honest: a wrong
// dimension, metric or statistic is caught.
func TestCheckMetricRefusesUndocumented(t *testing.T) {
	for _, c := range []struct{ ns, metric, stat string }{
		{"AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum"}, // with a TargetGroup dimension below
		{"AWS/ECS", "RunningTaskCount", "Minimum"},
		{"AWS/RDS", "CPUUtilization", "Sum"},
	} {
		dims := []string{"ClusterName", "ServiceName"}
		if c.ns == "AWS/ApplicationELB" {
			dims = []string{"LoadBalancer", "TargetGroup"}
		} else if c.ns == "AWS/RDS" {
			dims = []string{"DBInstanceIdentifier"}
		}
		if checkMetric(c.ns, c.metric, dims, c.stat) == "" {
			t.Errorf("checkMetric(%s %s %v %s): got no complaint, want one", c.ns, c.metric, dims, c.stat)
		}
	}
}

// TestProductionAlarmsNotify: production has the topic, every alarm
// notifies it on ALARM and OK, and the expected alarms exist.
func TestProductionAlarmsNotify(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	topic := testutil.One(t, res, "aws:sns/topic:Topic")
	var names []string
	for _, a := range res.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		names = append(names, a.Name)
		for _, field := range []string{"alarmActions", "okActions"} {
			got, _ := a.Input(field).([]any)
			if len(got) != 1 || got[0] != topic.Output("arn") {
				t.Errorf("%s %s: got %v, want [%v]", a.Name, field, got, topic.Output("arn"))
			}
		}
	}
	sort.Strings(names)
	want := []string{
		"djangofargate-alarm-5xx", "djangofargate-alarm-cpu", "djangofargate-alarm-latency-p99",
		"djangofargate-alarm-memory", "djangofargate-alarm-running-tasks", "djangofargate-alarm-unhealthy-targets",
		"djangofargate-db-alarm-connections", "djangofargate-db-alarm-cpu", "djangofargate-db-alarm-free-storage",
	}
	if !slices.Equal(names, want) {
		t.Errorf("alarms: got %v, want %v", names, want)
	}
	policy := testutil.One(t, res, "aws:sns/topicPolicy:TopicPolicy").InputString("policy")
	if !strings.Contains(policy, `"cloudwatch.amazonaws.com"`) || !strings.Contains(policy, `"aws:SourceAccount":"`+offline.Account+`"`) {
		t.Errorf("topic policy: got %s, want cloudwatch.amazonaws.com limited to account %s", policy, offline.Account)
	}
	testutil.One(t, res, "aws:cloudwatch/dashboard:Dashboard")
}

// TestDeploymentAlarmsRollBack: the service's deployment alarms are the 5xx
// and latency alarms, enabled, with rollback (MON-1).
func TestDeploymentAlarmsRollBack(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	if svc.Input("alarms.enable") != true || svc.Input("alarms.rollback") != true {
		t.Errorf("deployment alarms: got enable %v rollback %v, want both true", svc.Input("alarms.enable"), svc.Input("alarms.rollback"))
	}
	got, _ := svc.Input("alarms.alarmNames").([]any)
	var want []any
	for _, name := range []string{"djangofargate-alarm-5xx", "djangofargate-alarm-latency-p99"} {
		want = append(want, res.Named(name).Output("name"))
	}
	if !slices.Equal(got, want) {
		t.Errorf("deployment alarm names: got %v, want %v", got, want)
	}
}

// TestDevelopmentHasNoAlarms: the development profile trades alarms, the
// topic, the dashboard and Enhanced Monitoring for cost.
func TestDevelopmentHasNoAlarms(t *testing.T) {
	res := testutil.MustRunStack(t, "dev", nil)
	for _, typ := range []string{"aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "aws:cloudwatch/dashboard:Dashboard"} {
		if n := len(res.ByType(typ)); n != 0 {
			t.Errorf("%s in development: got %d, want 0", typ, n)
		}
	}
	if svc := testutil.One(t, res, "aws:ecs/service:Service"); svc.Input("alarms") != nil {
		t.Errorf("development service alarms: got %v, want none", svc.Input("alarms"))
	}
	if db := testutil.One(t, res, "aws:rds/instance:Instance"); db.Input("monitoringInterval") != float64(0) && db.Input("monitoringInterval") != nil {
		t.Errorf("development monitoringInterval: got %v, want 0 or unset", db.Input("monitoringInterval"))
	}
}

// TestEnhancedMonitoring: production's instance publishes OS metrics every
// 60 s through a role RDS may assume for this account, whose policy is
// scoped to RDSOSMetrics and exists before the instance.
func TestEnhancedMonitoring(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	db := testutil.One(t, res, "aws:rds/instance:Instance")
	role := res.Named("djangofargate-mon")
	policy := res.Named("djangofargate-db-monitoring-policy")
	if role == nil || policy == nil {
		t.Fatal("no monitoring role or policy")
	}
	if db.Input("monitoringInterval") != float64(60) || db.Input("monitoringRoleArn") != role.Output("arn") {
		t.Errorf("instance: got interval %v role %v, want 60 and %v", db.Input("monitoringInterval"), db.Input("monitoringRoleArn"), role.Output("arn"))
	}
	if !slices.Contains(db.Dependencies, policy.URN) {
		t.Errorf("instance dependencies: got %v, want the monitoring policy %s", db.Dependencies, policy.URN)
	}
	trust := role.InputString("assumeRolePolicy")
	if !strings.Contains(trust, "monitoring.rds.amazonaws.com") || !strings.Contains(trust, offline.Account) {
		t.Errorf("trust: got %s, want monitoring.rds.amazonaws.com for account %s", trust, offline.Account)
	}
	var doc components.PolicyDocument
	if err := json.Unmarshal([]byte(policy.InputString("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, st := range doc.Statement {
		for _, r := range st.Resource {
			if !strings.Contains(r, ":log-group:RDSOSMetrics") || strings.Contains(r, ":*:") {
				t.Errorf("monitoring policy resource: got %s, want this account's RDSOSMetrics group", r)
			}
		}
	}
}

// TestMediaAccessLogs: the media bucket's server access logs go to the log
// bucket under s3/media/, after the log bucket's policy lets S3's log
// delivery write there for this account only (S3-5).
func TestMediaAccessLogs(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	logging := testutil.One(t, res, "aws:s3/bucketLoggingV2:BucketLoggingV2")
	media, logs := res.Named("djangofargate-media"), res.Named("djangofargate-logs")
	logPolicy := res.Named("djangofargate-logs-policy")
	if logging.Input("bucket") != media.ID || logging.Input("targetBucket") != logs.ID || logging.InputString("targetPrefix") != components.MediaAccessLogPrefix {
		t.Errorf("logging: got %v -> %v/%v, want %s -> %s/%s", logging.Input("bucket"), logging.Input("targetBucket"),
			logging.Input("targetPrefix"), media.ID, logs.ID, components.MediaAccessLogPrefix)
	}
	if !slices.Contains(logging.Dependencies, logPolicy.URN) {
		t.Errorf("logging dependencies: got %v, want the log bucket policy", logging.Dependencies)
	}
	policy := logPolicy.InputString("policy")
	if !strings.Contains(policy, `"logging.s3.amazonaws.com"`) || !strings.Contains(policy, `/s3/media/*"`) ||
		!strings.Contains(policy, `"aws:SourceAccount":"`+offline.Account+`"`) {
		t.Errorf("log bucket policy: got %s, want logging.s3.amazonaws.com on s3/media/* for account %s", policy, offline.Account)
	}
	dev := testutil.MustRunStack(t, "dev", nil)
	if n := len(dev.ByType("aws:s3/bucketLoggingV2:BucketLoggingV2")); n != 0 {
		t.Errorf("development media logging: got %d, want 0 (no log bucket)", n)
	}
}

// TestThresholdValidation: thresholds out of range and media access logs
// without a log bucket are refused, naming the field, with nothing made.
func TestThresholdValidation(t *testing.T) {
	off := false
	cases := []struct {
		name, component, field, message string
		program                         pulumi.RunFunc
	}{
		{"media logs without log bucket", "Storage", "mediaAccessLogs", "needs accessLogs", func(ctx *pulumi.Context) error {
			on := true
			_, err := components.NewStorage(ctx, "s", &components.StorageArgs{AccessLogs: &off, MediaAccessLogs: &on})
			return err
		}},
		{"alerts email", "Alerts", "email", "is not an e-mail address", func(ctx *pulumi.Context) error {
			_, err := components.NewAlerts(ctx, "s", &components.AlertsArgs{Email: "ops at example"})
			return err
		}},
		{"dashboard without service", "Dashboard", "loadBalancer", "is required", func(ctx *pulumi.Context) error {
			_, err := components.NewDashboard(ctx, "s", &components.DashboardArgs{})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := testutil.RunErr(c.program)
			testutil.AssertRefused(t, res, err, c.component, "s", c.field, c.message)
		})
	}
	for _, bad := range []struct {
		config, message string
	}{
		{"errorRatePercent", "errorRatePercent 101 is out of range"},
		{"cpuPercent", "cpuPercent -1 is out of range"},
		{"latencyP99Seconds", "latencyP99Seconds 601 is out of range"},
	} {
		th := components.ServiceAlarmThresholds{}
		switch bad.config {
		case "errorRatePercent":
			th.ErrorRatePercent = 101
		case "cpuPercent":
			th.CPUPercent = -1
		case "latencyP99Seconds":
			th.LatencyP99Seconds = 601
		}
		args := validServiceArgs()
		args.AlarmThresholds = &th
		err := args.Validate()
		if err == nil || !strings.Contains(err.Error(), "alarmThresholds: "+bad.message) {
			t.Errorf("thresholds %+v: got %v, want %q", th, err, "alarmThresholds: "+bad.message)
		}
	}
}

// validServiceArgs are DjangoService arguments with every required input
// set to a fake.
func validServiceArgs() components.DjangoServiceArgs {
	return components.DjangoServiceArgs{
		VpcID:                   pulumi.String("vpc-0abc"),
		PublicSubnetIDs:         pulumi.ToStringArray([]string{"subnet-pub-a", "subnet-pub-b"}),
		PrivateSubnetIDs:        pulumi.ToStringArray([]string{"subnet-priv-a", "subnet-priv-b"}),
		ImageURI:                pulumi.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + strings.Repeat("a", 64)),
		RepositoryArn:           pulumi.String("arn:aws:ecr:us-east-1:123456789012:repository/app"),
		DatabaseHost:            pulumi.String("db.example.internal"),
		DatabasePort:            pulumi.Int(5432),
		DatabaseName:            pulumi.String("app"),
		DatabaseAppSecretArn:    pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"),
		DatabaseOwnerSecretArn:  pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:owner-AbCdEf"),
		DatabaseMasterSecretArn: pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"),
		TaskPolicyJSON:          pulumi.String(`{"Version":"2012-10-17","Statement":[]}`),
	}
}
