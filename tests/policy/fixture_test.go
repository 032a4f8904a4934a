package policy_test

import (
	"strconv"
	"strings"
)

// Type tokens of the fixture.
const (
	tVpc               = "awsx:ec2:Vpc"
	tLogGroup          = "aws:cloudwatch/logGroup:LogGroup"
	tFlowLog           = "aws:ec2/flowLog:FlowLog"
	tRole              = "aws:iam/role:Role"
	tRolePolicy        = "aws:iam/rolePolicy:RolePolicy"
	tAttachment        = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tDefaultSG         = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tEndpoint          = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tSG                = "aws:ec2/securityGroup:SecurityGroup"
	tIngress           = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgress            = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tLB                = "aws:lb/loadBalancer:LoadBalancer"
	tTG                = "aws:lb/targetGroup:TargetGroup"
	tListener          = "aws:lb/listener:Listener"
	tCluster           = "aws:ecs/cluster:Cluster"
	tTaskDef           = "aws:ecs/taskDefinition:TaskDefinition"
	tService           = "aws:ecs/service:Service"
	tScalingTarget     = "aws:appautoscaling/target:Target"
	tScalingPolicy     = "aws:appautoscaling/policy:Policy"
	tRepo              = "aws:ecr/repository:Repository"
	tRepoLifecycle     = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	tDB                = "aws:rds/instance:Instance"
	tSubnetGroup       = "aws:rds/subnetGroup:SubnetGroup"
	tParamGroup        = "aws:rds/parameterGroup:ParameterGroup"
	tBucket            = "aws:s3/bucketV2:BucketV2"
	tBucketLogging     = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tMetricAlarm       = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tCapacityProviders = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
	tSubnet            = "aws:ec2/subnet:Subnet"
	tRouteTable        = "aws:ec2/routeTable:RouteTable"
	tRTAssoc           = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tRoute             = "aws:ec2/route:Route"
	tNat               = "aws:ec2/natGateway:NatGateway"
)

const (
	acct      = "arn:aws:iam::123456789012:"
	execArn   = acct + "role/exec"
	taskArn   = acct + "role/task"
	repoArn   = "arn:aws:ecr:us-east-1:123456789012:repository/repo"
	lbArn     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/1"
	tgArn     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1"
	tdArn     = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1"
	secretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-abc"
	appSecret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-abc"
	digest    = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	flowGroup = "arn:aws:logs:us-east-1:123456789012:log-group:flow-logs"
)

// trust is a service role's trust policy, scoped to the account (IAM-3).
func trust(service string) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": []any{"sts:AssumeRole"},
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"}}}}}
}

// accountOnly is an endpoint policy limited to the account's principals
// and resources.
func accountOnly() map[string]any {
	return policyDoc(map[string]any{"Sid": "ThisAccountOnly", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
		"Action": "*", "Resource": "*", "Condition": map[string]any{
			"StringEquals":         map[string]any{"aws:PrincipalAccount": "123456789012"},
			"StringEqualsIfExists": map[string]any{"aws:ResourceAccount": "123456789012"}}})
}

func policyDoc(statements ...map[string]any) map[string]any {
	list := []any{}
	for _, s := range statements {
		list = append(list, s)
	}
	return map[string]any{"Version": "2012-10-17", "Statement": list}
}

func allow(sid string, actions []any, resources ...any) map[string]any {
	return map[string]any{"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
}

func rule(sg, desc string, port float64, source map[string]any) map[string]any {
	in := map[string]any{"securityGroupId": sg, "description": desc, "fromPort": port, "toPort": port, "ipProtocol": "tcp"}
	for k, v := range source {
		in[k] = v
	}
	return in
}

func bucketParts(d *doc, name string) {
	d.add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name+"-pab", name+"-pab", map[string]any{"bucket": name,
		"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}, nil)
	d.add("aws:s3/bucketPolicy:BucketPolicy", name+"-policy", name+"-policy", map[string]any{"bucket": name, "policy": policyDoc(map[string]any{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Action": []any{"s3:*"},
		"Resource":  []any{"arn:aws:s3:::" + name, "arn:aws:s3:::" + name + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}})}, nil)
	d.add("aws:s3/bucketOwnershipControls:BucketOwnershipControls", name+"-ownership", name+"-ownership",
		map[string]any{"bucket": name, "rule": map[string]any{"objectOwnership": "BucketOwnerEnforced"}}, nil)
	d.add("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", name+"-sse", name+"-sse",
		map[string]any{"bucket": name, "rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}}}}, nil)
}

// vpcNetwork adds the resources awsx's Vpc "vpc" creates for two AZs
// (internal/offline/awsx lays them out): its aws:ec2/vpc:Vpc, a public, a
// private and an isolated subnet per AZ, each with its route table, the
// public subnets routing to the internet gateway, a NAT gateway in each
// public subnet, and each private subnet routing to its AZ's NAT gateway.
func vpcNetwork(d *doc) {
	net := d.add("aws:ec2/vpc:Vpc", "vpc-net", "vpc-1", map[string]any{"cidrBlock": "10.0.0.0/16"}, nil)
	net.parent = "vpc"
	d.add("aws:ec2/internetGateway:InternetGateway", "igw", "igw-1", map[string]any{"vpcId": "vpc-1"}, nil).parent = "vpc-net"
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		n := strconv.Itoa(i + 1)
		for _, tier := range []string{"Public", "Private", "Isolated"} {
			id := "subnet-" + map[string]string{"Public": "pub", "Private": "priv", "Isolated": "iso"}[tier] + n
			name := strings.ToLower(tier) + n
			d.add(tSubnet, name, id, map[string]any{"vpcId": "vpc-1", "availabilityZone": az,
				"mapPublicIpOnLaunch": tier == "Public", "tags": map[string]any{"SubnetType": tier}}, nil).parent = "vpc-net"
			d.add(tRouteTable, "rt-"+name, "rtb-"+name, map[string]any{"vpcId": "vpc-1"}, nil).parent = name
			d.add(tRTAssoc, "assoc-"+name, "rtbassoc-"+name, map[string]any{"routeTableId": "rtb-" + name, "subnetId": id}, nil).parent = "rt-" + name
			switch tier {
			case "Public":
				d.add(tNat, "nat-"+n, "nat-"+n, map[string]any{"subnetId": id, "allocationId": "eipalloc-" + n}, nil).parent = name
				d.add(tRoute, "route-"+name, "r-"+name, map[string]any{"routeTableId": "rtb-" + name,
					"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}, nil).parent = "rt-" + name
			case "Private":
				d.add(tRoute, "route-"+name, "r-"+name, map[string]any{"routeTableId": "rtb-" + name,
					"destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-" + n}, nil).parent = "rt-" + name
			}
		}
	}
}

// good returns a production document that meets every control: the stack's
// shape in miniature, with HTTPS configured and every link by id or ARN.
func good() *doc {
	d := newDoc("production")
	d.add(tVpc, "vpc", "", map[string]any{"natGateways": map[string]any{"strategy": "OnePerAz"}, "numberOfAvailabilityZones": 2.0},
		map[string]any{"vpcId": "vpc-1", "publicSubnetIds": []any{"subnet-pub1", "subnet-pub2"},
			"privateSubnetIds": []any{"subnet-priv1", "subnet-priv2"}, "isolatedSubnetIds": []any{"subnet-iso1", "subnet-iso2"}})
	vpcNetwork(d)
	d.add(tLogGroup, "flow-logs", "flow-logs", map[string]any{"retentionInDays": 365.0}, map[string]any{"arn": flowGroup, "name": "flow-logs"})
	d.add(tRole, "flow-role", "flow-role", map[string]any{"assumeRolePolicy": trust("vpc-flow-logs.amazonaws.com")},
		map[string]any{"arn": acct + "role/flow-role"})
	d.add(tRolePolicy, "flow-policy", "flow-role:flow-policy", map[string]any{"role": "flow-role", "policy": policyDoc(
		allow("WriteFlowLogs", []any{"logs:CreateLogStream", "logs:PutLogEvents"}, flowGroup, flowGroup+":*"))}, nil)
	d.add(tFlowLog, "flow-log", "fl-1", map[string]any{"vpcId": "vpc-1", "logDestination": flowGroup,
		"logDestinationType": "cloud-watch-logs", "iamRoleArn": acct + "role/flow-role", "trafficType": "ALL"}, nil)
	d.add(tDefaultSG, "default-sg", "sg-default", map[string]any{"vpcId": "vpc-1"}, nil)
	d.add(tEndpoint, "s3-endpoint", "vpce-s3", map[string]any{"vpcId": "vpc-1", "serviceName": "com.amazonaws.us-east-1.s3", "vpcEndpointType": "Gateway",
		"policy": accountOnly()}, nil)
	for _, svc := range []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"} {
		d.add(tEndpoint, svc+"-endpoint", "vpce-"+svc, map[string]any{"vpcId": "vpc-1", "serviceName": "com.amazonaws.us-east-1." + svc,
			"vpcEndpointType": "Interface", "privateDnsEnabled": true, "policy": accountOnly()}, nil)
	}

	d.add(tSG, "alb-sg", "sg-alb", map[string]any{"vpcId": "vpc-1", "description": "load balancer"}, nil)
	d.add(tSG, "task-sg", "sg-task", map[string]any{"vpcId": "vpc-1", "description": "tasks"}, nil)
	d.add(tSG, "db-sg", "sg-db", map[string]any{"vpcId": "vpc-1", "description": "database", "egress": []any{}}, nil)
	d.add(tIngress, "alb-https", "sgr-1", rule("sg-alb", "HTTPS from the internet", 443, map[string]any{"cidrIpv4": "0.0.0.0/0"}), nil)
	d.add(tIngress, "alb-http", "sgr-2", rule("sg-alb", "HTTP from the internet", 80, map[string]any{"cidrIpv6": "::/0"}), nil)
	d.add(tIngress, "tasks-from-alb", "sgr-3", rule("sg-task", "From the load balancer", 8000, map[string]any{"referencedSecurityGroupId": "sg-alb"}), nil)
	d.add(tIngress, "db-from-tasks", "sgr-4", rule("sg-db", "From the tasks", 5432, map[string]any{"referencedSecurityGroupId": "sg-task"}), nil)
	d.add(tEgress, "alb-to-tasks", "sgr-5", rule("sg-alb", "To the tasks", 8000, map[string]any{"referencedSecurityGroupId": "sg-task"}), nil)

	d.add(tBucket, "logs", "logs-bucket", map[string]any{}, map[string]any{"bucket": "logs-bucket", "arn": "arn:aws:s3:::logs-bucket"})
	bucketParts(d, "logs-bucket")
	media := d.add(tBucket, "media", "media-bucket", map[string]any{}, map[string]any{"bucket": "media-bucket", "arn": "arn:aws:s3:::media-bucket"})
	media.protect, media.retain = true, true
	bucketParts(d, "media-bucket")
	d.add(tBucketLogging, "media-access-logs", "media-bucket", map[string]any{"bucket": "media-bucket", "targetBucket": "logs-bucket", "targetPrefix": "media/"}, nil)
	d.add("aws:s3/bucketVersioningV2:BucketVersioningV2", "media-versioning", "v-1",
		map[string]any{"bucket": "media-bucket", "versioningConfiguration": map[string]any{"status": "Enabled"}}, nil)
	d.add("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "media-lifecycle", "l-1",
		map[string]any{"bucket": "media-bucket", "rules": []any{map[string]any{"id": "expire-noncurrent", "status": "Enabled",
			"noncurrentVersionExpiration": map[string]any{"noncurrentDays": 30.0}}}}, nil)

	d.add(tLB, "alb", lbArn, map[string]any{"loadBalancerType": "application", "internal": false, "securityGroups": []any{"sg-alb"},
		"subnets": []any{"subnet-pub1", "subnet-pub2"}, "dropInvalidHeaderFields": true, "desyncMitigationMode": "defensive",
		"enableDeletionProtection": true, "idleTimeout": 60.0, "accessLogs": map[string]any{"bucket": "logs-bucket", "enabled": true, "prefix": "alb"}},
		map[string]any{"arn": lbArn})
	d.add(tTG, "tg", tgArn, map[string]any{"protocol": "HTTP", "port": 8000.0, "targetType": "ip", "vpcId": "vpc-1", "deregistrationDelay": 30.0,
		"healthCheck": map[string]any{"enabled": true, "path": "/healthz", "matcher": "200", "healthyThreshold": 2.0, "unhealthyThreshold": 3.0, "interval": 15.0, "timeout": 5.0}},
		map[string]any{"arn": tgArn})
	d.add(tListener, "http", "l-http", map[string]any{"loadBalancerArn": lbArn, "port": 80.0, "protocol": "HTTP",
		"defaultActions": []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}}, nil)
	d.add(tListener, "https", "l-https", map[string]any{"loadBalancerArn": lbArn, "port": 443.0, "protocol": "HTTPS",
		"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/c", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
		"defaultActions": []any{map[string]any{"type": "forward", "targetGroupArn": tgArn}}}, nil)

	d.add(tCluster, "cluster", "arn:aws:ecs:us-east-1:123456789012:cluster/cluster",
		map[string]any{"settings": []any{map[string]any{"name": "containerInsights", "value": "enabled"}}},
		map[string]any{"name": "cluster", "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/cluster"})
	d.add(tCapacityProviders, "capacity", "cluster", map[string]any{"clusterName": "cluster", "capacityProviders": []any{"FARGATE", "FARGATE_SPOT"}}, nil)
	d.add(tLogGroup, "container-logs", "container-logs", map[string]any{"retentionInDays": 365.0}, map[string]any{"name": "container-logs"})
	d.add(tRole, "exec", "exec", map[string]any{"assumeRolePolicy": trust("ecs-tasks.amazonaws.com")}, map[string]any{"arn": execArn})
	d.add(tRole, "task", "task", map[string]any{"assumeRolePolicy": trust("ecs-tasks.amazonaws.com")}, map[string]any{"arn": taskArn})
	d.add(tRolePolicy, "exec-policy", "exec:exec-policy", map[string]any{"role": "exec", "policy": policyDoc(
		allow("EcrLogin", []any{"ecr:GetAuthorizationToken"}, "*"),
		allow("PullImage", []any{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, repoArn),
		allow("ReadSecrets", []any{"secretsmanager:GetSecretValue"}, secretArn))}, nil)
	d.add(tRolePolicy, "task-policy", "task:task-policy", map[string]any{"role": "task", "policy": policyDoc(
		allow("ListMedia", []any{"s3:ListBucket"}, "arn:aws:s3:::media-bucket"),
		allow("WriteMedia", []any{"s3:GetObject", "s3:PutObject"}, "arn:aws:s3:::media-bucket/*"),
		allow("ReadDatabaseSecret", []any{"secretsmanager:GetSecretValue"}, appSecret))}, nil)
	d.add(tTaskDef, "task-def", "app", map[string]any{"family": "app", "networkMode": "awsvpc", "cpu": "1024", "memory": "2048",
		"executionRoleArn": execArn, "taskRoleArn": taskArn, "volumes": []any{map[string]any{"name": "tmp"}},
		"containerDefinitions": []any{map[string]any{
			"name": "web", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@" + digest, "user": "10001:10001", "readonlyRootFilesystem": true, "privileged": false,
			"linuxParameters": map[string]any{"initProcessEnabled": true, "capabilities": map[string]any{"drop": []any{"ALL"}}},
			"healthCheck": map[string]any{"command": []any{"CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"},
				"interval": 15.0, "timeout": 5.0, "retries": 3.0},
			"stopTimeout": 30.0,
			"mountPoints": []any{map[string]any{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": false}},
			"environment": []any{map[string]any{"name": "GUNICORN_KEEPALIVE", "value": "75"}, map[string]any{"name": "GUNICORN_GRACEFUL_TIMEOUT", "value": "25"},
				map[string]any{"name": "DB_HOST", "value": "db.example.internal"}, map[string]any{"name": "DB_SECRET_ARN", "value": appSecret},
				map[string]any{"name": "HEALTH_CHECK_PATH", "value": "/healthz"}},
			"secrets": []any{map[string]any{"name": "DJANGO_SECRET_KEY", "valueFrom": secretArn}},
			"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{
				"awslogs-group": "container-logs", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}},
		}}}, map[string]any{"arn": tdArn})
	svc := d.add(tService, "service", "arn:aws:ecs:us-east-1:123456789012:service/cluster/service", map[string]any{
		"cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/cluster", "taskDefinition": tdArn, "desiredCount": 2.0, "launchType": "FARGATE",
		"platformVersion": "LATEST", "deploymentCircuitBreaker": map[string]any{"enable": true, "rollback": true},
		"deploymentMinimumHealthyPercent": 100.0, "healthCheckGracePeriodSeconds": 60.0,
		"loadBalancers":        []any{map[string]any{"containerName": "web", "containerPort": 8000.0, "targetGroupArn": tgArn}},
		"networkConfiguration": map[string]any{"assignPublicIp": false, "securityGroups": []any{"sg-task"}, "subnets": []any{"subnet-priv1", "subnet-priv2"}},
	}, map[string]any{"name": "service"})
	svc.ignore = []string{"desiredCount"}
	set(svc.inputs, "alarms", map[string]any{"enable": true, "rollback": true, "alarmNames": []any{"http-5xx", "latency"}})
	// The service waits for what a task needs at launch (ECS-14).
	for _, dep := range []string{"exec-policy", "task-policy", "tasks-from-alb", "db-from-tasks", "alb-to-tasks", "capacity",
		"ecr.api-endpoint", "ecr.dkr-endpoint", "logs-endpoint", "secretsmanager-endpoint"} {
		svc.dependsOn = append(svc.dependsOn, dep)
	}
	for name, metric := range map[string]string{"http-5xx": "HTTPCode_Target_5XX_Count", "latency": "TargetResponseTime"} {
		d.add(tMetricAlarm, name, name, map[string]any{"name": name, "namespace": "AWS/ApplicationELB", "metricName": metric,
			"alarmActions": []any{"arn:aws:sns:us-east-1:123456789012:alerts"}}, map[string]any{"name": name})
	}
	d.add(tScalingTarget, "scaling", "service/cluster/service", map[string]any{"resourceId": "service/cluster/service",
		"scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs", "minCapacity": 2.0, "maxCapacity": 10.0}, nil)
	for name, metric := range map[string]string{"cpu-scaling": "ECSServiceAverageCPUUtilization", "requests-scaling": "ALBRequestCountPerTarget"} {
		d.add(tScalingPolicy, name, name, map[string]any{"resourceId": "service/cluster/service", "policyType": "TargetTrackingScaling",
			"targetTrackingScalingPolicyConfiguration": map[string]any{"targetValue": 60.0,
				"predefinedMetricSpecification": map[string]any{"predefinedMetricType": metric}}}, nil)
	}

	d.add(tRepo, "repository", "repo", map[string]any{"imageScanningConfiguration": map[string]any{"scanOnPush": true}, "imageTagMutability": "IMMUTABLE"},
		map[string]any{"arn": repoArn, "name": "repo"})
	d.add(tRepoLifecycle, "lifecycle", "lc-1", map[string]any{"repository": "repo", "policy": map[string]any{"rules": []any{
		map[string]any{"rulePriority": 1.0, "selection": map[string]any{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1.0}, "action": map[string]any{"type": "expire"}},
		map[string]any{"rulePriority": 2.0, "selection": map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10.0}, "action": map[string]any{"type": "expire"}},
	}}}, nil)

	d.add(tSubnetGroup, "db-subnets", "db-subnets", map[string]any{"subnetIds": []any{"subnet-iso1", "subnet-iso2"}}, map[string]any{"name": "db-subnets"})
	d.add(tParamGroup, "db-params", "db-params", map[string]any{"family": "postgres17", "parameters": []any{map[string]any{"name": "rds.force_ssl", "value": "1"}}},
		map[string]any{"name": "db-params"})
	db := d.add(tDB, "db", "db-1", map[string]any{"engine": "postgres", "publiclyAccessible": false, "dbSubnetGroupName": "db-subnets",
		"vpcSecurityGroupIds": []any{"sg-db"}, "storageEncrypted": true, "multiAz": true, "backupRetentionPeriod": 14.0,
		"deletionProtection": true, "skipFinalSnapshot": false, "finalSnapshotIdentifier": "db-final",
		"enabledCloudwatchLogsExports": []any{"postgresql", "upgrade"}, "parameterGroupName": "db-params",
		"autoMinorVersionUpgrade": true, "copyTagsToSnapshot": true, "manageMasterUserPassword": true, "username": "django",
		"performanceInsightsEnabled": true, "port": 5432.0}, nil)
	db.protect = true
	return d
}
