// Container registry controls (CONTROLS.md ECR-1 to ECR-3).

package policy

import "strings"

// checkScanOnPush (ECR-1) wants scanOnPush on every repository.
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

// checkImmutableTags (ECR-2) wants imageTagMutability IMMUTABLE on every repository.
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

// checkRepoLifecycle (ECR-3) wants a lifecycle policy that expires untagged images and prunes old ones.
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
