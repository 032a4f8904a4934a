package components

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Database roles and credentials (CONTROLS.md RDS-11, RDS-12): the app
// connects as DefaultAppRole, migrations run as DefaultOwnerRole, and the
// RDS-managed master user is used only by the migration task's provisioning
// step, which creates both roles with the passwords of their secrets.
const (
	// DefaultAppRole is the PostgreSQL role the web tasks log in as: it reads
	// and writes the owner's tables, no DDL, no role creation.
	DefaultAppRole = "app"
	// DefaultOwnerRole is the PostgreSQL role that owns the schema's objects;
	// `manage.py migrate` runs as it.
	DefaultOwnerRole = "app_owner"
	// DefaultMasterRotationDays is how often RDS rotates the master password:
	// RDS's own default for a managed master secret, 7 days.
	DefaultMasterRotationDays = 7
	// maxMasterRotationDays is Secrets Manager's upper bound of
	// RotationRules.AutomaticallyAfterDays.
	maxMasterRotationDays = 1000
	// rolePasswordLength is the length of the app and owner passwords: 40
	// characters of 66 give about 240 bits.
	rolePasswordLength = 40
	// rolePasswordSpecial are the special characters of the generated
	// passwords: URL-unreserved (RFC 3986), so a password needs no escaping
	// in a postgres:// URL, a libpq connection string or SQL's PASSWORD
	// '...' literal.
	rolePasswordSpecial = "-_.~"
)

// pgRoleRe is an unquoted PostgreSQL identifier kept lowercase (PostgreSQL
// folds unquoted names to lowercase; an upper-case name would need quoting
// everywhere) and within NAMEDATALEN-1 (63) bytes.
var pgRoleRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ValidateRoleName returns an error unless name can be a login role the
// provisioning step creates: a lowercase unquoted PostgreSQL identifier,
// not a reserved word, not a pg_ or rds_ name, not a role RDS keeps.
func ValidateRoleName(name string) error {
	if !pgRoleRe.MatchString(name) {
		return fmt.Errorf("%q is not a PostgreSQL role name: use 1 to 63 lowercase letters, digits and underscores, starting with a letter or underscore", name)
	}
	switch {
	case strings.HasPrefix(name, "pg_") || strings.HasPrefix(name, "rds"):
		return fmt.Errorf("%q starts with pg_ or rds, which PostgreSQL and RDS keep for their own roles", name)
	case name == "postgres" || name == "public" || name == "admin":
		return fmt.Errorf("%q is a role PostgreSQL or RDS already has or reserves", name)
	case slices.Contains(postgresReserved, name):
		return fmt.Errorf("%q is a PostgreSQL reserved word", name)
	}
	return nil
}

// roleCredentials creates one role's secret: a generated password and a
// Secrets Manager secret (auto-named, so two stacks never collide) whose
// value is {"username": role, "password": ...}, the shape of the RDS master
// secret, which the app reads for any of the three.
//
// It returns the secret and its ARN as the version's output, so whatever
// takes the ARN waits for the value: a task started on the ARN alone could
// find the secret without a version.
func (d *Database) roleCredentials(ctx *pulumi.Context, name, role, username string, kmsKey pulumi.StringInput, tags pulumi.StringMap, parent pulumi.ResourceOption) (*secretsmanager.Secret, pulumi.StringOutput, error) {
	password, err := random.NewRandomPassword(ctx, child(name, role+"-password"), &random.RandomPasswordArgs{
		Length:          pulumi.Int(rolePasswordLength),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String(rolePasswordSpecial),
		MinLower:        pulumi.Int(1),
		MinUpper:        pulumi.Int(1),
		MinNumeric:      pulumi.Int(1),
	}, parent)
	if err != nil {
		return nil, pulumi.StringOutput{}, err
	}
	secret, err := secretsmanager.NewSecret(ctx, child(name, role+"-credentials"), &secretsmanager.SecretArgs{
		Description: pulumi.Sprintf("PostgreSQL role %s of %s: {\"username\", \"password\"}", username, name),
		KmsKeyId:    kmsKey,
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, pulumi.StringOutput{}, err
	}
	value := password.Result.ApplyT(func(p string) (string, error) {
		b, err := json.Marshal(map[string]string{"username": username, "password": p})
		return string(b), err
	}).(pulumi.StringOutput)
	version, err := secretsmanager.NewSecretVersion(ctx, child(name, role+"-credentials-value"), &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, pulumi.StringOutput{}, err
	}
	return secret, version.Arn, nil
}

// credentials creates the app and owner secrets and the master secret's
// rotation schedule, and sets the outputs that name them.
func (d *Database) credentials(ctx *pulumi.Context, name string, a databaseConfig, tags pulumi.StringMap, parent pulumi.ResourceOption) error {
	var err error
	if d.AppSecret, d.AppSecretArn, err = d.roleCredentials(ctx, name, "app", a.AppRole, a.SecretsKMSKeyArn, tags, parent); err != nil {
		return err
	}
	if d.OwnerSecret, d.OwnerSecretArn, err = d.roleCredentials(ctx, name, "owner", a.OwnerRole, a.SecretsKMSKeyArn, tags, parent); err != nil {
		return err
	}
	// RDS rotates its managed secret itself: a rotation schedule without a
	// Lambda is how Secrets Manager sets the period of a managed secret
	// ("To change the schedule for managed rotation", Secrets Manager user
	// guide, rotate-secrets_managed; the provider's rotationLambdaArn "must
	// be supplied if the secret is not managed by AWS"). RotateImmediately
	// false: applying the schedule must not itself rotate the password.
	d.MasterRotation, err = secretsmanager.NewSecretRotation(ctx, child(name, "master-rotation"), &secretsmanager.SecretRotationArgs{
		SecretId:          d.MasterSecretArn,
		RotateImmediately: pulumi.Bool(false),
		RotationRules: &secretsmanager.SecretRotationRotationRulesArgs{
			AutomaticallyAfterDays: pulumi.Int(a.MasterRotationDays),
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{d.Instance}))
	if err != nil {
		return err
	}
	d.AppRole, d.OwnerRole = pulumi.String(a.AppRole).ToStringOutput(), pulumi.String(a.OwnerRole).ToStringOutput()
	d.SecretsKMSKeyArn = pulumi.String("").ToStringOutput()
	if a.SecretsKMSKeyArn != nil {
		d.SecretsKMSKeyArn = a.SecretsKMSKeyArn.ToStringOutput()
	}
	return nil
}

// kmsKeyPtr is SecretsKMSKeyArn as the optional input RDS takes.
func (a databaseConfig) kmsKeyPtr() pulumi.StringPtrInput {
	if a.SecretsKMSKeyArn == nil {
		return nil
	}
	return a.SecretsKMSKeyArn.ToStringOutput()
}

// slowQueryParameters force TLS and log statements slower than
// SlowQueryMillis, without their bind parameters:
// log_parameter_max_length (PostgreSQL 13+) is how many bytes of each
// bind parameter a logged statement carries (default -1: all of it), and
// log_parameter_max_length_on_error the same for the statement an error
// reports (default 0, set here so that a change to it shows in a diff). 0
// writes none: a parameter may be a password, a token or a row's personal
// data (PostgreSQL documentation, runtime-config-logging).
//
// They cover parameters sent apart from the statement (the extended query
// protocol). A driver that interpolates values into the SQL text on the
// client (psycopg2 always; psycopg 3 under Django's default client-side
// binding) sends no bind parameters: its logged statement is the text with
// the values in it, which no server setting can strip.
func slowQueryParameters() rds.ParameterGroupParameterArray {
	params := []struct{ name, value string }{
		{"rds.force_ssl", "1"},
		{"log_min_duration_statement", strconv.Itoa(SlowQueryMillis)},
		{"log_parameter_max_length", "0"},
		{"log_parameter_max_length_on_error", "0"},
	}
	out := make(rds.ParameterGroupParameterArray, len(params))
	for i, p := range params {
		out[i] = rds.ParameterGroupParameterArgs{Name: pulumi.String(p.name), Value: pulumi.String(p.value)}
	}
	return out
}
