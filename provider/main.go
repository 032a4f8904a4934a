// Command pulumi-resource-djangofargate is the plugin that constructs the
// djangofargate components for Pulumi programs in TypeScript, Python, C#,
// Java and YAML. PulumiPlugin.yaml (runtime: go) lets `pulumi package add`
// build it from this directory's source; schema.json is its schema, kept
// in git and checked by a test.
package main

//go:generate go run ./internal/genschema -o schema.json

import (
	"context"
	"fmt"
	"os"

	"github.com/djangofargate/djangofargate/provider/internal/djangofargate"
)

func main() {
	prov, err := djangofargate.New()
	if err == nil {
		err = prov.Run(context.Background(), djangofargate.Name, djangofargate.Version)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-djangofargate: %v\n", err)
		os.Exit(1)
	}
}
