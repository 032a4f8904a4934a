package network_test

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const typeSubnet = "aws:ec2/subnet:Subnet"

// runNetworkOver runs components.NewNetwork named "net" with azCount azs
// against the resources an earlier deployment left (nil for a new stack),
// as `pulumi up` of an existing stack would see them.
func runNetworkOver(existing []*offline.Resource, cidr string, azs int) (*offline.Result, error) {
	return offline.Run(func(ctx *pulumi.Context) error {
		_, err := components.NewNetwork(ctx, "net", &components.NetworkArgs{CidrBlock: cidr, AZCount: azs})
		return err
	}, offline.Options{Project: testutil.Project, Stack: "test", Config: map[string]string{"aws:region": "us-east-1"}, Existing: existing})
}

// subnetCidrs maps each subnet awsx creates (as the offline engine expands
// the awsx Vpc) to its CIDR block.
func subnetCidrs(t *testing.T, res *offline.Result) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range res.ByType(typeSubnet) {
		out[s.Name] = s.InputString("cidrBlock")
	}
	if len(out) == 0 {
		t.Fatal("subnets: got none, want awsx's subnets")
	}
	return out
}

// TestNetworkAddingAnAZOnlyAppends protects every deployed stack from a
// subnet move (issue 12 item 6): awsx's Auto layout sizes each AZ's block
// from the AZ count, so going from 2 to 3 AZs moved the second AZ's subnets
// and the new ones collided with subnets that hold the database, the load
// balancer and the NAT gateways. Each AZ's subnets are now pinned: raising
// azCount keeps every subnet's CIDR and only adds subnets, in blocks no
// earlier subnet uses; and 2 AZs keep the blocks the Auto layout gave them,
// so existing 2-AZ stacks see no change.
func TestNetworkAddingAnAZOnlyAppends(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/16", "10.1.0.0/16", "172.16.0.0/17", "192.168.0.0/18", "10.30.0.0/20"} {
		t.Run(cidr, func(t *testing.T) {
			prev := map[string]string{}
			for azs := 2; azs <= 4; azs++ {
				res, err := runNetworkOver(nil, cidr, azs)
				if err != nil {
					t.Fatalf("azCount %d: %v", azs, err)
				}
				got := subnetCidrs(t, res)
				if len(got) != 3*azs {
					t.Errorf("azCount %d: got %d subnets, want %d", azs, len(got), 3*azs)
				}
				for name, was := range prev {
					if got[name] != was {
						t.Errorf("azCount %d -> %d: subnet %s: got %s, want %s (kept)", azs-1, azs, name, got[name], was)
					}
				}
				vpc := netip.MustParsePrefix(cidr)
				var all []netip.Prefix
				for _, name := range slices.Sorted(maps.Keys(got)) {
					p, err := netip.ParsePrefix(got[name])
					if err != nil || !vpc.Contains(p.Addr()) || p.Bits() != vpc.Bits()+4 {
						t.Errorf("azCount %d: subnet %s: got %s, want a /%d inside %s", azs, name, got[name], vpc.Bits()+4, cidr)
					}
					for _, q := range all {
						if q.Overlaps(p) {
							t.Errorf("azCount %d: subnet %s %s overlaps %s", azs, name, p, q)
						}
					}
					all = append(all, p)
				}
				prev = got
			}
		})
	}
}

// TestNetworkTwoAZLayoutUnchanged protects stacks deployed before the layout
// was pinned: with 2 AZs the subnets keep the blocks awsx's Auto layout gave
// them (each AZ a /17 of the /16; public, private, isolated /20s in order).
func TestNetworkTwoAZLayoutUnchanged(t *testing.T) {
	res, err := runNetworkOver(nil, "10.0.0.0/16", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"net-vpc-public-1": "10.0.0.0/20", "net-vpc-private-1": "10.0.16.0/20", "net-vpc-isolated-1": "10.0.32.0/20",
		"net-vpc-public-2": "10.0.128.0/20", "net-vpc-private-2": "10.0.144.0/20", "net-vpc-isolated-2": "10.0.160.0/20",
	}
	if got := subnetCidrs(t, res); !maps.Equal(got, want) {
		t.Errorf("subnets: got %v, want %v", got, want)
	}
}

// TestNetworkRefusesFewerAZs protects a deployed stack from losing an AZ: a
// lower azCount would delete the last AZs' subnets, which hold the
// database's standby, load balancer nodes and a NAT gateway. The program
// cannot know the previous azCount from its config, so it counts the public
// subnets the deployed VPC has (getSubnets, read during preview and up) and
// refuses before anything is deleted; raising or keeping azCount passes.
func TestNetworkRefusesFewerAZs(t *testing.T) {
	deployed := func(azs int) []*offline.Resource {
		res, err := runNetworkOver(nil, "10.0.0.0/16", azs)
		if err != nil {
			t.Fatalf("deploy with azCount %d: %v", azs, err)
		}
		return res.Resources
	}
	for _, tt := range []struct {
		from, to int
		refused  bool
	}{{3, 2, true}, {4, 2, true}, {4, 3, true}, {2, 2, false}, {2, 3, false}, {3, 4, false}} {
		t.Run(fmt.Sprintf("%d-to-%d", tt.from, tt.to), func(t *testing.T) {
			_, err := runNetworkOver(deployed(tt.from), "10.0.0.0/16", tt.to)
			switch {
			case tt.refused && err == nil:
				t.Fatalf("error: got nil, want azCount %d refused on a VPC with %d AZs", tt.to, tt.from)
			case tt.refused:
				for _, want := range []string{`Network "net": azCount: `, fmt.Sprintf("%d", tt.from), "database", "load balancer", "NAT"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error: got %q, want it to contain %q", err, want)
					}
				}
			case err != nil:
				t.Fatalf("error: got %v, want none (azCount %d over %d AZs)", err, tt.to, tt.from)
			}
		})
	}
}
