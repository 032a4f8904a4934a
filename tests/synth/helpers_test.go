// Package synth_test tests the offline preview command (cmd/synth and
// internal/synth) end to end through synth.Main, the function main calls,
// and its renderers on hand-built offline results.
package synth_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// result is one run of the command.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the synth command on the stack program in the repository root.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runProgram(t, stacks.Program, append([]string{"-dir", testutil.RepoRoot()}, args...)...)
}

// runProgram runs the synth command on any program, with args as given.
func runProgram(t *testing.T, program pulumi.RunFunc, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := synth.Main(program, args, nil, &out, &errb)
	return result{out.String(), errb.String(), code}
}

// mustRun fails the test unless the command succeeds.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, args...)
	if r.code != 0 {
		t.Fatalf("synth %v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	return r.stdout
}

// render renders a result in a format.
func render(t *testing.T, res *offline.Result, format string) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "text":
		err = synth.WriteText(&b, res)
	case "json":
		err = synth.WriteJSON(&b, synth.Digest(res, synth.Config{}))
	case "mermaid":
		err = synth.WriteMermaid(&b, res)
	default:
		t.Fatalf("no format %q", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// builder makes offline results by hand, so the renderers can be tested on
// resources the stack program does not create yet.
type builder struct {
	res *offline.Result
}

func newBuilder(stack string) *builder {
	return &builder{res: &offline.Result{Project: testutil.Project, Stack: stack, Exports: map[string]any{}}}
}

// add records a resource; parent is nil for the root stack. Inputs and
// outputs are plain values or resource.PropertyValues (for secrets).
func (b *builder) add(typ, name string, parent *offline.Resource, id string, inputs, outputs map[string]any) *offline.Resource {
	parentURN, parentType := b.res.StackURN(), tokens.Type("")
	if parent != nil {
		parentURN, parentType = parent.URN, tokens.Type(parent.Type)
	}
	r := &offline.Resource{
		URN:     string(resource.NewURN(tokens.QName(b.res.Stack), tokens.PackageName(b.res.Project), parentType, tokens.Type(typ), name)),
		Type:    typ,
		Name:    name,
		Parent:  parentURN,
		ID:      id,
		Custom:  id != "",
		Inputs:  resource.NewPropertyMapFromMap(inputs),
		Outputs: resource.NewPropertyMapFromMap(outputs),
	}
	if r.Custom {
		r.Outputs["id"] = resource.NewProperty(id)
	}
	b.res.Resources = append(b.res.Resources, r)
	return r
}

// mermaidGraph is a parsed diagram: node ids with their labels, edges as
// "from -->|label| to" lines, and the subgraph each node sits in.
type mermaidGraph struct {
	labels  map[string]string
	edges   []string
	inGraph map[string]string
}

var (
	mermaidNode     = regexp.MustCompile(`^(\w+)(\[\(|\(\(|\[)"([^"]*)"(\)\]|\)\)|\])$`)
	mermaidEdge     = regexp.MustCompile(`^(\w+) (-->|-\.->)(\|[^|]*\|)? (\w+)$`)
	mermaidSubgraph = regexp.MustCompile(`^subgraph (\w+)\["([^"]*)"\]$`)
)

// parseMermaid checks that a diagram is a fenced flowchart whose edges join
// declared nodes and whose subgraphs close, and returns its parts.
func parseMermaid(t *testing.T, doc string) mermaidGraph {
	t.Helper()
	g := mermaidGraph{labels: map[string]string{}, inGraph: map[string]string{}}
	lines := strings.Split(strings.TrimSuffix(doc, "\n"), "\n")
	if len(lines) < 3 || lines[0] != "```mermaid" || lines[1] != "flowchart LR" || lines[len(lines)-1] != "```" {
		t.Fatalf("diagram is not a fenced mermaid flowchart:\n%s", doc)
	}
	var open []string
	for _, line := range lines[2 : len(lines)-1] {
		l := strings.TrimSpace(line)
		switch {
		case mermaidSubgraph.MatchString(l):
			m := mermaidSubgraph.FindStringSubmatch(l)
			g.labels[m[1]] = m[2]
			open = append(open, m[1])
		case l == "end":
			if len(open) == 0 {
				t.Fatalf("diagram closes a subgraph it never opened:\n%s", doc)
			}
			open = open[:len(open)-1]
		case mermaidNode.MatchString(l):
			m := mermaidNode.FindStringSubmatch(l)
			if _, dup := g.labels[m[1]]; dup {
				t.Fatalf("diagram declares node %s twice:\n%s", m[1], doc)
			}
			g.labels[m[1]] = m[3]
			if len(open) > 0 {
				g.inGraph[m[1]] = open[len(open)-1]
			}
		case mermaidEdge.MatchString(l):
			m := mermaidEdge.FindStringSubmatch(l)
			for _, id := range []string{m[1], m[4]} {
				if _, ok := g.labels[id]; !ok {
					t.Fatalf("edge %q joins undeclared node %s:\n%s", l, id, doc)
				}
			}
			g.edges = append(g.edges, l)
		default:
			t.Fatalf("diagram line %q is not a node, edge or subgraph:\n%s", l, doc)
		}
	}
	if len(open) > 0 {
		t.Fatalf("diagram leaves subgraphs %v open:\n%s", open, doc)
	}
	return g
}

// node returns the id of the only node whose label contains s.
func (g mermaidGraph) node(t *testing.T, s string) string {
	t.Helper()
	var ids []string
	for id, label := range g.labels {
		if strings.Contains(label, s) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("nodes labelled %q: got %v, want exactly one; labels %v", s, ids, g.labels)
	}
	return ids[0]
}

// has reports whether a node's label contains s.
func (g mermaidGraph) has(s string) bool {
	for _, label := range g.labels {
		if strings.Contains(label, s) {
			return true
		}
	}
	return false
}

// edge reports whether the diagram has an edge from -> to with that label.
func (g mermaidGraph) edge(from, arrow, label, to string) bool {
	want := fmt.Sprintf("%s %s %s", from, arrow, to)
	if label != "" {
		want = fmt.Sprintf("%s %s|%s| %s", from, arrow, label, to)
	}
	for _, e := range g.edges {
		if e == want {
			return true
		}
	}
	return false
}
