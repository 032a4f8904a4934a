// Container hardening controls (CONTROLS.md ECS-16, ECS-17, ECR-4).

package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// credentialValue matches environment values that carry a credential: a URL
// with a password (scheme://user:pass@host), AWS access key ids, private
// keys, GitHub, Slack and Stripe live tokens.
var credentialValue = regexp.MustCompile(`(?i:[a-z][a-z0-9+.-]*://[^/?#@\s:]*:[^/?#@\s]+@)` +
	`|\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b` +
	`|-----BEGIN [A-Z ]*PRIVATE KEY-----` +
	`|\bgh[pousr]_[A-Za-z0-9]{36,}\b` +
	`|\bxox[abprs]-[A-Za-z0-9-]{10,}` +
	`|\bsk_live_[A-Za-z0-9]{16,}`)

// debugName matches debug switches: DEBUG, DJANGO_DEBUG, FLASK_DEBUG, ...
var debugName = regexp.MustCompile(`(?i)(^|_)DEBUG$`)

// truthy reports whether a switch's value turns it on (Python's and
// Django's usual readings of an environment string).
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "t", "yes", "y", "on":
		return true
	}
	return false
}

// checkEnvironmentValues (ECS-16) wants no credential-bearing value and no debug switch on in any container's environment.
func checkEnvironmentValues(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		n := 0
		for _, c := range cs {
			for _, e := range get(c, "environment").list() {
				n++
				name, _ := get(e, "name").str()
				value, _ := get(e, "value").str()
				switch {
				case strings.Contains(value, Unknown) || value == Secret:
					j.undecided("container %s: %s is unknown until the update", containerName(c), name)
				case credentialValue.MatchString(value):
					j.fail("credential-in-environment", "container %s: %s holds a credential (%s)", containerName(c), name, redact(credentialValue.FindString(value)))
				case secretName.MatchString(name) && value != "" && !secretArnReference(name, value):
					j.fail("credential-in-environment", "container %s: %s has a secret-like name and a literal value", containerName(c), name)
				case debugName.MatchString(name) && truthy(value):
					j.fail("debug-on", "container %s: %s=%s turns debugging on (tracebacks and settings to anyone)", containerName(c), name, value)
				}
			}
		}
		return j.done("%d environment values, no credential and no debug switch on", n)
	})
}

// redact shows the kind of a matched credential without the credential.
func redact(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		return s[:i] + "://…:…@"
	}
	if len(s) > 4 {
		return s[:4] + "…"
	}
	return "…"
}

// checkCapabilities (ECS-17) wants every container to drop ALL Linux capabilities and add none.
func checkCapabilities(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		for _, c := range cs {
			caps := get(c, "linuxParameters.capabilities")
			add, _ := get(caps.v, "add").strs()
			drop, _ := get(caps.v, "drop").strs()
			if len(add) > 0 {
				j.fail("capabilities-added", "container %s adds %s", containerName(c), strings.Join(add, ", "))
			}
			all := false
			for _, x := range drop {
				all = all || strings.EqualFold(x, "ALL")
			}
			if !all {
				j.fail("capabilities-kept", "container %s does not drop ALL capabilities (linuxParameters.capabilities.drop), so the runtime's defaults (CHOWN, SETUID, NET_RAW, ...) stay", containerName(c))
			}
		}
		return j.done("every container drops ALL capabilities and adds none")
	})
}

// imageDigest matches an image reference pinned by digest.
var imageDigest = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// ecrImage splits an ECR image reference into its repository and tag.
var ecrImage = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+):([A-Za-z0-9_.-]+)$`)

// checkImageReferences (ECR-4) wants every image pinned by digest, or by a tag of an IMMUTABLE repository of the stack.
func checkImageReferences(d *Document, _ string) []Finding {
	repos := map[string]*Resource{}
	for _, r := range d.ByType(tRepo) {
		for _, k := range []string{"name", "repositoryUrl"} {
			if s, ok := r.out(k).str(); ok {
				repos[s] = r
			}
			if s, ok := r.in(k).str(); ok {
				repos[s] = r
			}
		}
	}
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		var how []string
		for _, c := range cs {
			image, _ := get(c, "image").str()
			if strings.Contains(image, Unknown) {
				j.undecided("container %s: the image is unknown until the update", containerName(c))
				continue
			}
			if imageDigest.MatchString(image) {
				how = append(how, containerName(c)+" by digest")
				continue
			}
			m := ecrImage.FindStringSubmatch(image)
			var repo *Resource
			if m != nil {
				repo = repos[m[3]]
				if repo == nil {
					repo = repos[strings.TrimSuffix(image, ":"+m[4])]
				}
			}
			if repo == nil {
				j.fail("mutable-image", "container %s: %s is neither pinned by digest nor a tag of the stack's own repository", containerName(c), image)
				continue
			}
			if s, _ := repo.in("imageTagMutability").str(); !strings.HasPrefix(s, "IMMUTABLE") {
				j.fail("mutable-image", "container %s: %s is a tag of %s, whose tags are mutable", containerName(c), image, repo.Name())
				continue
			}
			how = append(how, fmt.Sprintf("%s by the immutable tag %s of %s", containerName(c), m[4], repo.Name()))
		}
		return j.done("%s", strings.Join(how, ", "))
	})
}
