package config_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestGeneratedFilesAreCurrent protects the one-table promise: Pulumi.yaml's
// config block, the development values in Pulumi.dev.yaml and README.md's
// key and profile tables are what the key table generates, so no key is
// described in a second place by hand. Regenerate: go generate ./stacks
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := stacks.GeneratedFiles(testutil.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), name))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), files[name]; got != want {
			t.Errorf("%s is stale: got a file that differs from the key table's rendering; run: go generate ./stacks\ngot:\n%s\nwant:\n%s", name, got, want)
		}
	}
}
