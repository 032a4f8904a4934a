package components

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CPU architectures for RegistryArgs.Architecture. The service runs its
// tasks on the same architecture (see ECSCPUArchitecture).
const (
	// ArchX86_64 builds linux/amd64 images and runs them on X86_64 Fargate.
	ArchX86_64 = "x86_64"
	// ArchARM64 builds linux/arm64 images and runs them on Graviton (ARM64)
	// Fargate, about 20% cheaper for the same vCPU and memory. Building on an
	// x86 machine needs QEMU emulation and is slow.
	ArchARM64 = "arm64"
)

// architectures maps each architecture to its Docker platform and its ECS
// runtimePlatform.cpuArchitecture.
var architectures = map[string]struct{ platform, ecs string }{
	ArchX86_64: {"linux/amd64", "X86_64"},
	ArchARM64:  {"linux/arm64", "ARM64"},
}

// ValidateArchitecture returns an error unless arch is ArchX86_64 or ArchARM64.
func ValidateArchitecture(arch string) error {
	if _, ok := architectures[arch]; !ok {
		return fmt.Errorf("%q is not an architecture; use %q or %q", arch, ArchX86_64, ArchARM64)
	}
	return nil
}

// DockerPlatform returns the Docker build platform of an architecture
// ("linux/amd64", "linux/arm64"), or "" for an unknown one.
func DockerPlatform(arch string) string { return architectures[arch].platform }

// ECSCPUArchitecture returns an architecture's ECS task definition
// runtimePlatform.cpuArchitecture ("X86_64", "ARM64"), or "" for an unknown one.
func ECSCPUArchitecture(arch string) string { return architectures[arch].ecs }

// Registry defaults and limits.
const (
	defaultImagesKept = 10
	maxImagesKept     = 1000
	// untaggedExpiryDays is how long an untagged image (a layer set whose tag
	// moved, or an aborted push) stays before the lifecycle policy expires it.
	untaggedExpiryDays = 1
)

// RegistryArgs configure a Registry. Set either Context (build the image from
// source) or Image (use a prebuilt image), not both.
type RegistryArgs struct {
	// Name is the ECR repository name. Default: auto-named
	// "<component name>-repository-<7 hex>", which must then be lowercase.
	// Changing it replaces the repository, which fails while it holds
	// images unless ForceDelete is set.
	Name string `pulumi:"name,optional"`
	// Context is the path of the Docker build context (the app directory):
	// absolute, or relative to the project directory (ctx.RootDirectory(),
	// where Pulumi.yaml is; the working directory when that is unset, and
	// always for Validate). The docker.Image gets it relative to the project
	// directory whenever it lies inside, so the build inputs are the same on
	// every machine. Required unless Image is set.
	Context string `pulumi:"context,optional"`
	// Dockerfile is the Dockerfile's path inside Context. Default "Dockerfile".
	Dockerfile string `pulumi:"dockerfile,optional"`
	// Architecture is ArchX86_64 (default) or ArchARM64: the platform the
	// image is built for. The service must run tasks on the same one.
	Architecture string `pulumi:"architecture,optional"`
	// BuildArgs are Docker build arguments (ARG values). They are part of the
	// image tag; never pass secrets here, as they stay in the image history.
	BuildArgs map[string]string `pulumi:"buildArgs,optional"`
	// Image is a prebuilt image reference, such as one a CI pipeline pushed:
	// "registry/repository:tag" or "registry/repository@sha256:<digest>".
	// When set, nothing is built or pushed. A digest is best: it pins the
	// exact image. ":latest" is refused, because a moving tag cannot roll back.
	Image string `pulumi:"image,optional"`
	// ImagesKept is how many images the lifecycle policy keeps, newest
	// first, 1 to 1000. Default 10. Older images are deleted, so a rollback
	// can only go back this many builds.
	ImagesKept int `pulumi:"imagesKept,optional"`
	// KmsKeyArn encrypts images with this KMS key instead of the default
	// AES256 (S3-managed keys). Changing encryption replaces the repository.
	KmsKeyArn pulumi.StringInput `pulumi:"kmsKeyArn,optional"`
	// ForceDelete lets `pulumi destroy` (or a replacement) delete the
	// repository with its images. Default false: a repository that holds
	// images is not deleted by accident.
	ForceDelete *bool `pulumi:"forceDelete,optional"`
	// Tags are added to the repository.
	Tags map[string]string `pulumi:"tags,optional"`
}

// Registry is an ECR repository that scans images on push, never lets a tag
// move, and expires old images; plus, unless a prebuilt image is given, the
// app image built from source with a tag derived from the source's content
// and pushed to it. ImageURI pins the image by digest.
type Registry struct {
	pulumi.ResourceState

	// RepositoryURL is "<account>.dkr.ecr.<region>.amazonaws.com/<name>".
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// RepositoryArn is the repository's ARN, for IAM policies.
	RepositoryArn pulumi.StringOutput `pulumi:"repositoryArn"`
	// RepositoryName is the repository's name.
	RepositoryName pulumi.StringOutput `pulumi:"repositoryName"`
	// ImageURI is the image the service runs: "<repository>@sha256:<digest>"
	// for a built image, or the prebuilt reference as given. Unknown during a
	// preview that builds, since the digest exists only after the push.
	ImageURI pulumi.StringOutput `pulumi:"imageUri"`
	// ImageTag is the built image's content tag ("src-<32 hex>"), or the
	// prebuilt reference's tag ("" when it has a digest only).
	ImageTag pulumi.StringOutput `pulumi:"imageTag"`

	// Repository is the ECR repository.
	Repository *ecr.Repository
	// LifecyclePolicy expires untagged images and keeps the newest ImagesKept.
	LifecyclePolicy *ecr.LifecyclePolicy
	// Image builds and pushes the app image; nil when RegistryArgs.Image is set.
	Image *docker.Image
}

// ecrNameRe is the ECR repository name grammar (names.json ecr_repository_name).
var ecrNameRe = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$`)

// ECR repository name limits, and the longest base Pulumi can auto-name
// from: "<base>-<7 hex>" must fit in the provider's 255.
const (
	ecrNameMin      = 2
	ecrNameMax      = 256
	ecrAutoNameBase = 247
)

// ValidateRepositoryName returns an error unless name is a valid ECR
// repository name: 2 to 256 lowercase letters, digits, and single
// separators ".", "_", "__", "-" (or runs of "-"), with "/" namespaces.
func ValidateRepositoryName(name string) error {
	if len(name) < ecrNameMin || len(name) > ecrNameMax {
		return fmt.Errorf("%q is %d characters; an ECR repository name has %d to %d", name, len(name), ecrNameMin, ecrNameMax)
	}
	if !ecrNameRe.MatchString(name) {
		return fmt.Errorf("%q is not an ECR repository name: use lowercase letters and digits separated by ., _, __ or -, with / between namespaces", name)
	}
	return nil
}

// Image reference grammar (github.com/distribution/reference): a registry
// host (it has a "." or ":" or is "localhost"), a lowercase path, then a
// tag, a digest or both.
var (
	refHostComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	refHost          = refHostComponent + `(?:\.` + refHostComponent + `)*(?::[0-9]+)?`
	refPathComponent = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	imageRefRe       = regexp.MustCompile(`^(` + refHost + `)/(` + refPathComponent + `(?:/` + refPathComponent + `)*)` +
		`(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`)
)

// ValidateImageReference returns an error unless ref is a full image
// reference with a registry host and a tag or sha256 digest, and not a bare
// ":latest" (a moving tag: deploys would not be repeatable and a rollback
// would not go back).
func ValidateImageReference(ref string) error {
	m := imageRefRe.FindStringSubmatch(ref)
	if m == nil {
		return fmt.Errorf("%q is not a full image reference; use registry/repository:tag or registry/repository@sha256:<64 hex>", ref)
	}
	host, tag, digest := m[1], m[3], m[4]
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return fmt.Errorf("%q has no registry host; use the full reference, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1", ref)
	}
	if tag == "" && digest == "" {
		return fmt.Errorf("%q has neither a tag nor a digest; pin it with @sha256:<digest> or an immutable tag", ref)
	}
	if tag == "latest" && digest == "" {
		return fmt.Errorf("%q uses the moving tag \"latest\", which cannot roll back; use an immutable tag or @sha256:<digest>", ref)
	}
	return nil
}

// imageRefTag returns the tag of a valid image reference, or "".
func imageRefTag(ref string) string {
	if m := imageRefRe.FindStringSubmatch(ref); m != nil {
		return m[3]
	}
	return ""
}

// Validate returns a *FieldError for the first invalid argument.
func (a RegistryArgs) Validate() error {
	_, err := a.defaults("", "")
	return err
}

// ValidateNamed is Validate for an instance named name: it also checks the
// names NewRegistry derives from name for its children (the AWS name limits
// after Pulumi's auto-name suffix), so a program that names its components
// alike can check every name before it registers anything.
func (a RegistryArgs) ValidateNamed(name string) error {
	_, err := a.defaults(name, "")
	return err
}

// defaults validates args and returns a copy with every default filled in
// and Context resolved against root (the project directory; the working
// directory when root is "").
func (a RegistryArgs) defaults(name, root string) (RegistryArgs, error) {
	const c = "Registry"
	if a.Name != "" {
		if err := ValidateRepositoryName(a.Name); err != nil {
			return a, argError(c, name, "name", "%v", err)
		}
	} else if base := child(name, "repository"); name != "" {
		// Pulumi auto-names "<base>-<7 hex>" and does not lowercase it.
		if len(base) > ecrAutoNameBase || !ecrNameRe.MatchString(base) {
			return a, argError(c, name, "name", "the auto-name %q plus Pulumi's \"-<7 hex>\" suffix is not an ECR repository name (lowercase, at most %d characters before the suffix); use a lowercase component name or set name", base, ecrAutoNameBase)
		}
	}
	if a.Architecture == "" {
		a.Architecture = ArchX86_64
	}
	if err := ValidateArchitecture(a.Architecture); err != nil {
		return a, argError(c, name, "architecture", "%v", err)
	}
	if a.ImagesKept == 0 {
		a.ImagesKept = defaultImagesKept
	}
	if a.ImagesKept < 1 || a.ImagesKept > maxImagesKept {
		return a, argError(c, name, "imagesKept", "%d is out of range; keep 1 to %d images", a.ImagesKept, maxImagesKept)
	}
	a.ForceDelete = pulumi.BoolRef(boolOr(a.ForceDelete, false))

	switch {
	case a.Image != "" && a.Context != "":
		return a, argError(c, name, "image", "set either image (a prebuilt image) or context (build from source), not both")
	case a.Image != "":
		if a.Dockerfile != "" || len(a.BuildArgs) > 0 {
			return a, argError(c, name, "image", "a prebuilt image is not built; dockerfile and buildArgs need context instead")
		}
		if err := ValidateImageReference(a.Image); err != nil {
			return a, argError(c, name, "image", "%v", err)
		}
		return a, nil
	case a.Context == "":
		return a, argError(c, name, "context", "no build context; set context to the app directory, or image to a prebuilt image")
	}

	if root != "" && !filepath.IsAbs(a.Context) {
		a.Context = filepath.Join(root, a.Context)
	}
	a.Context = filepath.Clean(a.Context)
	if st, err := os.Stat(a.Context); err != nil {
		return a, argError(c, name, "context", "build context %q: %v", a.Context, errors.Unwrap(err))
	} else if !st.IsDir() {
		return a, argError(c, name, "context", "build context %q is not a directory", a.Context)
	}
	if a.Dockerfile == "" {
		a.Dockerfile = "Dockerfile"
	}
	if !filepath.IsLocal(a.Dockerfile) {
		return a, argError(c, name, "dockerfile", "%q must be a path inside the build context %q", a.Dockerfile, a.Context)
	}
	a.Dockerfile = filepath.Clean(a.Dockerfile)
	df := filepath.Join(a.Context, a.Dockerfile)
	if st, err := os.Stat(df); err != nil {
		return a, argError(c, name, "dockerfile", "no Dockerfile at %q in build context %q", df, a.Context)
	} else if !st.Mode().IsRegular() {
		return a, argError(c, name, "dockerfile", "%q in build context %q is not a regular file", df, a.Context)
	}
	return a, nil
}

// LifecyclePolicyDocument is an ECR lifecycle policy. See the ECR user
// guide, "Lifecycle policy properties".
type LifecyclePolicyDocument struct {
	// Rules in ascending RulePriority.
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one rule of a LifecyclePolicyDocument. Rules are listed
// in ascending RulePriority (ECR reorders them otherwise, and Pulumi would
// then see a diff on every update); a rule with TagStatus "any" must have the
// highest RulePriority.
type LifecycleRule struct {
	// RulePriority orders the rules: unique, the lowest evaluated first.
	RulePriority int `json:"rulePriority"`
	// Description says what the rule is for; optional.
	Description string `json:"description,omitempty"`
	// Selection chooses the images.
	Selection LifecycleSelection `json:"selection"`
	// Action is what happens to them.
	Action LifecycleAction `json:"action"`
}

// LifecycleSelection chooses the images a LifecycleRule applies to.
type LifecycleSelection struct {
	// TagStatus is "tagged" (needs TagPrefixList or TagPatternList),
	// "untagged" or "any".
	TagStatus string `json:"tagStatus"`
	// TagPrefixList selects tagged images by tag prefix.
	TagPrefixList []string `json:"tagPrefixList,omitempty"`
	// TagPatternList selects tagged images by wildcard pattern ("src-*").
	TagPatternList []string `json:"tagPatternList,omitempty"`
	// CountType is "imageCountMoreThan" or "sinceImagePushed" (which needs
	// CountUnit "days").
	CountType string `json:"countType"`
	// CountUnit is "days" with sinceImagePushed; empty otherwise.
	CountUnit string `json:"countUnit,omitempty"`
	// CountNumber is the image count or the number of days.
	CountNumber int `json:"countNumber"`
}

// LifecycleAction is what a LifecycleRule does: "expire".
type LifecycleAction struct {
	// Type is "expire", the only action ECR has.
	Type string `json:"type"`
}

// JSON marshals the document.
func (d LifecyclePolicyDocument) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // only strings, ints and slices
	}
	return string(b)
}

// registryLifecyclePolicy expires untagged images after a day, then keeps
// the newest imagesKept images. The untagged rule comes first: ECR applies
// each image's highest-priority matching rule, and "any" must be last.
func registryLifecyclePolicy(imagesKept int) LifecyclePolicyDocument {
	expire := LifecycleAction{Type: "expire"}
	return LifecyclePolicyDocument{Rules: []LifecycleRule{{
		RulePriority: 1,
		Description:  fmt.Sprintf("Expire untagged images %d day after push", untaggedExpiryDays),
		Selection: LifecycleSelection{
			TagStatus:   "untagged",
			CountType:   "sinceImagePushed",
			CountUnit:   "days",
			CountNumber: untaggedExpiryDays,
		},
		Action: expire,
	}, {
		RulePriority: 2,
		Description:  fmt.Sprintf("Keep the newest %d images", imagesKept),
		Selection: LifecycleSelection{
			TagStatus:   "any",
			CountType:   "imageCountMoreThan",
			CountNumber: imagesKept,
		},
		Action: expire,
	}}}
}

// NewRegistry creates a Registry. With Context set, it hashes the build
// context while the program runs (also in previews), so an unchanged app
// yields the same image name and no rebuild.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if args == nil {
		args = &RegistryArgs{}
	}
	root := ctx.RootDirectory()
	a, err := args.defaults(name, root)
	if err != nil {
		return nil, err
	}
	platform := DockerPlatform(a.Architecture)
	tag := imageRefTag(a.Image)
	if a.Image == "" {
		tag, err = ContentTag(a.Context, a.Dockerfile, platform, a.BuildArgs)
		if err != nil {
			return nil, argError("Registry", name, "context", "%v", err)
		}
	}

	r := &Registry{}
	if err := ctx.RegisterComponentResource(typePrefix+"Registry", name, r, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(r)

	encryption := ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")}
	if a.KmsKeyArn != nil {
		encryption = ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: a.KmsKeyArn}
	}
	repoArgs := &ecr.RepositoryArgs{
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		EncryptionConfigurations:   ecr.RepositoryEncryptionConfigurationArray{encryption},
		ForceDelete:                pulumi.Bool(*a.ForceDelete),
		Tags:                       pulumi.ToStringMap(a.Tags),
	}
	if a.Name != "" {
		repoArgs.Name = pulumi.String(a.Name)
	}
	r.Repository, err = ecr.NewRepository(ctx, child(name, "repository"), repoArgs, parent)
	if err != nil {
		return nil, err
	}

	r.LifecyclePolicy, err = ecr.NewLifecyclePolicy(ctx, child(name, "lifecycle"), &ecr.LifecyclePolicyArgs{
		Repository: r.Repository.Name,
		Policy:     pulumi.String(registryLifecyclePolicy(a.ImagesKept).JSON()),
	}, parent)
	if err != nil {
		return nil, err
	}

	if a.Image != "" {
		r.ImageURI = pulumi.String(a.Image).ToStringOutput()
	} else {
		token := ecr.GetAuthorizationTokenOutput(ctx, ecr.GetAuthorizationTokenOutputArgs{
			RegistryId: r.Repository.RegistryId,
		}, pulumi.Parent(r))
		var buildArgs pulumi.StringMapInput
		if len(a.BuildArgs) > 0 {
			buildArgs = pulumi.ToStringMap(a.BuildArgs)
		}
		buildContext := projectRelative(root, a.Context)
		r.Image, err = docker.NewImage(ctx, child(name, "image"), &docker.ImageArgs{
			ImageName: pulumi.Sprintf("%s:%s", r.Repository.RepositoryUrl, tag),
			Build: &docker.DockerBuildArgs{
				Context:        pulumi.String(buildContext),
				Dockerfile:     pulumi.String(filepath.Join(buildContext, a.Dockerfile)),
				Platform:       pulumi.String(platform),
				Args:           buildArgs,
				BuilderVersion: docker.BuilderVersionBuilderBuildKit,
			},
			SkipPush: pulumi.Bool(false),
			Registry: &docker.RegistryArgs{
				Server: r.Repository.RepositoryUrl.ApplyT(func(u string) string {
					host, _, _ := strings.Cut(u, "/")
					return host
				}).(pulumi.StringOutput),
				Username: token.UserName(),
				Password: pulumi.ToSecret(token.Password()).(pulumi.StringOutput),
			},
		}, parent)
		if err != nil {
			return nil, err
		}
		r.ImageURI = r.Image.RepoDigest
	}

	r.RepositoryURL = r.Repository.RepositoryUrl
	r.RepositoryArn = r.Repository.Arn
	r.RepositoryName = r.Repository.Name
	r.ImageTag = pulumi.String(tag).ToStringOutput()
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{
		"repositoryUrl":  r.RepositoryURL,
		"repositoryArn":  r.RepositoryArn,
		"repositoryName": r.RepositoryName,
		"imageUri":       r.ImageURI,
		"imageTag":       r.ImageTag,
	})
}

// projectRelative returns path relative to the project directory root (the
// working directory when root is ""), or path itself when it lies outside.
//
// The docker provider diffs the build's context and dockerfile strings, and
// runs in the project directory. An absolute path would differ between a
// laptop and a CI runner, so an unchanged app deployed from both would be
// rebuilt, and a rebuild's new digest cannot be pushed under the existing
// immutable tag: the update would fail.
func projectRelative(root, path string) string {
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return path
		}
		root = wd
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return path
	}
	return rel
}

// contentTagVersion names the hashing scheme; changing what ContentTag hashes
// means a new version, so old and new tags never collide.
const contentTagVersion = "djangofargate-content-tag/v1"

// ContentTag returns the image tag "src-<32 hex>" for a build: a SHA-256 of
// everything that decides the image's bytes, so that the same inputs always
// give the same tag (nothing to rebuild or push) and any change gives a new
// one (which immutable tags require). It hashes, in a fixed order: each
// file, directory and symlink Docker would send as the build context (the
// path relative to contextDir, the type and permission bits, and the bytes
// or the link target), honouring contextDir/.dockerignore with Docker's own
// matcher; the .dockerignore itself (Docker always sends it); the
// Dockerfile's bytes (dockerfile is relative to contextDir); the platform;
// and the build args. Timestamps and owners are not hashed.
func ContentTag(contextDir, dockerfile, platform string, buildArgs map[string]string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\nplatform %q\n", contentTagVersion, platform)
	for _, k := range slices.Sorted(maps.Keys(buildArgs)) {
		fmt.Fprintf(h, "arg %q %q\n", k, buildArgs[k])
	}
	for _, special := range []struct{ kind, path string }{
		{"dockerfile", filepath.Join(contextDir, dockerfile)},
		{"dockerignore", filepath.Join(contextDir, ".dockerignore")},
	} {
		sum, err := fileSum(special.path)
		if errors.Is(err, fs.ErrNotExist) && special.kind == "dockerignore" {
			continue
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %x\n", special.kind, sum)
	}

	// Walk the directory a symlinked context points to, as Docker does;
	// WalkDir would not descend into a symlink root.
	if resolved, err := filepath.EvalSymlinks(contextDir); err == nil {
		contextDir = resolved
	}
	ignore, err := readDockerignore(contextDir)
	if err != nil {
		return "", err
	}
	err = filepath.WalkDir(contextDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(contextDir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		excluded, err := ignore.MatchesOrParentMatches(rel)
		if err != nil {
			return fmt.Errorf(".dockerignore: %w", err)
		}
		if excluded {
			// With "!" exceptions a file under an excluded directory may be
			// sent after all, so look inside; otherwise skip it whole.
			if d.IsDir() && !ignore.Exclusions() {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		switch {
		case mode.IsRegular():
			sum, err := fileSum(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "file %q %o %x\n", rel, mode.Perm(), sum)
		case mode.IsDir():
			fmt.Fprintf(h, "dir %q %o\n", rel, mode.Perm())
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "symlink %q %q\n", rel, target)
		default:
			fmt.Fprintf(h, "other %q %s\n", rel, mode.Type())
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing build context %q: %w", contextDir, err)
	}
	return "src-" + hex.EncodeToString(h.Sum(nil))[:32], nil
}

// readDockerignore returns a matcher for contextDir/.dockerignore; it matches
// nothing when the file does not exist.
func readDockerignore(contextDir string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	f, err := os.Open(filepath.Join(contextDir, ".dockerignore"))
	switch {
	case err == nil:
		defer f.Close()
		if patterns, err = ignorefile.ReadAll(f); err != nil {
			return nil, fmt.Errorf("reading .dockerignore: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	return pm, nil
}

// fileSum returns the SHA-256 of a file's bytes.
func fileSum(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
