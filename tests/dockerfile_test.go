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

// checkWheelsInNoFinalLayer requires the final stage to take nothing from
// the builder stage by COPY (a later rm leaves the files in the COPY's
// layer); build artefacts reach it only through a RUN --mount of the stage.
func checkWheelsInNoFinalLayer(d *dockerfile) error {
	final := d.final()
	for _, cmd := range final.Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok && c.From != "" {
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

// checkHashCheckedInstalls requires every pip command that fetches or
// installs packages to read requirements.lock with --require-hashes.
func checkHashCheckedInstalls(d *dockerfile) error {
	seen := 0
	for _, st := range d.stages {
		for _, cmd := range st.Commands {
			r, ok := cmd.(*instructions.RunCommand)
			if !ok {
				continue
			}
			line := strings.Join(r.CmdLine, " ")
			for _, verb := range []string{"pip install", "pip download", "pip wheel"} {
				if !strings.Contains(line, verb) {
					continue
				}
				seen++
				if !strings.Contains(line, "--require-hashes") || !strings.Contains(line, "requirements.lock") {
					return fmt.Errorf("stage %q: got %q, want %s --require-hashes -r requirements.lock", st.Name, line, verb)
				}
			}
		}
	}
	if seen == 0 {
		return fmt.Errorf("got no pip command, want hash-checked installs from requirements.lock")
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
	{"hash-checked installs", checkHashCheckedInstalls},
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
		{check: "hash-checked installs", old: "pip download --require-hashes", new: "pip download", comment: "builder without hashes"},
		{check: "hash-checked installs", old: "--require-hashes -r /wheels/requirements.lock", new: "-r /wheels/requirements.lock", comment: "runtime without hashes"},
		{check: "hash-checked installs", old: "USER 10001:10001", new: "RUN pip install django\nUSER 10001:10001", comment: "an extra unpinned install"},
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
