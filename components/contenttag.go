package components

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

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
const contentTagVersion = "djangofargate-content-tag/v2"

// ContentTag returns the image tag "src-<32 hex>" for a build: a SHA-256 of
// everything that decides the image's bytes, so that the same inputs always
// give the same tag (nothing to rebuild or push) and any change gives a new
// one (which immutable tags require). It hashes, in a fixed order: each
// file, directory and symlink Docker would send as the build context (the
// path relative to contextDir, the type, whether a file is executable, and
// the bytes or the link target), honouring contextDir/.dockerignore with Docker's own
// matcher; the .dockerignore itself (Docker always sends it); the
// Dockerfile's bytes (dockerfile is relative to contextDir); the platform;
// and the build args. Timestamps, owners and the permission bits other than
// the executable bit are not hashed: they depend on the checkout's umask
// (002 on many laptops, 022 in CI), and the Dockerfile's COPY normalises
// them (--chmod=u=rwX,go=rX keeps only "executable or not"), so hashing
// them would give one image two tags and roll it out twice.
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
			fmt.Fprintf(h, "file %q exec=%t %x\n", rel, mode&0o111 != 0, sum)
		case mode.IsDir():
			fmt.Fprintf(h, "dir %q\n", rel)
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
