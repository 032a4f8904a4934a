package components

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DashboardArgs configure Dashboard. Every field is required but
// DatabaseIdentifier.
type DashboardArgs struct {
	// LoadBalancer and TargetGroup are the ARN suffixes CloudWatch names
	// them by (lb.LoadBalancer.ArnSuffix, lb.TargetGroup.ArnSuffix).
	LoadBalancer pulumi.StringInput `pulumi:"loadBalancer"`
	TargetGroup  pulumi.StringInput `pulumi:"targetGroup"`
	// ClusterName and ServiceName name the ECS service.
	ClusterName pulumi.StringInput `pulumi:"clusterName"`
	ServiceName pulumi.StringInput `pulumi:"serviceName"`
	// DatabaseIdentifier is the RDS instance identifier; without it the
	// dashboard has no database row.
	DatabaseIdentifier pulumi.StringInput `pulumi:"databaseIdentifier,optional"`
	// DashboardName is the dashboard's name, unique in the account and
	// region. Default "<name>-<stack>".
	DashboardName string `pulumi:"dashboardName,optional"`
}

// Dashboard is one CloudWatch dashboard with the metrics the alarms watch:
// requests and 5xx, p50/p99 latency, healthy and unhealthy targets, task
// CPU and memory, and the database's CPU, free storage and connections.
type Dashboard struct {
	pulumi.ResourceState

	// DashboardName is the dashboard's name in the CloudWatch console.
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`

	// Dashboard is the CloudWatch dashboard.
	Dashboard *cloudwatch.Dashboard
}

// dashboardWidget is a CloudWatch metric widget
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
type dashboardWidget struct {
	Type       string                  `json:"type"`
	X          int                     `json:"x"`
	Y          int                     `json:"y"`
	Width      int                     `json:"width"`
	Height     int                     `json:"height"`
	Properties dashboardWidgetProperty `json:"properties"`
}

// dashboardWidgetProperty holds a metric widget's metrics and display.
type dashboardWidgetProperty struct {
	Title   string  `json:"title"`
	Region  string  `json:"region"`
	View    string  `json:"view"`
	Stat    string  `json:"stat"`
	Period  int     `json:"period"`
	Metrics [][]any `json:"metrics"`
}

// NewDashboard creates the dashboard.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*Dashboard, error) {
	if args == nil {
		args = &DashboardArgs{}
	}
	for _, f := range []struct {
		field string
		v     pulumi.StringInput
	}{
		{"loadBalancer", args.LoadBalancer}, {"targetGroup", args.TargetGroup},
		{"clusterName", args.ClusterName}, {"serviceName", args.ServiceName},
	} {
		if f.v == nil {
			return nil, argError("Dashboard", name, f.field, "is required")
		}
	}
	d := &Dashboard{}
	if err := ctx.RegisterComponentResource(typePrefix+"Dashboard", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	db := pulumi.StringInput(pulumi.String(""))
	if args.DatabaseIdentifier != nil {
		db = args.DatabaseIdentifier
	}
	body := pulumi.All(args.LoadBalancer, args.TargetGroup, args.ClusterName, args.ServiceName, db).ApplyT(func(v []any) string {
		return dashboardBody(region.Name, v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string))
	}).(pulumi.StringOutput)
	d.Dashboard, err = cloudwatch.NewDashboard(ctx, child(name, "dashboard"), &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(cmpOr(args.DashboardName, name+"-"+ctx.Stack())),
		DashboardBody: body,
	}, parent)
	if err != nil {
		return nil, err
	}
	d.DashboardName = d.Dashboard.DashboardName
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"dashboardName": d.DashboardName})
}

// dashboardBody lays the widgets out two to a row, 12 units wide each.
func dashboardBody(region, alb, tg, cluster, service, db string) string {
	type panel struct {
		title, stat string
		metrics     [][]any
	}
	lb := []any{"LoadBalancer", alb}
	lbTG := []any{"TargetGroup", tg, "LoadBalancer", alb}
	svc := []any{"ClusterName", cluster, "ServiceName", service}
	metric := func(ns, name string, dims []any, extra ...any) []any {
		return append(append([]any{ns, name}, dims...), extra...)
	}
	panels := []panel{
		{"Requests and 5xx", "Sum", [][]any{
			metric(namespaceALB, "RequestCount", lb),
			metric(namespaceALB, "HTTPCode_Target_5XX_Count", lb),
			metric(namespaceALB, "HTTPCode_ELB_5XX_Count", lb),
		}},
		{"Target response time", "p99", [][]any{
			metric(namespaceALB, "TargetResponseTime", lbTG, map[string]string{"stat": "p50"}),
			metric(namespaceALB, "TargetResponseTime", lbTG, map[string]string{"stat": "p99"}),
		}},
		{"Targets", "Maximum", [][]any{
			metric(namespaceALB, "HealthyHostCount", lbTG),
			metric(namespaceALB, "UnHealthyHostCount", lbTG),
		}},
		{"Tasks: CPU and memory (%)", "Average", [][]any{
			metric(namespaceECS, "CPUUtilization", svc),
			metric(namespaceECS, "MemoryUtilization", svc),
		}},
	}
	if db != "" {
		rds := []any{"DBInstanceIdentifier", db}
		panels = append(panels,
			panel{"Database CPU (%)", "Average", [][]any{metric(namespaceRDS, "CPUUtilization", rds)}},
			panel{"Database free storage (bytes)", "Minimum", [][]any{metric(namespaceRDS, "FreeStorageSpace", rds)}},
			panel{"Database connections", "Maximum", [][]any{metric(namespaceRDS, "DatabaseConnections", rds)}},
		)
	}
	widgets := make([]dashboardWidget, len(panels))
	for i, p := range panels {
		widgets[i] = dashboardWidget{
			Type: "metric", X: (i % 2) * 12, Y: (i / 2) * 6, Width: 12, Height: 6,
			Properties: dashboardWidgetProperty{
				Title: p.title, Region: region, View: "timeSeries", Stat: p.stat, Period: alarmPeriodSeconds, Metrics: p.metrics,
			},
		}
	}
	b, err := json.Marshal(map[string]any{"widgets": widgets})
	if err != nil {
		panic(err) // only strings, numbers, maps and slices
	}
	return string(b)
}
