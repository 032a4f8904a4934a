package workflows_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// projectConfig is what the image workflow must agree with: each key's
// default from Pulumi.yaml, overridden by a stack's Pulumi.<stack>.yaml.
type projectConfig struct {
	defaults map[string]string            // key without namespace -> default
	stacks   map[string]map[string]string // stack -> "djangofargate:key" -> value
}

func loadProjectConfig(t *testing.T, dir string) projectConfig {
	t.Helper()
	var project struct {
		Config map[string]struct {
			Default any `yaml:"default"`
		} `yaml:"config"`
	}
	readYAML(t, filepath.Join(dir, "Pulumi.yaml"), &project)
	pc := projectConfig{defaults: map[string]string{}, stacks: map[string]map[string]string{}}
	for k, v := range project.Config {
		if v.Default != nil {
			pc.defaults[k] = strings.TrimSpace(strings.Trim(yamlString(v.Default), `"`))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	for _, f := range files {
		var stack struct {
			Config map[string]any `yaml:"config"`
		}
		readYAML(t, f, &stack)
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		pc.stacks[name] = map[string]string{}
		for k, v := range stack.Config {
			pc.stacks[name][k] = yamlString(v)
		}
	}
	return pc
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(src, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func yamlString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// value is a stack's setting of key, or the project's default.
func (pc projectConfig) value(stack, key string) string {
	if v, ok := pc.stacks[stack]["djangofargate:"+key]; ok {
		return v
	}
	return pc.defaults[key]
}

// wantPlatforms is the platforms the stacks that build an image deploy.
func (pc projectConfig) wantPlatforms() []string {
	var out []string
	for stack := range pc.stacks {
		if pc.value(stack, "image") != "" {
			continue
		}
		p := map[string]string{"x86_64": "linux/amd64", "arm64": "linux/arm64"}[pc.value(stack, "architecture")]
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func imagePlatforms(t *testing.T, dir string) ([]string, error) {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(repoRoot(), "scripts", "image-platforms.sh"), dir).Output()
	if err != nil {
		return nil, err
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("image-platforms.sh printed %q: %v", out, err)
	}
	return got, nil
}

// TestImagePlatformsFollowTheStacks (issue 14, item 2): the image workflow
// builds exactly the platforms the stacks deploy, arm64 included when a
// stack asks for it, as Pulumi.yaml and the stack files say.
func TestImagePlatformsFollowTheStacks(t *testing.T) {
	pc := loadProjectConfig(t, repoRoot())
	got, err := imagePlatforms(t, repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	if want := pc.wantPlatforms(); !slices.Equal(got, want) {
		t.Errorf("image-platforms.sh: got %q, want %q", got, want)
	}

	// A project with an arm64 stack, an x86_64 one by default and one that
	// deploys a prebuilt image.
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join(repoRoot(), "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Pulumi.yaml":          string(project),
		"Pulumi.graviton.yaml": "config:\n  djangofargate:architecture: arm64 # cheaper\n",
		"Pulumi.plain.yaml":    "config:\n  aws:region: eu-west-1\n",
		"Pulumi.prebuilt.yaml": "config:\n  djangofargate:architecture: \"arm64\"\n  djangofargate:image: registry.example/app@sha256:0000\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err = imagePlatforms(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := loadProjectConfig(t, dir).wantPlatforms(); !slices.Equal(got, want) || len(want) != 2 {
		t.Errorf("image-platforms.sh with an arm64 stack: got %q, want %q (both platforms)", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.bad.yaml"), []byte("config:\n  djangofargate:architecture: sparc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := imagePlatforms(t, dir); err == nil {
		t.Error("image-platforms.sh with architecture sparc: got success, want an error")
	}
}

// TestImageWorkflowBuildsAndTestsInside (issue 14, item 2): on every pull
// request the image is built with BuildKit from the stacks' build context,
// loaded and never pushed, for the platforms of image-platforms.sh (QEMU
// for any but amd64), and the app's suite runs inside it against a
// PostgreSQL service of the stacks' major version. Only GitHub runs it;
// this and actionlint are what guard it here.
func TestImageWorkflowBuildsAndTestsInside(t *testing.T) {
	w := workflowNamed(t, "image.yml")
	if !slices.Contains(w.triggers(), "pull_request") {
		t.Errorf("image.yml runs on %q, want pull_request", w.triggers())
	}
	pc := loadProjectConfig(t, repoRoot())
	for stack := range pc.stacks {
		for _, key := range []string{"appPath", "dockerfile", "dbEngineVersion"} {
			if v, ok := pc.stacks[stack]["djangofargate:"+key]; ok && v != pc.defaults[key] {
				t.Errorf("stack %s sets %s %q: image.yml builds and tests the defaults; make it follow", stack, key, v)
			}
		}
	}
	var platformsJob string
	for _, j := range w.jobsInOrder() {
		for _, s := range j.Steps {
			if strings.Contains(s.Run, "scripts/image-platforms.sh") {
				platformsJob = j.ID
			}
		}
	}
	if platformsJob == "" {
		t.Fatal("image.yml: no job runs scripts/image-platforms.sh")
	}
	built := false
	for _, j := range w.jobsInOrder() {
		builds := j.stepsUsing("docker/build-push-action")
		if len(builds) == 0 {
			continue
		}
		built = true
		b := builds[0]
		context := pc.defaults["appPath"]
		for k, want := range map[string]string{
			"push": "false", "load": "true", "context": context,
			"file": context + "/" + pc.defaults["dockerfile"], "platforms": "${{ matrix.platform }}",
		} {
			if b.With[k] != want {
				t.Errorf("image.yml: job %s builds with %s %q, want %q", j.ID, k, b.With[k], want)
			}
		}
		if m := mapping(&j.Strategy.Matrix, "platform"); m == nil || !strings.Contains(m.Value, "needs."+platformsJob+".outputs") {
			t.Errorf("image.yml: job %s: matrix.platform does not come from job %s (scripts/image-platforms.sh)", j.ID, platformsJob)
		}
		if len(j.stepsUsing("docker/setup-buildx-action")) == 0 {
			t.Errorf("image.yml: job %s builds without docker/setup-buildx-action (BuildKit)", j.ID)
		}
		qemu := j.stepsUsing("docker/setup-qemu-action")
		if len(qemu) == 0 || !strings.Contains(qemu[0].If, "linux/amd64") {
			t.Errorf("image.yml: job %s: no docker/setup-qemu-action for the platforms other than linux/amd64", j.ID)
		}
		tested := slices.IndexFunc(j.Steps, func(s step) bool {
			return strings.Contains(s.Run, "scripts/test-app-image.sh "+b.With["tags"])
		})
		if tested < 0 || tested < slices.IndexFunc(j.Steps, func(s step) bool { return s.Uses == b.Uses }) {
			t.Errorf("image.yml: job %s: no step runs scripts/test-app-image.sh %s after the build", j.ID, b.With["tags"])
		}
		pg, _ := j.Services["postgres"].(map[string]any)
		image, _ := pg["image"].(string)
		major := strings.SplitN(pc.defaults["dbEngineVersion"], ".", 2)[0]
		if image != "postgres:"+major && !strings.HasPrefix(image, "postgres:"+major+".") {
			t.Errorf("image.yml: job %s: PostgreSQL service %q, want postgres:%s (the stacks' dbEngineVersion)", j.ID, image, major)
		}
	}
	if !built {
		t.Error("image.yml: no job uses docker/build-push-action")
	}
}
