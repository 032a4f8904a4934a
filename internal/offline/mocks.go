package offline

import (
	"fmt"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// mocks implements pulumi.MockResourceMonitor: it records each registration
// and answers with fabricated, deterministic state.
type mocks struct {
	project, stack, region string
	// existing are resources that exist before the run (Options.Existing).
	existing []*Resource
	// unknowns leaves the computed outputs of created resources unknown
	// (Options.Unknowns).
	unknowns bool

	mu        sync.Mutex
	resources []*Resource
}

func (m *mocks) recorded() []*Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Resource(nil), m.resources...)
}

// urn computes the URN the engine gives a resource, as the SDK's mock monitor does.
// known returns what data sources see: the resources recorded so far, and
// the existing ones this run has not registered again (a resource with the
// same URN is the same cloud resource).
func (m *mocks) known() []*Resource {
	out := m.recorded()
	seen := map[string]bool{}
	for _, r := range out {
		seen[r.URN] = true
	}
	for _, r := range m.existing {
		if !seen[r.URN] {
			out = append(out, r)
		}
	}
	return out
}

func (m *mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType,
		tokens.Type(typ), name))
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	if rpc == nil {
		// A read of an existing resource (ctx.ReadResource / Get functions).
		rpc = &pulumirpc.RegisterResourceRequest{Type: args.TypeToken, Name: args.Name, Custom: true}
		if args.ReadRPC != nil {
			rpc.Parent = args.ReadRPC.GetParent()
		}
	}
	r := &Resource{
		URN:                 m.urn(rpc.GetParent(), args.TypeToken, args.Name),
		Type:                args.TypeToken,
		Name:                args.Name,
		Parent:              rpc.GetParent(),
		Custom:              args.Custom || args.ReadRPC != nil,
		Remote:              rpc.GetRemote(),
		Inputs:              args.Inputs,
		Protect:             rpc.GetProtect(),
		RetainOnDelete:      rpc.GetRetainOnDelete(),
		DeleteBeforeReplace: rpc.GetDeleteBeforeReplace(),
		Dependencies:        rpc.GetDependencies(),
		IgnoreChanges:       rpc.GetIgnoreChanges(),
		Aliases:             aliasStrings(rpc),
		Hooks:               hookNames(rpc.GetHooks()),
	}
	if m.unknowns && args.RegisterRPC != nil {
		// The SDK's mock monitor drops unknown inputs (it unmarshals without
		// KeepUnknowns); the request still carries them, as the engine sees them.
		in, err := plugin.UnmarshalProperties(rpc.GetObject(),
			plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true})
		if err != nil {
			return "", nil, fmt.Errorf("offline: %s %q: %w", r.Type, r.Name, err)
		}
		r.Inputs = in
	}
	if pd := rpc.GetPropertyDependencies(); len(pd) > 0 {
		r.PropertyDependencies = map[string][]string{}
		for k, v := range pd {
			r.PropertyDependencies[k] = v.GetUrns()
		}
	}
	if r.Parent == "" {
		r.Parent = string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), "",
			resource.RootStackType, tokens.QName(m.project+"-"+m.stack).String()))
	}
	if !r.Custom && !r.Remote {
		// A component: the engine gives it a URN and no id or state.
		m.record(r)
		return "", resource.PropertyMap{}, nil
	}
	if r.Type == typeAwsxVpc && r.Remote {
		// awsx's Vpc runs in awsx's plugin; the engine creates what it would.
		outputs, err := m.expandAwsxVpc(r)
		if err != nil {
			return "", nil, fmt.Errorf("offline: %s %q (as awsx v2.22.0 lays it out): %w", r.Type, r.Name, err)
		}
		if v := outputs["vpcId"]; v.IsString() {
			r.ID = v.StringValue()
		}
		r.Outputs = outputs
		m.record(r)
		return r.ID, outputs, nil
	}
	id, outputs, err := fabricate(fabricateArgs{
		urn: r.URN, typ: r.Type, name: r.Name, inputs: r.Inputs,
		region: m.region, project: m.project, stack: m.stack, importID: args.ID,
	})
	if err != nil {
		return "", nil, fmt.Errorf("offline: %s %q: %w", r.Type, r.Name, err)
	}
	r.ID, r.Outputs = id, outputs
	if args.RegisterRPC != nil && args.ID == "" && m.creates(r.URN) {
		m.unknownOutputs(r)
	}
	m.record(r)
	return r.ID, knownOnly(r.Outputs), nil
}

// knownOnly drops the values that hold an unknown from what the mock
// answers: the SDK's mock monitor marshals without KeepUnknowns, which
// would leave a secret with no value (a malformed RPC), and the SDK
// resolves a missing output as unknown during a preview anyway.
func knownOnly(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		if !v.ContainsUnknowns() {
			out[k] = v
		}
	}
	return out
}

// creates reports whether a preview leaves the outputs of the resource
// with that URN unknown: with Options.Unknowns, for a resource the run
// creates (not in Options.Existing, whose state the engine already holds).
func (m *mocks) creates(urn string) bool {
	if !m.unknowns {
		return false
	}
	for _, e := range m.existing {
		if e.URN == urn {
			return false
		}
	}
	return true
}

// unknownOutputs turns r's fabricated state into what the engine reports
// for a create during a preview: no id, and as outputs the inputs plus
// every computed output unknown. The engine asks the provider to Create
// with Preview set (pulumi pkg/resource/deploy/step.go, CreateStep.Apply);
// a bridged provider answers with the planned state, where what the cloud
// computes is unknown; the SDK then resolves an output the response lacks,
// and an empty id, as unknown during a dry run (sdk/go/pulumi/context.go,
// resourceState.resolve). The auto-name stays known: pulumi-aws's Check
// writes it into the inputs before any preview step.
func (m *mocks) unknownOutputs(r *Resource) {
	out := r.Inputs.Copy()
	if field := autonamed[r.Type]; field != "" {
		if v, ok := r.Outputs[resource.PropertyKey(field)]; ok && !inputHas(r.Inputs, field) {
			r.Inputs = r.Inputs.Copy()
			r.Inputs[resource.PropertyKey(field)] = v
			out[resource.PropertyKey(field)] = v
		}
	}
	if tags, ok := out["tags"]; ok {
		if _, has := out["tagsAll"]; !has {
			out["tagsAll"] = tags // the provider computes it from the tags at plan time
		}
	}
	for k, v := range r.Outputs {
		switch _, ok := out[k]; {
		case ok:
		case v.IsSecret():
			// A secret output (a generated password) stays known: the SDK's
			// mock monitor cannot carry an unknown secret input (it fails
			// "malformed RPC secret"), and the preview document shows a
			// secret as "[secret]" whether it is known or not.
			out[k] = v
		default:
			out[k] = unknown()
		}
	}
	r.ID, r.Outputs = "", out
}

// unknown is a value not known until the update.
func unknown() resource.PropertyValue { return resource.MakeComputed(resource.NewStringProperty("")) }

func (m *mocks) record(r *Resource) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resources = append(m.resources, r)
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return invoke(args.Token, args.Args, m.region, m.known())
}

func aliasStrings(rpc *pulumirpc.RegisterResourceRequest) []string {
	out := append([]string(nil), rpc.GetAliasURNs()...)
	for _, a := range rpc.GetAliases() {
		if urn := a.GetUrn(); urn != "" {
			out = append(out, urn)
			continue
		}
		s := a.GetSpec()
		spec := fmt.Sprintf("name=%s,type=%s,stack=%s,project=%s,parent=%s",
			s.GetName(), s.GetType(), s.GetStack(), s.GetProject(), s.GetParentUrn())
		if s.GetNoParent() {
			spec += ",noParent=true" // the old resource had no parent: it sat at the root
		}
		out = append(out, spec)
	}
	return out
}

func hookNames(b *pulumirpc.RegisterResourceRequest_ResourceHooksBinding) map[string][]string {
	if b == nil {
		return nil
	}
	all := map[string][]string{
		"beforeCreate": b.GetBeforeCreate(), "afterCreate": b.GetAfterCreate(),
		"beforeUpdate": b.GetBeforeUpdate(), "afterUpdate": b.GetAfterUpdate(),
		"beforeDelete": b.GetBeforeDelete(), "afterDelete": b.GetAfterDelete(),
	}
	out := map[string][]string{}
	for k, v := range all {
		if len(v) > 0 {
			out[k] = append([]string(nil), v...)
			sort.Strings(out[k])
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func inputHas(m resource.PropertyMap, key string) bool {
	_, ok := m[resource.PropertyKey(key)]
	return ok
}
