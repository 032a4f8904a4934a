package stack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestServiceWaitsForEndpoints protects issue 12 item 5 (CONTROLS.md
// ECS-14) across the stack: with interface endpoints, the first task (and
// the migration hook that runs before the service) must not launch before
// the endpoints it pulls its image, ships its logs and reads its secrets
// through exist.
func TestServiceWaitsForEndpoints(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	svc := testutil.One(t, res, "aws:ecs/service:Service")
	deps := res.WaitsFor(svc.URN)
	n := 0
	for _, e := range res.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		n++
		if !deps[e.URN] {
			t.Errorf("service does not depend on endpoint %s", e.Name)
		}
	}
	if n < 5 {
		t.Errorf("endpoints: got %d, want the S3 gateway and 4 interface endpoints", n)
	}
}

// TestTaskEgressOnlyToEndpoints protects issue 20 item 5: with interface
// endpoints, the tasks reach the endpoints' security group on 443, S3
// through the gateway endpoint's prefix list on 443, and the database on
// its port, and nothing on the internet.
func TestTaskEgressOnlyToEndpoints(t *testing.T) {
	res := testutil.MustRunStack(t, "prod", nil)
	taskSG := res.Named("djangofargate-task-sg").ID
	endpointSG := res.Named("djangofargate-endpoints-sg").ID
	dbSG := res.Named("djangofargate-sg").ID
	s3 := res.Named("djangofargate-s3-endpoint")
	got := map[string]bool{}
	for _, r := range res.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if r.InputString("securityGroupId") != taskSG {
			continue
		}
		to := r.InputString("cidrIpv4") + r.InputString("cidrIpv6") + r.InputString("referencedSecurityGroupId") + r.InputString("prefixListId")
		got[fmt.Sprintf("%s:%v", to, r.Input("fromPort"))] = true
	}
	want := map[string]bool{
		endpointSG + ":443":                            true,
		fmt.Sprint(s3.Output("prefixListId")) + ":443": true,
		dbSG + ":5432":                                 true,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("task egress: got %v, want %v", keys(got), keys(want))
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDevelopmentDestroys protects issue 12 item 7: `pulumi destroy` of an
// unprotected stack must not stop on a repository that holds images
// (RepositoryNotEmptyException unless force_delete) or a versioned bucket
// that holds objects (BucketNotEmpty unless force_destroy); a protected
// stack keeps both guards.
func TestDevelopmentDestroys(t *testing.T) {
	for _, tc := range []struct {
		stack string
		force bool
	}{{"dev", true}, {"prod", false}} {
		res := testutil.MustRunStack(t, tc.stack, nil)
		repo := testutil.One(t, res, "aws:ecr/repository:Repository")
		if got := repo.Input("forceDelete"); got != tc.force {
			t.Errorf("%s: repository forceDelete: got %v, want %v", tc.stack, got, tc.force)
		}
		for _, b := range res.ByType("aws:s3/bucketV2:BucketV2") {
			if got := b.Input("forceDestroy"); got != tc.force {
				t.Errorf("%s: bucket %s forceDestroy: got %v, want %v", tc.stack, b.Name, got, tc.force)
			}
		}
	}
}

// TestEcsExecWithoutNat protects issue 12 item 7: with no NAT gateway, ECS
// Exec's agent reaches Session Manager only through an ssmmessages
// interface endpoint (ECS developer guide, "ECS Exec ... considerations":
// interface endpoints for ssmmessages when tasks have no internet).
func TestEcsExecWithoutNat(t *testing.T) {
	res := testutil.MustRunStack(t, "dev", map[string]string{"natGateways": "None", "ecsExec": "true", "vpcEndpoints": "true"})
	var found bool
	for _, e := range res.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		if strings.HasSuffix(e.InputString("serviceName"), ".ssmmessages") {
			found = true
		}
	}
	if !found {
		t.Errorf("natGateways None with ecsExec: no ssmmessages endpoint, so ECS Exec cannot connect")
	}
}
