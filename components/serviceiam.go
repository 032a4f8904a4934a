package components

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// roles creates the execution role (pull this image, write these logs,
// read these secrets) and the task role (the app's own permissions).
func (b *serviceBuilder) roles() error {
	a := b.a
	trust := assumeRolePolicy("ecs-tasks.amazonaws.com", b.accountID,
		fmt.Sprintf("arn:aws:ecs:%s:%s:*", b.regionName, b.accountID))
	var err error
	b.s.ExecutionRole, err = iam.NewRole(b.ctx, b.child("execution-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("ECS agent for %s: pull the image, write logs, read secrets", b.name),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	extra := slices.Sorted(maps.Values(a.Secrets))
	b.executionPolicy, err = iam.NewRolePolicy(b.ctx, b.child("execution-policy"), &iam.RolePolicyArgs{
		Role: b.s.ExecutionRole.Name,
		Policy: policyOutput(func(v []string) PolicyDocument {
			repo, logs, key, db := v[0], v[1], v[2], secretBaseArn(v[3])
			secrets := append([]string{key, db}, secretArns(extra)...)
			return PolicyDocument{Version: policyVersion, Statement: []Statement{
				// GetAuthorizationToken has no resource-level permissions: AWS
				// requires "*" here (CONTROLS.md IAM-1 exception).
				{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
				{Sid: "PullImage", Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, Resource: []string{repo}},
				{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logs + ":log-stream:*"}},
				{Sid: "ReadSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: secrets},
			}}
		}, a.RepositoryArn, b.s.LogGroup.Arn, b.s.SecretKey.Arn, a.DatabaseSecretArn),
	}, b.parent)
	if err != nil {
		return err
	}
	b.launchDeps = append(b.launchDeps, b.executionPolicy)
	b.s.TaskRole, err = iam.NewRole(b.ctx, b.child("task-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("The Django app of %s", b.name),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	if a.TaskPolicyJSON != nil {
		p, err := iam.NewRolePolicy(b.ctx, b.child("task-policy"), &iam.RolePolicyArgs{
			Role: b.s.TaskRole.Name, Policy: a.TaskPolicyJSON,
		}, b.parent)
		if err != nil {
			return err
		}
		b.launchDeps = append(b.launchDeps, p)
	}
	if a.EcsExec {
		p, err := iam.NewRolePolicy(b.ctx, b.child("exec-policy"), &iam.RolePolicyArgs{
			Role:   b.s.TaskRole.Name,
			Policy: b.execPolicy(),
		}, b.parent)
		if err != nil {
			return err
		}
		b.launchDeps = append(b.launchDeps, p)
	}
	return nil
}

// execPolicy lets the SSM agent in the task open ECS Exec sessions and,
// when the component created the cluster, log them to the exec log group
// and decrypt with the exec key (ECS developer guide, "Monitor Amazon ECS
// containers with ECS Exec": IAM permissions required for ECS Exec).
func (b *serviceBuilder) execPolicy() pulumi.StringOutput {
	base := []Statement{{
		// The SSM message channels have no resource-level permissions:
		// AWS requires "*" (CONTROLS.md IAM-1 exception).
		Sid: "EcsExec", Effect: "Allow",
		Action: []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
			"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
		Resource: []string{"*"},
	}}
	if b.execKey == nil {
		return pulumi.String(PolicyDocument{Version: policyVersion, Statement: base}.JSON()).ToStringOutput()
	}
	account, region := b.accountID, b.regionName
	return policyOutput(func(v []string) PolicyDocument {
		key, logs := v[0], v[1]
		return PolicyDocument{Version: policyVersion, Statement: append(base,
			Statement{Sid: "DecryptSessions", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{key}},
			Statement{Sid: "FindLogGroup", Effect: "Allow", Action: []string{"logs:DescribeLogGroups"},
				Resource: []string{fmt.Sprintf("arn:aws:logs:%s:%s:log-group:*", region, account)}},
			Statement{Sid: "WriteSessionLogs", Effect: "Allow",
				Action:   []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"},
				Resource: []string{logs + ":log-stream:*"}},
		)}
	}, b.execKey.Arn, b.execLogs.Arn)
}

// secretBaseArn strips a ":json-key:version-stage:version-id" reference
// back to the secret's ARN, which is what IAM policies name.
func secretBaseArn(ref string) string {
	parts := strings.Split(ref, ":")
	if len(parts) > 7 {
		return strings.Join(parts[:7], ":")
	}
	return ref
}

func secretArns(refs []string) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		if arn := secretBaseArn(r); !slices.Contains(out, arn) {
			out = append(out, arn)
		}
	}
	return out
}
