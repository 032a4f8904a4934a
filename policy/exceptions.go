package policy

import "slices"

// Exception is a named, documented reason why a Fail finding is accepted.
// It applies to findings of one control whose Code is one of Codes, in
// Profile (every profile when ""), and, when Subjects is set, only when every
// subject of the finding is one of Subjects: an exception is as narrow as its
// reason.
type Exception struct {
	// Name identifies the exception in the report.
	Name string
	// Control is the control ID it applies to.
	Control string
	// Codes are the finding codes it covers.
	Codes []string
	// Profile limits it to one profile; "" means every profile.
	Profile string
	// Subjects, when set, bound what it covers (see Exception).
	Subjects []string
	// Reason is why the miss is accepted; the report prints it.
	Reason string
	// References are the checker rules that flag the miss.
	References []string
}

func (e Exception) covers(f *Finding, profile string) bool {
	if e.Control != f.Control || !slices.Contains(e.Codes, f.Code) {
		return false
	}
	if e.Profile != "" && e.Profile != profile {
		return false
	}
	if len(e.Subjects) > 0 {
		if len(f.Subjects) == 0 {
			return false
		}
		for _, s := range f.Subjects {
			if !slices.Contains(e.Subjects, s) {
				return false
			}
		}
	}
	return true
}

// Exceptions returns every named exception: the development profile's
// documented trade-offs, then the known checker conflicts.
func Exceptions() []Exception {
	return append(DevelopmentTradeOffs(), CheckerConflicts()...)
}

// UnscopableActions are the IAM actions AWS authorizes only on Resource "*":
// ECR's registry login token and the SSM session channels ECS Exec opens.
var UnscopableActions = []string{
	"ecr:GetAuthorizationToken",
	"ssmmessages:CreateControlChannel",
	"ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel",
	"ssmmessages:OpenDataChannel",
}

// ManagedExecutionRolePolicy is AWS's managed policy for the ECS task
// execution role.
const ManagedExecutionRolePolicy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

// DevelopmentTradeOffs are the cost trade-offs the development profile makes
// (stacks/config.go), each applicable only when the document's config says
// djangofargate:profile is development; setting the key back (for example
// djangofargate:flowLogs true) meets the control again. NET-5's interface
// endpoints are the one trade-off the table allows in production too (C in
// both columns).
func DevelopmentTradeOffs() []Exception {
	dev := func(name, control string, codes []string, reason string) Exception {
		return Exception{Name: name, Control: control, Codes: codes, Profile: Development, Reason: reason}
	}
	return []Exception{
		dev("DevNoFlowLogs", "NET-1", []string{"no-flow-log"},
			"development: VPC flow logs are off to save CloudWatch ingestion (djangofargate:flowLogs)"),
		dev("DevSingleNat", "NET-3", []string{"single-nat"},
			"development: one NAT gateway for every AZ saves a NAT gateway's hourly cost; an AZ outage cuts egress (djangofargate:natGateways)"),
		{Name: "NoInterfaceEndpoints", Control: "NET-5", Codes: []string{"no-interface-endpoints"},
			Reason: "interface endpoints are off (djangofargate:vpcEndpoints false): tasks reach ECR, Logs and Secrets Manager through NAT over TLS, saving the endpoints' hourly cost per AZ"},
		dev("DevNoContainerInsights", "ECS-6", []string{"insights-off"},
			"development: Container Insights is off to save CloudWatch metrics cost (djangofargate:containerInsights)"),
		dev("DevSingleTask", "ECS-11", []string{"single-task"},
			"development: one task and autoscaling from 1 save Fargate cost; a task replacement is an outage (djangofargate:desiredCount, minTasks)"),
		dev("DevNoAccessLogs", "ELB-5", []string{"no-access-logs"},
			"development: no ALB access logs and no log bucket (djangofargate:albAccessLogs)"),
		dev("DevAlbDeletable", "ELB-6", []string{"no-deletion-protection"},
			"development: the load balancer can be deleted with the stack (djangofargate:albDeletionProtection)"),
		dev("DevSingleAZDatabase", "RDS-3", []string{"single-az"},
			"development: a single-AZ database halves its cost; an AZ outage stops it (djangofargate:dbMultiAz)"),
		dev("DevDatabaseDeletable", "RDS-5", []string{"no-deletion-protection", "no-final-snapshot"},
			"development: the database has no deletion protection and no final snapshot, so `pulumi destroy` removes it (djangofargate:dbDeletionProtection)"),
		dev("DevNoPerformanceInsights", "RDS-10", []string{"no-performance-insights"},
			"development: Performance Insights is off (djangofargate:dbPerformanceInsights)"),
		dev("DevNoMediaAccessLogs", "S3-5", []string{"no-access-logging"},
			"development: no server access logs for the media bucket"),
		dev("DevNoAlarms", "MON-1", []string{"no-alarms"},
			"development: no 5xx and latency alarms and no alarm-based rollback; the circuit breaker still rolls back failed deployments"),
		dev("DevDataNotProtected", "DATA-1", []string{"not-protected", "not-retained"},
			"development: the database and media bucket are not `protect`ed, so the stack can be destroyed (djangofargate:protect)"),
	}
}

// CheckerConflicts are the places where a checker's rule contradicts the
// design on purpose (the end of CONTROLS.md), in every profile.
func CheckerConflicts() []Exception {
	return []Exception{
		{Name: "AlbInternetIngress", Control: "NET-4", Codes: []string{"alb-internet-ingress"},
			Reason:     "the internet-facing load balancer is the intended entry point; only its security group is open, on 80 and 443",
			References: []string{"NAG EC23", "CK CKV_AWS_260"}},
		{Name: "HttpTargetGroupBehindTLS", Control: "ELB-1", Codes: []string{"http-target-group"},
			Reason:     "TLS terminates at the load balancer; it reaches the tasks over HTTP inside the VPC, on the task security group's one port",
			References: []string{"CK CKV_AWS_378"}},
		{Name: "EnvironmentWithoutSecrets", Control: "ECS-4", Codes: []string{"environment-entries"},
			Reason:     "the environment holds configuration only (no secret-like names); secrets come through `secrets` by ARN",
			References: []string{"NAG ECS2"}},
		{Name: "SecretArnReference", Control: "ECS-4", Codes: []string{"secret-arn-reference"},
			Reason:     "a *_SECRET_ARN entry holds a Secrets Manager ARN, a reference and not a secret: the app reads the secret when it connects, so a rotation needs no restart (RDS-11)",
			References: []string{"NAG ECS2"}},
		{Name: "AlbLogDeliveryGrant", Control: "RES-1", Codes: []string{"alb-log-delivery"},
			Reason:     "the log bucket lets Elastic Load Balancing's log delivery (its regional account or ElbLogDeliveryService) put objects under AWSLogs/, as AWS requires for ALB access logs",
			References: []string{"IAM Access Analyzer cross-account finding"}},
		{Name: "UnscopableActions", Control: "IAM-1", Codes: []string{"wildcard-resource"}, Subjects: UnscopableActions,
			Reason:     "AWS authorizes ecr:GetAuthorizationToken and the ssmmessages:*Channel actions only on Resource \"*\"; the statement holds no other action",
			References: []string{"NAG IAM5", "CK CKV_AWS_355"}},
		{Name: "ManagedExecutionRolePolicy", Control: "IAM-1", Codes: []string{"aws-managed-policy"}, Subjects: []string{ManagedExecutionRolePolicy},
			Reason:     "AWS's AmazonECSTaskExecutionRolePolicy is the documented execution role policy, used instead of an inline scoped one",
			References: []string{"NAG IAM4"}},
	}
}
