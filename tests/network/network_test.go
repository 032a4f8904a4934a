// Package network_test protects the Network component: the VPC layout, the
// S3 gateway and interface endpoints, flow logs, the closed default security
// group, naming and parenting, and argument validation, for both checked-in
// stacks and for direct callers of components.NewNetwork.
package network_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	typeNetwork     = "djangofargate:components:Network"
	typeVpc         = "awsx:ec2:Vpc"
	typeVpcEndpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeSG          = "aws:ec2/securityGroup:SecurityGroup"
	typeDefaultSG   = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeFlowLog     = "aws:ec2/flowLog:FlowLog"
	typeLogGroup    = "aws:cloudwatch/logGroup:LogGroup"
	typeRole        = "aws:iam/role:Role"
	typeRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
)

// interfaceServices are the services a Fargate task needs to start with no NAT.
var interfaceServices = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}

// stackCase is what a checked-in stack file must give the Network.
type stackCase struct {
	stack, region, cidr, nat string
	azs, retention           int
	endpoints, flowLogs      bool
}

var stackFiles = []stackCase{
	{stack: "prod", region: "us-east-1", cidr: "10.0.0.0/16", nat: "OnePerAz", azs: 2, retention: 365, endpoints: true, flowLogs: true},
	{stack: "dev", region: "us-east-1", cidr: "10.1.0.0/16", nat: "Single", azs: 2, retention: 14, endpoints: false, flowLogs: false},
}

// netView is one Network found in a run: the component and its children by
// role ("vpc", "flow-log", ...).
type netView struct {
	res      *offline.Result
	comp     *offline.Resource
	children map[string]*offline.Resource
}

// findNetwork returns the Network named name and its direct children,
// failing the test when a child is not named "<name>-<role>".
func findNetwork(t *testing.T, res *offline.Result, name string) netView {
	t.Helper()
	var comp *offline.Resource
	for _, r := range res.ByType(typeNetwork) {
		if r.Name == name {
			comp = r
		}
	}
	if comp == nil {
		t.Fatalf("component %s %q: got none, want one", typeNetwork, name)
	}
	v := netView{res: res, comp: comp, children: map[string]*offline.Resource{}}
	for _, r := range res.Resources {
		if r.Parent != comp.URN {
			continue
		}
		role, ok := strings.CutPrefix(r.Name, name+"-")
		if !ok || role == "" {
			t.Errorf("child %s of Network %q: got name %q, want \"%s-<role>\"", r.Type, name, r.Name, name)
			continue
		}
		if _, dup := v.children[role]; dup {
			t.Errorf("Network %q: got two children with role %q", name, role)
		}
		v.children[role] = r
	}
	return v
}

// child returns the child with that role and type, failing the test otherwise.
func (v netView) child(t *testing.T, role, typ string) *offline.Resource {
	t.Helper()
	r := v.children[role]
	if r == nil {
		t.Fatalf("Network child %q: got none, want a %s (children: %v)", role, typ, slices.Sorted(maps.Keys(v.children)))
	}
	if r.Type != typ {
		t.Fatalf("Network child %q: got type %s, want %s", role, r.Type, typ)
	}
	return r
}

// strs converts a plain []any of strings to []string; anything else is nil.
func strs(v any) []string {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for _, x := range a {
		s, ok := x.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// empty reports whether an input is absent or an empty list.
func empty(v any) bool {
	if v == nil {
		return true
	}
	a, ok := v.([]any)
	return ok && len(a) == 0
}

// runStack runs a checked-in stack and returns its Network.
func runStack(t *testing.T, sc stackCase) netView {
	t.Helper()
	return findNetwork(t, testutil.MustRunStack(t, sc.stack, nil), testutil.Project)
}

// runNetwork runs components.NewNetwork alone, named name.
func runNetwork(t *testing.T, name string, args *components.NetworkArgs) netView {
	t.Helper()
	res := testutil.Run(t, func(ctx *pulumi.Context) error {
		_, err := components.NewNetwork(ctx, name, args)
		return err
	})
	return findNetwork(t, res, name)
}

// TestNetworkVpcLayout protects the awsx VPC each stack asks for: its range,
// AZ count, DNS (interface endpoints' private DNS needs both flags), the three
// subnet tiers with their masks, the Auto allocation and the NAT strategy
// (NET-3: OnePerAz in production, Single in development).
func TestNetworkVpcLayout(t *testing.T) {
	for _, sc := range stackFiles {
		t.Run(sc.stack, func(t *testing.T) {
			vpc := runStack(t, sc).child(t, "vpc", typeVpc)
			if !vpc.Remote {
				t.Errorf("vpc remote: got false, want true (awsx components are multi-language)")
			}
			checks := []struct {
				path string
				want any
			}{
				{"cidrBlock", sc.cidr},
				{"numberOfAvailabilityZones", float64(sc.azs)},
				{"enableDnsHostnames", true},
				{"enableDnsSupport", true},
				{"subnetStrategy", "Auto"},
				{"natGateways.strategy", sc.nat},
			}
			for _, c := range checks {
				if got := vpc.Input(c.path); got != c.want {
					t.Errorf("vpc %s: got %v, want %v", c.path, got, c.want)
				}
			}
			// Explicit blocks, one per AZ (subnetCidrBlocks in network.go): the
			// tiers' /20s at the start of each AZ's pinned quarter.
			blocks := func(offsets ...int) []any {
				p := netip.MustParsePrefix(sc.cidr)
				var out []any
				for _, o := range offsets {
					a := p.Addr().As4()
					v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
					v += uint32(o) << (32 - p.Bits() - 4)
					out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), p.Bits()+4).String())
				}
				return out
			}
			want := []any{
				map[string]any{"type": "Public", "name": "public", "cidrBlocks": blocks(0, 8)},
				map[string]any{"type": "Private", "name": "private", "cidrBlocks": blocks(1, 9)},
				map[string]any{"type": "Isolated", "name": "isolated", "cidrBlocks": blocks(2, 10)},
			}
			if got := vpc.Input("subnetSpecs"); !reflect.DeepEqual(got, want) {
				t.Errorf("vpc subnetSpecs: got %v, want %v", got, want)
			}
		})
	}
}

// TestNetworkNatStrategy protects NET-3 for direct callers: the NAT
// strategy reaches the VPC unchanged, and the zero value is OnePerAz.
func TestNetworkNatStrategy(t *testing.T) {
	for _, tt := range []struct{ arg, want string }{
		{"", components.NatOnePerAZ},
		{components.NatOnePerAZ, "OnePerAz"},
		{components.NatSingle, "Single"},
		{components.NatNone, "None"},
	} {
		t.Run("natGateways="+tt.arg, func(t *testing.T) {
			vpc := runNetwork(t, "net", &components.NetworkArgs{NatGateways: tt.arg}).child(t, "vpc", typeVpc)
			if got := vpc.InputString("natGateways.strategy"); got != tt.want {
				t.Errorf("vpc natGateways.strategy: got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNetworkSubnetsFitEveryAllowedVpc protects the subnet layout against
// every VPC and AZ count the validation allows: awsx (as the offline engine
// lays it out, awsx v2.22.0's rules) accepts the explicit blocks, and every
// subnet is an AWS-valid /16 to /28 inside the VPC.
func TestNetworkSubnetsFitEveryAllowedVpc(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/16", "172.16.0.0/17", "192.168.0.0/18", "10.20.0.0/19", "10.30.0.0/20"} {
		for azs := 2; azs <= 4; azs++ {
			t.Run(fmt.Sprintf("%s/%dAZ", cidr, azs), func(t *testing.T) {
				n := runNetwork(t, "net", &components.NetworkArgs{CidrBlock: cidr, AZCount: azs})
				vpc := netip.MustParsePrefix(cidr)
				subnets := n.res.ByType("aws:ec2/subnet:Subnet")
				if len(subnets) != 3*azs {
					t.Fatalf("subnets: got %d, want %d", len(subnets), 3*azs)
				}
				for _, s := range subnets {
					p, err := netip.ParsePrefix(s.InputString("cidrBlock"))
					if err != nil || p.Bits() < 16 || p.Bits() > 28 || !vpc.Contains(p.Addr()) || p.Bits() < vpc.Bits() {
						t.Errorf("subnet %s: got %q, want a /16 to /28 inside %s", s.Name, s.InputString("cidrBlock"), cidr)
					}
				}
			})
		}
	}
}

// TestNetworkS3GatewayEndpoint protects NET-5's always-on part: an S3
// gateway endpoint in the VPC, for the stack's region, on the route tables
// the getRouteTables lookup returns, so image layers and media skip the NAT.
func TestNetworkS3GatewayEndpoint(t *testing.T) {
	for _, sc := range stackFiles {
		t.Run(sc.stack, func(t *testing.T) {
			n := runStack(t, sc)
			vpc := n.child(t, "vpc", typeVpc)
			ep := n.child(t, "s3-endpoint", typeVpcEndpoint)
			if got, want := ep.InputString("serviceName"), "com.amazonaws."+sc.region+".s3"; got != want {
				t.Errorf("s3 endpoint serviceName: got %q, want %q", got, want)
			}
			if got := ep.InputString("vpcEndpointType"); got != "Gateway" {
				t.Errorf("s3 endpoint vpcEndpointType: got %q, want Gateway", got)
			}
			if got, want := ep.InputString("vpcId"), vpc.Output("vpcId"); got == "" || got != want {
				t.Errorf("s3 endpoint vpcId: got %q, want the vpc's %v", got, want)
			}
			rts := strs(ep.Input("routeTableIds"))
			if len(rts) == 0 {
				t.Errorf("s3 endpoint routeTableIds: got %v, want the VPC's route tables", ep.Input("routeTableIds"))
			}
			for _, id := range rts {
				if !strings.HasPrefix(id, "rtb-") {
					t.Errorf("s3 endpoint routeTableIds: got %q, want route table ids (rtb-...)", id)
				}
			}
			if !empty(ep.Input("subnetIds")) || !empty(ep.Input("securityGroupIds")) {
				t.Errorf("s3 gateway endpoint: got subnetIds %v securityGroupIds %v, want none (a gateway has neither)",
					ep.Input("subnetIds"), ep.Input("securityGroupIds"))
			}
		})
	}
}

// TestNetworkEndpointsFollowRegion protects against a hard-coded region in
// endpoint service names.
func TestNetworkEndpointsFollowRegion(t *testing.T) {
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		_, err := components.NewNetwork(ctx, "net", nil)
		return err
	}, offline.Options{Project: testutil.Project, Stack: "test", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	eps := res.ByType(typeVpcEndpoint)
	if len(eps) != 1+len(interfaceServices) {
		t.Fatalf("endpoints: got %d, want %d", len(eps), 1+len(interfaceServices))
	}
	for _, ep := range eps {
		if got := ep.InputString("serviceName"); !strings.HasPrefix(got, "com.amazonaws.eu-west-1.") {
			t.Errorf("endpoint %s serviceName: got %q, want com.amazonaws.eu-west-1.*", ep.Name, got)
		}
	}
}

// TestNetworkInterfaceEndpoints protects NET-5's optional part: with
// endpoints on, one interface endpoint per service, with private DNS, in
// the VPC's private subnets (where the tasks run), behind a security group
// that admits only HTTPS from the VPC's range; with endpoints off, none of
// them and no security group.
func TestNetworkInterfaceEndpoints(t *testing.T) {
	for _, sc := range stackFiles {
		t.Run(sc.stack, func(t *testing.T) {
			n := runStack(t, sc)
			vpc := n.child(t, "vpc", typeVpc)
			var services []string
			for _, ep := range n.res.ByType(typeVpcEndpoint) {
				if ep.Parent == n.comp.URN && ep.InputString("vpcEndpointType") == "Interface" {
					services = append(services, strings.TrimPrefix(ep.InputString("serviceName"), "com.amazonaws."+sc.region+"."))
				}
			}
			slices.Sort(services)
			if !sc.endpoints {
				if len(services) != 0 {
					t.Errorf("interface endpoints: got %v, want none", services)
				}
				if r := n.children["endpoints-sg"]; r != nil {
					t.Errorf("endpoints-sg: got %s, want none without endpoints", r.URN)
				}
				return
			}
			if !slices.Equal(services, interfaceServices) {
				t.Errorf("interface endpoint services: got %v, want %v", services, interfaceServices)
			}

			sg := n.child(t, "endpoints-sg", typeSG)
			private := strs(vpc.Output("privateSubnetIds"))
			if len(private) != sc.azs {
				t.Fatalf("vpc privateSubnetIds: got %v, want %d", private, sc.azs)
			}
			for _, svc := range interfaceServices {
				ep := n.child(t, svc+"-endpoint", typeVpcEndpoint)
				if got, want := ep.InputString("serviceName"), "com.amazonaws."+sc.region+"."+svc; got != want {
					t.Errorf("%s serviceName: got %q, want %q", ep.Name, got, want)
				}
				if got := ep.InputString("vpcEndpointType"); got != "Interface" {
					t.Errorf("%s vpcEndpointType: got %q, want Interface", ep.Name, got)
				}
				if got := ep.Input("privateDnsEnabled"); got != true {
					t.Errorf("%s privateDnsEnabled: got %v, want true", ep.Name, got)
				}
				if got, want := ep.InputString("vpcId"), vpc.Output("vpcId"); got != want {
					t.Errorf("%s vpcId: got %q, want %v", ep.Name, got, want)
				}
				if got := strs(ep.Input("subnetIds")); !slices.Equal(got, private) {
					t.Errorf("%s subnetIds: got %v, want the vpc's private subnets %v (public %v, isolated %v)",
						ep.Name, got, private, vpc.Output("publicSubnetIds"), vpc.Output("isolatedSubnetIds"))
				}
				if got := strs(ep.Input("securityGroupIds")); !slices.Equal(got, []string{sg.ID}) {
					t.Errorf("%s securityGroupIds: got %v, want [%s]", ep.Name, got, sg.ID)
				}
			}

			if got, want := sg.InputString("vpcId"), vpc.Output("vpcId"); got != want {
				t.Errorf("endpoints-sg vpcId: got %q, want %v", got, want)
			}
			if sg.InputString("description") == "" {
				t.Errorf("endpoints-sg description: got none, want one")
			}
			ingress, _ := sg.Input("ingress").([]any)
			if len(ingress) != 1 {
				t.Fatalf("endpoints-sg ingress: got %v, want exactly one rule", sg.Input("ingress"))
			}
			rule := func(k string) any { return sg.Input("ingress.0." + k) }
			if rule("protocol") != "tcp" || rule("fromPort") != 443.0 || rule("toPort") != 443.0 {
				t.Errorf("endpoints-sg ingress: got %v/%v-%v, want tcp/443-443", rule("protocol"), rule("fromPort"), rule("toPort"))
			}
			if got := strs(rule("cidrBlocks")); !slices.Equal(got, []string{sc.cidr}) {
				t.Errorf("endpoints-sg ingress cidrBlocks: got %v, want [%s] (the VPC only)", got, sc.cidr)
			}
			for _, k := range []string{"ipv6CidrBlocks", "securityGroups", "prefixListIds"} {
				if !empty(rule(k)) {
					t.Errorf("endpoints-sg ingress %s: got %v, want none", k, rule(k))
				}
			}
			if rule("self") == true {
				t.Errorf("endpoints-sg ingress self: got true, want unset")
			}
			if d, _ := rule("description").(string); strings.TrimSpace(d) == "" {
				t.Errorf("endpoints-sg ingress description: got %q, want one (NET-4: every rule has a description)", d)
			}
			if !empty(sg.Input("egress")) {
				t.Errorf("endpoints-sg egress: got %v, want none (endpoints only answer)", sg.Input("egress"))
			}
		})
	}
}

// statement is one parsed IAM policy statement, with Action, Resource and
// each Principal kind normalised to lists, Condition as written; Unknown
// lists any other key (NotAction, NotResource, ...), which these policies
// must not use.
type statement struct {
	Effect                    string
	Action, Resource, Unknown []string
	Principal                 map[string][]string
	Condition                 map[string]any
}

// parsePolicy parses an IAM policy document statement by statement.
func parsePolicy(t *testing.T, doc string) []statement {
	t.Helper()
	var raw struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	if raw.Version != "2012-10-17" {
		t.Errorf("policy Version: got %q, want 2012-10-17", raw.Version)
	}
	list := func(v any) []string {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			return strs(x)
		}
		return nil
	}
	var out []statement
	for _, s := range raw.Statement {
		st := statement{Principal: map[string][]string{}}
		for k, v := range s {
			switch k {
			case "Effect":
				st.Effect, _ = v.(string)
			case "Action":
				st.Action = list(v)
			case "Resource":
				st.Resource = list(v)
			case "Principal":
				if m, ok := v.(map[string]any); ok {
					for pk, pv := range m {
						st.Principal[pk] = list(pv)
					}
				} else {
					st.Principal["?"] = list(v) // "*" or a bare string
				}
			case "Condition":
				st.Condition, _ = v.(map[string]any)
			case "Sid":
			default:
				st.Unknown = append(st.Unknown, k)
			}
		}
		out = append(out, st)
	}
	return out
}

// TestNetworkFlowLogs protects NET-1 and LOG-1 for the VPC: with flow logs
// on, all traffic goes to a log group with the configured retention, through
// a role only the flow logs service can assume and that may only write to
// that group; with flow logs off, none of it exists.
func TestNetworkFlowLogs(t *testing.T) {
	roles := []string{"flow-log", "flow-logs", "flow-logs-role", "flow-logs-policy"}
	for _, sc := range stackFiles {
		t.Run(sc.stack, func(t *testing.T) {
			n := runStack(t, sc)
			if !sc.flowLogs {
				for _, role := range roles {
					if r := n.children[role]; r != nil {
						t.Errorf("%s: got %s, want none without flow logs", role, r.URN)
					}
				}
				return
			}
			checkFlowLogs(t, n, sc.retention)
		})
	}
	t.Run("component flowLogs with 30 days", func(t *testing.T) {
		checkFlowLogs(t, runNetwork(t, "net", &components.NetworkArgs{LogRetentionDays: 30}), 30)
	})
}

func checkFlowLogs(t *testing.T, n netView, retention int) {
	t.Helper()
	vpc := n.child(t, "vpc", typeVpc)
	fl := n.child(t, "flow-log", typeFlowLog)
	lg := n.child(t, "flow-logs", typeLogGroup)
	role := n.child(t, "flow-logs-role", typeRole)
	pol := n.child(t, "flow-logs-policy", typeRolePolicy)

	if got := lg.Input("retentionInDays"); got != float64(retention) {
		t.Errorf("flow log group retentionInDays: got %v, want %d", got, retention)
	}
	groupArn, _ := lg.Output("arn").(string)
	if groupArn == "" {
		t.Fatalf("flow log group arn: got none")
	}
	for _, c := range []struct {
		path string
		want any
	}{
		{"trafficType", "ALL"},
		{"vpcId", vpc.Output("vpcId")},
		{"logDestinationType", "cloud-watch-logs"},
		{"logDestination", groupArn},
		{"iamRoleArn", role.Output("arn")},
	} {
		if got := fl.Input(c.path); got == nil || got != c.want {
			t.Errorf("flow log %s: got %v, want %v", c.path, got, c.want)
		}
	}

	trust := parsePolicy(t, role.InputString("assumeRolePolicy"))
	if len(trust) != 1 {
		t.Fatalf("flow logs role trust policy: got %d statements, want 1", len(trust))
	}
	st := trust[0]
	if st.Effect != "Allow" || !slices.Equal(st.Action, []string{"sts:AssumeRole"}) || len(st.Unknown) != 0 {
		t.Errorf("flow logs role trust statement: got %+v, want Allow sts:AssumeRole", st)
	}
	if want := map[string][]string{"Service": {"vpc-flow-logs.amazonaws.com"}}; !reflect.DeepEqual(st.Principal, want) {
		t.Errorf("flow logs role trust principal: got %v, want %v only", st.Principal, want)
	}
	// The confused-deputy guard: only flow logs of this account assume the role.
	wantCond := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
		"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"},
	}
	if !reflect.DeepEqual(st.Condition, wantCond) {
		t.Errorf("flow logs role trust condition: got %v, want %v", st.Condition, wantCond)
	}

	if got, want := pol.InputString("role"), role.Output("name"); got == "" || got != want {
		t.Errorf("flow logs policy role: got %q, want the role's name %v", got, want)
	}
	stmts := parsePolicy(t, pol.InputString("policy"))
	if len(stmts) == 0 {
		t.Fatalf("flow logs policy: got no statements")
	}
	var actions []string
	for i, st := range stmts {
		if st.Effect != "Allow" || len(st.Unknown) != 0 || len(st.Principal) != 0 {
			t.Errorf("flow logs policy statement %d: got %+v, want a plain Allow", i, st)
		}
		for _, a := range st.Action {
			if !strings.HasPrefix(a, "logs:") || strings.Contains(a, "*") {
				t.Errorf("flow logs policy statement %d action: got %q, want a named logs: action", i, a)
			}
		}
		if len(st.Resource) == 0 {
			t.Errorf("flow logs policy statement %d resources: got none, want the log group", i)
		}
		for _, r := range st.Resource {
			if r != groupArn && r != groupArn+":*" {
				t.Errorf("flow logs policy statement %d resource: got %q, want %s or its streams (%s:*)", i, r, groupArn, groupArn)
			}
		}
		actions = append(actions, st.Action...)
	}
	for _, need := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
		if !slices.Contains(actions, need) {
			t.Errorf("flow logs policy actions: got %v, want %s (flow logs cannot deliver without it)", actions, need)
		}
	}
}

// TestNetworkDefaultSecurityGroupClosed protects NET-2: the VPC's default
// security group is adopted with no ingress and no egress rules, which makes
// the provider remove AWS's allow-all rules.
func TestNetworkDefaultSecurityGroupClosed(t *testing.T) {
	for _, sc := range stackFiles {
		t.Run(sc.stack, func(t *testing.T) {
			n := runStack(t, sc)
			sg := n.child(t, "default-sg", typeDefaultSG)
			if got, want := sg.InputString("vpcId"), n.child(t, "vpc", typeVpc).Output("vpcId"); got == "" || got != want {
				t.Errorf("default-sg vpcId: got %q, want the vpc's %v", got, want)
			}
			for _, k := range []string{"ingress", "egress"} {
				if !empty(sg.Input(k)) {
					t.Errorf("default-sg %s: got %v, want no rules", k, sg.Input(k))
				}
			}
			if got := len(n.res.ByType(typeDefaultSG)); got != 1 {
				t.Errorf("default security groups in the stack: got %d, want 1", got)
			}
		})
	}
}

// TestNetworkChildrenNamedAndParented protects stable, readable URNs: the
// component's type token, and every resource a Network registers parented
// to it and named "<name>-<role>", with exactly the roles its options ask for.
func TestNetworkChildrenNamedAndParented(t *testing.T) {
	base := []string{"vpc", "default-sg", "s3-endpoint"}
	endpoints := []string{"endpoints-sg", "ecr.api-endpoint", "ecr.dkr-endpoint", "logs-endpoint", "secretsmanager-endpoint"}
	flow := []string{"flow-logs", "flow-logs-role", "flow-logs-policy", "flow-log"}
	tests := []struct {
		name  string
		args  *components.NetworkArgs
		roles []string
	}{
		{"defaults", nil, slices.Concat(base, endpoints, flow)},
		{"no endpoints", &components.NetworkArgs{InterfaceEndpoints: pulumi.BoolRef(false)}, slices.Concat(base, flow)},
		{"no flow logs", &components.NetworkArgs{FlowLogs: pulumi.BoolRef(false)}, slices.Concat(base, endpoints)},
		{"bare", &components.NetworkArgs{InterfaceEndpoints: pulumi.BoolRef(false), FlowLogs: pulumi.BoolRef(false)}, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := testutil.Run(t, func(ctx *pulumi.Context) error {
				_, err := components.NewNetwork(ctx, "edge", tt.args)
				return err
			})
			comp := testutil.One(t, res, typeNetwork)
			if comp.Name != "edge" || comp.Custom || comp.Remote {
				t.Errorf("component: got name %q custom %v remote %v, want \"edge\", a local component", comp.Name, comp.Custom, comp.Remote)
			}
			if !strings.HasSuffix(comp.URN, "::"+typeNetwork+"::edge") {
				t.Errorf("component URN: got %s, want type %s name edge", comp.URN, typeNetwork)
			}
			var roles []string
			for _, r := range res.Resources {
				if r == comp || strings.Contains(r.URN, "$awsx:ec2:Vpc$") {
					continue // awsx names and parents its own children (tests/offline)
				}
				if r.Parent != comp.URN {
					t.Errorf("%s %s: got parent %s, want the Network %s", r.Type, r.Name, r.Parent, comp.URN)
				}
				role, ok := strings.CutPrefix(r.Name, "edge-")
				if !ok {
					t.Errorf("%s: got name %q, want \"edge-<role>\"", r.Type, r.Name)
				}
				roles = append(roles, role)
			}
			slices.Sort(roles)
			want := slices.Sorted(slices.Values(tt.roles))
			if !slices.Equal(roles, want) {
				t.Errorf("child roles: got %v, want %v", roles, want)
			}
		})
	}
}

// TestNetworkTags protects tagging: the caller's tags reach every taggable
// resource the Network registers.
func TestNetworkTags(t *testing.T) {
	n := runNetwork(t, "net", &components.NetworkArgs{Tags: map[string]string{"team": "web"}})
	for role, r := range n.children {
		if r.Type == typeRolePolicy { // inline policies take no tags
			continue
		}
		if got := r.Input("tags.team"); got != "web" {
			t.Errorf("%s (%s) tags.team: got %v, want web", role, r.Type, got)
		}
	}
}

// TestNetworkDefaults protects the zero NetworkArgs as the production
// layout, as documented on NetworkArgs.
func TestNetworkDefaults(t *testing.T) {
	if err := (components.NetworkArgs{}).Validate(); err != nil {
		t.Fatalf("NetworkArgs{}.Validate(): got %v, want nil", err)
	}
	for _, args := range []*components.NetworkArgs{nil, {}} {
		n := runNetwork(t, "net", args)
		vpc := n.child(t, "vpc", typeVpc)
		for _, c := range []struct {
			path string
			want any
		}{
			{"cidrBlock", "10.0.0.0/16"},
			{"numberOfAvailabilityZones", 2.0},
			{"natGateways.strategy", "OnePerAz"},
		} {
			if got := vpc.Input(c.path); got != c.want {
				t.Errorf("args %v: vpc %s: got %v, want %v", args, c.path, got, c.want)
			}
		}
		for _, svc := range interfaceServices {
			n.child(t, svc+"-endpoint", typeVpcEndpoint)
		}
		if got := n.child(t, "flow-logs", typeLogGroup).Input("retentionInDays"); got != 365.0 {
			t.Errorf("args %v: flow log retention: got %v, want 365", args, got)
		}
	}
}

// TestNetworkValidation protects "validate first": a bad argument returns
// an error naming the component, the instance and the field, and registers
// nothing, not even the component.
func TestNetworkValidation(t *testing.T) {
	no := pulumi.BoolRef(false)
	tests := []struct {
		name  string
		args  components.NetworkArgs
		field string
		says  string // part of the reason
	}{
		{"cidr not a prefix", components.NetworkArgs{CidrBlock: "10.0.0.0"}, "cidrBlock", "10.0.0.0"},
		{"cidr garbage", components.NetworkArgs{CidrBlock: "ten"}, "cidrBlock", "ten"},
		{"cidr ipv6", components.NetworkArgs{CidrBlock: "fd00::/56"}, "cidrBlock", "IPv4"},
		{"cidr host bits", components.NetworkArgs{CidrBlock: "10.0.0.1/16"}, "cidrBlock", "host bits"},
		{"cidr public", components.NetworkArgs{CidrBlock: "8.8.0.0/16"}, "cidrBlock", "RFC 1918"},
		{"cidr straddles 172.16/12", components.NetworkArgs{CidrBlock: "172.0.0.0/16"}, "cidrBlock", "RFC 1918"},
		{"cidr too big", components.NetworkArgs{CidrBlock: "10.0.0.0/15"}, "cidrBlock", "/16 to /20"},
		{"cidr too small", components.NetworkArgs{CidrBlock: "10.0.0.0/21"}, "cidrBlock", "/16 to /20"},
		{"azCount 1", components.NetworkArgs{AZCount: 1}, "azCount", "2 to 4"},
		{"azCount 5", components.NetworkArgs{AZCount: 5}, "azCount", "2 to 4"},
		{"azCount negative", components.NetworkArgs{AZCount: -2}, "azCount", "2 to 4"},
		{"natGateways unknown", components.NetworkArgs{NatGateways: "Sometimes"}, "natGateways", "Sometimes"},
		{"natGateways wrong case", components.NetworkArgs{NatGateways: "single"}, "natGateways", "single"},
		{"natGateways None without endpoints", components.NetworkArgs{NatGateways: components.NatNone, InterfaceEndpoints: no}, "natGateways", "interfaceEndpoints"},
		{"logRetentionDays 10", components.NetworkArgs{LogRetentionDays: 10}, "logRetentionDays", "10 days"},
		{"logRetentionDays negative", components.NetworkArgs{LogRetentionDays: -1}, "logRetentionDays", "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
				_, err := components.NewNetwork(ctx, "edge", &args)
				return err
			})
			if err == nil {
				t.Fatalf("NewNetwork: got no error, want one naming %s", tt.field)
			}
			if want := `Network "edge": ` + tt.field + ":"; !strings.Contains(err.Error(), want) {
				t.Errorf("NewNetwork error: got %q, want it to contain %q", err, want)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("NewNetwork error: got %q, want it to say %q", err, tt.says)
			}
			if len(res.Resources) != 0 {
				t.Errorf("NewNetwork with bad args: got %d resources (first %s), want none", len(res.Resources), res.Resources[0].URN)
			}

			verr := tt.args.Validate()
			var fe *components.FieldError
			if !errors.As(verr, &fe) {
				t.Fatalf("Validate(): got %v, want a *components.FieldError", verr)
			}
			if fe.Component != "Network" || fe.Field != tt.field {
				t.Errorf("Validate(): got component %q field %q, want Network %s", fe.Component, fe.Field, tt.field)
			}
			if !reflect.DeepEqual(tt.args, args) {
				t.Errorf("NewNetwork changed the caller's args: got %+v, want %+v", args, tt.args)
			}
		})
	}
}
