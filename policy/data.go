// Log retention and data protection controls (CONTROLS.md LOG-1, DATA-1).

package policy

import "slices"

// checkLogRetention (LOG-1) wants retention on every log group, at least 365 days in production.
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

// checkDataProtected (DATA-1) wants the database and media bucket protected, and the media bucket retained on delete.
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
