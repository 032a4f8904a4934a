// Package config_test protects the stack configuration: each profile's
// defaults, explicit keys beating the profile, every validation error, and
// the agreement between stacks.Keys, Pulumi.yaml and the stack files.
package config_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// Names of what the stack registers; the Network is named after the project.
const (
	net               = testutil.Project
	typeVpc           = "awsx:ec2:Vpc"
	typeVpcEndpoint   = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeFlowLog       = "aws:ec2/flowLog:FlowLog"
	interfaceServices = 4 // ecr.api, ecr.dkr, logs, secretsmanager
)

// parseErr is stacks.Parse over a map, for this repository's project
// directory (a relative appPath resolves against it).
func parseErr(m map[string]string) (*stacks.Config, error) {
	return stacks.Parse(testutil.RepoRoot(), m)
}

// parse is parseErr, failing the test on an error.
func parse(t *testing.T, m map[string]string) *stacks.Config {
	t.Helper()
	c, err := parseErr(m)
	if err != nil {
		t.Fatalf("Parse(%v): got error %v, want none", m, err)
	}
	return c
}

// stackView is what a stack run registered, reduced to the facts the
// config decides.
type stackView struct {
	AZCount, LogRetentionDays    int
	VpcCidr, NatGateways         string
	InterfaceEndpoints, FlowLogs int
	FlowLogGroupPresent          bool
	EndpointSGCidr               string
}

// asStack is overrides as a stack file would hold them: a development
// stack states the development profile's values (Pulumi.yaml's defaults
// are production's), as Pulumi.dev.yaml does.
func asStack(overrides map[string]string) map[string]string {
	out := map[string]string{}
	if strings.TrimSpace(overrides["profile"]) == stacks.Development {
		for _, k := range stacks.Keys() {
			if k.ProfileDependent() {
				v := k.Defaults[stacks.Development]
				if list, ok := v.([]string); ok {
					b, _ := json.Marshal(list)
					v = string(b)
				}
				out[k.Name] = fmt.Sprint(v)
			}
		}
	}
	maps.Copy(out, overrides)
	return out
}

// view runs the stack program offline on a stack with no stack file (only
// Pulumi.yaml's defaults) plus overrides as a stack file would hold them
// (asStack), and reduces what it registered.
func view(t *testing.T, overrides map[string]string) stackView {
	t.Helper()
	res := testutil.MustRunStack(t, "no-stack-file", asStack(overrides))
	vpc := testutil.One(t, res, typeVpc)
	v := stackView{
		VpcCidr:     vpc.InputString("cidrBlock"),
		NatGateways: vpc.InputString("natGateways.strategy"),
	}
	if n, ok := vpc.Input("numberOfAvailabilityZones").(float64); ok {
		v.AZCount = int(n)
	}
	for _, e := range res.ByType(typeVpcEndpoint) {
		if e.InputString("vpcEndpointType") == "Interface" {
			v.InterfaceEndpoints++
		}
	}
	v.FlowLogs = len(res.ByType(typeFlowLog))
	if lg := res.Named(net + "-flow-logs"); lg != nil {
		v.FlowLogGroupPresent = true
		days, _ := lg.Input("retentionInDays").(float64)
		v.LogRetentionDays = int(days)
	}
	if sg := res.Named(net + "-endpoints-sg"); sg != nil {
		v.EndpointSGCidr = sg.InputString("ingress.0.cidrBlocks.0")
	}
	return v
}

// network is the part of a Config the Network reads.
type network struct {
	Profile, VpcCidr, NatGateways string
	AZCount, LogRetentionDays     int
	VpcEndpoints, FlowLogs        bool
}

func networkOf(c *stacks.Config) network {
	n := c.Network
	return network{Profile: c.Profile, VpcCidr: n.CidrBlock, NatGateways: n.NatGateways, AZCount: n.AZCount,
		LogRetentionDays: n.LogRetentionDays, VpcEndpoints: *n.InterfaceEndpoints, FlowLogs: *n.FlowLogs}
}

// TestProfileDefaults protects each profile's network defaults, both in the
// parsed Config and in what the stack registers with nothing else set.
func TestProfileDefaults(t *testing.T) {
	production := network{Profile: "production", AZCount: 2, VpcCidr: "10.0.0.0/16",
		NatGateways: "OnePerAz", VpcEndpoints: true, FlowLogs: true, LogRetentionDays: 365}
	development := network{Profile: "development", AZCount: 2, VpcCidr: "10.0.0.0/16",
		NatGateways: "Single", VpcEndpoints: false, FlowLogs: false, LogRetentionDays: 14}
	tests := []struct {
		name    string
		config  map[string]string
		want    network
		wantNAT string
		// wantEndpoints interface endpoints, wantFlowLogs flow logs.
		wantEndpoints, wantFlowLogs int
	}{
		{"unset profile is production", map[string]string{}, production, "OnePerAz", interfaceServices, 1},
		{"production", map[string]string{"profile": "production"}, production, "OnePerAz", interfaceServices, 1},
		{"development", map[string]string{"profile": "development"}, development, "Single", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := networkOf(parse(t, tt.config)); got != tt.want {
				t.Errorf("Parse: got %+v, want %+v", got, tt.want)
			}

			v := view(t, tt.config)
			if v.NatGateways != tt.wantNAT {
				t.Errorf("vpc natGateways.strategy: got %q, want %q", v.NatGateways, tt.wantNAT)
			}
			if v.AZCount != tt.want.AZCount {
				t.Errorf("vpc numberOfAvailabilityZones: got %d, want %d", v.AZCount, tt.want.AZCount)
			}
			if v.VpcCidr != tt.want.VpcCidr {
				t.Errorf("vpc cidrBlock: got %q, want %q", v.VpcCidr, tt.want.VpcCidr)
			}
			if v.InterfaceEndpoints != tt.wantEndpoints {
				t.Errorf("interface endpoints: got %d, want %d", v.InterfaceEndpoints, tt.wantEndpoints)
			}
			if v.FlowLogs != tt.wantFlowLogs {
				t.Errorf("flow logs: got %d, want %d", v.FlowLogs, tt.wantFlowLogs)
			}
			if tt.wantFlowLogs > 0 && v.LogRetentionDays != tt.want.LogRetentionDays {
				t.Errorf("flow log group retentionInDays: got %d, want %d", v.LogRetentionDays, tt.want.LogRetentionDays)
			}
			if tt.wantFlowLogs == 0 && v.FlowLogGroupPresent {
				t.Errorf("flow log group: got one, want none without flow logs")
			}
		})
	}
}

// TestExplicitKeyBeatsProfile protects "any key set explicitly wins over the
// profile": every key, set against each profile's default, reaches both the
// Config and the registered resources.
func TestExplicitKeyBeatsProfile(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]string
		// field checks the parsed Config; stack checks the stack run.
		field func(c *stacks.Config) (got, want any)
		stack func(v stackView) (got, want any)
	}{
		{
			name:   "production azCount=3",
			config: map[string]string{"profile": "production", "azCount": "3"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.AZCount, 3 },
			stack:  func(v stackView) (any, any) { return v.AZCount, 3 },
		},
		{
			name:   "development azCount=4",
			config: map[string]string{"profile": "development", "azCount": "4"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.AZCount, 4 },
			stack:  func(v stackView) (any, any) { return v.AZCount, 4 },
		},
		{
			name:   "production vpcCidr=172.16.0.0/20",
			config: map[string]string{"profile": "production", "vpcCidr": "172.16.0.0/20"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.CidrBlock, "172.16.0.0/20" },
			stack: func(v stackView) (any, any) {
				return [2]string{v.VpcCidr, v.EndpointSGCidr}, [2]string{"172.16.0.0/20", "172.16.0.0/20"}
			},
		},
		{
			name:   "development vpcCidr=192.168.0.0/16",
			config: map[string]string{"profile": "development", "vpcCidr": "192.168.0.0/16"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.CidrBlock, "192.168.0.0/16" },
			stack:  func(v stackView) (any, any) { return v.VpcCidr, "192.168.0.0/16" },
		},
		{
			name:   "development natGateways=OnePerAz",
			config: map[string]string{"profile": "development", "natGateways": "OnePerAz"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.NatGateways, "OnePerAz" },
			stack:  func(v stackView) (any, any) { return v.NatGateways, "OnePerAz" },
		},
		{
			name:   "production natGateways=Single",
			config: map[string]string{"profile": "production", "natGateways": "Single"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.NatGateways, "Single" },
			stack:  func(v stackView) (any, any) { return v.NatGateways, "Single" },
		},
		{
			name:   "production natGateways=None (endpoints on by profile)",
			config: map[string]string{"profile": "production", "natGateways": "None"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.NatGateways, "None" },
			stack: func(v stackView) (any, any) {
				return [2]any{v.NatGateways, v.InterfaceEndpoints}, [2]any{"None", interfaceServices}
			},
		},
		{
			name:   "production vpcEndpoints=false",
			config: map[string]string{"profile": "production", "vpcEndpoints": "false"},
			field:  func(c *stacks.Config) (any, any) { return *c.Network.InterfaceEndpoints, false },
			stack:  func(v stackView) (any, any) { return v.InterfaceEndpoints, 0 },
		},
		{
			name:   "development vpcEndpoints=true",
			config: map[string]string{"profile": "development", "vpcEndpoints": "true"},
			field:  func(c *stacks.Config) (any, any) { return *c.Network.InterfaceEndpoints, true },
			stack:  func(v stackView) (any, any) { return v.InterfaceEndpoints, interfaceServices },
		},
		{
			name:   "production flowLogs=false removes the flow log and its group",
			config: map[string]string{"profile": "production", "flowLogs": "false"},
			field:  func(c *stacks.Config) (any, any) { return *c.Network.FlowLogs, false },
			stack: func(v stackView) (any, any) {
				return [2]any{v.FlowLogs, v.FlowLogGroupPresent}, [2]any{0, false}
			},
		},
		{
			name:   "development flowLogs=true keeps the profile's 14-day retention",
			config: map[string]string{"profile": "development", "flowLogs": "true"},
			field:  func(c *stacks.Config) (any, any) { return *c.Network.FlowLogs, true },
			stack: func(v stackView) (any, any) {
				return [2]any{v.FlowLogs, v.LogRetentionDays}, [2]any{1, 14}
			},
		},
		{
			name:   "production logRetentionDays=30",
			config: map[string]string{"profile": "production", "logRetentionDays": "30"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.LogRetentionDays, 30 },
			stack:  func(v stackView) (any, any) { return v.LogRetentionDays, 30 },
		},
		{
			name:   "development logRetentionDays=3653",
			config: map[string]string{"profile": "development", "flowLogs": "true", "logRetentionDays": "3653"},
			field:  func(c *stacks.Config) (any, any) { return c.Network.LogRetentionDays, 3653 },
			stack:  func(v stackView) (any, any) { return v.LogRetentionDays, 3653 },
		},
		{
			name:   "values are trimmed",
			config: map[string]string{"profile": " development ", "natGateways": " OnePerAz "},
			field: func(c *stacks.Config) (any, any) {
				return [2]string{c.Profile, c.Network.NatGateways}, [2]string{"development", "OnePerAz"}
			},
			stack: func(v stackView) (any, any) { return v.NatGateways, "OnePerAz" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.field(parse(t, tt.config)); !reflect.DeepEqual(got, want) {
				t.Errorf("Config: got %v, want %v", got, want)
			}
			if got, want := tt.stack(view(t, tt.config)); !reflect.DeepEqual(got, want) {
				t.Errorf("stack: got %v, want %v", got, want)
			}
		})
	}
}

// TestExplicitKeyLeavesOtherKeysAlone protects the profile's other defaults
// when one key is set: setting natGateways on development must not change
// any other field.
func TestExplicitKeyLeavesOtherKeysAlone(t *testing.T) {
	for _, profile := range []string{stacks.Production, stacks.Development} {
		base := parse(t, map[string]string{"profile": profile})
		got := parse(t, map[string]string{"profile": profile, "natGateways": "None", "vpcEndpoints": "true"})
		got.Network.NatGateways, got.Network.InterfaceEndpoints = base.Network.NatGateways, base.Network.InterfaceEndpoints
		if diff := configDiff(got, base); len(diff) > 0 {
			t.Errorf("%s with natGateways and vpcEndpoints set, other fields changed: %s", profile, strings.Join(diff, "; "))
		}
	}
}

// containsValue reports whether msg quotes or states v as a whole token, not
// as part of a longer number or CIDR.
func containsValue(msg, v string) bool {
	re := regexp.MustCompile(`(^|[^\w./])` + regexp.QuoteMeta(v) + `($|[^\w/]|\.($|\s))`)
	return re.MatchString(msg)
}

// TestValidationErrors protects every config validation: the error names the
// key, the bad value and what is allowed, and a bad config registers nothing.
func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name    string
		config  map[string]string
		key     string   // the key the message must name
		bad     string   // the bad value the message must state
		allowed []string // what the message must offer instead
	}{
		{"azCount 1", map[string]string{"azCount": "1"}, "azCount", "1", []string{"2 to 4"}},
		{"azCount 5", map[string]string{"azCount": "5"}, "azCount", "5", []string{"2 to 4"}},
		{"azCount two", map[string]string{"azCount": "two"}, "azCount", "two", []string{"whole number"}},
		{"vpcCidr without prefix", map[string]string{"vpcCidr": "10.0.0.0"}, "vpcCidr", "10.0.0.0", []string{"10.0.0.0/16"}},
		{"vpcCidr host bits", map[string]string{"vpcCidr": "10.0.0.1/16"}, "vpcCidr", "10.0.0.1/16", []string{"host bits", "10.0.0.0/16"}},
		{"vpcCidr public", map[string]string{"vpcCidr": "8.8.0.0/16"}, "vpcCidr", "8.8.0.0/16", []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}},
		{"vpcCidr too big", map[string]string{"vpcCidr": "10.0.0.0/8"}, "vpcCidr", "10.0.0.0/8", []string{"/16 to /20"}},
		{"vpcCidr too small", map[string]string{"vpcCidr": "10.0.0.0/24"}, "vpcCidr", "10.0.0.0/24", []string{"/16 to /20"}},
		{"natGateways unknown", map[string]string{"natGateways": "Sometimes"}, "natGateways", "Sometimes", []string{"OnePerAz", "Single", "None"}},
		{"natGateways wrong case", map[string]string{"natGateways": "oneperaz"}, "natGateways", "oneperaz", []string{"OnePerAz", "Single", "None"}},
		{"natGateways None without endpoints", map[string]string{"natGateways": "None", "vpcEndpoints": "false"}, "natGateways", "None", []string{"vpcEndpoints"}},
		{"profile staging", map[string]string{"profile": "staging"}, "profile", "staging", []string{"production", "development"}},
		{"logRetentionDays 10", map[string]string{"logRetentionDays": "10"}, "logRetentionDays", "10", []string{"14", "365"}},
		{"logRetentionDays forever", map[string]string{"logRetentionDays": "forever"}, "logRetentionDays", "forever", []string{"whole number"}},
		{"flowLogs yes", map[string]string{"flowLogs": "yes"}, "flowLogs", "yes", []string{"true or false"}},
		{"vpcEndpoints maybe", map[string]string{"vpcEndpoints": "maybe"}, "vpcEndpoints", "maybe", []string{"true or false"}},
	}
	check := func(t *testing.T, where string, err error, key, bad string, allowed []string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: got no error, want one naming djangofargate:%s", where, key)
		}
		msg := err.Error()
		if !strings.Contains(msg, "djangofargate:"+key+":") {
			t.Errorf("%s: got %q, want it to name the key djangofargate:%s", where, msg, key)
		}
		rest := strings.Replace(msg, "djangofargate:"+key, "", 1)
		if !containsValue(rest, bad) {
			t.Errorf("%s: got %q, want it to state the bad value %q", where, msg, bad)
		}
		for _, a := range allowed {
			if !strings.Contains(rest, a) {
				t.Errorf("%s: got %q, want it to say what is allowed (%q)", where, msg, a)
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseErr(tt.config)
			check(t, "Parse", err, tt.key, tt.bad, tt.allowed)

			for _, profile := range []string{stacks.Production, stacks.Development} {
				cfg := maps.Clone(tt.config)
				if _, ok := cfg["profile"]; !ok {
					cfg["profile"] = profile
				}
				res, err := testutil.RunStack(t, "no-stack-file", asStack(cfg))
				check(t, "stack run ("+profile+")", err, tt.key, tt.bad, tt.allowed)
				if res == nil {
					t.Fatalf("stack run (%s): got a nil result", profile)
				}
				if len(res.Resources) != 0 {
					t.Errorf("stack run (%s): got %d resources registered (first %s), want 0", profile, len(res.Resources), res.Resources[0].URN)
				}
			}
		})
	}
}

// TestEveryBadKeyIsReported protects the user from fixing one key at a time:
// two badly typed keys are both named in one error.
func TestEveryBadKeyIsReported(t *testing.T) {
	_, err := parseErr(map[string]string{"azCount": "two", "flowLogs": "yes"})
	if err == nil {
		t.Fatal("Parse: got no error, want one naming azCount and flowLogs")
	}
	for _, key := range []string{"djangofargate:azCount", "djangofargate:flowLogs"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("Parse: got %q, want it to name %s", err, key)
		}
	}
}

// TestPulumiYAMLDeclaresRealTypes protects the CLI's type checks: Pulumi.yaml
// declares every key with the type the program parses (no key is a string
// so that a sentinel fits), with production's default, and the project file
// passes the CLI's own validation, which checks each default against its
// type (sdk/go/common/workspace/project.go, Project.Validate).
func TestPulumiYAMLDeclaresRealTypes(t *testing.T) {
	p, err := offline.LoadProject(testutil.RepoRoot())
	if err != nil {
		t.Fatalf("Pulumi.yaml: got %v, want a project the CLI accepts", err)
	}
	if p.Name != stacks.Namespace {
		t.Errorf("Pulumi.yaml name: got %q, want %q (the config namespace)", p.Name, stacks.Namespace)
	}
	keys := stacks.Keys()
	if len(p.Config) != len(keys) {
		t.Errorf("Pulumi.yaml: got %d keys, want the table's %d", len(p.Config), len(keys))
	}
	defaults, err := offline.LoadStackConfig(testutil.RepoRoot(), "no-stack-file")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		d, ok := p.Config[k.Name]
		if !ok {
			t.Errorf("Pulumi.yaml: got no %s, want every key of the table declared", k.Name)
			continue
		}
		if d.Type != k.Type {
			t.Errorf("Pulumi.yaml %s type: got %q, want %q", k.Name, d.Type, k.Type)
		}
		if !d.HasValue() {
			t.Errorf("Pulumi.yaml %s: got no default, want production's (a key without one is required in every stack)", k.Name)
		}
		// The engine's rendering of the default parses to production's value.
		c := parse(t, map[string]string{k.Name: defaults[stacks.Namespace+":"+k.Name]})
		if diff := configDiff(c, parse(t, map[string]string{})); len(diff) > 0 {
			t.Errorf("Pulumi.yaml default %s=%q: got a config other than production's: %s", k.Name, defaults[stacks.Namespace+":"+k.Name], strings.Join(diff, "; "))
		}
	}
}

// stackValues is what the engine gives the program for a stack: Pulumi.yaml's
// defaults overlaid with the stack file, djangofargate keys only.
func stackValues(t *testing.T, stack string, overrides map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for q, v := range testutil.StackConfig(t, stack, overrides) {
		if name, ok := strings.CutPrefix(q, stacks.Namespace+":"); ok {
			out[name] = v
		}
	}
	return out
}

// TestStackFilesGiveTheirProfile protects the profile design under the CLI:
// Pulumi.yaml's defaults are production's, so a stack with no file is
// production, and Pulumi.dev.yaml (its values generated from the table) is
// exactly the development profile: the CLI's merged config parses to what
// the table's development column gives.
func TestStackFilesGiveTheirProfile(t *testing.T) {
	tests := []struct {
		stack string
		want  map[string]string // the table's view: profile plus the stack's own settings
	}{
		{"no-stack-file", map[string]string{}},
		{"prod", map[string]string{"profile": stacks.Production}},
		{"dev", map[string]string{"profile": stacks.Development, "vpcCidr": "10.1.0.0/16"}},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			got := parse(t, stackValues(t, tt.stack, nil))
			if diff := configDiff(got, parse(t, tt.want)); len(diff) > 0 {
				t.Errorf("stack %s: got a config that differs from the table's %v: %s", tt.stack, tt.want, strings.Join(diff, "; "))
			}
			testutil.MustRunStack(t, tt.stack, nil)
		})
	}
}

// TestDevelopmentWithoutItsValuesIsRefused protects a user who runs
// `pulumi stack init staging` and `pulumi config set profile development`:
// every key the profile decides then holds Pulumi.yaml's production
// default, and the stack would deploy production's sizes while saying
// development. The program refuses it, naming the values to set; a stack
// that holds any of them (or sets a key to a third value) is taken as
// written.
func TestDevelopmentWithoutItsValuesIsRefused(t *testing.T) {
	res, err := testutil.RunStack(t, "no-stack-file", map[string]string{"profile": "development"})
	if err == nil {
		t.Fatal("profile development over production's defaults: got no error, want one naming djangofargate:profile")
	}
	for _, want := range []string{"djangofargate:profile:", "natGateways: Single", "cpu: 256", "spot: true", "--copy-config-from dev"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to hold %q", err, want)
		}
	}
	if len(res.Resources) != 0 {
		t.Errorf("got %d resources registered, want 0", len(res.Resources))
	}
	for _, set := range []map[string]string{
		{"profile": "development", "cpu": "256"},
		{"profile": "development", "cpu": "512", "memory": "1024"},
	} {
		if _, err := testutil.RunStack(t, "no-stack-file", set); err != nil {
			t.Errorf("%v over production's defaults: got %v, want it taken as written", set, err)
		}
	}
}

// TestStrictReading protects the user from a setting that would be ignored
// or silently replaced: an unknown key of the namespace (with the nearest
// declared key, case-insensitive or by edit distance), a misspelt namespace,
// an empty value, and a value of the declared type's wrong form that the
// Pulumi CLI refuses (its test of a boolean is the exact text true or false,
// of an integer strconv.Atoi: sdk/go/common/workspace/project.go,
// ValidateConfigValue). Each runs through the stack program on the offline
// engine and registers nothing.
func TestStrictReading(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string // fully qualified
		want []string
	}{
		{"unknown key", map[string]string{"djangofargate:cpuu": "512"}, []string{"djangofargate:cpuu:", "did you mean cpu?"}},
		{"key in another case", map[string]string{"djangofargate:dbMultiAZ": "false"}, []string{"djangofargate:dbMultiAZ:", "did you mean dbMultiAz?"}},
		{"key in lower case", map[string]string{"djangofargate:desiredcount": "3"}, []string{"djangofargate:desiredcount:", "did you mean desiredCount?"}},
		{"nothing near", map[string]string{"djangofargate:replicas": "3"}, []string{"djangofargate:replicas:", "not a key this program reads"}},
		{"misspelt namespace", map[string]string{"djangofargat:cpu": "512"}, []string{"djangofargat:cpu:", "did you mean djangofargate:cpu?"}},
		{"namespace in another case", map[string]string{"DjangoFargate:spot": "true"}, []string{"DjangoFargate:spot:", "did you mean djangofargate:spot?"}},
		{"empty string", map[string]string{"djangofargate:vpcCidr": ""}, []string{"djangofargate:vpcCidr:", "empty value", "10.0.0.0/16"}},
		{"blank string", map[string]string{"djangofargate:natGateways": "  "}, []string{"djangofargate:natGateways:", "empty value", `"OnePerAz"`}},
		{"empty integer", map[string]string{"djangofargate:idleTimeout": ""}, []string{"djangofargate:idleTimeout:", "empty value", "1 to 4000"}},
		{"empty boolean", map[string]string{"djangofargate:spot": ""}, []string{"djangofargate:spot:", "empty value", "true or false"}},
		{"boolean True", map[string]string{"djangofargate:ecsExec": "True"}, []string{"djangofargate:ecsExec:", `"True"`, "true or false"}},
		{"boolean 1", map[string]string{"djangofargate:ecsExec": "1"}, []string{"djangofargate:ecsExec:", `"1"`, "true or false"}},
		{"boolean yes", map[string]string{"djangofargate:flowLogs": "yes"}, []string{"djangofargate:flowLogs:", `"yes"`}},
		{"integer with spaces", map[string]string{"djangofargate:azCount": " 3"}, []string{"djangofargate:azCount:", `" 3"`, "whole number"}},
		{"integer 1.5", map[string]string{"djangofargate:maxTasks": "1.5"}, []string{"djangofargate:maxTasks:", `"1.5"`, "whole number"}},
		{"array not JSON", map[string]string{"djangofargate:corsOrigins": "https://app.example.com"}, []string{"djangofargate:corsOrigins:", "list of strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testutil.StackConfig(t, "prod", nil)
			maps.Copy(cfg, tt.set)
			res, err := offline.Run(stacks.Program, offline.Options{
				Project: testutil.Project, Stack: "prod", Config: cfg, RootDirectory: testutil.RepoRoot(),
			})
			if err == nil {
				t.Fatalf("%v: got no error, want one", tt.set)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: got %q, want it to hold %q", tt.set, err, w)
				}
			}
			if len(res.Resources) != 0 {
				t.Errorf("%v: got %d resources registered, want 0", tt.set, len(res.Resources))
			}
		})
	}
}

// TestEmptyMeansNoneWhereNoneIsTheDefault protects the keys whose default
// is "none" (image, domain, hostedZone, certificateArn): Pulumi.yaml gives
// them "" and the engine passes it, so "" is their default, not a mistake.
func TestEmptyMeansNoneWhereNoneIsTheDefault(t *testing.T) {
	for _, k := range []string{"image", "domain", "hostedZone", "certificateArn"} {
		if _, err := parseErr(map[string]string{k: ""}); err != nil {
			t.Errorf("%s=\"\": got %v, want none (its default is empty)", k, err)
		}
	}
}

// TestRangeErrorsStateTheRange protects the messages of out-of-range
// integers, 0 included: each names the key and states the range the table
// declares, and the range's ends are accepted where no other key bounds
// them.
func TestRangeErrorsStateTheRange(t *testing.T) {
	for _, k := range stacks.Keys() {
		if k.Type != stacks.TypeInteger {
			continue
		}
		for _, bad := range []string{"0", "-1", "99999999"} {
			if bad == "99999999" && strings.HasPrefix(k.Allowed, "at least") {
				continue
			}
			_, err := parseErr(map[string]string{k.Name: bad})
			if bad == "0" && strings.HasPrefix(k.Allowed, "0 (") {
				if err != nil {
					t.Errorf("%s=0: got %v, want it accepted (%s)", k.Name, err, k.Allowed)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s=%s: got no error, want one stating %s", k.Name, bad, k.Allowed)
				continue
			}
			if !strings.Contains(err.Error(), "djangofargate:"+k.Name+": ") || !strings.Contains(err.Error(), k.Allowed) {
				t.Errorf("%s=%s: got %q, want it to name the key and state %q", k.Name, bad, err, k.Allowed)
			}
		}
	}
}

// TestEveryKeyFeedsAComponentArgument protects the table's mapping: every
// key but profile sets at least one component argument, found by its
// pulumi tag, so a component's error about it names the key.
func TestEveryKeyFeedsAComponentArgument(t *testing.T) {
	for _, k := range stacks.Keys() {
		if k.Name == "profile" {
			continue
		}
		if len(k.Feeds) == 0 {
			t.Errorf("%s: got no component argument, want the one it sets", k.Name)
		}
		for _, f := range k.Feeds {
			if comp, field, ok := strings.Cut(f, "."); !ok || comp == "" || field == "" {
				t.Errorf("%s feeds %q: got no pulumi tag, want Component.field", k.Name, f)
			}
		}
	}
}

// TestGunicornKeys protects the two keys added through the table alone:
// gunicornThreads and gunicornWorkers reach the task definition as
// GUNICORN_THREADS and WEB_CONCURRENCY, their defaults are the component's
// (workers derived from cpu), and a value out of range is refused stating
// the range.
func TestGunicornKeys(t *testing.T) {
	env := func(res *offline.Result, name string) string {
		td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
		var defs []struct {
			Environment []struct{ Name, Value string } `json:"environment"`
		}
		if err := json.Unmarshal([]byte(td.InputString("containerDefinitions")), &defs); err != nil || len(defs) == 0 {
			t.Fatalf("containerDefinitions: %v", err)
		}
		for _, e := range defs[0].Environment {
			if e.Name == name {
				return e.Value
			}
		}
		return ""
	}
	prod := testutil.MustRunStack(t, "prod", nil)
	if got, want := env(prod, "GUNICORN_THREADS"), strconv.Itoa(components.GunicornThreads); got != want {
		t.Errorf("default GUNICORN_THREADS: got %q, want %s", got, want)
	}
	if got, want := env(prod, "WEB_CONCURRENCY"), strconv.Itoa(components.GunicornWorkers(1024)); got != want {
		t.Errorf("default WEB_CONCURRENCY for cpu 1024: got %q, want %s (the component's formula)", got, want)
	}
	dev := testutil.MustRunStack(t, "dev", map[string]string{"gunicornThreads": "8", "gunicornWorkers": "3"})
	if got := env(dev, "GUNICORN_THREADS"); got != "8" {
		t.Errorf("gunicornThreads=8: GUNICORN_THREADS got %q, want 8", got)
	}
	if got := env(dev, "WEB_CONCURRENCY"); got != "3" {
		t.Errorf("gunicornWorkers=3: WEB_CONCURRENCY got %q, want 3", got)
	}
	for set, want := range map[string]string{
		"gunicornThreads=33": "djangofargate:gunicornThreads: 33 is out of range; use 1 to 32",
		"gunicornWorkers=65": "djangofargate:gunicornWorkers: 65 is out of range; use 0 (derived from cpu) or 1 to 64",
	} {
		k, v, _ := strings.Cut(set, "=")
		if _, err := parseErr(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", set, err, want)
		}
	}
}

// configDiff lists the fields where got and want differ, as
// "Field: got X, want Y", descending into the component arguments; an
// empty list means equal. A nil and an empty slice are equal: both mean
// "none".
func configDiff(got, want *stacks.Config) []string {
	return diffValues("", reflect.ValueOf(*got), reflect.ValueOf(*want))
}

func diffValues(path string, a, b reflect.Value) []string {
	if a.Kind() == reflect.Struct {
		var diffs []string
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if f.IsExported() {
				diffs = append(diffs, diffValues(path+f.Name+".", a.Field(i), b.Field(i))...)
			}
		}
		return diffs
	}
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return nil
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		show := func(v reflect.Value) any {
			if v.Kind() == reflect.Pointer && !v.IsNil() {
				return v.Elem().Interface()
			}
			return v.Interface()
		}
		return []string{fmt.Sprintf("%s: got %v, want %v", strings.TrimSuffix(path, "."), show(a), show(b))}
	}
	return nil
}
