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
// read the secrets the task definition's `secrets` name), the task role
// (the app's own permissions: its database secret and TaskPolicyJSON) and,
// with migrations, the migration role.
func (b *serviceBuilder) roles() error {
	a := b.a
	trust := assumeRolePolicy("ecs-tasks.amazonaws.com", b.accountID,
		fmt.Sprintf("arn:%s:ecs:%s:%s:*", b.partition, b.regionName, b.accountID))
	var err error
	b.s.ExecutionRole, err = iam.NewRole(b.ctx, b.child("execution-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("ECS agent for %s: pull the image, write logs, read DJANGO_SECRET_KEY", b.name),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	// The Secrets' ARNs, one a line: the map may be an Output.
	extra := b.secrets.ApplyT(func(m map[string]string) string {
		return strings.Join(secretArns(slices.Sorted(maps.Values(m))), "\n")
	}).(pulumi.StringOutput)
	b.executionPolicy, err = iam.NewRolePolicy(b.ctx, b.child("execution-policy"), &iam.RolePolicyArgs{
		Role: b.s.ExecutionRole.Name,
		Policy: policyOutput(func(v []string) PolicyDocument {
			// Only what `secrets` references: the database credentials are
			// read by the app itself, with the task role (RDS-11).
			repo, logs, key := v[0], v[1], v[2]
			secrets := append([]string{key}, v[4:]...)
			if v[3] != "" {
				secrets = append(secrets, strings.Split(v[3], "\n")...)
			}
			return PolicyDocument{Version: policyVersion, Statement: []Statement{
				// GetAuthorizationToken has no resource-level permissions: AWS
				// requires "*" here (CONTROLS.md IAM-1 exception).
				{Sid: "EcrLogin", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
				{Sid: "PullImage", Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, Resource: []string{repo}},
				{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logs + ":log-stream:*"}},
				{Sid: "ReadSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: secrets},
			}}
		}, append([]pulumi.StringInput{a.RepositoryArn, b.s.LogGroup.Arn, b.s.SecretKey.Arn, extra}, generatedArns(b.generated)...)...),
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
	dbPolicy, err := iam.NewRolePolicy(b.ctx, b.child("db-secret-policy"), &iam.RolePolicyArgs{
		Role:   b.s.TaskRole.Name,
		Policy: b.secretsPolicy("ReadAppSecret", a.DatabaseAppSecretArn),
	}, b.parent)
	if err != nil {
		return err
	}
	b.launchDeps = append(b.launchDeps, dbPolicy)
	if *a.Migrations {
		if err := b.migrationRole(trust); err != nil {
			return err
		}
	} else {
		b.s.MigrationRoleArn = pulumi.String("").ToStringOutput()
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
				Resource: []string{fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", b.partition, region, account)}},
			Statement{Sid: "WriteSessionLogs", Effect: "Allow",
				Action:   []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"},
				Resource: []string{logs + ":log-stream:*"}},
		)}
	}, b.execKey.Arn, b.execLogs.Arn)
}

// migrationRole creates the role the migration task runs with (RunTask's
// taskRoleArn override): the same trust as the task role, and read access
// to exactly the owner, app and master secrets, which the provisioning step
// and `migrate` connect with (CONTROLS.md RDS-12, IAM-1).
func (b *serviceBuilder) migrationRole(trust string) error {
	a := b.a
	var err error
	b.s.MigrationRole, err = iam.NewRole(b.ctx, b.child("migration-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.Sprintf("Migration task of %s: read the owner, app and master database secrets", b.name),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	policy, err := iam.NewRolePolicy(b.ctx, b.child("migration-policy"), &iam.RolePolicyArgs{
		Role: b.s.MigrationRole.Name,
		Policy: b.secretsPolicy("ReadDatabaseSecrets",
			a.DatabaseOwnerSecretArn, a.DatabaseAppSecretArn, a.DatabaseMasterSecretArn),
	}, b.parent)
	if err != nil {
		return err
	}
	b.launchDeps = append(b.launchDeps, policy)
	b.s.MigrationRoleArn = b.s.MigrationRole.Arn
	return nil
}

// secretsPolicy allows secretsmanager:GetSecretValue on exactly the given
// secrets and, when the database's secrets use a customer-managed KMS key,
// kms:Decrypt on that key only when Secrets Manager of this region asks
// (kms:ViaService), so the role cannot decrypt anything else with it.
func (b *serviceBuilder) secretsPolicy(sid string, secrets ...pulumi.StringInput) pulumi.StringOutput {
	key := pulumi.StringInput(pulumi.String(""))
	if b.a.DatabaseSecretsKMSKeyArn != nil {
		key = b.a.DatabaseSecretsKMSKeyArn
	}
	region := b.regionName
	return policyOutput(func(v []string) PolicyDocument {
		doc := PolicyDocument{Version: policyVersion, Statement: []Statement{
			{Sid: sid, Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: secretArns(v[1:])},
		}}
		if v[0] != "" {
			doc.Statement = append(doc.Statement, Statement{
				Sid: "DecryptDatabaseSecrets", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{v[0]},
				Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}},
			})
		}
		return doc
	}, append([]pulumi.StringInput{key}, secrets...)...)
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

// generatedArns lists the generated secrets' ARNs in name order.
func generatedArns(m pulumi.StringMap) []pulumi.StringInput {
	out := make([]pulumi.StringInput, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}
