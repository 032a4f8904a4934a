package stack_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// BenchmarkSynthProd times `go run ./cmd/synth -stack prod -format json`
// without the build: the production stack's program on the offline engine,
// rendered as the `pulumi preview --json` document. `go test ./...` only
// compiles it; bench/program.sh runs it with -bench and reports its peak
// memory.
func BenchmarkSynthProd(b *testing.B) {
	args := []string{"-dir", testutil.RepoRoot(), "-stack", "prod", "-format", "json"}
	var stderr bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		stderr.Reset()
		if code := synth.Main(stacks.Program, args, nil, io.Discard, &stderr); code != synth.ExitOK {
			b.Fatalf("synth exited %d: %s", code, stderr.String())
		}
	}
}
