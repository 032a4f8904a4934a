package registry

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ECR-1, ECR-2: the repository scans on push, has immutable tags, is
// encrypted (AES256 unless a KMS key is given), and is not force-deleted
// unless asked.
func TestRepositorySettings(t *testing.T) {
	ctxDir := writeContext(t, baseFiles)
	kms := "arn:aws:kms:us-east-1:123456789012:key/abcd"
	for _, tc := range []struct {
		name            string
		args            components.RegistryArgs
		wantEncryption  string
		wantKms         any
		wantForceDelete bool
	}{
		{"defaults", components.RegistryArgs{Context: ctxDir}, "AES256", nil, false},
		{"kms key", components.RegistryArgs{Context: ctxDir, KMSKeyArn: pulumi.String(kms)}, "KMS", kms, false},
		{"force delete", components.RegistryArgs{Context: ctxDir, ForceDelete: pulumi.BoolRef(true)}, "AES256", nil, true},
		{"prebuilt image", components.RegistryArgs{Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1"}, "AES256", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			repo := testutil.One(t, res, typeRepo)
			checks := []struct {
				path string
				want any
			}{
				{"imageScanningConfiguration.scanOnPush", true},
				{"imageTagMutability", "IMMUTABLE"},
				{"encryptionConfigurations.0.encryptionType", tc.wantEncryption},
				{"encryptionConfigurations.0.kmsKey", tc.wantKms},
				{"forceDelete", tc.wantForceDelete},
			}
			for _, c := range checks {
				if got := repo.Input(c.path); got != c.want {
					t.Errorf("repository %s: got %v, want %v", c.path, got, c.want)
				}
			}
			if n := len(repo.Input("encryptionConfigurations").([]any)); n != 1 {
				t.Errorf("encryption configurations: got %d, want 1", n)
			}
			comp := testutil.One(t, res, typeRegistry)
			if repo.Parent != comp.URN {
				t.Errorf("repository parent: got %s, want %s", repo.Parent, comp.URN)
			}
			if repo.Name != "app-repository" {
				t.Errorf("repository logical name: got %q, want %q", repo.Name, "app-repository")
			}
		})
	}
}

// The repository is auto-named unless a name is given, and the outputs
// carry the repository's URL, ARN and name.
func TestRepositoryNameAndOutputs(t *testing.T) {
	ctxDir := writeContext(t, baseFiles)
	for _, tc := range []struct {
		name, repoName, wantPrefix string
	}{
		{"auto-named", "", "app-repository-"},
		{"named", "team/django-api", "team/django-api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, components.RegistryArgs{Context: ctxDir, Name: tc.repoName})
			repo := testutil.One(t, res, typeRepo)
			gotName, _ := res.Exports["repositoryName"].(string)
			if !strings.HasPrefix(gotName, tc.wantPrefix) {
				t.Errorf("repositoryName: got %q, want prefix %q", gotName, tc.wantPrefix)
			}
			if tc.repoName != "" && repo.InputString("name") != tc.repoName {
				t.Errorf("repository name input: got %q, want %q", repo.InputString("name"), tc.repoName)
			}
			for export, output := range map[string]string{
				"repositoryUrl": "repositoryUrl", "repositoryArn": "arn", "repositoryName": "name",
			} {
				if got, want := res.Exports[export], repo.Output(output); got != want || got == nil {
					t.Errorf("export %s: got %v, want the repository's %s %v", export, got, output, want)
				}
			}
		})
	}
}

// ECR-3: the lifecycle policy, parsed back, expires untagged images after a
// day (rule 1) and keeps the newest N images (rule 2, the lowest priority
// as "any" must be), and follows ECR's lifecycle policy grammar.
func TestLifecyclePolicy(t *testing.T) {
	ctxDir := writeContext(t, baseFiles)
	for _, tc := range []struct {
		name     string
		kept     int
		wantKept float64
	}{
		{"default keeps 10", 0, 10},
		{"keeps 1", 1, 1},
		{"keeps 25", 25, 25},
		{"keeps 1000", 1000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, components.RegistryArgs{Context: ctxDir, ImagesKept: tc.kept})
			lp := testutil.One(t, res, typeLifecycle)
			repo := testutil.One(t, res, typeRepo)
			if got, want := lp.Input("repository"), repo.Output("name"); got != want {
				t.Errorf("lifecycle policy repository: got %v, want %v", got, want)
			}
			var doc struct {
				Rules []map[string]any `json:"rules"`
			}
			if err := json.Unmarshal([]byte(lp.InputString("policy")), &doc); err != nil {
				t.Fatalf("policy is not JSON: %v: %s", err, lp.InputString("policy"))
			}
			if len(doc.Rules) != 2 {
				t.Fatalf("rules: got %d, want 2", len(doc.Rules))
			}
			want := []struct {
				priority    float64
				tagStatus   string
				countType   string
				countUnit   any
				countNumber float64
			}{
				{1, "untagged", "sinceImagePushed", "days", 1},
				{2, "any", "imageCountMoreThan", nil, tc.wantKept},
			}
			for i, w := range want {
				r := doc.Rules[i]
				sel, _ := r["selection"].(map[string]any)
				act, _ := r["action"].(map[string]any)
				for _, c := range []struct {
					field     string
					got, want any
				}{
					{"rulePriority", r["rulePriority"], w.priority},
					{"selection.tagStatus", sel["tagStatus"], w.tagStatus},
					{"selection.countType", sel["countType"], w.countType},
					{"selection.countUnit", sel["countUnit"], w.countUnit},
					{"selection.countNumber", sel["countNumber"], w.countNumber},
					{"action.type", act["type"], "expire"},
				} {
					if c.got != c.want {
						t.Errorf("rule %d %s: got %v, want %v", i+1, c.field, c.got, c.want)
					}
				}
			}
			checkLifecycleGrammar(t, doc.Rules)
		})
	}
}

// checkLifecycleGrammar checks the rules ECR enforces when it accepts a
// policy (ECR user guide, "Lifecycle policy properties").
func checkLifecycleGrammar(t *testing.T, rules []map[string]any) {
	t.Helper()
	allowedRule := map[string]bool{"rulePriority": true, "description": true, "selection": true, "action": true}
	allowedSel := map[string]bool{"tagStatus": true, "tagPrefixList": true, "tagPatternList": true,
		"countType": true, "countUnit": true, "countNumber": true}
	prev := 0.0
	for i, r := range rules {
		for k := range r {
			if !allowedRule[k] {
				t.Errorf("rule %d: unknown key %q", i+1, k)
			}
		}
		p, _ := r["rulePriority"].(float64)
		if p < 1 || p != float64(int(p)) || p <= prev {
			t.Errorf("rule %d rulePriority: got %v, want a whole number above %v (unique, ascending)", i+1, r["rulePriority"], prev)
		}
		prev = p
		sel, _ := r["selection"].(map[string]any)
		for k := range sel {
			if !allowedSel[k] {
				t.Errorf("rule %d selection: unknown key %q", i+1, k)
			}
		}
		switch sel["tagStatus"] {
		case "any":
			if i != len(rules)-1 {
				t.Errorf("rule %d: tagStatus any at position %d of %d, want the highest rulePriority (last)", i+1, i+1, len(rules))
			}
		case "untagged":
		case "tagged":
			if sel["tagPrefixList"] == nil && sel["tagPatternList"] == nil {
				t.Errorf("rule %d: tagged needs tagPrefixList or tagPatternList", i+1)
			}
		default:
			t.Errorf("rule %d tagStatus: got %v, want tagged, untagged or any", i+1, sel["tagStatus"])
		}
		switch sel["countType"] {
		case "sinceImagePushed":
			if sel["countUnit"] != "days" {
				t.Errorf("rule %d countUnit: got %v, want days with sinceImagePushed", i+1, sel["countUnit"])
			}
		case "imageCountMoreThan":
			if sel["countUnit"] != nil {
				t.Errorf("rule %d countUnit: got %v, want none with imageCountMoreThan", i+1, sel["countUnit"])
			}
		default:
			t.Errorf("rule %d countType: got %v, want sinceImagePushed or imageCountMoreThan", i+1, sel["countType"])
		}
		if n, _ := sel["countNumber"].(float64); n < 1 || n != float64(int(n)) {
			t.Errorf("rule %d countNumber: got %v, want a positive whole number", i+1, sel["countNumber"])
		}
	}
}
