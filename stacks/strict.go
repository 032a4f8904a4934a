package stacks

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// engineConfig returns the stack's whole configuration (fully qualified
// keys, every namespace) from the PULUMI_CONFIG environment variable, where
// the Pulumi engine's Go language host puts it for the program (and the
// Automation API for an inline program). ok is false when the variable is
// absent or does not hold this run's configuration: any key whose value
// the context does not report the same way.
func engineConfig(ctx *pulumi.Context) (all map[string]string, ok bool) {
	raw := os.Getenv(pulumi.EnvConfig)
	if raw == "" || json.Unmarshal([]byte(raw), &all) != nil {
		return nil, false
	}
	for k, v := range all {
		if got, ok := ctx.GetConfig(k); !ok || got != v {
			return nil, false
		}
	}
	return all, true
}

// nearNamespace reports whether ns looks like a misspelling of Namespace:
// the same letters in another case, or one or two edits away.
func nearNamespace(ns string) bool {
	return ns != Namespace && distance(strings.ToLower(ns), Namespace) <= 2
}

// didYouMean suggests the declared key nearest to name: the same key in
// another case first, else the closest within a third of its length in
// edits (at least two).
func didYouMean(name string) string {
	if k, ok := nearest(name); ok {
		return "did you mean " + k + "?"
	}
	return "no declared key is near it"
}

// nearest returns the declared key nearest to name, when one is near.
func nearest(name string) (string, bool) {
	best, bestD := "", 0
	lower := strings.ToLower(name)
	for _, k := range keyTable() {
		d := distance(lower, strings.ToLower(k.Name))
		if best == "" || d < bestD {
			best, bestD = k.Name, d
		}
	}
	return best, bestD <= max(2, len(name)/3)
}

// distance is the Levenshtein distance between a and b (insertions,
// deletions and substitutions of bytes), as the Pulumi CLI measures its
// "did you mean" suggestions (sdk/go/common/workspace/project.go).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// namespaced suggests the key of this project's namespace nearest to name.
func namespaced(name string) string {
	if k, ok := nearest(name); ok {
		return "did you mean " + Namespace + ":" + k + "?"
	}
	return "no key of " + Namespace + " is near it"
}
