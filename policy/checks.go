package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Controls returns every check, in CONTROLS.md order. Rows a preview cannot
// show are listed by JudgedElsewhere instead.
func Controls() []*Control {
	return []*Control{
		{ID: "NET-1", Title: "VPC flow logs", Severity: Medium, References: refsOf("SH EC2.6", "NAG VPC7", "CK CKV2_AWS_11"), Production: Must, Development: Configurable, check: checkFlowLogs},
		{ID: "NET-2", Title: "default security group closed", Severity: High, References: refsOf("SH EC2.2", "CK CKV2_AWS_12"), Production: Must, Development: Must, check: checkDefaultSG},
		{ID: "NET-3", Title: "one NAT gateway per AZ", Severity: Medium, References: refsOf("WA REL10-BP01"), Production: Must, Development: Configurable, check: checkNat},
		{ID: "NET-4", Title: "least-privilege ingress chain", Severity: Critical, References: refsOf("SH EC2.18", "SH EC2.19", "NAG EC23", "CK CKV_AWS_23", "CK CKV_AWS_24", "CK CKV_AWS_25", "CK CKV_AWS_260"), Production: Must, Development: Must, check: checkIngressChain},
		{ID: "NET-5", Title: "private traffic to AWS APIs", Severity: Low, References: refsOf("CK CKV_AWS_382"), Production: Configurable, Development: Optional, check: checkEndpoints},
		{ID: "ECS-1", Title: "no public IP on tasks", Severity: Critical, References: refsOf("SH ECS.2", "CK CKV_AWS_333"), Production: Must, Development: Must, check: checkTaskNetwork},
		{ID: "ECS-2", Title: "read-only root filesystem", Severity: High, References: refsOf("SH ECS.5", "CK CKV_AWS_336"), Production: Must, Development: Must, check: checkReadOnlyRoot},
		{ID: "ECS-3", Title: "no privileged mode, no host namespaces", Severity: High, References: refsOf("SH ECS.1", "SH ECS.3", "SH ECS.4", "CK CKV_AWS_334", "CK CKV_AWS_335"), Production: Must, Development: Must, check: checkPrivileged},
		{ID: "ECS-4", Title: "secrets only through secrets", Severity: Critical, References: refsOf("SH ECS.8", "NAG ECS2"), Production: Must, Development: Must, check: checkSecrets},
		{ID: "ECS-5", Title: "container logs", Severity: Medium, References: refsOf("NAG ECS7"), Production: Must, Development: Must, check: checkContainerLogs},
		{ID: "ECS-6", Title: "Container Insights", Severity: Low, References: refsOf("SH ECS.12", "NAG ECS4", "CK CKV_AWS_65"), Production: Must, Development: Configurable, check: checkInsights},
		{ID: "ECS-7", Title: "latest Fargate platform", Severity: Low, References: refsOf("SH ECS.10", "CK CKV_AWS_332"), Production: Must, Development: Must, check: checkPlatform},
		{ID: "ECS-8", Title: "separate execution and task roles", Severity: Medium, References: refsOf("CK CKV_AWS_249"), Production: Must, Development: Must, check: checkSeparateRoles},
		{ID: "ECS-9", Title: "non-root container", Severity: High, References: refsOf("Docker and ECS guidance"), Production: Must, Development: Must, check: checkNonRoot},
		{ID: "ECS-10", Title: "safe deployments", Severity: High, References: refsOf("ECS deployment failure detection"), Production: Must, Development: Must, check: checkDeployments},
		{ID: "ECS-11", Title: "high availability", Severity: Medium, References: refsOf("SH ELB.13", "WA REL10-BP01"), Production: Must, Development: Configurable, check: checkAvailability},
		{ID: "ECS-12", Title: "autoscaling", Severity: Medium, References: refsOf("WA"), Production: Must, Development: Must, check: checkAutoscaling},
		{ID: "ECS-13", Title: "drain and shutdown chain", Severity: Medium, References: refsOf("ECS connection draining", "ALB attributes", "gunicorn docs"), Production: Must, Development: Must, check: checkDrainChain},
		{ID: "ECR-1", Title: "scan on push", Severity: Medium, References: refsOf("SH ECR.1", "CK CKV_AWS_163"), Production: Must, Development: Must, check: checkScanOnPush},
		{ID: "ECR-2", Title: "immutable tags", Severity: Medium, References: refsOf("SH ECR.2", "CK CKV_AWS_51"), Production: Must, Development: Must, check: checkImmutableTags},
		{ID: "ECR-3", Title: "lifecycle policy", Severity: Low, References: refsOf("SH ECR.3"), Production: Must, Development: Must, check: checkRepoLifecycle},
		{ID: "ELB-1", Title: "HTTP redirects to HTTPS", Severity: High, References: refsOf("SH ELB.1", "AG", "CK CKV_AWS_2"), Production: Must, Development: Must, check: checkRedirect},
		{ID: "ELB-2", Title: "modern TLS", Severity: High, References: refsOf("CK CKV_AWS_103"), Production: Must, Development: Must, check: checkTLSPolicy},
		{ID: "ELB-3", Title: "drop invalid headers", Severity: Medium, References: refsOf("SH ELB.4", "CK CKV_AWS_131"), Production: Must, Development: Must, check: checkDropInvalidHeaders},
		{ID: "ELB-4", Title: "desync mitigation", Severity: Medium, References: refsOf("SH ELB.12", "CK CKV_AWS_328"), Production: Must, Development: Must, check: checkDesync},
		{ID: "ELB-5", Title: "access logs", Severity: Medium, References: refsOf("SH ELB.5", "NAG ELB2", "CK CKV_AWS_91"), Production: Must, Development: Configurable, check: checkAccessLogs},
		{ID: "ELB-6", Title: "deletion protection", Severity: Medium, References: refsOf("SH ELB.6", "CK CKV_AWS_150"), Production: Must, Development: Configurable, check: checkAlbDeletionProtection},
		{ID: "ELB-7", Title: "explicit health check", Severity: Medium, References: refsOf("CK CKV_AWS_261"), Production: Must, Development: Must, check: checkHealthCheck},
		{ID: "RDS-1", Title: "not public", Severity: Critical, References: refsOf("SH RDS.2", "AG", "CK CKV_AWS_17"), Production: Must, Development: Must, check: checkDBNotPublic},
		{ID: "RDS-2", Title: "encrypted at rest", Severity: High, References: refsOf("SH RDS.3", "NAG RDS2", "CK CKV_AWS_16"), Production: Must, Development: Must, check: checkDBEncrypted},
		{ID: "RDS-3", Title: "Multi-AZ", Severity: Medium, References: refsOf("SH RDS.5", "NAG RDS3", "CK CKV_AWS_157"), Production: Must, Development: Configurable, check: checkDBMultiAZ},
		{ID: "RDS-4", Title: "backups", Severity: High, References: refsOf("SH RDS.11", "CK CKV_AWS_133"), Production: Must, Development: Must, check: checkDBBackups},
		{ID: "RDS-5", Title: "deletion protection and final snapshot", Severity: High, References: refsOf("SH RDS.8", "NAG RDS10"), Production: Must, Development: Configurable, check: checkDBDeletion},
		{ID: "RDS-6", Title: "log exports", Severity: Medium, References: refsOf("SH RDS.9", "CK CKV_AWS_129"), Production: Must, Development: Configurable, check: checkDBLogExports},
		{ID: "RDS-7", Title: "TLS in transit", Severity: High, References: refsOf("CK CKV2_AWS_69"), Production: Must, Development: Must, check: checkDBForceSSL},
		{ID: "RDS-8", Title: "minor upgrades, tags to snapshots", Severity: Low, References: refsOf("SH RDS.13", "SH RDS.17"), Production: Must, Development: Must, check: checkDBUpgrades},
		{ID: "RDS-9", Title: "managed master secret", Severity: High, References: refsOf("NAG SMG4", "CK CKV2_AWS_57"), Production: Must, Development: Must, check: checkDBMasterSecret},
		{ID: "RDS-10", Title: "monitoring", Severity: Low, References: refsOf("SH RDS.6", "CK CKV_AWS_118", "CK CKV_AWS_353"), Production: Must, Development: Configurable, check: checkDBInsights},
		{ID: "S3-1", Title: "block public access", Severity: Critical, References: refsOf("SH S3.1", "SH S3.8", "NAG S2", "CK CKV_AWS_53", "CK CKV_AWS_54", "CK CKV_AWS_55", "CK CKV_AWS_56"), Production: Must, Development: Must, check: checkPublicAccessBlock},
		{ID: "S3-2", Title: "TLS only", Severity: High, References: refsOf("SH S3.5", "NAG S10"), Production: Must, Development: Must, check: checkBucketTLS},
		{ID: "S3-3", Title: "objects owned by the bucket, encrypted", Severity: High, References: refsOf("SH S3.12", "CK CKV_AWS_145"), Production: Must, Development: Must, check: checkOwnershipEncryption},
		{ID: "S3-4", Title: "media versioned", Severity: Medium, References: refsOf("SH S3.14", "CK CKV_AWS_21"), Production: Must, Development: Configurable, check: checkVersioning},
		{ID: "IAM-1", Title: "least privilege", Severity: Critical, References: refsOf("SH IAM.1", "SH IAM.21", "NAG IAM5", "CK CKV_AWS_355", "CK CKV_AWS_290"), Production: Must, Development: Must, check: checkLeastPrivilege},
		{ID: "LOG-1", Title: "log retention", Severity: Low, References: refsOf("NIST CloudWatchLogGroupRetentionPeriod", "CK CKV_AWS_338"), Production: Must, Development: Must, check: checkLogRetention},
		{ID: "DATA-1", Title: "stateful resources protected", Severity: High, References: refsOf("Pulumi protect", "retainOnDelete"), Production: Must, Development: Configurable, check: checkDataProtected},
	}
}

func refsOf(r ...string) []string { return r }

// ---- network ----

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

func checkNat(d *Document, _ string) []Finding {
	return each(d, "VPC", vpcTypes, func(vpc *Resource) []Finding {
		j := newJudge(vpc)
		if vpc.Type != tVpcX {
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

func (r sgRule) open() bool {
	return slices.Contains(r.cidrs, "0.0.0.0/0") || slices.Contains(r.cidrs, "::/0")
}

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
		if !r.ingress {
			emit(j.done("egress rule with a description"))
			continue
		}
		if !r.groupsOK || !r.cidrsOK {
			j.undecided("the rule's security group or source is unknown until the update")
			emit(j.done(""))
			continue
		}
		port, single := r.port()
		portText := fmt.Sprintf("%s-%s", fmtNum(r.from), fmtNum(r.to))
		if single {
			portText = fmtNum(r.from)
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

// interfaceServices are the interface endpoints NET-5 wants when any is on.
var interfaceServices = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}

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

// ---- ECS ----

// subnetTiers maps subnet ids to "public", "private" or "isolated", from
// awsx VPC outputs and plain subnets that map public IPs.
func (d *Document) subnetTiers() map[string]string {
	tiers := map[string]string{}
	for _, vpc := range d.ByType(tVpcX) {
		for _, t := range []string{"public", "private", "isolated"} {
			ids, _ := vpc.out(t + "SubnetIds").strs()
			for _, id := range ids {
				tiers[id] = t
			}
		}
	}
	for _, s := range d.ByType(tSubnet) {
		if pub, _ := s.in("mapPublicIpOnLaunch").boolean(); pub && s.ID != "" {
			tiers[s.ID] = "public"
		}
	}
	return tiers
}

// judgeSubnets fails on public subnets and leaves unknown ones undecided.
func judgeSubnets(j *judge, tiers map[string]string, v value, what string) []string {
	if j.unreadable(v, what) {
		return nil
	}
	ids, ok := v.strs()
	if !ok {
		j.undecided("%s: some subnets are unknown until the update", what)
		return nil
	}
	for _, id := range ids {
		switch tiers[id] {
		case "public":
			j.fail("public-subnet", "%s include the public subnet %s", what, id)
		case "":
			j.undecided("subnet %s is not in the preview, so its tier is unknown", id)
		}
	}
	return ids
}

func checkTaskNetwork(d *Document, _ string) []Finding {
	tiers := d.subnetTiers()
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		pub := svc.in("networkConfiguration.assignPublicIp")
		if !j.unreadable(pub, "assignPublicIp") {
			if b, _ := pub.boolean(); b {
				j.fail("public-ip", "assignPublicIp true")
			}
		}
		if svc.in("networkConfiguration").state == absent {
			j.fail("no-network-configuration", "no awsvpc network configuration")
		}
		ids := judgeSubnets(j, tiers, svc.in("networkConfiguration.subnets"), "subnets")
		return j.done("assignPublicIp false; subnets %s are private", strings.Join(ids, ", "))
	})
}

// containers parses a task definition's container definitions.
func containers(j *judge, td *Resource) []map[string]any {
	doc, v := jsonDoc(td.in("containerDefinitions"))
	if j.unreadable(v, "containerDefinitions") {
		return nil
	}
	var out []map[string]any
	for _, c := range asList(doc) {
		if m, ok := c.(map[string]any); ok {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		j.fail("no-containers", "no container definitions")
	}
	return out
}

func containerName(c map[string]any) string {
	s, _ := get(c, "name").str()
	return s
}

func eachTaskDefinition(d *Document, fn func(j *judge, td *Resource, cs []map[string]any) []Finding) []Finding {
	return each(d, "ECS task definition", []string{tTaskDef}, func(td *Resource) []Finding {
		j := newJudge(td)
		cs := containers(j, td)
		if len(j.undec) > 0 || len(j.out) > 0 {
			return j.done("")
		}
		return fn(j, td, cs)
	})
}

func checkReadOnlyRoot(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		volumes := map[string]bool{}
		for _, v := range td.in("volumes").list() {
			if n, ok := get(v, "name").str(); ok {
				volumes[n] = true
			}
		}
		var tmp []string
		for _, c := range cs {
			if ro, _ := get(c, "readonlyRootFilesystem").boolean(); !ro {
				j.fail("writable-root", "container %s: readonlyRootFilesystem is not true", containerName(c))
			}
			writable := ""
			for _, m := range get(c, "mountPoints").list() {
				src, _ := get(m, "sourceVolume").str()
				if ro, _ := get(m, "readOnly").boolean(); !ro && volumes[src] {
					writable, _ = get(m, "containerPath").str()
				}
			}
			if writable == "" {
				j.fail("no-temp-volume", "container %s: no writable volume for temp files", containerName(c))
			}
			tmp = append(tmp, containerName(c)+" writes "+writable)
		}
		return j.done("read-only root; %s", strings.Join(tmp, ", "))
	})
}

func checkPrivileged(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		if mode, _ := td.in("networkMode").str(); mode != "awsvpc" {
			j.fail("network-mode", "networkMode %q, not awsvpc", mode)
		}
		for _, k := range []string{"pidMode", "ipcMode"} {
			if m, _ := td.in(k).str(); m == "host" {
				j.fail("host-namespace", "%s host", k)
			}
		}
		for _, c := range cs {
			if p, _ := get(c, "privileged").boolean(); p {
				j.fail("privileged", "container %s is privileged", containerName(c))
			}
		}
		return j.done("awsvpc, no host namespaces, no privileged container")
	})
}

// secretName matches environment names that suggest a secret value.
var secretName = regexp.MustCompile(`(?i)(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)($|_)`)

// secretReference is an environment entry that names a secret instead of
// holding one: a "..._SECRET_ARN" (or "SECRET_ARN") variable whose value is
// exactly a Secrets Manager secret ARN, which the app resolves with its task
// role when it connects (CONTROLS.md RDS-11). An ARN is not a secret: it
// grants nothing without the role's permission to read it.
var (
	secretRefName  = regexp.MustCompile(`(?i)(^|_)SECRET_ARN$`)
	secretRefValue = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$`)
)

func checkSecrets(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		nSecrets, nEnv := 0, 0
		for _, c := range cs {
			for _, s := range get(c, "secrets").list() {
				nSecrets++
				from, _ := get(s, "valueFrom").str()
				name, _ := get(s, "name").str()
				if !strings.HasPrefix(from, "arn:") {
					j.fail("secret-not-arn", "container %s: secret %s comes from %q, not an ARN", containerName(c), name, from)
				}
			}
			var clean []string
			for _, e := range get(c, "environment").list() {
				name, _ := get(e, "name").str()
				value, _ := get(e, "value").str()
				if secretRefName.MatchString(name) && secretRefValue.MatchString(value) {
					clean = append(clean, name)
					continue
				}
				if secretName.MatchString(name) {
					j.fail("secret-in-environment", "container %s: %s is in environment, not secrets", containerName(c), name)
					continue
				}
				clean = append(clean, name)
			}
			nEnv += len(clean)
			if len(clean) > 0 {
				j.fail("environment-entries", "container %s: %d environment entries, none secret-like; %d secrets by ARN", containerName(c), len(clean), nSecrets)
			}
		}
		return j.done("%d secrets by ARN, no environment", nSecrets)
	})
}

func checkContainerLogs(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		var good []string
		for _, c := range cs {
			driver, _ := get(c, "logConfiguration.logDriver").str()
			if driver != "awslogs" {
				j.fail("no-awslogs", "container %s: log driver %q, not awslogs", containerName(c), driver)
				continue
			}
			group := get(c, "logConfiguration.options.awslogs-group")
			name, ok := group.str()
			if !ok || name == "" {
				j.fail("no-awslogs", "container %s: awslogs without a log group", containerName(c))
				continue
			}
			groups, _ := d.link(td, "containerDefinitions", group, tLogGroup)
			if len(groups) == 0 {
				j.undecided("container %s logs to %s, which is not in the preview", containerName(c), name)
				continue
			}
			good = append(good, containerName(c)+" to "+groups[0].Name())
		}
		return j.done("awslogs: %s", strings.Join(good, ", "))
	})
}

func checkInsights(d *Document, _ string) []Finding {
	return each(d, "ECS cluster", []string{tCluster}, func(c *Resource) []Finding {
		j := newJudge(c)
		settings := c.in("settings")
		if j.unreadable(settings, "settings") {
			return j.done("")
		}
		state := "unset"
		for _, s := range settings.list() {
			if n, _ := get(s, "name").str(); n == "containerInsights" {
				state, _ = get(s, "value").str()
			}
		}
		if state != "enabled" && state != "enhanced" {
			j.fail("insights-off", "containerInsights %s", state)
		}
		return j.done("containerInsights %s", state)
	})
}

func checkPlatform(d *Document, _ string) []Finding {
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		v := svc.in("platformVersion")
		if j.unreadable(v, "platformVersion") {
			return j.done("")
		}
		s, _ := v.str()
		if s != "" && s != "LATEST" {
			j.fail("pinned-platform", "platformVersion %s, not LATEST", s)
		}
		return j.done("platformVersion %s", orText(s, "unset (LATEST)"))
	})
}

func checkSeparateRoles(d *Document, _ string) []Finding {
	return each(d, "ECS task definition", []string{tTaskDef}, func(td *Resource) []Finding {
		j := newJudge(td)
		exec, task := td.in("executionRoleArn"), td.in("taskRoleArn")
		if exec.state == absent || task.state == absent {
			return j.done("only one role set (execution %v, task %v)", exec.state != absent, task.state != absent)
		}
		e, ok1 := exec.str()
		t, ok2 := task.str()
		if ok1 && ok2 {
			if e == t {
				j.fail("same-role", "executionRoleArn and taskRoleArn are both %s", e)
			}
			return j.done("execution role %s, task role %s", e[strings.LastIndex(e, "/")+1:], t[strings.LastIndex(t, "/")+1:])
		}
		er, okE := d.link(td, "executionRoleArn", exec, tRole)
		tr, okT := d.link(td, "taskRoleArn", task, tRole)
		if !okE || !okT || len(er) != 1 || len(tr) != 1 {
			j.undecided("the roles are unknown until the update")
			return j.done("")
		}
		if er[0] == tr[0] {
			j.fail("same-role", "executionRoleArn and taskRoleArn are both %s", er[0].Name())
		}
		return j.done("execution role %s, task role %s", er[0].Name(), tr[0].Name())
	})
}

var rootUser = regexp.MustCompile(`^(root|0)(:.*)?$`)

func checkNonRoot(d *Document, _ string) []Finding {
	return eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		var users []string
		for _, c := range cs {
			u, _ := get(c, "user").str()
			switch {
			case u == "":
				j.fail("no-user", "container %s sets no user, so the image's user runs", containerName(c))
			case rootUser.MatchString(u):
				j.fail("root-user", "container %s runs as %s", containerName(c), u)
			}
			users = append(users, containerName(c)+" as "+u)
		}
		return j.done("%s", strings.Join(users, ", "))
	})
}

func checkDeployments(d *Document, profile string) []Finding {
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		cb := svc.in("deploymentCircuitBreaker")
		if !j.unreadable(cb, "deploymentCircuitBreaker") {
			on, _ := get(cb.v, "enable").boolean()
			rb, _ := get(cb.v, "rollback").boolean()
			if !on || !rb {
				j.fail("no-circuit-breaker", "deployment circuit breaker enable %v, rollback %v", on, rb)
			}
		}
		grace := svc.in("healthCheckGracePeriodSeconds")
		if len(svc.in("loadBalancers").list()) > 0 && !j.unreadable(grace, "healthCheckGracePeriodSeconds") {
			if n, _ := grace.num(); n <= 0 {
				j.fail("no-grace-period", "no health check grace period")
			}
		}
		minHealthy := 100.0
		if v := svc.in("deploymentMinimumHealthyPercent"); !j.unreadable(v, "deploymentMinimumHealthyPercent") && v.state == known {
			minHealthy, _ = v.num()
		}
		if profile == Production && minHealthy < 100 {
			j.fail("min-healthy", "deploymentMinimumHealthyPercent %s, below 100 in production", fmtNum(value{v: minHealthy}))
		}
		return j.done("circuit breaker with rollback; grace period %ss; min healthy %s%%", fmtNum(grace), fmtNum(value{v: minHealthy}))
	})
}

// scalingTargets maps services (by URN) to their autoscaling targets.
func (d *Document) scalingTargets() attachments {
	a := attachments{to: map[string][]*Resource{}}
	services := d.ByType(tService)
	for _, t := range d.ByType(tScalingTarget) {
		id := t.in("resourceId")
		if s, ok := id.str(); ok {
			for _, svc := range services {
				name, _ := svc.out("name").str()
				if name == "" {
					name, _ = svc.in("name").str()
				}
				if name != "" && strings.HasPrefix(s, "service/") && strings.HasSuffix(s, "/"+name) {
					a.to[svc.URN] = append(a.to[svc.URN], t)
				}
			}
			continue
		}
		svcs, ok := d.link(t, "resourceId", id, tService)
		if !ok {
			a.undecided = append(a.undecided, t)
		}
		for _, svc := range svcs {
			a.to[svc.URN] = append(a.to[svc.URN], t)
		}
	}
	return a
}

func checkAvailability(d *Document, _ string) []Finding {
	targets := d.scalingTargets()
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		desired := svc.in("desiredCount")
		ts, ok := targets.of(j, svc, "autoscaling target")
		var minCap value
		if ok && len(ts) > 0 {
			minCap = ts[0].in("minCapacity")
		}
		if !j.unreadable(desired, "desiredCount") && desired.state == known {
			if n, _ := desired.num(); n < 2 {
				j.fail("single-task", "desiredCount %s, below 2", fmtNum(desired))
			}
		} else if desired.state == absent && len(ts) == 0 && ok {
			j.fail("single-task", "desiredCount unset and no autoscaling target")
		}
		if len(ts) > 0 && !j.unreadable(minCap, "minCapacity") {
			if n, _ := minCap.num(); n < 2 {
				j.fail("single-task", "autoscaling minCapacity %s, below 2", fmtNum(minCap))
			}
		}
		subnets := svc.in("networkConfiguration.subnets")
		if !j.unreadable(subnets, "subnets") {
			if ids, ok := subnets.strs(); !ok {
				j.undecided("some subnets are unknown until the update")
			} else if len(ids) < 2 {
				j.fail("single-az", "%d subnet(s): tasks cannot spread over 2 AZs", len(ids))
			}
		}
		return j.done("desiredCount %s, autoscaling min %s, %d subnets (one per AZ)", fmtNum(desired), fmtNum(minCap), len(subnets.list()))
	})
}

func checkAutoscaling(d *Document, _ string) []Finding {
	targets := d.scalingTargets()
	policies := d.ByType(tScalingPolicy)
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
			j.fail("desired-count-managed", "desiredCount is not in ignoreChanges, so a deploy resets what autoscaling set")
		}
		ts, ok := targets.of(j, svc, "autoscaling target")
		if ok && len(ts) == 0 {
			j.fail("no-autoscaling", "no autoscaling target")
		}
		metrics := map[string]bool{}
		for _, t := range ts {
			lo, hi := t.in("minCapacity"), t.in("maxCapacity")
			if !j.unreadable(lo, "minCapacity") && !j.unreadable(hi, "maxCapacity") {
				a, _ := lo.num()
				b, _ := hi.num()
				if b <= a {
					j.fail("max-not-above-min", "maxCapacity %s is not above minCapacity %s", fmtNum(hi), fmtNum(lo))
				}
			}
			tid, tidOK := t.in("resourceId").str()
			for _, p := range policies {
				pid := p.in("resourceId")
				if s, ok := pid.str(); ok {
					if !tidOK || s != tid {
						continue
					}
				} else if linked, _ := d.link(p, "resourceId", pid, tScalingTarget, tService); !slices.Contains(linked, t) && !slices.Contains(linked, svc) {
					j.undecided("which target %s scales is unknown until the update", p.Name())
					continue
				}
				if pt, _ := p.in("policyType").str(); pt != "TargetTrackingScaling" {
					continue
				}
				m, _ := p.in("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType").str()
				metrics[m] = true
			}
		}
		if len(ts) > 0 {
			if !metrics["ECSServiceAverageCPUUtilization"] {
				j.fail("no-cpu-tracking", "no target tracking on ECSServiceAverageCPUUtilization")
			}
			if len(svc.in("loadBalancers").list()) > 0 && !metrics["ALBRequestCountPerTarget"] {
				j.fail("no-request-tracking", "no target tracking on ALBRequestCountPerTarget")
			}
		}
		return j.done("target tracking on CPU and requests per target; max above min; desiredCount ignored by updates")
	})
}

// listenersOf maps target groups (by URN) to the listeners forwarding to them.
func (d *Document) listenersOf() map[string][]*Resource {
	out := map[string][]*Resource{}
	for _, l := range d.ByType(listenerTypes...) {
		for _, a := range l.in("defaultActions").list() {
			arns := []value{get(a, "targetGroupArn")}
			for _, tg := range get(a, "forward.targetGroups").list() {
				arns = append(arns, get(tg, "arn"))
			}
			for _, arn := range arns {
				tgs, _ := d.link(l, "defaultActions", arn, tgTypes...)
				for _, tg := range tgs {
					out[tg.URN] = append(out[tg.URN], l)
				}
			}
		}
	}
	return out
}

func checkDrainChain(d *Document, _ string) []Finding {
	listeners := d.listenersOf()
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		lbs := svc.in("loadBalancers").list()
		if len(lbs) == 0 {
			return []Finding{j.finding(NotApplicable, "", "no load balancer in front of the service")}
		}
		tgs, okTG := d.link(svc, "loadBalancers", get(lbs[0], "targetGroupArn"), tgTypes...)
		tds, okTD := d.link(svc, "taskDefinition", svc.in("taskDefinition"), tTaskDef)
		if !okTG || !okTD || len(tgs) == 0 || len(tds) == 0 {
			j.undecided("the service's target group or task definition is not in the preview or unknown")
			return j.done("")
		}
		tg, td := tgs[0], tds[0]
		// Deregistration delay.
		delay := tg.in("deregistrationDelay")
		if !j.unreadable(delay, "deregistrationDelay") {
			if n, ok := delay.num(); !ok || n == 300 {
				j.fail("default-deregistration-delay", "%s: deregistrationDelay %s, the 300 s default", tg.Name(), orText(fmtNum(delay), "unset"))
			}
		}
		// The ALB idle timeout.
		idle := 60.0
		for _, l := range listeners[tg.URN] {
			lbsOf, _ := d.link(l, "loadBalancerArn", l.in("loadBalancerArn"), lbTypes...)
			for _, lb := range lbsOf {
				v := lb.in("idleTimeout")
				if !j.unreadable(v, lb.Name()+" idleTimeout") && v.state == known {
					idle, _ = v.num()
				}
			}
		}
		// The container's gunicorn timeouts.
		name, _ := get(lbs[0], "containerName").str()
		cs := containers(j, td)
		var c map[string]any
		for _, x := range cs {
			if containerName(x) == name {
				c = x
			}
		}
		if c == nil {
			if len(j.undec) == 0 {
				j.fail("no-container", "container %s is not in %s", name, td.Name())
			}
			return j.done("")
		}
		env := map[string]string{}
		for _, e := range get(c, "environment").list() {
			k, _ := get(e, "name").str()
			env[k], _ = get(e, "value").str()
		}
		stop := 30.0
		if v := get(c, "stopTimeout"); v.state == known {
			stop, _ = v.num()
		}
		keep, okK := classify(env["GUNICORN_KEEPALIVE"]).num()
		grace, okG := classify(env["GUNICORN_GRACEFUL_TIMEOUT"]).num()
		switch {
		case !okK:
			j.undecided("GUNICORN_KEEPALIVE is not set on the container: the image's default applies (app/tests)")
		case keep <= idle:
			j.fail("keepalive-below-idle", "GUNICORN_KEEPALIVE %s is not above the load balancer idle timeout %s", env["GUNICORN_KEEPALIVE"], fmtNum(value{v: idle}))
		}
		switch {
		case !okG:
			j.undecided("GUNICORN_GRACEFUL_TIMEOUT is not set on the container: the image's default applies (app/tests)")
		case grace >= stop:
			j.fail("graceful-above-stop", "GUNICORN_GRACEFUL_TIMEOUT %s is not below stopTimeout %s", env["GUNICORN_GRACEFUL_TIMEOUT"], fmtNum(value{v: stop}))
		}
		return j.done("keepalive %s > idle timeout %s; graceful timeout %s < stopTimeout %s; deregistrationDelay %s",
			env["GUNICORN_KEEPALIVE"], fmtNum(value{v: idle}), env["GUNICORN_GRACEFUL_TIMEOUT"], fmtNum(value{v: stop}), fmtNum(delay))
	})
}

// ---- ECR ----

func checkScanOnPush(d *Document, _ string) []Finding {
	return each(d, "ECR repository", []string{tRepo}, func(r *Resource) []Finding {
		j := newJudge(r)
		v := r.in("imageScanningConfiguration.scanOnPush")
		if !j.unreadable(v, "scanOnPush") {
			if b, _ := v.boolean(); !b {
				j.fail("no-scan-on-push", "scanOnPush is not true")
			}
		}
		return j.done("scanOnPush true")
	})
}

func checkImmutableTags(d *Document, _ string) []Finding {
	return each(d, "ECR repository", []string{tRepo}, func(r *Resource) []Finding {
		j := newJudge(r)
		v := r.in("imageTagMutability")
		if !j.unreadable(v, "imageTagMutability") {
			if s, _ := v.str(); !strings.HasPrefix(s, "IMMUTABLE") {
				j.fail("mutable-tags", "imageTagMutability %s", orText(s, "unset (MUTABLE)"))
			}
		}
		return j.done("imageTagMutability IMMUTABLE")
	})
}

func checkRepoLifecycle(d *Document, _ string) []Finding {
	policies := d.attach([]string{tRepoLifecycle}, "repository", tRepo)
	return each(d, "ECR repository", []string{tRepo}, func(r *Resource) []Finding {
		j := newJudge(r)
		ps, ok := policies.of(j, r, "lifecycle policy")
		if ok && len(ps) == 0 {
			j.fail("no-lifecycle", "no lifecycle policy")
		}
		for _, p := range ps {
			doc, v := jsonDoc(p.in("policy"))
			if j.unreadable(v, p.Name()+" policy") {
				continue
			}
			untagged, pruned := false, false
			for _, rule := range asList(get(doc, "rules").v) {
				tag, _ := get(rule, "selection.tagStatus").str()
				count, _ := get(rule, "selection.countType").str()
				action, _ := get(rule, "action.type").str()
				if action != "expire" {
					continue
				}
				if tag == "untagged" {
					untagged = true
				}
				if (tag == "any" || tag == "tagged") && (count == "imageCountMoreThan" || count == "sinceImagePushed") {
					pruned = true
				}
			}
			if !untagged {
				j.fail("untagged-kept", "%s: no rule expires untagged images", p.Name())
			}
			if !pruned {
				j.fail("old-images-kept", "%s: no rule prunes old images", p.Name())
			}
		}
		return j.done("lifecycle %s expires untagged images and prunes old ones", names(ps))
	})
}

// ---- load balancing ----

func isHTTPS(l *Resource) bool {
	p, _ := l.in("protocol").str()
	port, _ := l.in("port").num()
	return p == "HTTPS" || p == "TLS" || (p == "" && port == 443) || l.in("certificateArn").state != absent
}

func (d *Document) tlsConfigured() bool {
	for _, k := range []string{"djangofargate:certificateArn", "djangofargate:domain"} {
		if strings.TrimSpace(d.Config[k]) != "" {
			return true
		}
	}
	return false
}

func checkRedirect(d *Document, _ string) []Finding {
	byLB := d.attach(listenerTypes, "loadBalancerArn", lbTypes...)
	out := each(d, "load balancer", lbTypes, func(lb *Resource) []Finding {
		j := newJudge(lb)
		ls, ok := byLB.of(j, lb, "listener")
		if !ok {
			return j.done("")
		}
		tls := d.tlsConfigured()
		for _, l := range ls {
			if isHTTPS(l) {
				tls = true
			}
		}
		var notes []string
		for _, l := range ls {
			if isHTTPS(l) {
				continue
			}
			actions := l.in("defaultActions")
			if j.unreadable(actions, l.Name()+" defaultActions") {
				continue
			}
			redirects, forwards := true, false
			for _, a := range actions.list() {
				typ, _ := get(a, "type").str()
				proto, _ := get(a, "redirect.protocol").str()
				port, _ := get(a, "redirect.port").str()
				if typ != "redirect" || proto != "HTTPS" || port != "443" {
					redirects = false
				}
				if typ == "forward" {
					forwards = true
				}
			}
			switch {
			case tls && !redirects:
				j.fail("http-not-redirected", "%s: a certificate or domain is set, but HTTP does not only redirect to HTTPS 443", l.Name())
			case tls:
				notes = append(notes, l.Name()+" redirects to HTTPS 443")
			case !forwards:
				j.fail("redirect-without-https", "%s: no certificate or domain, yet HTTP does not forward", l.Name())
			default:
				j.out = append(j.out, j.finding(NotApplicable, "", l.Name()+": no certificate or domain configured; HTTP forwards to the service"))
			}
		}
		return j.done("%s", strings.Join(notes, ", "))
	})
	for _, tg := range d.ByType(tgTypes...) {
		j := newJudge(tg)
		if p, _ := tg.in("protocol").str(); p == "HTTP" {
			j.fail("http-target-group", "target group protocol HTTP")
			out = append(out, j.done("")...)
		}
	}
	return out
}

// modernTLS matches the TLS 1.3 policies with TLS 1.2 or newer as minimum.
var modernTLS = regexp.MustCompile(`^ELBSecurityPolicy-(FIPS-)?TLS13-1-[23]-`)

func checkTLSPolicy(d *Document, _ string) []Finding {
	var out []Finding
	for _, l := range d.ByType(listenerTypes...) {
		if !isHTTPS(l) {
			continue
		}
		j := newJudge(l)
		v := l.in("sslPolicy")
		if !j.unreadable(v, "sslPolicy") {
			if s, _ := v.str(); !modernTLS.MatchString(s) {
				j.fail("old-tls-policy", "sslPolicy %s, older than ELBSecurityPolicy-TLS13-1-2-2021-06", orText(s, "unset"))
			}
		}
		s, _ := v.str()
		out = append(out, j.done("sslPolicy %s", s)...)
	}
	if len(out) == 0 {
		return notApplicable("no HTTPS listener (no certificate or domain configured)")
	}
	return out
}

// eachALB runs fn on every application load balancer.
func eachALB(d *Document, fn func(j *judge, lb *Resource) []Finding) []Finding {
	return each(d, "load balancer", lbTypes, func(lb *Resource) []Finding {
		j := newJudge(lb)
		if t, _ := lb.in("loadBalancerType").str(); t != "" && t != "application" {
			return []Finding{j.finding(NotApplicable, "", "a "+t+" load balancer")}
		}
		return fn(j, lb)
	})
}

func checkDropInvalidHeaders(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		v := lb.in("dropInvalidHeaderFields")
		if !j.unreadable(v, "dropInvalidHeaderFields") {
			if b, _ := v.boolean(); !b {
				j.fail("invalid-headers-kept", "dropInvalidHeaderFields is not true")
			}
		}
		return j.done("dropInvalidHeaderFields true")
	})
}

func checkDesync(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		v := lb.in("desyncMitigationMode")
		s, _ := v.str()
		if !j.unreadable(v, "desyncMitigationMode") && s != "" && s != "defensive" && s != "strictest" {
			j.fail("desync-monitor", "desyncMitigationMode %s", s)
		}
		return j.done("desyncMitigationMode %s", orText(s, "unset (defensive)"))
	})
}

func checkAccessLogs(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		on, bucket := lb.in("accessLogs.enabled"), lb.in("accessLogs.bucket")
		if !j.unreadable(on, "accessLogs.enabled") && !j.unreadable(bucket, "accessLogs.bucket") {
			b, _ := on.boolean()
			s, _ := bucket.str()
			if !b || s == "" {
				j.fail("no-access-logs", "access logs are off")
			}
		}
		s, _ := bucket.str()
		return j.done("access logs to %s", s)
	})
}

func checkAlbDeletionProtection(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		v := lb.in("enableDeletionProtection")
		if !j.unreadable(v, "enableDeletionProtection") {
			if b, _ := v.boolean(); !b {
				j.fail("no-deletion-protection", "enableDeletionProtection is not true")
			}
		}
		return j.done("enableDeletionProtection true")
	})
}

func checkHealthCheck(d *Document, _ string) []Finding {
	return each(d, "target group", tgTypes, func(tg *Resource) []Finding {
		j := newJudge(tg)
		hc := tg.in("healthCheck")
		if j.unreadable(hc, "healthCheck") {
			return j.done("")
		}
		if on, ok := get(hc.v, "enabled").boolean(); ok && !on {
			j.fail("health-check-off", "health check disabled")
		}
		var missing []string
		for _, k := range []string{"path", "matcher", "healthyThreshold", "unhealthyThreshold", "interval"} {
			if get(hc.v, k).state == absent {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			j.fail("implicit-health-check", "health check leaves %s to defaults", strings.Join(missing, ", "))
		}
		path, _ := get(hc.v, "path").str()
		matcher, _ := get(hc.v, "matcher").str()
		return j.done("health check %s matcher %s, thresholds and interval set", path, matcher)
	})
}

// ---- RDS ----

func eachDB(d *Document, fn func(j *judge, db *Resource) []Finding) []Finding {
	return each(d, "RDS instance", []string{tDB}, func(db *Resource) []Finding { return fn(newJudge(db), db) })
}

// wantBool fails with code unless the input is want; unset counts as dflt.
func wantBool(j *judge, r *Resource, path string, want, dflt bool, code string) {
	v := r.in(path)
	if j.unreadable(v, path) {
		return
	}
	b, ok := v.boolean()
	if !ok {
		b = dflt
	}
	if b != want {
		j.fail(code, "%s is %v", path, b)
	}
}

func checkDBNotPublic(d *Document, _ string) []Finding {
	tiers := d.subnetTiers()
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "publiclyAccessible", false, false, "public")
		name := db.in("dbSubnetGroupName")
		if name.state == absent {
			j.fail("default-subnets", "no subnet group: the default VPC's subnets")
			return j.done("")
		}
		groups, ok := d.link(db, "dbSubnetGroupName", name, tSubnetGroup)
		if !ok || len(groups) == 0 {
			j.undecided("subnet group is unknown or not in the preview")
			return j.done("")
		}
		ids := judgeSubnets(j, tiers, groups[0].in("subnetIds"), groups[0].Name()+" subnets")
		return j.done("publiclyAccessible false; subnets %s not public", strings.Join(ids, ", "))
	})
}

func checkDBEncrypted(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "storageEncrypted", true, false, "unencrypted")
		return j.done("storageEncrypted true")
	})
}

func checkDBMultiAZ(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "multiAz", true, false, "single-az")
		return j.done("multiAz true")
	})
}

func checkDBBackups(d *Document, profile string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		v := db.in("backupRetentionPeriod")
		if j.unreadable(v, "backupRetentionPeriod") {
			return j.done("")
		}
		days, ok := v.num()
		if !ok {
			days = 1 // the RDS API's default
		}
		want := 7.0
		if profile == Development {
			want = 1
		}
		if days < want {
			j.fail("short-backups", "backupRetentionPeriod %s, below %s in %s", fmtNum(value{v: days}), fmtNum(value{v: want}), profile)
		}
		return j.done("backupRetentionPeriod %s (>= %s in %s)", fmtNum(value{v: days}), fmtNum(value{v: want}), profile)
	})
}

func checkDBDeletion(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "deletionProtection", true, false, "no-deletion-protection")
		skip := db.in("skipFinalSnapshot")
		if !j.unreadable(skip, "skipFinalSnapshot") {
			s, _ := skip.boolean()
			id := db.in("finalSnapshotIdentifier")
			switch {
			case s:
				j.fail("no-final-snapshot", "skipFinalSnapshot true")
			case id.state == absent:
				j.fail("no-final-snapshot", "no finalSnapshotIdentifier")
			}
		}
		return j.done("deletionProtection true; final snapshot kept")
	})
}

func checkDBLogExports(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		if e, _ := db.in("engine").str(); e != "" && !strings.Contains(e, "postgres") {
			return []Finding{j.finding(NotApplicable, "", "engine "+e+", not PostgreSQL")}
		}
		v := db.in("enabledCloudwatchLogsExports")
		if j.unreadable(v, "enabledCloudwatchLogsExports") {
			return j.done("")
		}
		got, _ := v.strs()
		for _, want := range []string{"postgresql", "upgrade"} {
			if !slices.Contains(got, want) {
				j.fail("no-log-exports", "enabledCloudwatchLogsExports lacks %s", want)
			}
		}
		return j.done("log exports %s", strings.Join(got, ", "))
	})
}

func checkDBForceSSL(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		name := db.in("parameterGroupName")
		if name.state == absent {
			j.fail("tls-not-forced", "no parameter group of the stack sets rds.force_ssl")
			return j.done("")
		}
		groups, ok := d.link(db, "parameterGroupName", name, tParamGroup)
		if !ok || len(groups) == 0 {
			j.undecided("parameter group is unknown or not in the preview")
			return j.done("")
		}
		params := groups[0].in("parameters")
		if j.unreadable(params, "parameters") {
			return j.done("")
		}
		forced := false
		for _, p := range params.list() {
			n, _ := get(p, "name").str()
			v, _ := get(p, "value").str()
			if n == "rds.force_ssl" && v == "1" {
				forced = true
			}
		}
		if !forced {
			j.fail("tls-not-forced", "%s does not set rds.force_ssl = 1", groups[0].Name())
		}
		return j.done("%s sets rds.force_ssl = 1", groups[0].Name())
	})
}

func checkDBUpgrades(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "autoMinorVersionUpgrade", true, true, "no-minor-upgrades")
		wantBool(j, db, "copyTagsToSnapshot", true, false, "no-tags-to-snapshots")
		return j.done("autoMinorVersionUpgrade true; copyTagsToSnapshot true")
	})
}

func checkDBMasterSecret(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "manageMasterUserPassword", true, false, "unmanaged-password")
		u := db.in("username")
		if !j.unreadable(u, "username") {
			if s, _ := u.str(); s == "postgres" {
				j.fail("default-username", "username is postgres")
			}
		}
		s, _ := u.str()
		return j.done("manageMasterUserPassword true; username %s", s)
	})
}

func checkDBInsights(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "performanceInsightsEnabled", true, false, "no-performance-insights")
		return j.done("performanceInsightsEnabled true")
	})
}

// ---- S3 ----

func eachBucket(d *Document, childTypes []string, what string, fn func(j *judge, b *Resource, children []*Resource) []Finding) []Finding {
	kids := d.attach(childTypes, "bucket", bucketTypes...)
	return each(d, "S3 bucket", bucketTypes, func(b *Resource) []Finding {
		j := newJudge(b)
		cs, ok := kids.of(j, b, what)
		if !ok {
			return j.done("")
		}
		return fn(j, b, cs)
	})
}

func checkPublicAccessBlock(d *Document, _ string) []Finding {
	return eachBucket(d, []string{tPAB}, "public access block", func(j *judge, b *Resource, pabs []*Resource) []Finding {
		if len(pabs) == 0 {
			j.fail("public-access-allowed", "no public access block")
		}
		for _, p := range pabs {
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				wantBool(j, p, k, true, false, "public-access-allowed")
			}
		}
		return j.done("all four public access blocks on (%s)", names(pabs))
	})
}

// statements returns a policy document's statements.
func statements(doc any) []any {
	return asList(get(doc, "Statement").v)
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	default:
		return []any{x}
	}
}

func strList(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func checkBucketTLS(d *Document, _ string) []Finding {
	return eachBucket(d, []string{tBucketPolicy}, "bucket policy", func(j *judge, b *Resource, ps []*Resource) []Finding {
		docs := []value{}
		for _, p := range ps {
			docs = append(docs, p.in("policy"))
		}
		if v := b.in("policy"); v.state != absent {
			docs = append(docs, v)
		}
		denied := false
		for _, v := range docs {
			doc, v := jsonDoc(v)
			if j.unreadable(v, "bucket policy") {
				continue
			}
			for _, s := range statements(doc) {
				eff, _ := get(s, "Effect").str()
				actions := strList(get(s, "Action").v)
				cond := get(s, "Condition.Bool.aws:SecureTransport")
				val := fmt.Sprint(cond.v)
				if l := asList(cond.v); len(l) == 1 {
					val = fmt.Sprint(l[0])
				}
				if eff == "Deny" && val == "false" && (slices.Contains(actions, "s3:*") || slices.Contains(actions, "*")) {
					denied = true
				}
			}
		}
		if !denied && len(j.undec) == 0 {
			j.fail("insecure-transport", "no statement denies s3:* when aws:SecureTransport is false")
		}
		return j.done("denies s3:* without TLS")
	})
}

func checkOwnershipEncryption(d *Document, _ string) []Finding {
	own := d.attach([]string{tOwnership}, "bucket", bucketTypes...)
	sse := d.attach(sseTypes, "bucket", bucketTypes...)
	return each(d, "S3 bucket", bucketTypes, func(b *Resource) []Finding {
		j := newJudge(b)
		if os, ok := own.of(j, b, "ownership controls"); ok {
			enforced := false
			for _, o := range os {
				if s, _ := o.in("rule.objectOwnership").str(); s == "BucketOwnerEnforced" {
					enforced = true
				}
			}
			if !enforced {
				j.fail("acls-enabled", "object ownership is not BucketOwnerEnforced")
			}
		}
		algo := ""
		if s, ok := b.in("serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.sseAlgorithm").str(); ok {
			algo = s
		}
		if cs, ok := sse.of(j, b, "encryption configuration"); ok {
			for _, c := range cs {
				for _, r := range c.in("rules").list() {
					if s, ok := get(r, "applyServerSideEncryptionByDefault.sseAlgorithm").str(); ok && s != "" {
						algo = s
					}
				}
			}
			if algo == "" {
				j.fail("no-default-encryption", "no default encryption configured")
			}
		}
		return j.done("BucketOwnerEnforced; default encryption %s", algo)
	})
}

// mediaBuckets are the buckets the application writes its data to: those
// on whose objects an identity policy of the preview allows s3:PutObject.
// Log buckets (written by AWS services through bucket policies) and static
// buckets (filled at deploy time) are not among them. decided is false when
// an identity policy is unknown, so a media bucket may be missing.
func (d *Document) mediaBuckets() (media []*Resource, decided bool) {
	decided = true
	seen := map[string]bool{}
	var docs []value
	for _, p := range d.ByType(tRolePolicy, tPolicy) {
		docs = append(docs, p.in("policy"))
	}
	for _, r := range d.ByType(tRole) {
		for _, ip := range r.in("inlinePolicies").list() {
			docs = append(docs, get(ip, "policy"))
		}
	}
	for _, v := range docs {
		doc, v := jsonDoc(v)
		if !v.decidable() {
			decided = false
			continue
		}
		for _, st := range statements(doc) {
			if eff, _ := get(st, "Effect").str(); eff != "Allow" {
				continue
			}
			writes := false
			for _, a := range strList(get(st, "Action").v) {
				if a == "*" || a == "s3:*" || a == "s3:Put*" || a == "s3:PutObject" {
					writes = true
				}
			}
			if !writes {
				continue
			}
			for _, res := range strList(get(st, "Resource").v) {
				name, _, _ := strings.Cut(strings.TrimPrefix(res, "arn:aws:s3:::"), "/")
				if !strings.HasPrefix(res, "arn:aws:s3:::") {
					continue
				}
				for _, b := range d.byRef[name] {
					if slices.Contains(bucketTypes, b.Type) && !seen[b.URN] {
						seen[b.URN] = true
						media = append(media, b)
					}
				}
			}
		}
	}
	return media, decided
}

// eachMediaBucket runs fn on every media bucket, or says why there is none.
func eachMediaBucket(d *Document, fn func(b *Resource) []Finding) []Finding {
	buckets, decided := d.mediaBuckets()
	var out []Finding
	for _, b := range buckets {
		out = append(out, fn(b)...)
	}
	switch {
	case len(d.ByType(bucketTypes...)) == 0:
		return notApplicable("no S3 bucket in the preview")
	case !decided:
		out = append(out, Finding{Resource: "-", Verdict: NotDecidable,
			Reason: "which buckets the app writes is unknown: an IAM policy is unknown until the update"})
	case len(out) == 0:
		return notApplicable("no bucket the app writes objects to (no media bucket)")
	}
	return out
}

func checkVersioning(d *Document, _ string) []Finding {
	vers := d.attach(versioningTypes, "bucket", bucketTypes...)
	rules := d.attach(lifecycleTypes, "bucket", bucketTypes...)
	return eachMediaBucket(d, func(b *Resource) []Finding {
		j := newJudge(b)
		enabled := false
		if on, _ := b.in("versioning.enabled").boolean(); on {
			enabled = true
		}
		if vs, ok := vers.of(j, b, "versioning"); ok {
			for _, v := range vs {
				if s, _ := v.in("versioningConfiguration.status").str(); s == "Enabled" {
					enabled = true
				}
			}
			if !enabled {
				j.fail("not-versioned", "versioning is not enabled")
			}
		}
		if ls, ok := rules.of(j, b, "lifecycle configuration"); ok {
			expires := false
			for _, l := range ls {
				for _, r := range l.in("rules").list() {
					status, _ := get(r, "status").str()
					if n, _ := get(r, "noncurrentVersionExpiration.noncurrentDays").num(); n > 0 && status == "Enabled" {
						expires = true
					}
				}
			}
			if !expires {
				j.fail("noncurrent-kept", "noncurrent versions never expire")
			}
		}
		return j.done("versioned; noncurrent versions expire")
	})
}

// ---- IAM ----

// wildcardResource reports whether an IAM resource names no resource: "*",
// or an ARN whose resource part is "*".
func wildcardResource(s string) bool {
	if s == "*" {
		return true
	}
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && strings.HasPrefix(parts[5], "*")
}

// judgePolicy judges an identity policy document held in v.
func judgePolicy(j *judge, v value, what string) {
	doc, v := jsonDoc(v)
	if j.unreadable(v, what) {
		return
	}
	for i, s := range statements(doc) {
		if eff, _ := get(s, "Effect").str(); eff != "Allow" {
			continue
		}
		sid, _ := get(s, "Sid").str()
		label := fmt.Sprintf("%s statement %s", what, orText(sid, fmt.Sprint(i)))
		if get(s, "NotAction").state != absent || get(s, "NotResource").state != absent {
			j.fail("not-action", "%s allows NotAction or NotResource", label)
		}
		actions := strList(get(s, "Action").v)
		for _, a := range actions {
			if strings.Contains(a, "*") {
				j.failOn(actions, "wildcard-action", "%s allows the wildcard action %s", label, a)
				break
			}
		}
		for _, r := range strList(get(s, "Resource").v) {
			if wildcardResource(r) {
				j.failOn(actions, "wildcard-resource", "%s allows %s on Resource %s", label, strings.Join(actions, ", "), r)
				break
			}
		}
	}
}

// taskRoles are the roles task definitions name, by URN.
func (d *Document) taskRoles() map[string]bool {
	out := map[string]bool{}
	for _, td := range d.ByType(tTaskDef) {
		for _, k := range []string{"executionRoleArn", "taskRoleArn"} {
			rs, _ := d.link(td, k, td.in(k), tRole)
			for _, r := range rs {
				out[r.URN] = true
			}
		}
	}
	return out
}

func judgeManaged(j *judge, arn string) {
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		j.failOn([]string{arn}, "aws-managed-policy", "attaches the AWS managed policy %s, not a policy scoped to named ARNs", arn)
	} else {
		j.undecided("managed policy %s is not judged here unless it is an aws:iam/policy:Policy of the preview", arn)
	}
}

func checkLeastPrivilege(d *Document, _ string) []Finding {
	task := d.taskRoles()
	var out []Finding
	for _, r := range d.ByType(tRole) {
		j := newJudge(r)
		doc, v := jsonDoc(r.in("assumeRolePolicy"))
		if !j.unreadable(v, "assumeRolePolicy") {
			for _, s := range statements(doc) {
				p := get(s, "Principal")
				if fmt.Sprint(p.v) == "*" || slices.Contains(strList(get(p.v, "AWS").v), "*") {
					j.fail("open-trust", "any principal may assume the role")
				}
				if task[r.URN] {
					svc := strList(get(p.v, "Service").v)
					if len(svc) != 1 || svc[0] != "ecs-tasks.amazonaws.com" {
						j.fail("task-trust", "a task role trusts %v, not only ecs-tasks.amazonaws.com", svc)
					}
				}
			}
		}
		for i, ip := range r.in("inlinePolicies").list() {
			judgePolicy(j, get(ip, "policy"), fmt.Sprintf("inline policy %d", i))
		}
		for _, arn := range strList(r.in("managedPolicyArns").v) {
			judgeManaged(j, arn)
		}
		trust := "trust scoped"
		if task[r.URN] {
			trust = "trusts ecs-tasks.amazonaws.com only"
		}
		out = append(out, j.done("%s", trust)...)
	}
	for _, p := range d.ByType(tRolePolicy, tPolicy) {
		j := newJudge(p)
		judgePolicy(j, p.in("policy"), "policy")
		out = append(out, j.done("no wildcard actions; resources are named ARNs")...)
	}
	for _, a := range d.ByType(tAttachment) {
		j := newJudge(a)
		arn := a.in("policyArn")
		if !j.unreadable(arn, "policyArn") {
			s, _ := arn.str()
			if ps, _ := d.link(a, "policyArn", arn, tPolicy); len(ps) > 0 {
				out = append(out, j.done("attaches %s, judged on its own", ps[0].Name())...)
				continue
			}
			judgeManaged(j, s)
		}
		out = append(out, j.done("")...)
	}
	if len(out) == 0 {
		return notApplicable("no IAM roles or policies in the preview")
	}
	return out
}

// ---- logs and data ----

func checkLogRetention(d *Document, profile string) []Finding {
	return each(d, "log group", []string{tLogGroup}, func(g *Resource) []Finding {
		j := newJudge(g)
		v := g.in("retentionInDays")
		if j.unreadable(v, "retentionInDays") {
			return j.done("")
		}
		n, _ := v.num()
		switch {
		case n <= 0:
			j.fail("no-retention", "retentionInDays unset: logs are kept forever")
		case profile == Production && n < 365:
			j.fail("short-retention", "retentionInDays %s, below the 365 the production profile keeps", fmtNum(v))
		}
		return j.done("retentionInDays %s", fmtNum(v))
	})
}

func checkDataProtected(d *Document, _ string) []Finding {
	protect := func(r *Resource) []Finding {
		j := newJudge(r)
		if !r.Protect {
			j.fail("not-protected", "not protect: `pulumi destroy` or a replacement deletes it")
		}
		if !slices.Contains(bucketTypes, r.Type) {
			return j.done("protect")
		}
		if !r.RetainOnDelete {
			j.fail("not-retained", "not retainOnDelete: removing it from the program deletes its data")
		}
		return j.done("protect and retainOnDelete")
	}
	var out []Finding
	for _, db := range d.ByType(tDB, "aws:rds/cluster:Cluster") {
		out = append(out, protect(db)...)
	}
	media := eachMediaBucket(d, protect)
	if len(out) > 0 && len(media) == 1 && media[0].Verdict == NotApplicable {
		return out
	}
	return append(out, media...)
}

// fmtNum prints a numeric value without a trailing ".0", "-" when absent.
func fmtNum(v value) string {
	if n, ok := v.num(); ok {
		return fmt.Sprintf("%g", n)
	}
	if s, ok := v.str(); ok {
		return s
	}
	return "-"
}

func orText(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}
