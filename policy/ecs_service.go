// Cluster and service controls (CONTROLS.md ECS-6, ECS-7, ECS-10 to ECS-13).

package policy

import (
	"slices"
	"strings"
)

// checkInsights (ECS-6) wants containerInsights enabled (or enhanced) on every cluster.
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

// checkPlatform (ECS-7) wants the service's platformVersion unset or LATEST.
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

// checkDeployments (ECS-10) wants a circuit breaker with rollback, a health check grace period and, in production, 100% minimum healthy.
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

// checkAvailability (ECS-11) wants at least 2 tasks (desiredCount and autoscaling minimum) over at least 2 subnets.
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

// checkAutoscaling (ECS-12) wants target tracking on CPU and ALB requests, max above min, and desiredCount in ignoreChanges.
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

// checkDrainChain (ECS-13) wants gunicorn keepalive above the ALB idle timeout, graceful timeout below stopTimeout and an explicit deregistration delay.
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
