package registry

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A bad argument fails before anything is registered, with an error that
// names the component, the field and the problem; Validate reports the same.
func TestValidationErrors(t *testing.T) {
	ctxDir := writeContext(t, baseFiles)
	noDockerfile := writeContext(t, map[string]string{"manage.py": ""})
	dirDockerfile := writeContext(t, map[string]string{"Dockerfile/x": ""})
	missing := filepath.Join(t.TempDir(), "nope")
	regular := filepath.Join(ctxDir, "manage.py")
	const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"
	for _, tc := range []struct {
		name  string
		args  components.RegistryArgs
		field string
		want  string // a phrase the reason must contain
	}{
		{"no context and no image", components.RegistryArgs{}, "context", "no build context"},
		{"context does not exist", components.RegistryArgs{Context: missing}, "context", missing + `": no such file or directory`},
		{"context is a file", components.RegistryArgs{Context: regular}, "context", "is not a directory"},
		{"no Dockerfile in the context", components.RegistryArgs{Context: noDockerfile}, "dockerfile", `no Dockerfile at "` + filepath.Join(noDockerfile, "Dockerfile")},
		{"named Dockerfile missing", components.RegistryArgs{Context: ctxDir, Dockerfile: "web.Dockerfile"}, "dockerfile", "no Dockerfile at"},
		{"Dockerfile is a directory", components.RegistryArgs{Context: dirDockerfile}, "dockerfile", "is not a regular file"},
		{"Dockerfile outside the context", components.RegistryArgs{Context: ctxDir, Dockerfile: "../Dockerfile"}, "dockerfile", "must be a path inside the build context"},
		{"absolute Dockerfile", components.RegistryArgs{Context: ctxDir, Dockerfile: filepath.Join(ctxDir, "Dockerfile")}, "dockerfile", "must be a path inside the build context"},
		{"unknown architecture", components.RegistryArgs{Context: ctxDir, Architecture: "amd64"}, "architecture", `"amd64" is not an architecture; use "x86_64" or "arm64"`},
		{"upper-case architecture", components.RegistryArgs{Context: ctxDir, Architecture: "ARM64"}, "architecture", "is not an architecture"},
		{"imagesKept negative", components.RegistryArgs{Context: ctxDir, ImagesKept: -1}, "imagesKept", "-1 is out of range; keep 1 to 1000"},
		{"imagesKept above 1000", components.RegistryArgs{Context: ctxDir, ImagesKept: 1001}, "imagesKept", "1001 is out of range"},
		{"name upper-case", components.RegistryArgs{Context: ctxDir, Name: "Django"}, "name", "is not an ECR repository name"},
		{"name with a double dot", components.RegistryArgs{Context: ctxDir, Name: "a..b"}, "name", "is not an ECR repository name"},
		{"name with a trailing slash", components.RegistryArgs{Context: ctxDir, Name: "team/"}, "name", "is not an ECR repository name"},
		{"name too short", components.RegistryArgs{Context: ctxDir, Name: "a"}, "name", "an ECR repository name has 2 to 256"},
		{"name too long", components.RegistryArgs{Context: ctxDir, Name: strings.Repeat("a", 257)}, "name", "an ECR repository name has 2 to 256"},
		{"image and context both", components.RegistryArgs{Context: ctxDir, Image: ecr + ":v1"}, "image", "not both"},
		{"image with build args", components.RegistryArgs{Image: ecr + ":v1", BuildArgs: map[string]string{"A": "b"}}, "image", "a prebuilt image is not built"},
		{"image :latest", components.RegistryArgs{Image: ecr + ":latest"}, "image", `moving tag "latest", which cannot roll back`},
		{"image without tag or digest", components.RegistryArgs{Image: ecr}, "image", "neither a tag nor a digest"},
		{"image without registry", components.RegistryArgs{Image: "team/app:v1"}, "image", "has no registry host"},
		{"image short name", components.RegistryArgs{Image: "app:v1"}, "image", "is not a full image reference"},
		{"image with a short digest", components.RegistryArgs{Image: ecr + "@sha256:abc"}, "image", "is not a full image reference"},
		{"image upper-case path", components.RegistryArgs{Image: "ghcr.io/Team/app:v1"}, "image", "is not a full image reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := runErr(tc.args)
			testutil.AssertRefused(t, res, err, "Registry", "app", tc.field, tc.want)
			var fe *components.FieldError
			if verr := tc.args.Validate(); !errors.As(verr, &fe) || fe.Field != tc.field {
				t.Errorf("Validate: got %v, want a *FieldError for %s", verr, tc.field)
			}
		})
	}
}

// Pulumi auto-names the repository "<component>-repository-<7 hex>" without
// lowercasing it, which AWS would reject at deploy time; refuse it early.
func TestAutoNameMustBeLowercase(t *testing.T) {
	ctxDir := writeContext(t, baseFiles)
	for _, tc := range []struct {
		component, repoName string
		wantErr             bool
	}{
		{"app", "", false},
		{"MyApp", "", true},
		{"MyApp", "my-app", false},
		{strings.Repeat("a", 236), "", false}, // 236 + len("-repository") = 247
		{strings.Repeat("a", 237), "", true},
	} {
		t.Run(tc.component[:min(len(tc.component), 12)]+"/"+tc.repoName, func(t *testing.T) {
			res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
				_, err := components.NewRegistry(ctx, tc.component, &components.RegistryArgs{Context: ctxDir, Name: tc.repoName})
				return err
			})
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "name: the auto-name") {
					t.Errorf("error: got %q, want it to name the auto-name", err)
				}
				if n := len(res.Resources); n != 0 {
					t.Errorf("resources registered: got %d, want 0", n)
				}
			}
		})
	}
}

// A relative context resolves against the project directory, and the
// docker.Image receives a path relative to it even when the caller passes an
// absolute one: the provider diffs these strings, so an absolute path would
// rebuild an unchanged app whenever it is deployed from another checkout.
func TestContextRelativeToProject(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "app")
	for rel, content := range baseFiles {
		p := filepath.Join(app, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := writeContext(t, baseFiles)
	for _, tc := range []struct {
		name, root, context, wantContext string
	}{
		{"relative to the project", root, "app", "app"},
		{"absolute inside the project", root, app, "app"},
		{"relative with a trailing slash", root, "./app/", "app"},
		{"the project itself", app, app, "."},
		{"absolute outside the project", root, outside, outside},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := offline.Run(func(ctx *pulumi.Context) error {
				_, err := components.NewRegistry(ctx, "app", &components.RegistryArgs{Context: tc.context})
				return err
			}, offline.Options{Project: testutil.Project, Stack: "test", RootDirectory: tc.root,
				Config: map[string]string{"aws:region": "us-east-1"}})
			if err != nil {
				t.Fatalf("offline run: %v", err)
			}
			img := testutil.One(t, res, typeImage)
			if got := img.Input("build.context"); got != tc.wantContext {
				t.Errorf("build.context: got %v, want %v", got, tc.wantContext)
			}
			if got, want := img.Input("build.dockerfile"), filepath.Join(tc.wantContext, "Dockerfile"); got != want {
				t.Errorf("build.dockerfile: got %v, want %v", got, want)
			}
		})
	}
}

// Without a project directory, a relative context resolves against the
// working directory and is passed on as given.
func TestRelativeContextWithoutProject(t *testing.T) {
	dir := writeContext(t, baseFiles)
	t.Chdir(filepath.Dir(dir))
	res := run(t, components.RegistryArgs{Context: filepath.Base(dir) + "/"})
	img := testutil.One(t, res, typeImage)
	if got, want := img.Input("build.context"), filepath.Base(dir); got != want {
		t.Errorf("build.context: got %v, want %v", got, want)
	}
	if got, want := img.Input("build.dockerfile"), filepath.Join(filepath.Base(dir), "Dockerfile"); got != want {
		t.Errorf("build.dockerfile: got %v, want %v", got, want)
	}
}
