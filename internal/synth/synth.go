// Package synth is the offline preview behind cmd/synth: it runs a Pulumi
// program on the offline engine and prints what `pulumi up` would create, as
// `pulumi preview` text, as the `pulumi preview --json` document, or as a
// Mermaid architecture diagram.
//
// It reads the recorded resources by type token and inputs only, never the
// component types, so it renders any program, not only this repository's.
package synth

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/policy"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Exit codes of Main.
const (
	ExitOK = 0
	// ExitFailed: the program failed (a bad config), a file could not be read
	// or written, or (with -check) a control the profile requires failed.
	ExitFailed = 1
	// ExitUsage: bad flags.
	ExitUsage = 2
)

// Formats lists the values of -format.
var Formats = []string{"text", "json", "mermaid"}

const usage = `usage: synth -stack NAME [-dir DIR] [-config key=value]... [-secret key=value]...
             [-format text|json|mermaid] [-resolved] [-update-readme FILE] [-check]
       synth -check-file FILE|-

Runs the Pulumi program of DIR/Pulumi.yaml offline for the stack configured by
DIR/Pulumi.NAME.yaml (no cloud, no credentials, no backend) and prints what
'pulumi up' would create, as a real first preview shows it: the outputs of
resources being created (ids, ARNs, DNS names, the image digest) are unknown,
and so is every input computed from them.

  -format text     the resource tree and summary, as 'pulumi preview' prints them
  -format json     the 'pulumi preview --json' document, secrets as "[secret]"
  -format mermaid  an architecture diagram, a Mermaid flowchart
  -resolved        print the document as after 'pulumi up' instead: ids and
                   outputs made up by the offline engine, nothing unknown
  -update-readme FILE
                   with -format mermaid: replace the diagram between the lines
                   <!-- synth:mermaid NAME --> and <!-- /synth:mermaid --> of FILE
  -check           judge the resolved document against CONTROLS.md (package
                   policy) and print the report instead, with a column saying
                   whether a real first preview decides each verdict too (the
                   preview document judged alike); exit 1 when a required
                   control fails on the resolved document
  -check-file FILE judge a 'pulumi preview --json' document from FILE (- for
                   stdin) instead of running the program; no -stack needed

A key without a namespace belongs to the project (azCount = <project>:azCount).
Exit status: 0 done, 1 the program or its config failed (or a required
control failed), 2 bad usage.

Flags:
`

// Main runs the synth command with args (without the command name) and
// returns its exit status; -check-file - reads stdin. It writes the preview to stdout only once it is
// complete, so a failing run prints nothing there; messages go to stderr.
func Main(program pulumi.RunFunc, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	stack := fs.String("stack", "", "the stack `NAME`: reads Pulumi.NAME.yaml (required)")
	dir := fs.String("dir", ".", "the `DIR`ectory holding Pulumi.yaml and the stack files")
	format := fs.String("format", "text", "output `format`: "+strings.Join(Formats, ", "))
	readme := fs.String("update-readme", "", "rewrite the stack's diagram block in this Markdown `FILE` (with -format mermaid)")
	check := fs.Bool("check", false, "print the controls report (CONTROLS.md) of the resolved document, marking what a real first preview decides")
	resolved := fs.Bool("resolved", false, "print the document as after 'pulumi up': made-up ids and outputs, nothing unknown")
	checkFile := fs.String("check-file", "", "judge the preview document in `FILE` (- for stdin) instead of running the program")
	var overrides, secrets pairs
	fs.Var(&overrides, "config", "set a config value, `key=value` (repeatable)")
	fs.Var(&secrets, "secret", "set a secret config value, `key=value` (repeatable), shown as [secret]")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "synth: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'synth -h' for usage")
		return ExitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageError("unexpected argument %q", fs.Arg(0))
	case *checkFile != "" && *stack != "":
		return usageError("-check-file judges a document; it takes no -stack")
	case *checkFile != "":
		return checkDocument(*checkFile, stdin, stdout, stderr)
	case *stack == "":
		return usageError("-stack is required")
	case !contains(Formats, *format):
		return usageError("-format %q: use one of %s", *format, strings.Join(Formats, ", "))
	case *check && *readme != "":
		return usageError("-check prints a report; it cannot -update-readme")
	case *readme != "" && *format != "mermaid":
		return usageError("-update-readme needs -format mermaid")
	}
	failed := func(err error) int {
		for _, e := range flatten(err) {
			fmt.Fprintf(stderr, "synth: %v\n", e)
		}
		return ExitFailed
	}

	project, err := offline.LoadProject(*dir)
	if err != nil {
		return failed(err)
	}
	if _, err := os.Stat(filepath.Join(*dir, "Pulumi."+*stack+".yaml")); err != nil {
		return usageError("no stack %q: %v (stacks here: %s)", *stack, err, strings.Join(stackNames(*dir), ", "))
	}
	values, err := offline.LoadStackConfig(*dir, *stack)
	if err != nil {
		return failed(err)
	}
	cfg := Config{Values: values, Secret: map[string]bool{}}
	for k, d := range project.Config {
		if d.Secret {
			cfg.Secret[project.QualifiedKey(k)] = true
		}
	}
	for _, p := range overrides {
		cfg.Values[project.QualifiedKey(p.key)] = p.value
	}
	for _, p := range secrets {
		key := project.QualifiedKey(p.key)
		cfg.Values[key], cfg.Secret[key] = p.value, true
	}
	secretKeys := make([]string, 0, len(cfg.Secret))
	for k := range cfg.Secret {
		secretKeys = append(secretKeys, k)
	}
	sort.Strings(secretKeys)

	root, err := filepath.Abs(*dir)
	if err != nil {
		return failed(err)
	}
	run := func(unknowns bool) (*offline.Result, error) {
		return offline.Run(program, offline.Options{
			Project: project.Name, Stack: *stack, Config: cfg.Values, Preview: true, Unknowns: unknowns,
			SecretKeys: secretKeys, RootDirectory: root,
		})
	}
	if *check {
		docs := map[bool]*bytes.Buffer{}
		for _, unknowns := range []bool{false, true} {
			res, err := run(unknowns)
			if err != nil {
				return failed(err)
			}
			docs[unknowns] = &bytes.Buffer{}
			if err := WriteJSON(docs[unknowns], Digest(res, cfg)); err != nil {
				return failed(err)
			}
		}
		return reportWithPreview(docs[false], docs[true], stdout, stderr)
	}
	// The diagram draws what a deployment holds, so it reads the resolved run.
	res, err := run(!*resolved && *format != "mermaid")
	if err != nil {
		return failed(err)
	}
	var out bytes.Buffer
	switch *format {
	case "text":
		err = WriteText(&out, res)
	case "json":
		err = WriteJSON(&out, Digest(res, cfg))
	case "mermaid":
		err = WriteMermaid(&out, res)
	}
	if err != nil {
		return failed(err)
	}
	if *readme != "" {
		return updateReadme(*readme, *stack, out.String(), stderr)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return failed(err)
	}
	return ExitOK
}

// checkDocument judges the preview document in file ("-" for stdin).
func checkDocument(file string, stdin io.Reader, stdout, stderr io.Writer) int {
	in := stdin
	if file == "-" && in == nil {
		fmt.Fprintln(stderr, "synth: -check-file -: no standard input")
		return ExitFailed
	}
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintf(stderr, "synth: %v\n", err)
			return ExitFailed
		}
		defer f.Close()
		in = f
	}
	return report(in, stdout, stderr)
}

// report prints the controls report of a preview document and returns
// ExitFailed when a control the document's profile requires failed.
func report(doc io.Reader, stdout, stderr io.Writer) int {
	d, err := policy.Read(doc)
	if err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return ExitFailed
	}
	rep := policy.Evaluate(d)
	if err := rep.Write(stdout); err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return ExitFailed
	}
	if rep.Failed() {
		fmt.Fprintln(stderr, "synth: a control the profile requires failed")
		return ExitFailed
	}
	return ExitOK
}

// reportWithPreview prints the controls report of the resolved document,
// each verdict marked with whether the preview document (unknowns as a real
// first preview has them) decides it too, and returns ExitFailed when a
// control the profile requires failed on the resolved document.
func reportWithPreview(resolved, preview io.Reader, stdout, stderr io.Writer) int {
	var reps [2]*policy.Report
	for i, doc := range []io.Reader{resolved, preview} {
		d, err := policy.Read(doc)
		if err != nil {
			fmt.Fprintf(stderr, "synth: %v\n", err)
			return ExitFailed
		}
		reps[i] = policy.Evaluate(d)
	}
	rep := reps[0]
	rep.MarkPreview(reps[1])
	if err := rep.Write(stdout); err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return ExitFailed
	}
	if rep.Failed() {
		fmt.Fprintln(stderr, "synth: a control the profile requires failed")
		return ExitFailed
	}
	return ExitOK
}

// updateReadme replaces the stack's diagram block in file, writing the file
// only when the block changed.
func updateReadme(file, stack, diagram string, stderr io.Writer) int {
	b, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return ExitFailed
	}
	doc, err := Embed(string(b), stack, diagram)
	if err != nil {
		fmt.Fprintf(stderr, "synth: %s: %v; add the lines %s and %s where the diagram goes\n",
			file, err, BeginMarker(stack), EndMarker)
		return ExitFailed
	}
	if doc == string(b) {
		fmt.Fprintf(stderr, "synth: %s: the %s diagram is up to date\n", file, stack)
		return ExitOK
	}
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		fmt.Fprintf(stderr, "synth: %v\n", err)
		return ExitFailed
	}
	fmt.Fprintf(stderr, "synth: %s: updated the %s diagram\n", file, stack)
	return ExitOK
}

// flatten lists the errors inside the "1 error occurred: ..." wrapper that
// pulumi.RunErr puts around a program's error, so each prints on one line.
func flatten(err error) []error {
	if m, ok := err.(interface{ WrappedErrors() []error }); ok && len(m.WrappedErrors()) > 0 {
		var out []error
		for _, e := range m.WrappedErrors() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// stackNames lists the stacks with a Pulumi.<name>.yaml in dir.
func stackNames(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// pairs collects repeated key=value flags.
type pairs []struct{ key, value string }

func (p *pairs) String() string { return "" }

func (p *pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	*p = append(*p, struct{ key, value string }{strings.TrimSpace(k), v})
	return nil
}
