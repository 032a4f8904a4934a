// Scheduled commands and workers (CONTROLS.md SCH-1, ECS-18).

package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

const tSchedule = "aws:scheduler/schedule:Schedule"

// policiesOf returns the identity policies of a role: its inline policies,
// the RolePolicy resources naming it, and (as ARNs) the policies attached
// to it.
func (d *Document) policiesOf(role *Resource) (docs []identityPolicy, attached []string) {
	for i, ip := range role.in("inlinePolicies").list() {
		docs = append(docs, identityPolicy{owner: role, label: fmt.Sprintf("inline policy %d", i), doc: get(ip, "policy")})
	}
	for _, p := range d.ByType(tRolePolicy) {
		if rs, _ := d.link(p, "role", p.in("role"), tRole); slices.Contains(rs, role) {
			docs = append(docs, identityPolicy{owner: p, label: p.Name(), doc: p.in("policy")})
		}
	}
	for _, a := range d.ByType(tAttachment) {
		if rs, _ := d.link(a, "role", a.in("role"), tRole); slices.Contains(rs, role) {
			s, _ := a.in("policyArn").str()
			attached = append(attached, orText(s, a.Name()))
		}
	}
	return docs, attached
}

// withoutRevision strips a task definition ARN's ":<revision>".
func withoutRevision(arn string) string {
	if i := strings.LastIndex(arn, ":"); i > strings.Index(arn, "task-definition/") && strings.Contains(arn, "task-definition/") {
		return arn[:i]
	}
	return arn
}

// scheduledTask is what a schedule's target runs as ECS RunTask, read from
// either form: the templated target (Arn the cluster, EcsParameters) or the
// universal target arn:<partition>:scheduler:::aws-sdk:ecs:runTask, whose
// Input is the whole RunTask request with the AWS SDK's PascalCase names
// (Scheduler user guide, "Using universal targets",
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html).
type scheduledTask struct {
	universal bool
	// input is the universal target's Input; an unreadable one leaves
	// everything below unread.
	input            value
	cluster, taskDef value
	// network is the awsvpc configuration; subnets and publicIP are in it
	// (publicIP a bool in EcsParameters, "ENABLED"/"DISABLED" in RunTask).
	network, subnets, publicIP value
}

var universalECS = regexp.MustCompile(`^arn:[a-z-]+:scheduler:::aws-sdk:ecs:(\w+)$`)

// scheduledRunTask reads what s runs. ok is false when s runs no ECS task;
// action is the ECS API a universal target calls ("runTask" for a task).
func scheduledRunTask(s *Resource) (t scheduledTask, action string, ok bool) {
	if s.in("target.ecsParameters").state != absent {
		net := "target.ecsParameters.networkConfiguration"
		return scheduledTask{cluster: s.in("target.arn"), taskDef: s.in("target.ecsParameters.taskDefinitionArn"),
			network: s.in(net), subnets: s.in(net + ".subnets"), publicIP: s.in(net + ".assignPublicIp")}, "runTask", true
	}
	arn, _ := s.in("target.arn").str()
	m := universalECS.FindStringSubmatch(arn)
	if m == nil {
		return t, "", false
	}
	doc, v := jsonDoc(s.in("target.input"))
	net := "NetworkConfiguration.AwsvpcConfiguration"
	return scheduledTask{universal: true, input: v, cluster: get(doc, "Cluster"), taskDef: get(doc, "TaskDefinition"),
		network: get(doc, net), subnets: get(doc, net+".Subnets"), publicIP: get(doc, net+".AssignPublicIp")}, m[1], true
}

// hasPublicIP reports whether the task gets a public IP.
func (t scheduledTask) hasPublicIP() bool {
	if t.universal {
		s, _ := t.publicIP.str()
		return strings.EqualFold(s, "ENABLED")
	}
	b, _ := t.publicIP.boolean()
	return b
}

// checkSchedulerRole (SCH-1) wants each schedule's role trusted by EventBridge Scheduler of this account only, and allowed only to run the schedule's task definition family in its cluster and to pass that task definition's two roles to ECS tasks; the task and cluster a schedule runs (a universal target's RunTask Input, or EcsParameters) must be the stack's.
func checkSchedulerRole(d *Document, _ string) []Finding {
	return each(d, "EventBridge Scheduler schedule", []string{tSchedule}, func(s *Resource) []Finding {
		j := newJudge(s)
		task, action, applies := scheduledRunTask(s)
		if !applies {
			return notApplicable("%s targets no ECS task", s.Name())
		}
		if action != "runTask" {
			j.fail("scheduler-target", "calls ecs:%s through a universal target; a scheduled command calls only ecs:runTask", action)
			return j.done("")
		}
		roleArn, cluster, tdArn := s.in("target.roleArn"), task.cluster, task.taskDef
		if task.universal {
			if j.unreadable(task.input, "target.input") {
				return j.done("")
			}
			for _, f := range []struct {
				key string
				v   value
			}{{"Cluster", cluster}, {"TaskDefinition", tdArn}} {
				if f.v.state == absent {
					j.fail("scheduler-input", "the universal target's input (the RunTask request) has no %s; its parameters are the SDK's, PascalCase", f.key)
				}
			}
			if len(j.out) > 0 {
				return j.done("")
			}
		}
		if j.unreadable(roleArn, "target.roleArn") || j.unreadable(cluster, "cluster") || j.unreadable(tdArn, "task definition") {
			return j.done("")
		}
		roles, _ := d.link(s, "target", roleArn, tRole)
		if len(roles) == 0 {
			arn, _ := roleArn.str()
			j.fail("foreign-role", "runs as %s, a role the stack does not define, so its permissions cannot be judged", arn)
			return j.done("")
		}
		role := roles[0]
		judgeSchedulerTrust(j, role)
		clusterArn, _ := cluster.str()
		td, _ := tdArn.str()
		if !d.isStackCluster(s, cluster) {
			j.fail("foreign-cluster", "runs its task in %s, not a cluster of the stack's services", clusterArn)
		}
		// The roles the task definition names: the only ones RunTask passes.
		var taskRoles []string
		tds, _ := d.link(s, "target", tdArn, tTaskDef)
		if len(tds) == 0 {
			j.fail("foreign-task", "runs %s, not a task definition of the stack", td)
		} else {
			for _, k := range []string{"executionRoleArn", "taskRoleArn"} {
				v := tds[0].in(k)
				if j.unreadable(v, k) {
					return j.done("")
				}
				if a, ok := v.str(); ok {
					taskRoles = append(taskRoles, a)
				}
			}
		}
		docs, attached := d.policiesOf(role)
		for _, a := range attached {
			j.fail("attached-policy", "the role %s has the policy %s attached; it needs one inline policy scoped to the task", role.Name(), a)
		}
		for _, p := range docs {
			doc, v := jsonDoc(p.doc)
			if j.unreadable(v, p.label) {
				continue
			}
			for _, st := range allowStatements(doc) {
				judgeSchedulerStatement(j, st, fmt.Sprintf(statementLabel, p.label, orText(st.sid, fmt.Sprint(st.i))), td, clusterArn, taskRoles)
			}
		}
		return j.done("%s runs only %s:* in its cluster and passes only its task's roles", role.Name(), withoutRevision(td))
	})
}

// isStackCluster reports whether v names a cluster of the stack or the
// cluster an ECS service of the stack runs in (an existing cluster).
func (d *Document) isStackCluster(s *Resource, v value) bool {
	if cs, _ := d.link(s, "target", v, tCluster); len(cs) > 0 {
		return true
	}
	arn, _ := v.str()
	for _, svc := range d.ByType(tService) {
		if c, _ := svc.in("cluster").str(); c != "" && c == arn {
			return true
		}
	}
	return false
}

// judgeSchedulerTrust wants the role trusted by scheduler.amazonaws.com
// alone, with aws:SourceAccount (Scheduler user guide, "Confused deputy
// prevention").
func judgeSchedulerTrust(j *judge, role *Resource) {
	doc, v := jsonDoc(role.in("assumeRolePolicy"))
	if j.unreadable(v, "assumeRolePolicy") {
		return
	}
	for _, st := range allowStatements(doc) {
		p := get(st.s, "Principal")
		svc := strList(get(p.v, "Service").v)
		others := get(p.v, "AWS").state != absent || get(p.v, "Federated").state != absent || fmt.Sprint(p.v) == "*"
		if others || len(svc) != 1 || svc[0] != "scheduler.amazonaws.com" {
			j.fail("scheduler-trust", "the role %s trusts %v, not only scheduler.amazonaws.com", role.Name(), p.v)
		}
		if len(conditionKeys(st.s)["aws:sourceaccount"]) == 0 {
			j.fail("scheduler-trust", "the role %s is trusted without an aws:SourceAccount condition (confused deputy)", role.Name())
		}
	}
}

// judgeSchedulerStatement judges one Allow statement of a schedule's role.
func judgeSchedulerStatement(j *judge, st allowStatement, label, td, cluster string, taskRoles []string) {
	actions := strList(get(st.s, "Action").v)
	resources := strList(get(st.s, "Resource").v)
	keys := conditionKeys(st.s)
	if get(st.s, "NotAction").state != absent || get(st.s, "NotResource").state != absent {
		j.fail("scheduler-extra", "%s uses NotAction or NotResource", label)
	}
	for _, a := range actions {
		switch strings.ToLower(a) {
		case "ecs:runtask":
			family := withoutRevision(td)
			for _, r := range resources {
				if r != td && r != family+":*" {
					j.failOn(actions, "scheduler-runtask", "%s allows ecs:RunTask on %s, not only %s or %s:*", label, r, td, family)
				}
			}
			if c := keys["ecs:cluster"]; len(c) == 0 || slices.ContainsFunc(c, func(v string) bool { return v != cluster }) {
				j.failOn(actions, "scheduler-runtask", "%s allows ecs:RunTask without an ecs:cluster condition naming %s (got %v)", label, cluster, c)
			}
		case "iam:passrole":
			for _, r := range resources {
				if !slices.Contains(taskRoles, r) {
					j.failOn(actions, "scheduler-passrole", "%s allows iam:PassRole on %s, not only the task's roles %v", label, r, taskRoles)
				}
			}
			if svc := keys["iam:passedtoservice"]; len(svc) != 1 || svc[0] != "ecs-tasks.amazonaws.com" {
				j.failOn(actions, "scheduler-passrole", "%s allows iam:PassRole without iam:PassedToService ecs-tasks.amazonaws.com (got %v)", label, svc)
			}
		default:
			j.failOn(actions, "scheduler-extra", "%s allows %s; a schedule's role needs only ecs:RunTask and iam:PassRole", label, a)
		}
	}
}

// grants are the (action, resource) pairs an identity policy allows,
// lowercased actions; ok is false when a document cannot be read.
func grants(docs []identityPolicy) (out map[string]bool, ok bool) {
	out, ok = map[string]bool{}, true
	for _, p := range docs {
		doc, v := jsonDoc(p.doc)
		if !v.decidable() {
			ok = false
			continue
		}
		for _, st := range allowStatements(doc) {
			for _, a := range strList(get(st.s, "Action").v) {
				for _, r := range strList(get(st.s, "Resource").v) {
					out[strings.ToLower(a)+" on "+r] = true
				}
			}
		}
	}
	return out, ok
}

// checkWorkerScope (ECS-18) wants an ECS service without a load balancer (a worker) to have no public IP, the web service's roles or roles allowing nothing more, and the web tasks' security groups or groups admitting no inbound traffic.
func checkWorkerScope(d *Document, _ string) []Finding {
	var web, workers []*Resource
	for _, svc := range d.ByType(tService) {
		if len(svc.in("loadBalancers").list()) > 0 {
			web = append(web, svc)
		} else {
			workers = append(workers, svc)
		}
	}
	if len(workers) == 0 {
		return notApplicable("no ECS service without a load balancer")
	}
	taskDef := func(svc *Resource) *Resource {
		tds, _ := d.link(svc, "taskDefinition", svc.in("taskDefinition"), tTaskDef)
		if len(tds) == 0 {
			return nil
		}
		return tds[0]
	}
	// What the web services may do and where their tasks sit.
	webRoles := map[string][]string{} // role input key -> ARNs
	webSGs := map[string]bool{}
	for _, svc := range web {
		if td := taskDef(svc); td != nil {
			for _, k := range []string{"executionRoleArn", "taskRoleArn"} {
				if a, ok := td.in(k).str(); ok {
					webRoles[k] = append(webRoles[k], a)
				}
			}
		}
		ids, _ := svc.in("networkConfiguration.securityGroups").strs()
		for _, id := range ids {
			webSGs[id] = true
		}
	}
	var out []Finding
	for _, svc := range workers {
		j := newJudge(svc)
		if pub := svc.in("networkConfiguration.assignPublicIp"); !j.unreadable(pub, "assignPublicIp") {
			if b, _ := pub.boolean(); b {
				j.fail("worker-public-ip", "assignPublicIp true: a worker takes no connections and needs no public address")
			}
		}
		if td := taskDef(svc); td == nil {
			j.undecided("its task definition is not in the preview")
		} else {
			for _, k := range []string{"executionRoleArn", "taskRoleArn"} {
				judgeWorkerRole(d, j, td, k, webRoles[k])
			}
		}
		sgs := svc.in("networkConfiguration.securityGroups")
		if ids, ok := sgs.strs(); !ok {
			j.undecided("%s", sgs.why("networkConfiguration.securityGroups"))
		} else {
			for _, id := range ids {
				if !webSGs[id] {
					judgeNoIngress(d, j, id)
				}
			}
		}
		out = append(out, j.done("no public IP; the web service's roles or narrower; no inbound path of its own")...)
	}
	return out
}

// judgeWorkerRole wants the worker task definition's role (key) to be one
// of the web services' or to allow nothing they do not.
func judgeWorkerRole(d *Document, j *judge, td *Resource, key string, web []string) {
	v := td.in(key)
	if j.unreadable(v, key) {
		return
	}
	arn, _ := v.str()
	if arn == "" || slices.Contains(web, arn) {
		return
	}
	mine, _ := d.link(td, key, v, tRole)
	if len(mine) == 0 {
		j.fail("worker-role", "%s %s is not a role of the stack, so it cannot be compared with the web service's", key, arn)
		return
	}
	var theirs []*Resource
	for _, w := range web {
		rs, _ := d.link(td, key, value{state: known, v: w}, tRole)
		theirs = append(theirs, rs...)
	}
	if len(theirs) == 0 {
		j.fail("worker-role", "%s %s: there is no web service role to compare it with", key, arn)
		return
	}
	mineDocs, mineAttached := d.policiesOf(mine[0])
	allowed := map[string]bool{}
	readable := true
	for _, r := range theirs {
		docs, _ := d.policiesOf(r)
		g, ok := grants(docs)
		readable = readable && ok
		for k := range g {
			allowed[k] = true
		}
	}
	got, ok := grants(mineDocs)
	if !ok || !readable {
		j.undecided("a policy of %s or of the web service's role is not readable in the preview", mine[0].Name())
		return
	}
	for _, a := range mineAttached {
		j.fail("worker-role", "%s %s has the policy %s attached, which the web service's role does not prove it needs", key, mine[0].Name(), a)
	}
	var extra []string
	for k := range got {
		if !allowed[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		j.fail("worker-role", "%s %s allows what the web service's does not: %s", key, mine[0].Name(), strings.Join(extra, "; "))
	}
}

// judgeNoIngress wants the security group id to admit no inbound traffic:
// no ingress rule resource on it and no inline ingress.
func judgeNoIngress(d *Document, j *judge, id string) {
	for _, sg := range d.ByType(tSG) {
		if refs := refs(sg); slices.Contains(refs, id) && len(sg.in("ingress").list()) > 0 {
			j.fail("worker-ingress", "its security group %s has inline ingress rules; a worker takes no connections", sg.Name())
		}
	}
	for _, r := range d.ByType(tIngress, tSGRule) {
		if t, _ := r.in("type").str(); r.Type == tSGRule && t != "ingress" {
			continue
		}
		if g, _ := r.in("securityGroupId").str(); g == id {
			j.fail("worker-ingress", "its security group %s admits inbound traffic (%s); a worker takes no connections", id, r.Name())
		}
	}
}
