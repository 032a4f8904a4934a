package synth_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// previewDigest is the shape of `pulumi preview --json` (PreviewDigest and
// PreviewStep in github.com/pulumi/pulumi/pkg/v3/display), written out here
// independently of internal/synth so a renamed field fails the test.
type previewDigest struct {
	Config        map[string]string `json:"config,omitempty"`
	Steps         []previewStep     `json:"steps,omitempty"`
	Diagnostics   []map[string]any  `json:"diagnostics,omitempty"`
	Duration      int64             `json:"duration,omitempty"`
	ChangeSummary map[string]int    `json:"changeSummary,omitempty"`
	MaybeCorrupt  bool              `json:"maybeCorrupt,omitempty"`
}

type previewStep struct {
	Op             string              `json:"op"`
	URN            resource.URN        `json:"urn"`
	Provider       string              `json:"provider,omitempty"`
	OldState       *apitype.ResourceV3 `json:"oldState,omitempty"`
	NewState       *apitype.ResourceV3 `json:"newState,omitempty"`
	DiffReasons    []string            `json:"diffReasons,omitempty"`
	ReplaceReasons []string            `json:"replaceReasons,omitempty"`
	DetailedDiff   map[string]any      `json:"detailedDiff"`
}

// decodeDigest parses a preview document strictly: a field the CLI's
// document does not have fails the test.
func decodeDigest(t *testing.T, doc string) previewDigest {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	var d previewDigest
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("preview document does not parse as a PreviewDigest: %v", err)
	}
	return d
}

var stackProfiles = []struct{ stack, profile string }{
	{"prod", "production"},
	{"dev", "development"},
}

// TestJSONIsAPreviewDocument protects the contract that `-format json` prints
// the document `pulumi preview --json` prints: one create step per resource
// the program registers plus the root stack, URNs of this project and stack,
// a newState for each, a change summary that counts them, and the config.
func TestJSONIsAPreviewDocument(t *testing.T) {
	for _, tc := range stackProfiles {
		t.Run(tc.stack, func(t *testing.T) {
			d := decodeDigest(t, mustRun(t, "-stack", tc.stack, "-format", "json"))
			want := testutil.MustRunStack(t, tc.stack, nil)

			if got, wantN := len(d.Steps), len(want.Resources)+1; got != wantN {
				t.Fatalf("steps: got %d, want %d (every resource plus the root stack)", got, wantN)
			}
			if got := d.ChangeSummary; len(got) != 1 || got["create"] != len(d.Steps) {
				t.Errorf("changeSummary: got %v, want map[create:%d]", got, len(d.Steps))
			}
			if got := d.Config["djangofargate:profile"]; got != tc.profile {
				t.Errorf("config djangofargate:profile: got %q, want %q", got, tc.profile)
			}
			if got := d.Config["aws:region"]; got != "us-east-1" {
				t.Errorf("config aws:region: got %q, want us-east-1", got)
			}

			root := d.Steps[0]
			wantRoot := "urn:pulumi:" + tc.stack + "::djangofargate::pulumi:pulumi:Stack::djangofargate-" + tc.stack
			if string(root.URN) != wantRoot || root.NewState == nil || root.NewState.Type != resource.RootStackType {
				t.Errorf("first step: got %s (newState %+v), want the root stack %s", root.URN, root.NewState, wantRoot)
			}

			seen := map[resource.URN]bool{}
			for _, s := range d.Steps {
				if s.Op != "create" {
					t.Errorf("%s: op got %q, want create", s.URN, s.Op)
				}
				if !s.URN.IsValid() || s.URN.Project() != "djangofargate" || s.URN.Stack() != tokens.QName(tc.stack) {
					t.Errorf("urn %q: got project %q stack %q, want djangofargate and %s", s.URN, s.URN.Project(), s.URN.Stack(), tc.stack)
				}
				if s.NewState == nil {
					t.Fatalf("%s: no newState", s.URN)
				}
				if s.NewState.URN != s.URN || s.NewState.Type != s.URN.Type() {
					t.Errorf("%s: newState urn %s type %s, want the step's", s.URN, s.NewState.URN, s.NewState.Type)
				}
				if s.URN != resource.URN(wantRoot) && !seen[s.NewState.Parent] {
					t.Errorf("%s: parent %q is not an earlier step", s.URN, s.NewState.Parent)
				}
				seen[s.URN] = true
			}
			for _, r := range want.Resources {
				if !seen[resource.URN(r.URN)] {
					t.Errorf("resource %s has no step", r.URN)
				}
			}
		})
	}
}

// TestJSONCarriesStateAndOptions protects what readers of the document judge:
// inputs, custom, protect, dependencies, as the SDK's ResourceV3 names them.
func TestJSONCarriesStateAndOptions(t *testing.T) {
	d := decodeDigest(t, mustRun(t, "-stack", "prod", "-format", "json", "-resolved"))
	var flowLog, logGroup *apitype.ResourceV3
	for _, s := range d.Steps {
		switch s.NewState.Type {
		case "aws:ec2/flowLog:FlowLog":
			flowLog = s.NewState
		case "aws:cloudwatch/logGroup:LogGroup":
			logGroup = s.NewState
		}
	}
	if flowLog == nil || logGroup == nil {
		t.Fatalf("prod document: flow log %v, log group %v; want both", flowLog, logGroup)
	}
	if got := logGroup.Inputs["retentionInDays"]; got != float64(365) {
		t.Errorf("log group inputs.retentionInDays: got %v, want 365", got)
	}
	if !flowLog.Custom || flowLog.ID == "" {
		t.Errorf("flow log: custom %v id %q, want a custom resource with an id", flowLog.Custom, flowLog.ID)
	}
	dependsOnGroup := false
	for _, u := range flowLog.Dependencies {
		dependsOnGroup = dependsOnGroup || u == logGroup.URN
	}
	if !dependsOnGroup {
		t.Errorf("flow log dependencies: got %v, want the log group %s", flowLog.Dependencies, logGroup.URN)
	}
}

// TestOutputIsDeterministic protects reviewable diffs: the same stack prints
// the same bytes on every run, in every format.
func TestOutputIsDeterministic(t *testing.T) {
	for _, format := range []string{"text", "json", "mermaid"} {
		a := mustRun(t, "-stack", "prod", "-format", format)
		b := mustRun(t, "-stack", "prod", "-format", format)
		if a != b {
			t.Errorf("-format %s: two runs differ", format)
		}
	}
}

// TestTextIsAResourceTree protects the text preview: a header, the root
// stack first, every resource on a "+ <type> <name> create" line indented one
// level below its parent and after it, and the summary line.
func TestTextIsAResourceTree(t *testing.T) {
	for _, tc := range stackProfiles {
		t.Run(tc.stack, func(t *testing.T) {
			out := mustRun(t, "-stack", tc.stack)
			res := testutil.MustRunStack(t, tc.stack, nil)
			if !strings.HasPrefix(out, "Previewing update ("+tc.stack+")") {
				t.Errorf("header: got %q, want it to start with Previewing update (%s)", strings.SplitN(out, "\n", 2)[0], tc.stack)
			}
			wantSummary := "\nResources:\n    + " + strconv.Itoa(len(res.Resources)+1) + " to create\n"
			if !strings.HasSuffix(out, wantSummary) {
				t.Errorf("summary: got %q, want it to end with %q", out[max(0, len(out)-60):], wantSummary)
			}

			// line index and depth of each "type name" pair.
			type pos struct{ line, depth int }
			at := map[string]pos{}
			for i, l := range strings.Split(out, "\n") {
				if !strings.HasPrefix(l, " +   ") {
					continue
				}
				rest := []rune(strings.TrimPrefix(l, " +   "))
				depth := 0
				for len(rest) >= 3 && strings.ContainsRune("├└│ ", rest[0]) {
					rest, depth = rest[3:], depth+1
				}
				f := strings.Fields(string(rest))
				if len(f) != 3 || f[2] != "create" {
					t.Fatalf("line %q: want \"+ <type> <name> create\"", l)
				}
				at[f[0]+" "+f[1]] = pos{i, depth}
			}
			root, ok := at["pulumi:pulumi:Stack djangofargate-"+tc.stack]
			if !ok || root.depth != 0 {
				t.Fatalf("root stack line: got %+v (found %v), want depth 0", root, ok)
			}
			depth := map[string]int{res.StackURN(): 0}
			for _, r := range res.Resources { // parents come before children
				depth[r.URN] = depth[r.Parent] + 1
				got, ok := at[r.Type+" "+r.Name]
				parent := root
				if p := res.ByURN(r.Parent); p != nil {
					parent = at[p.Type+" "+p.Name]
				}
				if !ok || got.depth != depth[r.URN] || got.line <= parent.line {
					t.Errorf("%s %s: got line %d depth %d (found %v), want depth %d after its parent's line %d",
						r.Type, r.Name, got.line, got.depth, ok, depth[r.URN], parent.line)
				}
			}
			if len(at) != len(res.Resources)+1 {
				t.Errorf("resource lines: got %d, want %d", len(at), len(res.Resources)+1)
			}
		})
	}
}

// TestBadConfigFailsWithNothingOnStdout protects the contract that a config
// the program rejects exits 1, names the key on stderr, and prints no partial
// document, whatever the format.
func TestBadConfigFailsWithNothingOnStdout(t *testing.T) {
	tests := []struct{ override, key string }{
		{"azCount=1", "djangofargate:azCount"},
		{"natGateways=Sometimes", "djangofargate:natGateways"},
		{"djangofargate:vpcCidr=8.8.0.0/16", "djangofargate:vpcCidr"},
		{"profile=staging", "djangofargate:profile"},
	}
	for _, tc := range tests {
		for _, format := range []string{"text", "json", "mermaid"} {
			t.Run(tc.override+"/"+format, func(t *testing.T) {
				r := run(t, "-stack", "prod", "-format", format, "-config", tc.override)
				if r.code != 1 {
					t.Errorf("exit: got %d, want 1", r.code)
				}
				if r.stdout != "" {
					t.Errorf("stdout: got %q, want nothing", r.stdout)
				}
				if !strings.Contains(r.stderr, tc.key) {
					t.Errorf("stderr: got %q, want it to name %s", r.stderr, tc.key)
				}
			})
		}
	}
}

// TestConfigOverridesReachTheProgram protects -config: a key without a
// namespace is the project's, and the override wins over the stack file.
func TestConfigOverridesReachTheProgram(t *testing.T) {
	for _, override := range []string{"azCount=3", "djangofargate:azCount=3"} {
		d := decodeDigest(t, mustRun(t, "-stack", "prod", "-format", "json", "-config", override))
		if got := d.Config["djangofargate:azCount"]; got != "3" {
			t.Errorf("-config %s: config djangofargate:azCount got %q, want 3", override, got)
		}
		for _, s := range d.Steps {
			if s.NewState.Type == "awsx:ec2:Vpc" && s.NewState.Inputs["numberOfAvailabilityZones"] != float64(3) {
				t.Errorf("-config %s: vpc numberOfAvailabilityZones got %v, want 3", override, s.NewState.Inputs["numberOfAvailabilityZones"])
			}
		}
	}
}

// TestUsageErrorsExit2 protects the usage contract: bad flags exit 2 with a
// message and nothing on stdout.
func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no stack", []string{"-format", "json"}, "-stack is required"},
		{"unknown format", []string{"-stack", "prod", "-format", "yaml"}, `-format "yaml"`},
		{"config without value", []string{"-stack", "prod", "-config", "azCount"}, "not key=value"},
		{"unknown stack", []string{"-stack", "prdo"}, "stacks here: dev, prod"},
		{"stray argument", []string{"-stack", "prod", "json"}, `unexpected argument "json"`},
		{"readme without mermaid", []string{"-stack", "prod", "-update-readme", "README.md"}, "needs -format mermaid"},
		{"unknown flag", []string{"-stack", "prod", "-out", "x"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.args...)
			if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, no stdout, stderr with %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}
