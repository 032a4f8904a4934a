package awsx

import (
	"fmt"
	"strings"
)

// address is an ip-address Address4: an address as written (host bits
// kept) with a subnet mask, which the Legacy allocator carries around.
type address struct {
	ip   uint32
	bits int
}

func parseAddress(s string) (address, error) {
	n, err := ParseNetmask(s)
	if err != nil {
		return address{}, err
	}
	ip, _ := ParseNetmask(strings.SplitN(s, "/", 2)[0])
	return address{ip: ip.Base, bits: n.Bits}, nil
}

func (a address) String() string { return fmt.Sprintf("%s/%d", ipString(a.ip), a.bits) }
func (a address) start() uint64  { return uint64(a.ip & maskOf(a.bits)) }
func (a address) end() uint64    { return a.start() + uint64(1)<<(32-a.bits) - 1 }

func overlapping(a, b address) bool { return a.start() <= b.end() && b.start() <= a.end() }

// cidrSubnetV4 is subnetDistributorLegacy.ts cidrSubnetV4: the netNum'th
// block of bits+newBits from the address as written (host bits kept).
func cidrSubnetV4(ipRange string, newBits, netNum int) (string, error) {
	a, err := parseAddress(ipRange)
	if err != nil {
		return "", err
	}
	mask := a.bits + newBits
	if mask > 32 {
		return "", fmt.Errorf("Requested %d new bits, but only %d are available.", newBits, 32-a.bits)
	}
	step := int64(1) << (32 - mask)
	return address{ip: uint32(int64(a.ip) + step*int64(netNum)), bits: mask}.String(), nil
}

// nextBlock is subnetDistributorLegacy.ts nextBlock.
func nextBlock(prev address, mask int) address {
	last := address{ip: uint32(prev.end()), bits: mask}
	return address{ip: uint32(last.end() + 1), bits: mask}
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// SubnetSpecsLegacy is getSubnetSpecsLegacy, awsx's default allocator: per
// AZ, private subnets (/19 unless given), then public (/20), then isolated
// (/24), each after the previous one. Blocks keep the host bits the
// arithmetic gives ("10.0.128.32/17"), as awsx's do.
func SubnetSpecsLegacy(vpcName, vpcCidr string, azNames []string, specs []SubnetSpec, azCidrMask int) ([]Subnet, error) {
	vpc, err := parseAddress(vpcCidr)
	if err != nil {
		return nil, err
	}
	newBitsPerAZ := NewBits(nextPow2(len(azNames)))
	if azCidrMask != 0 {
		newBitsPerAZ = azCidrMask - vpc.bits
	}
	var azBases []string
	for i := range azNames {
		b, err := cidrSubnetV4(vpcCidr, newBitsPerAZ, i)
		if err != nil {
			return nil, err
		}
		azBases = append(azBases, b)
	}
	if specs == nil {
		return legacyDefaults(vpcName, azNames, azBases)
	}
	base0, _ := parseAddress(azBases[0])
	baseMask := base0.bits
	byType := func(t string) []SubnetSpec {
		var out []SubnetSpec
		for _, s := range specs {
			if strings.EqualFold(s.Type, t) {
				out = append(out, s)
			}
		}
		return out
	}
	newBitsPerSubnet := 1
	if len(specs) == 1 {
		newBitsPerSubnet = 0
	}
	var out []Subnet
	for i, az := range azNames {
		azBase, _ := parseAddress(azBases[i])
		current := address{ip: uint32(azBase.start() - 1), bits: 32}
		var prevOut []Subnet
		for _, tier := range []struct {
			typ, label string
			floor      int
		}{{Private, "private", 19}, {Public, "public", 20}, {Isolated, "isolated", 24}} {
			var tierOut []Subnet
			for j, s := range byType(tier.typ) {
				baseCidr, splitBase := azBases[i], azBases[i]
				if len(prevOut) > 0 {
					baseCidr = prevOut[len(prevOut)-1].CidrBlock
					if splitBase, err = cidrSubnetV4(baseCidr, 0, 1); err != nil {
						return nil, err
					}
				}
				baseIP, _ := parseAddress(baseCidr)
				mask := s.CidrMask
				if mask == 0 {
					mask = max(baseMask+newBitsPerSubnet, tier.floor)
				}
				nb := mask - baseIP.bits
				if tier.typ == Private { // private blocks split the AZ base directly
					nb = mask - baseMask
				}
				c, err := cidrSubnetV4(splitBase, nb, j)
				if err != nil {
					return nil, err
				}
				next, _ := parseAddress(c)
				if overlapping(current, next) {
					next = nextBlock(current, mask)
				}
				name := s.Name
				if name == "" {
					name = tier.label
				}
				tierOut = append(tierOut, Subnet{Name: fmt.Sprintf("%s-%s-%d", vpcName, name, i+1), Type: tier.typ, AZ: az, CidrBlock: next.String(), Tags: s.Tags})
				current = next
			}
			if len(tierOut) > 0 {
				prevOut = tierOut
			}
			out = append(out, tierOut...)
		}
	}
	return out, nil
}

// legacyDefaults is generateDefaultSubnets: all private subnets (first half
// of each AZ block), then all public ones (the next quarter).
func legacyDefaults(vpcName string, azNames, azBases []string) ([]Subnet, error) {
	var priv, pub []Subnet
	for i, az := range azNames {
		c, err := cidrSubnetV4(azBases[i], 1, 0)
		if err != nil {
			return nil, err
		}
		priv = append(priv, Subnet{Name: fmt.Sprintf("%s-private-%d", vpcName, i+1), Type: Private, AZ: az, CidrBlock: c})
	}
	for i, az := range azNames {
		split, err := cidrSubnetV4(priv[i].CidrBlock, 0, 1)
		if err != nil {
			return nil, err
		}
		c, err := cidrSubnetV4(split, 1, 0)
		if err != nil {
			return nil, err
		}
		pub = append(pub, Subnet{Name: fmt.Sprintf("%s-public-%d", vpcName, i+1), Type: Public, AZ: az, CidrBlock: c})
	}
	return append(priv, pub...), nil
}
