package workflows_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSection returns the text of README.md's section that starts with
// the heading line (e.g. "## Continuous delivery") and ends at the next
// heading of the same level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	start := strings.Index(doc, "\n"+heading+"\n")
	if start < 0 {
		t.Fatalf("README.md has no %q section", heading)
	}
	rest := doc[start+1+len(heading):]
	level := heading[:strings.Index(heading, " ")+1]
	if end := strings.Index(rest, "\n"+level); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// tableRow returns the Markdown table row whose first cell is cell.
func tableRow(section, cell string) string {
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| "+cell+" |") {
			return line
		}
	}
	return ""
}

// TestReadmeGatesProductionPreview: the environments the workflow test lets
// pull-request jobs use for production (gatedEnvironments) are documented
// with required reviewers, and so is production itself; that setting lives
// in GitHub, so the README is where it is promised.
func TestReadmeGatesProductionPreview(t *testing.T) {
	section := readmeSection(t, "## Continuous delivery")
	for _, env := range append([]string{"production"}, gatedEnvironments...) {
		row := tableRow(section, "`"+env+"`")
		switch {
		case row == "":
			t.Errorf("README.md, Continuous delivery: no environments table row for %s", env)
		case !strings.Contains(row, "required reviewers"):
			t.Errorf("README.md, Continuous delivery: the row of %s does not require reviewers: %s", env, row)
		}
	}
	// A pull request can edit the workflow it runs: the deploy
	// environments' branch rule is what refuses it their values.
	for _, env := range deployEnvironments {
		if row := tableRow(section, "`"+env+"`"); !strings.Contains(row, "deployment branches: `main` only") {
			t.Errorf("README.md, Continuous delivery: the row of %s does not restrict its deployment branches to main: %q", env, row)
		}
	}
}

var jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)```")

// TestReadmeTrustPoliciesNameOneEnvironment: every trust policy in the
// README trusts GitHub's OIDC subject with StringEquals on an audience and
// on environment subjects only (never a branch, a pull request or a
// wildcard), and the role shown is prod's deploy role, trusting only
// environment:production (issue 20, item 1).
func TestReadmeTrustPoliciesNameOneEnvironment(t *testing.T) {
	section := readmeSection(t, "## Continuous delivery")
	const subKey, audKey = "token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud"
	envSub := regexp.MustCompile(`^repo:OWNER/REPO:environment:[a-z-]+$`)
	var subs []string
	for _, m := range jsonBlock.FindAllStringSubmatch(section, -1) {
		var doc struct {
			Statement []struct {
				Action    any                       `json:"Action"`
				Condition map[string]map[string]any `json:"Condition"`
			} `json:"Statement"`
		}
		if err := json.Unmarshal([]byte(m[1]), &doc); err != nil {
			t.Errorf("README.md: a json block does not parse: %v\n%s", err, m[1])
			continue
		}
		for _, st := range doc.Statement {
			if st.Action != "sts:AssumeRoleWithWebIdentity" {
				continue
			}
			for op, kv := range st.Condition {
				for k, v := range kv {
					if k == subKey && op != "StringEquals" {
						t.Errorf("README.md: trust policy matches %s with %s, want StringEquals", k, op)
					}
					if k != subKey {
						continue
					}
					for _, s := range anyStrings(v) {
						subs = append(subs, s)
						if !envSub.MatchString(s) {
							t.Errorf("README.md: trust policy trusts sub %q, want repo:OWNER/REPO:environment:NAME", s)
						}
					}
				}
			}
			if st.Condition["StringEquals"][audKey] != "sts.amazonaws.com" {
				t.Errorf("README.md: trust policy has aud %v, want sts.amazonaws.com", st.Condition["StringEquals"][audKey])
			}
		}
	}
	if len(subs) != 1 || subs[0] != "repo:OWNER/REPO:environment:production" {
		t.Errorf("README.md: the trust policy shown trusts %q, want only [repo:OWNER/REPO:environment:production]", subs)
	}
}

// anyStrings reads a JSON string or list of strings.
func anyStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}
