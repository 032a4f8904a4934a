// Package database_test checks the Database component on the offline engine:
// what it would deploy for the production defaults and for the cheap
// development trade-offs, and what it refuses before deploying anything.
package database_test

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	instanceType = "aws:rds/instance:Instance"
	sgType       = "aws:ec2/securityGroup:SecurityGroup"
	subnetType   = "aws:rds/subnetGroup:SubnetGroup"
	paramType    = "aws:rds/parameterGroup:ParameterGroup"
	randomIDType = "random:index/randomId:RandomId"
	dbName       = "app"
)

var (
	vpcID      = "vpc-123"
	subnetIDs  = []string{"subnet-iso-a", "subnet-iso-b"}
	allowedSGs = []string{"sg-tasks-1", "sg-tasks-2"}
)

// withInputs returns args wired to fake network ids, as the stack wires the
// Network component's outputs.
func withInputs(a components.DatabaseArgs) components.DatabaseArgs {
	a.VpcID = pulumi.String(vpcID)
	a.SubnetIDs = pulumi.ToStringArray(subnetIDs)
	a.AllowedSecurityGroupIDs = pulumi.ToStringArray(allowedSGs)
	return a
}

// program creates one Database named name and exports its outputs.
func program(name string, a components.DatabaseArgs) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		d, err := components.NewDatabase(ctx, name, &a)
		if err != nil {
			return err
		}
		testutil.ExportOutputs(ctx, d)
		return nil
	}
}

func run(t *testing.T, a components.DatabaseArgs) *offline.Result {
	t.Helper()
	return testutil.Run(t, program(dbName, withInputs(a)))
}

var (
	no  = pulumi.BoolRef(false)
	yes = pulumi.BoolRef(true)
)

// cheap is the development profile's trade-offs.
var cheap = components.DatabaseArgs{
	MultiAZ:             no,
	BackupRetentionDays: 1,
	DeletionProtection:  no,
	Protect:             no,
	FinalSnapshot:       no,
	PerformanceInsights: no,
	LogExports:          no,
	InstanceClass:       "db.t4g.micro",
}

// TestDatabaseInstanceSettings protects every instance setting for the
// secure defaults (RDS-1..6, 8..10) and for the cheap variant, and the
// settings no variant may change (RDS-1, RDS-2, RDS-8, RDS-9).
func TestDatabaseInstanceSettings(t *testing.T) {
	always := map[string]any{
		"engine":                   "postgres",
		"publiclyAccessible":       false,
		"storageEncrypted":         true,
		"manageMasterUserPassword": true,
		"autoMinorVersionUpgrade":  true,
		"copyTagsToSnapshot":       true,
		"storageType":              "gp3",
		"port":                     5432.0,
		"username":                 "django",
		"dbName":                   "app",
		"allocatedStorage":         20.0,
		"maxAllocatedStorage":      100.0,
	}
	cases := []struct {
		name        string
		args        components.DatabaseArgs
		want        map[string]any
		wantProtect bool
	}{{
		name: "secure defaults",
		want: map[string]any{
			"engineVersion":                      "17",
			"instanceClass":                      "db.t4g.medium",
			"multiAz":                            true,
			"backupRetentionPeriod":              14.0,
			"deletionProtection":                 true,
			"skipFinalSnapshot":                  false,
			"performanceInsightsEnabled":         true,
			"performanceInsightsRetentionPeriod": 7.0,
			"enabledCloudwatchLogsExports":       []any{"postgresql", "upgrade"},
			"applyImmediately":                   true,
		},
		wantProtect: true,
	}, {
		name: "cheap development variant",
		args: cheap,
		want: map[string]any{
			"instanceClass":                      "db.t4g.micro",
			"multiAz":                            false,
			"backupRetentionPeriod":              1.0,
			"deletionProtection":                 false,
			"skipFinalSnapshot":                  true,
			"finalSnapshotIdentifier":            nil,
			"performanceInsightsEnabled":         false,
			"performanceInsightsRetentionPeriod": nil,
			"enabledCloudwatchLogsExports":       nil,
		},
		wantProtect: false,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			db := testutil.One(t, res, instanceType)
			for _, want := range []map[string]any{always, tc.want} {
				for path, w := range want {
					if got := db.Input(path); !reflect.DeepEqual(got, w) {
						t.Errorf("instance %s: got %#v, want %#v", path, got, w)
					}
				}
			}
			for _, secret := range []string{"password", "masterPassword"} {
				if got := db.Input(secret); got != nil {
					t.Errorf("instance %s: got %v, want no password in state (RDS manages it)", secret, got)
				}
			}
			if db.Protect != tc.wantProtect {
				t.Errorf("instance protect: got %v, want %v", db.Protect, tc.wantProtect)
			}
			sg := testutil.One(t, res, sgType)
			if got := db.Input("vpcSecurityGroupIds"); !reflect.DeepEqual(got, []any{sg.ID}) {
				t.Errorf("instance vpcSecurityGroupIds: got %v, want only the database's own group [%s]", got, sg.ID)
			}
			sub := testutil.One(t, res, subnetType)
			if got, want := db.InputString("dbSubnetGroupName"), sub.Output("name"); got != want {
				t.Errorf("instance dbSubnetGroupName: got %q, want the component's subnet group %v", got, want)
			}
			pg := testutil.One(t, res, paramType)
			if got, want := db.InputString("parameterGroupName"), pg.Output("name"); got != want {
				t.Errorf("instance parameterGroupName: got %q, want the component's parameter group %v", got, want)
			}
		})
	}
}

// TestDatabaseSecurityGroupAdmitsOnlyNamedGroups protects NET-4's database
// link: one ingress rule, TCP 5432, from exactly the named security groups,
// with a description; no CIDR sources; no egress at all.
func TestDatabaseSecurityGroupAdmitsOnlyNamedGroups(t *testing.T) {
	res := run(t, components.DatabaseArgs{})
	sg := testutil.One(t, res, sgType)
	if got := sg.InputString("vpcId"); got != vpcID {
		t.Errorf("security group vpcId: got %q, want %q", got, vpcID)
	}
	if sg.InputString("description") == "" {
		t.Errorf("security group description: got empty, want one")
	}
	ingress, _ := sg.Input("ingress").([]any)
	if len(ingress) != 1 {
		t.Fatalf("ingress rules: got %d (%v), want 1", len(ingress), ingress)
	}
	rule := ingress[0].(map[string]any)
	checks := []struct {
		key  string
		want any
	}{
		{"protocol", "tcp"},
		{"fromPort", 5432.0},
		{"toPort", 5432.0},
		{"securityGroups", []any{allowedSGs[0], allowedSGs[1]}},
		{"cidrBlocks", nil},
		{"ipv6CidrBlocks", nil},
		{"prefixListIds", nil},
		{"self", nil},
	}
	for _, c := range checks {
		if got := rule[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("ingress %s: got %#v, want %#v", c.key, got, c.want)
		}
	}
	if d, _ := rule["description"].(string); strings.TrimSpace(d) == "" {
		t.Errorf("ingress description: got %q, want a description", d)
	}
	egress, ok := sg.Input("egress").([]any)
	if !ok || len(egress) != 0 {
		t.Errorf("egress: got %#v, want an explicit empty list (removes AWS's allow-all default)", sg.Input("egress"))
	}
}

// TestDatabaseSecurityGroupWithoutAllowedGroups protects the other way to
// wire NET-4 (the service adds its own rule to the database's group): no
// inline ingress, so separate rules are not fought, and still no egress.
func TestDatabaseSecurityGroupWithoutAllowedGroups(t *testing.T) {
	a := withInputs(components.DatabaseArgs{})
	a.AllowedSecurityGroupIDs = nil
	res := testutil.Run(t, program(dbName, a))
	sg := testutil.One(t, res, sgType)
	if got := sg.Input("ingress"); got != nil {
		t.Errorf("ingress: got %#v, want none managed inline", got)
	}
	if egress, ok := sg.Input("egress").([]any); !ok || len(egress) != 0 {
		t.Errorf("egress: got %#v, want an explicit empty list", sg.Input("egress"))
	}
	if got := len(res.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")); got != 0 {
		t.Errorf("separate ingress rules: got %d, want 0 (the caller adds them)", got)
	}
}

// TestDatabaseParameterGroup protects RDS-7 (rds.force_ssl=1), slow-query
// logging without bind parameters (issue 20.5: log_parameter_max_length
// and log_parameter_max_length_on_error 0, PostgreSQL 13+, so the oldest
// major allowed has them), and the family derived from the engine version.
func TestDatabaseParameterGroup(t *testing.T) {
	cases := []struct {
		version, family string
	}{
		{"", "postgres17"},
		{"16.4", "postgres16"},
		{"13", "postgres13"},
		{"18", "postgres18"},
	}
	for _, tc := range cases {
		t.Run("version "+tc.version, func(t *testing.T) {
			res := run(t, components.DatabaseArgs{EngineVersion: tc.version})
			pg := testutil.One(t, res, paramType)
			if got := pg.InputString("family"); got != tc.family {
				t.Errorf("parameter group family: got %q, want %q", got, tc.family)
			}
			params := map[string]any{}
			for _, p := range pg.Input("parameters").([]any) {
				m := p.(map[string]any)
				params[m["name"].(string)] = m["value"]
			}
			want := map[string]any{"rds.force_ssl": "1", "log_min_duration_statement": "1000",
				"log_parameter_max_length": "0", "log_parameter_max_length_on_error": "0"}
			if !reflect.DeepEqual(params, want) {
				t.Errorf("parameters: got %v, want %v", params, want)
			}
			if want := tc.version; want != "" {
				if got := testutil.One(t, res, instanceType).InputString("engineVersion"); got != want {
					t.Errorf("engineVersion: got %q, want %q", got, want)
				}
			}
		})
	}
}

// TestDatabaseSubnetGroup protects RDS-1's placement: the subnet group holds
// exactly the given (isolated) subnets.
func TestDatabaseSubnetGroup(t *testing.T) {
	sub := testutil.One(t, run(t, components.DatabaseArgs{}), subnetType)
	if got := sub.Input("subnetIds"); !reflect.DeepEqual(got, []any{subnetIDs[0], subnetIDs[1]}) {
		t.Errorf("subnetIds: got %v, want %v", got, subnetIDs)
	}
}

// snapshotIDRe is the RDS snapshot identifier rule (names.json
// rds_final_snapshot_identifier): max 255 is checked separately.
var snapshotIDRe = regexp.MustCompile(`^[A-Za-z](?:-?[A-Za-z0-9])*$`)

// TestDatabaseFinalSnapshotIdentifier protects RDS-5's final snapshot: a
// valid identifier, derived from the name and a random suffix kept in state,
// different for each stack.
func TestDatabaseFinalSnapshotIdentifier(t *testing.T) {
	ids := map[string]string{}
	for _, stack := range []string{"prod", "staging"} {
		res, err := offline.Run(program(dbName, withInputs(components.DatabaseArgs{})), offline.Options{
			Project: testutil.Project, Stack: stack, Config: map[string]string{"aws:region": "us-east-1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		db := testutil.One(t, res, instanceType)
		rnd := res.Named(dbName + "-final-snapshot-suffix")
		if rnd == nil {
			t.Fatal("no final-snapshot-suffix RandomId")
		}
		if rnd.Parent == res.StackURN() {
			t.Errorf("random suffix parent: got the stack, want the component")
		}
		if got := rnd.Input("byteLength"); got != 4.0 {
			t.Errorf("random suffix byteLength: got %v, want 4", got)
		}
		id := db.InputString("finalSnapshotIdentifier")
		if want := dbName + "-final-" + rnd.Output("hex").(string); id != want {
			t.Errorf("finalSnapshotIdentifier: got %q, want %q (name plus the random suffix)", id, want)
		}
		if !snapshotIDRe.MatchString(id) || len(id) > 255 {
			t.Errorf("finalSnapshotIdentifier %q: got an invalid RDS snapshot identifier, want %s and at most 255 characters", id, snapshotIDRe)
		}
		ids[stack] = id
	}
	if ids["prod"] == ids["staging"] {
		t.Errorf("final snapshot identifiers of two stacks: got both %q, want them to differ", ids["prod"])
	}
}

// TestDatabaseOutputs protects the values the service is wired with.
func TestDatabaseOutputs(t *testing.T) {
	res := run(t, components.DatabaseArgs{})
	db := testutil.One(t, res, instanceType)
	sg := testutil.One(t, res, sgType)
	secret, _ := db.Output("masterUserSecrets.0.secretArn").(string)
	if !strings.HasPrefix(secret, "arn:aws:secretsmanager:") {
		t.Fatalf("fabricated master secret: got %q, want a Secrets Manager ARN", secret)
	}
	want := map[string]any{
		"address":         db.Output("address"),
		"port":            5432.0,
		"endpoint":        db.Output("endpoint"),
		"dbName":          "app",
		"username":        "django",
		"masterSecretArn": secret,
		"securityGroupId": sg.ID,
		"appSecretArn":    res.Named(dbName + "-app-credentials").Output("arn"),
		"ownerSecretArn":  res.Named(dbName + "-owner-credentials").Output("arn"),
		"appRole":         "app",
		"ownerRole":       "app_owner",
	}
	for k, w := range want {
		got := res.Exports[k]
		if n, ok := got.(int); ok {
			got = float64(n)
		}
		if !reflect.DeepEqual(got, w) || got == "" {
			t.Errorf("output %s: got %#v, want %#v", k, got, w)
		}
	}
}

// TestDatabaseAcceptsValidEdges protects the valid values next to each
// boundary from being refused.
func TestDatabaseAcceptsValidEdges(t *testing.T) {
	cases := map[string]components.DatabaseArgs{
		"major.minor version":        {EngineVersion: "16.4"},
		"oldest major":               {EngineVersion: "13"},
		"metal class":                {InstanceClass: "db.r7i.metal-48xl"},
		"2xlarge class":              {InstanceClass: "db.m7g.2xlarge"},
		"largest storage":            {AllocatedStorage: 65535, MaxAllocatedStorage: 65536},
		"large storage, default max": {AllocatedStorage: 500},
		"one day of backups":         {BackupRetentionDays: 1},
		"35 days of backups":         {BackupRetentionDays: 35},
		"16-character username":      {Username: "django_app_owner"},
		"micro without PI":           {InstanceClass: "db.t4g.micro", PerformanceInsights: no},
		"explicit true switches":     {MultiAZ: yes, Protect: yes, DeletionProtection: yes},
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			if err := a.Validate(); err != nil {
				t.Fatalf("Validate: got %v, want nil", err)
			}
			res := run(t, a)
			db := testutil.One(t, res, instanceType)
			if a.AllocatedStorage == 500 {
				if got := db.Input("maxAllocatedStorage"); got != 1000.0 {
					t.Errorf("maxAllocatedStorage: got %v, want 1000 (twice the allocated storage)", got)
				}
			}
		})
	}
}

// TestDatabaseValidation protects each refusal: the error names the
// component, the field and the reason, and nothing is registered.
func TestDatabaseValidation(t *testing.T) {
	cases := []struct {
		name     string
		args     components.DatabaseArgs
		noInputs bool
		compName string
		field    string
		message  string
	}{
		{name: "class without db prefix", args: components.DatabaseArgs{InstanceClass: "t4g.medium"}, field: "instanceClass", message: "is not an RDS instance class"},
		{name: "class without size", args: components.DatabaseArgs{InstanceClass: "db.t4g"}, field: "instanceClass", message: "is not an RDS instance class"},
		{name: "class with unknown size", args: components.DatabaseArgs{InstanceClass: "db.t4g.huge"}, field: "instanceClass", message: "is not an RDS instance class"},
		{name: "storage below 20", args: components.DatabaseArgs{AllocatedStorage: 19}, field: "allocatedStorage", message: "19 GiB is out of range"},
		{name: "storage above gp3 max", args: components.DatabaseArgs{AllocatedStorage: 65537}, field: "allocatedStorage", message: "65537 GiB is out of range"},
		{name: "negative storage", args: components.DatabaseArgs{AllocatedStorage: -1}, field: "allocatedStorage", message: "out of range"},
		{name: "max equal to allocated", args: components.DatabaseArgs{AllocatedStorage: 50, MaxAllocatedStorage: 50}, field: "maxAllocatedStorage", message: "must be above allocatedStorage (50 GiB)"},
		{name: "max below allocated", args: components.DatabaseArgs{AllocatedStorage: 200, MaxAllocatedStorage: 100}, field: "maxAllocatedStorage", message: "must be above allocatedStorage"},
		{name: "max above gp3 max", args: components.DatabaseArgs{MaxAllocatedStorage: 70000}, field: "maxAllocatedStorage", message: "at most 65536"},
		{name: "negative retention", args: components.DatabaseArgs{BackupRetentionDays: -1}, field: "backupRetentionDays", message: "-1 is out of range; use 1 to 35 days (0 would disable automated backups)"},
		{name: "retention above 35", args: components.DatabaseArgs{BackupRetentionDays: 36}, field: "backupRetentionDays", message: "36 is out of range"},
		{name: "version with letters", args: components.DatabaseArgs{EngineVersion: "v17"}, field: "engineVersion", message: "is not a PostgreSQL version"},
		{name: "version with patch", args: components.DatabaseArgs{EngineVersion: "17.1.2"}, field: "engineVersion", message: "is not a PostgreSQL version"},
		{name: "version with trailing dot", args: components.DatabaseArgs{EngineVersion: "17."}, field: "engineVersion", message: "is not a PostgreSQL version"},
		{name: "version 12", args: components.DatabaseArgs{EngineVersion: "12"}, field: "engineVersion", message: "older than PostgreSQL 13"},
		{name: "version 12.7", args: components.DatabaseArgs{EngineVersion: "12.7"}, field: "engineVersion", message: "older than PostgreSQL 13"},
		{name: "username postgres", args: components.DatabaseArgs{Username: "postgres"}, field: "username", message: "well-known superuser name"},
		{name: "username Postgres", args: components.DatabaseArgs{Username: "Postgres"}, field: "username", message: "well-known superuser name"},
		{name: "username rdsadmin", args: components.DatabaseArgs{Username: "rdsadmin"}, field: "username", message: "reserved by RDS or PostgreSQL"},
		{name: "username admin", args: components.DatabaseArgs{Username: "admin"}, field: "username", message: "reserved by RDS or PostgreSQL"},
		{name: "username pg_", args: components.DatabaseArgs{Username: "pg_app"}, field: "username", message: "starts with pg_"},
		{name: "username reserved word", args: components.DatabaseArgs{Username: "user"}, field: "username", message: "reserved word"},
		{name: "username with digit first", args: components.DatabaseArgs{Username: "1django"}, field: "username", message: "not a valid master user name"},
		{name: "username with hyphen", args: components.DatabaseArgs{Username: "dj-ango"}, field: "username", message: "not a valid master user name"},
		{name: "username of 17", args: components.DatabaseArgs{Username: "django_app_owners"}, field: "username", message: "1 to 16"},
		{name: "dbname with hyphen", args: components.DatabaseArgs{DBName: "my-app"}, field: "dbName", message: "not a valid database name"},
		{name: "dbname with digit first", args: components.DatabaseArgs{DBName: "9app"}, field: "dbName", message: "not a valid database name"},
		{name: "dbname of 64", args: components.DatabaseArgs{DBName: "a" + strings.Repeat("b", 63)}, field: "dbName", message: "1 to 63"},
		{name: "dbname postgres", args: components.DatabaseArgs{DBName: "postgres"}, field: "dbName", message: "names a database RDS already has"},
		{name: "dbname reserved word", args: components.DatabaseArgs{DBName: "select"}, field: "dbName", message: "reserved word"},
		{name: "performance insights on micro", args: components.DatabaseArgs{InstanceClass: "db.t4g.micro"}, field: "performanceInsights", message: "does not support Performance Insights"},
		{name: "component name with capitals", args: components.DatabaseArgs{}, compName: "AppDB", field: "name", message: "cannot start an RDS identifier"},
		{name: "component name with underscore", args: components.DatabaseArgs{}, compName: "app_db", field: "name", message: "cannot start an RDS identifier"},
		{name: "component name with double hyphen", args: components.DatabaseArgs{}, compName: "app--db", field: "name", message: "cannot start an RDS identifier"},
		{name: "component name too long", args: components.DatabaseArgs{}, compName: "a" + strings.Repeat("b", 51), field: "name", message: "at most 51"},
		{name: "no vpc", args: components.DatabaseArgs{SubnetIDs: pulumi.ToStringArray(subnetIDs), AllowedSecurityGroupIDs: pulumi.ToStringArray(allowedSGs)}, noInputs: true, field: "vpcId", message: "required"},
		{name: "no subnets", args: components.DatabaseArgs{VpcID: pulumi.String(vpcID), AllowedSecurityGroupIDs: pulumi.ToStringArray(allowedSGs)}, noInputs: true, field: "subnetIds", message: "required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !tc.noInputs {
				args = withInputs(args)
			}
			name := tc.compName
			if name == "" {
				name = dbName
			}
			res, err := testutil.RunErr(program(name, args))
			testutil.AssertRefused(t, res, err, "Database", name, tc.field, tc.message)
			if tc.compName == "" && !tc.noInputs {
				var fe *components.FieldError
				if err := args.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
					t.Errorf("Validate(): got %v, want a *FieldError for %s", err, tc.field)
				}
			}
		})
	}
}

// TestDatabaseLogGroupsHaveRetention protects LOG-1 for the exported RDS
// logs: their log groups exist before the instance, named as RDS names them
// after the fixed identifier, with the retention asked for; RDS's own
// groups would keep the logs forever.
func TestDatabaseLogGroupsHaveRetention(t *testing.T) {
	for _, days := range []int{0, 30} {
		res := run(t, components.DatabaseArgs{LogRetentionDays: days})
		db := testutil.One(t, res, instanceType)
		suffix := res.Named(dbName + "-db-suffix")
		if suffix == nil {
			t.Fatal("no db-suffix RandomId")
		}
		id := dbName + "-db-" + suffix.Output("hex").(string)
		if got := db.InputString("identifier"); got != id {
			t.Errorf("identifier: got %q, want %q", got, id)
		}
		want := map[int]float64{0: 365, 30: 30}[days]
		for _, kind := range []string{"postgresql", "upgrade"} {
			g := res.Named(dbName + "-" + kind + "-logs")
			if g == nil {
				t.Fatalf("no %s log group", kind)
			}
			if got, wantName := g.InputString("name"), "/aws/rds/instance/"+id+"/"+kind; got != wantName {
				t.Errorf("%s log group name: got %q, want %q", kind, got, wantName)
			}
			if got := g.Input("retentionInDays"); got != want {
				t.Errorf("%s retention for %d: got %v, want %v", kind, days, got, want)
			}
			if !slices.Contains(db.Dependencies, g.URN) {
				t.Errorf("instance does not depend on the %s log group: RDS would create it first, without retention", kind)
			}
		}
	}
	off := run(t, components.DatabaseArgs{LogExports: pulumi.BoolRef(false)})
	if n := len(off.ByType("aws:cloudwatch/logGroup:LogGroup")); n != 0 {
		t.Errorf("log exports off: got %d log groups, want 0", n)
	}
}
