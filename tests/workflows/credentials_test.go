package workflows_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// untrustedTriggers are the events whose jobs run, or act on, code that has
// not been reviewed and merged: the pull request's own code (pull_request),
// or base-repository jobs an outsider can start and feed (pull_request_target
// and the comment and review events run with the repository's secrets;
// workflow_run is how a pull request's artifacts reach them). CONTROLS.md
// CI-1; GitHub's "Security hardening for GitHub Actions", "Keeping your
// GitHub Actions and workflows secure: Preventing pwn requests".
var untrustedTriggers = []string{
	"pull_request", "pull_request_target", "pull_request_review",
	"pull_request_review_comment", "issue_comment", "workflow_run",
}

// deployEnvironments are the GitHub environments that hold a deploy role,
// token and passphrase (README.md, Continuous delivery). No job that runs
// pull-request code may run in one, approved or not.
var deployEnvironments = []string{"development", "production"}

// gatedEnvironments are the production-scoped environments a pull-request
// job may run in, because the README requires reviewers on them: the job
// waits until a reviewer approves that this pull request's code may see
// production's view-only role and state. TestReadmeGatesProductionPreview
// keeps the README's side of that promise.
var gatedEnvironments = []string{"production-preview"}

// deployRoleVariable names the deploy role; a pull-request job never reads
// it, not even as a fallback.
const deployRoleVariable = "AWS_ROLE_ARN"

var (
	contextRef = regexp.MustCompile(`\b(secrets|vars)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)`)
	// wholeContext matches uses of a context that a name scan cannot follow:
	// indexing (secrets['X'], secrets[format(...)]) and the context as a
	// value (toJSON(secrets)).
	wholeContext = regexp.MustCompile(`\b(secrets|vars)\s*(\[|\)|,|\}\})`)
	prodName     = regexp.MustCompile(`(?i)prod`)
)

// contextRefs returns the secrets.X and vars.X the job names anywhere (run
// scripts, with:, env:, if:, the environment's URL), sorted, and the
// whole-context uses it cannot decide.
func contextRefs(j *job) (refs []string, whole []string) {
	for _, s := range scalars(&j.Node) {
		for _, m := range contextRef.FindAllStringSubmatch(s, -1) {
			r := m[1] + "." + m[2]
			if !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
		for _, m := range wholeContext.FindAllString(s, -1) {
			whole = append(whole, strings.TrimSpace(m))
		}
	}
	slices.Sort(refs)
	return refs, whole
}

// untrustedFindings lists every way a job of w that runs on an untrusted
// trigger could see production's secrets, variables or roles, or any cloud
// value at all without an environment's scoping. An empty list means none.
func untrustedFindings(w *workflow) []string {
	var on []string
	for _, t := range w.triggers() {
		if slices.Contains(untrustedTriggers, t) {
			on = append(on, t)
		}
	}
	if len(on) == 0 {
		return nil
	}
	var out []string
	for _, j := range w.jobsInOrder() {
		where := fmt.Sprintf("%s: job %s (on %s)", w.File, j.ID, strings.Join(on, ", "))
		add := func(format string, a ...any) { out = append(out, where+": "+fmt.Sprintf(format, a...)) }

		envs, undecidable := j.environments()
		for _, u := range undecidable {
			add("environment %q cannot be decided from the workflow: name it, or use a matrix value", u)
		}
		for _, e := range envs {
			switch {
			case slices.Contains(deployEnvironments, e):
				add("runs in the deploy environment %q, whose role, token and passphrase deploy the stack", e)
			case prodName.MatchString(e) && !slices.Contains(gatedEnvironments, e):
				add("runs in the production-scoped environment %q, which is not a reviewer-gated preview environment (%s)", e, strings.Join(gatedEnvironments, ", "))
			}
		}

		refs, whole := contextRefs(j)
		for _, wc := range whole {
			add("uses the %s context as a whole, which hands every value to the job", wc)
		}
		if j.Uses != "" && j.Secrets.Kind == yaml.ScalarNode && j.Secrets.Value == "inherit" {
			add("calls %s with secrets: inherit", j.Uses)
		}
		var cloud []string
		for _, r := range refs {
			name := r[strings.Index(r, ".")+1:]
			switch {
			case r == "vars."+deployRoleVariable:
				add("names %s, the deploy role (a preview uses its own view-only role, with no fallback)", r)
			case prodName.MatchString(name):
				add("names %s, a production-scoped value", r)
			}
			if r != "secrets.GITHUB_TOKEN" {
				cloud = append(cloud, r)
			}
		}
		idToken := w.permission(j, "id-token") == "write"
		if len(envs) == 0 && len(undecidable) == 0 {
			if len(cloud) > 0 {
				add("reads %s with no environment: repository-level secrets and variables reach every job, pull requests included", strings.Join(cloud, ", "))
			}
			if idToken {
				add("asks for an OIDC token (id-token: write) with no environment: any role trusting this repository's pull_request subject becomes the pull request's")
			}
		}
	}
	return out
}

// TestPullRequestCodeSeesNoProductionCredentials is CONTROLS.md CI-1 (issue
// 20, item 1): no job that runs pull-request code can read production's
// secrets, variables or roles, except in a preview environment that a
// reviewer must approve, and no such job reads any cloud value that is not
// scoped to an environment.
func TestPullRequestCodeSeesNoProductionCredentials(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		for _, f := range untrustedFindings(w) {
			t.Error(f)
		}
	}
}

// TestCloudValuesAreScopedToEnvironments: every job, on any trigger, that
// reads a secret or a variable, or asks for an OIDC token, names a GitHub
// environment, so dev and prod hold their own role, token and passphrase and
// none is set at the repository level, where every job would see it.
func TestCloudValuesAreScopedToEnvironments(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		for _, j := range w.jobsInOrder() {
			envs, undecidable := j.environments()
			if len(envs)+len(undecidable) > 0 {
				continue
			}
			refs, whole := contextRefs(j)
			refs = slices.DeleteFunc(refs, func(r string) bool { return r == "secrets.GITHUB_TOKEN" })
			if len(refs)+len(whole) > 0 {
				t.Errorf("%s: job %s reads %s with no environment", w.File, j.ID, strings.Join(append(refs, whole...), ", "))
			}
			if w.permission(j, "id-token") == "write" {
				t.Errorf("%s: job %s asks for an OIDC token with no environment: its subject would be its branch or pull request, not an environment a role can trust alone", w.File, j.ID)
			}
		}
	}
}

// TestProductionDeployRunsInProduction: the job that deploys prod runs in
// the environment "production", the only subject prod's deploy role trusts.
func TestProductionDeployRunsInProduction(t *testing.T) {
	w := workflowNamed(t, "deploy.yml")
	found := false
	for _, j := range w.jobsInOrder() {
		for _, s := range j.stepsUsing("pulumi/actions") {
			if !strings.Contains(s.With["stack-name"], "prod") {
				continue
			}
			found = true
			envs, _ := j.environments()
			if !slices.Equal(envs, []string{"production"}) {
				t.Errorf("deploy.yml: job %s deploys prod in environments %q, want [production]", j.ID, envs)
			}
		}
	}
	if !found {
		t.Error("deploy.yml: no pulumi/actions step deploys the prod stack")
	}
}

// TestCheckerCatchesUnsafeJobs protects the checker itself: each way
// pull-request code could reach production is a finding, and the safe
// shapes are not. The first case is preview.yml as it was before issue 20.
func TestCheckerCatchesUnsafeJobs(t *testing.T) {
	before, err := os.ReadFile(filepath.Join("testdata", "preview-before-issue-20.yml"))
	if err != nil {
		t.Fatal(err)
	}
	const head = "on:\n  pull_request:\npermissions: {}\njobs:\n"
	cases := []struct {
		name string
		src  string
		want []string // substrings, one finding each; none for a safe workflow
	}{
		{"preview.yml before issue 20", string(before), []string{
			"job preview (on pull_request): names vars.AWS_ROLE_ARN, the deploy role",
			"job preview (on pull_request): reads secrets.PULUMI_ACCESS_TOKEN, secrets.PULUMI_CONFIG_PASSPHRASE",
			"job preview (on pull_request): asks for an OIDC token (id-token: write) with no environment",
		}},
		{"production environment", head + "  p:\n    runs-on: x\n    environment: production\n    steps: [{run: 'true'}]\n",
			[]string{`deploy environment "production"`}},
		{"production environment as a mapping", head + "  p:\n    runs-on: x\n    environment: {name: production, url: 'https://x'}\n    steps: [{run: 'true'}]\n",
			[]string{`deploy environment "production"`}},
		{"production from a matrix", head + "  p:\n    runs-on: x\n    strategy: {matrix: {env: [development-preview, production]}}\n    environment: ${{ matrix.env }}\n    steps: [{run: 'true'}]\n",
			[]string{`deploy environment "production"`}},
		{"an ungated prod environment", head + "  p:\n    runs-on: x\n    environment: prod-preview\n    steps: [{run: 'true'}]\n",
			[]string{`production-scoped environment "prod-preview"`}},
		{"an undecidable environment", head + "  p:\n    runs-on: x\n    environment: ${{ github.head_ref }}\n    steps: [{run: 'true'}]\n",
			[]string{"cannot be decided"}},
		{"a repository secret", head + "  p:\n    runs-on: x\n    steps: [{run: 'echo', env: {T: '${{ secrets.PULUMI_ACCESS_TOKEN }}'}}]\n",
			[]string{"reads secrets.PULUMI_ACCESS_TOKEN with no environment"}},
		{"a prod-named secret in a dev environment", head + "  p:\n    runs-on: x\n    environment: development-preview\n    steps: [{run: 'echo ${{ secrets.PROD_PASSPHRASE }}'}]\n",
			[]string{"names secrets.PROD_PASSPHRASE, a production-scoped value"}},
		{"the deploy role as a fallback", head + "  p:\n    runs-on: x\n    environment: development-preview\n    steps: [{uses: a/b@v1, with: {role-to-assume: '${{ vars.AWS_PREVIEW_ROLE_ARN || vars.AWS_ROLE_ARN }}'}}]\n",
			[]string{"names vars.AWS_ROLE_ARN, the deploy role"}},
		{"an OIDC token without an environment", head + "  p:\n    runs-on: x\n    permissions: {id-token: write}\n    steps: [{run: 'true'}]\n",
			[]string{"asks for an OIDC token"}},
		{"write-all at the workflow level", "on: [pull_request]\npermissions: write-all\njobs:\n  p:\n    runs-on: x\n    steps: [{run: 'true'}]\n",
			[]string{"asks for an OIDC token"}},
		{"every secret as JSON", head + "  p:\n    runs-on: x\n    steps: [{run: 'echo ${{ toJSON(secrets) }}'}]\n",
			[]string{"uses the secrets) context"}},
		{"an indexed secret", head + "  p:\n    runs-on: x\n    steps: [{run: \"echo ${{ secrets['PULUMI_ACCESS_TOKEN'] }}\"}]\n",
			[]string{"uses the secrets[ context"}},
		{"pull_request_target", "on:\n  pull_request_target:\njobs:\n  p:\n    runs-on: x\n    steps: [{run: 'echo ${{ secrets.PULUMI_ACCESS_TOKEN }}'}]\n",
			[]string{"(on pull_request_target): reads secrets.PULUMI_ACCESS_TOKEN"}},
		{"a reusable workflow inheriting secrets", head + "  p:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n",
			[]string{"secrets: inherit"}},
		{"safe: offline job", head + "  p:\n    runs-on: x\n    permissions: {contents: read}\n    steps: [{run: 'go test ./...'}]\n", nil},
		{"safe: the comment token", head + "  p:\n    runs-on: x\n    steps: [{run: 'x', env: {GH: '${{ secrets.GITHUB_TOKEN }}'}}]\n", nil},
		{"safe: gated prod preview", head + "  p:\n    runs-on: x\n    environment: production-preview\n    permissions: {id-token: write}\n    steps: [{uses: a/b@v1, with: {role-to-assume: '${{ vars.AWS_PREVIEW_ROLE_ARN }}'}, env: {T: '${{ secrets.PULUMI_ACCESS_TOKEN }}'}}]\n", nil},
		{"safe: push only", "on:\n  push:\njobs:\n  p:\n    runs-on: x\n    environment: production\n    steps: [{run: 'echo ${{ secrets.PULUMI_ACCESS_TOKEN }}'}]\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := parseWorkflow("case.yml", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			got := untrustedFindings(w)
			if len(c.want) == 0 && len(got) > 0 {
				t.Errorf("got findings %q, want none", got)
			}
			for _, want := range c.want {
				if !slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, want) }) {
					t.Errorf("got findings %q, want one containing %q", got, want)
				}
			}
		})
	}
}
