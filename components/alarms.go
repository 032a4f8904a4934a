package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CloudWatch namespaces and metrics the alarms and the dashboard use. Each
// is checked against AWS's metric documentation in tests/monitoring.
const (
	namespaceALB       = "AWS/ApplicationELB"
	namespaceECS       = "AWS/ECS"
	namespaceInsights  = "ECS/ContainerInsights"
	namespaceRDS       = "AWS/RDS"
	alarmPeriodSeconds = 60
)

// alarmSpec is one CloudWatch alarm on a single metric, or on a metric-math
// expression over several (Queries set, Metric empty).
type alarmSpec struct {
	role        string // child name suffix: "<component>-alarm-<role>"
	description string
	namespace   string
	metric      string
	dimensions  pulumi.StringMap
	statistic   string // Average, Sum, Minimum, Maximum, SampleCount
	extended    string // a percentile such as p99, instead of statistic
	queries     cloudwatch.MetricAlarmMetricQueryArray
	comparison  string
	threshold   float64
	periods     int // evaluation periods of alarmPeriodSeconds
	datapoints  int // of those, how many must breach
	missing     string
}

// newAlarm creates the alarm, notifying topic (when not nil) on ALARM and
// on OK, so people learn of both.
func newAlarm(ctx *pulumi.Context, owner string, spec alarmSpec, topic pulumi.StringInput, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*cloudwatch.MetricAlarm, error) {
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(spec.description),
		ComparisonOperator: pulumi.String(spec.comparison),
		Threshold:          pulumi.Float64(spec.threshold),
		EvaluationPeriods:  pulumi.Int(spec.periods),
		DatapointsToAlarm:  pulumi.Int(cmpOr(spec.datapoints, spec.periods)),
		TreatMissingData:   pulumi.String(cmpOr(spec.missing, "notBreaching")),
		Tags:               tags,
	}
	if spec.queries != nil {
		args.MetricQueries = spec.queries
	} else {
		args.Namespace = pulumi.String(spec.namespace)
		args.MetricName = pulumi.String(spec.metric)
		args.Dimensions = spec.dimensions
		args.Period = pulumi.Int(alarmPeriodSeconds)
		if spec.extended != "" {
			args.ExtendedStatistic = pulumi.String(spec.extended)
		} else {
			args.Statistic = pulumi.String(spec.statistic)
		}
	}
	if topic != nil {
		args.AlarmActions = pulumi.Array{topic}
		args.OkActions = pulumi.Array{topic}
	}
	return cloudwatch.NewMetricAlarm(ctx, child(owner, "alarm-"+spec.role), args, opts...)
}

// metricQuery is one metric of a metric-math alarm, not returned itself.
func metricQuery(id, namespace, metric, stat string, dims pulumi.StringMap) cloudwatch.MetricAlarmMetricQueryArgs {
	return cloudwatch.MetricAlarmMetricQueryArgs{
		Id: pulumi.String(id),
		Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace:  pulumi.String(namespace),
			MetricName: pulumi.String(metric),
			Dimensions: dims,
			Period:     pulumi.Int(alarmPeriodSeconds),
			Stat:       pulumi.String(stat),
		},
		ReturnData: pulumi.Bool(false),
	}
}
