package offline

import (
	"fmt"
	"sort"
	"strings"

	"github.com/djangofargate/djangofargate/internal/offline/awsx"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Type tokens of the resources an awsx ec2.Vpc creates.
const (
	typeAwsxVpc      = "awsx:ec2:Vpc"
	typeVpc          = "aws:ec2/vpc:Vpc"
	typeSubnet       = "aws:ec2/subnet:Subnet"
	typeRouteTable   = "aws:ec2/routeTable:RouteTable"
	typeRTAssoc      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeRoute        = "aws:ec2/route:Route"
	typeIGW          = "aws:ec2/internetGateway:InternetGateway"
	typeNatGateway   = "aws:ec2/natGateway:NatGateway"
	typeEip          = "aws:ec2/eip:Eip"
	awsxDefaultCidr  = "10.0.0.0/16"
	awsxDefaultAZs   = 3
	awsxDefaultNat   = "OnePerAz"
	availabilityZone = "abcdef" // the AZ letters getAvailabilityZones answers
)

// vpcPassThrough are the awsx VpcArgs that awsx hands to its aws.ec2.Vpc
// (`new aws.ec2.Vpc(name, {...args, cidrBlock, tags})`, which keeps only
// the keys aws.ec2.Vpc declares).
var vpcPassThrough = []resource.PropertyKey{
	"assignGeneratedIpv6CidrBlock", "enableDnsHostnames", "enableDnsSupport",
	"enableNetworkAddressUsageMetrics", "instanceTenancy", "ipv4IpamPoolId", "ipv4NetmaskLength",
	"ipv6CidrBlock", "ipv6CidrBlockNetworkBorderGroup", "ipv6IpamPoolId", "ipv6NetmaskLength",
}

// ref is an input that is another resource's output: the value it resolves
// to, and the resource it makes the input depend on.
type ref struct {
	res *Resource
	out string // "id" or an output name
}

// expandAwsxVpc records the resources awsx v2.22.0's ec2.Vpc creates inside
// the component vpc (awsx/ec2/vpc.ts): the aws.ec2.Vpc, its internet
// gateway, and per AZ, in awsx's order (public, private, isolated), each
// subnet with its route table and association, a NAT gateway and EIP in the
// public subnets the NAT strategy asks for, and the default routes. Names,
// parents, dependsOn, inputs and CIDR blocks are awsx's (package awsx). It
// returns the component's outputs.
func (m *mocks) expandAwsxVpc(vpc *Resource) (resource.PropertyMap, error) {
	in := Plain(vpc.Inputs)
	name := vpc.Name
	azNames, err := m.vpcAZs(in)
	if err != nil {
		return nil, err
	}
	nat, _ := Lookup(in, "natGateways.strategy").(string)
	if nat == "" {
		nat = awsxDefaultNat
	}
	eipIDs := strs(Lookup(in, "natGateways.elasticIpAllocationIds"))
	if err := validateEips(nat, eipIDs, len(azNames)); err != nil {
		return nil, err
	}
	if _, ok := in["ipv4IpamPoolId"]; ok {
		return nil, fmt.Errorf("a VPC allocated from an IPAM pool (ipv4IpamPoolId) is not modelled offline")
	}
	cidr, _ := in["cidrBlock"].(string)
	if cidr == "" {
		cidr = awsxDefaultCidr
	}
	strategy, _ := in["subnetStrategy"].(string)
	specs, err := subnetSpecs(in["subnetSpecs"])
	if err != nil {
		return nil, err
	}
	azMask, _ := in["availabilityZoneCidrMask"].(float64)
	layout, err := awsx.Layout(name, cidr, strategy, azNames, specs, int(azMask), nat)
	if err != nil {
		return nil, err
	}

	userTags := stringMap(in["tags"])
	shared := map[string]any{"Name": name}
	for k, v := range userTags {
		shared[k] = v
	}
	vpcInputs := map[string]any{"cidrBlock": cidr, "tags": shared}
	for _, k := range vpcPassThrough {
		if v, ok := in[string(k)]; ok && v != nil {
			vpcInputs[string(k)] = v
		}
	}
	awsVpc, err := m.child(vpc, typeVpc, name, vpcInputs)
	if err != nil {
		return nil, err
	}
	igw, err := m.child(awsVpc, typeIGW, name, map[string]any{"vpcId": ref{awsVpc, "id"}, "tags": shared}, awsVpc)
	if err != nil {
		return nil, err
	}
	ids := map[string][]any{"public": {}, "private": {}, "isolated": {}}
	var nats, eips []*Resource
	for i, az := range azNames {
		for _, s := range layout {
			if s.AZ != az {
				continue
			}
			kind := strings.ToLower(s.Type)
			tags := copyMap(shared)
			for k, v := range s.Tags {
				tags[k] = v
			}
			tags["Name"], tags["SubnetType"] = s.Name, s.Type
			subnet, err := m.child(awsVpc, typeSubnet, s.Name, map[string]any{
				"vpcId": ref{awsVpc, "id"}, "availabilityZone": s.AZ, "mapPublicIpOnLaunch": kind == "public",
				"cidrBlock": s.CidrBlock, "tags": tags,
			}, awsVpc)
			if err != nil {
				return nil, err
			}
			switch kind {
			case "public", "private":
				ids[kind] = append(ids[kind], subnet.ID)
			default:
				ids["isolated"] = append(ids["isolated"], subnet.ID)
			}
			rtTags := copyMap(shared)
			rtTags["Name"], rtTags["SubnetType"] = s.Name, s.Type
			rt, err := m.child(subnet, typeRouteTable, s.Name, map[string]any{"vpcId": ref{awsVpc, "id"}, "tags": rtTags}, subnet)
			if err != nil {
				return nil, err
			}
			if _, err := m.child(rt, typeRTAssoc, s.Name, map[string]any{
				"routeTableId": ref{rt, "id"}, "subnetId": ref{subnet, "id"},
			}, rt); err != nil {
				return nil, err
			}
			if kind == "public" && awsx.ShouldCreateNatGateway(nat, len(nats), i) {
				natName := fmt.Sprintf("%s-%d", name, i+1)
				natTags := map[string]any{}
				for k, v := range userTags {
					natTags[k] = v
				}
				natTags["Name"] = natName
				var alloc any
				if len(eipIDs) == 0 {
					eip, err := m.child(subnet, typeEip, natName, map[string]any{"tags": copyMap(natTags)}, subnet)
					if err != nil {
						return nil, err
					}
					eips = append(eips, eip)
					alloc = ref{eips[i], "allocationId"} // awsx indexes eips by AZ (vpc.ts)
				} else {
					alloc = eipIDs[i]
				}
				gw, err := m.child(subnet, typeNatGateway, natName, map[string]any{
					"subnetId": ref{subnet, "id"}, "allocationId": alloc, "tags": natTags,
				}, subnet)
				if err != nil {
					return nil, err
				}
				nats = append(nats, gw)
			}
			switch {
			case kind == "public":
				if _, err := m.child(rt, typeRoute, s.Name, map[string]any{
					"routeTableId": ref{rt, "id"}, "gatewayId": ref{igw, "id"}, "destinationCidrBlock": "0.0.0.0/0",
				}, rt); err != nil {
					return nil, err
				}
			case kind == "private" && !strings.EqualFold(nat, "none"):
				gw := nats[0]
				if !strings.EqualFold(nat, "single") {
					gw = nats[i]
				}
				if _, err := m.child(rt, typeRoute, s.Name, map[string]any{
					"routeTableId": ref{rt, "id"}, "natGatewayId": ref{gw, "id"}, "destinationCidrBlock": "0.0.0.0/0",
				}, rt); err != nil {
					return nil, err
				}
			}
		}
	}
	out := vpc.Inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	set("vpcId", awsVpc.ID)
	set("publicSubnetIds", ids["public"])
	set("privateSubnetIds", ids["private"])
	set("isolatedSubnetIds", ids["isolated"])
	if m.creates(vpc.URN) {
		// awsx's Vpc resolves these from its children's ids, unknown until they exist.
		for _, k := range []resource.PropertyKey{"vpcId", "publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds"} {
			out[k] = unknown()
		}
	}
	return out, nil
}

// child records one resource awsx creates, parented to parent and
// depending on dependsOn, with its fabricated id and outputs. ref inputs
// resolve to the referenced output and become property dependencies.
func (m *mocks) child(parent *Resource, typ, name string, inputs map[string]any, dependsOn ...*Resource) (*Resource, error) {
	r := &Resource{
		URN: m.urn(parent.URN, typ, name), Type: typ, Name: name, Parent: parent.URN, Custom: true,
		Protect: parent.Protect, RetainOnDelete: parent.RetainOnDelete,
	}
	deps := map[string]bool{}
	for _, d := range dependsOn {
		deps[d.URN] = true
	}
	plain := map[string]any{}
	for k, v := range inputs {
		if rf, ok := v.(ref); ok {
			if r.PropertyDependencies == nil {
				r.PropertyDependencies = map[string][]string{}
			}
			r.PropertyDependencies[k] = []string{rf.res.URN}
			deps[rf.res.URN] = true
			switch pv, ok := rf.res.Outputs[resource.PropertyKey(rf.out)]; {
			case rf.out == "id" && rf.res.ID != "":
				v = rf.res.ID
			case rf.out == "id" || ok && pv.ContainsUnknowns():
				v = unknown() // the source is being created: a preview does not know it
			default:
				v = rf.res.Output(rf.out)
			}
		}
		plain[k] = v
	}
	for d := range deps {
		r.Dependencies = append(r.Dependencies, d)
	}
	sort.Strings(r.Dependencies)
	r.Inputs = resource.NewPropertyMapFromMap(plain)
	id, outputs, err := fabricate(fabricateArgs{
		urn: r.URN, typ: typ, name: name, inputs: r.Inputs, region: m.region, project: m.project, stack: m.stack,
	})
	if err != nil {
		return nil, err
	}
	r.ID, r.Outputs = id, outputs
	if m.creates(r.URN) {
		m.unknownOutputs(r)
	}
	m.record(r)
	return r, nil
}

// vpcAZs is vpc.ts getDefaultAzs: the names given, or the first
// numberOfAvailabilityZones (default 3) of the region's.
func (m *mocks) vpcAZs(in map[string]any) ([]string, error) {
	names := strs(in["availabilityZoneNames"])
	n, hasN := in["numberOfAvailabilityZones"].(float64)
	if len(names) > 0 && hasN {
		return nil, fmt.Errorf("Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified")
	}
	if len(names) > 0 {
		return names, nil
	}
	want := awsxDefaultAZs
	if hasN {
		want = int(n)
	}
	if want > len(availabilityZone) {
		return nil, fmt.Errorf("The configured region for this provider does not have at least %d Availability Zones. Either specify an explicit list of zones in availabilityZoneNames or choose a region with at least %d AZs.", want, want)
	}
	for _, l := range availabilityZone[:want] {
		names = append(names, m.region+string(l))
	}
	return names, nil
}

// validateEips is vpc.ts validateEips.
func validateEips(strategy string, eips []string, azs int) error {
	switch strings.ToLower(strategy) {
	case "none":
		if len(eips) != 0 {
			return fmt.Errorf("Elastic IP allocation IDs cannot be specified when NAT Gateway strategy is '%s'.", strategy)
		}
	case "single":
		if len(eips) > 1 {
			return fmt.Errorf("Exactly one Elastic IP may be specified when NAT Gateway strategy is '%s'.", strategy)
		}
	case "oneperaz":
		if len(eips) > 0 && len(eips) != azs {
			return fmt.Errorf("The number of Elastic IPs, if specified, must match the number of availability zones for the VPC (%d) when NAT Gateway strategy is '%s'", azs, strategy)
		}
	default:
		return fmt.Errorf("Unknown NatGatewayStrategy '%s'", strategy)
	}
	return nil
}

func subnetSpecs(v any) ([]awsx.SubnetSpec, error) {
	list, ok := v.([]any)
	if v == nil || !ok {
		return nil, nil
	}
	out := []awsx.SubnetSpec{}
	for i, x := range list {
		m, _ := x.(map[string]any)
		s := awsx.SubnetSpec{Tags: map[string]string{}}
		s.Type, _ = m["type"].(string)
		if s.Type == "" {
			return nil, fmt.Errorf("subnetSpecs[%d]: type is required", i)
		}
		s.Name, _ = m["name"].(string)
		mask, _ := m["cidrMask"].(float64)
		size, _ := m["size"].(float64)
		s.CidrMask, s.Size = int(mask), int64(size)
		if b, ok := m["cidrBlocks"]; ok && b != nil {
			s.CidrBlocks = strs(b)
		}
		for k, t := range stringMap(m["tags"]) {
			s.Tags[k] = t
		}
		if len(s.Tags) == 0 {
			s.Tags = nil
		}
		out = append(out, s)
	}
	return out, nil
}

func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := map[string]string{}
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
