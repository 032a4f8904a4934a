package database_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	secretType   = "aws:secretsmanager/secret:Secret"
	versionType  = "aws:secretsmanager/secretVersion:SecretVersion"
	passwordType = "random:index/randomPassword:RandomPassword"
	rotationType = "aws:secretsmanager/secretRotation:SecretRotation"
	kmsKey       = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-0000-4000-8000-000000000001"
)

// TestDatabaseRoleSecrets protects RDS-12's credentials: one generated
// password and one auto-named Secrets Manager secret per role, the value
// JSON {"username", "password"} (the shape of the RDS master secret, which
// the app reads for all three), kept secret in state, and the ARNs exported.
func TestDatabaseRoleSecrets(t *testing.T) {
	cases := []struct {
		name            string
		args            components.DatabaseArgs
		wantApp, wantOw string
	}{
		{"defaults", components.DatabaseArgs{}, "app", "app_owner"},
		{"named roles", components.DatabaseArgs{AppRole: "web", OwnerRole: "web_ddl"}, "web", "web_ddl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			if n := len(res.ByType(secretType)); n != 2 {
				t.Fatalf("secrets: got %d, want 2 (app and owner; RDS keeps the master's)", n)
			}
			comp := testutil.One(t, res, "djangofargate:components:Database")
			for _, r := range []struct{ role, username, export string }{
				{"app", tc.wantApp, "appSecretArn"},
				{"owner", tc.wantOw, "ownerSecretArn"},
			} {
				pw := res.Named(dbName + "-" + r.role + "-password")
				secret := res.Named(dbName + "-" + r.role + "-credentials")
				version := res.Named(dbName + "-" + r.role + "-credentials-value")
				if pw == nil || secret == nil || version == nil {
					t.Fatalf("%s: got password %v, secret %v, version %v; want all three", r.role, pw != nil, secret != nil, version != nil)
				}
				for _, child := range []string{pw.Parent, secret.Parent, version.Parent} {
					if child != comp.URN {
						t.Errorf("%s: parent %s, want the component", r.role, child)
					}
				}
				for path, want := range map[string]any{"length": 40.0, "special": true, "overrideSpecial": "-_.~"} {
					if got := pw.Input(path); got != want {
						t.Errorf("%s password %s: got %v, want %v", r.role, path, got, want)
					}
				}
				if got := secret.Input("name"); got != nil {
					t.Errorf("%s secret name: got %v, want none (auto-named, so stacks never collide)", r.role, got)
				}
				if got := secret.Input("kmsKeyId"); got != nil {
					t.Errorf("%s secret kmsKeyId: got %v, want the AWS-managed key by default", r.role, got)
				}
				if got := version.Input("secretId"); got != secret.ID {
					t.Errorf("%s version secretId: got %v, want %s", r.role, got, secret.ID)
				}
				if !version.Inputs["secretString"].IsSecret() {
					t.Errorf("%s secretString: not marked secret; the password would show in state and previews", r.role)
				}
				var value map[string]string
				if err := json.Unmarshal([]byte(version.InputString("secretString")), &value); err != nil {
					t.Fatalf("%s secretString: %v", r.role, err)
				}
				want := map[string]string{"username": r.username, "password": pw.Output("result").(string)}
				if !reflect.DeepEqual(value, want) {
					t.Errorf("%s secret value: got %v, want %v", r.role, value, want)
				}
				if got := res.Exports[r.export]; got != secret.Output("arn") || got == "" {
					t.Errorf("output %s: got %v, want %v", r.export, got, secret.Output("arn"))
				}
			}
			if got := res.Exports["appRole"]; got != tc.wantApp {
				t.Errorf("output appRole: got %v, want %s", got, tc.wantApp)
			}
			if got := res.Exports["ownerRole"]; got != tc.wantOw {
				t.Errorf("output ownerRole: got %v, want %s", got, tc.wantOw)
			}
		})
	}
}

// TestDatabaseRoleSecretArnsWaitForValues protects the migration task from
// a secret without a value: the exported ARNs come from the versions, so
// whatever takes them (the task definition, the migration hook) depends on
// the value being written, not only on the empty secret.
func TestDatabaseRoleSecretArnsWaitForValues(t *testing.T) {
	res := testutil.Run(t, func(ctx *pulumi.Context) error {
		a := withInputs(components.DatabaseArgs{})
		d, err := components.NewDatabase(ctx, dbName, &a)
		if err != nil {
			return err
		}
		for role, arn := range map[string]pulumi.StringOutput{"app": d.AppSecretArn, "owner": d.OwnerSecretArn} {
			if _, err := secretsmanager.NewSecretPolicy(ctx, role+"-consumer", &secretsmanager.SecretPolicyArgs{
				SecretArn: arn, Policy: pulumi.String(`{"Version":"2012-10-17","Statement":[]}`),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	for _, role := range []string{"app", "owner"} {
		consumer := res.Named(role + "-consumer")
		version := res.Named(dbName + "-" + role + "-credentials-value")
		if !slices.Contains(consumer.PropertyDependencies["secretArn"], version.URN) {
			t.Errorf("%sSecretArn: a consumer depends on %v, want the secret version %s", role, consumer.PropertyDependencies["secretArn"], version.URN)
		}
		if got := consumer.InputString("secretArn"); got != res.Named(dbName+"-"+role+"-credentials").Output("arn") {
			t.Errorf("%sSecretArn: got %q, want the secret's ARN", role, got)
		}
	}
}

// TestDatabasePasswordCharset protects the passwords' charset: every
// special character is URL-unreserved (RFC 3986 section 2.3), so a password
// needs no escaping in a postgres:// URL, and none is a quote, backslash,
// '@', '/' or space, which break libpq strings and SQL literals.
func TestDatabasePasswordCharset(t *testing.T) {
	res := run(t, components.DatabaseArgs{})
	for _, role := range []string{"app", "owner"} {
		special := res.Named(dbName + "-" + role + "-password").InputString("overrideSpecial")
		for _, c := range special {
			if !strings.ContainsRune("-._~", c) {
				t.Errorf("%s password special %q: not URL-unreserved", role, c)
			}
		}
	}
}

// TestDatabaseSecretsKMSKey protects the customer-managed key option: it
// encrypts both role secrets and the RDS-managed master secret, and is
// exported for the roles that must decrypt with it.
func TestDatabaseSecretsKMSKey(t *testing.T) {
	res := run(t, components.DatabaseArgs{SecretsKMSKeyArn: pulumi.String(kmsKey)})
	for _, s := range res.ByType(secretType) {
		if got := s.Input("kmsKeyId"); got != kmsKey {
			t.Errorf("%s kmsKeyId: got %v, want %s", s.Name, got, kmsKey)
		}
	}
	if got := testutil.One(t, res, instanceType).Input("masterUserSecretKmsKeyId"); got != kmsKey {
		t.Errorf("instance masterUserSecretKmsKeyId: got %v, want %s", got, kmsKey)
	}
	if got := res.Exports["secretsKmsKeyArn"]; got != kmsKey {
		t.Errorf("output secretsKmsKeyArn: got %v, want %s", got, kmsKey)
	}
	plain := run(t, components.DatabaseArgs{})
	if got := testutil.One(t, plain, instanceType).Input("masterUserSecretKmsKeyId"); got != nil {
		t.Errorf("default masterUserSecretKmsKeyId: got %v, want none (aws/secretsmanager)", got)
	}
}

// TestDatabaseMasterRotation protects the rotation schedule (issue 12.1):
// a Lambda-less rotation of the RDS-managed master secret (RDS rotates it
// itself), every 7 days by default, never rotated by the deploy itself.
func TestDatabaseMasterRotation(t *testing.T) {
	for _, days := range []int{0, 30} {
		res := run(t, components.DatabaseArgs{MasterRotationDays: days})
		rot := testutil.One(t, res, rotationType)
		db := testutil.One(t, res, instanceType)
		want := map[string]any{
			"secretId":                             db.Output("masterUserSecrets.0.secretArn"),
			"rotationRules.automaticallyAfterDays": map[int]float64{0: 7, 30: 30}[days],
			"rotateImmediately":                    false,
			"rotationLambdaArn":                    nil,
		}
		for path, w := range want {
			if got := rot.Input(path); !reflect.DeepEqual(got, w) {
				t.Errorf("masterRotationDays %d: rotation %s got %#v, want %#v", days, path, got, w)
			}
		}
		if !slices.Contains(rot.Dependencies, db.URN) {
			t.Errorf("rotation does not depend on the instance, whose secret it schedules")
		}
	}
}

// TestDatabaseCredentialValidation protects the role names and the
// rotation period: refused with the field named, nothing registered.
func TestDatabaseCredentialValidation(t *testing.T) {
	cases := []struct {
		name, field, message string
		args                 components.DatabaseArgs
	}{
		{"app role upper case", "appRole", "not a PostgreSQL role name", components.DatabaseArgs{AppRole: "App"}},
		{"app role hyphen", "appRole", "not a PostgreSQL role name", components.DatabaseArgs{AppRole: "my-app"}},
		{"app role 64 characters", "appRole", "1 to 63", components.DatabaseArgs{AppRole: strings.Repeat("a", 64)}},
		{"app role reserved word", "appRole", "reserved word", components.DatabaseArgs{AppRole: "user"}},
		{"app role pg_", "appRole", "starts with pg_ or rds", components.DatabaseArgs{AppRole: "pg_app"}},
		{"owner role rds_", "ownerRole", "starts with pg_ or rds", components.DatabaseArgs{OwnerRole: "rds_owner"}},
		{"owner role postgres", "ownerRole", "already has or reserves", components.DatabaseArgs{OwnerRole: "postgres"}},
		{"app role is master", "appRole", "is the master user", components.DatabaseArgs{AppRole: "django"}},
		{"owner role is master", "ownerRole", "is the master user", components.DatabaseArgs{Username: "Owner", OwnerRole: "owner"}},
		{"app role is owner", "appRole", "is also ownerRole", components.DatabaseArgs{AppRole: "app_owner"}},
		{"rotation negative", "masterRotationDays", "-1 is out of range; use 1 to 1000 days", components.DatabaseArgs{MasterRotationDays: -1}},
		{"rotation above 1000", "masterRotationDays", "1001 is out of range", components.DatabaseArgs{MasterRotationDays: 1001}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := testutil.RunErr(program(dbName, withInputs(tc.args)))
			testutil.AssertRefused(t, res, err, "Database", dbName, tc.field, tc.message)
		})
	}
}
