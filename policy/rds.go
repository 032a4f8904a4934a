// Database controls (CONTROLS.md RDS-1 to RDS-10).

package policy

import (
	"slices"
	"strings"
)

func eachDB(d *Document, fn func(j *judge, db *Resource) []Finding) []Finding {
	return each(d, "RDS instance", []string{tDB}, func(db *Resource) []Finding { return fn(newJudge(db), db) })
}

// checkDBNotPublic (RDS-1) wants the database not publicly accessible, in a subnet group of non-public subnets.
func checkDBNotPublic(d *Document, _ string) []Finding {
	tiers := d.subnetTiers()
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "publiclyAccessible", false, false, "public")
		group := d.dbGroup(j, db, "dbSubnetGroupName", tSubnetGroup, "subnet group",
			"default-subnets", "no subnet group: the default VPC's subnets")
		if group == nil {
			return j.done("")
		}
		ids := judgeSubnets(j, tiers, group.in("subnetIds"), group.Name()+" subnets")
		return j.done("publiclyAccessible false; subnets %s not public", strings.Join(ids, ", "))
	})
}

// checkDBEncrypted (RDS-2) wants storageEncrypted.
func checkDBEncrypted(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "storageEncrypted", true, false, "unencrypted")
		return j.done("storageEncrypted true")
	})
}

// checkDBMultiAZ (RDS-3) wants multiAz.
func checkDBMultiAZ(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "multiAz", true, false, "single-az")
		return j.done("multiAz true")
	})
}

// checkDBBackups (RDS-4) wants backupRetentionPeriod of at least 7 days in production, 1 in development.
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

// checkDBDeletion (RDS-5) wants deletion protection and a final snapshot with an identifier.
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

// checkDBLogExports (RDS-6) wants PostgreSQL's postgresql and upgrade logs exported to CloudWatch.
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

// checkDBForceSSL (RDS-7) wants a parameter group of the stack that sets rds.force_ssl = 1.
func checkDBForceSSL(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		group := d.dbGroup(j, db, "parameterGroupName", tParamGroup, "parameter group",
			"tls-not-forced", "no parameter group of the stack sets rds.force_ssl")
		if group == nil {
			return j.done("")
		}
		params := group.in("parameters")
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
			j.fail("tls-not-forced", "%s does not set rds.force_ssl = 1", group.Name())
		}
		return j.done("%s sets rds.force_ssl = 1", group.Name())
	})
}

// checkDBUpgrades (RDS-8) wants autoMinorVersionUpgrade and copyTagsToSnapshot.
func checkDBUpgrades(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "autoMinorVersionUpgrade", true, true, "no-minor-upgrades")
		wantBool(j, db, "copyTagsToSnapshot", true, false, "no-tags-to-snapshots")
		return j.done("autoMinorVersionUpgrade true; copyTagsToSnapshot true")
	})
}

// checkDBMasterSecret (RDS-9) wants the master password managed by RDS and a username other than postgres.
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

// checkDBInsights (RDS-10) wants Performance Insights on.
func checkDBInsights(d *Document, _ string) []Finding {
	return eachDB(d, func(j *judge, db *Resource) []Finding {
		wantBool(j, db, "performanceInsightsEnabled", true, false, "no-performance-insights")
		return j.done("performanceInsightsEnabled true")
	})
}

// dbGroup returns the group of type typ that db names in key (its subnet or
// parameter group). When db names none, j fails with code and reason (the
// database falls back to AWS's defaults); when the name is unknown or no
// such group is in the preview, j is undecided. Either way it returns nil.
func (d *Document) dbGroup(j *judge, db *Resource, key, typ, what, code, reason string) *Resource {
	name := db.in(key)
	if name.state == absent {
		j.fail(code, "%s", reason)
		return nil
	}
	groups, ok := d.link(db, key, name, typ)
	if !ok || len(groups) == 0 {
		j.undecided("%s is unknown or not in the preview", what)
		return nil
	}
	return groups[0]
}
