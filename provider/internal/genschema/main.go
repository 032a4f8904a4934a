// Command genschema writes the provider's schema to a file: the golden copy
// provider/schema.json, regenerated with `go generate ./...` in provider/.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/djangofargate/djangofargate/provider/internal/djangofargate"
)

func main() {
	out := flag.String("o", "schema.json", "the file to write the schema to")
	flag.Parse()
	schema, err := djangofargate.Schema(context.Background())
	if err == nil {
		err = os.WriteFile(*out, schema, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "genschema: %v\n", err)
		os.Exit(1)
	}
}
