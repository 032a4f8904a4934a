package registry

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// immutableECR stands in for ECR with imageTagMutability IMMUTABLE and for the
// engine's state between deployments. A push of a tag the repository already
// holds is refused, as ECR refuses it (ECR user guide, "Preventing image tags
// from being overwritten": ImageTagAlreadyExistsException). The docker
// provider (v4) builds and pushes whenever a docker.Image is created or any
// of its inputs differ from the previous deployment's.
type immutableECR struct {
	mu     sync.Mutex
	tags   map[string]string    // tag -> digest
	state  resource.PropertyMap // the docker.Image's inputs after the last deployment; nil when none
	seen   resource.PropertyMap // this deployment's docker.Image inputs
	pushes []string
}

const fakeRepoURL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app-repository-1234567"

func (e *immutableECR) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := args.Inputs.Copy()
	switch args.TypeToken {
	case typeRepo:
		out["name"] = resource.NewStringProperty("app-repository-1234567")
		out["repositoryUrl"] = resource.NewStringProperty(fakeRepoURL)
		out["arn"] = resource.NewStringProperty("arn:aws:ecr:us-east-1:123456789012:repository/app-repository-1234567")
		out["registryId"] = resource.NewStringProperty("123456789012")
	case typeImage:
		e.seen = args.Inputs
		if e.state == nil || !e.state.DeepEquals(args.Inputs) {
			name := args.Inputs["imageName"].StringValue()
			tag := name[strings.LastIndex(name, ":")+1:]
			if _, exists := e.tags[tag]; exists {
				return "", nil, fmt.Errorf("ImageTagAlreadyExistsException: The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable", tag, "app-repository-1234567")
			}
			digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(fmt.Sprint(len(e.pushes), tag))))
			e.tags[tag] = digest
			e.pushes = append(e.pushes, tag)
		}
		name := args.Inputs["imageName"].StringValue()
		out["repoDigest"] = resource.NewStringProperty(fakeRepoURL + "@" + e.tags[name[strings.LastIndex(name, ":")+1:]])
	}
	return args.Name + "-id", out, nil
}

func (e *immutableECR) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": "123456789012"}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": "us-east-1"}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com"}), nil
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		return resource.NewPropertyMapFromMap(map[string]any{"userName": "AWS", "password": "token"}), nil
	case "aws:ecr/getImage:getImage":
		tag := args.Args["imageTag"].StringValue()
		if d, ok := e.tags[tag]; ok {
			return resource.NewPropertyMapFromMap(map[string]any{"imageDigest": d, "imageTag": tag,
				"imageTags": []any{tag}, "imageUri": fakeRepoURL + "@" + d, "repositoryName": args.Args["repositoryName"].StringValue()}), nil
		}
		return nil, fmt.Errorf("reading ECR Images: ImageNotFoundException: The image with imageId {imageDigest:'null', imageTag:'%s'} does not exist within the repository", tag)
	}
	return nil, fmt.Errorf("no answer for %s", args.Token)
}

// deploy runs one `pulumi up` of a Registry building dir against the stand-in.
func (e *immutableECR) deploy(t *testing.T, dir string) (string, error) {
	t.Helper()
	e.seen = nil
	var uri string
	var mu sync.Mutex
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		r, err := components.NewRegistry(ctx, "app", &components.RegistryArgs{Context: dir})
		if err != nil {
			return err
		}
		r.ImageURI.ApplyT(func(s string) string { mu.Lock(); uri = s; mu.Unlock(); return s })
		return nil
	}, pulumi.WithMocks(testutil.Project, "test", e))
	if err == nil {
		e.state = e.seen // the engine keeps what this deployment registered
	}
	return uri, err
}

// TestRevertDeploys protects issue 12 item 4: deploying A, then B, then A
// again (a git revert) must succeed against a registry that refuses to
// overwrite a tag, and the revert must run A's image again without a new
// push (every push is a new tag or none at all).
func TestRevertDeploys(t *testing.T) {
	files := func(v string) map[string]string {
		return map[string]string{"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", "app.py": "VERSION = " + v + "\n"}
	}
	a, b := writeContext(t, files("'A'")), writeContext(t, files("'B'"))
	ecr := &immutableECR{tags: map[string]string{}}
	uriA, err := ecr.deploy(t, a)
	if err != nil {
		t.Fatalf("deploy A: %v", err)
	}
	if _, err := ecr.deploy(t, b); err != nil {
		t.Fatalf("deploy B: %v", err)
	}
	uriRevert, err := ecr.deploy(t, a)
	if err != nil {
		t.Fatalf("deploy A again (revert): %v", err)
	}
	if uriRevert != uriA || !strings.HasPrefix(uriRevert, fakeRepoURL+":src-") {
		t.Errorf("revert image: got %q, want A's image by its immutable content tag %q", uriRevert, uriA)
	}
	if _, err := ecr.deploy(t, a); err != nil {
		t.Fatalf("deploy A a fourth time (no change): %v", err)
	}
	// The same content from another checkout (CI's path, not the laptop's):
	// the docker provider sees a new context and would rebuild and push the
	// existing tag.
	if uri, err := ecr.deploy(t, writeContext(t, files("'A'"))); err != nil || uri != uriA {
		t.Fatalf("deploy A from another checkout: got %q, %v, want %q", uri, err, uriA)
	}
	if len(ecr.pushes) != 2 {
		t.Errorf("pushes: got %v, want one per new content (A, B)", ecr.pushes)
	}
}

// TestTagIgnoresUmask protects issue 12 item 4: a checkout under umask 002
// (a laptop) and under 022 (CI) must give the same tag, or the same commit
// rolls out twice. Only the executable bit is hashed; the Dockerfile's COPY
// normalises the other bits, so the image does not depend on them either.
func TestTagIgnoresUmask(t *testing.T) {
	tree := func(umask int) string {
		old := syscall.Umask(umask)
		defer syscall.Umask(old)
		dir := t.TempDir()
		for rel, exec := range map[string]bool{"Dockerfile": false, "app/settings.py": false, "bin/start.sh": true} {
			p := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
				t.Fatal(err)
			}
			mode := os.FileMode(0o666)
			if exec {
				mode = 0o777
			}
			// Create the file the way git checks it out: open with mode, umask applied.
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, mode)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("x\n")
			f.Close()
		}
		return dir
	}
	laptop, ci := tree(0o002), tree(0o022)
	tagOf := func(dir string) string {
		tag, err := components.ContentTag(dir, "Dockerfile", "linux/amd64", nil)
		if err != nil {
			t.Fatal(err)
		}
		return tag
	}
	if l, c := tagOf(laptop), tagOf(ci); l != c {
		t.Errorf("tags under umask 002 and 022: got %s and %s, want one tag", l, c)
	}
}

// TestDockerfileNormalisesModes protects the other half of TestTagIgnoresUmask:
// BuildKit's COPY keeps the context's permission bits (Dockerfile reference,
// COPY --chmod), so the app's Dockerfile must set them itself, or two
// checkouts with the same tag would give images that differ.
func TestDockerfileNormalisesModes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "app", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	copies := regexp.MustCompile(`(?m)^COPY\s+((?:--\S+\s+)*)\.\s+\.\s*$`).FindAllStringSubmatch(string(b), -1)
	if len(copies) != 1 {
		t.Fatalf("COPY of the build context: got %d, want 1", len(copies))
	}
	if got := copies[0][1]; !regexp.MustCompile(`--chmod=u=rwX,go=rX\b`).MatchString(got) {
		t.Errorf("COPY of the build context: got flags %q, want --chmod=u=rwX,go=rX", got)
	}
}
