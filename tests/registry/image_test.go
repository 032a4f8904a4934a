package registry

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The image is built from the context's Dockerfile for the architecture's
// platform with BuildKit, pushed to the repository with ECR credentials
// whose password stays secret, and ImageURI is its repo digest.
func TestImageBuildInputs(t *testing.T) {
	ctxDir := writeContext(t, baseFiles)
	withSubdir := writeContext(t, map[string]string{"docker/web.Dockerfile": "FROM scratch\n", "main.py": ""})
	for _, tc := range []struct {
		name, context, dockerfile, arch string
		buildArgs                       map[string]string
		wantDockerfile, wantPlatform    string
	}{
		{"x86_64 default", ctxDir, "", "", nil, filepath.Join(ctxDir, "Dockerfile"), "linux/amd64"},
		{"arm64", ctxDir, "", "arm64", nil, filepath.Join(ctxDir, "Dockerfile"), "linux/arm64"},
		{"dockerfile in a subdirectory", withSubdir, "docker/web.Dockerfile", "x86_64",
			map[string]string{"PYTHON_VERSION": "3.12"}, filepath.Join(withSubdir, "docker", "web.Dockerfile"), "linux/amd64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, components.RegistryArgs{
				Context: tc.context, Dockerfile: tc.dockerfile, Architecture: tc.arch, BuildArgs: tc.buildArgs,
			})
			img := testutil.One(t, res, typeImage)
			repo := testutil.One(t, res, typeRepo)
			comp := testutil.One(t, res, typeRegistry)
			repoURL, _ := repo.Output("repositoryUrl").(string)
			host, _, _ := strings.Cut(repoURL, "/")
			tag, _ := res.Exports["imageTag"].(string)

			for _, c := range []struct {
				path string
				want any
			}{
				{"build.context", tc.context},
				{"build.dockerfile", tc.wantDockerfile},
				{"build.platform", tc.wantPlatform},
				{"build.builderVersion", "BuilderBuildKit"},
				{"skipPush", false},
				{"buildOnPreview", false},
				{"imageName", repoURL + ":" + tag},
				{"registry.server", host},
				{"registry.username", "AWS"},
				{"registry.password", "offline-ecr-token"},
			} {
				if got := img.Input(c.path); got != c.want {
					t.Errorf("image %s: got %v, want %v", c.path, got, c.want)
				}
			}
			if !strings.HasPrefix(tag, "src-") || len(tag) != len("src-")+32 {
				t.Errorf("image tag: got %q, want src-<32 hex>", tag)
			}
			for k, v := range tc.buildArgs {
				if got := img.Input("build.args." + k); got != v {
					t.Errorf("image build arg %s: got %v, want %v", k, got, v)
				}
			}
			if img.Parent != comp.URN {
				t.Errorf("image parent: got %s, want %s", img.Parent, comp.URN)
			}
			// The password must reach the provider as a secret, or it lands
			// in the state file in clear text.
			reg := img.Inputs["registry"]
			if !reg.IsObject() {
				t.Fatalf("image registry input: got %v, want an object", reg)
			}
			if pw := reg.ObjectValue()["password"]; !pw.IsSecret() {
				t.Errorf("image registry.password secret: got %v, want a secret", pw)
			}
			// ImageURI pins the image by its content tag, immutable in the
			// repository, and is the image's name, so whatever runs it
			// waits for the push.
			if got, want := res.Exports["imageUri"], img.Input("imageName"); got != want || got != repoURL+":"+tag {
				t.Errorf("imageUri: got %v, want the image's imageName %v (%s:%s)", got, want, repoURL, tag)
			}
		})
	}
}

// The tag is derived from the build's content: identical contexts give the
// same tag (no rebuild, no push); any change to what Docker would build
// from gives a new tag (immutable tags need one); changes to files that
// .dockerignore keeps out of the context do not.
func TestImageTagFollowsContent(t *testing.T) {
	baseline := imageTag(t, run(t, components.RegistryArgs{Context: writeContext(t, baseFiles)}))
	with := func(changes map[string]string) map[string]string {
		files := maps.Clone(baseFiles)
		maps.Copy(files, changes)
		return files
	}
	for _, tc := range []struct {
		name        string
		files       map[string]string
		mutate      func(t *testing.T, dir string)
		args        func(a *components.RegistryArgs)
		wantChanged bool
	}{
		{name: "identical context", files: baseFiles},
		{name: "a file's bytes change", files: with(map[string]string{"app/settings.py": "DEBUG = True\n"}), wantChanged: true},
		{name: "a file is added", files: with(map[string]string{"app/views.py": "x = 1\n"}), wantChanged: true},
		{name: "an empty file is added", files: with(map[string]string{"README": ""}), wantChanged: true},
		{name: "a file is removed", files: baseFiles, mutate: remove("manage.py"), wantChanged: true},
		{name: "a file is renamed", files: baseFiles, mutate: rename("manage.py", "manage2.py"), wantChanged: true},
		{name: "a file becomes executable", files: baseFiles, mutate: chmod("manage.py", 0o755), wantChanged: true},
		{name: "the Dockerfile changes", files: with(map[string]string{"Dockerfile": "FROM python:3.13-slim\nCOPY . /app\nUSER 10001\n"}), wantChanged: true},
		{name: "the .dockerignore changes", files: with(map[string]string{".dockerignore": ".env\n"}), wantChanged: true},
		{name: "the platform changes", files: baseFiles, args: func(a *components.RegistryArgs) { a.Architecture = "arm64" }, wantChanged: true},
		{name: "a build arg is added", files: baseFiles, args: func(a *components.RegistryArgs) { a.BuildArgs = map[string]string{"V": "1"} }, wantChanged: true},
		{name: "an ignored file changes", files: with(map[string]string{".env": "SECRET=1\n"})},
		{name: "a file matching an ignore pattern is added", files: with(map[string]string{"cache.pyc": "\x00\x01"})},
		// Docker anchors patterns at the context root: "*.pyc" does not
		// match app/cache.pyc (that needs "**/*.pyc"), so Docker sends it.
		{name: "a file the pattern does not reach is added", files: with(map[string]string{"app/cache.pyc": "\x00\x01"}), wantChanged: true},
		{name: "a file in an ignored directory changes", files: with(map[string]string{"node_modules/x.js": "changed\n"})},
		{name: "a file in an ignored directory is added", files: with(map[string]string{"node_modules/deep/y.js": "new\n"})},
		{name: "a re-included file in an ignored directory changes", files: with(map[string]string{"node_modules/keep.txt": "kept\n"}), wantChanged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeContext(t, tc.files)
			if tc.mutate != nil {
				tc.mutate(t, dir)
			}
			args := components.RegistryArgs{Context: dir}
			if tc.args != nil {
				tc.args(&args)
			}
			got := imageTag(t, run(t, args))
			if changed := got != baseline; changed != tc.wantChanged {
				t.Errorf("tag changed: got %v (tag %s, baseline %s), want %v", changed, got, baseline, tc.wantChanged)
			}
		})
	}
}

// The tag depends on content only: not on where the context lives, and not
// on file timestamps.
func TestImageTagIgnoresLocationAndTime(t *testing.T) {
	a := writeContext(t, baseFiles)
	b := writeContext(t, baseFiles)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(b, "manage.py"), old, old); err != nil {
		t.Fatal(err)
	}
	tagA, err := components.ContentTag(a, "Dockerfile", "linux/amd64", nil)
	if err != nil {
		t.Fatal(err)
	}
	tagB, err := components.ContentTag(b, "Dockerfile", "linux/amd64", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tagA != tagB {
		t.Errorf("tags of identical contexts in %s and %s: got %s and %s, want equal", a, b, tagA, tagB)
	}
}

// A prebuilt image is used as given: nothing is built or pushed, and the
// repository and its lifecycle policy are still created for CI to push to.
func TestPrebuiltImage(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		ref, wantTag string
	}{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1.2.3", "v1.2.3"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/app@" + digest, ""},
		{"ghcr.io/team/django-api:2024-06-01@" + digest, "2024-06-01"},
		{"ghcr.io/team/django-api:latest@" + digest, "latest"},
		{"localhost:5000/app:dev", "dev"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			res := run(t, components.RegistryArgs{Image: tc.ref})
			if n := len(res.ByType(typeImage)); n != 0 {
				t.Errorf("docker images: got %d, want 0", n)
			}
			testutil.One(t, res, typeRepo)
			testutil.One(t, res, typeLifecycle)
			if got := res.Exports["imageUri"]; got != tc.ref {
				t.Errorf("imageUri: got %v, want %v", got, tc.ref)
			}
			if got := res.Exports["imageTag"]; got != tc.wantTag {
				t.Errorf("imageTag: got %v, want %q", got, tc.wantTag)
			}
		})
	}
}

func remove(rel string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Remove(filepath.Join(dir, rel)); err != nil {
			t.Fatal(err)
		}
	}
}

func rename(from, to string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
			t.Fatal(err)
		}
	}
}

func chmod(rel string, mode os.FileMode) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Chmod(filepath.Join(dir, rel), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// Docker always sends the Dockerfile and the .dockerignore, even when the
// .dockerignore lists them, so their changes still change the tag.
func TestImageTagBuildFilesIgnored(t *testing.T) {
	ignoring := map[string]string{
		"Dockerfile":    "FROM python:3.12-slim\nCOPY . /app\n",
		".dockerignore": "Dockerfile\n.dockerignore\n",
		"manage.py":     "",
	}
	with := func(rel, content string) map[string]string {
		files := maps.Clone(ignoring)
		files[rel] = content
		return files
	}
	for _, tc := range []struct {
		name        string
		other       map[string]string
		wantChanged bool
	}{
		{"nothing changes", ignoring, false},
		{"an ignored Dockerfile changes", with("Dockerfile", "FROM python:3.13-slim\nCOPY . /app\n"), true},
		{"a self-ignoring .dockerignore changes", with(".dockerignore", "Dockerfile\n.dockerignore\n# note\n"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := imageTag(t, run(t, components.RegistryArgs{Context: writeContext(t, ignoring)}))
			b := imageTag(t, run(t, components.RegistryArgs{Context: writeContext(t, tc.other)}))
			if changed := a != b; changed != tc.wantChanged {
				t.Errorf("tag changed: got %v (%s, %s), want %v", changed, a, b, tc.wantChanged)
			}
		})
	}
}

// In a preview nothing is built (buildOnPreview is false), but the image is
// registered with the same name, so a preview shows whether the app changed.
func TestImagePreview(t *testing.T) {
	dir := writeContext(t, baseFiles)
	program := func(ctx *pulumi.Context) error {
		_, err := components.NewRegistry(ctx, "app", &components.RegistryArgs{Context: dir})
		return err
	}
	preview, err := offline.Run(program, offline.Options{Project: testutil.Project, Stack: "test", Preview: true,
		Config: map[string]string{"aws:region": "us-east-1"}})
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	up := testutil.Run(t, program)
	got := testutil.One(t, preview, typeImage).InputString("imageName")
	want := testutil.One(t, up, typeImage).InputString("imageName")
	if got != want || got == "" {
		t.Errorf("preview imageName: got %q, want %q (as in an update)", got, want)
	}
}

// A context reached through a symlink is hashed by what it points to, so a
// change inside it still changes the tag.
func TestImageTagThroughSymlink(t *testing.T) {
	target := writeContext(t, baseFiles)
	link := filepath.Join(t.TempDir(), "app")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	direct := imageTag(t, run(t, components.RegistryArgs{Context: target}))
	linked := imageTag(t, run(t, components.RegistryArgs{Context: link}))
	if linked != direct {
		t.Errorf("tag through the symlink: got %s, want %s (the target's)", linked, direct)
	}
	if err := os.WriteFile(filepath.Join(target, "manage.py"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed := imageTag(t, run(t, components.RegistryArgs{Context: link})); changed == linked {
		t.Errorf("tag through the symlink after a change: got %s unchanged, want a new tag", changed)
	}
}

// TestImageReferenceKnownAtPreview protects issue 15 item 4: in a real first
// preview (offline: Options.Unknowns) the repository URL output and the
// image's digest are unknown, yet ImageURI is known and the same as after the
// update, so a task definition built from it can be judged on a pull
// request's preview.
func TestImageReferenceKnownAtPreview(t *testing.T) {
	dir := writeContext(t, baseFiles)
	program := func(ctx *pulumi.Context) error {
		r, err := components.NewRegistry(ctx, "app", &components.RegistryArgs{Context: dir})
		if err != nil {
			return err
		}
		ctx.Export("imageUri", r.ImageURI)
		ctx.Export("repositoryUrl", r.Repository.RepositoryUrl)
		return nil
	}
	opts := offline.Options{Project: testutil.Project, Stack: "test", Preview: true, Unknowns: true,
		Config: map[string]string{"aws:region": "us-east-1"}}
	preview, err := offline.Run(program, opts)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	opts.Unknowns = false
	up, err := offline.Run(program, opts)
	if err != nil {
		t.Fatalf("resolved: %v", err)
	}
	if got := preview.Exports["repositoryUrl"]; got != offline.UnknownValue {
		t.Errorf("preview repositoryUrl: got %v, want unknown (ECR computes it)", got)
	}
	if got, want := preview.Exports["imageUri"], up.Exports["imageUri"]; got != want || got == offline.UnknownValue {
		t.Errorf("preview imageUri: got %v, want %v (known, as after the update)", got, want)
	}
	if digest := testutil.One(t, preview, typeImage).Outputs["repoDigest"]; !digest.IsComputed() {
		t.Errorf("preview repoDigest: got %v, want unknown until the push", digest)
	}
}
