package synth

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/djangofargate/djangofargate/internal/offline"
)

// Type tokens the diagram draws. The diagram knows resources only by these
// tokens and their inputs, so it draws any program that uses them, and grows
// by itself as a program adds them.
const (
	typeVpc            = "awsx:ec2:Vpc"
	typeVpcEndpoint    = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeLoadBalancer   = "aws:lb/loadBalancer:LoadBalancer"
	typeListener       = "aws:lb/listener:Listener"
	typeService        = "aws:ecs/service:Service"
	typeTaskDefinition = "aws:ecs/taskDefinition:TaskDefinition"
	typeScalingTarget  = "aws:appautoscaling/target:Target"
	typeDBInstance     = "aws:rds/instance:Instance"
	typeRepository     = "aws:ecr/repository:Repository"
	typeSecret         = "aws:secretsmanager/secret:Secret"
	typeBucketV2       = "aws:s3/bucketV2:BucketV2"
	typeBucket         = "aws:s3/bucket:Bucket"
	typeNatGateway     = "aws:ec2/natGateway:NatGateway"
	typeLogGroup       = "aws:cloudwatch/logGroup:LogGroup"
)

// awsx ec2.Vpc defaults, for inputs a program leaves unset.
const (
	awsxDefaultAZs  = 3
	awsxDefaultNat  = "OnePerAz"
	awsxDefaultCidr = "10.0.0.0/16"
)

// WriteMermaid writes the architecture diagram of a run as a fenced
// ```mermaid flowchart: the internet, the load balancer and its listeners,
// the ECS service's tasks (size, count, autoscaling range) in the private
// subnets, the database in the isolated subnets, NAT gateways and VPC
// endpoints, and the ECR repository, log groups, secrets and buckets the
// tasks use, in an "AWS services" box. It draws a node only for resources
// the run registered, and edges along the path traffic takes: the tasks
// reach an AWS service through its gateway or interface endpoint when the
// run has one (both ECR endpoints for ECR), else through NAT; the database
// directly. Declaration order keeps the request path left to right
// (rendered with Mermaid's default layout, as GitHub does).
func WriteMermaid(w io.Writer, res *offline.Result) error {
	d := newDiagram(res)
	d.build()
	_, err := io.WriteString(w, d.String())
	return err
}

// view is a resource's inputs and outputs as masked plain values.
type view struct {
	r               *offline.Resource
	inputs, outputs map[string]any
}

func (v view) in(path string) any   { return lookup(v.inputs, path) }
func (v view) out(path string) any  { return lookup(v.outputs, path) }
func (v view) s(path string) string { return str(v.inputs, path) }

// refs are the strings a resource's own identity answers to: id, ARN, name.
func (v view) refs() []string {
	var out []string
	for _, s := range []string{v.r.ID, str(v.outputs, "arn"), str(v.outputs, "bucket"), str(v.outputs, "name")} {
		if len(s) >= 8 {
			out = append(out, s)
		}
	}
	return out
}

// mentions reports whether any string in v's inputs contains one of the
// other resource's references: it follows ids and ARNs, including those
// inside JSON documents such as container definitions and policies.
func (v view) mentions(other view) bool {
	all := map[string]bool{}
	stringsIn(v.inputs, all)
	for _, ref := range other.refs() {
		for s := range all {
			if strings.Contains(s, ref) {
				return true
			}
		}
	}
	return false
}

type node struct {
	id, label, shape string
}

func (n node) String() string {
	label := strings.ReplaceAll(n.label, `"`, "#quot;")
	switch n.shape {
	case "db":
		return fmt.Sprintf(`%s[("%s")]`, n.id, label)
	case "circle":
		return fmt.Sprintf(`%s(("%s"))`, n.id, label)
	}
	return fmt.Sprintf(`%s["%s"]`, n.id, label)
}

type diagram struct {
	res  *offline.Result
	ids  map[string]int
	top  []node            // outside the VPC
	aws  []node            // AWS services outside the VPC that the tasks reach
	vpc  []node            // in the VPC, outside the tiers
	tier map[string][]node // "public", "private", "isolated"
	edge []string

	vpcLabel, tierSuffix string
	hasVpc               bool
	tiers                map[string]bool
}

func newDiagram(res *offline.Result) *diagram {
	return &diagram{res: res, ids: map[string]int{}, tier: map[string][]node{}, tiers: map[string]bool{}}
}

func (d *diagram) views(types ...string) []view {
	var out []view
	for _, t := range types {
		for _, r := range d.res.ByType(t) {
			out = append(out, view{r: r, inputs: plainMap(r.Inputs), outputs: plainMap(r.Outputs)})
		}
	}
	return out
}

// id returns a fresh node id: base for the first, base2, base3 after.
func (d *diagram) id(base string) string {
	d.ids[base]++
	if n := d.ids[base]; n > 1 {
		return fmt.Sprintf("%s%d", base, n)
	}
	return base
}

// place puts a node in a subnet tier, or in the VPC or at the top level
// when the run has no such tier.
func (d *diagram) place(tier string, n node) {
	switch {
	case d.hasVpc && d.tiers[tier]:
		d.tier[tier] = append(d.tier[tier], n)
	case d.hasVpc:
		d.vpc = append(d.vpc, n)
	default:
		d.top = append(d.top, n)
	}
}

func (d *diagram) link(from, arrow, label, to string) {
	if label != "" {
		d.edge = append(d.edge, fmt.Sprintf("%s %s|%s| %s", from, arrow, label, to))
		return
	}
	d.edge = append(d.edge, fmt.Sprintf("%s %s %s", from, arrow, to))
}

// Services outside the VPC that tasks reach, with the interface endpoint
// services that carry each privately (ECR needs both of its endpoints).
var serviceEndpoints = map[string][]string{
	"ecr":     {"ecr.api", "ecr.dkr"},
	"logs":    {"logs"},
	"secrets": {"secretsmanager"},
	"s3":      {"s3"},
}

func (d *diagram) build() {
	internet := false
	needInternet := func() string { internet = true; return "internet" }

	// The network: tiers, NAT gateways, endpoints.
	natID := ""
	azs := 0
	if vpcs := d.views(typeVpc); len(vpcs) > 0 {
		v := vpcs[0]
		d.hasVpc = true
		azs = awsxDefaultAZs
		if n, ok := num(v.inputs, "numberOfAvailabilityZones"); ok {
			azs = int(n)
		}
		cidr := v.s("cidrBlock")
		if cidr == "" {
			cidr = awsxDefaultCidr
		}
		d.vpcLabel = fmt.Sprintf("VPC %s · %d AZs", cidr, azs)
		d.tierSuffix = fmt.Sprintf(" · %d AZs", azs)
		if specs, ok := v.in("subnetSpecs").([]any); ok {
			for i := range specs {
				d.tiers[strings.ToLower(str(specs, fmt.Sprintf("%d.type", i)))] = true
			}
		} else {
			d.tiers["public"], d.tiers["private"] = true, true
		}
	}
	// NAT gateways: the resources when the run has them (the offline engine
	// expands awsx's Vpc into them), else what the Vpc's strategy implies.
	nats := len(d.views(typeNatGateway))
	if nats == 0 && d.hasVpc {
		strategy := strings.ToLower(d.views(typeVpc)[0].s("natGateways.strategy"))
		switch {
		case strategy == "" || strategy == "oneperaz":
			nats = azs
		case strategy == "single":
			nats = 1
		}
	}
	iface, gateway := map[string]bool{}, map[string]bool{}
	for _, e := range d.views(typeVpcEndpoint) {
		svc := e.s("serviceName")
		if i := strings.Index(svc, "."+regionOf(svc)+"."); regionOf(svc) != "" && i >= 0 {
			svc = svc[i+len(regionOf(svc))+2:]
		}
		if strings.EqualFold(e.s("vpcEndpointType"), "Interface") {
			iface[svc] = true
		} else {
			gateway[svc] = true
		}
	}

	// Load balancers and their listeners.
	type albNode struct {
		id string
		v  view
	}
	var albs []albNode
	listeners := d.views(typeListener)
	lbs := d.views(typeLoadBalancer)
	for _, lb := range lbs {
		if t := lb.s("loadBalancerType"); t != "" && t != "application" {
			continue
		}
		id := d.id("alb")
		internal, _ := boolean(lb.inputs, "internal")
		var mine []view
		for _, l := range listeners {
			if l.mentions(lb) || len(lbs) == 1 {
				mine = append(mine, l)
			}
		}
		sort.Slice(mine, func(i, j int) bool {
			a, _ := num(mine[i].inputs, "port")
			b, _ := num(mine[j].inputs, "port")
			return a < b
		})
		label := "Application Load Balancer"
		if internal {
			label += " (internal)"
		}
		var ls, ports []string
		for _, l := range mine {
			ls = append(ls, listenerLabel(l))
			ports = append(ports, l.s("protocol")+" "+l.s("port"))
		}
		if len(ls) > 0 {
			label += "<br/>listeners: " + strings.Join(ls, ", ")
		}
		tier := "public"
		if internal {
			tier = "private"
		}
		d.place(tier, node{id: id, label: label})
		if !internal {
			d.link(needInternet(), "-->", strings.Join(ports, ", "), id)
		}
		albs = append(albs, albNode{id, lb})
	}

	// NAT gateways, after the load balancers: the public column reads
	// request path first.
	if nats > 0 {
		natID = d.id("nat")
		label := fmt.Sprintf("NAT gateway × %d", nats)
		switch {
		case nats == 1 && azs > 1:
			label += "<br/>shared by all AZs"
		case nats == azs && azs > 1:
			label += "<br/>one per AZ"
		}
		d.place("public", node{id: natID, label: label})
	}
	// ECS services and their tasks.
	taskDefs := d.views(typeTaskDefinition)
	targets := d.views(typeScalingTarget)
	var services []string
	var serviceTDs []*view
	for _, s := range d.views(typeService) {
		id := d.id("tasks")
		services = append(services, id)
		var td *view
		for i := range taskDefs {
			if s.mentions(taskDefs[i]) || len(taskDefs) == 1 {
				td = &taskDefs[i]
				break
			}
		}
		serviceTDs = append(serviceTDs, td)
		launch := "Fargate"
		if s.s("launchType") != "" && s.s("launchType") != "FARGATE" {
			launch = s.s("launchType")
		}
		if cps, ok := s.in("capacityProviderStrategies").([]any); ok {
			for i := range cps {
				w, _ := num(cps, fmt.Sprintf("%d.weight", i))
				if str(cps, fmt.Sprintf("%d.capacityProvider", i)) == "FARGATE_SPOT" && w > 0 {
					launch = "Fargate Spot"
				}
			}
		}
		lines := []string{"ECS service " + s.r.Name, launch + " tasks"}
		if td != nil {
			if size := taskSize(*td); size != "" {
				lines[1] += ": " + size
			}
		}
		var counts []string
		if n, ok := num(s.inputs, "desiredCount"); ok {
			counts = append(counts, "desired "+formatNumber(n))
		}
		for _, t := range targets {
			rid := t.s("resourceId")
			if rid != "" && (strings.HasSuffix(s.r.ID, ":"+rid) || strings.HasSuffix(rid, "/"+str(s.outputs, "name")) || len(targets) == 1) {
				lo, _ := num(t.inputs, "minCapacity")
				hi, _ := num(t.inputs, "maxCapacity")
				counts = append(counts, fmt.Sprintf("autoscaling %s-%s", formatNumber(lo), formatNumber(hi)))
				break
			}
		}
		if len(counts) > 0 {
			lines = append(lines, strings.Join(counts, " · "))
		}
		d.place("private", node{id: id, label: strings.Join(lines, "<br/>")})

		port := ""
		if p := str(s.inputs, "loadBalancers.0.containerPort"); p != "" {
			port = "port " + p
		}
		for _, a := range albs {
			if len(albs) == 1 || servesThrough(a.v, s, listeners, d.views("aws:lb/targetGroup:TargetGroup")) {
				d.link(a.id, "-->", port, id)
			}
		}
	}

	// Databases: straight from the tasks, inside the VPC.
	for _, db := range d.views(typeDBInstance) {
		id := d.id("db")
		engine := db.s("engine")
		if engine == "postgres" {
			engine = "PostgreSQL"
		}
		az := "Single-AZ"
		if multi, _ := boolean(db.inputs, "multiAz"); multi {
			az = "Multi-AZ"
		}
		label := strings.TrimSpace(fmt.Sprintf("RDS %s %s", engine, db.s("engineVersion")))
		label += "<br/>" + strings.Join(nonEmpty(db.s("instanceClass"), az), " · ")
		d.place("isolated", node{id: id, label: label, shape: "db"})
		port := db.s("port")
		if port == "" {
			port = "5432"
		}
		for _, s := range services {
			d.link(s, "-->", port, id)
		}
	}

	// The endpoints the tasks' AWS traffic takes, in the private subnets.
	var ifaceNames, gatewayNames []string
	for svc := range iface {
		ifaceNames = append(ifaceNames, svc)
	}
	for svc := range gateway {
		gatewayNames = append(gatewayNames, svc)
	}
	sort.Strings(ifaceNames)
	sort.Strings(gatewayNames)
	endpointsID, gatewayID := "", ""
	if len(ifaceNames) > 0 {
		endpointsID = d.id("endpoints")
		d.place("private", node{id: endpointsID, label: "VPC interface endpoints<br/>" + strings.Join(ifaceNames, ", ")})
	}
	if len(gatewayNames) > 0 {
		gatewayID = d.id("gateway_endpoints")
		d.place("private", node{id: gatewayID, label: "VPC gateway endpoints<br/>" + strings.Join(gatewayNames, ", ")})
	}
	// via returns the node a task's traffic to an AWS service passes: the
	// gateway or interface endpoint for it, else the NAT gateway; "" when
	// the run has no VPC (drawn straight) or no path (none is drawn).
	via := func(service string) (string, bool) {
		if !d.hasVpc {
			return "", true
		}
		all := len(serviceEndpoints[service]) > 0
		for _, e := range serviceEndpoints[service] {
			all = all && (iface[e] || gateway[e])
		}
		switch {
		case all && gateway[serviceEndpoints[service][0]]:
			return gatewayID, true
		case all:
			return endpointsID, true
		case natID != "":
			return natID, true
		}
		return "", false
	}
	linked := map[string]bool{}
	reach := func(service, target string) {
		hop, ok := via(service)
		if !ok {
			return
		}
		for _, s := range services {
			if hop == "" {
				d.link(s, "-.->", "", target)
				continue
			}
			if hop != natID && !linked[s+hop] {
				d.link(s, "-.->", "", hop)
				linked[s+hop] = true
			}
		}
		if hop != "" {
			d.link(hop, "-.->", "", target)
		}
	}

	// Outside the VPC: the image registry, logs, secrets and buckets.
	for _, repo := range d.views(typeRepository) {
		id := d.id("ecr")
		d.aws = append(d.aws, node{id: id, label: "ECR repository<br/>" + repo.r.Name})
		reach("ecr", id)
	}
	var groups []string
	for _, g := range d.views(typeLogGroup) {
		for _, td := range serviceTDs {
			if td != nil && td.mentions(g) {
				groups = append(groups, g.r.Name)
				break
			}
		}
	}
	if len(groups) > 0 {
		id := d.id("logs")
		d.aws = append(d.aws, node{id: id, label: "CloudWatch Logs<br/>" + strings.Join(groups, "<br/>")})
		reach("logs", id)
	}
	var secrets []string
	for _, s := range d.views(typeSecret) {
		secrets = append(secrets, s.r.Name)
	}
	for _, db := range d.views(typeDBInstance) {
		if managed, _ := boolean(db.inputs, "manageMasterUserPassword"); managed {
			secrets = append(secrets, db.r.Name+" master password (managed by RDS)")
		}
	}
	if len(secrets) > 0 {
		id := d.id("secrets")
		d.aws = append(d.aws, node{id: id, label: "Secrets Manager<br/>" + strings.Join(secrets, "<br/>")})
		reach("secrets", id)
	}
	var albLogs []func()
	for _, b := range d.views(typeBucketV2, typeBucket) {
		id := d.id("bucket")
		d.aws = append(d.aws, node{id: id, label: "S3 bucket<br/>" + b.r.Name, shape: "db"})
		logs := false
		for _, a := range albs {
			if a.v.mentions(b) {
				albLogs = append(albLogs, func() { d.link(a.id, "-.->", "access logs", id) })
				logs = true
			}
		}
		if !logs {
			reach("s3", id)
		}
	}
	for _, f := range albLogs {
		f()
	}
	// What still leaves the VPC goes through NAT; declared last, so the
	// layout keeps the request path left to right.
	if natID != "" {
		for _, s := range services {
			d.link(s, "-->", "egress", natID)
		}
		d.link(natID, "-->", "", needInternet())
	}
	if !d.hasVpc {
		d.top = append(d.top, d.aws...)
		d.aws = nil
	}
	if internet {
		d.top = append([]node{{id: "internet", label: "Internet", shape: "circle"}}, d.top...)
	}
}

// servesThrough reports whether the service is behind the load balancer: a
// listener of the balancer forwards to a target group the service registers in.
func servesThrough(lb, svc view, listeners, groups []view) bool {
	for _, l := range listeners {
		if !l.mentions(lb) {
			continue
		}
		for _, g := range groups {
			if l.mentions(g) && svc.mentions(g) {
				return true
			}
		}
	}
	return false
}

// listenerLabel describes a listener: "HTTP 80 → HTTPS 443" for a redirect,
// "HTTPS 443" for a listener that serves.
func listenerLabel(l view) string {
	label := l.s("protocol") + " " + l.s("port")
	if l.s("defaultActions.0.type") == "redirect" {
		to := strings.TrimSpace(l.s("defaultActions.0.redirect.protocol") + " " + l.s("defaultActions.0.redirect.port"))
		return label + " → " + to
	}
	return label
}

// taskSize describes a task definition's size: "0.5 vCPU · 1 GB".
func taskSize(td view) string {
	cpu, okCPU := num(td.inputs, "cpu")
	mem, okMem := num(td.inputs, "memory")
	var parts []string
	if okCPU {
		parts = append(parts, formatNumber(cpu/1024)+" vCPU")
	}
	if okMem {
		if int(mem)%1024 == 0 {
			parts = append(parts, formatNumber(mem/1024)+" GB")
		} else {
			parts = append(parts, formatNumber(mem)+" MiB")
		}
	}
	return strings.Join(parts, " · ")
}

// regionOf returns the region of an endpoint service name
// ("com.amazonaws.us-east-1.ecr.api" -> "us-east-1").
func regionOf(serviceName string) string {
	parts := strings.Split(serviceName, ".")
	if len(parts) > 3 && parts[0] == "com" && parts[1] == "amazonaws" {
		return parts[2]
	}
	return ""
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// String renders the diagram.
func (d *diagram) String() string {
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart LR\n")
	for _, n := range d.top {
		fmt.Fprintf(&b, "    %s\n", n)
	}
	if d.hasVpc {
		fmt.Fprintf(&b, "    subgraph vpc[\"%s\"]\n", d.vpcLabel)
		for _, t := range []string{"public", "private", "isolated"} {
			if len(d.tier[t]) == 0 {
				continue
			}
			fmt.Fprintf(&b, "        subgraph %s[\"%s subnets%s\"]\n", t, strings.ToUpper(t[:1])+t[1:], d.tierSuffix)
			for _, n := range d.tier[t] {
				fmt.Fprintf(&b, "            %s\n", n)
			}
			b.WriteString("        end\n")
		}
		for _, n := range d.vpc {
			fmt.Fprintf(&b, "        %s\n", n)
		}
		b.WriteString("    end\n")
	}
	if len(d.aws) > 0 {
		b.WriteString("    subgraph aws[\"AWS services\"]\n")
		for _, n := range d.aws {
			fmt.Fprintf(&b, "        %s\n", n)
		}
		b.WriteString("    end\n")
	}
	for _, e := range d.edge {
		fmt.Fprintf(&b, "    %s\n", e)
	}
	b.WriteString("```\n")
	return b.String()
}
