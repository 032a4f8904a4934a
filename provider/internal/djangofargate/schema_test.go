package djangofargate

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// goldenSchema is the schema kept in git, next to PulumiPlugin.yaml.
const goldenSchema = "../../schema.json"

// TestSchemaMatchesGolden protects the schema users generate SDKs from: a
// change to a component's Args or outputs changes the inferred schema, and
// then provider/schema.json must be regenerated (and reviewed) with it.
func TestSchemaMatchesGolden(t *testing.T) {
	got, err := Schema(t.Context())
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	want, err := os.ReadFile(goldenSchema)
	if err != nil {
		t.Fatalf("golden schema: %v (generate it: cd provider && go generate ./...)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	line := 0
	for line < len(g) && line < len(w) && g[line] == w[line] {
		line++
	}
	at := func(l []string) string {
		if line < len(l) {
			return strings.TrimSpace(l[line])
		}
		return "(end of file)"
	}
	t.Errorf("provider/schema.json is stale: the components' Go types changed without regenerating it "+
		"(cd provider && go generate ./...); first difference at line %d: got %q, want %q", line+1, at(g), at(w))
}

// schemaDoc is the part of a package schema the tests read.
type schemaDoc struct {
	Name      string                    `json:"name"`
	Resources map[string]schemaResource `json:"resources"`
	Types     map[string]schemaType     `json:"types"`
}

type schemaResource struct {
	IsComponent     bool                      `json:"isComponent"`
	InputProperties map[string]schemaProperty `json:"inputProperties"`
	RequiredInputs  []string                  `json:"requiredInputs"`
	Properties      map[string]schemaProperty `json:"properties"`
	Required        []string                  `json:"required"`
}

type schemaType struct {
	Type       string                    `json:"type"`
	Properties map[string]schemaProperty `json:"properties"`
	Required   []string                  `json:"required"`
}

type schemaProperty struct {
	Type                 string          `json:"type"`
	Ref                  string          `json:"$ref"`
	Items                *schemaProperty `json:"items"`
	AdditionalProperties *schemaProperty `json:"additionalProperties"`
	Plain                bool            `json:"plain"`
}

// loadSchema reads the golden schema.
func loadSchema(t *testing.T) schemaDoc {
	t.Helper()
	b, err := os.ReadFile(goldenSchema)
	if err != nil {
		t.Fatal(err)
	}
	var s schemaDoc
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", goldenSchema, err)
	}
	return s
}

// TestSchemaServesEveryComponent protects the package's contents: every
// component of the Go library is a component resource of the schema, under
// the token the Go code registers, with the inputs its constructor requires.
func TestSchemaServesEveryComponent(t *testing.T) {
	s := loadSchema(t)
	if s.Name != Name {
		t.Errorf("package name: got %q, want %q", s.Name, Name)
	}
	var got []string
	for token, r := range s.Resources {
		got = append(got, token)
		if !r.IsComponent {
			t.Errorf("%s: got a custom resource, want a component", token)
		}
	}
	slices.Sort(got)
	want := []string{"Alerts", "Dashboard", "Database", "DjangoService", "Network", "Registry", "Storage"}
	for i, w := range want {
		want[i] = Name + ":components:" + w
	}
	if !slices.Equal(got, want) {
		t.Errorf("resources: got %v, want %v", got, want)
	}
	for token, required := range map[string][]string{
		Name + ":components:Database":      {"subnetIds", "vpcId"},
		Name + ":components:DjangoService": {"databaseHost", "databaseName", "databasePort", "databaseSecretArn", "imageUri", "privateSubnetIds", "publicSubnetIds", "repositoryArn", "vpcId"},
	} {
		r := s.Resources[token]
		for _, k := range required {
			if !slices.Contains(r.RequiredInputs, k) {
				t.Errorf("%s required inputs: got %v, want %s among them", token, r.RequiredInputs, k)
			}
		}
	}
}
