// S3 controls (CONTROLS.md S3-1 to S3-4).

package policy

import (
	"fmt"
	"slices"
	"strings"
)

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

// checkPublicAccessBlock (S3-1) wants all four public access blocks on every bucket.
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

// checkBucketTLS (S3-2) wants a bucket policy that denies s3:* when aws:SecureTransport is false.
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

// checkOwnershipEncryption (S3-3) wants BucketOwnerEnforced object ownership and default encryption on every bucket.
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

// checkVersioning (S3-4) wants the media bucket versioned, with noncurrent versions expiring.
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
