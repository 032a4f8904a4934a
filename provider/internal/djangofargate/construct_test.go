package djangofargate

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// image is a prebuilt image pinned by digest.
const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// registered is one resource a Construct registered with the mock engine.
type registered struct {
	typ, name, parent string
	custom            bool
}

// engine is the mock resource monitor behind the in-process provider: it
// echoes inputs as outputs and adds the outputs AWS computes that the
// components wire onward, and records every registration.
type engine struct {
	mu  sync.Mutex
	got []registered
}

func (e *engine) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	out := args.Inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	id := args.Name + "-id"
	set("arn", fmt.Sprintf("arn:aws:mock:us-east-1:123456789012:%s", args.Name))
	if !out.HasValue("name") {
		set("name", args.Name)
	}
	switch args.TypeToken {
	case "awsx:ec2:Vpc":
		id = "vpc-0mock"
		set("vpcId", id)
		set("publicSubnetIds", []any{"subnet-pub-a", "subnet-pub-b"})
		set("privateSubnetIds", []any{"subnet-priv-a", "subnet-priv-b"})
		set("isolatedSubnetIds", []any{"subnet-iso-a", "subnet-iso-b"})
	case "aws:rds/instance:Instance":
		set("address", "db.mock.us-east-1.rds.amazonaws.com")
		set("port", 5432)
		set("endpoint", "db.mock.us-east-1.rds.amazonaws.com:5432")
		set("masterUserSecrets", []any{map[string]any{
			"secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-mock"}})
	case "aws:ecr/repository:Repository":
		set("repositoryUrl", "123456789012.dkr.ecr.us-east-1.amazonaws.com/"+args.Name)
	case "aws:lb/loadBalancer:LoadBalancer":
		set("dnsName", "alb.us-east-1.elb.amazonaws.com")
		set("arnSuffix", "app/alb/123")
	case "aws:lb/targetGroup:TargetGroup":
		set("arnSuffix", "targetgroup/tg/123")
	case "aws:s3/bucketV2:BucketV2":
		id = args.Name + "-bucket"
		set("bucket", id)
	}
	parent := ""
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, registered{typ: args.TypeToken, name: args.Name, parent: parent, custom: args.Custom})
	return id, out, nil
}

func (e *engine) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	v := map[string]any{}
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		v = map[string]any{"accountId": "123456789012"}
	case "aws:index/getPartition:getPartition":
		v = map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com"}
	case "aws:index/getRegion:getRegion":
		v = map[string]any{"name": "us-east-1", "region": "us-east-1"}
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		v = map[string]any{"names": []any{"us-east-1a", "us-east-1b", "us-east-1c"}}
	case "aws:ec2/getRouteTables:getRouteTables":
		v = map[string]any{"ids": []any{"rtb-1", "rtb-2", "rtb-3"}}
	case "aws:ec2/getSubnets:getSubnets": // a new VPC: no subnets deployed yet
		v = map[string]any{"ids": []any{}}
	default:
		return nil, fmt.Errorf("mock engine: no answer for %s", args.Token)
	}
	return resource.NewPropertyMapFromMap(v), nil
}

// types returns how many resources of each type were registered.
func (e *engine) types() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := map[string]int{}
	for _, r := range e.got {
		n[r.typ]++
	}
	return n
}

// construct runs the provider's Construct in-process, as the engine would
// for `new djangofargate.components.X(name, inputs)` in another language.
func construct(t *testing.T, typ string, inputs map[string]property.Value) (*engine, p.ConstructResponse, error) {
	t.Helper()
	prov, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := &engine{}
	server, err := integration.NewServer(t.Context(), Name, semver.MustParse(Version),
		integration.WithProvider(prov), integration.WithMocks(e))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	urn := resource.NewURN("dev", "consumer", "", tokens.Type(Name+":components:"+typ), "site")
	resp, err := server.Construct(p.ConstructRequest{Urn: urn, Inputs: property.NewMap(inputs)})
	return e, resp, err
}

// strs is a property array of strings.
func strs(s ...string) property.Value {
	a := make([]property.Value, len(s))
	for i, v := range s {
		a[i] = property.New(v)
	}
	return property.New(a)
}

// str is a property string.
func str(s string) property.Value { return property.New(s) }

// serviceInputs are DjangoService's required inputs, as another language
// would pass them from the other components' outputs.
func serviceInputs() map[string]property.Value {
	return map[string]property.Value{
		"vpcId":                   str("vpc-0mock"),
		"publicSubnetIds":         strs("subnet-pub-a", "subnet-pub-b"),
		"privateSubnetIds":        strs("subnet-priv-a", "subnet-priv-b"),
		"imageUri":                str(image),
		"repositoryArn":           str("arn:aws:ecr:us-east-1:123456789012:repository/api"),
		"databaseHost":            str("db.mock.us-east-1.rds.amazonaws.com"),
		"databasePort":            property.New(5432.0),
		"databaseName":            str("app"),
		"databaseAppSecretArn":    str("arn:aws:secretsmanager:us-east-1:123456789012:secret:app-mock"),
		"databaseOwnerSecretArn":  str("arn:aws:secretsmanager:us-east-1:123456789012:secret:owner-mock"),
		"databaseMasterSecretArn": str("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-mock"),
	}
}

// noMigrations turns the migration hook off. The harness's fake resource
// monitor (pulumi-go-provider v1.5.0 integration/fake/monitor.go) does not
// implement RegisterResourceHook, and the service waits for its hook, so
// with migrations on nothing after the hook registers in-process; the Go
// tests (tests/service) cover the hook on the offline engine, which does.
func noMigrations(in map[string]property.Value) map[string]property.Value {
	in["migrations"] = property.New(false)
	return in
}

// TestConstructEveryComponent protects the provider's Construct for each
// component: from the inputs another language sends, it builds the
// component with its own token, parents the children to it, and returns
// the component's outputs.
func TestConstructEveryComponent(t *testing.T) {
	for _, tc := range []struct {
		typ       string
		inputs    map[string]property.Value
		child     string            // a child resource type the component must create
		wantState map[string]string // outputs and the values they must hold
		wantKeys  []string          // outputs that must be present
	}{
		{
			typ:       "Network",
			inputs:    map[string]property.Value{"natGateways": str("Single")},
			child:     "awsx:ec2:Vpc",
			wantState: map[string]string{"vpcId": "vpc-0mock"},
			wantKeys:  []string{"publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds", "cidrBlock"},
		},
		{
			typ:       "Registry",
			inputs:    map[string]property.Value{"image": str(image)},
			child:     "aws:ecr/repository:Repository",
			wantState: map[string]string{"imageUri": image},
			wantKeys:  []string{"repositoryUrl", "repositoryArn", "repositoryName"},
		},
		{
			typ:       "Database",
			inputs:    map[string]property.Value{"vpcId": str("vpc-0mock"), "subnetIds": strs("subnet-iso-a", "subnet-iso-b")},
			child:     "aws:rds/instance:Instance",
			wantState: map[string]string{"address": "db.mock.us-east-1.rds.amazonaws.com"},
			wantKeys:  []string{"port", "endpoint", "dbName", "masterSecretArn", "securityGroupId"},
		},
		{
			typ:      "Storage",
			inputs:   map[string]property.Value{},
			child:    "aws:s3/bucketV2:BucketV2",
			wantKeys: []string{"mediaBucketName", "mediaBucketArn", "mediaPolicyJson", "logBucketName", "logPrefix"},
		},
		{
			typ:    "DjangoService",
			inputs: noMigrations(serviceInputs()),
			child:  "aws:ecs/service:Service",
			wantKeys: []string{"url", "albDnsName", "clusterName", "serviceName", "logGroupName", "taskSecurityGroupId", "secretKeyArn",
				"loadBalancerArnSuffix", "targetGroupArnSuffix", "listenerArn", "loadBalancerSecurityGroupId"},
		},
		{
			// A second service on the first one's load balancer, as another
			// language would attach it: only a target group and a rule.
			typ: "DjangoService",
			inputs: func() map[string]property.Value {
				in := noMigrations(serviceInputs())
				delete(in, "publicSubnetIds")
				in["listener"] = property.New(map[string]property.Value{
					"listenerArn":     str("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"),
					"securityGroupId": str("sg-0alb"),
					"url":             str("https://api.example.com"),
					"paths":           strs("/admin/*"),
					"priority":        property.New(100.0),
				})
				return in
			}(),
			child:     "aws:lb/listenerRule:ListenerRule",
			wantState: map[string]string{"loadBalancerArnSuffix": "app/api-alb/50dc6c495c0c9188", "url": "https://api.example.com/admin/"},
			wantKeys:  []string{"targetGroupArnSuffix", "listenerArn", "loadBalancerSecurityGroupId"},
		},
		{
			typ:      "Alerts",
			inputs:   map[string]property.Value{"email": str("ops@example.com")},
			child:    "aws:sns/topic:Topic",
			wantKeys: []string{"topicArn"},
		},
		{
			typ: "Dashboard",
			inputs: map[string]property.Value{
				"loadBalancer": str("app/alb/123"), "targetGroup": str("targetgroup/tg/123"),
				"clusterName": str("site-cluster"), "serviceName": str("site-service"),
			},
			child:    "aws:cloudwatch/dashboard:Dashboard",
			wantKeys: []string{"dashboardName"},
		},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			e, resp, err := construct(t, tc.typ, tc.inputs)
			if err != nil {
				t.Fatalf("Construct: %v", err)
			}
			token := Name + ":components:" + tc.typ
			if got := string(resp.Urn.Type()); got != token {
				t.Errorf("URN type: got %s, want %s", got, token)
			}
			var comp, children int
			for _, r := range e.got {
				if r.typ == token && r.name == "site" {
					comp++
				}
				if r.typ == tc.child && r.parent != "" {
					children++
				}
			}
			if comp != 1 {
				t.Errorf("component registrations: got %d, want 1 of %s", comp, token)
			}
			if children == 0 {
				t.Errorf("children: got no parented %s, want at least one (registered: %v)", tc.child, e.types())
			}
			for k, want := range tc.wantState {
				v, ok := resp.State.GetOk(k)
				if !ok || !v.IsString() || v.AsString() != want {
					t.Errorf("output %s: got %v, want %q", k, v, want)
				}
			}
			for _, k := range tc.wantKeys {
				if _, ok := resp.State.GetOk(k); !ok {
					t.Errorf("output %s: missing from state %v", k, resp.State)
				}
			}
		})
	}
}

// TestConstructRefusesBadInputBeforeCreatingAnything protects the
// components' validation through the provider: another language's bad
// argument comes back as an error naming the component and the field, and
// nothing is registered.
func TestConstructRefusesBadInputBeforeCreatingAnything(t *testing.T) {
	inputs := serviceInputs()
	inputs["cpu"] = property.New(300.0)
	e, _, err := construct(t, "DjangoService", inputs)
	if err == nil || !strings.Contains(err.Error(), "DjangoService") || !strings.Contains(err.Error(), "cpu") {
		t.Fatalf("error: got %v, want one naming DjangoService and cpu", err)
	}
	if len(e.got) != 0 {
		t.Errorf("registered: got %v, want nothing", e.types())
	}
}

// TestConstructUnknownTypeFails protects the token dispatch: a type the
// package does not have is refused, not silently built as something else.
func TestConstructUnknownTypeFails(t *testing.T) {
	_, _, err := construct(t, "Cache", map[string]property.Value{})
	if err == nil {
		t.Fatal("Construct of djangofargate:components:Cache: got no error, want one")
	}
}
