package offline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Project is the part of a Pulumi.yaml that the offline engine reads.
type Project struct {
	Name   string                   `yaml:"name"`
	Config map[string]ConfigDeclare `yaml:"config"`
}

// ConfigDeclare is one entry of a Pulumi.yaml config block: either a typed
// declaration (type, default, description) or a plain project-wide value.
type ConfigDeclare struct {
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
	Default     any    `yaml:"default"`
	Secret      bool   `yaml:"secret"`
	// Value is set when the entry is a plain value rather than a declaration
	// (for example `aws:region: us-east-1`).
	Value any `yaml:"-"`
}

// UnmarshalYAML accepts both the declaration form and the plain-value form.
func (d *ConfigDeclare) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		type plain ConfigDeclare
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		if p.Type != "" || p.Description != "" || p.Default != nil {
			*d = ConfigDeclare(p)
			return nil
		}
	}
	return n.Decode(&d.Value)
}

// HasValue reports whether the entry supplies a value (a default or a plain value).
func (d ConfigDeclare) HasValue() bool { return d.Default != nil || d.Value != nil }

func (d ConfigDeclare) value() any {
	if d.Value != nil {
		return d.Value
	}
	return d.Default
}

// LoadProject reads dir/Pulumi.yaml.
func LoadProject(dir string) (*Project, error) {
	path := filepath.Join(dir, "Pulumi.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read project file: %w", err)
	}
	var p Project
	if err := yaml.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if p.Name == "" {
		return nil, fmt.Errorf("%s: no project name", path)
	}
	return &p, nil
}

// QualifiedKey returns key in the "namespace:name" form the engine uses;
// unqualified keys belong to the project.
func (p *Project) QualifiedKey(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return p.Name + ":" + key
}

// LoadStackConfig returns the configuration `pulumi up` would give the
// program of the stack named stack in dir: the defaults and values of
// Pulumi.yaml, overlaid with Pulumi.<stack>.yaml. A stack with no file gets
// the project's defaults. Keys are fully qualified ("project:key"); values are
// strings, with objects and arrays as JSON, as the engine passes them.
func LoadStackConfig(dir, stack string) (map[string]string, error) {
	p, err := LoadProject(dir)
	if err != nil {
		return nil, err
	}
	cfg := map[string]string{}
	for k, d := range p.Config {
		if d.HasValue() {
			if cfg[p.QualifiedKey(k)], err = configString(d.value()); err != nil {
				return nil, fmt.Errorf("Pulumi.yaml: config %s: %w", k, err)
			}
		}
	}
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read stack file: %w", err)
	}
	var sf struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &sf); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	for k, v := range sf.Config {
		if m, ok := v.(map[string]any); ok && m["secure"] != nil {
			return nil, fmt.Errorf("%s: config %s is encrypted; the offline engine cannot decrypt it: override it with a plain value", path, k)
		}
		if cfg[p.QualifiedKey(k)], err = configString(v); err != nil {
			return nil, fmt.Errorf("%s: config %s: %w", path, k, err)
		}
	}
	return cfg, nil
}

// configString renders a YAML value the way the Pulumi engine hands config to
// a program: scalars as text, structures as JSON.
func configString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case nil:
		return "", nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
