package synth

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// PreviewDigest mirrors display.PreviewDigest of github.com/pulumi/pulumi/pkg/v3
// (pkg/display/json.go): the document `pulumi preview --json` prints. It is
// copied field for field, JSON names included, so that tools written against
// real previews read ours, without importing the CLI's module.
type PreviewDigest struct {
	// Config holds the stack's configuration, secrets blinded as Secret.
	Config map[string]string `json:"config,omitempty"`
	// Steps has one step per resource, the root stack first.
	Steps []*PreviewStep `json:"steps,omitempty"`
	// Diagnostics are the preview's warnings and errors.
	Diagnostics []PreviewDiagnostic `json:"diagnostics,omitempty"`
	// Duration is how long the preview took; zero offline, so the document
	// is the same on every run.
	Duration time.Duration `json:"duration,omitempty"`
	// ChangeSummary counts the steps per operation ("create": 23).
	ChangeSummary map[string]int `json:"changeSummary,omitempty"`
	// MaybeCorrupt is never set offline.
	MaybeCorrupt bool `json:"maybeCorrupt,omitempty"`
}

// PreviewStep mirrors display.PreviewStep: one operation on one resource.
type PreviewStep struct {
	// Op is the operation: always "create" offline, as for a new stack.
	Op string `json:"op"`
	// URN is the resource's URN.
	URN string `json:"urn"`
	// Provider is the provider reference; the offline engine has none.
	Provider string `json:"provider,omitempty"`
	// OldState is nil for a create.
	OldState *apitype.ResourceV3 `json:"oldState,omitempty"`
	// NewState is the resource as it would be created.
	NewState *apitype.ResourceV3 `json:"newState,omitempty"`
	// DiffReasons, ReplaceReasons and DetailedDiff describe updates; a
	// create has none.
	DiffReasons    []string                `json:"diffReasons,omitempty"`
	ReplaceReasons []string                `json:"replaceReasons,omitempty"`
	DetailedDiff   map[string]PropertyDiff `json:"detailedDiff"`
}

// PropertyDiff mirrors display.PropertyDiff.
type PropertyDiff struct {
	Kind      string `json:"kind"`
	InputDiff bool   `json:"inputDiff"`
}

// PreviewDiagnostic mirrors display.PreviewDiagnostic.
type PreviewDiagnostic struct {
	URN      string `json:"urn,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Message  string `json:"message,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// OpCreate is the only operation of an offline preview: it previews a stack
// that has never been deployed.
const OpCreate = "create"

// Config is the configuration a preview ran with.
type Config struct {
	// Values are fully qualified ("project:key") config values.
	Values map[string]string
	// Secret names the fully qualified keys whose values are secret.
	Secret map[string]bool
}

// Digest builds the preview document of an offline run. Each step's newState
// holds the resource's inputs, options and dependencies, as a real preview
// does, plus what a real preview cannot know before the deployment: the id
// and outputs the offline engine fabricated, and the stack's outputs on the
// root step. Every secret is replaced by Secret.
func Digest(res *offline.Result, cfg Config) *PreviewDigest {
	d := &PreviewDigest{ChangeSummary: map[string]int{}}
	if len(cfg.Values) > 0 {
		d.Config = make(map[string]string, len(cfg.Values))
		for k, v := range cfg.Values {
			d.Config[k] = maskSecrets(v, cfg.Secret[k]).(string)
		}
	}
	root := &apitype.ResourceV3{
		URN:     resource.URN(res.StackURN()),
		Type:    resource.RootStackType,
		Outputs: exports(res),
	}
	d.Steps = append(d.Steps, &PreviewStep{Op: OpCreate, URN: string(root.URN), NewState: root})
	for _, r := range res.Resources {
		d.Steps = append(d.Steps, &PreviewStep{Op: OpCreate, URN: r.URN, NewState: state(r)})
	}
	d.ChangeSummary[OpCreate] = len(d.Steps)
	return d
}

// exports returns the stack outputs, secret ones masked.
func exports(res *offline.Result) map[string]any {
	if len(res.Exports) == 0 {
		return nil
	}
	out := make(map[string]any, len(res.Exports))
	for k, v := range res.Exports {
		out[k] = maskSecrets(normalize(v), contains(res.SecretExports, k))
	}
	return out
}

// normalize turns a Go value (a []string, a map[string]string, a struct)
// into the plain JSON values the rest of the package reads.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// state is a resource's newState.
func state(r *offline.Resource) *apitype.ResourceV3 {
	s := &apitype.ResourceV3{
		URN:            resource.URN(r.URN),
		Custom:         r.Custom,
		Type:           tokens.Type(r.Type),
		Inputs:         plainMap(r.Inputs),
		Outputs:        plainMap(r.Outputs),
		Parent:         resource.URN(r.Parent),
		Protect:        r.Protect,
		RetainOnDelete: r.RetainOnDelete,
		Dependencies:   urns(r.Dependencies),
		IgnoreChanges:  r.IgnoreChanges,
	}
	if r.Custom {
		s.ID = resource.ID(r.ID)
	}
	if len(r.PropertyDependencies) > 0 {
		s.PropertyDependencies = map[resource.PropertyKey][]resource.URN{}
		for k, v := range r.PropertyDependencies {
			s.PropertyDependencies[resource.PropertyKey(k)] = urns(v)
		}
	}
	if len(r.Hooks) > 0 {
		s.ResourceHooks = map[resource.HookType][]string{}
		for k, v := range r.Hooks {
			s.ResourceHooks[resource.HookType(strings.ToUpper(k[:1])+k[1:])] = v
		}
	}
	return s
}

func urns(in []string) []resource.URN {
	if len(in) == 0 {
		return nil
	}
	out := make([]resource.URN, len(in))
	for i, u := range in {
		out[i] = resource.URN(u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WriteJSON writes the document as the CLI does: indented by four spaces,
// followed by a newline.
func WriteJSON(w io.Writer, d *PreviewDigest) error {
	b, err := json.MarshalIndent(d, "", "    ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
