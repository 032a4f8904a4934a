// Media access logging and alarms (CONTROLS.md S3-5, MON-1).

package policy

import (
	"slices"
	"strings"
)

// More type tokens.
const tMetricAlarm = "aws:cloudwatch/metricAlarm:MetricAlarm"

var bucketLoggingTypes = []string{"aws:s3/bucketLoggingV2:BucketLoggingV2", "aws:s3/bucketLogging:BucketLogging"}

// checkMediaAccessLogs (S3-5) wants server access logs for the media bucket, into a bucket of the stack.
func checkMediaAccessLogs(d *Document, _ string) []Finding {
	logging := d.attach(bucketLoggingTypes, "bucket", bucketTypes...)
	return eachMediaBucket(d, func(b *Resource) []Finding {
		j := newJudge(b)
		ls, ok := logging.of(j, b, "access logging")
		target := ""
		if s, known := b.in("logging.targetBucket").str(); known {
			target = s
		}
		for _, l := range ls {
			if ts, _ := d.link(l, "targetBucket", l.in("targetBucket"), bucketTypes...); len(ts) > 0 {
				target = ts[0].Name()
			} else if !l.in("targetBucket").decidable() {
				j.undecided("%s: the target bucket is unknown until the update", l.Name())
			}
		}
		if ok && target == "" && len(j.undec) == 0 {
			j.fail("no-access-logging", "no server access logging into a bucket of the stack")
		}
		return j.done("server access logs to %s", target)
	})
}

// alarmMetrics returns the metric names an alarm watches, directly or in
// its metric queries.
func alarmMetrics(a *Resource) []string {
	var out []string
	if m, ok := a.in("metricName").str(); ok {
		out = append(out, m)
	}
	for _, q := range a.in("metricQueries").list() {
		if m, ok := get(q, "metric.metricName").str(); ok {
			out = append(out, m)
		}
	}
	return out
}

// alarmKinds are the alarms MON-1 wants, in the order it reports them
// (a slice: a map's order would reorder -check's findings between runs),
// and kindMetrics the load balancer metrics that make an alarm one of them.
var (
	alarmKinds  = []string{"5xx", "latency"}
	kindMetrics = map[string][]string{"5xx": {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"}, "latency": {"TargetResponseTime"}}
)

// checkAlarms (MON-1) wants 5xx and latency alarms with actions, and the service's deployment alarms rolling back on them.
func checkAlarms(d *Document, _ string) []Finding {
	alarms := d.ByType(tMetricAlarm)
	return each(d, "ECS service", []string{tService}, func(svc *Resource) []Finding {
		j := newJudge(svc)
		if len(svc.in("loadBalancers").list()) == 0 {
			// A worker: no requests, so no 5xx or latency to roll back on.
			return []Finding{j.finding(NotApplicable, "", "no load balancer in front of the service")}
		}
		named := map[string][]string{}
		for _, kind := range alarmKinds {
			metrics := kindMetrics[kind]
			for _, a := range alarms {
				if !slices.ContainsFunc(alarmMetrics(a), func(m string) bool { return slices.Contains(metrics, m) }) {
					continue
				}
				if acts := a.in("alarmActions"); len(acts.list()) == 0 && acts.decidable() {
					j.fail("alarm-without-action", "%s (%s) notifies no one: no alarmActions", a.Name(), kind)
					continue
				}
				for _, k := range []string{"name"} {
					if s, ok := a.out(k).str(); ok {
						named[kind] = append(named[kind], s)
					}
					if s, ok := a.in(k).str(); ok {
						named[kind] = append(named[kind], s)
					}
				}
				named[kind] = append(named[kind], a.URN)
			}
			if len(named[kind]) == 0 {
				j.fail("no-alarms", "no %s alarm with an action", kind)
			}
		}
		cfg := svc.in("alarms")
		if j.unreadable(cfg, "alarms") {
			return j.done("")
		}
		on, _ := get(cfg.v, "enable").boolean()
		rb, _ := get(cfg.v, "rollback").boolean()
		if !on || !rb {
			j.fail("no-alarms", "deployment alarms enable %v, rollback %v", on, rb)
		}
		names, okN := get(cfg.v, "alarmNames").strs()
		if !okN {
			j.undecided("the deployment alarm names are unknown until the update")
		}
		for _, kind := range alarmKinds {
			if n := named[kind]; okN && len(n) > 0 && !slices.ContainsFunc(names, func(x string) bool { return slices.Contains(n, x) }) {
				j.fail("no-alarms", "the deployment alarms (%s) leave out the %s alarm", strings.Join(names, ", "), kind)
			}
		}
		return j.done("5xx and latency alarms with actions; deployment alarms roll back")
	})
}
