// Security group rules and the ingress chain (CONTROLS.md NET-4).

package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// sgRule is one ingress or egress rule, inline or standalone.
type sgRule struct {
	owner       *Resource // the resource that declares the rule
	label       string    // "" for a standalone rule, "ingress[0]" inline
	ingress     bool
	groups      []*Resource // the security group the rule belongs to
	groupsOK    bool
	from, to    value
	proto       string
	cidrs       []string // source or destination CIDRs, IPv4 and IPv6
	cidrsOK     bool
	sources     []*Resource // referenced security groups
	sourcesOK   bool
	hasSource   bool // the rule references a security group
	description string
}

func (d *Document) securityGroupRules() []sgRule {
	var rules []sgRule
	for _, sg := range d.ByType(tSG) {
		for _, dir := range []string{"ingress", "egress"} {
			for i, item := range sg.in(dir).list() {
				m, _ := item.(map[string]any)
				r := sgRule{owner: sg, label: fmt.Sprintf("%s[%d]", dir, i), ingress: dir == "ingress",
					groups: []*Resource{sg}, groupsOK: true, from: get(m, "fromPort"), to: get(m, "toPort"), cidrsOK: true, sourcesOK: true}
				r.proto, _ = get(m, "protocol").str()
				r.description, _ = get(m, "description").str()
				for _, k := range []string{"cidrBlocks", "ipv6CidrBlocks"} {
					c, ok := get(m, k).strs()
					r.cidrs, r.cidrsOK = append(r.cidrs, c...), r.cidrsOK && ok
				}
				if ids := get(m, "securityGroups"); len(ids.list()) > 0 || !ids.decidable() {
					r.hasSource = true
					for _, id := range ids.list() {
						src, ok := d.link(sg, dir, classify(id), tSG)
						r.sources, r.sourcesOK = append(r.sources, src...), r.sourcesOK && ok
					}
					if !ids.decidable() {
						r.sourcesOK = false
					}
				}
				if self, _ := get(m, "self").boolean(); self {
					r.hasSource, r.sources = true, append(r.sources, sg)
				}
				rules = append(rules, r)
			}
		}
	}
	for _, res := range d.ByType(tIngress, tEgress, tSGRule) {
		r := sgRule{owner: res, ingress: res.Type == tIngress, from: res.in("fromPort"), to: res.in("toPort"), cidrsOK: true, sourcesOK: true}
		if res.Type == tSGRule {
			t, _ := res.in("type").str()
			r.ingress = t == "ingress"
			r.proto, _ = res.in("protocol").str()
			for _, k := range []string{"cidrBlocks", "ipv6CidrBlocks"} {
				c, ok := res.in(k).strs()
				r.cidrs, r.cidrsOK = append(r.cidrs, c...), r.cidrsOK && ok
			}
			if src := res.in("sourceSecurityGroupId"); src.state != absent {
				r.hasSource = true
				r.sources, r.sourcesOK = d.link(res, "sourceSecurityGroupId", src, tSG)
			}
		} else {
			r.proto, _ = res.in("ipProtocol").str()
			for _, k := range []string{"cidrIpv4", "cidrIpv6"} {
				c := res.in(k)
				if s, ok := c.str(); ok {
					r.cidrs = append(r.cidrs, s)
				} else if !c.decidable() {
					r.cidrsOK = false
				}
			}
			if src := res.in("referencedSecurityGroupId"); src.state != absent {
				r.hasSource = true
				r.sources, r.sourcesOK = d.link(res, "referencedSecurityGroupId", src, tSG)
			}
		}
		r.description, _ = res.in("description").str()
		r.groups, r.groupsOK = d.link(res, "securityGroupId", res.in("securityGroupId"), tSG)
		rules = append(rules, r)
	}
	return rules
}

// nonPublic are the address ranges that are not on the internet: RFC 1918,
// shared address space (RFC 6598), loopback, link-local, and IPv6 unique
// local (RFC 4193), link-local and loopback.
func nonPublic() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
		"169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// reachesInternet reports whether a CIDR holds any internet address: it is
// parsed as a prefix, so 0.0.0.0/1 and 128.0.0.0/1 (together all of IPv4)
// count, as do ::/1 and a single public /32; a CIDR that does not parse
// counts too (fail closed).
func reachesInternet(cidr string) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return true
	}
	p = p.Masked()
	for _, n := range nonPublic() {
		if n.Addr().Is4() == p.Addr().Is4() && n.Bits() <= p.Bits() && n.Contains(p.Addr()) {
			return false
		}
	}
	return true
}

// internet returns the rule's CIDRs that reach the internet.
func (r sgRule) internet() []string {
	var out []string
	for _, c := range r.cidrs {
		if reachesInternet(c) {
			out = append(out, c)
		}
	}
	return out
}

func (r sgRule) open() bool { return len(r.internet()) > 0 }

// port returns the rule's single port, or false for a range.
func (r sgRule) port() (float64, bool) {
	from, ok1 := r.from.num()
	to, ok2 := r.to.num()
	return from, ok1 && ok2 && from == to && r.proto != "-1" && r.proto != "all"
}

func (r sgRule) name() string {
	if r.label != "" {
		return r.owner.Name() + " " + r.label
	}
	return r.owner.Name()
}

// checkIngressChain (NET-4) wants internet ingress only on the ALB's 80/443, task ingress only from the ALB group on the container port, database ingress only from the task group, and a description on every rule.
func checkIngressChain(d *Document, _ string) []Finding {
	rules := d.securityGroupRules()
	if len(rules) == 0 {
		return notApplicable("no security group rules in the preview")
	}
	// The chain's roles, from the resources that use the groups.
	alb, task, db := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var undecidedRoles []string
	mark := func(set map[string]bool, r *Resource, key, path string) {
		groups, ok := d.linkList(r, key, path, tSG)
		for _, g := range groups {
			set[g.URN] = true
		}
		if !ok {
			undecidedRoles = append(undecidedRoles, r.Name()+" "+path)
		}
	}
	containerPorts := map[string][]float64{} // task group URN -> container ports
	for _, lb := range d.ByType(lbTypes...) {
		mark(alb, lb, "securityGroups", "securityGroups")
	}
	for _, svc := range d.ByType(tService) {
		mark(task, svc, "networkConfiguration", "networkConfiguration.securityGroups")
		groups, _ := d.linkList(svc, "networkConfiguration", "networkConfiguration.securityGroups", tSG)
		for _, lbc := range svc.in("loadBalancers").list() {
			if p, ok := get(lbc, "containerPort").num(); ok {
				for _, g := range groups {
					containerPorts[g.URN] = append(containerPorts[g.URN], p)
				}
			}
		}
	}
	dbPorts := map[string]float64{}
	for _, inst := range d.ByType(tDB) {
		mark(db, inst, "vpcSecurityGroupIds", "vpcSecurityGroupIds")
		port := 5432.0
		if p, ok := inst.in("port").num(); ok {
			port = p
		}
		groups, _ := d.linkList(inst, "vpcSecurityGroupIds", "vpcSecurityGroupIds", tSG)
		for _, g := range groups {
			dbPorts[g.URN] = port
		}
	}
	in := func(set map[string]bool, rs []*Resource) bool {
		for _, r := range rs {
			if set[r.URN] {
				return true
			}
		}
		return false
	}

	var out []Finding
	for _, r := range rules {
		j := newJudge(r.owner)
		emit := func(fs []Finding) {
			for _, f := range fs {
				f.Resource = r.name()
				out = append(out, f)
			}
		}
		dir := "egress"
		if r.ingress {
			dir = "ingress"
		}
		if r.description == "" {
			j.fail("no-description", "%s rule without a description", dir)
		}
		if !r.groupsOK || !r.cidrsOK {
			j.undecided("the rule's security group or peer is unknown until the update")
			emit(j.done(""))
			continue
		}
		port, single := r.port()
		portText := fmt.Sprintf("%s-%s", fmtNum(r.from), fmtNum(r.to))
		if single {
			portText = fmtNum(r.from)
		}
		if r.proto == "-1" || strings.EqualFold(r.proto, "all") {
			portText = "every port and protocol"
		}
		if !r.ingress {
			judgeEgress(j, r, in(alb, r.groups) || in(db, r.groups), single && port == 443 && strings.EqualFold(r.proto, "tcp"), portText)
			emit(j.done("egress on %s to %s", portText, sourceText(r)))
			continue
		}
		switch {
		case r.open() && in(alb, r.groups) && single && (port == 80 || port == 443):
			j.fail("alb-internet-ingress", "load balancer group open to the internet on %s", portText)
		case r.open():
			j.fail("internet-ingress", "open to the internet on %s, and not the load balancer's 80/443", portText)
		case in(task, r.groups):
			ports := []float64{}
			for _, g := range r.groups {
				ports = append(ports, containerPorts[g.URN]...)
			}
			switch {
			case !r.sourcesOK:
				j.undecided("the rule's source security group is unknown until the update")
			case !r.hasSource || !in(alb, r.sources) || len(r.cidrs) > 0:
				j.fail("task-ingress", "task group admits %s from %s, not only the load balancer's group", portText, sourceText(r))
			case !single || (len(ports) > 0 && !slices.Contains(ports, port)):
				j.fail("task-ingress", "task group admits port %s, not only the container port %v", portText, ports)
			default:
				j.out = append(j.out, j.finding(Pass, "", fmt.Sprintf("task group admits the container port %s from the load balancer's group only", portText)))
			}
		case in(db, r.groups):
			want := 5432.0
			for _, g := range r.groups {
				if p, ok := dbPorts[g.URN]; ok {
					want = p
				}
			}
			switch {
			case !r.sourcesOK:
				j.undecided("the rule's source security group is unknown until the update")
			case !r.hasSource || !in(task, r.sources) || len(r.cidrs) > 0:
				j.fail("db-ingress", "database group admits %s from %s, not only the tasks' group", portText, sourceText(r))
			case !single || port != want:
				j.fail("db-ingress", "database group admits port %s, not only %s", portText, fmtNum(value{v: want}))
			default:
				j.out = append(j.out, j.finding(Pass, "", fmt.Sprintf("database group admits %s from the tasks' group only", portText)))
			}
		}
		emit(j.done("ingress on %s from %s, not internet-facing", portText, sourceText(r)))
	}
	if len(undecidedRoles) > 0 {
		out = append(out, Finding{Resource: "-", Verdict: NotDecidable,
			Reason: "which security groups the load balancer, tasks and database use is unknown: " + strings.Join(undecidedRoles, ", ")})
	}
	return out
}

// judgeEgress fails egress to the internet except HTTPS (tcp 443), which
// tasks need for AWS APIs (through NAT or the endpoints), and any internet
// egress from the load balancer's or the database's group, which need none.
func judgeEgress(j *judge, r sgRule, noInternet, https bool, portText string) {
	cidrs := r.internet()
	switch {
	case len(cidrs) == 0:
	case noInternet:
		j.fail("internet-egress", "egress to the internet (%s) on %s from a group that needs none", strings.Join(cidrs, ", "), portText)
	case !https:
		j.fail("internet-egress", "egress to the internet (%s) on %s, not only HTTPS 443", strings.Join(cidrs, ", "), portText)
	}
}

func sourceText(r sgRule) string {
	var s []string
	s = append(s, r.cidrs...)
	for _, g := range r.sources {
		s = append(s, g.Name())
	}
	if len(s) == 0 {
		return "no source"
	}
	return strings.Join(s, ", ")
}
