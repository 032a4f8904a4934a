// Network controls (CONTROLS.md NET-1, NET-2, NET-3, NET-5).

package policy

import (
	"fmt"
	"strings"
)

// checkFlowLogs (NET-1) wants a flow log on every VPC, writing to a log group with retention.
func checkFlowLogs(d *Document, _ string) []Finding {
	flows := d.attach([]string{tFlowLog}, "vpcId", vpcTypes...)
	return each(d, "VPC", vpcTypes, func(vpc *Resource) []Finding {
		j := newJudge(vpc)
		logs, ok := flows.of(j, vpc, "flow log")
		if ok && len(logs) == 0 {
			j.fail("no-flow-log", "no flow log on the VPC")
		}
		var good []string
		for _, fl := range logs {
			typ, _ := fl.in("logDestinationType").str()
			if typ != "" && typ != "cloud-watch-logs" {
				good = append(good, fmt.Sprintf("%s to %s (retention by the destination's lifecycle)", fl.Name(), typ))
				continue
			}
			key := "logDestination"
			dest := fl.in(key)
			if dest.state == absent {
				key = "logGroupName"
				dest = fl.in(key)
			}
			if s, ok := dest.str(); ok {
				dest = value{v: strings.TrimSuffix(s, ":*")}
			}
			groups, ok := d.link(fl, key, dest, tLogGroup)
			switch {
			case !ok:
				j.undecided("%s", dest.why(fl.Name()+"'s log group"))
			case len(groups) == 0:
				j.undecided("%s writes to a log group outside the preview", fl.Name())
			}
			for _, g := range groups {
				days := g.in("retentionInDays")
				if j.unreadable(days, g.Name()+" retentionInDays") {
					continue
				}
				if n, _ := days.num(); n <= 0 {
					j.fail("no-retention", "flow log %s writes to %s, which has no retention", fl.Name(), g.Name())
					continue
				}
				good = append(good, fmt.Sprintf("%s to %s (%s days)", fl.Name(), g.Name(), fmtNum(days)))
			}
		}
		return j.done("flow log %s", strings.Join(good, ", "))
	})
}

// checkDefaultSG (NET-2) wants each VPC's default security group adopted with no ingress and no egress rules.
func checkDefaultSG(d *Document, _ string) []Finding {
	dsgs := d.attach([]string{tDefaultSG}, "vpcId", vpcTypes...)
	return each(d, "VPC", vpcTypes, func(vpc *Resource) []Finding {
		j := newJudge(vpc)
		groups, ok := dsgs.of(j, vpc, "default security group")
		if ok && len(groups) == 0 {
			j.fail("default-sg-open", "the default security group is not adopted; AWS's default admits all traffic between its members and all egress")
		}
		for _, g := range groups {
			for _, dir := range []string{"ingress", "egress"} {
				v := g.in(dir)
				if j.unreadable(v, g.Name()+" "+dir) {
					continue
				}
				if n := len(v.list()); n > 0 {
					j.fail("default-sg-open", "%s keeps %d %s rule(s)", g.Name(), n, dir)
				}
			}
		}
		return j.done("default security group %s adopted with no rules", names(groups))
	})
}

// checkNat (NET-3) wants the awsx VPC's natGateways strategy OnePerAz.
func checkNat(d *Document, _ string) []Finding {
	return each(d, "VPC", vpcTypes, func(vpc *Resource) []Finding {
		j := newJudge(vpc)
		if vpc.Type != tVpcX {
			if p := d.byURN[vpc.Parent]; p != nil && p.Type == tVpcX {
				return j.done("the VPC of an awsx ec2.Vpc, judged on that Vpc's strategy")
			}
			j.undecided("the NAT layout of a plain aws:ec2 VPC is not judged (only awsx ec2.Vpc's strategy)")
			return j.done("")
		}
		v := vpc.in("natGateways.strategy")
		if j.unreadable(v, "natGateways.strategy") {
			return j.done("")
		}
		s, _ := v.str()
		switch strings.ToLower(s) {
		case "", "oneperaz":
			return j.done("natGateways strategy OnePerAz (one NAT gateway per AZ)")
		case "single":
			j.fail("single-nat", "natGateways strategy Single: one NAT gateway for every AZ")
		default:
			j.fail("no-nat", "natGateways strategy %s: private subnets have no NAT gateway per AZ", s)
		}
		return j.done("")
	})
}

// interfaceServices are the interface endpoints NET-5 wants when any is on.
var interfaceServices = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}

// checkEndpoints (NET-5) wants an S3 gateway endpoint and interface endpoints for ECR, Logs and Secrets Manager.
func checkEndpoints(d *Document, _ string) []Finding {
	eps := d.attach([]string{tEndpoint}, "vpcId", vpcTypes...)
	return each(d, "VPC", vpcTypes, func(vpc *Resource) []Finding {
		j := newJudge(vpc)
		list, ok := eps.of(j, vpc, "VPC endpoint")
		if !ok {
			return j.done("")
		}
		gateway, iface := false, map[string]bool{}
		for _, e := range list {
			svc, okS := e.in("serviceName").str()
			typ, _ := e.in("vpcEndpointType").str()
			if !okS {
				j.unreadable(e.in("serviceName"), e.Name()+" serviceName")
				continue
			}
			parts := strings.Split(svc, ".")
			short := svc
			if len(parts) > 3 {
				short = strings.Join(parts[3:], ".")
			}
			switch {
			case (typ == "" || strings.EqualFold(typ, "Gateway")) && short == "s3":
				gateway = true
			case strings.EqualFold(typ, "Interface"):
				iface[short] = true
			}
		}
		if !gateway {
			j.fail("no-s3-endpoint", "no S3 gateway endpoint")
		}
		var missing []string
		for _, s := range interfaceServices {
			if !iface[s] {
				missing = append(missing, s)
			}
		}
		switch {
		case len(iface) == 0:
			j.fail("no-interface-endpoints", "no interface endpoints (%s go through NAT)", strings.Join(interfaceServices, ", "))
		case len(missing) > 0:
			j.fail("partial-interface-endpoints", "interface endpoints miss %s", strings.Join(missing, ", "))
		}
		return j.done("S3 gateway endpoint; interface endpoints for %s", strings.Join(interfaceServices, ", "))
	})
}
