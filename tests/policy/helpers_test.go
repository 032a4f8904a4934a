// Package policy_test tests the controls of package policy: on the stack's
// own previews (through synth.Main, as a user runs it), on small preview
// documents built by hand, and on a document shaped like a real
// `pulumi preview --json` with unknown and secret values.
package policy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/policy"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// synthRun runs the synth command in-process in the repository root.
func synthRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return synthRunInput(t, nil, args...)
}

// synthRunInput is synthRun with stdin for -check-file -.
func synthRunInput(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = synth.Main(stacks.Program, append([]string{"-dir", testutil.RepoRoot()}, args...), stdin, &out, &errb)
	return out.String(), errb.String(), code
}

// stackReport evaluates the preview document synth prints for a stack.
func stackReport(t *testing.T, stack string, config ...string) *policy.Report {
	t.Helper()
	args := []string{"-stack", stack, "-format", "json", "-resolved"}
	for _, c := range config {
		args = append(args, "-config", c)
	}
	out, stderr, code := synthRun(t, args...)
	if code != 0 {
		t.Fatalf("synth %v: exit %d: %s", args, code, stderr)
	}
	doc, err := policy.Decode([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	return policy.Evaluate(doc)
}

// res is one resource of a hand-built preview document.
type res struct {
	typ, name, id   string
	inputs, outputs map[string]any
	protect, retain bool
	ignore          []string
	deps            map[string][]string
	dependsOn       []string // names of resources of the document it waits for
	parent          string   // name of the parent resource, "" for the stack
}

func (r *res) urn() string { return "urn:pulumi:test::djangofargate::" + r.typ + "::" + r.name }

// doc builds a preview document step by step.
type doc struct {
	config map[string]string
	rs     []*res
}

func newDoc(profile string) *doc {
	return &doc{config: map[string]string{"aws:region": "us-east-1", policy.ProfileKey: profile}}
}

// add appends a resource: a step from its type and inputs.
func (d *doc) add(typ, name, id string, inputs, outputs map[string]any) *res {
	r := &res{typ: typ, name: name, id: id, inputs: inputs, outputs: outputs}
	d.rs = append(d.rs, r)
	return r
}

// get returns the resource named name.
func (d *doc) get(t *testing.T, name string) *res {
	t.Helper()
	for _, r := range d.rs {
		if r.name == name {
			return r
		}
	}
	t.Fatalf("fixture has no resource %q", name)
	return nil
}

// drop removes resources by name.
func (d *doc) drop(names ...string) {
	var keep []*res
	for _, r := range d.rs {
		if !strings.Contains(","+strings.Join(names, ",")+",", ","+r.name+",") {
			keep = append(keep, r)
		}
	}
	d.rs = keep
}

// jsonInputs are inputs the providers take as JSON strings; fixtures hold
// them as Go values and the document carries them marshalled, as a preview
// does.
var jsonInputs = map[string]bool{"containerDefinitions": true, "policy": true, "assumeRolePolicy": true}

// bytes renders the document as `pulumi preview --json` does.
func (d *doc) bytes(t *testing.T) []byte {
	t.Helper()
	steps := []any{map[string]any{"op": "create", "urn": "urn:pulumi:test::djangofargate::pulumi:pulumi:Stack::djangofargate-test",
		"newState": map[string]any{"type": "pulumi:pulumi:Stack", "urn": "urn:pulumi:test::djangofargate::pulumi:pulumi:Stack::djangofargate-test"}}}
	urns := map[string]string{}
	for _, r := range d.rs {
		urns[r.name] = r.urn()
	}
	for _, r := range d.rs {
		in := map[string]any{}
		for k, v := range r.inputs {
			if _, isStr := v.(string); jsonInputs[k] && !isStr {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				v = string(b)
			}
			in[k] = v
		}
		ns := map[string]any{"urn": r.urn(), "type": r.typ, "custom": true, "inputs": in, "outputs": r.outputs,
			"protect": r.protect, "retainOnDelete": r.retain, "ignoreChanges": r.ignore, "propertyDependencies": r.deps}
		if r.id != "" {
			ns["id"] = r.id
		}
		if u, ok := urns[r.parent]; ok {
			ns["parent"] = u
		}
		var deps []string
		for _, n := range r.dependsOn {
			if u, ok := urns[n]; ok {
				deps = append(deps, u)
			}
		}
		ns["dependencies"] = deps
		steps = append(steps, map[string]any{"op": "create", "urn": r.urn(), "newState": ns})
	}
	b, err := json.Marshal(map[string]any{"config": d.config, "steps": steps})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// report evaluates the document with every control and exception.
func (d *doc) report(t *testing.T) *policy.Report {
	t.Helper()
	pd, err := policy.Decode(d.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	return policy.Evaluate(pd)
}

// del is a value for set that deletes the key.
type deleted struct{}

var del = deleted{}

// set writes v at a dotted path ("healthCheck.path", "containerDefinitions.0.user")
// of a fixture's inputs, creating maps on the way; v == del deletes.
func set(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	var cur any = m
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if v == del {
					delete(c, p)
				} else {
					c[p] = v
				}
				return
			}
			if _, ok := c[p]; !ok {
				c[p] = map[string]any{}
			}
			cur = c[p]
		case []any:
			n, _ := strconv.Atoi(p)
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		}
	}
}

// verdict returns a control's overall verdict, failing the test if absent.
func verdict(t *testing.T, rep *policy.Report, id string) policy.Verdict {
	t.Helper()
	r, ok := rep.Result(id)
	if !ok {
		t.Fatalf("report has no control %s", id)
	}
	return r.Verdict
}

// findings returns a control's findings as "resource: verdict: reason" lines.
func findings(rep *policy.Report, id string) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		if f.Control == id {
			b.WriteString("\n  " + f.Resource + ": " + string(f.Verdict) + ": " + f.Reason)
		}
	}
	return b.String()
}
