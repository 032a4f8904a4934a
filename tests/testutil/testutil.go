// Package testutil keeps the black-box tests under tests/ short: it runs the
// stack program or a single component on the offline engine and finds the
// resources a test asserts on.
package testutil

import (
	"maps"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Project is the project name of every offline run.
const Project = "djangofargate"

// RepoRoot is the directory holding Pulumi.yaml and the stack files.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// StackConfig returns a stack file's configuration with overrides applied;
// override keys without a namespace belong to djangofargate.
func StackConfig(t testing.TB, stack string, overrides map[string]string) map[string]string {
	t.Helper()
	cfg, err := offline.LoadStackConfig(RepoRoot(), stack)
	if err != nil {
		t.Fatal(err)
	}
	cfg = maps.Clone(cfg)
	for k, v := range overrides {
		cfg[stacks.Namespace+":"+k] = v
	}
	return cfg
}

// RunStack runs the stack program offline for a stack file plus overrides.
func RunStack(t testing.TB, stack string, overrides map[string]string) (*offline.Result, error) {
	t.Helper()
	return offline.Run(stacks.Program, offline.Options{
		Project: Project, Stack: stack, Config: StackConfig(t, stack, overrides), RootDirectory: RepoRoot(),
	})
}

// MustRunStack is RunStack for configurations that must deploy.
func MustRunStack(t testing.TB, stack string, overrides map[string]string) *offline.Result {
	t.Helper()
	res, err := RunStack(t, stack, overrides)
	if err != nil {
		t.Fatalf("stack %s with %v: %v", stack, overrides, err)
	}
	return res
}

// Run runs a program (typically one component) offline in a stack named
// "test" in us-east-1, failing the test if the program fails.
func Run(t testing.TB, program pulumi.RunFunc) *offline.Result {
	t.Helper()
	res, err := RunErr(program)
	if err != nil {
		t.Fatalf("offline run: %v", err)
	}
	return res
}

// RunErr is Run for programs expected to fail.
func RunErr(program pulumi.RunFunc) (*offline.Result, error) {
	return offline.Run(program, offline.Options{
		Project: Project, Stack: "test", Config: map[string]string{"aws:region": "us-east-1"},
	})
}

// One returns the only resource of a type, failing the test otherwise.
func One(t testing.TB, res *offline.Result, typ string) *offline.Resource {
	t.Helper()
	got := res.ByType(typ)
	if len(got) != 1 {
		t.Fatalf("resources of type %s: got %d, want 1", typ, len(got))
	}
	return got[0]
}

// ExportOutputs exports every output field of a component (its exported
// pulumi.Output fields with a `pulumi:"name"` tag) under that name, so a
// test reads them from Result.Exports; fields left unset are skipped.
//
// It decides from the struct's type which fields to read and reads only
// those: the embedded pulumi.ResourceState (untagged) is never touched,
// because the SDK writes it from other goroutines (addChild) while the
// program runs, and copying it here was a data race (issue 21).
func ExportOutputs(ctx *pulumi.Context, component any) {
	v := reflect.ValueOf(component).Elem()
	outputType := reflect.TypeFor[pulumi.Output]()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name == "" || f.Anonymous || !f.IsExported() || !f.Type.Implements(outputType) {
			continue
		}
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		ctx.Export(name, fv.Interface().(pulumi.Output))
	}
}

// AssertRefused checks a component's refusal of a bad argument: an error
// that names `<Component> "<name>": <field>:` and contains message, with
// nothing registered.
func AssertRefused(t testing.TB, res *offline.Result, err error, component, name, field, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("error: got nil, want one about %s", field)
	}
	prefix := component + ` "` + name + `": ` + field + ": "
	if !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), message) {
		t.Errorf("error: got %q, want it to contain %q and %q", err, prefix, message)
	}
	if n := len(res.Resources); n != 0 {
		t.Errorf("resources registered: got %d, want 0 when validation fails", n)
	}
}
