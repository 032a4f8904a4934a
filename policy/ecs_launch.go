// Launch order and health probes (CONTROLS.md ECS-14, ECS-15).

package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// More ECS type tokens.
const tCapacityProviders = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"

// waitsFor returns the URNs r waits for, transitively: its dependencies and
// the sources of its inputs, and the same of each of those. A component
// among them stands for its descendants (the Go SDK expands a DependsOn on
// a component to its children).
func (d *Document) waitsFor(r *Resource) map[string]bool {
	children := map[string][]string{}
	for _, x := range d.Resources {
		if x.Parent != "" {
			children[x.Parent] = append(children[x.Parent], x.URN)
		}
	}
	seen := map[string]bool{}
	queue := []string{}
	push := func(u string) {
		if !seen[u] {
			seen[u] = true
			queue = append(queue, u)
		}
	}
	next := func(x *Resource) {
		for _, u := range x.Dependencies {
			push(u)
		}
		for _, us := range x.PropertyDependencies {
			for _, u := range us {
				push(u)
			}
		}
	}
	next(r)
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		x := d.byURN[u]
		if x == nil {
			continue
		}
		if !x.Custom {
			for _, c := range children[u] {
				push(c)
			}
		}
		next(x)
	}
	return seen
}

// trustsService reports whether a role's trust policy names the service
// principal.
func trustsService(r *Resource, service string) bool {
	doc, v := jsonDoc(r.in("assumeRolePolicy"))
	if !v.decidable() {
		return false
	}
	for _, s := range statements(doc) {
		if slices.Contains(strList(get(get(s, "Principal").v, "Service").v), service) {
			return true
		}
	}
	return false
}

// rolePolicies maps roles (by URN) to the policies and attachments that
// grant them permissions.
func (d *Document) rolePolicies() attachments {
	return d.attach([]string{tRolePolicy, tAttachment}, "role", tRole)
}

// launchNeeds are what a task of svc needs before it starts, each with why.
func (d *Document) launchNeeds(j *judge, svc *Resource) (needs []*Resource, why map[string]string) {
	why = map[string]string{}
	need := func(r *Resource, reason string) {
		if _, ok := why[r.URN]; !ok {
			needs = append(needs, r)
			why[r.URN] = reason
		}
	}
	// The policies of every role a task runs with: the execution role (pull,
	// logs, secrets), the task role, and any other role ECS tasks may assume
	// (the migration task's role override, invisible in the preview but for
	// its trust).
	policies := d.rolePolicies()
	for _, role := range d.ByType(tRole) {
		if !trustsService(role, "ecs-tasks.amazonaws.com") {
			continue
		}
		ps, _ := policies.of(j, role, "role policy")
		for _, p := range ps {
			need(p, "the policy of "+role.Name()+", which ECS tasks assume")
		}
	}
	// The rules of the task security groups, and the rules of other groups
	// that admit or reach them (the database's ingress, the ALB's egress).
	groups, ok := d.linkList(svc, "networkConfiguration", "networkConfiguration.securityGroups", tSG)
	if !ok {
		j.undecided("the service's security groups are unknown until the update")
	}
	task := urnSet(groups)
	for _, r := range d.securityGroupRules() {
		if r.label != "" {
			continue // an inline rule is part of its group
		}
		if !r.groupsOK || !r.sourcesOK {
			j.undecided("whether %s is a rule of the task security group is unknown until the update", r.owner.Name())
		}
		for _, g := range append(append([]*Resource{}, r.groups...), r.sources...) {
			if task[g.URN] {
				need(r.owner, "a rule of the task security group "+g.Name())
				break
			}
		}
	}
	// The interface endpoints tasks reach ECR, Logs and Secrets Manager by.
	for _, e := range d.ByType(tEndpoint) {
		if t, _ := e.in("vpcEndpointType").str(); strings.EqualFold(t, "Interface") {
			need(e, "an interface endpoint tasks reach AWS APIs through")
		}
	}
	// The cluster's capacity providers.
	clusters, _ := d.link(svc, "cluster", svc.in("cluster"), tCluster)
	providers := d.attach([]string{tCapacityProviders}, "clusterName", tCluster)
	for _, c := range clusters {
		cps, _ := providers.of(j, c, "capacity providers")
		for _, cp := range cps {
			need(cp, "the capacity providers of "+c.Name())
		}
	}
	return needs, why
}

// checkLaunchOrder (ECS-14) wants the service, and with it the migration hook that runs before it, to wait for the task roles' policies, the task security group's rules, the interface endpoints and the cluster's capacity providers.
func checkLaunchOrder(d *Document, _ string) []Finding {
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		waits := d.waitsFor(svc)
		needs, why := d.launchNeeds(j, svc)
		var met []string
		for _, n := range needs {
			if !waits[n.URN] {
				j.fail("launch-order", "does not wait for %s (%s): the first task, or the migration run before it, can start without it (ResourceInitializationError)", n.Name(), why[n.URN])
				continue
			}
			met = append(met, n.Name())
		}
		return j.done("waits for %d launch needs: %s", len(met), strings.Join(met, ", "))
	})
}

// probeURL finds the path a container health check command requests.
var probeURL = regexp.MustCompile(`https?://[^/'"\s]+(/[^'"\s?]*)`)

// clientTimeout finds the client timeout in a health check command.
var clientTimeout = regexp.MustCompile(`timeout=(\d+(?:\.\d+)?)`)

// readinessPath reports whether a probe path is a readiness (database)
// check by the naming convention the app follows (app/config/health.py:
// /livez is liveness, /readyz readiness): any path naming "ready".
func readinessPath(p string) bool {
	return strings.Contains(strings.ToLower(p), "ready")
}

// livenessPaths are the paths the app answers as liveness (no database):
// /livez, and HEALTH_CHECK_PATH (default /healthz, app/config/settings.py),
// the same check under the path the service's probes use.
func livenessPaths(env map[string]string) []string {
	hp := env["HEALTH_CHECK_PATH"]
	if hp == "" {
		hp = "/healthz"
	}
	return []string{"/livez", hp}
}

// checkLiveness (ECS-15) wants the container health check and the target group to probe a liveness path (/livez or HEALTH_CHECK_PATH, never a readiness path) with a client timeout inside the probe's.
func checkLiveness(d *Document, _ string) []Finding {
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		tds, okTD := d.link(svc, "taskDefinition", svc.in("taskDefinition"), tTaskDef)
		if !okTD || len(tds) == 0 {
			j.undecided("the service's task definition is unknown or not in the preview")
			return j.done("")
		}
		cs := containers(j, tds[0])
		var tg *Resource
		lbs := svc.in("loadBalancers").list()
		name := ""
		if len(lbs) > 0 {
			name, _ = get(lbs[0], "containerName").str()
			tgs, ok := d.link(svc, "loadBalancers", get(lbs[0], "targetGroupArn"), tgTypes...)
			if !ok || len(tgs) == 0 {
				j.undecided("the service's target group is unknown or not in the preview")
			} else {
				tg = tgs[0]
			}
		}
		var c map[string]any
		for _, x := range cs {
			if name == "" || containerName(x) == name {
				c = x
				break
			}
		}
		if c == nil {
			if len(j.undec) == 0 {
				j.fail("no-container", "the service's container %s is not in %s", name, tds[0].Name())
			}
			return j.done("")
		}
		env := map[string]string{}
		for _, e := range get(c, "environment").list() {
			k, _ := get(e, "name").str()
			env[k], _ = get(e, "value").str()
		}
		live := livenessPaths(env)
		judgePath := func(who, p string) {
			switch {
			case readinessPath(p):
				j.fail("readiness-probe", "%s probes %s, a readiness path: a database outage would make ECS replace every task", who, p)
			case !slices.Contains(live, p):
				j.fail("not-liveness", "%s probes %s, not a liveness path of the app (%s)", who, orText(p, "/"), strings.Join(live, ", "))
			}
		}
		var paths []string
		if tg != nil {
			tgPath, _ := tg.in("healthCheck.path").str()
			judgePath(tg.Name(), tgPath)
			if tg.in("healthCheck.timeout").state == absent {
				j.fail("probe-timeout", "%s leaves the health check timeout to its default", tg.Name())
			}
			paths = append(paths, tg.Name()+" "+tgPath)
		}
		if hc := get(c, "healthCheck"); hc.state != absent {
			cmd := strings.Join(strList(get(hc.v, "command").v), " ")
			if m := probeURL.FindStringSubmatch(cmd); m == nil {
				j.undecided("container %s: the health check command requests no URL this check can read", containerName(c))
			} else {
				judgePath("container "+containerName(c)+"'s health check", m[1])
				paths = append(paths, "container "+containerName(c)+" "+m[1])
			}
			probe, okP := get(hc.v, "timeout").num()
			if !okP {
				probe = 5 // the ECS default
			}
			if t := clientTimeout.FindStringSubmatch(cmd); t != nil {
				var client float64
				fmt.Sscan(t[1], &client)
				if client >= probe {
					j.fail("probe-timeout", "container %s: the client timeout %ss is not inside the health check timeout %ss", containerName(c), t[1], fmtNum(value{v: probe}))
				}
			}
		}
		return j.done("liveness probes: %s", strings.Join(paths, "; "))
	})
}
