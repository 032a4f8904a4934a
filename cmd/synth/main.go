// Command synth prints what `pulumi up` would create for a stack of this
// project, with no cloud, no credentials and no backend: it runs the stack
// program on the offline engine.
//
//	go run ./cmd/synth -stack prod                   # the resource tree, as `pulumi preview` shows it
//	go run ./cmd/synth -stack dev -format json       # the `pulumi preview --json` document
//	go run ./cmd/synth -stack prod -format mermaid   # the architecture diagram
//	go run ./cmd/synth -stack prod -config azCount=3 # with a config override
//	go run ./cmd/synth -stack prod -check            # the controls report (package policy)
//	pulumi preview --json | go run ./cmd/synth -check-file -  # judge a real preview
//	go run ./cmd/synth -stack prod -deploy-policy    # the deploy role's IAM policy
//
// Exit status: 0 done, 1 the program or its config failed (nothing on
// stdout) or, with -check, a control the profile requires failed, 2 bad
// usage. See internal/synth.
package main

import (
	"os"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/stacks"
)

// Regenerates the production diagram embedded in README.md.
//go:generate go run . -dir ../.. -stack prod -format mermaid -update-readme ../../README.md

func main() {
	if code, ok := deployPolicy(stacks.Program, os.Args[1:], os.Stdout, os.Stderr); ok {
		os.Exit(code) // -deploy-policy: see deploypolicy.go
	}
	os.Exit(synth.Main(stacks.Program, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
