package policy_test

import (
	"encoding/json"
	"testing"

	"github.com/djangofargate/djangofargate/policy"
)

// Type tokens and ARNs of the scheduled-command and worker fixtures.
const (
	tScheduleGroup = "aws:scheduler/scheduleGroup:ScheduleGroup"
	tSchedule      = "aws:scheduler/schedule:Schedule"
	clusterArn     = "arn:aws:ecs:us-east-1:123456789012:cluster/cluster"
	familyArn      = "arn:aws:ecs:us-east-1:123456789012:task-definition/app"
	groupArn       = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/schedules"
	schedRoleArn   = acct + "role/sched"
)

// schedulerTrust is the schedules' role trust: EventBridge Scheduler, for
// the account's schedule group (IAM-3, SCH-1).
func schedulerTrust() map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": "scheduler.amazonaws.com"}, "Action": []any{"sts:AssumeRole"},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
			"ArnLike":      map[string]any{"aws:SourceArn": groupArn}}}}}
}

// runTask and passRoles are the two statements the role needs.
func runTask() map[string]any {
	return map[string]any{"Sid": "RunTheServiceTask", "Effect": "Allow", "Action": []any{"ecs:RunTask"},
		"Resource": []any{familyArn + ":*"}, "Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}}}
}

func passRoles() map[string]any {
	return map[string]any{"Sid": "PassTheTaskRoles", "Effect": "Allow", "Action": []any{"iam:PassRole"},
		"Resource":  []any{execArn, taskArn},
		"Condition": map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
}

// withSchedule adds a scheduled command as components.ScheduledCommands
// makes it, then applies the edits.
func withSchedule(edits ...func(t *testing.T, d *doc)) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		d.add(tScheduleGroup, "schedules", "schedules", map[string]any{}, map[string]any{"name": "schedules", "arn": groupArn})
		d.add(tRole, "sched", "sched", map[string]any{"assumeRolePolicy": schedulerTrust()}, map[string]any{"arn": schedRoleArn})
		d.add(tRolePolicy, "sched-policy", "sched:sched-policy", map[string]any{"role": "sched", "policy": policyDoc(runTask(), passRoles())}, nil)
		d.add(tSchedule, "schedule-nightly", "schedules/nightly", map[string]any{
			"groupName": "schedules", "scheduleExpression": "cron(0 3 * * ? *)",
			"flexibleTimeWindow": map[string]any{"mode": "OFF"},
			"target": map[string]any{"arn": "arn:aws:scheduler:::aws-sdk:ecs:runTask", "roleArn": schedRoleArn,
				"input": mustJSON(t, runTaskInput())},
		}, nil).dependsOn = []string{"sched-policy"}
		for _, e := range edits {
			e(t, d)
		}
	}
}

// runTaskInput is the universal target's Input as
// components.ScheduledCommands writes it: the whole RunTask request, with
// the SDK's PascalCase field names.
func runTaskInput() map[string]any {
	return map[string]any{"Cluster": clusterArn, "TaskDefinition": tdArn, "Count": 1.0, "LaunchType": "FARGATE",
		"PlatformVersion": "LATEST", "Group": "schedule:nightly", "StartedBy": "eventbridge-scheduler",
		"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{"AssignPublicIp": "DISABLED",
			"SecurityGroups": []any{"sg-task"}, "Subnets": []any{"subnet-priv1", "subnet-priv2"}}},
		"Overrides": map[string]any{"ContainerOverrides": []any{map[string]any{"Name": "web", "Command": []any{"python", "manage.py", "clearsessions"}}}}}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runTaskEdit sets path in the schedule's RunTask request (its Input).
func runTaskEdit(path string, v any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		r := d.get(t, "schedule-nightly")
		var in map[string]any
		if err := json.Unmarshal([]byte(r.inputs["target"].(map[string]any)["input"].(string)), &in); err != nil {
			t.Fatal(err)
		}
		set(in, path, v)
		set(r.inputs, "target.input", mustJSON(t, in))
	}
}

// templated turns the schedule into the templated ECS target: Arn the
// cluster, EcsParameters, Input only the overrides.
func templated(t *testing.T, d *doc) {
	set(d.get(t, "schedule-nightly").inputs, "target", map[string]any{"arn": clusterArn, "roleArn": schedRoleArn,
		"input": `{"containerOverrides":[{"name":"web","command":["python","manage.py","clearsessions"]}]}`,
		"ecsParameters": map[string]any{"taskDefinitionArn": tdArn, "launchType": "FARGATE", "taskCount": 1.0,
			"group": "schedule:nightly", "networkConfiguration": map[string]any{"assignPublicIp": false,
				"securityGroups": []any{"sg-task"}, "subnets": []any{"subnet-priv1", "subnet-priv2"}}}})
}

// schedPolicy replaces the schedules' role policy with these statements.
func schedPolicy(statements ...map[string]any) func(t *testing.T, d *doc) {
	return in("sched-policy", "policy", policyDoc(statements...))
}

// withWorker adds an ECS service with no load balancer, as a worker is:
// its own task definition with the web service's roles, the tasks'
// security group, private subnets. Then it applies the edits.
func withWorker(edits ...func(t *testing.T, d *doc)) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		d.add(tTaskDef, "worker-def", "worker", map[string]any{"family": "worker", "networkMode": "awsvpc", "cpu": "512", "memory": "1024",
			"executionRoleArn": execArn, "taskRoleArn": taskArn, "requiresCompatibilities": []any{"FARGATE"},
			"containerDefinitions": []any{map[string]any{"name": "worker", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@" + digest,
				"command": []any{"celery", "worker"}, "user": "10001:10001", "readonlyRootFilesystem": true}}},
			map[string]any{"arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/worker:1"})
		d.add(tService, "worker", "arn:aws:ecs:us-east-1:123456789012:service/cluster/worker", map[string]any{
			"cluster": clusterArn, "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/worker:1", "desiredCount": 1.0,
			"launchType": "FARGATE", "deploymentCircuitBreaker": map[string]any{"enable": true, "rollback": true},
			"networkConfiguration": map[string]any{"assignPublicIp": false, "securityGroups": []any{"sg-task"}, "subnets": []any{"subnet-priv1", "subnet-priv2"}},
		}, map[string]any{"name": "worker"})
		for _, e := range edits {
			e(t, d)
		}
	}
}

// workerRole gives the worker its own task role with the given policy.
func workerRole(statements ...map[string]any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		d.add(tRole, "worker-task", "worker-task", map[string]any{"assumeRolePolicy": trust("ecs-tasks.amazonaws.com")}, map[string]any{"arn": acct + "role/worker-task"})
		d.add(tRolePolicy, "worker-task-policy", "worker-task:worker-task-policy", map[string]any{"role": "worker-task", "policy": policyDoc(statements...)}, nil)
		set(d.get(t, "worker-def").inputs, "taskRoleArn", acct+"role/worker-task")
	}
}

// workerSG puts the worker in its own security group with the given
// ingress rules.
func workerSG(rules ...map[string]any) func(t *testing.T, d *doc) {
	return func(t *testing.T, d *doc) {
		d.add(tSG, "worker-sg", "sg-worker", map[string]any{"vpcId": "vpc-1", "description": "worker"}, nil)
		for i, r := range rules {
			d.add(tIngress, "worker-in-"+string(rune('a'+i)), "sgr-w"+string(rune('a'+i)), r, nil)
		}
		set(d.get(t, "worker").inputs, "networkConfiguration.securityGroups", []any{"sg-worker"})
	}
}

func init() {
	checkCases = append(checkCases, []checkCase{
		// SCH-1: the schedules' role may run only the service's task and
		// pass only its roles, and only EventBridge Scheduler of this
		// account may assume it.
		{"SCH-1", "no schedules", noEdit, policy.NotApplicable},
		{"SCH-1", "role scoped to the family, the cluster and the two task roles", withSchedule(), policy.Pass},
		{"SCH-1", "the exact task definition revision", withSchedule(schedPolicy(
			map[string]any{"Effect": "Allow", "Action": []any{"ecs:RunTask"}, "Resource": []any{tdArn},
				"Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}}}, passRoles())), policy.Pass},
		{"SCH-1", "RunTask on any task definition", withSchedule(schedPolicy(
			map[string]any{"Effect": "Allow", "Action": []any{"ecs:RunTask"}, "Resource": []any{"*"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}}}, passRoles())), policy.Fail},
		{"SCH-1", "RunTask on another family", withSchedule(schedPolicy(
			map[string]any{"Effect": "Allow", "Action": []any{"ecs:RunTask"}, "Resource": []any{"arn:aws:ecs:us-east-1:123456789012:task-definition/other:*"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}}}, passRoles())), policy.Fail},
		{"SCH-1", "RunTask in any cluster", withSchedule(schedPolicy(
			map[string]any{"Effect": "Allow", "Action": []any{"ecs:RunTask"}, "Resource": []any{familyArn + ":*"}}, passRoles())), policy.Fail},
		{"SCH-1", "an extra action", withSchedule(schedPolicy(runTask(), passRoles(),
			allow("Stop", []any{"ecs:StopTask"}, familyArn+":*"))), policy.Fail},
		{"SCH-1", "PassRole on every role", withSchedule(schedPolicy(runTask(),
			map[string]any{"Effect": "Allow", "Action": []any{"iam:PassRole"}, "Resource": []any{acct + "role/*"},
				"Condition": map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}})), policy.Fail},
		{"SCH-1", "PassRole to any service", withSchedule(schedPolicy(runTask(),
			map[string]any{"Effect": "Allow", "Action": []any{"iam:PassRole"}, "Resource": []any{execArn, taskArn}})), policy.Fail},
		{"SCH-1", "trusted by EventBridge rules, not Scheduler", withSchedule(in("sched", "assumeRolePolicy", trust("events.amazonaws.com"))), policy.Fail},
		{"SCH-1", "trust without aws:SourceAccount", withSchedule(in("sched", "assumeRolePolicy", map[string]any{"Version": "2012-10-17",
			"Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
				"Action": []any{"sts:AssumeRole"}}}})), policy.Fail},
		{"SCH-1", "a managed policy attached", withSchedule(func(t *testing.T, d *doc) {
			d.add(tAttachment, "sched-admin", "sched-admin", map[string]any{"role": "sched", "policyArn": "arn:aws:iam::aws:policy/AmazonECS_FullAccess"}, nil)
		}), policy.Fail},
		{"SCH-1", "a role outside the stack", withSchedule(in("schedule-nightly", "target.roleArn", acct+"role/someone-elses")), policy.Fail},
		// What the universal target's Input (the RunTask request) runs is
		// what the role must be scoped to.
		{"SCH-1", "the input runs the task in another cluster", withSchedule(runTaskEdit("Cluster", "arn:aws:ecs:us-east-1:123456789012:cluster/other")), policy.Fail},
		{"SCH-1", "the input runs another task family", withSchedule(runTaskEdit("TaskDefinition", "arn:aws:ecs:us-east-1:123456789012:task-definition/other:1")), policy.Fail},
		{"SCH-1", "the input runs another family the role is scoped to", withSchedule(
			runTaskEdit("TaskDefinition", "arn:aws:ecs:us-east-1:123456789012:task-definition/other:1"),
			schedPolicy(map[string]any{"Effect": "Allow", "Action": []any{"ecs:RunTask"}, "Resource": []any{"arn:aws:ecs:us-east-1:123456789012:task-definition/other:*"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusterArn}}}, passRoles())), policy.Fail},
		{"SCH-1", "the input in camelCase, which RunTask through the SDK does not read", withSchedule(in("schedule-nightly", "target.input",
			`{"cluster":"`+clusterArn+`","taskDefinition":"`+tdArn+`"}`)), policy.Fail},
		{"SCH-1", "the input unknown in the preview (high: fails closed)", withSchedule(in("schedule-nightly", "target.input", policy.Unknown)), policy.Fail},
		{"SCH-1", "a universal target calling another ECS action", withSchedule(in("schedule-nightly", "target.arn", "arn:aws:scheduler:::aws-sdk:ecs:stopTask")), policy.Fail},
		{"SCH-1", "the templated ECS target, scoped", withSchedule(templated), policy.Pass},
		{"SCH-1", "the templated ECS target in another cluster", withSchedule(templated, in("schedule-nightly", "target.arn", "arn:aws:ecs:us-east-1:123456789012:cluster/other")), policy.Fail},

		// ECS-18: a service without a load balancer (a worker) reaches no
		// more than the web service and admits no inbound traffic.
		{"ECS-18", "no worker", noEdit, policy.NotApplicable},
		{"ECS-18", "the web service's roles and security group", withWorker(), policy.Pass},
		{"ECS-18", "its own security group with no ingress", withWorker(workerSG()), policy.Pass},
		{"ECS-18", "its own task role within the web task role's permissions", withWorker(workerRole(
			allow("ReadAppSecret", []any{"secretsmanager:GetSecretValue"}, appSecret))), policy.Pass},
		{"ECS-18", "a task role broader than the web service's", withWorker(workerRole(
			allow("ReadAppSecret", []any{"secretsmanager:GetSecretValue"}, appSecret),
			allow("DeleteMedia", []any{"s3:DeleteObject"}, "arn:aws:s3:::media-bucket/*"))), policy.Fail},
		{"ECS-18", "a security group open to the internet", withWorker(workerSG(
			rule("sg-worker", "Flower dashboard", 5555, map[string]any{"cidrIpv4": "0.0.0.0/0"}))), policy.Fail},
		{"ECS-18", "a public IP", withWorker(in("worker", "networkConfiguration.assignPublicIp", true)), policy.Fail},

		// ECS-1 covers the tasks a schedule starts.
		{"ECS-1", "a scheduled task in private subnets without a public IP", withSchedule(), policy.Pass},
		{"ECS-1", "a scheduled task with a public IP", withSchedule(runTaskEdit("NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", "ENABLED")), policy.Fail},
		{"ECS-1", "a scheduled task in public subnets", withSchedule(runTaskEdit("NetworkConfiguration.AwsvpcConfiguration.Subnets", []any{"subnet-pub1"})), policy.Fail},
		{"ECS-1", "a scheduled task with no network configuration", withSchedule(runTaskEdit("NetworkConfiguration", nil)), policy.Fail},
		{"ECS-1", "a templated scheduled task in private subnets", withSchedule(templated), policy.Pass},
		{"ECS-1", "a templated scheduled task with a public IP", withSchedule(templated, in("schedule-nightly", "target.ecsParameters.networkConfiguration.assignPublicIp", true)), policy.Fail},
		{"ECS-1", "a templated scheduled task in public subnets", withSchedule(templated, in("schedule-nightly", "target.ecsParameters.networkConfiguration.subnets", []any{"subnet-pub1"})), policy.Fail},

		// MON-1 in production: the rollback must name both alarms.
		{"MON-1", "deployment alarms leave out the latency alarm", in("service", "alarms.alarmNames", []any{"http-5xx"}), policy.Fail},
		{"MON-1", "alarms switched off in production", both(drop("http-5xx", "latency"), in("service", "alarms", map[string]any{"enable": false, "rollback": false, "alarmNames": []any{}})), policy.Fail},
	}...)
}
