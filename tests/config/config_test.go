// Package config_test protects the stack configuration: each profile's
// defaults, explicit keys beating the profile, every validation error, and
// the agreement between stacks.Keys, Pulumi.yaml and the stack files.
package config_test

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

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

// getter is the key lookup stacks.Parse reads: unset keys are "".
func getter(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// parseErr is stacks.Parse over a map, for this repository's project
// directory (a relative appPath resolves against it).
func parseErr(m map[string]string) (*stacks.Config, error) {
	return stacks.Parse(testutil.RepoRoot(), getter(m))
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

// view runs the stack program offline on a stack with no stack file (only
// Pulumi.yaml's defaults) plus overrides, and reduces what it registered.
func view(t *testing.T, overrides map[string]string) stackView {
	t.Helper()
	res := testutil.MustRunStack(t, "no-stack-file", overrides)
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
	return network{Profile: c.Profile, VpcCidr: c.VpcCidr, NatGateways: c.NatGateways, AZCount: c.AZCount,
		LogRetentionDays: c.LogRetentionDays, VpcEndpoints: c.VpcEndpoints, FlowLogs: c.FlowLogs}
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
			field:  func(c *stacks.Config) (any, any) { return c.AZCount, 3 },
			stack:  func(v stackView) (any, any) { return v.AZCount, 3 },
		},
		{
			name:   "development azCount=4",
			config: map[string]string{"profile": "development", "azCount": "4"},
			field:  func(c *stacks.Config) (any, any) { return c.AZCount, 4 },
			stack:  func(v stackView) (any, any) { return v.AZCount, 4 },
		},
		{
			name:   "production vpcCidr=172.16.0.0/20",
			config: map[string]string{"profile": "production", "vpcCidr": "172.16.0.0/20"},
			field:  func(c *stacks.Config) (any, any) { return c.VpcCidr, "172.16.0.0/20" },
			stack: func(v stackView) (any, any) {
				return [2]string{v.VpcCidr, v.EndpointSGCidr}, [2]string{"172.16.0.0/20", "172.16.0.0/20"}
			},
		},
		{
			name:   "development vpcCidr=192.168.0.0/16",
			config: map[string]string{"profile": "development", "vpcCidr": "192.168.0.0/16"},
			field:  func(c *stacks.Config) (any, any) { return c.VpcCidr, "192.168.0.0/16" },
			stack:  func(v stackView) (any, any) { return v.VpcCidr, "192.168.0.0/16" },
		},
		{
			name:   "development natGateways=OnePerAz",
			config: map[string]string{"profile": "development", "natGateways": "OnePerAz"},
			field:  func(c *stacks.Config) (any, any) { return c.NatGateways, "OnePerAz" },
			stack:  func(v stackView) (any, any) { return v.NatGateways, "OnePerAz" },
		},
		{
			name:   "production natGateways=Single",
			config: map[string]string{"profile": "production", "natGateways": "Single"},
			field:  func(c *stacks.Config) (any, any) { return c.NatGateways, "Single" },
			stack:  func(v stackView) (any, any) { return v.NatGateways, "Single" },
		},
		{
			name:   "production natGateways=None (endpoints on by profile)",
			config: map[string]string{"profile": "production", "natGateways": "None"},
			field:  func(c *stacks.Config) (any, any) { return c.NatGateways, "None" },
			stack: func(v stackView) (any, any) {
				return [2]any{v.NatGateways, v.InterfaceEndpoints}, [2]any{"None", interfaceServices}
			},
		},
		{
			name:   "production vpcEndpoints=false",
			config: map[string]string{"profile": "production", "vpcEndpoints": "false"},
			field:  func(c *stacks.Config) (any, any) { return c.VpcEndpoints, false },
			stack:  func(v stackView) (any, any) { return v.InterfaceEndpoints, 0 },
		},
		{
			name:   "development vpcEndpoints=true",
			config: map[string]string{"profile": "development", "vpcEndpoints": "true"},
			field:  func(c *stacks.Config) (any, any) { return c.VpcEndpoints, true },
			stack:  func(v stackView) (any, any) { return v.InterfaceEndpoints, interfaceServices },
		},
		{
			name:   "production flowLogs=false removes the flow log and its group",
			config: map[string]string{"profile": "production", "flowLogs": "false"},
			field:  func(c *stacks.Config) (any, any) { return c.FlowLogs, false },
			stack: func(v stackView) (any, any) {
				return [2]any{v.FlowLogs, v.FlowLogGroupPresent}, [2]any{0, false}
			},
		},
		{
			name:   "development flowLogs=true keeps the profile's 14-day retention",
			config: map[string]string{"profile": "development", "flowLogs": "true"},
			field:  func(c *stacks.Config) (any, any) { return c.FlowLogs, true },
			stack: func(v stackView) (any, any) {
				return [2]any{v.FlowLogs, v.LogRetentionDays}, [2]any{1, 14}
			},
		},
		{
			name:   "production logRetentionDays=30",
			config: map[string]string{"profile": "production", "logRetentionDays": "30"},
			field:  func(c *stacks.Config) (any, any) { return c.LogRetentionDays, 30 },
			stack:  func(v stackView) (any, any) { return v.LogRetentionDays, 30 },
		},
		{
			name:   "development logRetentionDays=3653",
			config: map[string]string{"profile": "development", "flowLogs": "true", "logRetentionDays": "3653"},
			field:  func(c *stacks.Config) (any, any) { return c.LogRetentionDays, 3653 },
			stack:  func(v stackView) (any, any) { return v.LogRetentionDays, 3653 },
		},
		{
			name:   "values are trimmed",
			config: map[string]string{"profile": " development ", "natGateways": " OnePerAz "},
			field: func(c *stacks.Config) (any, any) {
				return [2]string{c.Profile, c.NatGateways}, [2]string{"development", "OnePerAz"}
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
		got.NatGateways, got.VpcEndpoints = base.NatGateways, base.VpcEndpoints
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
				res, err := testutil.RunStack(t, "no-stack-file", cfg)
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

// declared returns Pulumi.yaml's djangofargate keys, unqualified.
func declared(t *testing.T) (*offline.Project, map[string]offline.ConfigDeclare) {
	t.Helper()
	p, err := offline.LoadProject(testutil.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]offline.ConfigDeclare{}
	for k, d := range p.Config {
		q := p.QualifiedKey(k)
		if ns, name, _ := strings.Cut(q, ":"); ns == stacks.Namespace {
			out[name] = d
		}
	}
	return p, out
}

// TestKeysMatchPulumiYAML protects the contract that every key the program
// reads is declared in Pulumi.yaml with a type and a description, and that
// Pulumi.yaml declares nothing the program ignores.
func TestKeysMatchPulumiYAML(t *testing.T) {
	p, decl := declared(t)
	if p.Name != stacks.Namespace {
		t.Errorf("Pulumi.yaml name: got %q, want %q (the config namespace)", p.Name, stacks.Namespace)
	}
	keys := stacks.Keys()
	got := slices.Sorted(slices.Values(keys))
	if len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("stacks.Keys(): got %v, want no duplicates", keys)
	}
	want := slices.Sorted(maps.Keys(decl))
	var undeclared, unread []string
	for _, k := range got {
		if _, ok := decl[k]; !ok {
			undeclared = append(undeclared, k)
		}
	}
	for _, k := range want {
		if !slices.Contains(got, k) {
			unread = append(unread, k)
		}
	}
	if len(undeclared) > 0 {
		t.Errorf("stacks.Keys(): got %v read but not declared in Pulumi.yaml, want every key declared", undeclared)
	}
	if len(unread) > 0 {
		t.Errorf("Pulumi.yaml: got %v declared but never read by stacks.Parse, want no dead keys", unread)
	}
	for _, k := range want {
		d := decl[k]
		switch d.Type {
		case "string", "integer", "boolean", "array":
		default:
			t.Errorf("Pulumi.yaml %s type: got %q, want string, integer, boolean or array", k, d.Type)
		}
		if len(strings.TrimSpace(d.Description)) < 10 {
			t.Errorf("Pulumi.yaml %s description: got %q, want a sentence", k, d.Description)
		}
	}
}

// TestDeclaredTypesMatchParser protects the declared types: Pulumi.yaml
// declares the type the program parses, or string with the default
// "profile" for a key the profile decides (the CLI needs a default, and
// "profile" is no number or boolean); an integer key rejects a word and a
// boolean key rejects "yes", naming the key.
func TestDeclaredTypesMatchParser(t *testing.T) {
	_, decl := declared(t)
	for k, typ := range stacks.KeyTypes() {
		d := decl[k]
		if d.Type != typ && (d.Type != "string" || d.Default != stacks.ProfileDefault) {
			t.Errorf("Pulumi.yaml %s: got type %q default %v, want type %q, or string with default %q", k, d.Type, d.Default, typ, stacks.ProfileDefault)
		}
		if d.Default == stacks.ProfileDefault && !describedDefault.MatchString(d.Description) {
			t.Errorf("Pulumi.yaml %s: default %q but the description states no per-profile default", k, d.Default)
		}
		bad := map[string]string{"integer": "two", "boolean": "yes", "array": "[not json"}[typ]
		if bad == "" {
			continue
		}
		_, err := parseErr(map[string]string{k: bad})
		if err == nil || !strings.Contains(err.Error(), "djangofargate:"+k) {
			t.Errorf("Parse(%s=%q) for a %s key: got %v, want an error naming djangofargate:%s", k, bad, typ, err, k)
		}
	}
}

// describedDefault matches "Default: production X, development Y" in a
// description, the convention for keys whose default depends on the profile.
var describedDefault = regexp.MustCompile(`Default: production (\S+), development (\S+)`)

// configDiff lists the fields where got and want differ, as
// "Field: got X, want Y"; an empty list means equal. A nil and an empty
// slice are equal: both mean "none".
func configDiff(got, want *stacks.Config) []string {
	var diffs []string
	g, w := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := range g.NumField() {
		if !g.Type().Field(i).IsExported() {
			continue
		}
		a, b := g.Field(i), w.Field(i)
		if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", g.Type().Field(i).Name, a.Interface(), b.Interface()))
		}
	}
	return diffs
}

// TestDeclaredDefaultsAgreeWithProfiles protects Pulumi.yaml's defaults. The
// engine hands a Pulumi.yaml default to the program as if the stack set it,
// so it beats the profile: a key with a default there must have that same
// default in every profile (Parse with the key set to it equals Parse with
// nothing set). A key without one must state its default in its description
// ("Default: ..."), and a "Default: production X, development Y" statement
// must be true.
func TestDeclaredDefaultsAgreeWithProfiles(t *testing.T) {
	_, decl := declared(t)
	// The engine's rendering of each default, as the program receives it.
	defaults, err := offline.LoadStackConfig(testutil.RepoRoot(), "no-stack-file")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(decl)) {
		d := decl[k]
		if d.HasValue() {
			v := defaults[stacks.Namespace+":"+k]
			for _, profile := range []string{stacks.Production, stacks.Development} {
				if k == "profile" && profile != stacks.Production {
					continue // the profile key's own default only chooses production
				}
				base := map[string]string{}
				if k != "profile" {
					base["profile"] = profile
				}
				want := parse(t, base)
				with := maps.Clone(base)
				with[k] = v
				if diff := configDiff(parse(t, with), want); len(diff) > 0 {
					t.Errorf("Pulumi.yaml default %s=%q on a %s stack overrides the profile: %s", k, v, profile, strings.Join(diff, "; "))
				}
			}
			continue
		}
		if !strings.Contains(d.Description, "Default:") {
			t.Errorf("Pulumi.yaml %s: got description %q and no default, want a default or \"Default: ...\" in the description", k, d.Description)
			continue
		}
		m := describedDefault.FindStringSubmatch(d.Description)
		if m == nil {
			continue
		}
		for i, profile := range []string{stacks.Production, stacks.Development} {
			v := strings.TrimRight(m[i+1], ".,;")
			want := parse(t, map[string]string{"profile": profile})
			if diff := configDiff(parse(t, map[string]string{"profile": profile, k: v}), want); len(diff) > 0 {
				t.Errorf("Pulumi.yaml %s says the %s default is %q, but it is not: %s", k, profile, v, strings.Join(diff, "; "))
			}
		}
	}
}

// TestStackFilesParse protects the checked-in stacks: each parses with no
// error, has the profile its name promises, and sets only keys the program
// reads (a misspelt key would otherwise be ignored without a word).
func TestStackFilesParse(t *testing.T) {
	known := map[string]bool{}
	for _, k := range stacks.Keys() {
		known[k] = true
	}
	for _, tt := range []struct{ stack, profile string }{
		{"prod", stacks.Production},
		{"dev", stacks.Development},
	} {
		t.Run(tt.stack, func(t *testing.T) {
			cfg := testutil.StackConfig(t, tt.stack, nil)
			ours := map[string]string{}
			for q, v := range cfg {
				if name, ok := strings.CutPrefix(q, stacks.Namespace+":"); ok {
					if !known[name] {
						t.Errorf("Pulumi.%s.yaml sets %s: got an unknown key, want one of %v", tt.stack, q, stacks.Keys())
					}
					ours[name] = v
				}
			}
			if cfg["aws:region"] == "" {
				t.Errorf("Pulumi.%s.yaml aws:region: got none, want a region", tt.stack)
			}
			c := parse(t, ours)
			if c.Profile != tt.profile {
				t.Errorf("Pulumi.%s.yaml profile: got %q, want %q", tt.stack, c.Profile, tt.profile)
			}
			testutil.MustRunStack(t, tt.stack, nil)
		})
	}
}
