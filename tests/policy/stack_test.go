package policy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/policy"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

func exceptionNames(list []policy.Exception) []string {
	var out []string
	for _, e := range list {
		out = append(out, e.Name)
	}
	return out
}

// TestProductionStackMeetsEveryControl: the prod stack's preview passes
// every control the production profile requires; the only non-passes are
// the checker-conflict exceptions and the HTTPS rows without a certificate.
func TestProductionStackMeetsEveryControl(t *testing.T) {
	rep := stackReport(t, "prod")
	if rep.Profile != policy.Production {
		t.Fatalf("profile: got %s, want %s", rep.Profile, policy.Production)
	}
	conflicts := exceptionNames(policy.CheckerConflicts())
	for _, r := range rep.Results {
		switch r.Verdict {
		case policy.Pass:
		case policy.NotApplicable:
			// ELB-2 needs a certificate; SCH-1 schedules and ECS-18 a
			// service without a load balancer, which the default has not.
			if id := r.Control.ID; id != "ELB-2" && id != "SCH-1" && id != "ECS-18" {
				t.Errorf("%s: got not applicable, want pass%s", id, findings(rep, id))
			}
		default:
			if r.Verdict != policy.Excepted {
				t.Errorf("%s: got %s, want pass%s", r.Control.ID, r.Verdict, findings(rep, r.Control.ID))
			}
		}
	}
	for _, f := range rep.Findings {
		if f.Verdict == policy.Excepted && !slices.Contains(conflicts, f.Exception) {
			t.Errorf("%s %s: got exception %s, want only checker conflicts in production", f.Control, f.Resource, f.Exception)
		}
	}
	if rep.Failed() {
		t.Errorf("Failed(): got true, want false")
	}
	if got := rep.Count(policy.Fail); got != 0 {
		t.Errorf("failed controls: got %d, want 0", got)
	}
}

// TestScheduledCommandsMeetEveryControl: with a schedule configured, in
// both profiles, the schedule's role passes SCH-1 and no control fails.
func TestScheduledCommandsMeetEveryControl(t *testing.T) {
	const schedule = `schedules=["clearsessions cron(0 3 * * ? *) python manage.py clearsessions", "report rate(1 hour) python manage.py report"]`
	for _, stack := range []string{"prod", "dev"} {
		rep := stackReport(t, stack, schedule)
		if got := verdict(t, rep, "SCH-1"); got != policy.Pass {
			t.Errorf("%s: SCH-1: got %s, want pass%s", stack, got, findings(rep, "SCH-1"))
		}
		if n := strings.Count(findings(rep, "SCH-1"), ": pass:"); n != 2 {
			t.Errorf("%s: SCH-1: got %d passing schedules, want 2%s", stack, n, findings(rep, "SCH-1"))
		}
		if rep.Failed() || rep.Count(policy.Fail) != 0 {
			t.Errorf("%s: got %d failed controls, want 0", stack, rep.Count(policy.Fail))
			for _, r := range rep.Results {
				if r.Verdict == policy.Fail {
					t.Logf("%s%s", r.Control.ID, findings(rep, r.Control.ID))
				}
			}
		}
	}
}

// TestProductionWithCertificateRedirects: with a certificate the HTTPS rows
// apply and pass, and with ECS Exec the ssmmessages statement is the named
// IAM exception, nothing more.
func TestProductionWithCertificateRedirects(t *testing.T) {
	rep := stackReport(t, "prod", "certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/abc", "ecsExec=true")
	for _, id := range []string{"ELB-2"} {
		if got := verdict(t, rep, id); got != policy.Pass {
			t.Errorf("%s: got %s, want pass%s", id, got, findings(rep, id))
		}
	}
	for _, id := range []string{"ELB-1", "IAM-1"} {
		if got := verdict(t, rep, id); got != policy.Excepted {
			t.Errorf("%s: got %s, want exception (checker conflicts only)%s", id, got, findings(rep, id))
		}
	}
	ssm := false
	for _, f := range rep.Findings {
		if f.Control == "IAM-1" && strings.Contains(f.Reason, "ssmmessages:OpenDataChannel") && f.Exception == "UnscopableActions" {
			ssm = true
		}
	}
	if !ssm {
		t.Errorf("IAM-1 with ecsExec: got no UnscopableActions exception for the ssmmessages statement%s", findings(rep, "IAM-1"))
	}
	if rep.Failed() {
		t.Errorf("Failed(): got true, want false")
	}
}

// TestDevelopmentStackFailsNothing: the dev stack fails no control, and
// every control it misses is a documented development trade-off (or a
// checker conflict it shares with production).
func TestDevelopmentStackFailsNothing(t *testing.T) {
	rep := stackReport(t, "dev")
	if rep.Profile != policy.Development {
		t.Fatalf("profile: got %s, want %s", rep.Profile, policy.Development)
	}
	allowed := append(exceptionNames(policy.DevelopmentTradeOffs()), exceptionNames(policy.CheckerConflicts())...)
	for _, f := range rep.Findings {
		switch f.Verdict {
		case policy.Pass, policy.NotApplicable:
		case policy.Excepted:
			if !slices.Contains(allowed, f.Exception) {
				t.Errorf("%s %s: got exception %s, want a documented trade-off", f.Control, f.Resource, f.Exception)
			}
		default:
			t.Errorf("%s %s: got %s (%s), want pass or a documented trade-off", f.Control, f.Resource, f.Verdict, f.Reason)
		}
	}
	if rep.Failed() {
		t.Errorf("Failed(): got true, want false")
	}
	// The trade-offs the development profile makes all show.
	used := exceptionNames(rep.Exceptions)
	for _, want := range []string{"DevNoFlowLogs", "DevSingleNat", "DevNoContainerInsights", "DevSingleTask", "DevNoAccessLogs",
		"DevAlbDeletable", "DevSingleAZDatabase", "DevDatabaseDeletable", "DevNoPerformanceInsights", "DevDataNotProtected",
		"DevNoMediaAccessLogs", "DevNoAlarms"} {
		if !slices.Contains(used, want) {
			t.Errorf("dev exceptions: got %v, want %s among them", used, want)
		}
	}
}

// TestTradeOffsHoldOnlyInDevelopment: the dev stack's document relabelled
// production fails exactly the controls its trade-offs cover.
func TestTradeOffsHoldOnlyInDevelopment(t *testing.T) {
	out, stderr, code := synthRun(t, "-stack", "dev", "-format", "json", "-resolved")
	if code != 0 {
		t.Fatal(stderr)
	}
	relabelled := strings.Replace(out, `"djangofargate:profile": "development"`, `"djangofargate:profile": "production"`, 1)
	if relabelled == out {
		t.Fatal("dev document has no djangofargate:profile development")
	}
	doc, err := policy.Decode([]byte(relabelled))
	if err != nil {
		t.Fatal(err)
	}
	rep := policy.Evaluate(doc)
	var failed []string
	for _, r := range rep.Results {
		if r.Verdict == policy.Fail {
			failed = append(failed, r.Control.ID)
		}
	}
	// LOG-1 and RDS-4 are stricter in production (365-day logs, 7-day
	// backups); NET-5's trade-off holds in every profile.
	want := []string{"NET-1", "NET-3", "ECS-6", "ECS-11", "ELB-5", "ELB-6", "RDS-3", "RDS-4", "RDS-5", "RDS-10", "LOG-1", "DATA-1", "S3-5", "MON-1"}
	if !slices.Equal(failed, want) {
		t.Errorf("dev preview judged as production, failed: got %v, want %v", failed, want)
	}
	if !rep.Failed() {
		t.Errorf("Failed(): got false, want true")
	}
}

// TestEveryControlsRowIsCovered: every row of the repository's CONTROLS.md
// (policy/CONTROLS.md, the copy the package cites) is a check of the package
// or a row the package names as judged elsewhere, with the table's title and
// profile columns; and the package checks no row the table lacks.
func TestEveryControlsRowIsCovered(t *testing.T) {
	path := filepath.Join(testutil.RepoRoot(), "policy", "CONTROLS.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the repository's CONTROLS.md: %v", err)
	}
	row := regexp.MustCompile(`^\|\s*([A-Z0-9]+-\d+)\s*\|([^|]*)\|[^|]*\|[^|]*\|[^|]*\|\s*([MCO])\s*\|\s*([MCO])\s*\|`)
	controls := map[string]*policy.Control{}
	for _, c := range policy.Controls() {
		controls[c.ID] = c
	}
	elsewhere := map[string]bool{}
	for _, j := range policy.JudgedElsewhere() {
		elsewhere[j.ID] = true
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		id := m[1]
		rows[id] = true
		c, ok := controls[id]
		if !ok {
			if !elsewhere[id] {
				t.Errorf("%s: neither a check nor judged elsewhere", id)
			}
			continue
		}
		if got, want := c.Title, strings.ReplaceAll(strings.TrimSpace(m[2]), "`", ""); got != want {
			t.Errorf("%s title: got %q, want %q", id, got, want)
		}
		if got, want := string(c.Production)+string(c.Development), m[3]+m[4]; got != want {
			t.Errorf("%s P/D: got %s, want %s", id, got, want)
		}
	}
	if len(rows) < 40 {
		t.Fatalf("CONTROLS.md rows: got %d, want the whole table", len(rows))
	}
	for id := range controls {
		if !rows[id] {
			t.Errorf("%s: checked, but not a row of CONTROLS.md", id)
		}
	}
	for id := range elsewhere {
		if !rows[id] {
			t.Errorf("%s: judged elsewhere, but not a row of CONTROLS.md", id)
		}
	}
}

// TestSynthCheck: -check prints the report and exits 0 when nothing
// required fails; -check-file judges a document from a file or stdin and
// exits 1 when a required control fails; -check-file takes no -stack.
func TestSynthCheck(t *testing.T) {
	out, stderr, code := synthRun(t, "-stack", "prod", "-check")
	if code != synth.ExitOK {
		t.Fatalf("-stack prod -check: got exit %d, want 0: %s", code, stderr)
	}
	for _, want := range []string{"ID", "RESOURCE", "VERDICT", "REASON", "AlbInternetIngress", "DJ-1",
		"Summary: 59 controls checked", " 0 failed,"} {
		if !strings.Contains(out, want) {
			t.Errorf("-check output: got no %q in\n%s", want, out)
		}
	}

	bad := good()
	set(bad.get(t, "db").inputs, "storageEncrypted", false)
	file := filepath.Join(t.TempDir(), "preview.json")
	if err := os.WriteFile(file, bad.bytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = synthRun(t, "-check-file", file)
	if code != synth.ExitFailed || !strings.Contains(out, "RDS-2") || !strings.Contains(out, "Failed: RDS-2") {
		t.Errorf("-check-file with an unencrypted database: got exit %d, want 1 and RDS-2 failed in\n%s", code, out)
	}

	if out, stderr, code = synthRunInput(t, strings.NewReader(string(good().bytes(t))), "-check-file", "-"); code != synth.ExitOK || !strings.Contains(out, " 0 failed,") {
		t.Errorf("-check-file - with a good document: got exit %d, want 0: %s\n%s", code, stderr, out)
	}

	if _, _, code = synthRun(t, "-stack", "prod", "-check-file", file); code != synth.ExitUsage {
		t.Errorf("-check-file with -stack: got exit %d, want %d", code, synth.ExitUsage)
	}
	if _, _, code = synthRun(t, "-stack", "prod", "-check", "-format", "mermaid", "-update-readme", file); code != synth.ExitUsage {
		t.Errorf("-check with -update-readme: got exit %d, want %d", code, synth.ExitUsage)
	}
	if _, stderr, code = synthRunInput(t, strings.NewReader("not json"), "-check-file", "-"); code != synth.ExitFailed || !strings.Contains(stderr, "not a preview document") {
		t.Errorf("-check-file with garbage: got exit %d, stderr %q; want 1 naming the problem", code, stderr)
	}
}

// TestEvaluateIsDeterministic judges the same development document many
// times and wants the same findings, in the same order, every time: -check's
// table and the README's copies of it must not reorder between runs (MON-1
// once listed its missing 5xx and latency alarms in map order).
func TestEvaluateIsDeterministic(t *testing.T) {
	out, stderr, code := synthRun(t, "-stack", "dev", "-format", "json", "-resolved")
	if code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	doc, err := policy.Decode([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	render := func() string {
		var b strings.Builder
		for _, f := range policy.Evaluate(doc).Findings {
			fmt.Fprintf(&b, "%s %s %s %s\n", f.Control, f.Resource, f.Verdict, f.Reason)
		}
		return b.String()
	}
	want := render()
	for i := 0; i < 100; i++ {
		if got := render(); got != want {
			t.Fatalf("run %d: findings got\n%s\nwant (run 0)\n%s", i+1, got, want)
		}
	}
}
