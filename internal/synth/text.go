package synth

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/djangofargate/djangofargate/internal/offline"
)

// WriteText writes the preview as `pulumi preview` prints it: a header, the
// resource tree under the root stack, with each component's children
// indented beneath it, the stack outputs, and the summary line. The same run
// always prints the same text.
func WriteText(w io.Writer, res *offline.Result) error {
	type row struct{ tree, typ, name string }
	rootURN := res.StackURN()
	rows := []row{{typ: "pulumi:pulumi:Stack", name: res.Project + "-" + res.Stack}}
	var walk func(parent, indent string)
	walk = func(parent, indent string) {
		kids := res.Children(parent)
		for i, r := range kids {
			branch, next := "├─ ", "│  "
			if i == len(kids)-1 {
				branch, next = "└─ ", "   "
			}
			rows = append(rows, row{tree: indent + branch, typ: r.Type, name: r.Name})
			walk(r.URN, indent+next)
		}
	}
	walk(rootURN, "")

	typeWidth, nameWidth := len("Type"), len("Name")
	for _, r := range rows {
		typeWidth = max(typeWidth, len([]rune(r.tree))+len(r.typ))
		nameWidth = max(nameWidth, len(r.name))
	}
	var b strings.Builder
	note := "ids and outputs are made up"
	for _, r := range res.Resources {
		if r.Custom && r.ID == "" {
			note = "values known only after the update show as " + unknownText
			break
		}
	}
	fmt.Fprintf(&b, "Previewing update (%s), offline: no cloud, no credentials; %s\n\n", res.Stack, note)
	fmt.Fprintf(&b, "     %-*s  %-*s  %s\n", typeWidth, "Type", nameWidth, "Name", "Plan")
	for _, r := range rows {
		cell := r.tree + r.typ
		pad := typeWidth - len([]rune(r.tree)) - len(r.typ)
		fmt.Fprintf(&b, " +   %s%s  %-*s  %s\n", cell, strings.Repeat(" ", pad), nameWidth, r.name, OpCreate)
	}
	writeOutputs(&b, res)
	fmt.Fprintf(&b, "\nResources:\n    + %d to %s\n", len(rows), OpCreate)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeOutputs prints the stack outputs as the CLI does, secrets masked.
func writeOutputs(b *strings.Builder, res *offline.Result) {
	out := exports(res)
	if len(out) == 0 {
		return
	}
	keys, width := sortedKeys(out)
	b.WriteString("\nOutputs:\n")
	for _, k := range keys {
		fmt.Fprintf(b, "    %-*s: ", width, k)
		writeValue(b, out[k], "    ")
		b.WriteString("\n")
	}
}

// writeValue prints a plain value in the CLI's property style: strings
// quoted, arrays and maps one element per line.
func writeValue(b *strings.Builder, v any, indent string) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range x {
			fmt.Fprintf(b, "%s    [%d]: ", indent, i)
			writeValue(b, e, indent+"    ")
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		keys, width := sortedKeys(x)
		b.WriteString("{\n")
		for _, k := range keys {
			fmt.Fprintf(b, "%s    %-*s: ", indent, width, k)
			writeValue(b, x[k], indent+"    ")
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case string:
		if x == Secret {
			b.WriteString(x)
			return
		}
		if x == Unknown {
			b.WriteString(unknownText)
			return
		}
		fmt.Fprintf(b, "%q", x)
	case nil:
		b.WriteString("output<unknown>")
	default:
		fmt.Fprint(b, x)
	}
}

// unknownText is how the CLI's text display shows a value not known until
// the update.
const unknownText = "output<string>"

// sortedKeys returns a map's keys in order and the length of the longest,
// to align the values after them.
func sortedKeys(m map[string]any) (keys []string, width int) {
	keys = make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
		width = max(width, len(k))
	}
	sort.Strings(keys)
	return keys, width
}
