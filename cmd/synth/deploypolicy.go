package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/djangofargate/djangofargate/internal/deploypolicy"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const deployPolicyUsage = `usage: synth -stack NAME -deploy-policy [-dir DIR] [-config key=value]...

Prints the IAM policy the principal that deploys the stack needs (package
internal/deploypolicy): what 'pulumi up' creates, updates and deletes for
it, the image push, and the migration hook's calls, scoped to the stack's
names, account and region. It runs the program offline, as synth does.

Flags:
`

// deployPolicy runs `synth -deploy-policy` when args ask for it, and
// returns its exit status and true; otherwise it returns false and synth
// runs as usual.
func deployPolicy(program pulumi.RunFunc, args []string, stdout, stderr io.Writer) (int, bool) {
	if !slices.ContainsFunc(args, func(a string) bool {
		return strings.TrimLeft(a, "-") == "deploy-policy" || strings.HasPrefix(strings.TrimLeft(a, "-"), "deploy-policy=")
	}) {
		return 0, false
	}
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, deployPolicyUsage)
		fs.PrintDefaults()
	}
	stack := fs.String("stack", "", "the stack `NAME`: reads Pulumi.NAME.yaml (required)")
	dir := fs.String("dir", ".", "the `DIR`ectory holding Pulumi.yaml and the stack files")
	fs.Bool("deploy-policy", false, "print the deploy role's IAM policy for the stack")
	var overrides []string
	fs.Func("config", "set a config value, `key=value` (repeatable)", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("%q: want key=value", s)
		}
		overrides = append(overrides, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	if *stack == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "synth: -deploy-policy needs -stack NAME and no other argument")
		return 2, true
	}
	doc, err := stackDeployPolicy(program, *dir, *stack, overrides)
	if err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return 1, true
	}
	// One document when it fits a role's inline policy; else a JSON array
	// of documents, one customer-managed policy each.
	docs, err := doc.Split()
	var b []byte
	if err == nil && len(docs) == 1 {
		b, err = docs[0].JSON()
	} else if err == nil {
		b, err = json.MarshalIndent(docs, "", "  ")
		b = append(b, '\n')
	}
	if err == nil {
		_, err = stdout.Write(b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return 1, true
	}
	return 0, true
}

// stackDeployPolicy runs the stack's program offline and generates its
// deploy policy.
func stackDeployPolicy(program pulumi.RunFunc, dir, stack string, overrides []string) (*deploypolicy.Document, error) {
	project, err := offline.LoadProject(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi."+stack+".yaml")); err != nil {
		return nil, fmt.Errorf("no stack %q: %w", stack, err)
	}
	cfg, err := offline.LoadStackConfig(dir, stack)
	if err != nil {
		return nil, err
	}
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		cfg[project.QualifiedKey(k)] = v
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res, err := offline.Run(program, offline.Options{
		Project: project.Name, Stack: stack, Config: cfg, Preview: true, RootDirectory: root,
	})
	if err != nil {
		return nil, err
	}
	s := deploypolicy.Stack{Region: cfg["aws:region"]}
	for _, r := range res.Resources {
		s.Resources = append(s.Resources, deploypolicy.Resource{Type: r.Type, Name: r.Name, Inputs: offline.Plain(r.Inputs)})
		if len(r.Hooks) > 0 && r.Type == "aws:ecs/service:Service" {
			s.Migrations = true
		}
	}
	return deploypolicy.Generate(s)
}
