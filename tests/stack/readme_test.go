package stack_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

var update = flag.Bool("update", false, "rewrite README.md's config table from Pulumi.yaml")

const (
	tableStart = "<!-- config-table -->"
	tableEnd   = "<!-- /config-table -->"
)

// configTable renders Pulumi.yaml's declarations as the README's table.
func configTable(t *testing.T) string {
	t.Helper()
	p, err := offline.LoadProject(testutil.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| key | type | default | description |\n|---|---|---|---|\n")
	types := stacks.KeyTypes()
	keys := make([]string, 0, len(p.Config))
	for k := range p.Config {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d := p.Config[k]
		def := fmt.Sprintf("`%v`", d.Default)
		switch d.Default {
		case stacks.ProfileDefault:
			def = "by profile"
		case "", nil:
			def = "none"
		}
		if list, ok := d.Default.([]any); ok && len(list) == 0 {
			def = "none"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k, types[k], def, strings.ReplaceAll(d.Description, "|", `\|`))
	}
	return b.String()
}

// TestReadmeConfigTable fails when README.md's config table differs from
// Pulumi.yaml. Regenerate: go test ./tests/stack -run TestReadmeConfigTable -update
func TestReadmeConfigTable(t *testing.T) {
	path := filepath.Join(testutil.RepoRoot(), "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, tableStart), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %s ... %s markers", tableStart, tableEnd)
	}
	want := configTable(t)
	got := readme[i+len(tableStart)+1 : j]
	if got == want {
		return
	}
	if *update {
		readme = readme[:i+len(tableStart)+1] + want + readme[j:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's config table is stale; run: go test ./tests/stack -run TestReadmeConfigTable -update\ngot:\n%s\nwant:\n%s", got, want)
}
