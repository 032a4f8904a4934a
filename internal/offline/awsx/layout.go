// Package awsx reproduces, in Go, how the awsx ec2.Vpc component of
// pulumi-awsx v2.22.0 lays out a VPC: which subnets it makes, with which
// names and CIDR blocks, for a VPC range, a list of availability zones and
// the subnet specs and subnet strategy a program passes.
//
// It is a port of awsx/ec2/subnetDistributorNew.ts (the "Auto" and explicit
// allocators), awsx/ec2/subnetDistributorLegacy.ts (the "Legacy" allocator,
// the default) and the validations of awsx/ec2/vpc.ts, at the tag v2.22.0 of
// github.com/pulumi/pulumi-awsx. The offline engine uses it to expand an
// awsx:ec2:Vpc into the resources a real `pulumi preview` lists; the tests in
// tests/offline prove it against awsx's own test vectors at that tag.
//
// Netmask arithmetic follows the npm "netmask" package awsx uses: a block's
// base is masked, Last is the last usable address (broadcast - 1 for masks up
// to /30) and Next is the adjacent block of the same size.
package awsx

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"sort"
	"strings"
)

// Subnet types of a SubnetSpec.
const (
	Public   = "Public"
	Private  = "Private"
	Isolated = "Isolated"
	// Unused reserves a block of each AZ without creating a subnet.
	Unused = "Unused"
)

// Subnet strategies of VpcArgs.subnetStrategy.
const (
	// StrategyLegacy is awsx's default when subnetStrategy is unset.
	StrategyLegacy = "Legacy"
	StrategyAuto   = "Auto"
	StrategyExact  = "Exact"
)

// SubnetSpec is one entry of VpcArgs.subnetSpecs. A zero CidrMask or Size
// means unset.
type SubnetSpec struct {
	Type       string
	Name       string
	CidrMask   int
	Size       int64
	CidrBlocks []string
	Tags       map[string]string
}

// Subnet is one subnet of a layout, in awsx's order.
type Subnet struct {
	// Name is awsx's subnet name, "<vpc>-<spec name or type>-<AZ number>";
	// the Subnet, its RouteTable, RouteTableAssociation and Route all carry it.
	Name      string
	Type      string
	AZ        string
	CidrBlock string
	Tags      map[string]string
}

// Netmask is an IPv4 block as the npm netmask package models it.
type Netmask struct {
	Base uint32
	Bits int
}

// ParseNetmask parses "a.b.c.d/n" (or "a.b.c.d", a /32), masking host bits
// away as netmask does.
func ParseNetmask(s string) (Netmask, error) {
	addr, bitsPart, found := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() {
		return Netmask{}, fmt.Errorf("invalid net address: %s", s)
	}
	n := 32
	if found {
		if _, err := fmt.Sscanf(bitsPart, "%d", &n); err != nil || n < 0 || n > 32 || fmt.Sprint(n) != bitsPart {
			return Netmask{}, fmt.Errorf("invalid mask for ip4: %s", s)
		}
	}
	b := a.As4()
	return NewNetmask(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]), n), nil
}

func mustNetmask(s string) Netmask {
	n, err := ParseNetmask(s)
	if err != nil {
		panic(err)
	}
	return n
}

// NewNetmask is netmask's `new Netmask(base, bitmask)`: addr masked to bits.
func NewNetmask(addr uint32, bits int) Netmask {
	return Netmask{Base: addr & maskOf(bits), Bits: bits}
}

func maskOf(bits int) uint32 {
	if bits == 0 {
		return 0
	}
	return ^uint32(0) << (32 - bits)
}

// Size is the number of addresses in the block.
func (n Netmask) Size() int64 { return int64(1) << (32 - n.Bits) }

// First is netmask's first usable address.
func (n Netmask) First() uint32 {
	if n.Bits <= 30 {
		return n.Base + 1
	}
	return n.Base
}

// Last is netmask's last usable address.
func (n Netmask) Last() uint32 {
	if n.Bits <= 30 {
		return n.Base + uint32(n.Size()-2)
	}
	return n.Base + uint32(n.Size()-1)
}

// Next is the adjacent block of the same size.
func (n Netmask) Next() Netmask { return NewNetmask(n.Base+uint32(n.Size()), n.Bits) }

// Contains reports whether ip is in the block.
func (n Netmask) Contains(ip uint32) bool { return ip&maskOf(n.Bits) == n.Base }

func (n Netmask) String() string { return ipString(n.Base) + fmt.Sprintf("/%d", n.Bits) }

func ipString(ip uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", ip>>24, ip>>16&0xff, ip>>8&0xff, ip&0xff)
}

// NextNetmask is subnetDistributorNew.ts nextNetmask: the first block of
// nextBits after previous, realigned when the sizes differ.
func NextNetmask(previous Netmask, nextBits int) Netmask {
	return NewNetmask(previous.Last(), nextBits).Next()
}

// NewBits is ceil(log2(count)), 0 for 0.
func NewBits(count int) int {
	if count <= 1 {
		return 0
	}
	return bits.Len(uint(count - 1))
}

// ValidSubnetSizes: the index is the netmask.
func validSubnetSize(bitmask int) int64 { return int64(1) << (32 - bitmask) }

func subnetSizeIndex(size int64) int {
	for i := 0; i <= 30; i++ {
		if validSubnetSize(i) == size {
			return i
		}
	}
	return -1
}

// DefaultSubnetSpecs is defaultSubnetInputs: the Private and Public specs,
// with masks, awsx allocates when a program declares none.
func DefaultSubnetSpecs(azBitmask int) ([]SubnetSpec, error) {
	if azBitmask > 26 {
		return nil, fmt.Errorf("Automatic subnet creation requires a VPC with at least /26 available per AZ, but only /%d is available."+
			"If you do need very small subnets, please specify them explicitly.", azBitmask)
	}
	m := max(azBitmask, 16)
	return []SubnetSpec{{Type: Private, CidrMask: m + 1}, {Type: Public, CidrMask: m + 2}}, nil
}

func defaultSubnetSpecsBare() []SubnetSpec {
	return []SubnetSpec{{Type: Private}, {Type: Public}}
}

func subnetName(vpcName string, s SubnetSpec, azNum int) string {
	name := s.Name
	if name == "" {
		name = strings.ToLower(s.Type)
	}
	return fmt.Sprintf("%s-%s-%d", vpcName, name, azNum)
}

// SubnetSpecsAuto is getSubnetSpecs, the "Auto" allocator: each AZ gets a
// block of /(vpc + ceil(log2 AZs)) (or azCidrMask when non-zero), and the
// specs are packed into it in order. specs nil means awsx's defaults. The
// result includes Unused entries, as awsx's does.
func SubnetSpecsAuto(vpcName, vpcCidr string, azNames []string, specs []SubnetSpec, azCidrMask int) ([]Subnet, error) {
	vpc, err := ParseNetmask(vpcCidr)
	if err != nil {
		return nil, err
	}
	azBitmask := azCidrMask
	if azBitmask == 0 {
		azBitmask = vpc.Bits + NewBits(len(azNames))
	}
	alloc := specs
	if alloc == nil {
		if alloc, err = DefaultSubnetSpecs(azBitmask); err != nil {
			return nil, err
		}
	}
	if len(alloc) == 0 {
		return nil, errors.New("No subnets specified")
	}
	defaultMask := azBitmask + NewBits(len(alloc))
	maskOfSpec := func(s SubnetSpec) int {
		if s.CidrMask != 0 {
			return s.CidrMask
		}
		return defaultMask
	}
	azSize := NewNetmask(vpc.Base, azBitmask).Size()
	var total int64
	for _, s := range alloc {
		total += NewNetmask(vpc.Base, maskOfSpec(s)).Size()
	}
	if total > azSize {
		return nil, fmt.Errorf("Subnets are too large for VPC. VPC has %d addresses, but subnets require %d addresses.", azSize, total)
	}
	blocks := map[string]string{}
	az := NewNetmask(vpc.Base, azBitmask)
	for i := range azNames {
		var cur *Netmask
		for j, s := range alloc {
			var next Netmask
			if cur == nil {
				next = NewNetmask(az.Base, maskOfSpec(s))
			} else {
				next = NextNetmask(*cur, maskOfSpec(s))
			}
			cur = &next
			blocks[fmt.Sprintf("%s#%d", subnetName(vpcName, s, i+1), j)] = next.String()
		}
		az = az.Next()
	}
	named := specs
	if named == nil {
		named = defaultSubnetSpecsBare()
	}
	var out []Subnet
	for i, azName := range azNames {
		for j, s := range named {
			name := subnetName(vpcName, s, i+1)
			out = append(out, Subnet{Name: name, Type: s.Type, AZ: azName, CidrBlock: blocks[fmt.Sprintf("%s#%d", name, j)], Tags: s.Tags})
		}
	}
	return out, nil
}

// SubnetSpecsExplicit is getSubnetSpecsExplicit: every spec lists one CIDR
// block per AZ, and AZ i's subnet of that spec gets block i.
func SubnetSpecsExplicit(vpcName string, azNames []string, specs []SubnetSpec) []Subnet {
	var out []Subnet
	for i, azName := range azNames {
		for _, s := range specs {
			out = append(out, Subnet{Name: subnetName(vpcName, s, i+1), Type: s.Type, AZ: azName, CidrBlock: s.CidrBlocks[i], Tags: s.Tags})
		}
	}
	return out
}

// Normalized is validateAndNormalizeSubnetInputs' result.
type Normalized struct {
	Specs    []SubnetSpec
	Explicit bool
}

// NormalizeSubnetSpecs is validateAndNormalizeSubnetInputs: it checks that
// sizes, masks and explicit blocks agree, and fills in cidrMask and size.
// nil specs give a nil result.
func NormalizeSubnetSpecs(specs []SubnetSpec, azCount int) (*Normalized, error) {
	if specs == nil {
		return nil, nil
	}
	var issues, invalid []string
	for _, s := range specs {
		if s.Size != 0 && subnetSizeIndex(s.Size) < 0 {
			invalid = append(invalid, fmt.Sprint(s.Size))
		}
	}
	if len(invalid) > 0 {
		var valid []string
		for i := 0; i <= 30; i++ {
			valid = append(valid, fmt.Sprint(validSubnetSize(i)))
		}
		issues = append(issues, fmt.Sprintf("The following subnet sizes are invalid: %s. Valid sizes are: %s.",
			strings.Join(invalid, ", "), strings.Join(valid, ", ")))
	}
	explicit := false
	for _, s := range specs {
		if s.CidrBlocks != nil {
			explicit = true
		}
	}
	var out []SubnetSpec
	if explicit {
		for i, s := range specs {
			if s.CidrBlocks == nil {
				issues = append(issues, "If any subnet spec has explicit cidrBlocks, all subnets must have explicit cidrBlocks.")
				continue
			}
			if len(s.CidrBlocks) != azCount {
				issues = append(issues, fmt.Sprintf("The number of CIDR blocks in subnetSpecs[%d] must match the number of availability zones (%d).", i, azCount))
				continue
			}
			masksAgree, sizesAgree := true, true
			for _, b := range s.CidrBlocks {
				n, err := ParseNetmask(b)
				if err != nil {
					return nil, err
				}
				masksAgree = masksAgree && (s.CidrMask == 0 || n.Bits == s.CidrMask)
				sizesAgree = sizesAgree && (s.Size == 0 || n.Size() == s.Size)
			}
			if !masksAgree {
				issues = append(issues, fmt.Sprintf("The cidrMask in subnetSpecs[%d] must match all cidrBlocks or be left undefined.", i))
				continue
			}
			if !sizesAgree {
				issues = append(issues, fmt.Sprintf("The size in subnetSpecs[%d] must match all cidrBlocks or be left undefined.", i))
				continue
			}
			out = append(out, s)
		}
	} else {
		for _, s := range specs {
			mask := s.CidrMask
			if mask == 0 && s.Size != 0 {
				mask = subnetSizeIndex(s.Size)
			}
			var expected int64
			if mask > 0 {
				expected = validSubnetSize(mask)
			}
			if s.Size != 0 && expected != 0 && expected != s.Size {
				issues = append(issues, fmt.Sprintf("Subnet size %d does not match the expected size for a /%d subnet (%d).", s.Size, mask, expected))
			}
			s.CidrMask, s.Size = max(mask, 0), expected
			out = append(out, s)
		}
	}
	if len(issues) > 0 {
		return nil, errors.New("Invalid subnet specifications:\n - " + strings.Join(issues, "\n - "))
	}
	return &Normalized{Specs: out, Explicit: explicit}, nil
}

// Layout is vpc.ts's decideSubnetSpecs plus its validations: the subnets
// awsx creates (Unused entries dropped), in awsx's creation order: per AZ,
// public first, then private, then isolated.
func Layout(vpcName, vpcCidr, strategy string, azNames []string, specs []SubnetSpec, azCidrMask int, natStrategy string) ([]Subnet, error) {
	if strategy == "" {
		strategy = StrategyLegacy
	}
	norm, err := NormalizeSubnetSpecs(specs, len(azNames))
	if err != nil {
		return nil, err
	}
	var all []Subnet
	switch {
	case strategy == StrategyLegacy:
		var in []SubnetSpec
		if norm != nil {
			in = norm.Specs
		}
		all, err = SubnetSpecsLegacy(vpcName, vpcCidr, azNames, in, azCidrMask)
	case norm != nil && norm.Explicit:
		all = SubnetSpecsExplicit(vpcName, azNames, norm.Specs)
	default:
		var in []SubnetSpec
		if norm != nil {
			in = norm.Specs
		}
		all, err = SubnetSpecsAuto(vpcName, vpcCidr, azNames, in, azCidrMask)
	}
	if err != nil {
		return nil, err
	}
	if err := validateSubnets(all); err != nil {
		return nil, err
	}
	if strategy == StrategyExact {
		if err := ValidateNoGaps(vpcCidr, all); err != nil {
			return nil, err
		}
	}
	if err := validateNatGatewayStrategy(natStrategy, all); err != nil {
		return nil, err
	}
	var out []Subnet
	for _, az := range azNames {
		var inAZ []Subnet
		for _, s := range all {
			if s.AZ == az && s.Type != Unused {
				inAZ = append(inAZ, s)
			}
		}
		sort.SliceStable(inAZ, func(i, j int) bool { return typeRank(inAZ[i].Type) < typeRank(inAZ[j].Type) })
		out = append(out, inAZ...)
	}
	return out, nil
}

// typeRank is compareSubnetSpecs' order: public, private, isolated.
func typeRank(t string) int {
	switch strings.ToLower(t) {
	case "public":
		return 0
	case "private":
		return 1
	}
	return 2
}

// validateSubnets is vpc.ts validateSubnets with getOverlappingSubnets.
func validateSubnets(specs []Subnet) error {
	var overlapping []Subnet
	for i, x := range specs {
		a, err := ParseNetmask(x.CidrBlock)
		if err != nil {
			return err
		}
		for j, y := range specs {
			b, err := ParseNetmask(y.CidrBlock)
			if err != nil {
				return err
			}
			if i != j && (a.Contains(b.Base) || b.Contains(a.Base)) {
				overlapping = append(overlapping, x)
				break
			}
		}
	}
	if len(overlapping) == 0 {
		return nil
	}
	msg := "The following subnets overlap with at least one other subnet. Make the CIDR for the VPC larger, reduce the size of the subnets per AZ, or use less Availability Zones:\n\n"
	for i, s := range overlapping {
		msg += fmt.Sprintf("%d. %s: %s\n", i+1, s.Name, s.CidrBlock)
	}
	return errors.New(msg)
}

// ValidateNoGaps is vpc.ts validateNoGaps, run for subnetStrategy "Exact".
func ValidateNoGaps(vpcCidr string, specs []Subnet) error {
	vpc := mustNetmask(vpcCidr)
	var gaps []string
	for i, s := range specs {
		cur := mustNetmask(s.CidrBlock)
		if i == 0 {
			if cur.Base != vpc.Base {
				gaps = append(gaps, fmt.Sprintf("%s (%s) does not start at the beginning of the VPC (%s)", s.Name, s.CidrBlock, vpcCidr))
			}
			continue
		}
		prev := specs[i-1]
		if cur.Base != mustNetmask(prev.CidrBlock).Next().Base {
			gaps = append(gaps, fmt.Sprintf("%s (%s) <=> %s (%s)", prev.Name, prev.CidrBlock, s.Name, s.CidrBlock))
		}
	}
	last := specs[len(specs)-1]
	if l := mustNetmask(last.CidrBlock).Last(); l != vpc.Last() {
		gaps = append(gaps, fmt.Sprintf("%s (ending %s) ends before VPC ends (at %s})", last.Name, ipString(l), ipString(vpc.Last())))
	}
	if len(gaps) == 0 {
		return nil
	}
	return errors.New("There are gaps in the subnet ranges. Please fix the following gaps: " + strings.Join(gaps, ", "))
}

// validateNatGatewayStrategy is vpc.ts's: OnePerAz and Single need a public
// subnet to hold the NAT gateway and a private subnet to use it.
func validateNatGatewayStrategy(strategy string, subnets []Subnet) error {
	switch strings.ToLower(strategy) {
	case "oneperaz", "single":
		pub, priv := false, false
		for _, s := range subnets {
			pub = pub || strings.EqualFold(s.Type, Public)
			priv = priv || strings.EqualFold(s.Type, Private)
		}
		if pub && priv {
			return nil
		}
		return errors.New("If NAT Gateway strategy is 'OnePerAz' or 'Single', both private and public subnets must be declared. The private subnet creates the need for a NAT Gateway, and the public subnet is required to host the NAT Gateway resource.")
	case "none":
		return nil
	}
	return fmt.Errorf("Unknown NAT Gateway strategy '%s'", strategy)
}

// ShouldCreateNatGateway is vpc.ts shouldCreateNatGateway.
func ShouldCreateNatGateway(strategy string, gateways, azIndex int) bool {
	switch strings.ToLower(strategy) {
	case "single":
		return gateways < 1
	case "oneperaz":
		return gateways < azIndex+1
	}
	return false
}

// SpecsFromLegacyLayout is vpc.ts extractSubnetSpecInputFromLegacyLayout:
// the Auto specs (with Unused gaps) that reproduce a Legacy layout's first AZ.
func SpecsFromLegacyLayout(subnets []Subnet, vpcName string, azCount int) []SubnetSpec {
	perAZ := len(subnets) / azCount
	var out []SubnetSpec
	var prev *Netmask
	for _, s := range subnets[:perAZ] {
		n := mustNetmask(s.CidrBlock)
		if prev != nil {
			for _, g := range FindSubnetGap(*prev, n) {
				out = append(out, SubnetSpec{Type: Unused, CidrMask: g.Bits})
			}
		}
		spec := SubnetSpec{Type: s.Type, CidrMask: n.Bits, Tags: s.Tags}
		name := strings.TrimPrefix(s.Name, vpcName+"-")
		if i := strings.LastIndex(name, "-"); i >= 0 && strings.Trim(name[i+1:], "0123456789") == "" && i+1 < len(name) {
			name = name[:i]
		}
		if name != strings.ToLower(s.Type) {
			spec.Name = name
		}
		out = append(out, spec)
		prev = &n
	}
	return out
}

// FindSubnetGap is vpc.ts findSubnetGap: the widest blocks that fill the
// space between a and b.
func FindSubnetGap(a, b Netmask) []Netmask {
	start, end := a, b
	if b.Base < a.Base {
		start, end = b, a
	}
	var gaps []Netmask
	previous := a
	next := start.Next()
	for next.Base < end.Base {
		for {
			wider := NewNetmask(next.Base, next.Bits-1)
			if wider.Contains(previous.Last()) || wider.Contains(end.First()) {
				break
			}
			next = wider
		}
		gaps = append(gaps, next)
		previous = next
		next = next.Next()
	}
	return gaps
}
