// Package registry tests the Registry component: the ECR repository and its
// lifecycle policy, the docker.Image build and push, the content-derived
// image tag, prebuilt images, and argument validation.
package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource type tokens.
const (
	typeRegistry  = "djangofargate:components:Registry"
	typeRepo      = "aws:ecr/repository:Repository"
	typeLifecycle = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	typeImage     = "docker:index/image:Image"
)

// baseFiles is a minimal app: a Dockerfile, some code, and a .dockerignore.
var baseFiles = map[string]string{
	"Dockerfile":        "FROM python:3.12-slim\nCOPY . /app\nUSER 10001\n",
	".dockerignore":     "# local only\n.env\n*.pyc\nnode_modules\n!node_modules/keep.txt\n",
	"manage.py":         "print('manage')\n",
	"app/settings.py":   "DEBUG = False\n",
	"app/__init__.py":   "",
	"node_modules/x.js": "ignored\n",
}

// writeContext writes files (relative path -> content) into a new temporary
// directory and returns it.
func writeContext(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run creates one Registry named "app" offline, exporting its outputs.
func run(t *testing.T, args components.RegistryArgs) *offline.Result {
	t.Helper()
	res, err := runErr(args)
	if err != nil {
		t.Fatalf("offline run: %v", err)
	}
	return res
}

func runErr(args components.RegistryArgs) (*offline.Result, error) {
	return testutil.RunErr(func(ctx *pulumi.Context) error {
		r, err := components.NewRegistry(ctx, "app", &args)
		if err != nil {
			return err
		}
		testutil.ExportOutputs(ctx, r)
		return nil
	})
}

// imageTag returns the tag of the registered docker.Image's imageName.
func imageTag(t *testing.T, res *offline.Result) string {
	t.Helper()
	name := testutil.One(t, res, typeImage).InputString("imageName")
	i := strings.LastIndex(name, ":")
	if i < 0 {
		t.Fatalf("imageName %q has no tag", name)
	}
	return name[i+1:]
}
