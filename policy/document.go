package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Placeholders a real `pulumi preview --json` prints for values it does not
// show. A check that needs such a value returns NotDecidable, never Pass.
const (
	// Unknown is the CLI's placeholder for a value known only after the
	// update (an output of a resource not yet created).
	Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	// Secret is the CLI's placeholder for a secret value.
	Secret = "[secret]"
)

// ProfileKey is the config key whose value chooses the profile the controls
// are judged against; a document without it is judged as Production.
const ProfileKey = "djangofargate:profile"

// Profiles of the stack program (see stacks/config.go).
const (
	// Production is the default profile: every M and C control applies.
	Production = "production"
	// Development trades availability and retention for cost; its
	// documented trade-offs are named exceptions (DevelopmentTradeOffs).
	Development = "development"
)

// Document is a decoded `pulumi preview --json` document (the CLI's
// PreviewDigest), reduced to what the controls read: the config and each
// step's new state. It is decoded with this package's own types, so it
// judges a real preview from any CI as well as cmd/synth's offline one.
type Document struct {
	// Config is the stack's configuration, "namespace:key" to value.
	Config map[string]string
	// Resources are the steps' new states in document order, one per URN;
	// steps without a new state (deletes) are skipped.
	Resources []*Resource

	byType map[string][]*Resource
	byURN  map[string]*Resource
	byRef  map[string][]*Resource
	// twin maps an awsx ec2.Vpc to the aws:ec2/vpc:Vpc it creates and
	// back: one VPC, whichever of the two a property dependency names.
	twin map[string]string
}

// Resource is one step's newState.
type Resource struct {
	// URN is the resource's URN; Name is its last part.
	URN string
	// Type is the type token, e.g. "aws:rds/instance:Instance".
	Type string
	// ID is the provider id; "" in a real preview of a resource not yet
	// created (cmd/synth fabricates one).
	ID string
	// Custom is false for components.
	Custom bool
	// Parent is the parent's URN.
	Parent string
	// Inputs and Outputs are plain JSON values (maps, slices, strings,
	// float64, bool, nil); Outputs is empty in a real preview of a new
	// resource.
	Inputs, Outputs map[string]any
	// Protect and RetainOnDelete are the resource options of those names.
	Protect        bool
	RetainOnDelete bool
	// IgnoreChanges lists the inputs later updates leave alone.
	IgnoreChanges []string
	// PropertyDependencies maps an input to the URNs its value came from:
	// the link the controls follow when the value itself is unknown.
	PropertyDependencies map[string][]string
	// Dependencies are the URNs the resource waits for: its DependsOn and
	// the sources of its inputs (what the launch-order control follows).
	Dependencies []string
}

// Name is the resource's name, the last part of its URN.
func (r *Resource) Name() string {
	if i := strings.LastIndex(r.URN, "::"); i >= 0 {
		return r.URN[i+2:]
	}
	return r.URN
}

type wireDigest struct {
	Config map[string]any `json:"config"`
	Steps  []struct {
		Op       string     `json:"op"`
		URN      string     `json:"urn"`
		NewState *wireState `json:"newState"`
	} `json:"steps"`
}

type wireState struct {
	URN                  string              `json:"urn"`
	Type                 string              `json:"type"`
	ID                   string              `json:"id"`
	Custom               bool                `json:"custom"`
	Parent               string              `json:"parent"`
	Inputs               map[string]any      `json:"inputs"`
	Outputs              map[string]any      `json:"outputs"`
	Protect              bool                `json:"protect"`
	RetainOnDelete       bool                `json:"retainOnDelete"`
	IgnoreChanges        []string            `json:"ignoreChanges"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
	Dependencies         []string            `json:"dependencies"`
}

// Read decodes a preview document.
func Read(r io.Reader) (*Document, error) {
	var w wireDigest
	if err := json.NewDecoder(r).Decode(&w); err != nil {
		return nil, fmt.Errorf("not a preview document: %w", err)
	}
	d := &Document{Config: map[string]string{}}
	for k, v := range w.Config {
		if s, ok := v.(string); ok {
			d.Config[k] = s
		} else {
			b, _ := json.Marshal(v)
			d.Config[k] = string(b)
		}
	}
	seen := map[string]bool{}
	for _, s := range w.Steps {
		n := s.NewState
		if n == nil || seen[n.URN] {
			continue
		}
		seen[n.URN] = true
		d.Resources = append(d.Resources, &Resource{
			URN: n.URN, Type: n.Type, ID: n.ID, Custom: n.Custom, Parent: n.Parent,
			Inputs: n.Inputs, Outputs: n.Outputs, Protect: n.Protect, RetainOnDelete: n.RetainOnDelete,
			IgnoreChanges: n.IgnoreChanges, PropertyDependencies: n.PropertyDependencies, Dependencies: n.Dependencies,
		})
	}
	if len(d.Resources) == 0 {
		return nil, fmt.Errorf("not a preview document: no steps with a newState")
	}
	d.index()
	return d, nil
}

// Decode is Read for a document held in memory.
func Decode(b []byte) (*Document, error) { return Read(bytes.NewReader(b)) }

// Profile is the profile the document's config names: Development only when
// djangofargate:profile says so, Production otherwise (the program's default).
func (d *Document) Profile() string {
	if strings.TrimSpace(d.Config[ProfileKey]) == Development {
		return Development
	}
	return Production
}

func (d *Document) index() {
	d.byType, d.byURN, d.byRef = map[string][]*Resource{}, map[string]*Resource{}, map[string][]*Resource{}
	d.twin = map[string]string{}
	for _, r := range d.Resources {
		d.byURN[r.URN] = r
	}
	for _, r := range d.Resources {
		if p := d.byURN[r.Parent]; r.Type == tVpc && p != nil && p.Type == tVpcX {
			d.twin[r.URN], d.twin[p.URN] = p.URN, r.URN
		}
	}
	for _, r := range d.Resources {
		d.byType[r.Type] = append(d.byType[r.Type], r)
		d.byURN[r.URN] = r
		for _, ref := range refs(r) {
			d.byRef[ref] = append(d.byRef[ref], r)
		}
	}
}

// refs are the strings other resources use to point at r: its id, ARN and
// name, and an awsx VPC's vpcId.
func refs(r *Resource) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v value) {
		if s, ok := v.str(); ok && s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(classify(r.ID))
	for _, k := range []string{"arn", "id", "name", "bucket", "vpcId"} {
		add(get(r.Outputs, k))
	}
	for _, k := range []string{"name", "bucket"} {
		add(get(r.Inputs, k))
	}
	return out
}

// ByType returns the resources of the given type tokens, in document order.
func (d *Document) ByType(types ...string) []*Resource {
	var out []*Resource
	for _, t := range types {
		out = append(out, d.byType[t]...)
	}
	return out
}

// link follows the input key of r (a top-level input; path is where its
// value sits) to the resources of the given types it names. It matches the
// value against each resource's id, ARN and name; when the value is unknown
// or secret it falls back to r's property dependencies for key. ok is false
// when the link cannot be decided; a known value naming nothing in the
// document gives no resources and ok true.
func (d *Document) link(r *Resource, key string, v value, types ...string) (targets []*Resource, ok bool) {
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	if s, known := v.str(); known {
		for _, t := range d.byRef[s] {
			if want[t.Type] {
				targets = append(targets, t)
			}
		}
		return targets, true
	}
	if v.state == absent {
		return nil, true
	}
	// A value from an output of a resource not yet created (a real first
	// preview): the property dependency names the resource it came from.
	// An awsx Vpc's vpcId is its aws:ec2/vpc:Vpc's id, so either stands
	// for both, as a known id matches both.
	seen := map[string]bool{}
	for _, u := range r.PropertyDependencies[key] {
		for _, u := range []string{u, d.twin[u]} {
			if t := d.byURN[u]; t != nil && want[t.Type] && !seen[u] {
				seen[u] = true
				targets = append(targets, t)
			}
		}
	}
	return targets, len(targets) > 0
}

// value is a looked-up input: a plain value, or why it cannot be read.
type value struct {
	v     any
	state int
}

const (
	known = iota
	absent
	unknown
	secret
)

func isPlaceholder(s string) bool { return strings.Contains(s, Unknown) || s == Secret }

// get reads a dotted path ("healthCheck.path", "rules.0.id") from a plain
// value. A placeholder met on the way makes the value unknown or secret.
func get(root any, path string) value {
	cur := root
	for _, part := range strings.Split(path, ".") {
		if v := classify(cur); v.state != known {
			return v
		}
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				return value{state: absent}
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return value{state: absent}
			}
			cur = c[i]
		default:
			return value{state: absent}
		}
	}
	return classify(cur)
}

func classify(v any) value {
	switch s := v.(type) {
	case nil:
		return value{state: absent}
	case string:
		if s == Secret {
			return value{state: secret}
		}
		if strings.Contains(s, Unknown) {
			return value{state: unknown}
		}
	}
	return value{v: v}
}

func (r *Resource) in(path string) value  { return get(r.Inputs, path) }
func (r *Resource) out(path string) value { return get(r.Outputs, path) }

// decidable reports whether the value can be read (present or absent).
func (v value) decidable() bool { return v.state == known || v.state == absent }

// why says why a value cannot be read.
func (v value) why(what string) string {
	if v.state == secret {
		return what + " is a secret in the preview"
	}
	return what + " is unknown until the update"
}

func (v value) str() (string, bool) {
	if v.state != known {
		return "", false
	}
	switch s := v.v.(type) {
	case string:
		return s, true
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(s), true
	}
	return "", false
}

// num reads a number, also from a numeric string (as task CPU is).
func (v value) num() (float64, bool) {
	switch n := v.v.(type) {
	case float64:
		return n, v.state == known
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil && v.state == known
	}
	return 0, false
}

// boolean reads a bool, also from "true"/"false".
func (v value) boolean() (bool, bool) {
	switch b := v.v.(type) {
	case bool:
		return b, v.state == known
	case string:
		p, err := strconv.ParseBool(b)
		return p, err == nil && v.state == known
	}
	return false, false
}

func (v value) list() []any {
	l, _ := v.v.([]any)
	return l
}

// strs reads a list of strings; ok is false when any item is a placeholder.
func (v value) strs() (out []string, ok bool) {
	for _, x := range v.list() {
		s, isStr := x.(string)
		if !isStr || isPlaceholder(s) {
			return nil, false
		}
		out = append(out, s)
	}
	return out, v.decidable()
}

// jsonDoc parses a JSON document held in a string input (container
// definitions, policies); a placeholder gives the value's state back.
func jsonDoc(v value) (any, value) {
	if v.state != known {
		return nil, v
	}
	switch x := v.v.(type) {
	case string:
		var out any
		if err := json.Unmarshal([]byte(x), &out); err != nil {
			return nil, value{state: absent}
		}
		return out, v
	default:
		return x, v
	}
}
