package workflows_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// minPulumiCLI is the first Pulumi CLI that runs resource hooks, which run
// the migrations: "[engine] Implement ResourceHooks in the engine #19874",
// pulumi/pulumi CHANGELOG, 3.182.0 (2025-07-14).
var minPulumiCLI = [3]int{3, 182, 0}

var (
	shaRef = regexp.MustCompile(`@[0-9a-f]{40}$`)
	semver = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
)

// TestActionsPinnedByCommit: every action a workflow uses is pinned by a
// full commit SHA, which a tag move cannot change (GitHub's "Security
// hardening for GitHub Actions", Using third-party actions).
func TestActionsPinnedByCommit(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		for _, j := range w.jobsInOrder() {
			uses := []string{j.Uses}
			for _, s := range j.Steps {
				uses = append(uses, s.Uses)
			}
			for _, u := range uses {
				if actionRepo(u) == "" {
					continue
				}
				if !shaRef.MatchString(u) {
					t.Errorf("%s: job %s uses %s, want owner/repo@<40-hex commit>", w.File, j.ID, u)
				}
			}
		}
	}
}

// TestPulumiCLIPinned (issue 14, item 3): every pulumi/actions step installs
// an exact CLI version at or above minPulumiCLI, never a range or "latest",
// and the README states that minimum for people running pulumi up by hand.
func TestPulumiCLIPinned(t *testing.T) {
	steps := 0
	for _, w := range loadWorkflows(t) {
		for _, j := range w.jobsInOrder() {
			for _, s := range j.stepsUsing("pulumi/actions") {
				steps++
				v := s.With["pulumi-version"]
				m := semver.FindStringSubmatch(v)
				if m == nil {
					t.Errorf("%s: job %s: pulumi/actions with pulumi-version %q, want an exact version >= %d.%d.%d", w.File, j.ID, v, minPulumiCLI[0], minPulumiCLI[1], minPulumiCLI[2])
					continue
				}
				var got [3]int
				for i := range got {
					got[i], _ = strconv.Atoi(m[i+1])
				}
				if less(got, minPulumiCLI) {
					t.Errorf("%s: job %s: pulumi-version %s, want >= %d.%d.%d (resource hooks)", w.File, j.ID, v, minPulumiCLI[0], minPulumiCLI[1], minPulumiCLI[2])
				}
			}
		}
	}
	if steps == 0 {
		t.Error("no workflow uses pulumi/actions")
	}
	min := strconv.Itoa(minPulumiCLI[0]) + "." + strconv.Itoa(minPulumiCLI[1]) + "." + strconv.Itoa(minPulumiCLI[2])
	if !strings.Contains(readmeSection(t, "## Deploy"), "Pulumi CLI **"+min+" or later**") {
		t.Errorf("README.md, Deploy: does not state the minimum Pulumi CLI as \"Pulumi CLI **%s or later**\"", min)
	}
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// TestCredentialsOutliveTheJob (issue 14, item 3): every role a job assumes
// lasts at least as long as the job may run (role-duration-seconds >=
// timeout-minutes x 60), within IAM's 12-hour maximum; otherwise a long
// deploy fails midway with expired credentials and a locked stack.
func TestCredentialsOutliveTheJob(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		for _, j := range w.jobsInOrder() {
			for _, s := range j.stepsUsing("aws-actions/configure-aws-credentials") {
				timeout, err := strconv.Atoi(j.TimeoutMinutes.Value)
				if err != nil {
					t.Errorf("%s: job %s assumes a role with timeout-minutes %q, want a number", w.File, j.ID, j.TimeoutMinutes.Value)
					continue
				}
				d, err := strconv.Atoi(s.With["role-duration-seconds"])
				switch {
				case err != nil:
					t.Errorf("%s: job %s: role-duration-seconds %q, want a number (the default is one hour)", w.File, j.ID, s.With["role-duration-seconds"])
				case d < timeout*60:
					t.Errorf("%s: job %s: role-duration-seconds %d, want >= %d (timeout-minutes %d)", w.File, j.ID, d, timeout*60, timeout)
				case d > 43200:
					t.Errorf("%s: job %s: role-duration-seconds %d, want <= 43200 (IAM's maximum)", w.File, j.ID, d)
				}
			}
		}
	}
}

var maxSession = regexp.MustCompile(`--max-session-duration (\d+)`)

// TestReadmeRaisesTheMaxSession: a role whose jobs ask for more than IAM's
// default maximum session (3600 s) fails to be assumed unless its maximum
// is raised; the README's commands raise it at least as far as the longest
// role-duration-seconds a workflow asks for.
func TestReadmeRaisesTheMaxSession(t *testing.T) {
	longest := 0
	for _, w := range loadWorkflows(t) {
		for _, j := range w.jobsInOrder() {
			for _, s := range j.stepsUsing("aws-actions/configure-aws-credentials") {
				if d, err := strconv.Atoi(s.With["role-duration-seconds"]); err == nil && d > longest {
					longest = d
				}
			}
		}
	}
	if longest <= 3600 {
		return
	}
	ms := maxSession.FindAllStringSubmatch(readmeSection(t, "## Continuous delivery"), -1)
	if len(ms) == 0 {
		t.Fatalf("README.md, Continuous delivery: no --max-session-duration command, but a workflow asks for %d s", longest)
	}
	for _, m := range ms {
		if n, _ := strconv.Atoi(m[1]); n < longest {
			t.Errorf("README.md: --max-session-duration %d, want >= %d (the longest role-duration-seconds)", n, longest)
		}
	}
}

// TestDeploysRefreshAndJudgeTheRealPreview (issue 14, item 3): every
// `pulumi up` refreshes first, and every job that previews or deploys a
// real stack judges its `pulumi preview --json` with the controls before.
func TestDeploysRefreshAndJudgeTheRealPreview(t *testing.T) {
	ups, previews := 0, 0
	for _, w := range loadWorkflows(t) {
		for _, j := range w.jobsInOrder() {
			check := -1
			for i, s := range j.Steps {
				if strings.Contains(s.Run, "scripts/preview-check.sh") && check < 0 {
					check = i
					previews++
				}
				if actionRepo(s.Uses) != "pulumi/actions" {
					continue
				}
				switch cmd := s.With["command"]; cmd {
				case "":
				case "up", "update":
					ups++
					if s.With["refresh"] != "true" {
						t.Errorf("%s: job %s: pulumi up with refresh %q, want true", w.File, j.ID, s.With["refresh"])
					}
					if check < 0 {
						t.Errorf("%s: job %s: pulumi up with no scripts/preview-check.sh step before it", w.File, j.ID)
					}
				default:
					t.Errorf("%s: job %s: pulumi/actions command %q: run previews through scripts/preview-check.sh, so the controls judge them", w.File, j.ID, cmd)
				}
			}
		}
	}
	if ups == 0 || previews == 0 {
		t.Errorf("got %d pulumi up steps and %d preview checks, want some of each", ups, previews)
	}
}

// TestPreviewCheckFailsClosed runs scripts/preview-check.sh with stand-ins
// for pulumi and go that record their arguments: it previews as JSON into
// the file, judges that file with synth -check-file, and exits non-zero when
// either fails, without judging a preview that failed.
func TestPreviewCheckFailsClosed(t *testing.T) {
	cases := []struct {
		name               string
		pulumiExit, goExit int
		wantExit           int
		wantGoRun          bool
	}{
		{"both pass", 0, 0, 0, true},
		{"a required control fails", 0, 1, 1, true},
		{"the preview fails", 255, 0, 255, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bin, tmp := t.TempDir(), t.TempDir()
			log := filepath.Join(tmp, "calls")
			stub := func(name string, exit int, out string) {
				script := "#!/bin/sh\necho \"" + name + " $*\" >> " + log + "\n" + out + "exit " + strconv.Itoa(exit) + "\n"
				if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			stub("pulumi", c.pulumiExit, "echo '{\"steps\": []}'\n")
			stub("go", c.goExit, "")
			out := filepath.Join(tmp, "preview.json")
			cmd := exec.Command("bash", filepath.Join(repoRoot(), "scripts", "preview-check.sh"), "acme/prod", out)
			cmd.Env = append(os.Environ(), "PATH="+bin+":/usr/bin:/bin", "GITHUB_STEP_SUMMARY=")
			output, _ := cmd.CombinedOutput()
			if got := cmd.ProcessState.ExitCode(); got != c.wantExit {
				t.Errorf("exit %d, want %d; output:\n%s", got, c.wantExit, output)
			}
			calls, _ := os.ReadFile(log)
			if !strings.Contains(string(calls), "pulumi preview --stack acme/prod --json --non-interactive") {
				t.Errorf("calls %q, want pulumi preview --stack acme/prod --json", calls)
			}
			if got := strings.Contains(string(calls), "go run ./cmd/synth -check-file "+out); got != c.wantGoRun {
				t.Errorf("judged with synth -check-file %s: got %v, want %v; calls %q", out, got, c.wantGoRun, calls)
			}
			if doc, _ := os.ReadFile(out); !strings.Contains(string(doc), `"steps"`) {
				t.Errorf("%s holds %q, want the preview's JSON", out, doc)
			}
		})
	}
}
