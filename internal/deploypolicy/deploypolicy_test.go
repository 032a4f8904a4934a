package deploypolicy

import (
	"slices"
	"strings"
	"testing"
)

func TestNamePattern(t *testing.T) {
	cases := []struct {
		r    Resource
		keys []string
		want string
	}{
		{Resource{Name: "app-task-role"}, []string{"name"}, "app-task-role-*"},
		{Resource{Name: "app-db", Inputs: map[string]any{"identifier": "app-db-65e20f5c"}}, []string{"identifier"}, "app-db-*"},
		{Resource{Name: "app-logs", Inputs: map[string]any{"name": "/aws/rds/instance/app-db-65e20f5c/postgresql"}}, []string{"name"}, "/aws/rds/instance/app-db-*/postgresql"},
		{Resource{Name: "app-task", Inputs: map[string]any{"family": "prod-app"}}, []string{"family"}, "prod-app"},
		{Resource{Name: "app-x", Inputs: map[string]any{"namePrefix": "app-x-"}}, []string{"name"}, "app-x-*"},
		{Resource{Name: "app-x", Inputs: map[string]any{"name": nil}}, []string{"name"}, "app-x-*"},
	}
	for _, c := range cases {
		if got := namePattern(c.r, c.keys); got != c.want {
			t.Errorf("namePattern(%+v): got %q, want %q", c.r, got, c.want)
		}
	}
}

func TestCollapse(t *testing.T) {
	got := collapse([]string{"/aws/rds/instance/app-db-*/postgresql", "/aws/rds/instance/app-db-*/upgrade", "app-container-logs-*", "app-flow-logs-*", "prod-app"})
	want := []string{"/aws/rds/instance/app-db-*/*", "app-*", "prod-app"}
	if !slices.Equal(got, want) {
		t.Errorf("collapse: got %q, want %q", got, want)
	}
}

func TestUncovered(t *testing.T) {
	got := uncovered([]string{"ec2:CreateVpc", "ec2:Describe*", "ec2:DescribeRouteTables"})
	if want := []string{"ec2:CreateVpc", "ec2:Describe*"}; !slices.Equal(got, want) {
		t.Errorf("uncovered: got %q, want %q", got, want)
	}
}

// TestGenerateRefuses: an unknown resource type, a stack with no region and
// migrations with nothing to scope them to are errors naming the problem,
// never a policy with a gap.
func TestGenerateRefuses(t *testing.T) {
	cases := []struct {
		name string
		s    Stack
		want string
	}{
		{"unknown type", Stack{Region: "eu-west-1", Resources: []Resource{{Type: "aws:dynamodb/table:Table", Name: "t"}}}, "aws:dynamodb/table:Table"},
		{"no region", Stack{Resources: []Resource{{Type: "aws:iam/role:Role", Name: "r"}}}, "no aws:region"},
		{"migrations with no task", Stack{Region: "eu-west-1", Migrations: true, Resources: []Resource{{Type: "aws:iam/role:Role", Name: "r"}}}, "runs migrations"},
	}
	for _, c := range cases {
		_, err := Generate(c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if _, err := Generate(Stack{Region: "eu-west-1", Resources: []Resource{{Type: "acme:components:Thing", Name: "t"}, {Type: "aws:iam/role:Role", Name: "r"}}}); err != nil {
		t.Errorf("a component type: got %v, want no error (components make no AWS calls of their own)", err)
	}
}
