package djangofargate

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlExample is the Pulumi YAML program that uses the package.
const yamlExample = "../../../examples/yaml/Pulumi.yaml"

// yamlProgram is the part of a Pulumi YAML program the check reads.
type yamlProgram struct {
	Config map[string]struct {
		Type string `yaml:"type"`
	} `yaml:"config"`
	Resources map[string]struct {
		Type       string    `yaml:"type"`
		Properties yaml.Node `yaml:"properties"`
	} `yaml:"resources"`
	Outputs map[string]yaml.Node `yaml:"outputs"`
}

// wholeRef matches a value that is one interpolation and nothing else:
// Pulumi YAML then passes the referenced value with its own type.
var wholeRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}$`)

// anyRef finds the interpolations inside a longer string.
var anyRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// yamlChecker checks a Pulumi YAML program against a package schema.
type yamlChecker struct {
	schema schemaDoc
	prog   yamlProgram
	errs   []string
}

func (c *yamlChecker) errorf(format string, a ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, a...))
}

// check returns every problem found, sorted.
func (c *yamlChecker) check() []string {
	for name, r := range c.prog.Resources {
		res, ok := c.schema.Resources[r.Type]
		if !ok {
			c.errorf("resources.%s: type %q is not in the schema", name, r.Type)
			continue
		}
		props := map[string]*yaml.Node{}
		if r.Properties.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(r.Properties.Content); i += 2 {
				props[r.Properties.Content[i].Value] = r.Properties.Content[i+1]
			}
		}
		for _, req := range res.RequiredInputs {
			if _, ok := props[req]; !ok {
				c.errorf("resources.%s: required input %q of %s is missing", name, req, r.Type)
			}
		}
		for key, node := range props {
			spec, ok := res.InputProperties[key]
			if !ok {
				c.errorf("resources.%s.properties.%s: %s has no input %q", name, key, r.Type, key)
				continue
			}
			c.value("resources."+name+".properties."+key, spec, node)
		}
	}
	for name, node := range c.prog.Outputs {
		if m := wholeRef.FindStringSubmatch(node.Value); m != nil {
			if _, _, err := c.resolve(m[1]); err != nil {
				c.errorf("outputs.%s: %v", name, err)
			}
		}
	}
	sort.Strings(c.errs)
	return c.errs
}

// value checks one property value against its schema.
func (c *yamlChecker) value(path string, spec schemaProperty, node *yaml.Node) {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!str" {
		if m := wholeRef.FindStringSubmatch(node.Value); m != nil {
			got, fromResource, err := c.resolve(m[1])
			if err != nil {
				c.errorf("%s: %v", path, err)
				return
			}
			if !c.compatible(spec, got) {
				c.errorf("%s: ${%s} is %s, want %s", path, m[1], describe(got), describe(spec))
			}
			if spec.Plain && fromResource {
				c.errorf("%s: a plain input gets ${%s}, a resource output that is unknown at preview", path, m[1])
			}
			return
		}
		for _, m := range anyRef.FindAllStringSubmatch(node.Value, -1) {
			if _, _, err := c.resolve(m[1]); err != nil {
				c.errorf("%s: %v", path, err)
			}
		}
	}
	if spec.Ref != "" {
		typ, ok := c.schema.Types[strings.TrimPrefix(spec.Ref, "#/types/")]
		if !ok {
			c.errorf("%s: the schema has no type %s", path, spec.Ref)
			return
		}
		if node.Kind != yaml.MappingNode {
			c.errorf("%s: got a %s, want an object (%s)", path, kind(node), spec.Ref)
			return
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			key := node.Content[i].Value
			seen[key] = true
			field, ok := typ.Properties[key]
			if !ok {
				c.errorf("%s.%s: %s has no property %q", path, key, spec.Ref, key)
				continue
			}
			c.value(path+"."+key, field, node.Content[i+1])
		}
		for _, req := range typ.Required {
			if !seen[req] {
				c.errorf("%s: required property %q of %s is missing", path, req, spec.Ref)
			}
		}
		return
	}
	want := map[string]bool{
		"string":  node.Kind == yaml.ScalarNode && node.Tag == "!!str",
		"integer": node.Kind == yaml.ScalarNode && node.Tag == "!!int",
		"number":  node.Kind == yaml.ScalarNode && (node.Tag == "!!int" || node.Tag == "!!float"),
		"boolean": node.Kind == yaml.ScalarNode && node.Tag == "!!bool",
		"array":   node.Kind == yaml.SequenceNode,
		"object":  node.Kind == yaml.MappingNode,
	}
	if !want[spec.Type] {
		c.errorf("%s: got %s %q, want %s", path, kind(node), node.Value, describe(spec))
		return
	}
	switch spec.Type {
	case "array":
		for i, item := range node.Content {
			c.value(fmt.Sprintf("%s[%d]", path, i), *spec.Items, item)
		}
	case "object":
		if spec.AdditionalProperties != nil {
			for i := 0; i+1 < len(node.Content); i += 2 {
				c.value(path+"."+node.Content[i].Value, *spec.AdditionalProperties, node.Content[i+1])
			}
		}
	}
}

// resolve returns the type of a reference: a config key, or a resource's
// output followed by property names; fromResource reports the latter.
func (c *yamlChecker) resolve(ref string) (spec schemaProperty, fromResource bool, err error) {
	parts := strings.Split(ref, ".")
	if cfg, ok := c.prog.Config[parts[0]]; ok && len(parts) == 1 {
		return schemaProperty{Type: cfg.Type}, false, nil
	}
	r, ok := c.prog.Resources[parts[0]]
	if !ok {
		return spec, false, fmt.Errorf("${%s}: %q is neither a resource nor a config key", ref, parts[0])
	}
	if len(parts) == 1 {
		return spec, true, fmt.Errorf("${%s}: a whole resource is not a value; name one of its outputs", ref)
	}
	props := c.schema.Resources[r.Type].Properties
	owner := r.Type
	for i, name := range parts[1:] {
		p, ok := props[name]
		if !ok {
			return spec, true, fmt.Errorf("${%s}: %s has no output %q", ref, owner, name)
		}
		if i == len(parts)-2 {
			return p, true, nil
		}
		typ, ok := c.schema.Types[strings.TrimPrefix(p.Ref, "#/types/")]
		if p.Ref == "" || !ok {
			return spec, true, fmt.Errorf("${%s}: %s.%s is %s, which has no properties", ref, owner, name, describe(p))
		}
		props, owner = typ.Properties, p.Ref
	}
	return spec, true, nil
}

// compatible reports whether a value of type got can be passed where want
// is expected: the same type, or an integer where a number is.
func (c *yamlChecker) compatible(want, got schemaProperty) bool {
	if want.Ref != "" || got.Ref != "" {
		return want.Ref == got.Ref
	}
	if want.Type == "number" && got.Type == "integer" {
		return true
	}
	if want.Type != got.Type {
		return false
	}
	switch want.Type {
	case "array":
		return want.Items != nil && got.Items != nil && c.compatible(*want.Items, *got.Items)
	case "object":
		if want.AdditionalProperties == nil || got.AdditionalProperties == nil {
			return want.AdditionalProperties == got.AdditionalProperties
		}
		return c.compatible(*want.AdditionalProperties, *got.AdditionalProperties)
	}
	return true
}

// describe names a schema type: "string", "array of string", a $ref.
func describe(p schemaProperty) string {
	switch {
	case p.Ref != "":
		return p.Ref
	case p.Type == "array" && p.Items != nil:
		return "array of " + describe(*p.Items)
	case p.Type == "object" && p.AdditionalProperties != nil:
		return "map of " + describe(*p.AdditionalProperties)
	}
	return p.Type
}

// kind names a YAML node's kind for messages.
func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return strings.TrimPrefix(n.Tag, "!!")
}

// checkYAML parses a program and checks it against the golden schema.
func checkYAML(t *testing.T, program []byte) []string {
	t.Helper()
	var prog yamlProgram
	if err := yaml.Unmarshal(program, &prog); err != nil {
		t.Fatalf("parse: %v", err)
	}
	c := &yamlChecker{schema: loadSchema(t), prog: prog}
	return c.check()
}

// TestYAMLExampleMatchesSchema protects examples/yaml/Pulumi.yaml: every
// resource type is a component of the package, every property is an input
// of that component with a matching type (through ${...} references too),
// every required input is set, and every output it exports exists.
func TestYAMLExampleMatchesSchema(t *testing.T) {
	program, err := os.ReadFile(yamlExample)
	if err != nil {
		t.Fatal(err)
	}
	var prog yamlProgram
	if err := yaml.Unmarshal(program, &prog); err != nil {
		t.Fatal(err)
	}
	if len(prog.Resources) < 6 {
		t.Errorf("resources: got %d, want the example to use every wireable component", len(prog.Resources))
	}
	for _, problem := range checkYAML(t, program) {
		t.Error(problem)
	}
}

// TestYAMLCheckFindsMistakes protects the check itself: each broken
// program must be reported with the path of its mistake.
func TestYAMLCheckFindsMistakes(t *testing.T) {
	const head = "name: p\nruntime: yaml\nconfig:\n  n:\n    type: integer\nresources:\n"
	const net = "  net:\n    type: djangofargate:components:Network\n"
	for _, tc := range []struct {
		name, program, want string
	}{
		{"unknown type", head + "  x:\n    type: djangofargate:components:Cache\n", `resources.x: type "djangofargate:components:Cache" is not in the schema`},
		{"unknown property", head + net + "    properties:\n      azs: 2\n", `resources.net.properties.azs: djangofargate:components:Network has no input "azs"`},
		{"wrong literal type", head + net + "    properties:\n      azCount: two\n", `resources.net.properties.azCount: got str "two", want integer`},
		{"missing required input", head + "  db:\n    type: djangofargate:components:Database\n    properties:\n      vpcId: vpc-1\n", `resources.db: required input "subnetIds" of djangofargate:components:Database is missing`},
		{"reference of the wrong type", head + net + "  db:\n    type: djangofargate:components:Database\n    properties:\n      vpcId: ${net.publicSubnetIds}\n      subnetIds: ${net.isolatedSubnetIds}\n", `resources.db.properties.vpcId: ${net.publicSubnetIds} is array of string, want string`},
		{"unknown output", head + net + "outputs:\n  x: ${net.vpc}\n", `outputs.x: ${net.vpc}: djangofargate:components:Network has no output "vpc"`},
		{"output into a plain input", head + "  r:\n    type: djangofargate:components:Registry\n    properties:\n      image: ${r.repositoryUrl}\n", `resources.r.properties.image: a plain input gets ${r.repositoryUrl}, a resource output that is unknown at preview`},
		{"nested property", head + "  a:\n    type: djangofargate:components:Alerts\n  s:\n    type: djangofargate:components:Storage\n    properties:\n      tags:\n        team: 3\n", `resources.s.properties.tags.team: got int "3", want string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkYAML(t, []byte(tc.program))
			if !slices.Contains(got, tc.want) {
				t.Errorf("problems: got %q, want %q among them", got, tc.want)
			}
		})
	}
}
