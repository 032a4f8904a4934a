// Network controls (CONTROLS.md NET-1, NET-2, NET-3, NET-5).

package policy

import (
	"fmt"
	"maps"
	"slices"
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

// checkNat (NET-3) wants every private subnet's default route to go through a NAT gateway in the subnet's own AZ.
//
// It judges the resources a VPC is made of, as awsx's Vpc creates them
// (internal/offline/awsx lays them out the same way), not the awsx
// natGateways strategy: a subnet is private when awsx tags it
// SubnetType=Private or when its route table's 0.0.0.0/0 route goes to a
// NAT gateway; the NAT gateway's AZ is that of the subnet it sits in. Each
// link (route table association, route, NAT gateway subnet) is an id in a
// resolved document and a property dependency in a real first preview, so
// both decide it. An awsx Vpc is judged on the aws:ec2/vpc:Vpc it creates.
func checkNat(d *Document, _ string) []Finding {
	return each(d, "VPC", vpcTypes, func(vpc *Resource) []Finding {
		j := newJudge(vpc)
		if vpc.Type == tVpcX {
			if twin := d.byURN[d.twin[vpc.URN]]; twin != nil {
				return j.done("judged on the NAT gateways of its VPC %s", twin.Name())
			}
			j.undecided("the awsx Vpc's aws:ec2/vpc:Vpc is not in the preview, so its NAT gateways cannot be told")
			return j.done("")
		}
		n := natLayout(d)
		subnets, ok := d.attach([]string{tSubnet}, "vpcId", vpcTypes...).of(j, vpc, "subnet")
		if !ok {
			return j.done("")
		}
		perAZ := map[string]string{}
		private := 0
		for _, sn := range subnets {
			az := sn.in("availabilityZone")
			tier, _ := sn.in("tags.SubnetType").str()
			rt := n.routeTable[sn.URN]
			nat, viaNat := n.defaultNat[rt]
			if !strings.EqualFold(tier, "private") && !viaNat {
				continue // public (through the internet gateway) or isolated: no NAT
			}
			private++
			if j.unreadable(az, sn.Name()+" availabilityZone") {
				continue
			}
			zone, _ := az.str()
			if !viaNat {
				if rt == "" || n.unresolved {
					j.undecided("the default route of private subnet %s cannot be followed", sn.Name())
					continue
				}
				j.fail("no-nat", "private subnet %s (%s) has no default route through a NAT gateway", sn.Name(), zone)
				continue
			}
			natZone, known := n.natAZ[nat]
			switch {
			case !known:
				j.undecided("the AZ of NAT gateway %s cannot be told", d.byURN[nat].Name())
			case natZone != zone:
				j.fail("single-nat", "private subnet %s in %s routes through NAT gateway %s in %s: an outage of %s cuts %s's egress",
					sn.Name(), zone, d.byURN[nat].Name(), natZone, natZone, zone)
			default:
				perAZ[zone] = d.byURN[nat].Name()
			}
		}
		if private == 0 {
			return j.done("no private subnets, so no NAT gateway is needed")
		}
		var list []string
		for _, z := range slices.Sorted(maps.Keys(perAZ)) {
			list = append(list, z+" "+perAZ[z])
		}
		return j.done("one NAT gateway per AZ of the private subnets: %s", strings.Join(list, ", "))
	})
}

// natLayout is how a document's subnets reach NAT gateways: the route
// table of each subnet, the NAT gateway of each route table's default
// route, and each NAT gateway's AZ, all by URN.
type natWiring struct {
	routeTable map[string]string // subnet URN -> route table URN
	defaultNat map[string]string // route table URN -> NAT gateway URN
	natAZ      map[string]string // NAT gateway URN -> availability zone
	// unresolved is true when some association or route could not be followed.
	unresolved bool
}

const (
	tRouteTable = "aws:ec2/routeTable:RouteTable"
	tRTAssoc    = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tRoute      = "aws:ec2/route:Route"
	tNat        = "aws:ec2/natGateway:NatGateway"
)

func natLayout(d *Document) natWiring {
	n := natWiring{routeTable: map[string]string{}, defaultNat: map[string]string{}, natAZ: map[string]string{}}
	one := func(r *Resource, key string, types ...string) string {
		ts, ok := d.link(r, key, r.in(key), types...)
		if !ok || len(ts) != 1 {
			if r.in(key).state != absent {
				n.unresolved = true
			}
			return ""
		}
		return ts[0].URN
	}
	for _, a := range d.ByType(tRTAssoc) {
		if sn, rt := one(a, "subnetId", tSubnet), one(a, "routeTableId", tRouteTable); sn != "" && rt != "" {
			n.routeTable[sn] = rt
		}
	}
	for _, r := range d.ByType(tRoute) {
		if dest, _ := r.in("destinationCidrBlock").str(); dest != "0.0.0.0/0" || r.in("natGatewayId").state == absent {
			continue
		}
		if rt, nat := one(r, "routeTableId", tRouteTable), one(r, "natGatewayId", tNat); rt != "" && nat != "" {
			n.defaultNat[rt] = nat
		}
	}
	for _, g := range d.ByType(tNat) {
		if sn := one(g, "subnetId", tSubnet); sn != "" {
			if z, ok := d.byURN[sn].in("availabilityZone").str(); ok {
				n.natAZ[g.URN] = z
			}
		}
	}
	return n
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
