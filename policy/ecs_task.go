// Task definition and task network controls (CONTROLS.md ECS-1 to ECS-5, ECS-8, ECS-9).

package policy

import (
	"regexp"
	"strings"
)

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

// checkTaskNetwork (ECS-1) wants the services' and the scheduled tasks without public IPs, in private subnets.
func checkTaskNetwork(d *Document, _ string) []Finding {
	tiers := d.subnetTiers()
	out := each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
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
	// The tasks EventBridge Scheduler starts (scheduled commands) too, from
	// the templated target's EcsParameters or the universal target's RunTask
	// request (its Input).
	for _, s := range d.ByType(tSchedule) {
		task, action, ok := scheduledRunTask(s)
		if !ok || action != "runTask" {
			continue
		}
		j := newJudge(s)
		if task.universal && j.unreadable(task.input, "target.input") {
			out = append(out, j.done("")...)
			continue
		}
		if !j.unreadable(task.publicIP, "the scheduled task's public IP setting") && task.hasPublicIP() {
			j.fail("public-ip", "the scheduled task gets a public IP (%v)", task.publicIP.v)
		}
		if task.network.state == absent {
			j.fail("no-network-configuration", "the scheduled task has no awsvpc network configuration")
		}
		ids := judgeSubnets(j, tiers, task.subnets, "subnets")
		out = append(out, j.done("scheduled task: no public IP; subnets %s are private", strings.Join(ids, ", "))...)
	}
	return out
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

// checkReadOnlyRoot (ECS-2) wants every container's root filesystem read-only, with a writable volume for temp files.
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

// checkPrivileged (ECS-3) wants awsvpc networking, no host pid or ipc namespace and no privileged container.
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

// secretArn matches a Secrets Manager secret's ARN (no JSON key suffix).
var secretArn = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$`)

// secretArnReference reports whether an environment entry is a reference to
// a secret, not a secret: a *_SECRET_ARN name whose value is a Secrets
// Manager ARN (or a value unknown until the update), which the app resolves
// at connect time (CONTRACT: DB_SECRET_ARN; CONTROLS.md RDS-11).
func secretArnReference(name, value string) bool {
	if !strings.HasSuffix(strings.ToUpper(name), "_SECRET_ARN") {
		return false
	}
	return secretArn.MatchString(value) || strings.Contains(value, Unknown)
}

// checkSecrets (ECS-4) wants secrets by valueFrom ARN and no secret-like names in environment.
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
				if secretName.MatchString(name) {
					value, _ := get(e, "value").str()
					if secretArnReference(name, value) {
						j.failOn([]string{name}, "secret-arn-reference", "container %s: %s names a secret by its ARN", containerName(c), name)
						continue
					}
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

// checkContainerLogs (ECS-5) wants every container to log with awslogs to a log group of the preview.
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

// checkSeparateRoles (ECS-8) wants a task definition's execution role and task role to differ.
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

// checkNonRoot (ECS-9) wants every container to set a user that is not root.
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
