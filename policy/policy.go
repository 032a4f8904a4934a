// Package policy is the project's security and reliability controls as code:
// one check per row of CONTROLS.md (the repository's copy, policy/CONTROLS.md)
// that can be judged from a stack's resources, evaluated on a
// `pulumi preview --json` document.
//
// It reads preview documents only, never the component types, so the same
// checks judge cmd/synth's offline preview and a real preview from a user's
// CI. Values a real preview cannot show (the unknown placeholder, "[secret]")
// make a check NotDecidable, never Pass; on a critical or high control that
// is a Fail with the reason (Control.FailsClosed), so a first deploy's real
// preview, where container definitions and policies are unknown, fails those
// controls until the values are known. Documented trade-offs and known
// checker conflicts are named Exceptions, data the report shows, not silence.
//
//	doc, err := policy.Read(os.Stdin)
//	report := policy.Evaluate(doc)
//	report.Write(os.Stdout)
//	if report.Failed() { os.Exit(1) }
package policy

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Verdict is the outcome of a check on one resource.
type Verdict string

// Verdicts, from best to worst as a control's overall verdict ranks them.
const (
	// NotApplicable: the control does not apply (no such resource, or a
	// condition such as a certificate is not configured).
	NotApplicable Verdict = "not applicable"
	// Pass: the resource meets the control.
	Pass Verdict = "pass"
	// Excepted: the resource misses the control in a way a named Exception
	// documents; the finding carries the exception's name and reason.
	Excepted Verdict = "exception"
	// NotDecidable: a value the check needs is unknown or secret in the
	// preview; the control is neither met nor failed. Only medium and low
	// controls keep it: a critical or high control fails closed instead
	// (Control.FailsClosed).
	NotDecidable Verdict = "not decidable"
	// Fail: the resource misses the control and no exception applies.
	Fail Verdict = "fail"
)

var rank = map[Verdict]int{NotApplicable: 0, Pass: 1, Excepted: 2, NotDecidable: 3, Fail: 4}

// Severity is how much a failure of the control exposes.
type Severity string

// Severities.
const (
	// Critical: a failure exposes data or the network to the internet.
	Critical Severity = "critical"
	// High: a failure weakens encryption, isolation or recovery.
	High Severity = "high"
	// Medium: a failure costs availability or visibility.
	Medium Severity = "medium"
	// Low: hygiene.
	Low Severity = "low"
)

// Requirement is a profile column of CONTROLS.md.
type Requirement string

// Requirements.
const (
	// Must (M): required, always met.
	Must Requirement = "M"
	// Configurable (C): required and met by default; a documented trade-off
	// (a named exception) may switch it off.
	Configurable Requirement = "C"
	// Optional (O): an optional feature; a failure does not fail the run.
	Optional Requirement = "O"
)

// Control is one row of CONTROLS.md and its check.
type Control struct {
	// ID is the row id, e.g. "NET-1".
	ID string
	// Title is the row's control column.
	Title string
	// Severity ranks a failure.
	Severity Severity
	// References are the checker rules the row cites: SH (Security Hub),
	// NAG (cdk-nag), CK (Checkov), AG (AWSGuard), WA (Well-Architected).
	References []string
	// Production and Development are the P and D columns.
	Production, Development Requirement

	check func(d *Document, profile string) []Finding
}

// Requirement returns the control's requirement in a profile.
func (c *Control) Requirement(profile string) Requirement {
	if profile == Development {
		return c.Development
	}
	return c.Production
}

// FailsClosed reports whether a finding the check cannot decide fails the
// control: for critical and high controls (those guarding access, secrets
// and data) a value hidden from the preview (a secret, an unknown, a policy
// the preview cannot show) is a Fail with the reason, never a pass
// (CONTROLS.md, "Undecidable is not a pass").
func (c *Control) FailsClosed() bool { return c.Severity == Critical || c.Severity == High }

// Finding is the verdict of one control on one resource.
type Finding struct {
	// Control is the control's ID.
	Control string
	// Resource is the resource's name (the end of its URN), or "-" for a
	// finding about the document as a whole.
	Resource string
	// URN is the resource's URN, "" for the document.
	URN string
	// Verdict is the outcome.
	Verdict Verdict
	// Reason says what was found; for Excepted, the exception's reason.
	Reason string
	// Code names the kind of miss ("no-flow-log"): what exceptions match.
	Code string
	// Subjects are what the miss is about where an exception is scoped by
	// them (the actions of an IAM statement, a managed policy's ARN).
	Subjects []string
	// Exception names the exception applied, "" if none.
	Exception string
	// OnPreview says whether a real first preview decides the finding too
	// (Report.MarkPreview): "yes" when the preview document reaches the
	// same verdict on the same resource, "no" when a value it needs is
	// unknown there; "" when the report was not compared with a preview.
	OnPreview string
}

// ControlResult is a control's overall verdict: its worst finding.
type ControlResult struct {
	// Control is the control judged.
	Control *Control
	// Verdict is the worst verdict of its findings (NotApplicable without any).
	Verdict Verdict
	// Required is whether the report's profile requires the control (M or
	// C); a Fail of an Optional control does not fail the report.
	Required bool
}

// Report is the evaluation of every control on one document.
type Report struct {
	// Profile is the profile the document was judged against.
	Profile string
	// Findings are in control order, then resource order.
	Findings []Finding
	// Results has one entry per control, in Controls() order.
	Results []ControlResult
	// Exceptions lists the exceptions applied at least once.
	Exceptions []Exception
}

// Evaluate runs every control on the document, then applies the named
// exceptions that hold in the document's profile.
func Evaluate(d *Document) *Report {
	return EvaluateWith(d, Controls(), Exceptions())
}

// EvaluateWith runs the given controls and applies the given exceptions: a
// Fail finding whose control, code and subjects an exception covers becomes
// Excepted with the exception's name and reason.
func EvaluateWith(d *Document, controls []*Control, exceptions []Exception) *Report {
	rep := &Report{Profile: d.Profile()}
	used := map[string]bool{}
	for _, c := range controls {
		found := c.check(d, rep.Profile)
		worst := NotApplicable
		for i := range found {
			f := &found[i]
			f.Control = c.ID
			if f.Verdict == NotDecidable && c.FailsClosed() {
				f.Verdict, f.Code = Fail, "not-decidable"
				f.Reason = "not decidable, and a " + string(c.Severity) + " control fails closed: " + f.Reason
			}
			if f.Verdict == Fail {
				for _, e := range exceptions {
					if e.covers(f, rep.Profile) {
						f.Verdict, f.Exception = Excepted, e.Name
						f.Reason = f.Reason + " — exception " + e.Name + ": " + e.Reason
						if !used[e.Name] {
							used[e.Name] = true
							rep.Exceptions = append(rep.Exceptions, e)
						}
						break
					}
				}
			}
			if rank[f.Verdict] > rank[worst] {
				worst = f.Verdict
			}
		}
		rep.Findings = append(rep.Findings, found...)
		rep.Results = append(rep.Results, ControlResult{
			Control: c, Verdict: worst, Required: c.Requirement(rep.Profile) != Optional,
		})
	}
	return rep
}

// Failed reports whether a control the profile requires failed.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if res.Required && res.Verdict == Fail {
			return true
		}
	}
	return false
}

// Count returns how many controls ended with the verdict.
func (r *Report) Count(v Verdict) int {
	n := 0
	for _, res := range r.Results {
		if res.Verdict == v {
			n++
		}
	}
	return n
}

// Result returns a control's result by ID.
func (r *Report) Result(id string) (ControlResult, bool) {
	for _, res := range r.Results {
		if res.Control.ID == id {
			return res, true
		}
	}
	return ControlResult{}, false
}

// Finding values of OnPreview.
const (
	DecidedOnPreview    = "yes"
	NotDecidedOnPreview = "no"
)

// MarkPreview sets OnPreview on each finding of r (the report of a
// resolved document, as after `pulumi up`) from p, the report of the same
// program's first-preview document, where the outputs of resources being
// created are unknown: a finding is decided on the preview when p has
// findings of the same control on the same resource, none of them
// undecidable (NotDecidable, or a Fail because a control fails closed),
// and one of them has the same verdict.
func (r *Report) MarkPreview(p *Report) {
	type key struct{ control, urn, resource string }
	byKey := map[key][]Finding{}
	for _, f := range p.Findings {
		k := key{f.Control, f.URN, f.Resource}
		byKey[k] = append(byKey[k], f)
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		found := byKey[key{f.Control, f.URN, f.Resource}]
		decided, same := len(found) > 0, false
		for _, g := range found {
			if g.Verdict == NotDecidable || g.Code == "not-decidable" {
				decided = false
			}
			same = same || g.Verdict == f.Verdict
		}
		f.OnPreview = NotDecidedOnPreview
		if decided && same {
			f.OnPreview = DecidedOnPreview
		}
	}
}

// PreviewDecides lists, for a report marked by MarkPreview, the controls
// whose every finding a real first preview decides too, and those it does
// not, in control order.
func (r *Report) PreviewDecides() (decided, not []string) {
	ok := map[string]bool{}
	var order []string
	for _, f := range r.Findings {
		if _, seen := ok[f.Control]; !seen {
			ok[f.Control] = true
			order = append(order, f.Control)
		}
		ok[f.Control] = ok[f.Control] && f.OnPreview == DecidedOnPreview
	}
	for _, c := range order {
		if ok[c] {
			decided = append(decided, c)
		} else {
			not = append(not, c)
		}
	}
	return decided, not
}

// Write prints the report: a table of findings (id, resource, verdict,
// reason), the exceptions applied, the rows judged elsewhere, and a summary
// counting controls by overall verdict.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Controls (CONTROLS.md) for profile %s\n\n", r.Profile)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	marked := len(r.Findings) > 0 && r.Findings[0].OnPreview != ""
	if marked {
		fmt.Fprintln(tw, "ID\tRESOURCE\tVERDICT\tREAL PREVIEW\tREASON")
	} else {
		fmt.Fprintln(tw, "ID\tRESOURCE\tVERDICT\tREASON")
	}
	for _, f := range r.Findings {
		reason := f.Reason
		if f.Exception != "" {
			reason, _, _ = strings.Cut(reason, " — exception ")
			reason += " [exception " + f.Exception + "]"
		}
		if marked {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Control, f.Resource, f.Verdict, f.OnPreview, reason)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Control, f.Resource, f.Verdict, reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Exceptions) > 0 {
		fmt.Fprintf(&b, "\nExceptions applied:\n")
		for _, e := range r.Exceptions {
			scope := "every profile"
			if e.Profile != "" {
				scope = e.Profile + " profile"
			}
			fmt.Fprintf(&b, "  %s (%s; %s", e.Name, e.Control, scope)
			if len(e.References) > 0 {
				fmt.Fprintf(&b, "; %s", strings.Join(e.References, ", "))
			}
			fmt.Fprintf(&b, "): %s\n", e.Reason)
		}
	}
	fmt.Fprintf(&b, "\nJudged outside this check:\n")
	for _, j := range JudgedElsewhere() {
		fmt.Fprintf(&b, "  %s %s: %s\n", j.ID, j.Title, j.By)
	}
	var failed []string
	for _, res := range r.Results {
		if res.Verdict == Fail {
			tag := res.Control.ID
			if !res.Required {
				tag += " (optional)"
			}
			failed = append(failed, tag)
		}
	}
	sort.Strings(failed)
	fmt.Fprintf(&b, "\nSummary: %d controls checked, %d passed, %d failed, %d exceptions, %d not decidable, %d not applicable (%d findings)\n",
		len(r.Results), r.Count(Pass), r.Count(Fail), r.Count(Excepted), r.Count(NotDecidable), r.Count(NotApplicable), len(r.Findings))
	if len(failed) > 0 {
		fmt.Fprintf(&b, "Failed: %s\n", strings.Join(failed, ", "))
	}
	if marked {
		decided, not := r.PreviewDecides()
		fmt.Fprintf(&b, "Decided on a real first preview too (REAL PREVIEW): %d of %d controls", len(decided), len(decided)+len(not))
		if len(not) > 0 {
			fmt.Fprintf(&b, "; not decided there: %s", strings.Join(not, ", "))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Judged is a CONTROLS.md row this package does not check, and what does.
type Judged struct {
	// ID is the CONTROLS.md row id.
	ID string
	// Title is the row's control, and which half of it is judged elsewhere.
	Title string
	// By names the tests that judge it.
	By string
}

// JudgedElsewhere lists the rows judged by tests rather than by preview
// documents: they are about the app, the image or the history of URNs,
// which a preview does not show.
func JudgedElsewhere() []Judged {
	return []Judged{
		{"ECS-9", "non-root container (image half)", "tests/dockerfile_test.go TestDockerfile (USER in the image); the container half is checked here"},
		{"ECS-13", "drain and shutdown chain (app half)", "app/tests/test_gunicorn_conf.py test_drain_chain_defaults (gunicorn defaults); the infrastructure half is checked here"},
		{"DATA-2", "stable identities", "tests/datasafety TestStatefulURNsAreStable (a golden list of stateful URNs; one preview cannot show a URN change)"},
		{"DJ-1", "Django deploy checks", "app/tests/test_settings.py test_check_deploy_only_w008"},
		{"CI-1", "pull-request code never sees production credentials", "tests/workflows TestPullRequestCodeSeesNoProductionCredentials (the workflows, which a preview does not show)"},
		{"DJ-2", "proxy awareness", "app/tests/test_settings.py test_service_values_reach_settings (SECURE_PROXY_SSL_HEADER); app/tests/test_gunicorn_conf.py test_other_defaults (forwarded_allow_ips); app/tests/test_live.py test_healthz_with_task_ip_as_host"},
	}
}
