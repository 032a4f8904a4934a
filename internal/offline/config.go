package offline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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
	// Items is the element type of an array.
	Items *struct {
		Type string `yaml:"type"`
	} `yaml:"items"`
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

// LoadProject reads dir/Pulumi.yaml, validated against the project schema
// as the Pulumi CLI validates it.
func LoadProject(dir string) (*Project, error) {
	path := filepath.Join(dir, "Pulumi.yaml")
	if _, err := workspace.LoadProject(path); err != nil {
		return nil, err
	}
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
//
// It refuses what the CLI refuses before a program runs: a key of the
// project's namespace declared with neither a default nor a value that the
// stack does not set, and a value that does not match its declared type.
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
		return cfg, p.validate(stack, cfg)
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
	if err := p.validate(stack, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// validate applies the CLI's checks of a merged stack config (pulumi/pulumi
// pkg/workspace/config.go, mergeConfig and validateStackConfigValues).
func (p *Project) validate(stack string, cfg map[string]string) error {
	keys := make([]string, 0, len(p.Config))
	for k := range p.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var missing []string
	for _, k := range keys {
		q := p.QualifiedKey(k)
		if !strings.HasPrefix(q, p.Name+":") {
			continue
		}
		v, ok := cfg[q]
		if !ok {
			missing = append(missing, "'"+k+"'")
			continue
		}
		d := p.Config[k]
		if d.Type == "" {
			continue
		}
		var content any = v
		if d.Type == "array" || d.Type == "object" {
			if err := json.Unmarshal([]byte(v), &content); err != nil {
				content = v
			}
		}
		var items *workspace.ProjectConfigItemsType
		if d.Items != nil {
			items = &workspace.ProjectConfigItemsType{Type: d.Items.Type}
		}
		if !workspace.ValidateConfigValue(d.Type, items, content) {
			return fmt.Errorf("Stack '%s' with configuration key '%s' must be of type '%s'", stack, k, d.Type)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("Stack '%s' is missing configuration value %s", stack, missing[0])
	default:
		return fmt.Errorf("Stack '%s' is missing configuration values %s and %s", stack,
			strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
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

// engineEnv serialises offline runs' use of the process environment.
var engineEnv sync.Mutex

// withEngineEnv runs run with PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS
// set to cfg and secretKeys, as the Go language host sets them in a
// program's environment (pulumi/pulumi sdk/go/pulumi-language-go/main.go,
// constructEnv; the Automation API does the same for inline programs), so a
// program that reads the whole configuration from there (to refuse keys it
// does not know) sees the offline run's. The environment is the process's:
// offline runs hold a lock while they run and restore it afterwards.
func withEngineEnv(cfg map[string]string, secretKeys []string, run func() error) error {
	engineEnv.Lock()
	defer engineEnv.Unlock()
	if cfg == nil {
		cfg = map[string]string{}
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	c, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	s, err := json.Marshal(secretKeys)
	if err != nil {
		return err
	}
	for name, v := range map[string]string{pulumi.EnvConfig: string(c), pulumi.EnvConfigSecretKeys: string(s)} {
		old, had := os.LookupEnv(name)
		if err := os.Setenv(name, v); err != nil {
			return err
		}
		defer func() {
			if had {
				os.Setenv(name, old)
			} else {
				os.Unsetenv(name)
			}
		}()
	}
	return run()
}
