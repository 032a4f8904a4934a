// Package tests holds black-box tests of the components and the stack
// program, run on the offline engine.
package tests

import (
	"maps"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/stacks"
)

// repoRoot is where Pulumi.yaml and the stack files live.
const repoRoot = ".."

// stackConfig returns a stack file's configuration with overrides applied;
// override keys without a namespace belong to djangofargate.
func stackConfig(t *testing.T, stack string, overrides map[string]string) map[string]string {
	t.Helper()
	cfg, err := offline.LoadStackConfig(repoRoot, stack)
	if err != nil {
		t.Fatal(err)
	}
	cfg = maps.Clone(cfg)
	for k, v := range overrides {
		cfg[stacks.Namespace+":"+k] = v
	}
	return cfg
}

// runStack runs the stack program offline for a stack file plus overrides.
func runStack(t *testing.T, stack string, overrides map[string]string) (*offline.Result, error) {
	t.Helper()
	return offline.Run(stacks.Program, offline.Options{
		Project: "djangofargate", Stack: stack, Config: stackConfig(t, stack, overrides),
	})
}

// mustRunStack is runStack for configurations that must deploy.
func mustRunStack(t *testing.T, stack string, overrides map[string]string) *offline.Result {
	t.Helper()
	res, err := runStack(t, stack, overrides)
	if err != nil {
		t.Fatalf("stack %s with %v: %v", stack, overrides, err)
	}
	return res
}

// one returns the only resource of a type, failing the test otherwise.
func one(t *testing.T, res *offline.Result, typ string) *offline.Resource {
	t.Helper()
	got := res.ByType(typ)
	if len(got) != 1 {
		t.Fatalf("resources of type %s: got %d, want 1", typ, len(got))
	}
	return got[0]
}
