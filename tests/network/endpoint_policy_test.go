package network_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
)

// TestNetworkEndpointPoliciesLimitedToAccount protects issue 20 item 5: an
// endpoint without a policy lets any AWS principal reach any account's
// resources through it (an exfiltration path to the attacker's own bucket
// or secret). Every endpoint of a service that supports endpoint policies
// (S3, ECR, CloudWatch Logs, Secrets Manager: AWS PrivateLink guide, "AWS
// services that integrate with AWS PrivateLink") admits only this account's
// principals (aws:PrincipalAccount) acting on this account's resources
// (aws:ResourceAccount); the S3 gateway also lets ECR fetch image layers from
// its AWS-owned bucket (ECR user guide, "Amazon ECR interface VPC endpoints":
// minimum S3 bucket permissions).
func TestNetworkEndpointPoliciesLimitedToAccount(t *testing.T) {
	n := runStack(t, stackFiles[0])
	eps := n.res.ByType(typeVpcEndpoint)
	if len(eps) < 5 {
		t.Fatalf("endpoints: got %d, want 5", len(eps))
	}
	for _, ep := range eps {
		doc := ep.InputString("policy")
		if doc == "" {
			t.Errorf("%s: no endpoint policy, so any principal may use it for any account", ep.Name)
			continue
		}
		var principalOK, resourceOK, layers bool
		for _, s := range parsePolicy(t, doc) {
			if s.Effect != "Allow" {
				continue
			}
			cond := fmt.Sprint(s.Condition)
			if strings.Contains(cond, "aws:PrincipalAccount:"+offline.Account) {
				principalOK = true
			}
			if strings.Contains(cond, "aws:ResourceAccount:"+offline.Account) {
				resourceOK = true
			}
			if slices.Contains(s.Resource, "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*") {
				layers = true
			}
			if strings.Contains(cond, "aws:PrincipalAccount") == false {
				t.Errorf("%s: an Allow statement without aws:PrincipalAccount: %+v", ep.Name, s)
			}
		}
		if !principalOK || !resourceOK {
			t.Errorf("%s: policy %s: want aws:PrincipalAccount and aws:ResourceAccount = %s", ep.Name, doc, offline.Account)
		}
		if strings.HasSuffix(ep.InputString("serviceName"), ".s3") && !layers {
			t.Errorf("%s: S3 gateway policy %s does not admit ECR's layer bucket: image pulls would fail", ep.Name, doc)
		}
	}
}
