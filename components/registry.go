package components

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
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
	// KMSKeyArn encrypts images with this KMS key instead of the default
	// AES256 (S3-managed keys). Changing encryption replaces the repository.
	KMSKeyArn pulumi.StringInput `pulumi:"kmsKeyArn,optional"`
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
// and pushed to it. ImageURI pins the image by its immutable content tag.
type Registry struct {
	pulumi.ResourceState

	// RepositoryURL is "<account>.dkr.ecr.<region>.amazonaws.com/<name>".
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// RepositoryArn is the repository's ARN, for IAM policies.
	RepositoryArn pulumi.StringOutput `pulumi:"repositoryArn"`
	// RepositoryName is the repository's name.
	RepositoryName pulumi.StringOutput `pulumi:"repositoryName"`
	// ImageURI is the image the service runs: "<repository>:<content tag>"
	// for an image built from Context, whether built now or pushed before
	// (the repository's tags are IMMUTABLE, so the tag names one image as
	// a digest would, and it is known at preview, where the digest is
	// not), or the prebuilt reference as given.
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

// pushedDigest returns the digest ECR holds under tag in the registry's
// repository, or "" when the tag is not there yet: the repository is new
// (its name unknown in a first preview, or no such repository yet), or the
// content is new. Any other failure to look (such as access denied) is an
// error rather than a build, which would fail at the push anyway.
//
// The lookup needs the repository's name, an output; it waits for it, as
// the program must know before it registers a docker.Image whether to
// register one at all.
func pushedDigest(ctx *pulumi.Context, r *Registry, tag string) (string, error) {
	name, err := internals.UnsafeAwaitOutput(ctx.Context(), r.Repository.Name)
	if err != nil {
		return "", err
	}
	if !name.Known {
		return "", nil
	}
	repo, _ := name.Value.(string)
	img, err := ecr.GetImage(ctx, &ecr.GetImageArgs{RepositoryName: repo, ImageTag: &tag}, pulumi.Parent(r))
	if err != nil {
		// The aws provider passes ECR's error codes through
		// (hashicorp/terraform-provider-aws#35268 shows the message).
		if msg := err.Error(); strings.Contains(msg, "ImageNotFoundException") || strings.Contains(msg, "RepositoryNotFoundException") {
			return "", nil
		}
		return "", fmt.Errorf("looking up tag %s in ECR repository %s: %w", tag, repo, err)
	}
	if !strings.HasPrefix(img.ImageDigest, "sha256:") {
		return "", fmt.Errorf("ECR repository %s: tag %s has no sha256 digest (got %q)", repo, tag, img.ImageDigest)
	}
	return img.ImageDigest, nil
}

// repositoryURL returns the URL of r's repository,
// "<account>.dkr.ecr.<region>.<dns suffix>/<name>", known during a first
// preview (the account from getCallerIdentity, the region and suffix from
// getRegion and getPartition, invokes that answer during previews; the
// name is the auto-name or the one given), and the registry id (the account).
func repositoryURL(ctx *pulumi.Context, r *Registry) (pulumi.StringOutput, string, error) {
	parent := pulumi.Parent(r)
	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return pulumi.StringOutput{}, "", err
	}
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return pulumi.StringOutput{}, "", err
	}
	partition, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return pulumi.StringOutput{}, "", err
	}
	url := pulumi.Sprintf("%s.dkr.ecr.%s.%s/%s", caller.AccountId, region.Name, partition.DnsSuffix, r.Repository.Name)
	return url, caller.AccountId, nil
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
	if a.KMSKeyArn != nil {
		encryption = ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: a.KMSKeyArn}
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

	// The repository's URL, built from what a first preview already knows
	// (the account, the region, the partition's DNS suffix and the name,
	// which the provider's Check fixes before the preview) rather than from
	// the repository's repositoryUrl output, which is unknown until ECR
	// creates it. It still depends on the repository, as the output would.
	url, registryID, err := repositoryURL(ctx, r)
	if err != nil {
		return nil, err
	}

	existing := ""
	if a.Image == "" {
		if existing, err = pushedDigest(ctx, r, tag); err != nil {
			return nil, argError("Registry", name, "context", "%v", err)
		}
	}
	switch {
	case a.Image != "":
		r.ImageURI = pulumi.String(a.Image).ToStringOutput()
	case existing != "":
		// The repository already holds this content (a revert, a redeploy
		// from another machine, a rebuild the docker provider would decide
		// on): use it as it is. Pushing it again would overwrite an
		// immutable tag, which ECR refuses. Dropping a docker.Image from the
		// program leaves its image in ECR (pulumi/pulumi-docker#588). The
		// reference is the tag, as for a build: the same content always
		// gives the same ImageURI, so a redeploy changes no task definition.
		r.ImageURI = pulumi.Sprintf("%s:%s", url, tag)
	default:
		token := ecr.GetAuthorizationTokenOutput(ctx, ecr.GetAuthorizationTokenOutputArgs{
			RegistryId: pulumi.String(registryID),
		}, pulumi.Parent(r))
		var buildArgs pulumi.StringMapInput
		if len(a.BuildArgs) > 0 {
			buildArgs = pulumi.ToStringMap(a.BuildArgs)
		}
		buildContext := projectRelative(root, a.Context)
		r.Image, err = docker.NewImage(ctx, child(name, "image"), &docker.ImageArgs{
			ImageName: pulumi.Sprintf("%s:%s", url, tag),
			Build: &docker.DockerBuildArgs{
				Context:        pulumi.String(buildContext),
				Dockerfile:     pulumi.String(filepath.Join(buildContext, a.Dockerfile)),
				Platform:       pulumi.String(platform),
				Args:           buildArgs,
				BuilderVersion: docker.BuilderVersionBuilderBuildKit,
			},
			SkipPush: pulumi.Bool(false),
			Registry: &docker.RegistryArgs{
				Server: url.ApplyT(func(u string) string {
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
		// The content tag in this IMMUTABLE repository names exactly one
		// image, as a digest would: ECR refuses a second push under it, and
		// the tag changes with any change to the content. Unlike the
		// digest (repoDigest, known only after the push), the tag is known
		// at preview, so a pull request's real preview shows the task
		// definition's container definitions. The output is the image's
		// imageName, which the docker provider's preview echoes from the
		// inputs (pulumi-docker provider/image.go, Create), so the task
		// definition still waits for the push.
		r.ImageURI = r.Image.ImageName
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
