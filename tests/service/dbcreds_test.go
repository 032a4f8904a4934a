package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const secretsKey = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-0000-4000-8000-000000000001"

// statements renders a policy's statements as "Sid: actions on resources
// [if conditions]", one string each, for exact comparison.
func statements(t *testing.T, doc string) []string {
	t.Helper()
	var out []string
	for _, s := range policy(t, doc).Statement {
		line := fmt.Sprintf("%s: %s %v on %v", s.Sid, s.Effect, s.Action, s.Resource)
		if s.Condition != nil {
			line += fmt.Sprintf(" if %v", s.Condition)
		}
		out = append(out, line)
	}
	return out
}

// TestDatabaseSecretAccess protects RDS-11/RDS-12 and IAM-1: the web tasks'
// role may read exactly the app secret, the migration role exactly the
// owner, app and master secrets, and with a customer-managed key each may
// decrypt with it only through Secrets Manager of the stack's region.
func TestDatabaseSecretAccess(t *testing.T) {
	via := " if map[StringEquals:map[kms:ViaService:secretsmanager.us-east-1.amazonaws.com]]"
	cases := []struct {
		name          string
		key           pulumi.StringInput
		wantTask      []string
		wantMigration []string
	}{
		{"aws-managed key", nil,
			[]string{"ReadAppSecret: Allow [secretsmanager:GetSecretValue] on [" + appSecretArn + "]"},
			[]string{"ReadDatabaseSecrets: Allow [secretsmanager:GetSecretValue] on [" + ownerSecretArn + " " + appSecretArn + " " + masterSecretArn + "]"}},
		{"empty key output", pulumi.String(""),
			[]string{"ReadAppSecret: Allow [secretsmanager:GetSecretValue] on [" + appSecretArn + "]"},
			[]string{"ReadDatabaseSecrets: Allow [secretsmanager:GetSecretValue] on [" + ownerSecretArn + " " + appSecretArn + " " + masterSecretArn + "]"}},
		{"customer-managed key", pulumi.String(secretsKey),
			[]string{
				"ReadAppSecret: Allow [secretsmanager:GetSecretValue] on [" + appSecretArn + "]",
				"DecryptDatabaseSecrets: Allow [kms:Decrypt] on [" + secretsKey + "]" + via,
			},
			[]string{
				"ReadDatabaseSecrets: Allow [secretsmanager:GetSecretValue] on [" + ownerSecretArn + " " + appSecretArn + " " + masterSecretArn + "]",
				"DecryptDatabaseSecrets: Allow [kms:Decrypt] on [" + secretsKey + "]" + via,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runService(t, func(a *components.DjangoServiceArgs) { a.DatabaseSecretsKMSKeyArn = tc.key })
			taskRole := res.Named("web-task-role").Output("name")
			taskPolicy := res.Named("web-db-secret-policy")
			if got := taskPolicy.Input("role"); got != taskRole {
				t.Errorf("db-secret-policy role: got %v, want the task role %v", got, taskRole)
			}
			if got := statements(t, taskPolicy.InputString("policy")); !slices.Equal(got, tc.wantTask) {
				t.Errorf("task role database access:\n got %q\nwant %q", got, tc.wantTask)
			}
			migrationRole := res.Named("web-migration-role").Output("name")
			migrationPolicy := res.Named("web-migration-policy")
			if got := migrationPolicy.Input("role"); got != migrationRole {
				t.Errorf("migration-policy role: got %v, want the migration role %v", got, migrationRole)
			}
			if got := statements(t, migrationPolicy.InputString("policy")); !slices.Equal(got, tc.wantMigration) {
				t.Errorf("migration role access:\n got %q\nwant %q", got, tc.wantMigration)
			}
			// No other policy of the component names a database secret.
			for _, p := range res.ByType("aws:iam/rolePolicy:RolePolicy") {
				if p.Name == "web-db-secret-policy" || p.Name == "web-migration-policy" {
					continue
				}
				doc := p.InputString("policy")
				for _, arn := range []string{appSecretArn, ownerSecretArn, masterSecretArn} {
					if strings.Contains(doc, arn) {
						t.Errorf("%s names database secret %s; only the task and migration roles may", p.Name, arn)
					}
				}
			}
		})
	}
}

// TestMigrationRole checks the migration role's trust (ECS tasks of this
// account only, as the task role), its output, and that the service waits
// for the policies that let the tasks and the migration read their secrets.
// Without migrations there is no migration role and no owner or master
// secret is needed.
func TestMigrationRole(t *testing.T) {
	res := runService(t, nil)
	role := res.Named("web-migration-role")
	if role == nil {
		t.Fatal("no web-migration-role")
	}
	if got, want := role.InputString("assumeRolePolicy"), res.Named("web-task-role").InputString("assumeRolePolicy"); got != want {
		t.Errorf("migration role trust: got %s, want the task role's %s", got, want)
	}
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	for _, dep := range []string{"web-db-secret-policy", "web-migration-policy"} {
		if urn := res.Named(dep).URN; !slices.Contains(svc.Dependencies, urn) {
			t.Errorf("service dependencies %v lack %s: the first tasks or the migration could start before they may read their secrets", svc.Dependencies, dep)
		}
	}
	exported := testutil.Run(t, func(ctx *pulumi.Context) error {
		args := baseArgs()
		s, err := components.NewDjangoService(ctx, "web", &args)
		if err == nil {
			testutil.ExportOutputs(ctx, s)
		}
		return err
	})
	if got, want := exported.Exports["migrationRoleArn"], exported.Named("web-migration-role").Output("arn"); got != want {
		t.Errorf("migrationRoleArn output: got %v, want the migration role's ARN %v", got, want)
	}

	off := runService(t, func(a *components.DjangoServiceArgs) {
		a.Migrations = pulumi.BoolRef(false)
		a.DatabaseOwnerSecretArn, a.DatabaseMasterSecretArn = nil, nil
	})
	if off.Named("web-migration-role") != nil || off.Named("web-migration-policy") != nil {
		t.Error("migrations off: got a migration role or policy, want none")
	}
	if off.Named("web-db-secret-policy") == nil {
		t.Error("migrations off: no db-secret-policy, want the task role to read the app secret still")
	}
}

// TestDatabaseCredentialValidation checks that the secrets migrations need
// are required with migrations, and that the component's own variables
// cannot be set or shadowed through environment or secrets.
func TestDatabaseCredentialValidation(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(*components.DjangoServiceArgs)
		field, want string
	}{
		{"app secret", func(a *components.DjangoServiceArgs) { a.DatabaseAppSecretArn = nil }, "databaseAppSecretArn", "is required"},
		{"owner secret", func(a *components.DjangoServiceArgs) { a.DatabaseOwnerSecretArn = nil }, "databaseOwnerSecretArn", "is required when migrations are on"},
		{"master secret", func(a *components.DjangoServiceArgs) { a.DatabaseMasterSecretArn = nil }, "databaseMasterSecretArn", "is required when migrations are on"},
		{"DB_SECRET_ARN", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"DB_SECRET_ARN": masterSecretArn})
		}, "environment", "DB_SECRET_ARN is set by the component itself"},
		{"AWS_REGION", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"AWS_REGION": "eu-west-1"})
		}, "environment", "AWS_REGION is set by the component itself"},
		{"DB_ADMIN_SECRET_ARN", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"DB_ADMIN_SECRET_ARN": masterSecretArn})
		}, "environment", "DB_ADMIN_SECRET_ARN is set by the component itself"},
		{"DB_PASSWORD as secret", func(a *components.DjangoServiceArgs) {
			a.Secrets = pulumi.ToStringMap(map[string]string{"DB_PASSWORD": masterSecretArn + ":password::"})
		}, "secrets", "DB_PASSWORD is already set"},
		{"secret-like env", func(a *components.DjangoServiceArgs) {
			a.Environment = pulumi.ToStringMap(map[string]string{"STRIPE_SECRET_ARN_VALUE": "x"})
		}, "environment", "STRIPE_SECRET_ARN_VALUE looks like a secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.edit(&args)
			res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
				_, err := components.NewDjangoService(ctx, "web", &args)
				return err
			})
			testutil.AssertRefused(t, res, err, "DjangoService", "web", tc.field, tc.want)
		})
	}
}
