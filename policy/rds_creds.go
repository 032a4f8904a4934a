// Database credentials of the app (CONTROLS.md RDS-11, RDS-12).

package policy

import (
	"path"
	"slices"
	"strings"
)

// baseSecretArn strips a valueFrom's ":json-key:version-stage:version-id"
// back to the secret's ARN.
func baseSecretArn(ref string) string {
	parts := strings.Split(ref, ":")
	if len(parts) > 7 {
		return strings.Join(parts[:7], ":")
	}
	return ref
}

// masterSecret reports whether a secret ARN is an RDS-managed master secret:
// RDS names them rds!db-<id> or rds!cluster-<id> (RDS User Guide, "Password
// management with Amazon RDS and AWS Secrets Manager"), or the preview's
// database names it in masterUserSecrets.
func (d *Document) masterSecret(arn string) bool {
	arn = baseSecretArn(arn)
	if _, _, _, r, ok := arnParts(arn); ok && strings.HasPrefix(r, "secret:rds!") {
		return true
	}
	for _, db := range d.ByType(tDB, "aws:rds/cluster:Cluster") {
		for _, s := range db.out("masterUserSecrets").list() {
			if a, _ := get(s, "secretArn").str(); a != "" && a == arn {
				return true
			}
		}
	}
	return false
}

// roleAllows reports whether an identity policy of role allows action on
// arn; ok is false when one of them cannot be read.
func (d *Document) roleAllows(role *Resource, action, arn string) (allowed, ok bool) {
	ok = true
	var docs []value
	for _, p := range d.rolePolicies().to[role.URN] {
		switch p.Type {
		case tRolePolicy:
			docs = append(docs, p.in("policy"))
		case tAttachment:
			ps, _ := d.link(p, "policyArn", p.in("policyArn"), tPolicy)
			for _, x := range ps {
				docs = append(docs, x.in("policy"))
			}
		}
	}
	for _, ip := range role.in("inlinePolicies").list() {
		docs = append(docs, get(ip, "policy"))
	}
	for _, v := range docs {
		doc, v := jsonDoc(v)
		if !v.decidable() {
			ok = false
			continue
		}
		for _, s := range statements(doc) {
			if eff, _ := get(s, "Effect").str(); eff != "Allow" || coveringAction(strList(get(s, "Action").v), action) == "" {
				continue
			}
			for _, r := range strList(get(s, "Resource").v) {
				if m, err := path.Match(r, arn); err == nil && m {
					allowed = true
				}
			}
		}
	}
	return allowed, ok
}

// dbContainers runs fn on the task definitions' containers that connect to
// a database (their environment sets DB_HOST), or says there are none.
func dbContainers(d *Document, fn func(j *judge, td *Resource, c map[string]any, env map[string]string)) []Finding {
	found := false
	out := eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		for _, c := range cs {
			env := map[string]string{}
			for _, e := range get(c, "environment").list() {
				k, _ := get(e, "name").str()
				env[k], _ = get(e, "value").str()
			}
			if _, ok := env["DB_HOST"]; ok {
				found = true
				fn(j, td, c, env)
			}
		}
		return j.done("")
	})
	if !found && !slices.ContainsFunc(out, func(f Finding) bool { return f.Verdict != Pass }) {
		return notApplicable("no container connects to a database (no DB_HOST)")
	}
	return out
}

// checkRotationSafe (RDS-11) wants the app to read its database credentials at connect time (DB_SECRET_ARN, which its task role may read) and no password injected at start.
func checkRotationSafe(d *Document, _ string) []Finding {
	out := dbContainers(d, func(j *judge, td *Resource, c map[string]any, env map[string]string) {
		for _, s := range get(c, "secrets").list() {
			name, _ := get(s, "name").str()
			from, _ := get(s, "valueFrom").str()
			if strings.Contains(strings.ToUpper(name), "PASSWORD") || strings.Contains(from, ":password:") {
				j.fail("password-at-start", "container %s: %s is injected once at start from %s; a rotation breaks new connections until the task restarts", containerName(c), name, baseSecretArn(from))
			}
		}
		ref, ok := env["DB_SECRET_ARN"]
		switch {
		case truthy(env["DB_IAM_AUTH"]):
			return
		case !ok:
			j.fail("no-connect-time-credentials", "container %s: no DB_SECRET_ARN, so credentials are not read at connect time", containerName(c))
			return
		case !secretArnReference("DB_SECRET_ARN", ref):
			j.fail("no-connect-time-credentials", "container %s: DB_SECRET_ARN %q is not a Secrets Manager ARN", containerName(c), ref)
			return
		}
		roles, okR := d.link(td, "taskRoleArn", td.in("taskRoleArn"), tRole)
		if !okR || len(roles) == 0 || strings.Contains(ref, Unknown) {
			j.undecided("whether the task role may read DB_SECRET_ARN is unknown until the update")
			return
		}
		allowed, okA := d.roleAllows(roles[0], "secretsmanager:GetSecretValue", ref)
		switch {
		case !okA:
			j.undecided("a policy of %s is unknown until the update", roles[0].Name())
		case !allowed:
			j.fail("secret-not-readable", "the task role %s may not read DB_SECRET_ARN %s", roles[0].Name(), ref)
		}
	})
	for i := range out {
		if out[i].Verdict == Pass {
			out[i].Reason = "DB_SECRET_ARN read at connect time by the task role; no password injected at start"
		}
	}
	return out
}

// checkNotMaster (RDS-12) wants no task definition to hand the RDS master secret to the app, by secrets or by DB_SECRET_ARN, and no task role to read it.
func checkNotMaster(d *Document, _ string) []Finding {
	out := eachTaskDefinition(d, func(j *judge, td *Resource, cs []map[string]any) []Finding {
		for _, c := range cs {
			for _, s := range get(c, "secrets").list() {
				name, _ := get(s, "name").str()
				from, _ := get(s, "valueFrom").str()
				if d.masterSecret(from) {
					j.fail("master-credentials", "container %s: %s comes from the RDS master secret %s", containerName(c), name, baseSecretArn(from))
				}
			}
			for _, e := range get(c, "environment").list() {
				name, _ := get(e, "name").str()
				v, _ := get(e, "value").str()
				if strings.HasSuffix(name, "_SECRET_ARN") && d.masterSecret(v) {
					j.fail("master-credentials", "container %s: %s names the RDS master secret", containerName(c), name)
				}
			}
		}
		roles, _ := d.link(td, "taskRoleArn", td.in("taskRoleArn"), tRole)
		for _, role := range roles {
			for _, p := range d.rolePolicies().to[role.URN] {
				doc, v := jsonDoc(p.in("policy"))
				if !v.decidable() {
					continue
				}
				for _, s := range statements(doc) {
					if eff, _ := get(s, "Effect").str(); eff != "Allow" || coveringAction(strList(get(s, "Action").v), "secretsmanager:GetSecretValue") == "" {
						continue
					}
					if slices.ContainsFunc(strList(get(s, "Resource").v), d.masterSecret) {
						j.fail("master-credentials", "the task role %s may read the RDS master secret (%s)", role.Name(), p.Name())
					}
				}
			}
		}
		return j.done("the app gets no master credentials")
	})
	return out
}
