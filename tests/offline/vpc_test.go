package offline_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runVpc runs a program that makes one awsx ec2.Vpc named "net-vpc".
func runVpc(t *testing.T, args *awsxec2.VpcArgs) *offline.Result {
	t.Helper()
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		vpc, err := awsxec2.NewVpc(ctx, "net-vpc", args)
		if err != nil {
			return err
		}
		ctx.Export("vpcId", vpc.VpcId)
		ctx.Export("publicSubnetIds", vpc.PublicSubnetIds)
		ctx.Export("privateSubnetIds", vpc.PrivateSubnetIds)
		ctx.Export("isolatedSubnetIds", vpc.IsolatedSubnetIds)
		return nil
	}, offline.Options{Project: "demo", Stack: "test", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatalf("offline run: %v", err)
	}
	return res
}

func threeTiers(mask int) []awsxec2.SubnetSpecArgs {
	return []awsxec2.SubnetSpecArgs{
		{Type: awsxec2.SubnetTypePublic, Name: pulumi.StringRef("public"), CidrMask: pulumi.IntRef(mask)},
		{Type: awsxec2.SubnetTypePrivate, Name: pulumi.StringRef("private"), CidrMask: pulumi.IntRef(mask)},
		{Type: awsxec2.SubnetTypeIsolated, Name: pulumi.StringRef("isolated"), CidrMask: pulumi.IntRef(mask)},
	}
}

// TestAwsxVpcExpandsAsAwsxDoes protects the offline preview's fidelity to a
// real one (issue 15 item 1): an awsx ec2.Vpc is not one step but the
// resources awsx v2.22.0 creates (awsx/ec2/vpc.ts): the aws.ec2.Vpc under
// the component, its internet gateway, and per AZ, public then private then
// isolated, a subnet (under the VPC) with a route table (under the subnet)
// and its association (under the route table); one EIP and NAT gateway per
// AZ under the public subnet (OnePerAz); a default route to the internet
// gateway for public tables and to the AZ's NAT gateway for private ones;
// none for isolated ones. Names are awsx's: "<vpc>-<spec>-<AZ number>".
func TestAwsxVpcExpandsAsAwsxDoes(t *testing.T) {
	strategy := awsxec2.SubnetAllocationStrategyAuto
	res := runVpc(t, &awsxec2.VpcArgs{
		CidrBlock:                 pulumi.StringRef("10.0.0.0/16"),
		NumberOfAvailabilityZones: pulumi.IntRef(2),
		EnableDnsHostnames:        pulumi.Bool(true),
		NatGateways:               &awsxec2.NatGatewayConfigurationArgs{Strategy: awsxec2.NatGatewayStrategyOnePerAz},
		SubnetStrategy:            &strategy,
		SubnetSpecs:               threeTiers(20),
		Tags:                      pulumi.StringMap{"team": pulumi.String("web")},
	})
	var got []string
	for _, r := range res.Resources {
		parent := ""
		if p := res.ByURN(r.Parent); p != nil {
			parent = p.Type[strings.LastIndex(p.Type, ":")+1:] + " " + p.Name
		}
		got = append(got, fmt.Sprintf("%s %s <- %s", r.Type[strings.LastIndex(r.Type, ":")+1:], r.Name, parent))
	}
	want := []string{
		"Vpc net-vpc <- ",
		"Vpc net-vpc <- Vpc net-vpc",
		"InternetGateway net-vpc <- Vpc net-vpc",
	}
	for az := 1; az <= 2; az++ {
		for _, tier := range []string{"public", "private", "isolated"} {
			n := fmt.Sprintf("net-vpc-%s-%d", tier, az)
			want = append(want, "Subnet "+n+" <- Vpc net-vpc", "RouteTable "+n+" <- Subnet "+n, "RouteTableAssociation "+n+" <- RouteTable "+n)
			switch tier {
			case "public":
				nat := fmt.Sprintf("net-vpc-%d", az)
				want = append(want, "Eip "+nat+" <- Subnet "+n, "NatGateway "+nat+" <- Subnet "+n, "Route "+n+" <- RouteTable "+n)
			case "private":
				want = append(want, "Route "+n+" <- RouteTable "+n)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resources:\ngot  %q\nwant %q", got, want)
	}
	if n := len(res.Resources) - 1; n != 28 {
		t.Errorf("resources awsx creates for 2 AZs, 3 tiers, OnePerAz: got %d, want 28", n)
	}

	vpc := res.ByType("aws:ec2/vpc:Vpc")[0]
	for path, want := range map[string]any{
		"cidrBlock": "10.0.0.0/16", "enableDnsHostnames": true, "tags.Name": "net-vpc", "tags.team": "web",
		"numberOfAvailabilityZones": nil, "subnetSpecs": nil,
	} {
		if got := vpc.Input(path); !reflect.DeepEqual(got, want) {
			t.Errorf("aws vpc input %s: got %v, want %v", path, got, want)
		}
	}
	subnet := res.Named("net-vpc-private-2")
	for path, want := range map[string]any{
		"vpcId": vpc.ID, "availabilityZone": "eu-west-1b", "cidrBlock": "10.0.144.0/20",
		"mapPublicIpOnLaunch": false, "tags.Name": "net-vpc-private-2", "tags.SubnetType": "Private", "tags.team": "web",
	} {
		if got := subnet.Input(path); got != want {
			t.Errorf("subnet net-vpc-private-2 input %s: got %v, want %v", path, got, want)
		}
	}
	if got := subnet.PropertyDependencies["vpcId"]; !reflect.DeepEqual(got, []string{vpc.URN}) {
		t.Errorf("subnet propertyDependencies vpcId: got %v, want [%s]", got, vpc.URN)
	}
	var nat2, route2 *offline.Resource
	for _, r := range res.ByType("aws:ec2/natGateway:NatGateway") {
		if r.Name == "net-vpc-2" {
			nat2 = r
		}
	}
	for _, r := range res.ByType("aws:ec2/route:Route") {
		if r.Name == "net-vpc-private-2" {
			route2 = r
		}
	}
	if nat2 == nil || route2 == nil {
		t.Fatalf("NAT gateway net-vpc-2 and route net-vpc-private-2: got %v, %v", nat2, route2)
	}
	if got := route2.InputString("natGatewayId"); got != nat2.ID {
		t.Errorf("private route of AZ 2: natGatewayId got %q, want AZ 2's NAT gateway %q", got, nat2.ID)
	}
	if got, want := nat2.InputString("subnetId"), res.Named("net-vpc-public-2").ID; got != want {
		t.Errorf("NAT gateway of AZ 2: subnetId got %q, want public-2's %q", got, want)
	}
	if got := res.Exports["vpcId"]; got != vpc.ID {
		t.Errorf("export vpcId: got %v, want the aws vpc's id %s", got, vpc.ID)
	}
	priv, _ := res.Exports["privateSubnetIds"].([]string)
	if len(priv) != 2 || priv[1] != subnet.ID {
		t.Errorf("export privateSubnetIds: got %v, want [.., %s]", priv, subnet.ID)
	}
}

// TestAwsxVpcNatStrategies protects the NAT layouts the project uses: one
// NAT gateway per AZ, one shared (every private route points at AZ 1's),
// or none (no EIP, no NAT, no private route).
func TestAwsxVpcNatStrategies(t *testing.T) {
	strategy := awsxec2.SubnetAllocationStrategyAuto
	for _, tt := range []struct {
		nat                 awsxec2.NatGatewayStrategy
		nats, privateRoutes int
	}{
		{awsxec2.NatGatewayStrategyOnePerAz, 3, 3},
		{awsxec2.NatGatewayStrategySingle, 1, 3},
		{awsxec2.NatGatewayStrategyNone, 0, 0},
	} {
		t.Run(string(tt.nat), func(t *testing.T) {
			res := runVpc(t, &awsxec2.VpcArgs{
				NumberOfAvailabilityZones: pulumi.IntRef(3),
				NatGateways:               &awsxec2.NatGatewayConfigurationArgs{Strategy: tt.nat},
				SubnetStrategy:            &strategy,
				SubnetSpecs:               threeTiers(20),
			})
			nats := res.ByType("aws:ec2/natGateway:NatGateway")
			if len(nats) != tt.nats || len(res.ByType("aws:ec2/eip:Eip")) != tt.nats {
				t.Errorf("NAT gateways and EIPs: got %d and %d, want %d", len(nats), len(res.ByType("aws:ec2/eip:Eip")), tt.nats)
			}
			routes := 0
			for _, r := range res.ByType("aws:ec2/route:Route") {
				if strings.Contains(r.Name, "-private-") {
					routes++
					if tt.nat == awsxec2.NatGatewayStrategySingle && r.InputString("natGatewayId") != nats[0].ID {
						t.Errorf("route %s: natGatewayId got %q, want the single NAT gateway %q", r.Name, r.InputString("natGatewayId"), nats[0].ID)
					}
				}
			}
			if routes != tt.privateRoutes {
				t.Errorf("private default routes: got %d, want %d", routes, tt.privateRoutes)
			}
		})
	}
}

// TestAwsxVpcRefusesWhatAwsxRefuses protects the engine from accepting a Vpc
// awsx would fail at `pulumi up`: NAT gateways with no private subnets, and
// explicit blocks that do not match the AZ count (awsx's own messages).
func TestAwsxVpcRefusesWhatAwsxRefuses(t *testing.T) {
	strategy := awsxec2.SubnetAllocationStrategyAuto
	for _, tt := range []struct {
		name string
		args *awsxec2.VpcArgs
		want string
	}{
		{"nat without private subnets", &awsxec2.VpcArgs{
			NumberOfAvailabilityZones: pulumi.IntRef(2), SubnetStrategy: &strategy,
			SubnetSpecs: []awsxec2.SubnetSpecArgs{{Type: awsxec2.SubnetTypePublic}},
		}, "both private and public subnets must be declared"},
		{"blocks per AZ", &awsxec2.VpcArgs{
			NumberOfAvailabilityZones: pulumi.IntRef(3), SubnetStrategy: &strategy,
			NatGateways: &awsxec2.NatGatewayConfigurationArgs{Strategy: awsxec2.NatGatewayStrategyNone},
			SubnetSpecs: []awsxec2.SubnetSpecArgs{{Type: awsxec2.SubnetTypePrivate, CidrBlocks: []string{"10.0.0.0/20", "10.0.16.0/20"}}},
		}, "The number of CIDR blocks in subnetSpecs[0] must match the number of availability zones (3)."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := offline.Run(func(ctx *pulumi.Context) error {
				_, err := awsxec2.NewVpc(ctx, "net-vpc", tt.args)
				return err
			}, offline.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %v, want one containing %q", err, tt.want)
			}
		})
	}
}
