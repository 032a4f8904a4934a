package synth_test

import (
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// stateNamed returns the newState of the step for the resource of type typ
// whose URN ends in name.
func stateNamed(t *testing.T, d previewDigest, typ, name string) *apitype.ResourceV3 {
	t.Helper()
	for _, s := range d.Steps {
		if string(s.NewState.Type) == typ && strings.HasSuffix(string(s.NewState.URN), "::"+name) {
			return s.NewState
		}
	}
	t.Fatalf("no %s %s in the document", typ, name)
	return nil
}

// countUnknown counts the unknown placeholders anywhere in a plain value.
func countUnknown(v any) int {
	switch x := v.(type) {
	case string:
		return strings.Count(x, synth.Unknown)
	case []any:
		n := 0
		for _, e := range x {
			n += countUnknown(e)
		}
		return n
	case map[string]any:
		n := 0
		for _, e := range x {
			n += countUnknown(e)
		}
		return n
	}
	return 0
}

// TestPreviewHasUnknownsWhereARealPreviewHas protects issue 15 item 2: by
// default the document is a first preview's, where the engine has no id and
// no computed output of a resource it is about to create (pulumi
// pkg/resource/stack/deployment.go serializes such a value as the
// placeholder synth.Unknown), and an input computed from one is unknown too;
// inputs the program knows stay known; -resolved prints the document as
// after `pulumi up`, with no unknown anywhere.
func TestPreviewHasUnknownsWhereARealPreviewHas(t *testing.T) {
	preview := decodeDigest(t, mustRun(t, "-stack", "prod", "-format", "json"))
	sg := stateNamed(t, preview, "aws:ec2/securityGroup:SecurityGroup", "djangofargate-task-sg")
	if sg.ID != "" || sg.Outputs["id"] != synth.Unknown || sg.Outputs["arn"] != synth.Unknown {
		t.Errorf("preview task security group: id %q, outputs.id %v, outputs.arn %v; want no id and both unknown",
			sg.ID, sg.Outputs["id"], sg.Outputs["arn"])
	}
	if got := sg.Inputs["description"]; got == nil || got == synth.Unknown {
		t.Errorf("preview task security group inputs.description: got %v, want the known input", got)
	}
	alb := stateNamed(t, preview, "aws:lb/loadBalancer:LoadBalancer", "djangofargate-alb")
	if got := alb.Outputs["dnsName"]; got != synth.Unknown {
		t.Errorf("preview ALB outputs.dnsName: got %v, want unknown", got)
	}
	if got := alb.Inputs["subnets"]; got != synth.Unknown {
		t.Errorf("preview ALB inputs.subnets (the awsx Vpc's public subnet ids): got %v, want unknown", got)
	}
	if got := alb.Inputs["name"]; got == nil || got == synth.Unknown {
		t.Errorf("preview ALB inputs.name: got %v, want the auto-name, known (the provider's Check sets it)", got)
	}
	rule := stateNamed(t, preview, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "djangofargate-db-from-tasks")
	if got := rule.Inputs["referencedSecurityGroupId"]; got != synth.Unknown {
		t.Errorf("preview db-from-tasks referencedSecurityGroupId: got %v, want unknown", got)
	}
	if got := rule.PropertyDependencies["referencedSecurityGroupId"]; len(got) != 1 || !strings.HasSuffix(string(got[0]), "::djangofargate-task-sg") {
		t.Errorf("preview db-from-tasks propertyDependencies.referencedSecurityGroupId: got %v, want the task group's URN", got)
	}
	task := stateNamed(t, preview, "aws:ecs/taskDefinition:TaskDefinition", "djangofargate-task")
	if got := task.Inputs["family"]; got == nil || got == synth.Unknown {
		t.Errorf("preview task definition inputs.family: got %v, want known", got)
	}
	root := preview.Steps[0].NewState
	if got := root.Outputs["url"]; got != synth.Unknown {
		t.Errorf("preview stack output url (from the ALB's DNS name): got %v, want unknown", got)
	}

	resolved := decodeDigest(t, mustRun(t, "-stack", "prod", "-format", "json", "-resolved"))
	n := 0
	for _, s := range resolved.Steps {
		n += countUnknown(s.NewState.Inputs) + countUnknown(s.NewState.Outputs)
		if s.NewState.Custom && s.NewState.ID == "" {
			t.Errorf("resolved %s: no id", s.NewState.URN)
		}
	}
	if n != 0 {
		t.Errorf("resolved document: got %d unknown values, want none", n)
	}
}

// TestCheckSaysWhatARealPreviewDecides protects issue 15 item 3: -check
// judges the resolved document and marks each verdict with whether the
// first-preview document decides it too.
func TestCheckSaysWhatARealPreviewDecides(t *testing.T) {
	out := mustRun(t, "-stack", "prod", "-check")
	if !strings.Contains(out, "ID  ") || !strings.Contains(strings.SplitN(out, "\n", 4)[2], "REAL PREVIEW") {
		t.Fatalf("check table header: got %q, want a REAL PREVIEW column", strings.SplitN(out, "\n", 4)[2])
	}
	want := map[string]string{
		// The security-group chain: ids unknown, followed by property dependencies.
		"NET-4": "yes",
		// NAT gateways per AZ: every link by dependency.
		"NET-3": "yes",
		// The subnets come from the awsx Vpc's unknown privateSubnetIds.
		"ECS-1": "no",
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		if w, ok := want[f[0]]; ok {
			seen[f[0]] = true
			if !strings.Contains(line, "  "+w+"  ") {
				t.Errorf("%s: got %q, want REAL PREVIEW %s", f[0], line, w)
			}
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("%s: no finding in the report", id)
		}
	}
	if !strings.Contains(out, "Decided on a real first preview too (REAL PREVIEW): ") {
		t.Errorf("check summary: no count of what a real preview decides")
	}
}
