package badinput_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// No config key reaches an AWS name: Program names every component after
// the project (Pulumi.yaml's name:), and children "<component>-<role>", so
// the names Pulumi auto-names from are fixed by the project name alone.
// The limits are therefore tested here through the components' own APIs,
// and through the project name of the stack program.

// awsNames is /work/shared/aws-api/names.json: AWS's name limits, and the
// longest base name Pulumi can auto-name from ("<base>-<7 hex>").
type awsNames struct {
	Entries map[string]struct {
		AWS struct {
			Max int `json:"max"`
		} `json:"aws"`
		Autoname struct {
			MaxBaseName int `json:"max_base_name"`
		} `json:"pulumi_autoname"`
	} `json:"entries"`
}

// autonamed maps each auto-named resource type this project creates to its
// names.json entry and the input that carries the name.
var autonamed = map[string]struct{ entry, field string }{
	"aws:lb/loadBalancer:LoadBalancer":      {"alb_name", "name"},
	"aws:lb/targetGroup:TargetGroup":        {"target_group_name", "name"},
	"aws:iam/role:Role":                     {"iam_role_name", "name"},
	"aws:rds/instance:Instance":             {"rds_db_instance_identifier", "identifier"},
	"aws:s3/bucketV2:BucketV2":              {"s3_bucket_name", "bucket"},
	"aws:ecr/repository:Repository":         {"ecr_repository_name", "name"},
	"aws:cloudwatch/logGroup:LogGroup":      {"cloudwatch_log_group_name", "name"},
	"aws:secretsmanager/secret:Secret":      {"secretsmanager_secret_name", "name"},
	"aws:ecs/cluster:Cluster":               {"ecs_cluster_name", "name"},
	"aws:ecs/service:Service":               {"ecs_service_name", "name"},
	"aws:rds/subnetGroup:SubnetGroup":       {"rds_db_subnet_group_name", "name"},
	"aws:rds/parameterGroup:ParameterGroup": {"rds_db_parameter_group_name", "name"},
	"aws:iam/rolePolicy:RolePolicy":         {"iam_role_inline_policy_name", "name"},
	"aws:iam/policy:Policy":                 {"iam_policy_name", "name"},
	"aws:appautoscaling/policy:Policy":      {"appautoscaling_policy_name", "name"},
}

// nameCheck is one resource's name against its limit.
type nameCheck struct {
	urn, name string
	length    int // of the name, or of the base Pulumi auto-names from
	limit     int // AWS's maximum, or the longest base names.json allows
	autonamed bool
}

// nameChecks lists every named resource of a run with its limit.
func nameChecks(t *testing.T, names awsNames, res *offline.Result) []nameCheck {
	t.Helper()
	var out []nameCheck
	for _, r := range res.Resources {
		a, ok := autonamed[r.Type]
		if !ok {
			continue
		}
		e, ok := names.Entries[a.entry]
		if !ok {
			t.Fatalf("names.json: no entry %q", a.entry)
		}
		if v := r.InputString(a.field); v != "" {
			out = append(out, nameCheck{r.URN, v, len(v), e.AWS.Max, false})
			continue
		}
		limit := e.Autoname.MaxBaseName
		if limit == 0 {
			limit = e.AWS.Max - len("-0000000")
		}
		out = append(out, nameCheck{r.URN, r.Name, len(r.Name), limit, true})
	}
	return out
}

// TestComponentNameLimits protects each component's name check against
// AWS's limits after Pulumi's "-<7 hex>" suffix (names.json): the longest
// name a component accepts gives every auto-named child a name AWS takes,
// one child exactly at its limit (the check is not stricter than AWS), and
// one character more is refused before anything is registered.
func TestComponentNameLimits(t *testing.T) {
	var names awsNames
	if !awsFacts(t, "names.json", &names) {
		t.Skip("needs names.json")
	}
	base := func(entry, role string) int { return names.Entries[entry].Autoname.MaxBaseName - len("-"+role) }
	tests := []struct {
		component string
		longest   int // the longest name accepted: the tightest child's limit
		run       func(ctx *pulumi.Context, name string) error
	}{
		{"Network", base("iam_role_name", "flow-logs-role"), func(ctx *pulumi.Context, name string) error {
			_, err := components.NewNetwork(ctx, name, &components.NetworkArgs{})
			return err
		}},
		{"Registry", base("ecr_repository_name", "repository"), func(ctx *pulumi.Context, name string) error {
			_, err := components.NewRegistry(ctx, name, &components.RegistryArgs{Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1"})
			return err
		}},
		{"Storage", base("s3_bucket_name", "media"), func(ctx *pulumi.Context, name string) error {
			_, err := components.NewStorage(ctx, name, &components.StorageArgs{})
			return err
		}},
		// The instance identifier is set explicitly, "<name>-db-<8 hex>", so
		// its log groups can be named before it exists: RDS's 63 bound it.
		{"Database", names.Entries["rds_db_instance_identifier"].AWS.Max - len("-db-") - 8, func(ctx *pulumi.Context, name string) error {
			_, err := components.NewDatabase(ctx, name, &components.DatabaseArgs{
				VpcID: pulumi.String("vpc-0abc"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}),
			})
			return err
		}},
		{"DjangoService", min(base("alb_name", "alb"), base("target_group_name", "tg")), func(ctx *pulumi.Context, name string) error {
			args := serviceArgs()
			_, err := components.NewDjangoService(ctx, name, &args)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.component, func(t *testing.T) {
			if tc.longest <= 0 {
				t.Fatalf("names.json gives no limit for %s", tc.component)
			}
			longest := strings.Repeat("n", tc.longest)
			res := testutil.Run(t, func(ctx *pulumi.Context) error { return tc.run(ctx, longest) })
			tight := false
			for _, c := range nameChecks(t, names, res) {
				if c.length > c.limit {
					t.Errorf("%s named with %d characters: %s: got a name of %d characters (%q), want at most %d", tc.component, tc.longest, c.urn, c.length, c.name, c.limit)
				}
				tight = tight || c.length == c.limit
			}
			if !tight {
				t.Errorf("%s named with %d characters: got no child at its auto-name limit, want one (the check is stricter than AWS)", tc.component, tc.longest)
			}

			over := longest + "n"
			res, err := testutil.RunErr(func(ctx *pulumi.Context) error { return tc.run(ctx, over) })
			want := fmt.Sprintf("%s %q: name:", tc.component, over)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s named with %d characters: got %v, want an error containing %q", tc.component, len(over), err, want)
			}
			if n := len(res.Resources); n != 0 {
				t.Errorf("%s named with %d characters: got %d resources registered, want 0", tc.component, len(over), n)
			}
		})
	}
}

// serviceArgs are valid DjangoService arguments with fake wired inputs.
func serviceArgs() components.DjangoServiceArgs {
	return components.DjangoServiceArgs{
		VpcID:                   pulumi.String("vpc-0abc"),
		PublicSubnetIDs:         pulumi.ToStringArray([]string{"subnet-pub-a", "subnet-pub-b"}),
		PrivateSubnetIDs:        pulumi.ToStringArray([]string{"subnet-priv-a", "subnet-priv-b"}),
		ImageURI:                pulumi.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1"),
		RepositoryArn:           pulumi.String("arn:aws:ecr:us-east-1:123456789012:repository/app"),
		DatabaseHost:            pulumi.String("db.example.internal"),
		DatabasePort:            pulumi.Int(5432),
		DatabaseName:            pulumi.String("app"),
		DatabaseAppSecretArn:    pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:app-credentials-AbCdEf"),
		DatabaseOwnerSecretArn:  pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:owner-credentials-AbCdEf"),
		DatabaseMasterSecretArn: pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"),
		DatabaseSecurityGroupID: pulumi.String("sg-0db"),
		MediaBucketName:         pulumi.String("media-bucket"),
		TaskPolicyJSON:          pulumi.String(`{"Version":"2012-10-17","Statement":[]}`),
	}
}

// TestProjectNameIsCheckedBeforeAnyResource protects a renamed project:
// the project name names every component, and one that a later component
// refuses (DjangoService allows 20 characters, Registry no upper case) must
// fail the stack before the earlier components register anything.
func TestProjectNameIsCheckedBeforeAnyResource(t *testing.T) {
	for _, project := range []string{
		"my-company-django-api", // 21 characters: DjangoService's load balancer name
		"MyApp",                 // ECR and RDS names are lowercase
		strings.Repeat("p", 42), // Network's flow log role name
	} {
		t.Run(project, func(t *testing.T) {
			res, err := offline.Run(stacks.Program, offline.Options{
				Project: project, Stack: "prod", Config: testutil.StackConfig(t, "prod", nil), RootDirectory: testutil.RepoRoot(),
			})
			want := fmt.Sprintf("project name %q", project)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("project %q: got %v, want an error containing %q", project, err, want)
			}
			if n := len(res.Resources); n != 0 {
				t.Errorf("project %q: got %d resources registered (first %s), want 0", project, n, res.Resources[0].URN)
			}
		})
	}
}
