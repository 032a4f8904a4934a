package offline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline/awsx"
)

// awsxVectors returns the directory holding awsx's own test files at
// v2.22.0 (awsx/ec2 of a pulumi/pulumi-awsx checkout at that tag, commit
// 4f671086a2b50bb568719813aa7a63716818a9f4), named by the environment
// variable AWSX_VECTORS; the files are not copied into this repository (see
// testdata/AWSX_VECTORS.md). Tests that need them skip when it is unset.
func awsxVectors(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("AWSX_VECTORS")
	if dir == "" {
		t.Skip("AWSX_VECTORS is unset: see tests/offline/testdata/AWSX_VECTORS.md")
	}
	return dir
}

type knownCase struct {
	Result      []string `json:"result"`
	SubnetSpecs []struct {
		Type     string `json:"type"`
		CidrMask int    `json:"cidrMask"`
	} `json:"subnetSpecs"`
	VpcCidr string `json:"vpcCidr"`
}

func (k knownCase) specs() []awsx.SubnetSpec {
	var out []awsx.SubnetSpec
	for _, s := range k.SubnetSpecs {
		out = append(out, awsx.SubnetSpec{Type: s.Type, CidrMask: s.CidrMask})
	}
	return out
}

// loadKnownWorkingSubnets parses awsx's knownWorkingSubnets.ts: the array
// literal after "= [" is JSON once its keys are quoted and its trailing
// commas dropped.
func loadKnownWorkingSubnets(t *testing.T) []knownCase {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(awsxVectors(t), "knownWorkingSubnets.ts"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "= [")
	if i < 0 {
		t.Fatal("knownWorkingSubnets.ts: no array literal")
	}
	s = strings.TrimSpace(s[i+2:])
	s = strings.TrimSuffix(s, ";")
	s = regexp.MustCompile(`(?m)^(\s*)(\w+):`).ReplaceAllString(s, `$1"$2":`)
	s = regexp.MustCompile(`,(\s*[\]}])`).ReplaceAllString(s, "$1")
	var cases []knownCase
	if err := json.Unmarshal([]byte(s), &cases); err != nil {
		t.Fatalf("knownWorkingSubnets.ts as JSON: %v", err)
	}
	if len(cases) < 100 {
		t.Fatalf("knownWorkingSubnets.ts: got %d cases, want the file's 101", len(cases))
	}
	return cases
}

func cidrs(subnets []awsx.Subnet) []string {
	out := []string{}
	for _, s := range subnets {
		out = append(out, s.CidrBlock)
	}
	return out
}

func describe(k knownCase) string {
	var parts []string
	for _, s := range k.SubnetSpecs {
		parts = append(parts, fmt.Sprintf("%s:%d", s.Type, s.CidrMask))
	}
	return k.VpcCidr + " " + strings.Join(parts, ",")
}

// TestAwsxKnownWorkingSubnetsLegacy runs every case of awsx's
// knownWorkingSubnets.ts through the Legacy allocator, as awsx's
// subnetDistributorLegacy.test.ts "known working subnets" does: one AZ, the
// exact CIDR strings awsx produces (host bits and all).
func TestAwsxKnownWorkingSubnetsLegacy(t *testing.T) {
	for _, k := range loadKnownWorkingSubnets(t) {
		got, err := awsx.SubnetSpecsLegacy("vpcName", k.VpcCidr, []string{"us-east-1a"}, k.specs(), 0)
		if err != nil {
			t.Errorf("%s: %v", describe(k), err)
			continue
		}
		if !reflect.DeepEqual(cidrs(got), k.Result) {
			t.Errorf("%s: got %v, want %v", describe(k), cidrs(got), k.Result)
		}
	}
}

// TestAwsxKnownWorkingSubnetsAuto is awsx's "should be convertible to new
// format" case: the Legacy layout of each known case, turned into Auto specs
// (Unused gaps included) by extractSubnetSpecInputFromLegacyLayout, gives
// the same blocks (normalized) through the Auto allocator the project uses,
// unless they do not fit the VPC, which awsx tolerates.
func TestAwsxKnownWorkingSubnetsAuto(t *testing.T) {
	tooLarge, matched := 0, 0
	for _, k := range loadKnownWorkingSubnets(t) {
		azs := []string{"us-east-1a"}
		legacy, err := awsx.SubnetSpecsLegacy("vpcName", k.VpcCidr, azs, k.specs(), 0)
		if err != nil {
			t.Fatalf("%s: legacy: %v", describe(k), err)
		}
		extracted := awsx.SpecsFromLegacyLayout(legacy, "vpcName", len(azs))
		auto, err := awsx.SubnetSpecsAuto("vpcName", k.VpcCidr, azs, extracted, 0)
		if err != nil {
			if strings.Contains(err.Error(), "Subnets are too large for VPC") {
				tooLarge++
				continue
			}
			t.Errorf("%s: auto: %v", describe(k), err)
			continue
		}
		var got, want []string
		for _, s := range auto {
			if s.Type != awsx.Unused {
				got = append(got, s.CidrBlock)
			}
		}
		for _, c := range k.Result {
			n, _ := awsx.ParseNetmask(c)
			want = append(want, n.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", describe(k), got, want)
			continue
		}
		matched++
	}
	t.Logf("known working subnets through Auto: %d match, %d do not fit their VPC (tolerated, as in awsx)", matched, tooLarge)
	if matched == 0 {
		t.Error("no known case matched through Auto")
	}
}

// newCase is one case of subnetDistributorNew.test.ts; title is the text of
// its it(...) or describe(...), which must appear in the copied source.
type newCase struct {
	title string
	run   func(t *testing.T)
}

func specsOf(types ...string) []awsx.SubnetSpec {
	var out []awsx.SubnetSpec
	for _, ty := range types {
		out = append(out, awsx.SubnetSpec{Type: ty})
	}
	return out
}

func masks(t *testing.T, subnets []awsx.Subnet) []string {
	t.Helper()
	var out []string
	for _, s := range subnets {
		n, err := awsx.ParseNetmask(s.CidrBlock)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s/%d", s.Type, n.Bits))
	}
	return out
}

func wantErr(t *testing.T, err error, contains string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), contains) {
		t.Errorf("error: got %v, want one containing %q", err, contains)
	}
}

var types = []string{awsx.Private, awsx.Public, awsx.Isolated}

// typeSequences lists every sequence of subnet types of length 1 to n.
func typeSequences(n int) [][]string {
	var out [][]string
	var grow func(prefix []string)
	grow = func(prefix []string) {
		if len(prefix) > 0 {
			out = append(out, append([]string(nil), prefix...))
		}
		if len(prefix) == n {
			return
		}
		for _, ty := range types {
			grow(append(prefix, ty))
		}
	}
	grow(nil)
	return out
}

func newCases() []newCase {
	return []newCase{
		{"AZ creates single private & public with staggered sizes", func(t *testing.T) {
			for m := 16; m <= 24; m++ {
				got, err := awsx.SubnetSpecsAuto("vpcName", fmt.Sprintf("10.0.0.0/%d", m), []string{"us-east-1a"}, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				want := []string{fmt.Sprintf("Private/%d", m+1), fmt.Sprintf("Public/%d", m+2)}
				if g := masks(t, got); !reflect.DeepEqual(g, want) {
					t.Errorf("/%d: got %v, want %v", m, g, want)
				}
			}
		}},
		{"should have smaller subnets than the vpc", func(t *testing.T) {
			for m := 16; m <= 27; m++ {
				for azs := 2; azs <= 4; azs++ {
					for _, seq := range typeSequences(3) {
						got, err := awsx.SubnetSpecsAuto("vpcName", fmt.Sprintf("10.0.0.0/%d", m), []string{"a", "b", "c", "d"}[:azs], specsOf(seq...), 0)
						if err != nil {
							t.Fatalf("/%d %d AZs %v: %v", m, azs, seq, err)
						}
						for _, s := range got {
							if n, _ := awsx.ParseNetmask(s.CidrBlock); n.Bits <= m {
								t.Errorf("/%d %d AZs %v: subnet %s is not smaller than the VPC", m, azs, seq, s.CidrBlock)
							}
						}
					}
				}
			}
		}},
		{"should use whole space if there's only one subnet and VPC is small", func(t *testing.T) {
			for m := 24; m <= 27; m++ {
				for _, ty := range types {
					vpc := fmt.Sprintf("10.0.0.0/%d", m)
					got, err := awsx.SubnetSpecsAuto("vpcName", vpc, []string{"us-east-1a"}, specsOf(ty), 0)
					if err != nil || len(got) != 1 || got[0].CidrBlock != vpc {
						t.Errorf("%s %s: got %v, %v; want the one subnet %s", vpc, ty, got, err, vpc)
					}
				}
			}
		}},
		{"AZ evenly distributes space", func(t *testing.T) {
			for m := 16; m <= 24; m++ {
				got, err := awsx.SubnetSpecsAuto("vpcName", fmt.Sprintf("10.0.0.0/%d", m), []string{"us-east-1a"}, specsOf(awsx.Private, awsx.Public, awsx.Isolated), 0)
				if err != nil {
					t.Fatal(err)
				}
				want := []string{fmt.Sprintf("Private/%d", m+2), fmt.Sprintf("Public/%d", m+2), fmt.Sprintf("Isolated/%d", m+2)}
				if g := masks(t, got); !reflect.DeepEqual(g, want) {
					t.Errorf("/%d: got %v, want %v", m, g, want)
				}
			}
		}},
		{"should not have overlapping ranges", func(t *testing.T) {
			for m := 16; m <= 27; m++ {
				vpc := fmt.Sprintf("10.0.0.0/%d", m)
				for _, t1 := range types {
					for m1 := m + 1; m1 <= 27; m1++ {
						for _, t2 := range append([]string{""}, types...) {
							for m2 := m + 1; m2 <= 27; m2++ {
								specs := []awsx.SubnetSpec{{Type: t1, CidrMask: m1}}
								if t2 != "" {
									specs = append(specs, awsx.SubnetSpec{Type: t2, CidrMask: m2})
								}
								got, err := awsx.SubnetSpecsAuto("vpcName", vpc, []string{"us-east-1a"}, specs, 0)
								if err == nil {
									_, err = awsx.Layout("vpcName", vpc, awsx.StrategyAuto, []string{"us-east-1a"}, specs, 0, "None")
								}
								if err != nil {
									t.Fatalf("%s %v: %v (got %v)", vpc, specs, err, got)
								}
								if t2 == "" {
									break
								}
							}
						}
					}
				}
			}
		}},
		{"can override az cidr mask", func(t *testing.T) {
			got, err := awsx.SubnetSpecsAuto("vpcName", "10.0.0.0/16", []string{"us-east-1a"}, specsOf(awsx.Public), 19)
			if err != nil || got[0].CidrBlock != "10.0.0.0/19" {
				t.Errorf("got %v, %v; want 10.0.0.0/19", got, err)
			}
		}},
		{"handles /16 -> /17", func(t *testing.T) {
			if got := awsx.NextNetmask(mustNetmask(t, "10.0.0.0/16"), 17).String(); got != "10.1.0.0/17" {
				t.Errorf("got %s, want 10.1.0.0/17", got)
			}
		}},
		{"handles /17 -> /16", func(t *testing.T) {
			if got := awsx.NextNetmask(mustNetmask(t, "10.0.0.0/17"), 16).String(); got != "10.1.0.0/16" {
				t.Errorf("got %s, want 10.1.0.0/16", got)
			}
		}},
		{"should pass for a single subnet", func(t *testing.T) {
			if err := awsx.ValidateNoGaps("10.0.0.0/16", []awsx.Subnet{{Type: awsx.Public, CidrBlock: "10.0.0.0/16", Name: "sub1"}}); err != nil {
				t.Error(err)
			}
		}},
		{"should highlight a gap", func(t *testing.T) {
			err := awsx.ValidateNoGaps("10.0.0.0/16", []awsx.Subnet{
				{Type: awsx.Public, CidrBlock: "10.0.0.0/18", Name: "sub1"},
				{Type: awsx.Public, CidrBlock: "10.0.128.0/17", Name: "sub2"},
			})
			want := "There are gaps in the subnet ranges. Please fix the following gaps: sub1 (10.0.0.0/18) <=> sub2 (10.0.128.0/17)"
			if err == nil || err.Error() != want {
				t.Errorf("got %v, want %q", err, want)
			}
		}},
		{"highlights gaps at end of VPC", func(t *testing.T) {
			got, err := awsx.SubnetSpecsAuto("vpcName", "10.0.0.0/16", []string{"us-east-1a"}, specsOf(awsx.Public, awsx.Private, awsx.Isolated), 0)
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, awsx.ValidateNoGaps("10.0.0.0/16", got),
				"Please fix the following gaps: vpcName-isolated-1 (ending 10.0.191.254) ends before VPC ends (at 10.0.255.254})")
		}},
		{"highlights a gap at the start of the VPC", func(t *testing.T) {
			wantErr(t, awsx.ValidateNoGaps("10.0.0.0/16", []awsx.Subnet{{Type: awsx.Public, CidrBlock: "10.0.128.0/17", Name: "sub1"}}),
				"Please fix the following gaps: sub1 (10.0.128.0/17) does not start at the beginning of the VPC (10.0.0.0/16)")
		}},
		{"Has same default layout as legacy", func(t *testing.T) {
			for m := 16; m <= 24; m++ {
				for azs := 1; azs <= 4; azs++ {
					names := []string{"a", "b", "c", "d"}[:azs]
					vpc := fmt.Sprintf("10.0.0.0/%d", m)
					auto, err1 := awsx.SubnetSpecsAuto("vpcName", vpc, names, nil, 0)
					legacy, err2 := awsx.SubnetSpecsLegacy("vpcName", vpc, names, nil, 0)
					if err1 != nil || err2 != nil {
						t.Fatalf("%s %d AZs: %v, %v", vpc, azs, err1, err2)
					}
					for _, l := range legacy {
						found := false
						for _, a := range auto {
							found = found || reflect.DeepEqual(a, l)
						}
						if !found {
							t.Errorf("%s %d AZs: legacy subnet %+v not in the Auto layout %+v", vpc, azs, l, auto)
						}
					}
				}
			}
		}},
		{"has fixed size for /16 or larger", func(t *testing.T) {
			got, err := awsx.DefaultSubnetSpecs(16)
			want := []awsx.SubnetSpec{{Type: awsx.Private, CidrMask: 17}, {Type: awsx.Public, CidrMask: 18}}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, %v; want %v", got, err, want)
			}
		}},
		{"has relative size for /16 to /26", func(t *testing.T) {
			for m := 16; m <= 26; m++ {
				got, err := awsx.DefaultSubnetSpecs(m)
				want := []awsx.SubnetSpec{{Type: awsx.Private, CidrMask: m + 1}, {Type: awsx.Public, CidrMask: m + 2}}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("/%d: got %v, %v; want %v", m, got, err, want)
				}
			}
		}},
		{"fails for larger than /26", func(t *testing.T) {
			if _, err := awsx.DefaultSubnetSpecs(27); err == nil {
				t.Error("/27: got no error, want one")
			}
		}},
		{"should propagate subnet tags for regular subnet layout", func(t *testing.T) {
			got, err := awsx.SubnetSpecsAuto("vpcName", "10.0.0.0/16", []string{"us-east-1a", "us-east-1b"}, []awsx.SubnetSpec{
				{Type: awsx.Public, Tags: map[string]string{"Name": "my-public-subnet"}},
				{Type: awsx.Private, Tags: map[string]string{"Name": "my-private-subnet"}},
			}, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range []string{"my-public-subnet", "my-private-subnet", "my-public-subnet", "my-private-subnet"} {
				if g := got[i].Tags["Name"]; g != want {
					t.Errorf("subnet %d tag Name: got %q, want %q", i, g, want)
				}
			}
		}},
		{"should propagate subnet tags for explicit subnet layout", func(t *testing.T) {
			got := awsx.SubnetSpecsExplicit("vpcName", []string{"us-east-1a", "us-east-1b"}, []awsx.SubnetSpec{
				{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/18", "10.0.64.0/19"}, Tags: map[string]string{"Name": "my-public-subnet"}},
				{Type: awsx.Private, CidrBlocks: []string{"10.0.96.0/19", "10.0.128.0/20"}, Tags: map[string]string{"Name": "my-private-subnet"}},
			})
			for i, want := range []string{"my-public-subnet", "my-private-subnet", "my-public-subnet", "my-private-subnet"} {
				if g := got[i].Tags["Name"]; g != want {
					t.Errorf("subnet %d tag Name: got %q, want %q", i, g, want)
				}
			}
		}},
		{"should produce specified subnets", func(t *testing.T) {
			got := awsx.SubnetSpecsExplicit("vpcName", []string{"us-east-1a", "us-east-1b"}, []awsx.SubnetSpec{
				{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/18", "10.0.64.0/19"}},
				{Type: awsx.Private, CidrBlocks: []string{"10.0.96.0/19", "10.0.128.0/20"}},
			})
			want := []awsx.Subnet{
				{AZ: "us-east-1a", CidrBlock: "10.0.0.0/18", Name: "vpcName-public-1", Type: awsx.Public},
				{AZ: "us-east-1a", CidrBlock: "10.0.96.0/19", Name: "vpcName-private-1", Type: awsx.Private},
				{AZ: "us-east-1b", CidrBlock: "10.0.64.0/19", Name: "vpcName-public-2", Type: awsx.Public},
				{AZ: "us-east-1b", CidrBlock: "10.0.128.0/20", Name: "vpcName-private-2", Type: awsx.Private},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		}},
		{"detects invalid sizes", func(t *testing.T) {
			_, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, Size: 100}}, 1)
			wantErr(t, err, "The following subnet sizes are invalid: 100. Valid sizes are: ")
		}},
		{"detects mismatched size and netmask", func(t *testing.T) {
			_, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, Size: 4096, CidrMask: 21}}, 1)
			wantErr(t, err, "Subnet size 4096 does not match the expected size for a /21 subnet (2048).")
		}},
		{"allows size only", func(t *testing.T) {
			got, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, Size: 1024}}, 1)
			if want := []awsx.SubnetSpec{{Type: awsx.Public, Size: 1024, CidrMask: 22}}; err != nil || !reflect.DeepEqual(got.Specs, want) {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
		}},
		{"allows cidrMask only", func(t *testing.T) {
			got, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, CidrMask: 23}}, 1)
			if want := []awsx.SubnetSpec{{Type: awsx.Public, Size: 512, CidrMask: 23}}; err != nil || !reflect.DeepEqual(got.Specs, want) {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
		}},
		{"allows cidrMask and size when matching", func(t *testing.T) {
			got, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, CidrMask: 24, Size: 256}}, 1)
			if want := []awsx.SubnetSpec{{Type: awsx.Public, Size: 256, CidrMask: 24}}; err != nil || !reflect.DeepEqual(got.Specs, want) {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
		}},
		{"detects block count mismatching AZ count", func(t *testing.T) {
			_, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/16"}}}, 2)
			wantErr(t, err, "The number of CIDR blocks in subnetSpecs[0] must match the number of availability zones (2).")
		}},
		{"detects partially specified blocks", func(t *testing.T) {
			_, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/16"}}, {Type: awsx.Private}}, 1)
			wantErr(t, err, "If any subnet spec has explicit cidrBlocks, all subnets must have explicit cidrBlocks.")
		}},
		{"detects cidr blocks with mismatched netmask", func(t *testing.T) {
			_, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/16"}, CidrMask: 17}}, 1)
			wantErr(t, err, "The cidrMask in subnetSpecs[0] must match all cidrBlocks or be left undefined.")
			_, err = awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/16"}, Size: 1024}}, 1)
			wantErr(t, err, "The size in subnetSpecs[0] must match all cidrBlocks or be left undefined.")
		}},
		{"allows all argument to be in agreement", func(t *testing.T) {
			_, err := awsx.NormalizeSubnetSpecs([]awsx.SubnetSpec{
				{Type: awsx.Public, CidrBlocks: []string{"10.0.0.0/20", "10.0.16.0/20"}, Size: 4096, CidrMask: 20},
				{Type: awsx.Public, CidrBlocks: []string{"10.0.32.0/21", "10.0.40.0/21"}, Size: 2048, CidrMask: 21},
			}, 2)
			if err != nil {
				t.Error(err)
			}
		}},
	}
}

func mustNetmask(t *testing.T, s string) awsx.Netmask {
	t.Helper()
	n, err := awsx.ParseNetmask(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAwsxSubnetDistributorNewCases runs the cases of awsx's
// subnetDistributorNew.test.ts, transcribed into newCases, against the Go
// port; each is named by its title in that file.
func TestAwsxSubnetDistributorNewCases(t *testing.T) {
	for _, c := range newCases() {
		t.Run(c.title, c.run)
	}
}

// TestAwsxTranscriptionMatchesItsSource: with AWSX_VECTORS set, every
// transcribed case's title is in awsx's file, so a transcription cannot
// drift from its source.
func TestAwsxTranscriptionMatchesItsSource(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(awsxVectors(t), "subnetDistributorNew.test.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range newCases() {
		if !strings.Contains(string(src), c.title) {
			t.Errorf("case %q is not in subnetDistributorNew.test.ts", c.title)
		}
	}
}
