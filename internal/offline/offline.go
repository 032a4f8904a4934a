// Package offline runs a Pulumi program with no cloud, no engine and no
// plugins, and records every resource it registers.
//
// It is a deterministic mock engine built on pulumi.WithMocks: ids, ARNs,
// names and the outputs a real provider would compute are fabricated from the
// resource's URN (see fabricate.go), so downstream wiring sees plausible
// values, and the same program always produces the same record. Tests use it
// to assert on what a program would deploy; cmd/synth uses it to print an
// offline preview. It runs any pulumi.RunFunc and knows nothing of the
// program it runs.
package offline

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Options say which stack to pretend to be.
type Options struct {
	// Project and Stack name the URNs. Project defaults to "project", Stack to "dev".
	Project, Stack string
	// Config is the stack configuration with fully qualified keys
	// ("project:key", "aws:region"), as LoadStackConfig returns it.
	Config map[string]string
	// Preview runs the program as `pulumi preview` does (ctx.DryRun() is true).
	Preview bool
	// Unknowns, with Preview, leaves unknown what a real first preview
	// leaves unknown: every output of a resource being created that is not
	// one of its inputs (ids, ARNs, DNS names, an image's digest), the
	// awsx Vpc's outputs, and so every input and stack output computed
	// from them, as the engine reports them. An auto-name stays known (the
	// provider's Check makes it an input before the preview), and so does
	// every output of a resource in Existing (an update, not a create).
	// Without it the run fabricates every output, as after `pulumi up`.
	Unknowns bool
	// RootDirectory is the project directory (where Pulumi.yaml is), as
	// ctx.RootDirectory() reports it; relative paths in config resolve there.
	RootDirectory string
	// SecretKeys lists the fully qualified config keys that are secret, as
	// `pulumi config set --secret` marks them (ctx.IsConfigSecret reports them).
	SecretKeys []string
	// Existing are resources that exist before the run, such as a previous
	// run's Result.Resources: data-source reads (getSubnets, getRouteTables)
	// see them as well as what the program creates, so a test can run a
	// program against the cloud an earlier deployment left. They are not
	// part of the Result.
	Existing []*Resource
}

// Run runs program offline and returns what it registered. The error is the
// program's own error, if it returned one; the resources it registered before
// failing are still returned.
func Run(program pulumi.RunFunc, opts Options) (*Result, error) {
	if opts.Project == "" {
		opts.Project = "project"
	}
	if opts.Stack == "" {
		opts.Stack = "dev"
	}
	m := &mocks{project: opts.Project, stack: opts.Stack, region: opts.Config["aws:region"], existing: opts.Existing,
		unknowns: opts.Preview && opts.Unknowns}
	if m.region == "" {
		m.region = "us-east-1"
	}
	res := &Result{Project: opts.Project, Stack: opts.Stack, Exports: map[string]any{}}
	var exportsMu sync.Mutex
	wrapped := func(ctx *pulumi.Context) error {
		if err := program(ctx); err != nil {
			return err
		}
		for name, v := range ctx.GetCurrentExportMap() {
			exportsMu.Lock()
			res.Exports[name] = UnknownValue // until the apply below runs: it does not on an unknown
			exportsMu.Unlock()
			out := pulumi.ToOutput(v)
			secret := pulumi.IsSecret(out)
			// Re-exporting the applied output makes the engine await the
			// apply before the run ends; a bare ApplyT would race with it.
			ctx.Export(name, out.ApplyT(func(x any) any {
				exportsMu.Lock()
				defer exportsMu.Unlock()
				res.Exports[name] = x
				if secret {
					res.SecretExports = append(res.SecretExports, name)
				}
				return x
			}))
		}
		return nil
	}
	setup := func(info *pulumi.RunInfo) {
		info.Config = opts.Config
		info.DryRun = opts.Preview
		info.RootDirectory = opts.RootDirectory
		info.ConfigSecretKeys = opts.SecretKeys
	}
	err := withEngineEnv(opts.Config, opts.SecretKeys, func() error {
		return pulumi.RunErr(wrapped, pulumi.WithMocks(opts.Project, opts.Stack, m), setup)
	})
	res.Resources = inDependencyOrder(m.recorded())
	sort.Strings(res.SecretExports)
	return res, err
}

// UnknownValue is the value of an export not known until the update (with
// Options.Unknowns): the CLI's placeholder for unknowns in its JSON
// (UnknownStringValue, computedValuePlaceholder of pkg/resource/stack).
const UnknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// Result is what a program registered, in registration order.
type Result struct {
	Project, Stack string
	Resources      []*Resource
	// Exports are the stack outputs as plain Go values; an export not
	// known until the update is UnknownValue.
	Exports map[string]any
	// SecretExports names the exports that are secret.
	SecretExports []string
}

// Resource is one registration: the resource, its inputs as the engine
// received them, the outputs the mock fabricated, and its options.
type Resource struct {
	URN, Type, Name, Parent, ID string
	// Custom is true for provider resources, false for components.
	Custom bool
	// Remote is true for multi-language components such as awsx's.
	Remote  bool
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap

	Protect, RetainOnDelete, DeleteBeforeReplace bool
	Dependencies                                 []string
	PropertyDependencies                         map[string][]string
	IgnoreChanges                                []string
	// Aliases are the alias URNs or specs the resource declares, a spec as
	// "name=N,type=T,stack=S,project=P,parent=URN" (empty parts: the
	// resource's own), with ",noParent=true" when the alias has no parent.
	Aliases []string
	// Hooks maps a hook point ("beforeCreate", "beforeUpdate", ...) to hook names.
	Hooks map[string][]string
}

// Input returns the input at a dotted path ("healthCheck.path",
// "tags.Name", "ingress.0.fromPort") as a plain Go value: secrets unwrapped,
// unknowns as nil. It returns nil when the path does not exist.
func (r *Resource) Input(path string) any { return Lookup(Plain(r.Inputs), path) }

// Output is Input for the fabricated outputs.
func (r *Resource) Output(path string) any { return Lookup(Plain(r.Outputs), path) }

// InputString returns the input at path when it is a string, or "".
func (r *Resource) InputString(path string) string {
	s, _ := r.Input(path).(string)
	return s
}

// Plain converts a property map to plain Go values (maps, slices, strings,
// float64, bool), unwrapping secrets and turning unknowns into nil.
func Plain(m resource.PropertyMap) map[string]any {
	return m.MapRepl(nil, func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsSecret():
			return resource.NewPropertyMapFromMap(map[string]any{"v": v.SecretValue().Element}).
				MapRepl(nil, nil)["v"], true
		case v.IsComputed():
			return nil, true
		case v.IsOutput():
			if !v.OutputValue().Known {
				return nil, true
			}
			return resource.NewPropertyMapFromMap(map[string]any{"v": v.OutputValue().Element}).
				MapRepl(nil, nil)["v"], true
		}
		return nil, false
	})
}

// Lookup returns the value at a dotted path ("a.b.0") inside plain Go
// maps and slices, such as Plain's or a parsed JSON document's, or nil.
func Lookup(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// StackURN returns the URN of the root pulumi:pulumi:Stack resource, the
// parent of every resource registered without one.
func (r *Result) StackURN() string {
	return string(resource.NewURN(tokens.QName(r.Stack), tokens.PackageName(r.Project), "",
		resource.RootStackType, r.Project+"-"+r.Stack))
}

// Children returns the resources whose parent is the resource with that URN
// (StackURN for the top level), in the order of Resources.
func (r *Result) Children(urn string) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Parent == urn {
			out = append(out, res)
		}
	}
	return out
}

// ByType returns the resources of a type token, such as "aws:ecs/service:Service".
func (r *Result) ByType(typ string) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// Named returns the resource with that logical name, or nil.
func (r *Result) Named(name string) *Resource {
	for _, res := range r.Resources {
		if res.Name == name {
			return res
		}
	}
	return nil
}

// WaitsFor returns every URN the resource with that URN waits for before
// the engine creates or updates it: its dependencies and property
// dependencies, followed transitively (the engine orders steps this way).
func (r *Result) WaitsFor(urn string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{urn}
	for len(stack) > 0 {
		res := r.ByURN(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		if res == nil {
			continue
		}
		deps := append([]string(nil), res.Dependencies...)
		for _, d := range res.PropertyDependencies {
			deps = append(deps, d...)
		}
		for _, d := range deps {
			if !seen[d] {
				seen[d] = true
				stack = append(stack, d)
			}
		}
	}
	return seen
}

// ByURN returns the resource with that URN, or nil.
func (r *Result) ByURN(urn string) *Resource {
	for _, res := range r.Resources {
		if res.URN == urn {
			return res
		}
	}
	return nil
}

// ByID returns the resource whose fabricated id or ARN is id, or nil; it lets
// a test follow a reference from one resource's input to another resource.
func (r *Result) ByID(id string) *Resource {
	for _, res := range r.Resources {
		if res.ID == id || res.Output("arn") == id {
			return res
		}
	}
	return nil
}

// inDependencyOrder sorts resources so that each comes after its parent and
// its dependencies, ties broken by URN: the order is the same on every run,
// whatever order the program's goroutines registered them in.
func inDependencyOrder(rs []*Resource) []*Resource {
	byURN := map[string]*Resource{}
	for _, r := range rs {
		byURN[r.URN] = r
	}
	waits := map[string]int{}
	next := map[string][]string{}
	for _, r := range rs {
		for _, d := range append([]string{r.Parent}, r.Dependencies...) {
			if _, ok := byURN[d]; ok && d != r.URN {
				waits[r.URN]++
				next[d] = append(next[d], r.URN)
			}
		}
	}
	var ready, out []string
	for _, r := range rs {
		if waits[r.URN] == 0 {
			ready = append(ready, r.URN)
		}
	}
	for len(ready) > 0 {
		sort.Strings(ready)
		u := ready[0]
		ready = ready[1:]
		out = append(out, u)
		for _, n := range next[u] {
			if waits[n]--; waits[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	sorted := make([]*Resource, 0, len(rs))
	for _, u := range out {
		sorted = append(sorted, byURN[u])
	}
	if len(sorted) < len(rs) { // a cycle cannot happen in a Pulumi program; keep everything anyway
		seen := map[string]bool{}
		for _, u := range out {
			seen[u] = true
		}
		for _, r := range rs {
			if !seen[r.URN] {
				sorted = append(sorted, r)
			}
		}
	}
	return sorted
}
