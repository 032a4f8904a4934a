package stacks

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Markers of the generated parts of the files GeneratedFiles rewrites.
const (
	devBegin    = "  # The development profile's values, generated from stacks/keys.go by `go generate ./stacks`:"
	devEnd      = "  # End of the development profile's values."
	configBegin = "<!-- config-table -->"
	configEnd   = "<!-- /config-table -->"
	tradeBegin  = "<!-- profile-table -->"
	tradeEnd    = "<!-- /profile-table -->"
)

// GeneratedFiles returns what the files generated from the key table must
// hold, by path relative to root: Pulumi.yaml's config block (every key with
// its real type, production's default and what it accepts), the
// development values in Pulumi.dev.yaml, and README.md's key and profile
// tables. The rest of each file is kept as root has it.
func GeneratedFiles(root string) (map[string]string, error) {
	keys := Keys()
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(root, name))
		return string(b), err
	}
	out := map[string]string{}

	project, err := read("Pulumi.yaml")
	if err != nil {
		return nil, err
	}
	head, _, found := strings.Cut(project, "\nconfig:\n")
	if !found {
		return nil, fmt.Errorf("Pulumi.yaml: no top-level config: block")
	}
	out["Pulumi.yaml"] = head + "\n" + projectConfig(keys)

	dev, err := read("Pulumi.dev.yaml")
	if err != nil {
		return nil, err
	}
	if out["Pulumi.dev.yaml"], err = splice("Pulumi.dev.yaml", dev, devBegin, devEnd, developmentValues(keys)); err != nil {
		return nil, err
	}

	readme, err := read("README.md")
	if err != nil {
		return nil, err
	}
	if readme, err = splice("README.md", readme, configBegin, configEnd, readmeKeys(keys)); err != nil {
		return nil, err
	}
	if out["README.md"], err = splice("README.md", readme, tradeBegin, tradeEnd, readmeProfiles(keys)); err != nil {
		return nil, err
	}
	return out, nil
}

// splice replaces the lines between the begin and end marker lines.
func splice(name, text, begin, end, body string) (string, error) {
	i := strings.Index(text, begin+"\n")
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("%s lacks the generated part's markers %q and %q", name, begin, end)
	}
	return text[:i+len(begin)+1] + body + text[j:], nil
}

// projectConfig is Pulumi.yaml's config block.
func projectConfig(keys []Key) string {
	var b strings.Builder
	b.WriteString(`config:
  # Generated from the key table, stacks/keys.go, by ` + "`go generate ./stacks`" + `:
  # edit the table, not this block. Every key has its real type, so the CLI
  # checks every stack value. The defaults are the production profile's: a
  # development stack states development's values in its stack file, as
  # Pulumi.dev.yaml does. The program refuses keys it does not read.
`)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s:\n    type: %s\n", k.Name, k.Type)
		if k.Type == TypeArray {
			b.WriteString("    items:\n      type: string\n")
		}
		fmt.Fprintf(&b, "    default: %s\n    description: %s\n", yamlValue(k.Defaults[Production]), strconv.Quote(describe(k)))
	}
	return b.String()
}

// describe is a key's description with what it accepts and, when it
// depends on the profile, development's default.
func describe(k Key) string {
	s := k.Description
	if k.Allowed != "" && k.Type != TypeBoolean && k.Type != TypeArray {
		s += " Allowed: " + k.Allowed + "."
	}
	if k.ProfileDependent() {
		s += fmt.Sprintf(" Default: production %s, development %s (Pulumi.dev.yaml).", formatDefault(k.Defaults[Production]), formatDefault(k.Defaults[Development]))
	}
	return s
}

// developmentValues are the stack-file lines that make a stack development.
func developmentValues(keys []Key) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s:profile: %s\n", Namespace, Development)
	for _, k := range keys {
		if k.ProfileDependent() {
			fmt.Fprintf(&b, "  %s:%s: %s\n", Namespace, k.Name, yamlValue(k.Defaults[Development]))
		}
	}
	return b.String()
}

// readmeKeys is the README's table of every key.
func readmeKeys(keys []Key) string {
	var b strings.Builder
	b.WriteString("| key | type | default | allowed | sets | description |\n|---|---|---|---|---|---|\n")
	for _, k := range keys {
		def := "`" + formatDefault(k.Defaults[Production]) + "`"
		if k.ProfileDependent() {
			def = fmt.Sprintf("production `%s`, development `%s`", formatDefault(k.Defaults[Production]), formatDefault(k.Defaults[Development]))
		}
		allowed := k.Allowed
		if allowed == "" {
			allowed = "see description"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", k.Name, k.Type, def, cell(allowed), cell(strings.Join(k.Feeds, ", ")), cell(k.Description))
	}
	return b.String()
}

// readmeProfiles is the README's table of what the development profile
// changes and gives up.
func readmeProfiles(keys []Key) string {
	var b strings.Builder
	b.WriteString("| key | production | development | what development gives up |\n|---|---|---|---|\n")
	for _, k := range keys {
		if k.ProfileDependent() {
			fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %s |\n", k.Name, formatDefault(k.Defaults[Production]), formatDefault(k.Defaults[Development]), cell(k.GivesUp))
		}
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// yamlValue renders a default as YAML: strings quoted, so "17" stays a
// string.
func yamlValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	default:
		return fmt.Sprint(v)
	}
}
