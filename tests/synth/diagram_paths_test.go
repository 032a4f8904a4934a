package synth_test

import (
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// outgoing returns the nodes an edge from `from` reaches, any arrow.
func (g mermaidGraph) outgoing(from string) []string {
	var out []string
	for _, e := range g.edges {
		m := mermaidEdge.FindStringSubmatch(e)
		if m != nil && m[1] == from {
			out = append(out, m[4])
		}
	}
	return out
}

// reaches reports whether an edge joins from to to, any arrow or label.
func (g mermaidGraph) reaches(from, to string) bool {
	for _, n := range g.outgoing(from) {
		if n == to {
			return true
		}
	}
	return false
}

// TestMermaidEdgesFollowTheTrafficPath protects issue 19: the diagram's
// edges are the path the traffic takes for the stack's resources, derived
// here from the resources themselves, not from the diagram code. S3 through
// the S3 gateway endpoint when one exists; ECR (both endpoints), CloudWatch
// Logs and Secrets Manager through the interface endpoints when they exist,
// else through NAT; the database straight from the tasks; and no edge from
// the tasks to an AWS service that skips the hop it must pass.
func TestMermaidEdgesFollowTheTrafficPath(t *testing.T) {
	for _, tc := range []struct {
		name, stack string
		overrides   map[string]string
	}{
		{"prod", "prod", nil},
		{"dev", "dev", nil},
		{"prod-https", "prod", map[string]string{"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"}},
		{"prod-no-endpoints", "prod", map[string]string{"vpcEndpoints": "false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := testutil.RunStack(t, tc.stack, tc.overrides)
			if err != nil {
				t.Skipf("stack %s with %v does not deploy here: %v", tc.stack, tc.overrides, err)
			}
			g := parseMermaid(t, render(t, res, "mermaid"))
			iface, gateway := endpointServices(res)
			nats := len(res.ByType("aws:ec2/natGateway:NatGateway"))

			tasks := g.node(t, "ECS service")
			db := g.node(t, "RDS PostgreSQL")
			if !g.reaches(tasks, db) {
				t.Errorf("edges %v: want tasks --> database directly", g.edges)
			}
			nat := ""
			if nats > 0 {
				nat = g.node(t, "NAT gateway × ")
				if want := "NAT gateway × " + string(rune('0'+nats)); !strings.Contains(g.labels[nat], want) {
					t.Errorf("NAT label: got %q, want %q (the NAT gateway resources)", g.labels[nat], want)
				}
			} else if g.has("NAT gateway") {
				t.Errorf("labels %v: a NAT node with no NAT gateway resource", g.labels)
			}
			endpoints, gw := "", ""
			if len(iface) > 0 {
				endpoints = g.node(t, "VPC interface endpoints")
			}
			if gateway["s3"] {
				gw = g.node(t, "VPC gateway endpoints")
			}

			// hop is where the path to a service must go: its endpoint(s) if
			// they all exist, else NAT.
			hop := func(need ...string) string {
				for _, n := range need {
					if !iface[n] {
						return nat
					}
				}
				return endpoints
			}
			targets := []struct {
				label, hop string
			}{
				{"ECR repository", hop("ecr.api", "ecr.dkr")},
				{"CloudWatch Logs", hop("logs")},
				{"Secrets Manager", hop("secretsmanager")},
				{"S3 bucket<br/>" + testutil.Project + "-media", map[bool]string{true: gw, false: nat}[gateway["s3"]]},
			}
			for _, tg := range targets {
				node := g.node(t, tg.label)
				if tg.hop == "" {
					t.Fatalf("%s: no path in the resources (no endpoint, no NAT)", tg.label)
				}
				if !g.reaches(tg.hop, node) {
					t.Errorf("%s: edges %v: want %s -> %s", tg.label, g.edges, tg.hop, node)
				}
				if tg.hop != nat && !g.reaches(tasks, tg.hop) {
					t.Errorf("%s: edges %v: want tasks -> %s", tg.label, g.edges, tg.hop)
				}
				for _, from := range []string{tasks, nat, endpoints, gw} {
					if from != "" && from != tg.hop && g.reaches(from, node) {
						t.Errorf("%s: edge from %s skips or bypasses %s (edges %v)", tg.label, from, tg.hop, g.edges)
					}
				}
			}
			if nat != "" && (!g.reaches(tasks, nat) || !g.reaches(nat, "internet")) {
				t.Errorf("edges %v: want tasks -> NAT -> internet for what leaves the VPC", g.edges)
			}
		})
	}
}

// endpointServices returns the interface and gateway endpoint services of a
// run ("ecr.api", "s3", ...).
func endpointServices(res *offline.Result) (iface, gateway map[string]bool) {
	iface, gateway = map[string]bool{}, map[string]bool{}
	for _, e := range res.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		parts := strings.SplitN(e.InputString("serviceName"), ".", 4) // com.amazonaws.REGION.SERVICE
		if len(parts) < 4 {
			continue
		}
		if e.InputString("vpcEndpointType") == "Interface" {
			iface[parts[3]] = true
		} else {
			gateway[parts[3]] = true
		}
	}
	return iface, gateway
}
