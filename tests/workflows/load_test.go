// Package workflows_test reads the GitHub Actions workflows as data and
// checks what GitHub alone would otherwise prove at run time: which jobs run
// pull-request code and what they can see, that the test workflow runs the
// README's test command, how the image is built and tested, and how deploys
// hold their credentials. actionlint (scripts/test.sh) checks the syntax and
// the expressions; these tests check the intent.
package workflows_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository's root directory, found from this file.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// workflow is one file of .github/workflows, parsed.
type workflow struct {
	File        string
	Name        string    `yaml:"name"`
	On          yaml.Node `yaml:"on"`
	Permissions yaml.Node `yaml:"permissions"`
	Jobs        map[string]*job
	// JobOrder is the jobs' IDs in file order.
	JobOrder []string
}

// job is one job of a workflow. Node is the whole job, for scans of every
// value in it.
type job struct {
	ID             string
	Node           yaml.Node
	Name           string         `yaml:"name"`
	If             string         `yaml:"if"`
	Needs          yaml.Node      `yaml:"needs"`
	Environment    yaml.Node      `yaml:"environment"`
	Permissions    yaml.Node      `yaml:"permissions"`
	TimeoutMinutes yaml.Node      `yaml:"timeout-minutes"`
	Container      yaml.Node      `yaml:"container"`
	Services       map[string]any `yaml:"services"`
	Strategy       struct {
		Matrix yaml.Node `yaml:"matrix"`
	} `yaml:"strategy"`
	Uses    string    `yaml:"uses"`
	Secrets yaml.Node `yaml:"secrets"`
	Steps   []step    `yaml:"steps"`
}

// step is one step of a job.
type step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// parseWorkflow parses one workflow file's contents.
func parseWorkflow(file string, src []byte) (*workflow, error) {
	var raw struct {
		Name        string    `yaml:"name"`
		On          yaml.Node `yaml:"on"`
		Permissions yaml.Node `yaml:"permissions"`
		Jobs        yaml.Node `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(src, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	w := &workflow{File: file, Name: raw.Name, On: raw.On, Permissions: raw.Permissions, Jobs: map[string]*job{}}
	if raw.Jobs.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: no jobs mapping", file)
	}
	for i := 0; i+1 < len(raw.Jobs.Content); i += 2 {
		id := raw.Jobs.Content[i].Value
		j := &job{ID: id, Node: *raw.Jobs.Content[i+1]}
		if err := j.Node.Decode(j); err != nil {
			return nil, fmt.Errorf("%s: job %s: %w", file, id, err)
		}
		w.Jobs[id] = j
		w.JobOrder = append(w.JobOrder, id)
	}
	return w, nil
}

// loadWorkflow parses one file.
func loadWorkflow(t *testing.T, path string) *workflow {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := parseWorkflow(filepath.Base(path), src)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// loadWorkflows parses every workflow of the repository, sorted by file.
func loadWorkflows(t *testing.T) []*workflow {
	t.Helper()
	var paths []string
	for _, pattern := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(repoRoot(), ".github", "workflows", pattern))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		t.Fatal("no workflows in .github/workflows")
	}
	var out []*workflow
	for _, p := range paths {
		out = append(out, loadWorkflow(t, p))
	}
	return out
}

// workflowNamed returns the workflow in file name (e.g. "test.yml").
func workflowNamed(t *testing.T, name string) *workflow {
	t.Helper()
	path := filepath.Join(repoRoot(), ".github", "workflows", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("workflow %s: %v", name, err)
	}
	return loadWorkflow(t, path)
}

// triggers returns the names of the events the workflow runs on; on may be a
// name, a list of names or a mapping.
func (w *workflow) triggers() []string {
	var out []string
	switch w.On.Kind {
	case yaml.ScalarNode:
		out = append(out, w.On.Value)
	case yaml.SequenceNode:
		for _, n := range w.On.Content {
			out = append(out, n.Value)
		}
	case yaml.MappingNode:
		for i := 0; i < len(w.On.Content); i += 2 {
			out = append(out, w.On.Content[i].Value)
		}
	}
	return out
}

// trigger returns the configuration node of one event (nil when the
// workflow does not run on it or the event has no configuration).
func (w *workflow) trigger(name string) *yaml.Node {
	if w.On.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(w.On.Content); i += 2 {
		if w.On.Content[i].Value == name {
			return w.On.Content[i+1]
		}
	}
	return nil
}

// scalars returns every scalar (keys and values) under n, in order.
func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalars(c)...)
	}
	return out
}

// strs decodes a scalar or a sequence of scalars.
func strs(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			out = append(out, c.Value)
		}
		return out
	}
	return nil
}

// mapping returns a mapping node's value for key, or nil.
func mapping(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// matrixCombinations expands a job's strategy.matrix into its combinations
// of scalar values (include entries are added as they are; exclude is
// ignored, which only adds combinations). A job without a matrix has one
// empty combination.
func (j *job) matrixCombinations() []map[string]string {
	combos := []map[string]string{{}}
	m := &j.Strategy.Matrix
	if m.Kind != yaml.MappingNode {
		return combos
	}
	onlyInclude := true
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k != "include" && k != "exclude" {
			onlyInclude = false
		}
	}
	if onlyInclude {
		// A matrix of include entries alone has exactly those combinations.
		combos = nil
	}
	var include []map[string]string
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i].Value, m.Content[i+1]
		switch key {
		case "include":
			for _, e := range val.Content {
				var inc map[string]string
				if e.Decode(&inc) == nil {
					include = append(include, inc)
				}
			}
			continue
		case "exclude":
			continue
		}
		var next []map[string]string
		for _, c := range combos {
			for _, v := range strs(val) {
				n := map[string]string{key: v}
				for k, x := range c {
					n[k] = x
				}
				next = append(next, n)
			}
		}
		combos = next
	}
	return append(combos, include...)
}

var matrixRef = regexp.MustCompile(`\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}`)

// environments returns the names of the GitHub environments the job runs
// in, one per matrix combination, and the names it cannot decide (an
// expression other than a matrix value).
func (j *job) environments() (names, undecidable []string) {
	raw := ""
	switch j.Environment.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		raw = j.Environment.Value
	case yaml.MappingNode:
		if n := mapping(&j.Environment, "name"); n != nil {
			raw = n.Value
		}
	}
	for _, c := range j.matrixCombinations() {
		name := matrixRef.ReplaceAllStringFunc(raw, func(s string) string {
			k := matrixRef.FindStringSubmatch(s)[1]
			if v, ok := c[k]; ok {
				return v
			}
			return s
		})
		if strings.Contains(name, "${{") || name == "" {
			undecidable = append(undecidable, raw)
			continue
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, undecidable
}

// permission returns the job's permission for scope ("id-token",
// "contents", ...): the job's own permissions block when it has one, else
// the workflow's. write-all and read-all apply to every scope. The empty
// string means none was granted explicitly (GitHub's default token
// permissions, which never include id-token).
func (w *workflow) permission(j *job, scope string) string {
	p := &j.Permissions
	if p.Kind == 0 {
		p = &w.Permissions
	}
	switch p.Kind {
	case yaml.ScalarNode:
		switch p.Value {
		case "write-all":
			return "write"
		case "read-all":
			return "read"
		}
	case yaml.MappingNode:
		if n := mapping(p, scope); n != nil {
			return n.Value
		}
	}
	return ""
}

// jobsInOrder returns the workflow's jobs in file order.
func (w *workflow) jobsInOrder() []*job {
	var out []*job
	for _, id := range w.JobOrder {
		out = append(out, w.Jobs[id])
	}
	return out
}

// stepsUsing returns the job's steps that use the action repo (owner/name,
// without the ref).
func (j *job) stepsUsing(repo string) []step {
	var out []step
	for _, s := range j.Steps {
		if actionRepo(s.Uses) == repo {
			out = append(out, s)
		}
	}
	return out
}

// actionRepo is owner/name of a uses: value ("" for local or docker ones).
func actionRepo(uses string) string {
	if uses == "" || strings.HasPrefix(uses, "./") || strings.HasPrefix(uses, "docker://") {
		return ""
	}
	name, _, _ := strings.Cut(uses, "@")
	parts := strings.Split(name, "/")
	if len(parts) < 2 {
		return name
	}
	return parts[0] + "/" + parts[1]
}

// yamlNode is a short name for the parsed YAML node.
type yamlNode = yaml.Node
