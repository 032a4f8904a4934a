package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// monitoringIntervals are the Enhanced Monitoring intervals RDS accepts
// (CreateDBInstance MonitoringInterval), 0 meaning off.
var monitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

// DatabaseAlarmThresholds tune Database's alarms. A zero field takes its
// default.
type DatabaseAlarmThresholds struct {
	// CPUPercent is the average CPU over 10 minutes that raises the alarm.
	// Default 80; above 0, at most 100.
	CPUPercent float64 `pulumi:"cpuPercent,optional"`
	// FreeStorageGiB raises the alarm when free storage stays below it for
	// 5 minutes. Default a tenth of AllocatedStorage (storage autoscaling
	// adds room when free space falls under 10%, so this alarm means it
	// could not, or reached MaxAllocatedStorage).
	FreeStorageGiB float64 `pulumi:"freeStorageGiB,optional"`
	// Connections raises the alarm when more are open for 5 minutes.
	// Default 100: set it to about 80% of your instance class's
	// max_connections (LEAST(DBInstanceClassMemory/9531392, 5000)).
	Connections float64 `pulumi:"connections,optional"`
}

// defaults fills the zero fields and checks the ranges.
func (t *DatabaseAlarmThresholds) defaults(allocatedGiB int) error {
	t.CPUPercent = cmpOr(t.CPUPercent, 80)
	t.FreeStorageGiB = cmpOr(t.FreeStorageGiB, float64(allocatedGiB)/10)
	t.Connections = cmpOr(t.Connections, 100)
	switch {
	case t.CPUPercent <= 0 || t.CPUPercent > 100:
		return fmt.Errorf("cpuPercent %g is out of range; use a percentage above 0 and at most 100", t.CPUPercent)
	case t.FreeStorageGiB <= 0 || t.FreeStorageGiB >= float64(allocatedGiB):
		return fmt.Errorf("freeStorageGiB %g is out of range; use above 0 and below allocatedStorage (%d GiB)", t.FreeStorageGiB, allocatedGiB)
	case t.Connections < 1:
		return fmt.Errorf("connections %g is out of range; use 1 or more", t.Connections)
	}
	return nil
}

// databaseAlarms creates the CPU, free-storage and connections alarms.
// Replica lag has no alarm: this component creates no read replica.
func databaseAlarms(ctx *pulumi.Context, name string, a DatabaseArgs, identifier pulumi.StringInput, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (map[string]*cloudwatch.MetricAlarm, error) {
	t := *a.AlarmThresholds
	dims := pulumi.StringMap{"DBInstanceIdentifier": identifier}
	const gib = 1 << 30
	specs := []alarmSpec{{
		role:        "cpu",
		description: fmt.Sprintf("%s database: average CPU above %g%% for 10 minutes", name, t.CPUPercent),
		namespace:   namespaceRDS, metric: "CPUUtilization", dimensions: dims, statistic: "Average",
		comparison: "GreaterThanThreshold", threshold: t.CPUPercent, periods: 10,
	}, {
		role:        "free-storage",
		description: fmt.Sprintf("%s database: less than %g GiB of free storage for 5 minutes", name, t.FreeStorageGiB),
		namespace:   namespaceRDS, metric: "FreeStorageSpace", dimensions: dims, statistic: "Minimum",
		comparison: "LessThanThreshold", threshold: t.FreeStorageGiB * gib, periods: 5,
	}, {
		role:        "connections",
		description: fmt.Sprintf("%s database: more than %g connections for 5 minutes", name, t.Connections),
		namespace:   namespaceRDS, metric: "DatabaseConnections", dimensions: dims, statistic: "Maximum",
		comparison: "GreaterThanThreshold", threshold: t.Connections, periods: 5,
	}}
	alarms := map[string]*cloudwatch.MetricAlarm{}
	for _, spec := range specs {
		alarm, err := newAlarm(ctx, name+"-db", spec, a.AlarmTopicArn, tags, opts...)
		if err != nil {
			return nil, err
		}
		alarms[spec.role] = alarm
	}
	return alarms, nil
}

// newMonitoringRole is the role RDS assumes to publish Enhanced Monitoring
// metrics, trusted by monitoring.rds.amazonaws.com for this account only.
// Its inline policy grants what AWS's managed AmazonRDSEnhancedMonitoringRole
// grants, scoped to this account and region's RDSOSMetrics log group (the
// one RDS writes to, and creates with a 30-day retention). The instance
// must depend on the returned policy, so it never publishes before it may.
func newMonitoringRole(ctx *pulumi.Context, name string, tags pulumi.StringMap, parent pulumi.ResourceOrInvokeOption) (*iam.Role, *iam.RolePolicy, error) {
	id, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, nil, err
	}
	part, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return nil, nil, err
	}
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return nil, nil, err
	}
	trust := PolicyDocument{Version: policyVersion, Statement: []Statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "monitoring.rds.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": id.AccountId}},
	}}}
	group := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:RDSOSMetrics", part.Partition, region.Name, id.AccountId)
	policy := PolicyDocument{Version: policyVersion, Statement: []Statement{{
		Effect: "Allow", Action: []string{"logs:CreateLogGroup", "logs:PutRetentionPolicy"},
		Resource: []string{group},
	}, {
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"},
		Resource: []string{group + ":log-stream:*"},
	}}}
	role, err := iam.NewRole(ctx, child(name, "mon"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	rolePolicy, err := iam.NewRolePolicy(ctx, child(name, "db-monitoring-policy"), &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: pulumi.String(policy.JSON()),
	}, parent)
	return role, rolePolicy, err
}
