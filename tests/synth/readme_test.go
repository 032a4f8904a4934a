package synth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

const regenerate = "go generate ./cmd/synth (or: go run ./cmd/synth -stack prod -format mermaid -update-readme README.md)"

// TestReadmeDiagramIsCurrent protects the README's architecture diagram: the
// block between its synth markers is exactly what the production stack
// draws now, so the README never shows an architecture the code lost.
func TestReadmeDiagramIsCurrent(t *testing.T) {
	path := filepath.Join(testutil.RepoRoot(), "README.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("README.md: %v; it should embed the production diagram between the lines %q and %q, filled by %s",
			err, synth.BeginMarker("prod"), synth.EndMarker, regenerate)
	}
	got, err := synth.Embedded(string(doc), "prod")
	if err != nil {
		t.Fatalf("README.md: %v; add the lines %q and %q where the diagram goes, then run %s",
			err, synth.BeginMarker("prod"), synth.EndMarker, regenerate)
	}
	want := mustRun(t, "-stack", "prod", "-format", "mermaid")
	if got != want {
		t.Errorf("README.md's production diagram is stale; run %s\ngot:\n%s\nwant:\n%s", regenerate, got, want)
	}
}

// TestUpdateReadmeRewritesOnlyTheBlock protects -update-readme: it replaces
// the stack's block, leaves the rest of the file as it was, prints nothing
// on stdout, is idempotent, and fails naming the markers when they are missing.
func TestUpdateReadmeRewritesOnlyTheBlock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "README.md")
	before := "# Title\n\nIntro.\n\n" + synth.BeginMarker("prod") + "\nstale diagram\n" + synth.EndMarker + "\n\nMore text.\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	want := mustRun(t, "-stack", "prod", "-format", "mermaid")
	for i := range 2 {
		r := run(t, "-stack", "prod", "-format", "mermaid", "-update-readme", path)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("run %d: exit %d stdout %q stderr %q; want exit 0 and nothing on stdout", i, r.code, r.stdout, r.stderr)
		}
		b, _ := os.ReadFile(path)
		wantDoc := "# Title\n\nIntro.\n\n" + synth.BeginMarker("prod") + "\n" + want + synth.EndMarker + "\n\nMore text.\n"
		if string(b) != wantDoc {
			t.Fatalf("run %d: README got:\n%s\nwant:\n%s", i, b, wantDoc)
		}
	}

	if err := os.WriteFile(path, []byte("# No markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "-stack", "prod", "-format", "mermaid", "-update-readme", path)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, synth.BeginMarker("prod")) {
		t.Errorf("without markers: exit %d stdout %q stderr %q; want exit 1 naming %s", r.code, r.stdout, r.stderr, synth.BeginMarker("prod"))
	}
	if b, _ := os.ReadFile(path); string(b) != "# No markers\n" {
		t.Errorf("without markers the file changed to %q", b)
	}
}
