package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// image is a prebuilt image pinned by digest, as the "image" config takes it.
const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// mocks is the kind of pulumi.MockResourceMonitor a user writes: every
// resource echoes its inputs as outputs, plus the few outputs AWS computes
// that the components wire onward. It records what was registered.
type mocks struct {
	mu        sync.Mutex
	resources map[string]resource.PropertyMap // "type name" -> outputs
	types     map[string]int
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	out := args.Inputs.Copy()
	id := args.Name + "-id"
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	arn := fmt.Sprintf("arn:aws:mock:eu-west-1:123456789012:%s/%s", args.TypeToken, args.Name)
	set("arn", arn)
	if !out.HasValue("name") {
		set("name", args.Name)
	}
	switch args.TypeToken {
	case "awsx:ec2:Vpc": // a remote component: its outputs come from the mock
		id = "vpc-0abc"
		set("vpcId", id)
		set("publicSubnetIds", []any{"subnet-pub-a", "subnet-pub-b"})
		set("privateSubnetIds", []any{"subnet-priv-a", "subnet-priv-b"})
		set("isolatedSubnetIds", []any{"subnet-iso-a", "subnet-iso-b"})
	case "aws:rds/instance:Instance":
		set("address", "shop.abc.eu-west-1.rds.amazonaws.com")
		set("port", 5432)
		set("endpoint", "shop.abc.eu-west-1.rds.amazonaws.com:5432")
		set("masterUserSecrets", []any{map[string]any{
			"secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-abcdef"}})
	case "aws:ecr/repository:Repository":
		set("repositoryUrl", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop")
	case "aws:lb/loadBalancer:LoadBalancer":
		set("dnsName", "shop-alb-123.eu-west-1.elb.amazonaws.com")
		set("arnSuffix", "app/shop-alb/123")
	case "aws:lb/targetGroup:TargetGroup":
		set("arnSuffix", "targetgroup/shop-tg/123")
	case "aws:s3/bucketV2:BucketV2":
		id = args.Name + "-bucket"
		set("bucket", id)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resources[args.TypeToken+" "+args.Name] = out
	m.types[args.TypeToken]++
	return id, out, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": "123456789012"}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com"}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": "eu-west-1", "region": "eu-west-1"}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{"names": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}}), nil
	case "aws:ec2/getRouteTables:getRouteTables":
		return resource.NewPropertyMapFromMap(map[string]any{"ids": []any{"rtb-1", "rtb-2", "rtb-3"}}), nil
	}
	return nil, fmt.Errorf("mocks: no answer for %s", args.Token)
}

// run runs the program on the SDK's mocks with the given project config.
func run(t *testing.T, cfg map[string]string) (*mocks, error) {
	t.Helper()
	m := &mocks{resources: map[string]resource.PropertyMap{}, types: map[string]int{}}
	config := map[string]string{}
	for k, v := range cfg {
		config["imported:"+k] = v
	}
	err := pulumi.RunErr(program, pulumi.WithMocks("imported", "dev", m),
		func(info *pulumi.RunInfo) { info.Config = config })
	return m, err
}

// TestProgramBuildsOnThePublicAPI protects the user's view of the library:
// the program compiles against the components package from another module
// and registers every component and the resources a Django service needs.
func TestProgramBuildsOnThePublicAPI(t *testing.T) {
	m, err := run(t, map[string]string{"image": image})
	if err != nil {
		t.Fatalf("program: %v", err)
	}
	for _, tc := range []struct {
		typ  string
		want int
	}{
		{"djangofargate:components:Network", 1},
		{"djangofargate:components:Storage", 1},
		{"djangofargate:components:Database", 1},
		{"djangofargate:components:Alerts", 1},
		{"djangofargate:components:Registry", 1},
		{"djangofargate:components:DjangoService", 1},
		{"aws:rds/instance:Instance", 1},
		{"aws:ecs/service:Service", 1},
		{"aws:lb/loadBalancer:LoadBalancer", 1},
		{"docker:index/image:Image", 0}, // a prebuilt image is not rebuilt
	} {
		if got := m.types[tc.typ]; got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.typ, got, tc.want)
		}
	}
}

// TestServiceRunsTheConfiguredImageAgainstTheDatabase protects the wiring a
// user relies on: the task runs the configured image and finds the database
// the Database component created.
func TestServiceRunsTheConfiguredImageAgainstTheDatabase(t *testing.T) {
	m, err := run(t, map[string]string{"image": image})
	if err != nil {
		t.Fatalf("program: %v", err)
	}
	var defs string
	for key, out := range m.resources {
		if strings.HasPrefix(key, "aws:ecs/taskDefinition:TaskDefinition ") {
			defs = out["containerDefinitions"].StringValue()
		}
	}
	if defs == "" {
		t.Fatal("no task definition with container definitions")
	}
	for _, want := range []string{`"image":"` + image + `"`, "shop.abc.eu-west-1.rds.amazonaws.com"} {
		if !strings.Contains(defs, want) {
			t.Errorf("container definitions: got %s, want them to contain %s", defs, want)
		}
	}
}

// TestMissingImageFailsNamingTheKey protects the program's one required
// config key: without it the run fails before anything is created.
func TestMissingImageFailsNamingTheKey(t *testing.T) {
	m, err := run(t, nil)
	if err == nil || !strings.Contains(err.Error(), "imported:image") {
		t.Fatalf("error: got %v, want one naming imported:image", err)
	}
	if len(m.types) != 0 {
		t.Errorf("resources: got %v, want none", m.types)
	}
}
