package tests

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// dockerfile is app/Dockerfile as BuildKit's own parser reads it.
type dockerfile struct {
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
}

func parseDockerfile(t *testing.T, src []byte) (*dockerfile, error) {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, linter.New(&linter.Config{}))
	if err != nil {
		return nil, fmt.Errorf("instructions: %w", err)
	}
	return &dockerfile{stages: stages, metaArgs: metaArgs}, nil
}

func appDockerfile(t *testing.T) []byte {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	path := filepath.Join(filepath.Dir(file), "..", "app", "Dockerfile")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return src
}

func (d *dockerfile) final() *instructions.Stage { return &d.stages[len(d.stages)-1] }

func checkMultiStage(d *dockerfile) error {
	if got := len(d.stages); got < 2 {
		return fmt.Errorf("stages: got %d, want at least 2 (builder + runtime)", got)
	}
	return nil
}

func checkNonRootUser(d *dockerfile) error {
	last := ""
	for _, cmd := range d.final().Commands {
		if u, ok := cmd.(*instructions.UserCommand); ok {
			last = u.User
		}
	}
	if last == "" {
		return fmt.Errorf("final stage USER: got none (root), want a numeric non-zero UID")
	}
	for i, part := range strings.SplitN(last, ":", 2) {
		n, err := strconv.Atoi(part)
		if err != nil || n <= 0 {
			what := []string{"UID", "GID"}[i]
			return fmt.Errorf("final stage USER %q: got %s %q, want numeric and non-zero", last, what, part)
		}
	}
	return nil
}

var secretLike = regexp.MustCompile(`(?i)SECRET|PASSWORD|TOKEN|KEY`)

func checkNoSecretEnvOrArg(d *dockerfile) error {
	var bad []string
	for _, a := range d.metaArgs {
		for _, kv := range a.Args {
			if secretLike.MatchString(kv.Key) {
				bad = append(bad, "global ARG "+kv.Key)
			}
		}
	}
	for _, st := range d.stages {
		for _, cmd := range st.Commands {
			switch c := cmd.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					if secretLike.MatchString(kv.Key) {
						bad = append(bad, fmt.Sprintf("stage %q ENV %s", st.Name, kv.Key))
					}
				}
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if secretLike.MatchString(kv.Key) {
						bad = append(bad, fmt.Sprintf("stage %q ARG %s", st.Name, kv.Key))
					}
				}
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("secret-like ENV/ARG: got %v, want none (they persist in the image config or history)", bad)
	}
	return nil
}

var (
	patchTag = regexp.MustCompile(`^\d+\.\d+\.\d+(?:[-.][A-Za-z0-9._-]+)?$`)
	digest   = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
)

func checkPinnedBases(d *dockerfile) error {
	var earlier []string
	for _, st := range d.stages {
		base := st.BaseName
		switch {
		case slices.Contains(earlier, strings.ToLower(base)):
			// FROM <earlier stage>: pinned by that stage.
		case strings.Contains(base, "$"):
			return fmt.Errorf("FROM %q: got a variable, want a literal pinned image", base)
		case !digest.MatchString(base):
			return fmt.Errorf("FROM %q: got no digest, want image:x.y.z@sha256:<digest> (a tag can be re-pushed)", base)
		default:
			ref := strings.TrimSuffix(base, digest.FindString(base))
			if i := strings.LastIndex(ref, "/"); i >= 0 {
				ref = ref[i+1:]
			}
			_, tag, hasTag := strings.Cut(ref, ":")
			if hasTag && (tag == "latest" || !patchTag.MatchString(tag)) {
				return fmt.Errorf("FROM %q: got tag %q, want a full patch version tag (x.y.z) beside the digest", base, tag)
			}
		}
		if st.Name != "" {
			earlier = append(earlier, strings.ToLower(st.Name))
		}
	}
	return nil
}

// checkWheelsInNoFinalLayer requires the final stage to take nothing by COPY
// from a stage that runs pip (the builder: a later rm leaves the files in
// the COPY's layer); build artefacts reach it only through a RUN --mount of
// that stage. A COPY from a stage without pip (the RDS CA bundle's) is what
// the image is meant to carry.
func checkWheelsInNoFinalLayer(d *dockerfile) error {
	final := d.final()
	pipStages := map[string]bool{}
	for i, st := range d.stages[:len(d.stages)-1] {
		for _, cmd := range st.Commands {
			if r, ok := cmd.(*instructions.RunCommand); ok && pipCommand.MatchString(strings.Join(r.CmdLine, " ")) {
				pipStages[strings.ToLower(st.Name)] = true
				pipStages[strconv.Itoa(i)] = true
			}
		}
	}
	for _, cmd := range final.Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok && pipStages[strings.ToLower(c.From)] {
			return fmt.Errorf("final stage: got COPY --from=%s %v, want RUN --mount=type=bind,from=%s so build artefacts stay out of the image's layers", c.From, c.SourcePaths, c.From)
		}
	}
	for _, cmd := range final.Commands {
		if r, ok := cmd.(*instructions.RunCommand); ok && strings.Contains(strings.Join(r.CmdLine, " "), "pip install") {
			for _, m := range instructions.GetMounts(r) {
				if m.Type == instructions.MountTypeBind && m.From != "" {
					return nil
				}
			}
			return fmt.Errorf("final stage: pip install %q has no bind mount from the builder, want RUN --mount=type=bind,from=builder", r.CmdLine)
		}
	}
	return fmt.Errorf("final stage: got no RUN pip install, want one installing the builder's wheels")
}

// pipCommand matches one pip command that fetches or installs packages, up
// to the end of its shell command (;, &&, ||, |).
var pipCommand = regexp.MustCompile(`\bpip\s+(?:install|download|wheel)\b[^;&|]*`)

// requirementsFile matches pip's -r/--requirement argument.
var requirementsFile = regexp.MustCompile(`(?:^|\s)(?:-r|--requirement)[\s=]+(\S+)`)

// pipValueOptions are the pip options whose value is the next word when not
// written with "=".
var pipValueOptions = []string{"-r", "--requirement", "-c", "--constraint", "-d", "--dest", "-w", "--wheel-dir",
	"-f", "--find-links", "-i", "--index-url", "--extra-index-url", "--only-binary", "--no-binary", "--target", "-t"}

// pipPackageArgs returns the words of a pip command that name packages (not
// options or option values), e.g. ["django"] for "pip install -r x django".
func pipPackageArgs(c string) []string {
	words := strings.Fields(c)[2:] // after "pip <verb>"
	var pkgs []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case slices.Contains(pipValueOptions, w):
			i++ // its value
		case strings.HasPrefix(w, "-"):
		default:
			pkgs = append(pkgs, w)
		}
	}
	return pkgs
}

// checkPinnedInstalls requires every pip command that fetches or installs
// packages to read a requirements file, never a package named on the command
// line: requirements.lock with --require-hashes, or requirements.txt (exact
// top-level pins, no hashes) only in a RUN that uses the lock when it exists.
// requirements.lock needs PyPI to generate (app/lock-requirements.sh) and is
// not committed yet, so the requirements.txt branch is what builds today.
func checkPinnedInstalls(d *dockerfile) error {
	locked := 0
	for _, st := range d.stages {
		for _, cmd := range st.Commands {
			r, ok := cmd.(*instructions.RunCommand)
			if !ok {
				continue
			}
			line := strings.Join(r.CmdLine, " ")
			cmds := pipCommand.FindAllString(line, -1)
			usesLock := false
			for _, c := range cmds {
				if m := requirementsFile.FindStringSubmatch(c); m != nil && path.Base(m[1]) == "requirements.lock" {
					usesLock = true
				}
			}
			for _, c := range cmds {
				m := requirementsFile.FindStringSubmatch(c)
				switch {
				case len(pipPackageArgs(c)) > 0:
					return fmt.Errorf("stage %q: got %q naming %v, want every package from a requirements file", st.Name, c, pipPackageArgs(c))
				case m == nil:
					return fmt.Errorf("stage %q: got %q, want -r requirements.lock (or requirements.txt beside it), not packages named on the command line", st.Name, c)
				case path.Base(m[1]) == "requirements.lock":
					if !strings.Contains(c, "--require-hashes") {
						return fmt.Errorf("stage %q: got %q, want --require-hashes with requirements.lock", st.Name, c)
					}
					locked++
				case path.Base(m[1]) == "requirements.txt":
					if !usesLock {
						return fmt.Errorf("stage %q: got %q alone, want requirements.lock with --require-hashes used when it exists", st.Name, c)
					}
				default:
					return fmt.Errorf("stage %q: got %q, want requirements.lock or requirements.txt", st.Name, c)
				}
			}
		}
	}
	if locked == 0 {
		return fmt.Errorf("got no pip command reading requirements.lock, want hash-checked installs when the lock exists")
	}
	return nil
}

func checkExpose8000(d *dockerfile) error {
	var got []string
	for _, cmd := range d.final().Commands {
		if e, ok := cmd.(*instructions.ExposeCommand); ok {
			got = append(got, e.Ports...)
		}
	}
	if !slices.Contains(got, "8000") && !slices.Contains(got, "8000/tcp") {
		return fmt.Errorf("final stage EXPOSE: got %v, want 8000", got)
	}
	return nil
}

func checkGunicornExecForm(d *dockerfile) error {
	var entrypoint, cmd *instructions.ShellDependantCmdLine
	for _, c := range d.final().Commands {
		switch v := c.(type) {
		case *instructions.EntrypointCommand:
			entrypoint, cmd = &v.ShellDependantCmdLine, nil // ENTRYPOINT resets an inherited CMD
		case *instructions.CmdCommand:
			cmd = &v.ShellDependantCmdLine
		}
	}
	var argv []string
	for _, part := range []*instructions.ShellDependantCmdLine{entrypoint, cmd} {
		if part == nil {
			continue
		}
		if part.PrependShell {
			return fmt.Errorf("CMD/ENTRYPOINT %q: got shell form, want exec (JSON) form so gunicorn is PID 1 and gets SIGTERM", part.CmdLine)
		}
		argv = append(argv, part.CmdLine...)
	}
	if len(argv) == 0 || filepath.Base(argv[0]) != "gunicorn" {
		return fmt.Errorf("container command: got %q, want gunicorn first", argv)
	}
	for i := 1; i+1 < len(argv); i++ {
		if (argv[i] == "-c" || argv[i] == "--config") && filepath.Base(argv[i+1]) == "gunicorn.conf.py" {
			return nil
		}
	}
	return fmt.Errorf("container command: got %q, want -c gunicorn.conf.py", argv)
}

// tmpMode1777 matches a shell command that gives /tmp mode 1777.
var tmpMode1777 = regexp.MustCompile(`(?:^|[;&|]\s*)(?:install\s[^;&|]*-m\s*1777\s[^;&|]*/tmp(?:\s|$|[;&|])|chmod\s+1777\s+/tmp(?:\s|$|[;&|]))`)

// checkTmpVolume requires the final stage to set /tmp to mode 1777 and then
// declare VOLUME /tmp. On Fargate a task volume mounted at /tmp is a bind
// mount created root-owned 0755, which the non-root user cannot write, unless
// the image declares VOLUME at that path: then the image's directory (its
// mode included) is copied into it (ECS Developer Guide, "Use bind mounts
// with Amazon ECS", considerations; aws/containers-roadmap#938). A RUN after
// the VOLUME cannot change the path, so the mode must be set before it.
func checkTmpVolume(d *dockerfile) error {
	modeSet, declared := false, false
	for _, cmd := range d.final().Commands {
		switch c := cmd.(type) {
		case *instructions.RunCommand:
			if tmpMode1777.MatchString(strings.Join(c.CmdLine, " ")) {
				if declared {
					return fmt.Errorf("RUN %q after VOLUME /tmp: got the mode set after the VOLUME (discarded), want it before", strings.Join(c.CmdLine, " "))
				}
				modeSet = true
			}
		case *instructions.VolumeCommand:
			for _, v := range c.Volumes {
				if path.Clean(v) == "/tmp" {
					declared = true
				}
			}
		}
	}
	switch {
	case !declared:
		return fmt.Errorf("final stage VOLUME: got no /tmp, want VOLUME [\"/tmp\"] (else Fargate mounts /tmp root-owned 0755)")
	case !modeSet:
		return fmt.Errorf("final stage: got no RUN giving /tmp mode 1777 before VOLUME /tmp, want one (the mode Fargate copies)")
	}
	return nil
}

// rdsCABundlePath is where the image carries the RDS certificate authorities;
// app/config/settings.py's RDS_CA_BUNDLE (the default DB_SSLROOTCERT) must
// name the same file.
const rdsCABundlePath = "/etc/ssl/rds/global-bundle.pem"

// checkRDSCABundle requires the final stage to copy the RDS CA bundle from
// an earlier stage to rdsCABundlePath, so that sslmode=verify-full can check
// the database's certificate (RDS: "Using SSL/TLS to encrypt a connection to
// a DB instance", the global bundle from truststore.pki.rds.amazonaws.com).
func checkRDSCABundle(d *dockerfile) error {
	for _, cmd := range d.final().Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok && c.From != "" && path.Clean(c.DestPath) == rdsCABundlePath {
			return nil
		}
	}
	return fmt.Errorf("final stage: got no COPY --from=<stage> ... %s, want the RDS CA bundle there (verify-full TLS)", rdsCABundlePath)
}

var dockerfileChecks = []struct {
	name  string
	check func(*dockerfile) error
}{
	{"multi-stage", checkMultiStage},
	{"non-root numeric USER", checkNonRootUser},
	{"no secret-like ENV or ARG", checkNoSecretEnvOrArg},
	{"pinned base images", checkPinnedBases},
	{"wheels in no final layer", checkWheelsInNoFinalLayer},
	{"pinned installs", checkPinnedInstalls},
	{"EXPOSE 8000", checkExpose8000},
	{"gunicorn in exec form", checkGunicornExecForm},
	{"VOLUME /tmp with mode 1777", checkTmpVolume},
	{"RDS CA bundle", checkRDSCABundle},
}

// TestDockerfile checks app/Dockerfile against ECS-9 (non-root) and the
// runtime contract in DESIGN.md, using BuildKit's own Dockerfile parser.
func TestDockerfile(t *testing.T) {
	d, err := parseDockerfile(t, appDockerfile(t))
	if err != nil {
		t.Fatalf("app/Dockerfile: %v", err)
	}
	for _, tc := range dockerfileChecks {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(d); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRDSCABundleMatchesSettings keeps the image's bundle path and the app's
// default DB_SSLROOTCERT the same file.
func TestRDSCABundleMatchesSettings(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	settings, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "app", "config", "settings.py"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("RDS_CA_BUNDLE = %q", rdsCABundlePath)
	if !bytes.Contains(settings, []byte(want)) {
		t.Errorf("app/config/settings.py: got no line %s, want the image's bundle path as the default DB_SSLROOTCERT", want)
	}
}

// TestDockerfileChecksCatchBreakage breaks app/Dockerfile one way at a time
// and requires the matching check to fail, so no check passes vacuously.
func TestDockerfileChecksCatchBreakage(t *testing.T) {
	original := string(appDockerfile(t))
	mutations := []struct {
		check   string
		old     string // text in app/Dockerfile, replaced once
		new     string
		regexp  bool
		comment string
	}{
		{check: "multi-stage", old: `(?s)^.*?\nFROM python:[^\n]* AS runtime\n`, new: "FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS runtime\n", regexp: true, comment: "single stage"},
		{check: "non-root numeric USER", old: "USER 10001:10001", new: "USER 0:0", comment: "root by number"},
		{check: "non-root numeric USER", old: "USER 10001:10001", new: "USER app", comment: "named user"},
		{check: "non-root numeric USER", old: "USER 10001:10001\n", new: "", comment: "no USER"},
		{check: "non-root numeric USER", old: "EXPOSE 8000", new: "EXPOSE 8000\nUSER root", comment: "later USER root"},
		{check: "no secret-like ENV or ARG", old: "PORT=8000", new: "PORT=8000 \\\n    DJANGO_SECRET_KEY=build-only", comment: "ENV secret"},
		{check: "no secret-like ENV or ARG", old: "WORKDIR /build", new: "ARG PIP_INDEX_TOKEN\nWORKDIR /build", comment: "ARG token in builder"},
		{check: "no secret-like ENV or ARG", old: "# ---- builder", new: "ARG DB_PASSWORD=x\n# ---- builder", comment: "global ARG"},
		{check: "pinned base images", old: "FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS runtime", new: "FROM python:3.12.12-slim-bookworm AS runtime", comment: "patch tag without digest"},
		{check: "pinned base images", old: "FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS runtime", new: "FROM python:3.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS runtime", comment: "minor tag beside the digest"},
		{check: "pinned base images", old: "FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS builder", new: "FROM python:latest AS builder", comment: "latest"},
		{check: "pinned base images", old: "FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS builder", new: "FROM python AS builder", comment: "no tag"},
		{check: "wheels in no final layer", old: "RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\\n", new: "COPY --from=builder /wheels /wheels\nRUN ", comment: "COPY of the wheels"},
		{check: "wheels in no final layer", old: "RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \\\n", new: "RUN ", comment: "no mount"},
		{check: "wheels in no final layer", old: "COPY --from=rdsca /global-bundle.pem", new: "COPY --from=builder /wheels /opt/wheels\nCOPY --from=rdsca /global-bundle.pem", comment: "COPY from the builder beside the mount"},
		{check: "pinned base images", old: "FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS rdsca", new: "FROM python:3.12.12-slim-bookworm AS rdsca", comment: "CA stage without digest"},
		{check: "pinned installs", old: "pip download --require-hashes", new: "pip download", comment: "builder lock without hashes"},
		{check: "pinned installs", old: "--require-hashes -r /wheels/requirements.lock", new: "-r /wheels/requirements.lock", comment: "runtime lock without hashes"},
		{check: "pinned installs", old: "USER 10001:10001", new: "RUN pip install django\nUSER 10001:10001", comment: "an extra unpinned install"},
		{check: "pinned installs", old: "-r /wheels/requirements.txt", new: "-r /wheels/requirements.txt boto3", comment: "a package beside the fallback"},
		{check: "pinned installs", old: `(?s)if \[ -f /wheels/requirements\.lock \]; then.*?\bfi\n`, new: "pip install --no-index --find-links=/wheels -r /wheels/requirements.txt\n", regexp: true, comment: "runtime ignores the lock"},
		{check: "pinned installs", old: `(?s)if \[ -f requirements\.lock \]; then.*?\bfi\n`, new: "pip wheel --wheel-dir /wheels -r requirements.txt\n", regexp: true, comment: "builder ignores the lock"},
		{check: "pinned installs", old: "-r /wheels/requirements.txt", new: "-r /wheels/constraints.txt", comment: "another file"},
		{check: "EXPOSE 8000", old: "EXPOSE 8000", new: "EXPOSE 8080", comment: "wrong port"},
		{check: "gunicorn in exec form", old: `CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]`, new: "CMD gunicorn -c gunicorn.conf.py config.wsgi:application", comment: "shell form"},
		{check: "gunicorn in exec form", old: `CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]`, new: `CMD ["gunicorn", "config.wsgi:application"]`, comment: "no config"},
		{check: "gunicorn in exec form", old: `CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]`, new: `CMD ["python", "manage.py", "runserver"]`, comment: "not gunicorn"},
		{check: "RDS CA bundle", old: "COPY --from=rdsca /global-bundle.pem " + rdsCABundlePath, new: "", comment: "no bundle"},
		{check: "RDS CA bundle", old: "COPY --from=rdsca /global-bundle.pem " + rdsCABundlePath, new: "COPY --from=rdsca /global-bundle.pem /tmp/bundle.pem", comment: "elsewhere"},
		{check: "VOLUME /tmp with mode 1777", old: "VOLUME [\"/tmp\"]\n", new: "", comment: "no VOLUME"},
		{check: "VOLUME /tmp with mode 1777", old: "VOLUME [\"/tmp\"]", new: "VOLUME [\"/data\"]", comment: "VOLUME elsewhere"},
		{check: "VOLUME /tmp with mode 1777", old: "install -d -m 1777", new: "install -d -m 0755", comment: "mode 0755"},
		{check: "VOLUME /tmp with mode 1777", old: "RUN install -d -m 1777 -o root -g root /tmp\nVOLUME [\"/tmp\"]", new: "VOLUME [\"/tmp\"]\nRUN install -d -m 1777 -o root -g root /tmp", comment: "mode after VOLUME"},
	}
	for _, m := range mutations {
		t.Run(m.check+"/"+m.comment, func(t *testing.T) {
			var broken string
			if m.regexp {
				re := regexp.MustCompile(m.old)
				if !re.MatchString(original) {
					t.Fatalf("mutation pattern %q: got no match in app/Dockerfile, want one", m.old)
				}
				broken = re.ReplaceAllLiteralString(original, m.new)
			} else {
				if !strings.Contains(original, m.old) {
					t.Fatalf("mutation text %q: got absent from app/Dockerfile, want present", m.old)
				}
				broken = strings.Replace(original, m.old, m.new, 1)
			}
			d, err := parseDockerfile(t, []byte(broken))
			if err != nil {
				t.Fatalf("broken Dockerfile does not parse: %v", err)
			}
			for _, tc := range dockerfileChecks {
				if tc.name != m.check {
					continue
				}
				if err := tc.check(d); err == nil {
					t.Errorf("check %q on the broken Dockerfile: got pass, want fail", m.check)
				}
				return
			}
			t.Fatalf("no check named %q", m.check)
		})
	}
}
