// Package deploypolicy generates the IAM policy the principal that deploys a
// stack needs: what `pulumi up` creates, reads, updates and deletes for the
// stack's resources, the image push, and what the migration hook calls.
//
// It reads a stack as a preview records it (type tokens, logical names,
// inputs), never the component types, so it follows the program. Resources
// are scoped to the stack's names and to the credentials' own account
// (${aws:PrincipalAccount}) and region wherever the action takes a resource
// (IAM policy variables: any single-valued global condition key, IAM User
// Guide, "IAM policy elements: Variables and tags"); the actions AWS grants
// only on "*" carry a region condition and a Sid that ends in
// "OnAnyResource". A resource type it has no permissions for is an error,
// not a silent gap: add it to the table.
//
// The tables follow what the Pulumi AWS provider (the Terraform AWS provider
// underneath) calls for each resource and the AWS Service Authorization
// Reference; only a real `pulumi up` with the policy proves them.
package deploypolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Account is the account part of every ARN: the credentials' own account.
const Account = "${aws:PrincipalAccount}"

// Resource is one resource of the stack, as a preview records it.
type Resource struct {
	// Type is the Pulumi type token, e.g. "aws:s3/bucketV2:BucketV2".
	Type string
	// Name is the logical name. An auto-named resource's physical name is
	// this, a hyphen and a random suffix.
	Name string
	// Inputs are the inputs as plain values (strings, numbers, maps,
	// slices); an explicit name input wins over auto-naming.
	Inputs map[string]any
}

// Stack is what the policy is for.
type Stack struct {
	// Region is the stack's aws:region. Required.
	Region string
	// Resources are the stack's resources, components included.
	Resources []Resource
	// Migrations is true when the migration hook runs on deploys (the
	// service has resource hooks): it adds HookActions.
	Migrations bool
}

// Document is an IAM policy document.
type Document struct {
	// Version is always "2012-10-17", the version policy variables need.
	Version string
	// Statement lists the grants, in a stable order.
	Statement []Statement
}

// Statement is one statement of a Document.
type Statement struct {
	// Sid names what the statement is for.
	Sid string
	// Effect is always "Allow".
	Effect string
	// Action is sorted and has no duplicates.
	Action []string
	// Resource is sorted and has no duplicates.
	Resource []string
	// Condition, when set, narrows the statement further.
	Condition map[string]map[string]any `json:",omitempty"`
}

// HookActions are the AWS API calls the migration hook makes
// (components.Migrator: ecs.RunTask, ecs.DescribeTasks; a failure names the
// log stream instead of reading it), plus iam:PassRole, which RunTask needs
// for the task definition's execution role and the migration role override.
var HookActions = []string{"ecs:RunTask", "ecs:DescribeTasks", "iam:PassRole"}

// PassedToServices are the services the stack's roles may be passed to:
// ECS tasks (task, execution and migration roles), VPC flow logs and RDS
// Enhanced Monitoring.
var PassedToServices = []string{"ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com", "scheduler.amazonaws.com"}

// serviceLinkedRoles are the service-linked roles a first deploy in an
// account may create.
var serviceLinkedRoles = []string{
	"ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com",
	"elasticloadbalancing.amazonaws.com", "rds.amazonaws.com",
}

// kind is a set of resources one statement grants on.
type kind struct {
	sid string
	// arns turns a name pattern into resource ARNs; nil means "*".
	arns func(region, name string) []string
	// global kinds get no region condition (IAM, Route 53).
	global bool
	// fixed kinds name no stack resource: arns is called with "".
	fixed bool
}

func arn(format string) func(region, name string) []string {
	return func(region, name string) []string {
		return []string{strings.NewReplacer("{region}", region, "{account}", Account, "{name}", name).Replace(format)}
	}
}

var kinds = map[string]kind{
	"ec2":         {sid: "NetworkOnAnyResource"},
	"ecr-any":     {sid: "RegistryLoginOnAnyResource"},
	"ecr":         {sid: "Repository", arns: arn("arn:aws:ecr:{region}:{account}:repository/{name}")},
	"ecs-any":     {sid: "TaskDefinitionsOnAnyResource"},
	"ecs-cluster": {sid: "Cluster", arns: arn("arn:aws:ecs:{region}:{account}:cluster/{name}")},
	"ecs-service": {sid: "Service", arns: arn("arn:aws:ecs:{region}:{account}:service/*/{name}")},
	"ecs-taskdef": {sid: "TaskDefinitionTags", arns: arn("arn:aws:ecs:{region}:{account}:task-definition/{name}:*")},
	"iam-role":    {sid: "Roles", arns: arn("arn:aws:iam::{account}:role/{name}"), global: true},
	"rds":         {sid: "Database", arns: arn("arn:aws:rds:{region}:{account}:db:{name}")},
	"rds-pg":      {sid: "DatabaseParameters", arns: arn("arn:aws:rds:{region}:{account}:pg:{name}")},
	"rds-subgrp":  {sid: "DatabaseSubnets", arns: arn("arn:aws:rds:{region}:{account}:subgrp:{name}")},
	"rds-og":      {sid: "DatabaseOptionGroup", arns: arn("arn:aws:rds:{region}:{account}:og:default:*"), fixed: true},
	"rds-snap":    {sid: "DatabaseFinalSnapshot", arns: arn("arn:aws:rds:{region}:{account}:snapshot:{name}")},
	"rds-secret":  {sid: "DatabaseManagedSecret", arns: arn("arn:aws:secretsmanager:{region}:{account}:secret:rds!db-*"), fixed: true},
	"rds-any":     {sid: "DatabaseLookupsOnAnyResource"},
	"s3":          {sid: "Buckets", arns: arn("arn:aws:s3:::{name}"), global: true},
	"secret":      {sid: "Secrets", arns: arn("arn:aws:secretsmanager:{region}:{account}:secret:{name}")},
	"sqs":         {sid: "Queues", arns: arn("arn:aws:sqs:{region}:{account}:{name}")},
	"logs": {sid: "LogGroups", arns: func(region, name string) []string {
		g := "arn:aws:logs:" + region + ":" + Account + ":log-group:" + name
		return []string{g, g + ":*"}
	}},
	"logs-any":     {sid: "LogGroupLookupsOnAnyResource"},
	"elb-lb":       {sid: "LoadBalancer", arns: arn("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/*")},
	"elb-listener": {sid: "Listeners", arns: arn("arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{name}/*/*")},
	"elb-rule":     {sid: "ListenerRules", arns: arn("arn:aws:elasticloadbalancing:{region}:{account}:listener-rule/app/{name}/*/*/*")},
	"elb-tg":       {sid: "TargetGroups", arns: arn("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/*")},
	"elb-any":      {sid: "LoadBalancingLookupsOnAnyResource"},
	"autoscaling":  {sid: "AutoscalingOnAnyResource"},
	"alarm":        {sid: "Alarms", arns: arn("arn:aws:cloudwatch:{region}:{account}:alarm:{name}")},
	"kms-any":      {sid: "KeyCreationOnAnyResource"},
	"kms":          {sid: "Keys", arns: arn("arn:aws:kms:{region}:{account}:key/*"), fixed: true},
	"dashboard":    {sid: "Dashboards", arns: arn("arn:aws:cloudwatch::{account}:dashboard/{name}"), global: true},
	"sns":          {sid: "AlarmTopics", arns: arn("arn:aws:sns:{region}:{account}:{name}")},
	"acm":          {sid: "CertificatesOnAnyResource"},
	"sched-group":  {sid: "ScheduleGroups", arns: arn("arn:aws:scheduler:{region}:{account}:schedule-group/{name}")},
	"schedule":     {sid: "Schedules", arns: arn("arn:aws:scheduler:{region}:{account}:schedule/*/{name}")},
	"route53":      {sid: "DnsOnAnyResource", global: true},
	// The migration hook.
	"hook-run":   {sid: "MigrationRunTask", arns: arn("arn:aws:ecs:{region}:{account}:task-definition/{name}:*")},
	"hook-watch": {sid: "MigrationDescribeTasks", arns: arn("arn:aws:ecs:{region}:{account}:task/{name}/*")},
	"pass-role":  {sid: "PassRolesToTheirServices", arns: arn("arn:aws:iam::{account}:role/{name}"), global: true},
	"slr":        {sid: "ServiceLinkedRoles", arns: arn("arn:aws:iam::{account}:role/aws-service-role/*"), global: true, fixed: true},
}

// grant adds actions to a kind. names says which inputs hold the resource's
// physical name when it names a resource of the kind (nil: the resource
// only acts on resources another one names, as a bucket policy on its bucket).
type grant struct {
	kind    string
	names   []string
	actions []string
}

func g(kind string, names []string, actions ...string) grant {
	return grant{kind: kind, names: names, actions: actions}
}

var (
	name       = []string{"name"}
	tags       = []string{"TagResource", "UntagResource", "ListTagsForResource"}
	ec2Tags    = []string{"ec2:CreateTags", "ec2:DeleteTags", "ec2:Describe*"}
	elbTags    = []string{"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"}
	rdsTags    = []string{"rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"}
	noAWSCalls = []grant{}
)

func prefixed(prefix string, actions ...string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = prefix + ":" + a
	}
	return out
}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// vpcGrants are what a VPC with its subnets, routes, internet and NAT
// gateways takes.
var vpcGrants = []grant{g("ec2", nil, join(ec2Tags, prefixed("ec2",
	"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "CreateSubnet", "DeleteSubnet", "ModifySubnetAttribute",
	"CreateRouteTable", "DeleteRouteTable", "AssociateRouteTable", "DisassociateRouteTable",
	"CreateRoute", "DeleteRoute", "ReplaceRoute", "CreateInternetGateway", "DeleteInternetGateway",
	"AttachInternetGateway", "DetachInternetGateway", "CreateNatGateway", "DeleteNatGateway",
	"AllocateAddress", "ReleaseAddress", "DisassociateAddress"))...)}

// table maps a resource type token to what deploying it takes.
var table = map[string][]grant{
	"pulumi:pulumi:Stack": noAWSCalls,
	"awsx:ec2:Vpc":        vpcGrants,
	// The resources awsx's Vpc creates (the offline engine expands it as a
	// real preview does): the Vpc's grants cover each of them.
	"aws:ec2/vpc:Vpc":                                     vpcGrants,
	"aws:ec2/subnet:Subnet":                               vpcGrants,
	"aws:ec2/routeTable:RouteTable":                       vpcGrants,
	"aws:ec2/routeTableAssociation:RouteTableAssociation": vpcGrants,
	"aws:ec2/route:Route":                                 vpcGrants,
	"aws:ec2/internetGateway:InternetGateway":             vpcGrants,
	"aws:ec2/natGateway:NatGateway":                       vpcGrants,
	"aws:ec2/eip:Eip":                                     vpcGrants,
	"aws:ec2/securityGroup:SecurityGroup": {g("ec2", nil, join(ec2Tags, prefixed("ec2",
		"CreateSecurityGroup", "DeleteSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
		"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"))...)},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {g("ec2", nil, join(ec2Tags, prefixed("ec2",
		"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "ModifySecurityGroupRules",
		"UpdateSecurityGroupRuleDescriptionsIngress"))...)},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {g("ec2", nil, join(ec2Tags, prefixed("ec2",
		"AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress", "ModifySecurityGroupRules",
		"UpdateSecurityGroupRuleDescriptionsEgress"))...)},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {g("ec2", nil, join(ec2Tags, prefixed("ec2",
		"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
		"RevokeSecurityGroupEgress"))...)},
	// Interface endpoints with private DNS associate the VPC with an
	// AWS-managed private hosted zone on the caller's behalf.
	"aws:ec2/vpcEndpoint:VpcEndpoint": {
		g("ec2", nil, join(ec2Tags, prefixed("ec2", "CreateVpcEndpoint", "DeleteVpcEndpoints", "ModifyVpcEndpoint"))...),
		g("route53", nil, "route53:AssociateVPCWithHostedZone"),
	},
	"aws:ec2/flowLog:FlowLog": {g("ec2", nil, join(ec2Tags, prefixed("ec2", "CreateFlowLogs", "DeleteFlowLogs"))...)},
	"aws:cloudwatch/logGroup:LogGroup": {
		g("logs", name, prefixed("logs", "CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy",
			"TagResource", "UntagResource", "ListTagsForResource", "TagLogGroup", "UntagLogGroup", "ListTagsLogGroup",
			"AssociateKmsKey", "DisassociateKmsKey")...),
		g("logs-any", nil, "logs:DescribeLogGroups"),
	},
	// A key's id is AWS's choice: its own actions name every key of the
	// account and region.
	"aws:kms/key:Key": {
		g("kms-any", nil, "kms:CreateKey"),
		g("kms", nil, "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:EnableKeyRotation",
			"kms:GetKeyRotationStatus", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:ListResourceTags"),
	},
	"aws:cloudwatch/dashboard:Dashboard": {g("dashboard", []string{"dashboardName"}, "cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards")},
	"aws:sns/topic:Topic": {g("sns", name, join(prefixed("sns", "CreateTopic", "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes",
		"ListSubscriptionsByTopic"), prefixed("sns", tags...))...)},
	"aws:sns/topicPolicy:TopicPolicy":             {g("sns", nil, "sns:SetTopicAttributes", "sns:GetTopicAttributes")},
	"aws:sns/topicSubscription:TopicSubscription": {g("sns", nil, "sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes")},
	// The worker's task queue and its dead-letter queue (named queues):
	// tagging on create is sqs:TagQueue, reading back GetQueueAttributes and
	// ListQueueTags.
	"aws:sqs/queue:Queue": {g("sqs", name, prefixed("sqs", "CreateQueue", "DeleteQueue", "GetQueueAttributes",
		"SetQueueAttributes", "GetQueueUrl", "ListQueueTags", "TagQueue", "UntagQueue")...)},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {g("alarm", name, join(prefixed("cloudwatch", "PutMetricAlarm", "DeleteAlarms", "DescribeAlarms"), prefixed("cloudwatch", tags...))...)},
	"aws:ecr/repository:Repository": {
		g("ecr", name, join(prefixed("ecr", "CreateRepository", "DeleteRepository", "DescribeRepositories",
			"PutImageScanningConfiguration", "PutImageTagMutability", "GetRepositoryPolicy"), prefixed("ecr", tags...))...),
	},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":   {g("ecr", nil, prefixed("ecr", "PutLifecyclePolicy", "GetLifecyclePolicy", "DeleteLifecyclePolicy")...)},
	"aws:ecr/repositoryPolicy:RepositoryPolicy": {g("ecr", nil, prefixed("ecr", "SetRepositoryPolicy", "GetRepositoryPolicy", "DeleteRepositoryPolicy")...)},
	// The image build pushes to the stack's repository (pulumi-docker v4).
	"docker:index/image:Image": {
		g("ecr", nil, prefixed("ecr", "BatchCheckLayerAvailability", "InitiateLayerUpload", "UploadLayerPart",
			"CompleteLayerUpload", "PutImage", "BatchGetImage", "GetDownloadUrlForLayer", "DescribeImages")...),
		g("ecr-any", nil, "ecr:GetAuthorizationToken"),
	},
	"aws:ecs/cluster:Cluster": {g("ecs-cluster", name, join(prefixed("ecs", "CreateCluster", "DeleteCluster",
		"DescribeClusters", "UpdateCluster", "UpdateClusterSettings"), prefixed("ecs", tags...))...)},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {g("ecs-cluster", nil, "ecs:PutClusterCapacityProviders", "ecs:DescribeClusters")},
	// RegisterTaskDefinition and DescribeTaskDefinition take no resource.
	"aws:ecs/taskDefinition:TaskDefinition": {
		g("ecs-any", nil, "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition"),
		g("ecs-taskdef", []string{"family"}, prefixed("ecs", tags...)...),
		g("pass-role", nil, "iam:PassRole"),
	},
	"aws:ecs/service:Service": {g("ecs-service", name, join(prefixed("ecs", "CreateService", "UpdateService",
		"DeleteService", "DescribeServices"), prefixed("ecs", tags...))...)},
	"aws:iam/role:Role": {g("iam-role", name, prefixed("iam", "CreateRole", "DeleteRole", "GetRole", "UpdateRole",
		"UpdateAssumeRolePolicy", "TagRole", "UntagRole", "ListRoleTags", "ListRolePolicies", "ListAttachedRolePolicies",
		"ListInstanceProfilesForRole", "DeleteRolePolicy", "DetachRolePolicy")...)},
	"aws:iam/rolePolicy:RolePolicy":                     {g("iam-role", nil, "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy")},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {g("iam-role", nil, "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies")},
	// CreateDBInstance and ModifyDBInstance are authorized on the instance,
	// its parameter group, its subnet group and its option group (the
	// engine's default one); a final snapshot on delete
	// is rds:CreateDBSnapshot on the snapshot; the RDS-managed master
	// password is a secret RDS creates and rotates with the caller's rights.
	"aws:rds/instance:Instance": {
		g("rds", []string{"identifier"}, join(prefixed("rds", "CreateDBInstance", "DeleteDBInstance", "ModifyDBInstance",
			"RebootDBInstance", "DescribeDBInstances"), rdsTags)...),
		g("rds-pg", nil, "rds:CreateDBInstance", "rds:ModifyDBInstance"),
		g("rds-subgrp", nil, "rds:CreateDBInstance", "rds:ModifyDBInstance"),
		g("rds-og", nil, "rds:CreateDBInstance", "rds:ModifyDBInstance"),
		g("rds-snap", []string{"finalSnapshotIdentifier"}, "rds:CreateDBSnapshot", "rds:AddTagsToResource"),
		g("rds-secret", nil, "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret"),
		g("rds-any", nil, "rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions"),
	},
	"aws:rds/parameterGroup:ParameterGroup": {g("rds-pg", name, join(prefixed("rds", "CreateDBParameterGroup",
		"DeleteDBParameterGroup", "ModifyDBParameterGroup", "ResetDBParameterGroup", "DescribeDBParameterGroups",
		"DescribeDBParameters"), rdsTags)...)},
	"aws:rds/subnetGroup:SubnetGroup": {g("rds-subgrp", name, join(prefixed("rds", "CreateDBSubnetGroup",
		"DeleteDBSubnetGroup", "ModifyDBSubnetGroup", "DescribeDBSubnetGroups"), rdsTags)...)},
	// Reading a bucket back reads every sub-configuration (s3:GetBucket*,
	// GetAccelerateConfiguration, ...); no object is read.
	"aws:s3/bucketV2:BucketV2": {g("s3", []string{"bucket"}, prefixed("s3", "CreateBucket", "DeleteBucket", "ListBucket",
		"GetBucket*", "GetAccelerateConfiguration", "GetLifecycleConfiguration", "GetEncryptionConfiguration",
		"GetReplicationConfiguration", "PutBucketTagging")...)},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {g("s3", nil, "s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy")},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {g("s3", nil, "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock")},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {g("s3", nil, "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls")},
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               {g("s3", nil, "s3:PutBucketVersioning", "s3:GetBucketVersioning")},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {g("s3", nil, "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration")},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {g("s3", nil, "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration")},
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     {g("s3", nil, "s3:PutBucketLogging", "s3:GetBucketLogging")},
	"aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2":                                 {g("s3", nil, "s3:PutBucketCORS", "s3:GetBucketCORS")},
	"aws:secretsmanager/secret:Secret": {g("secret", name, join(prefixed("secretsmanager", "CreateSecret", "DeleteSecret",
		"DescribeSecret", "UpdateSecret", "GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy"),
		prefixed("secretsmanager", "TagResource", "UntagResource"))...)},
	// The master secret's rotation schedule (RDS rotates it; no Lambda).
	"aws:secretsmanager/secretRotation:SecretRotation": {g("rds-secret", nil, "secretsmanager:RotateSecret",
		"secretsmanager:CancelRotateSecret", "secretsmanager:DescribeSecret")},
	// The provider reads a version back with GetSecretValue: the deployer
	// can read the secrets it writes.
	"aws:secretsmanager/secretVersion:SecretVersion": {g("secret", nil, "secretsmanager:PutSecretValue",
		"secretsmanager:GetSecretValue", "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DescribeSecret")},
	"aws:lb/loadBalancer:LoadBalancer": {
		g("elb-lb", name, join(prefixed("elasticloadbalancing", "CreateLoadBalancer", "DeleteLoadBalancer",
			"ModifyLoadBalancerAttributes", "SetSecurityGroups", "SetSubnets", "CreateListener"), elbTags)...),
		g("elb-listener", name, join(prefixed("elasticloadbalancing", "ModifyListener", "DeleteListener"), elbTags)...),
		g("elb-rule", name, join(prefixed("elasticloadbalancing", "ModifyRule", "DeleteRule"), elbTags)...),
		g("elb-any", nil, "elasticloadbalancing:Describe*"),
	},
	"aws:lb/listener:Listener": {
		g("elb-lb", nil, "elasticloadbalancing:CreateListener"),
		g("elb-listener", nil, "elasticloadbalancing:ModifyListener", "elasticloadbalancing:DeleteListener",
			"elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates"),
	},
	"aws:lb/listenerRule:ListenerRule": {g("elb-listener", nil, "elasticloadbalancing:CreateRule")},
	"aws:lb/targetGroup:TargetGroup": {g("elb-tg", name, join(prefixed("elasticloadbalancing", "CreateTargetGroup",
		"DeleteTargetGroup", "ModifyTargetGroup", "ModifyTargetGroupAttributes"), elbTags)...)},
	"aws:appautoscaling/target:Target": {g("autoscaling", nil, prefixed("application-autoscaling", "RegisterScalableTarget",
		"DeregisterScalableTarget", "DescribeScalableTargets", "TagResource", "UntagResource", "ListTagsForResource")...)},
	"aws:appautoscaling/policy:Policy": {g("autoscaling", nil, prefixed("application-autoscaling", "PutScalingPolicy",
		"DeleteScalingPolicy", "DescribeScalingPolicies")...)},
	"aws:acm/certificate:Certificate": {g("acm", nil, prefixed("acm", "RequestCertificate", "DeleteCertificate",
		"DescribeCertificate", "ListTagsForCertificate", "AddTagsToCertificate", "RemoveTagsFromCertificate")...)},
	"aws:acm/certificateValidation:CertificateValidation": {g("acm", nil, "acm:DescribeCertificate")},
	"aws:route53/record:Record": {g("route53", nil, "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
		"route53:GetHostedZone", "route53:GetChange", "route53:ListHostedZones", "route53:ListHostedZonesByName")},
	// EventBridge Scheduler (the scheduled commands): creating a schedule
	// passes its execution role to scheduler.amazonaws.com.
	"aws:scheduler/scheduleGroup:ScheduleGroup": {g("sched-group", name, join(prefixed("scheduler", "CreateScheduleGroup",
		"DeleteScheduleGroup", "GetScheduleGroup"), prefixed("scheduler", tags...))...)},
	"aws:scheduler/schedule:Schedule": {
		g("schedule", name, prefixed("scheduler", "CreateSchedule", "UpdateSchedule", "DeleteSchedule", "GetSchedule")...),
		g("pass-role", nil, "iam:PassRole"),
	},
	"random:index/randomId:RandomId":             noAWSCalls,
	"random:index/randomPassword:RandomPassword": noAWSCalls,
	"random:index/randomString:RandomString":     noAWSCalls,
}

// lookups are the program's own reads (aws.GetRegion, GetCallerIdentity,
// ec2.GetRouteTables, ecr.GetAuthorizationToken): every deploy makes them.
var lookups = []grant{
	g("ec2", nil, "ec2:DescribeRouteTables", "ec2:DescribeAvailabilityZones"),
	g("ecr-any", nil, "ecr:GetAuthorizationToken"),
}

var randomSuffix = regexp.MustCompile(`-[0-9a-f]{6,}(/|$)`)

// namePattern is the resource's physical name as an IAM resource pattern:
// the first name input that is set, its random suffix (a hyphen and six or
// more hex digits) a wildcard; else namePrefix and a wildcard; else the
// auto-name, the logical name and a wildcard.
func namePattern(r Resource, keys []string) string {
	for _, k := range keys {
		if s, ok := r.Inputs[k].(string); ok && s != "" {
			return randomSuffix.ReplaceAllString(s, "-*$1")
		}
	}
	if p, ok := r.Inputs["namePrefix"].(string); ok && p != "" {
		return p + "*"
	}
	return r.Name + "-*"
}

// isComponent says whether a type token names a component (no AWS calls
// of its own): anything outside the providers' packages.
func isComponent(typ string) bool {
	pkg, _, _ := strings.Cut(typ, ":")
	switch pkg {
	case "aws", "awsx", "docker", "random", "pulumi":
		return false
	}
	return true
}

// Generate returns the policy that deploys s. It fails naming every
// resource type it has no permissions for, and on a stack with no region.
func Generate(s Stack) (*Document, error) {
	if s.Region == "" {
		return nil, errors.New("deploypolicy: the stack has no aws:region")
	}
	actions := map[string]map[string]bool{}
	names := map[string]map[string]bool{}
	add := func(gr grant, r *Resource) {
		if actions[gr.kind] == nil {
			actions[gr.kind] = map[string]bool{}
			names[gr.kind] = map[string]bool{}
		}
		for _, a := range gr.actions {
			actions[gr.kind][a] = true
		}
		if r != nil && gr.names != nil {
			names[gr.kind][namePattern(*r, gr.names)] = true
		}
	}
	var unknown []string
	var roles, clusters, families, logGroups []string // for the hook
	for i := range s.Resources {
		r := &s.Resources[i]
		grants, ok := table[r.Type]
		if !ok {
			if !isComponent(r.Type) && !strings.HasPrefix(r.Type, "pulumi:providers:") {
				unknown = append(unknown, r.Type)
			}
			continue
		}
		for _, gr := range grants {
			add(gr, r)
		}
		switch r.Type {
		case "aws:iam/role:Role":
			roles = append(roles, namePattern(*r, name))
		case "aws:ecs/cluster:Cluster":
			clusters = append(clusters, namePattern(*r, name))
		case "aws:ecs/taskDefinition:TaskDefinition":
			families = append(families, namePattern(*r, []string{"family"}))
		case "aws:cloudwatch/logGroup:LogGroup":
			logGroups = append(logGroups, namePattern(*r, name))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("deploypolicy: no permissions known for resource types %s: add them to the table in internal/deploypolicy", strings.Join(dedupe(unknown), ", "))
	}
	for _, gr := range lookups {
		add(gr, nil)
	}
	// Every role of the stack may be passed, to its services only.
	for _, role := range roles {
		add(g("pass-role", nil, "iam:PassRole"), nil)
		names["pass-role"][role] = true
	}
	add(g("slr", nil, "iam:CreateServiceLinkedRole"), nil)
	if s.Migrations {
		for _, f := range families {
			add(g("hook-run", nil, "ecs:RunTask"), nil)
			names["hook-run"][f] = true
		}
		for _, c := range clusters {
			add(g("hook-watch", nil, "ecs:DescribeTasks"), nil)
			names["hook-watch"][c] = true
		}
		if len(families) == 0 || len(clusters) == 0 || len(roles) == 0 || len(logGroups) == 0 {
			return nil, errors.New("deploypolicy: the stack runs migrations but has no task definition, cluster, role or log group to scope them to")
		}
	}

	doc := &Document{Version: "2012-10-17"}
	for _, k := range sortedKeys(actions) {
		kd, ok := kinds[k]
		if !ok {
			return nil, fmt.Errorf("deploypolicy: internal: no kind %q", k)
		}
		st := Statement{Sid: kd.sid, Effect: "Allow", Action: sortedKeys(actions[k])}
		if kd.arns == nil {
			st.Resource = []string{"*"}
		} else if kd.fixed {
			st.Resource = kd.arns(s.Region, "")
		} else {
			if len(names[k]) == 0 {
				return nil, fmt.Errorf("deploypolicy: %s: the stack names no resource to grant %s on", kd.sid, strings.Join(st.Action, ", "))
			}
			var res []string
			for _, n := range collapse(sortedKeys(names[k])) {
				res = append(res, kd.arns(s.Region, n)...)
			}
			st.Resource = dedupe(res)
		}
		switch {
		case k == "pass-role":
			st.Condition = map[string]map[string]any{"StringEquals": {"iam:PassedToService": PassedToServices}}
		case k == "slr":
			st.Condition = map[string]map[string]any{"StringEquals": {"iam:AWSServiceName": serviceLinkedRoles}}
		case k == "hook-run":
			var cl []string
			for _, c := range sortedKeys(names["hook-watch"]) {
				cl = append(cl, "arn:aws:ecs:"+s.Region+":"+Account+":cluster/"+c)
			}
			st.Condition = map[string]map[string]any{"ArnLike": {"ecs:cluster": cl}}
		case !kd.global && kd.arns == nil:
			st.Condition = map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": s.Region}}
		}
		st.Action = uncovered(st.Action)
		doc.Statement = append(doc.Statement, st)
	}
	return merged(doc, s.Region), nil
}

// mergeable are the services whose unconditioned statements fold into one:
// each of their actions applies only to its own resource types, so a
// statement of all their actions on all the stack's resources of the
// service grants nothing more. Secrets Manager and IAM are not here: their
// statements differ in what data or roles they reach.
var mergeable = map[string]string{
	"ecs": "Ecs", "elasticloadbalancing": "LoadBalancing", "rds": "Database", "ecr": "Repository",
}

// collapse shortens a sorted list of name patterns: the patterns that
// share a stem (the text to the first hyphen, e.g. "djangofargate-") become
// their longest common prefix, cut back to a hyphen or slash, and a
// wildcard. It keeps the document under IAM's size quota and widens nothing
// beyond the stack's own name prefix, which per-resource patterns do not
// tell apart across two stacks of one account either.
func collapse(patterns []string) []string {
	groups := map[string][]string{}
	for _, p := range patterns {
		stem := p
		if i := strings.Index(p, "-"); i >= 0 {
			stem = p[:i+1]
		}
		groups[stem] = append(groups[stem], p)
	}
	var out []string
	for _, stem := range sortedKeys(groups) {
		g := groups[stem]
		if len(g) == 1 || !strings.HasSuffix(stem, "-") {
			out = append(out, g...)
			continue
		}
		prefix := g[0]
		for _, p := range g[1:] {
			for !strings.HasPrefix(p, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
		prefix = prefix[:strings.LastIndexAny(prefix, "-/")+1]
		out = append(out, prefix+"*")
	}
	sort.Strings(out)
	return out
}

// anyResourceSid names the one statement of the actions AWS grants only on
// "*", held to the stack's region.
const anyResourceSid = "OnAnyResourceInTheStackRegion"

// merged folds the statements on "*" with the region condition into one,
// to keep the document under IAM's inline size quota.
func merged(doc *Document, region string) *Document {
	out := &Document{Version: doc.Version}
	byService := map[string]int{} // service -> index in out.Statement
	any := Statement{Sid: anyResourceSid, Effect: "Allow", Resource: []string{"*"},
		Condition: map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": region}}}
	for _, st := range doc.Statement {
		if len(st.Resource) == 1 && st.Resource[0] == "*" && st.Condition != nil {
			any.Action = append(any.Action, st.Action...)
			continue
		}
		if svc, sid, ok := mergeableService(st); ok {
			if i, seen := byService[svc]; seen {
				m := &out.Statement[i]
				m.Action = uncovered(dedupe(sorted(append(m.Action, st.Action...))))
				m.Resource = dedupe(sorted(append(m.Resource, st.Resource...)))
				continue
			}
			byService[svc] = len(out.Statement)
			st.Sid = sid
		}
		out.Statement = append(out.Statement, st)
	}
	if len(any.Action) > 0 {
		sort.Strings(any.Action)
		any.Action = uncovered(dedupe(any.Action))
		out.Statement = append([]Statement{any}, out.Statement...)
	}
	return out
}

// mergeableService says whether st folds with the other statements of its
// service, and under which Sid.
func mergeableService(st Statement) (service, sid string, ok bool) {
	if st.Condition != nil || len(st.Action) == 0 {
		return "", "", false
	}
	service, _, _ = strings.Cut(st.Action[0], ":")
	for _, a := range st.Action {
		if !strings.HasPrefix(a, service+":") {
			return "", "", false
		}
	}
	sid, ok = mergeable[service]
	return service, sid, ok
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}

// uncovered drops the actions a wildcard of the same list already grants
// (ec2:DescribeRouteTables under ec2:Describe*).
func uncovered(actions []string) []string {
	var out []string
	for _, a := range actions {
		covered := false
		for _, w := range actions {
			if w != a && strings.HasSuffix(w, "*") && strings.HasPrefix(a, strings.TrimSuffix(w, "*")) {
				covered = true
			}
		}
		if !covered {
			out = append(out, a)
		}
	}
	return out
}

// JSON is the document as `aws iam put-role-policy` takes it, indented.
// Limits on a policy's size, in characters without white space (IAM and
// STS quotas, ../shared/aws-api/iam-policy-grammar.json): a role's inline
// policies together, and one customer-managed policy.
const (
	InlineLimit  = 10240
	ManagedLimit = 6144
)

// Size is the document's length as IAM counts it: white space excluded.
func (d *Document) Size() int {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // strings, maps and slices only
	}
	n := 0
	for _, c := range string(b) {
		if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
			n++
		}
	}
	return n
}

// Split returns the document itself when it fits a role's inline policy,
// else its statements packed in order into documents that each fit a
// customer-managed policy (a role takes up to 10 of them). A single
// statement over the managed limit is an error naming it.
func (d *Document) Split() ([]*Document, error) {
	if d.Size() <= InlineLimit {
		return []*Document{d}, nil
	}
	var out []*Document
	cur := &Document{Version: d.Version}
	for _, st := range d.Statement {
		next := &Document{Version: d.Version, Statement: append(append([]Statement{}, cur.Statement...), st)}
		if next.Size() <= ManagedLimit {
			cur = next
			continue
		}
		if len(cur.Statement) == 0 {
			return nil, fmt.Errorf("deploypolicy: statement %s alone is over a managed policy's %d characters", st.Sid, ManagedLimit)
		}
		out = append(out, cur)
		cur = &Document{Version: d.Version, Statement: []Statement{st}}
		if cur.Size() > ManagedLimit {
			return nil, fmt.Errorf("deploypolicy: statement %s alone is over a managed policy's %d characters", st.Sid, ManagedLimit)
		}
	}
	return append(out, cur), nil
}

func (d *Document) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
