package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ServiceAlarmThresholds tune DjangoService's alarms. A zero field takes
// its default.
type ServiceAlarmThresholds struct {
	// ErrorRatePercent is the share of requests answered 5xx (by the targets
	// or the load balancer itself) over 3 consecutive minutes that raises
	// the alarm, and rolls a deployment back. Default 5; above 0, at most 100.
	// Minutes with fewer than 20 requests never alarm.
	ErrorRatePercent float64 `pulumi:"errorRatePercent,optional"`
	// LatencyP99Seconds is the targets' p99 response time over 5 consecutive
	// minutes that raises the alarm, and rolls a deployment back. Default 2.
	LatencyP99Seconds float64 `pulumi:"latencyP99Seconds,optional"`
	// CPUPercent and MemoryPercent are the service's average utilisation
	// over 10 minutes that raises their alarms (autoscaling should have
	// acted before). Defaults 85; above 0, at most 100.
	CPUPercent    float64 `pulumi:"cpuPercent,optional"`
	MemoryPercent float64 `pulumi:"memoryPercent,optional"`
}

// minRequestsForErrorRate keeps a quiet minute's single 5xx from alarming.
const minRequestsForErrorRate = 20

// defaults fills the zero fields and checks the ranges.
func (t *ServiceAlarmThresholds) defaults() error {
	t.ErrorRatePercent = cmpOr(t.ErrorRatePercent, 5)
	t.LatencyP99Seconds = cmpOr(t.LatencyP99Seconds, 2)
	t.CPUPercent = cmpOr(t.CPUPercent, 85)
	t.MemoryPercent = cmpOr(t.MemoryPercent, 85)
	for _, p := range []struct {
		name string
		v    float64
	}{{"errorRatePercent", t.ErrorRatePercent}, {"cpuPercent", t.CPUPercent}, {"memoryPercent", t.MemoryPercent}} {
		if p.v <= 0 || p.v > 100 {
			return fmt.Errorf("%s %g is out of range; use a percentage above 0 and at most 100", p.name, p.v)
		}
	}
	if t.LatencyP99Seconds <= 0 || t.LatencyP99Seconds > 600 {
		return fmt.Errorf("latencyP99Seconds %g is out of range; use above 0 and at most 600", t.LatencyP99Seconds)
	}
	return nil
}

// albDimensions names the load balancer, and the target group when tg is set.
func (b *serviceBuilder) albDimensions(tg bool) pulumi.StringMap {
	d := pulumi.StringMap{"LoadBalancer": b.lbArnSuffix}
	if tg {
		d["TargetGroup"] = b.s.TargetGroup.ArnSuffix
	}
	return d
}

// deploymentAlarms creates the 5xx-rate and p99-latency alarms before the
// service, which names them as its deployment alarms with rollback
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
func (b *serviceBuilder) deploymentAlarms() error {
	if !*b.a.Alarms {
		return nil
	}
	t := *b.a.AlarmThresholds
	specs := []alarmSpec{{
		role: "5xx",
		description: fmt.Sprintf("%s: more than %g%% of requests answered 5xx for 3 minutes; rolls a deployment back",
			b.name, t.ErrorRatePercent),
		queries: cloudwatch.MetricAlarmMetricQueryArray{
			metricQuery("target5xx", namespaceALB, "HTTPCode_Target_5XX_Count", "Sum", b.albDimensions(false)),
			metricQuery("elb5xx", namespaceALB, "HTTPCode_ELB_5XX_Count", "Sum", b.albDimensions(false)),
			metricQuery("requests", namespaceALB, "RequestCount", "Sum", b.albDimensions(false)),
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String("errorRate"),
				Expression: pulumi.Sprintf("IF(requests >= %d, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)",
					minRequestsForErrorRate),
				Label:      pulumi.String("5xx rate (%)"),
				ReturnData: pulumi.Bool(true),
			},
		},
		comparison: "GreaterThanThreshold", threshold: t.ErrorRatePercent, periods: 3,
	}, {
		role: "latency-p99",
		description: fmt.Sprintf("%s: p99 target response time above %gs for 5 minutes; rolls a deployment back",
			b.name, t.LatencyP99Seconds),
		namespace: namespaceALB, metric: "TargetResponseTime", dimensions: b.albDimensions(true), extended: "p99",
		comparison: "GreaterThanThreshold", threshold: t.LatencyP99Seconds, periods: 5,
	}}
	names := pulumi.StringArray{}
	for _, spec := range specs {
		alarm, err := newAlarm(b.ctx, b.name, spec, b.a.AlarmTopicArn, b.tags, b.parent)
		if err != nil {
			return err
		}
		b.s.MetricAlarms[spec.role] = alarm
		names = append(names, alarm.Name)
	}
	b.rollbackAlarms = &ecs.ServiceAlarmsArgs{AlarmNames: names, Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)}
	return nil
}

// serviceAlarms creates the alarms that need the service's name: unhealthy
// targets, CPU, memory and, with Container Insights, running tasks below
// the minimum.
func (b *serviceBuilder) serviceAlarms() error {
	if !*b.a.Alarms {
		return nil
	}
	t := *b.a.AlarmThresholds
	service := pulumi.StringMap{"ClusterName": b.s.ClusterName, "ServiceName": b.s.ServiceName}
	specs := []alarmSpec{{
		role:        "unhealthy-targets",
		description: b.name + ": a target failed its load balancer health check for 5 minutes",
		namespace:   namespaceALB, metric: "UnHealthyHostCount", dimensions: b.albDimensions(true), statistic: "Maximum",
		comparison: "GreaterThanThreshold", threshold: 0, periods: 5,
	}, {
		role:        "cpu",
		description: fmt.Sprintf("%s: average CPU above %g%% for 10 minutes", b.name, t.CPUPercent),
		namespace:   namespaceECS, metric: "CPUUtilization", dimensions: service, statistic: "Average",
		comparison: "GreaterThanThreshold", threshold: t.CPUPercent, periods: 10,
	}, {
		role:        "memory",
		description: fmt.Sprintf("%s: average memory above %g%% for 10 minutes", b.name, t.MemoryPercent),
		namespace:   namespaceECS, metric: "MemoryUtilization", dimensions: service, statistic: "Average",
		comparison: "GreaterThanThreshold", threshold: t.MemoryPercent, periods: 10,
	}}
	if b.s.Cluster != nil && *b.a.ContainerInsights {
		specs = append(specs, alarmSpec{
			role:        "running-tasks",
			description: fmt.Sprintf("%s: fewer than %d running tasks for 5 minutes", b.name, b.a.MinTasks),
			namespace:   namespaceInsights, metric: "RunningTaskCount", dimensions: service, statistic: "Minimum",
			comparison: "LessThanThreshold", threshold: float64(b.a.MinTasks), periods: 5, missing: "breaching",
		})
	}
	for _, spec := range specs {
		alarm, err := newAlarm(b.ctx, b.name, spec, b.a.AlarmTopicArn, b.tags, b.parent)
		if err != nil {
			return err
		}
		b.s.MetricAlarms[spec.role] = alarm
	}
	return nil
}
