package offline_test

import (
	"encoding/json"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// inputsOf is every resource's URN with its inputs as JSON, in the run's
// order (maps marshal with sorted keys).
func inputsOf(t *testing.T, res *offline.Result) []string {
	t.Helper()
	var out []string
	for _, r := range res.Resources {
		b, err := json.Marshal(offline.Plain(r.Inputs))
		if err != nil {
			t.Fatalf("%s: %v", r.URN, err)
		}
		out = append(out, r.URN+" "+string(b))
	}
	return out
}

// TestProgramIsDeterministic protects against perpetual diffs (issue 15
// item 4): running the stack program twice gives byte-identical inputs for
// every resource (map order, generated JSON, timestamps, paths), or every
// `pulumi up` would show an update.
func TestProgramIsDeterministic(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			first := inputsOf(t, testutil.MustRunStack(t, stack, nil))
			second := inputsOf(t, testutil.MustRunStack(t, stack, nil))
			if len(first) != len(second) {
				t.Fatalf("resources: got %d then %d, want the same", len(first), len(second))
			}
			for i := range first {
				if first[i] != second[i] {
					t.Errorf("run 2 differs:\ngot  %s\nwant %s", second[i], first[i])
				}
			}
		})
	}
}
