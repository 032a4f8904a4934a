// Load balancer controls (CONTROLS.md ELB-1 to ELB-7).

package policy

import (
	"regexp"
	"strings"
)

func isHTTPS(l *Resource) bool {
	p, _ := l.in("protocol").str()
	port, _ := l.in("port").num()
	return p == "HTTPS" || p == "TLS" || (p == "" && port == 443) || l.in("certificateArn").state != absent
}

func (d *Document) tlsConfigured() bool {
	for _, k := range []string{"djangofargate:certificateArn", "djangofargate:domain"} {
		if strings.TrimSpace(d.Config[k]) != "" {
			return true
		}
	}
	return false
}

// checkRedirect (ELB-1) wants HTTP listeners only to redirect to HTTPS 443 once TLS is configured; an HTTP target group is a finding of its own.
func checkRedirect(d *Document, _ string) []Finding {
	byLB := d.attach(listenerTypes, "loadBalancerArn", lbTypes...)
	out := each(d, "load balancer", lbTypes, func(lb *Resource) []Finding {
		j := newJudge(lb)
		ls, ok := byLB.of(j, lb, "listener")
		if !ok {
			return j.done("")
		}
		tls := d.tlsConfigured()
		for _, l := range ls {
			if isHTTPS(l) {
				tls = true
			}
		}
		var notes []string
		for _, l := range ls {
			if isHTTPS(l) {
				continue
			}
			actions := l.in("defaultActions")
			if j.unreadable(actions, l.Name()+" defaultActions") {
				continue
			}
			redirects, forwards := true, false
			for _, a := range actions.list() {
				typ, _ := get(a, "type").str()
				proto, _ := get(a, "redirect.protocol").str()
				port, _ := get(a, "redirect.port").str()
				if typ != "redirect" || proto != "HTTPS" || port != "443" {
					redirects = false
				}
				if typ == "forward" {
					forwards = true
				}
			}
			switch {
			case tls && !redirects:
				j.fail("http-not-redirected", "%s: a certificate or domain is set, but HTTP does not only redirect to HTTPS 443", l.Name())
			case tls:
				notes = append(notes, l.Name()+" redirects to HTTPS 443")
			case !forwards:
				j.fail("redirect-without-https", "%s: no certificate or domain, yet HTTP does not forward", l.Name())
			default:
				j.out = append(j.out, j.finding(NotApplicable, "", l.Name()+": no certificate or domain configured; HTTP forwards to the service"))
			}
		}
		return j.done("%s", strings.Join(notes, ", "))
	})
	for _, tg := range d.ByType(tgTypes...) {
		j := newJudge(tg)
		if p, _ := tg.in("protocol").str(); p == "HTTP" {
			j.fail("http-target-group", "target group protocol HTTP")
			out = append(out, j.done("")...)
		}
	}
	return out
}

// modernTLS matches the TLS 1.3 policies with TLS 1.2 or newer as minimum.
var modernTLS = regexp.MustCompile(`^ELBSecurityPolicy-(FIPS-)?TLS13-1-[23]-`)

// checkTLSPolicy (ELB-2) wants every HTTPS listener on a TLS 1.3 policy with TLS 1.2 or newer as minimum.
func checkTLSPolicy(d *Document, _ string) []Finding {
	var out []Finding
	for _, l := range d.ByType(listenerTypes...) {
		if !isHTTPS(l) {
			continue
		}
		j := newJudge(l)
		v := l.in("sslPolicy")
		if !j.unreadable(v, "sslPolicy") {
			if s, _ := v.str(); !modernTLS.MatchString(s) {
				j.fail("old-tls-policy", "sslPolicy %s, older than ELBSecurityPolicy-TLS13-1-2-2021-06", orText(s, "unset"))
			}
		}
		s, _ := v.str()
		out = append(out, j.done("sslPolicy %s", s)...)
	}
	if len(out) == 0 {
		return notApplicable("no HTTPS listener (no certificate or domain configured)")
	}
	return out
}

// eachALB runs fn on every application load balancer.
func eachALB(d *Document, fn func(j *judge, lb *Resource) []Finding) []Finding {
	return each(d, "load balancer", lbTypes, func(lb *Resource) []Finding {
		j := newJudge(lb)
		if t, _ := lb.in("loadBalancerType").str(); t != "" && t != "application" {
			return []Finding{j.finding(NotApplicable, "", "a "+t+" load balancer")}
		}
		return fn(j, lb)
	})
}

// checkDropInvalidHeaders (ELB-3) wants dropInvalidHeaderFields on every ALB.
func checkDropInvalidHeaders(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		v := lb.in("dropInvalidHeaderFields")
		if !j.unreadable(v, "dropInvalidHeaderFields") {
			if b, _ := v.boolean(); !b {
				j.fail("invalid-headers-kept", "dropInvalidHeaderFields is not true")
			}
		}
		return j.done("dropInvalidHeaderFields true")
	})
}

// checkDesync (ELB-4) wants desyncMitigationMode defensive (the default) or strictest.
func checkDesync(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		v := lb.in("desyncMitigationMode")
		s, _ := v.str()
		if !j.unreadable(v, "desyncMitigationMode") && s != "" && s != "defensive" && s != "strictest" {
			j.fail("desync-monitor", "desyncMitigationMode %s", s)
		}
		return j.done("desyncMitigationMode %s", orText(s, "unset (defensive)"))
	})
}

// checkAccessLogs (ELB-5) wants ALB access logs on, to a bucket (named, or followed by its property dependency).
func checkAccessLogs(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		on, bucket := lb.in("accessLogs.enabled"), lb.in("accessLogs.bucket")
		s, _ := bucket.str()
		if !bucket.decidable() {
			// A real first preview does not know the bucket's id (the
			// value the program passes); the property dependency names
			// the bucket resource it comes from.
			if buckets, ok := d.link(lb, "accessLogs", bucket, bucketTypes...); ok {
				bucket, s = value{v: names(buckets)}, names(buckets)
			}
		}
		if !j.unreadable(on, "accessLogs.enabled") && !j.unreadable(bucket, "accessLogs.bucket") {
			b, _ := on.boolean()
			if !b || s == "" {
				j.fail("no-access-logs", "access logs are off")
			}
		}
		return j.done("access logs to %s", s)
	})
}

// checkAlbDeletionProtection (ELB-6) wants enableDeletionProtection on every ALB.
func checkAlbDeletionProtection(d *Document, _ string) []Finding {
	return eachALB(d, func(j *judge, lb *Resource) []Finding {
		v := lb.in("enableDeletionProtection")
		if !j.unreadable(v, "enableDeletionProtection") {
			if b, _ := v.boolean(); !b {
				j.fail("no-deletion-protection", "enableDeletionProtection is not true")
			}
		}
		return j.done("enableDeletionProtection true")
	})
}

// checkHealthCheck (ELB-7) wants every target group's health check path, matcher, thresholds and interval set explicitly.
func checkHealthCheck(d *Document, _ string) []Finding {
	return each(d, "target group", tgTypes, func(tg *Resource) []Finding {
		j := newJudge(tg)
		hc := tg.in("healthCheck")
		if j.unreadable(hc, "healthCheck") {
			return j.done("")
		}
		if on, ok := get(hc.v, "enabled").boolean(); ok && !on {
			j.fail("health-check-off", "health check disabled")
		}
		var missing []string
		for _, k := range []string{"path", "matcher", "healthyThreshold", "unhealthyThreshold", "interval"} {
			if get(hc.v, k).state == absent {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			j.fail("implicit-health-check", "health check leaves %s to defaults", strings.Join(missing, ", "))
		}
		path, _ := get(hc.v, "path").str()
		matcher, _ := get(hc.v, "matcher").str()
		return j.done("health check %s matcher %s, thresholds and interval set", path, matcher)
	})
}
