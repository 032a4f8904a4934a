// Package offline_test tests the offline engine's own contract.
package offline_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestLoadStackConfigRefusesWhatTheCLIRefuses protects the engine's fidelity
// to `pulumi up`: the CLI refuses a stack that leaves a key of the project's
// namespace without a value when Pulumi.yaml gives it no default, and a
// value of the wrong type, before the program runs. Offline runs must fail
// the same way, or a stack that passes every test fails at its first deploy.
func TestLoadStackConfigRefusesWhatTheCLIRefuses(t *testing.T) {
	const project = `name: demo
runtime: go
config:
  size:
    type: integer
    description: no default
  mode:
    type: string
    default: fast
    description: has a default
  flag:
    type: boolean
    default: false
    description: typed
  aws:region: us-east-1
`
	cases := []struct {
		name, stack, want string
	}{
		{"missing required key", "config:\n  demo:mode: slow\n", "Stack 'dev' is missing configuration value 'size'"},
		{"set by the stack", "config:\n  demo:size: 3\n", ""},
		{"wrong integer", "config:\n  demo:size: three\n", "Stack 'dev' with configuration key 'size' must be of type 'integer'"},
		{"wrong boolean", "config:\n  demo:size: 3\n  demo:flag: yes-please\n", "Stack 'dev' with configuration key 'flag' must be of type 'boolean'"},
		{"no stack file", "", "Stack 'dev' is missing configuration value 'size'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "Pulumi.yaml"), project)
			if tc.stack != "" {
				write(t, filepath.Join(dir, "Pulumi.dev.yaml"), tc.stack)
			}
			cfg, err := offline.LoadStackConfig(dir, "dev")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if cfg["demo:size"] != "3" || cfg["demo:mode"] != "fast" || cfg["aws:region"] != "us-east-1" {
					t.Errorf("config: got %v, want size 3, the mode default and the region", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error: got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLoadProjectValidatesTheSchema checks that a Pulumi.yaml the CLI would
// reject is rejected offline too.
func TestLoadProjectValidatesTheSchema(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "Pulumi.yaml"), "name: demo\nruntime: go\nconfig:\n  size:\n    type: number-ish\n")
	if _, err := offline.LoadProject(dir); err == nil {
		t.Error("a config type outside the schema: got no error, want one")
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunGivesTheProgramItsWholeConfig protects the engine's fidelity to
// the Go language host, which puts the stack's whole configuration in the
// program's PULUMI_CONFIG (pulumi/pulumi sdk/go/pulumi-language-go,
// constructEnv): a program that reads it there (to refuse keys it does not
// know) sees the offline run's configuration, and the variable is restored
// after the run.
func TestRunGivesTheProgramItsWholeConfig(t *testing.T) {
	cfg := map[string]string{"demo:size": "3", "aws:region": "eu-west-1", "demoo:typo": "x"}
	var seen map[string]string
	_, err := offline.Run(func(ctx *pulumi.Context) error {
		return json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfig)), &seen)
	}, offline.Options{Project: "demo", Config: cfg})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !maps.Equal(seen, cfg) {
		t.Errorf("PULUMI_CONFIG in the program: got %v, want %v", seen, cfg)
	}
	if v, ok := os.LookupEnv(pulumi.EnvConfig); ok {
		t.Errorf("PULUMI_CONFIG after the run: got %q, want it unset again", v)
	}
}
