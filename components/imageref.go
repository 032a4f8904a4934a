package components

import (
	"fmt"
	"regexp"
	"strings"
)

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
