// Command configgen rewrites the files generated from the config key table
// (stacks.GeneratedFiles): Pulumi.yaml's config block, the development
// values in Pulumi.dev.yaml and README.md's key tables. Run it through
// `go generate ./stacks`; tests/config fails while a file is stale.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/djangofargate/djangofargate/stacks"
)

func main() {
	root := flag.String("root", ".", "the project directory (where Pulumi.yaml is)")
	flag.Parse()
	files, err := stacks.GeneratedFiles(*root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "configgen: %v\n", err)
		os.Exit(1)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(*root, name), []byte(files[name]), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "configgen: %v\n", err)
			os.Exit(1)
		}
	}
}
