// Resource policies (CONTROLS.md RES-1).

package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Resource policy type tokens: the resource and the input holding the policy.
func resourcePolicyInputs() map[string]string {
	return map[string]string{
		tBucketPolicy:                                        "policy",
		"aws:s3/bucketV2:BucketV2":                           "policy",
		"aws:s3/bucket:Bucket":                               "policy",
		"aws:ecr/repositoryPolicy:RepositoryPolicy":          "policy",
		"aws:ecr/registryPolicy:RegistryPolicy":              "policy",
		"aws:secretsmanager/secretPolicy:SecretPolicy":       "policy",
		"aws:secretsmanager/secret:Secret":                   "policy",
		"aws:kms/key:Key":                                    "policy",
		"aws:sqs/queuePolicy:QueuePolicy":                    "policy",
		"aws:sns/topicPolicy:TopicPolicy":                    "policy",
		"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
		tEndpoint: "policy",
	}
}

// endpointPolicyServices are the endpoint services that accept an endpoint
// policy and reach data (AWS PrivateLink guide, "AWS services that integrate
// with AWS PrivateLink", the VpcEndpointPolicySupported column): without a
// policy, the default one lets any principal reach any account's resources
// through the endpoint.
func endpointPolicyServices() []string {
	return []string{"s3", "dynamodb", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "sqs", "sns", "ssm"}
}

// endpointService is a VPC endpoint's service without the
// "com.amazonaws.<region>." prefix.
func endpointService(e *Resource) string {
	svc, _ := e.in("serviceName").str()
	if parts := strings.Split(svc, "."); len(parts) > 3 {
		return strings.Join(parts[3:], ".")
	}
	return svc
}

// elbLogAccounts are the Elastic Load Balancing accounts that write ALB
// access logs in the Regions launched before August 2022 (AWS, "Enable
// access logs for your Application Load Balancer", step 2; the same table
// as components/storage.go). Newer Regions use the service principal
// ElbLogDeliveryService.
func elbLogAccounts() []string {
	return []string{
		"127311923021", "033677994240", "027434742980", "797873946194", "098369216593", "754344448648",
		"589379963580", "718504428378", "383597477331", "600734575887", "114774131450", "783225319266",
		"582318560864", "985666609251", "054676820928", "156460612806", "652711504416", "635631232127",
		"009996457667", "897822967062", "076674570225", "507241528517", "048591011584", "190560391635",
		"638102146993", "037604701340",
	}
}

// ElbLogDeliveryService is the principal that writes ALB access logs in
// Regions launched in August 2022 or later.
const ElbLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"

// albLogGrant reports whether a statement is the ALB access log delivery
// grant: only s3:PutObject, only on AWSLogs/ object keys.
func albLogGrant(s any) bool {
	actions := strList(get(s, "Action").v)
	if len(actions) != 1 || actions[0] != "s3:PutObject" {
		return false
	}
	res := strList(get(s, "Resource").v)
	for _, r := range res {
		if !strings.HasPrefix(r, "arn:aws:s3:::") || !strings.Contains(r, "/AWSLogs/") {
			return false
		}
	}
	return len(res) > 0
}

// ownAccountCondition reports whether a statement limits its principals to
// the stack's accounts by a condition.
func ownAccountCondition(keys map[string][]string, own map[string]bool) bool {
	for _, k := range []string{"aws:principalaccount", "aws:sourceaccount", "aws:resourceaccount"} {
		vals := keys[k]
		if len(vals) == 0 {
			continue
		}
		all := true
		for _, v := range vals {
			all = all && own[v]
		}
		if all {
			return true
		}
	}
	return false
}

// judgeResourcePolicy judges one resource policy document for RES-1.
func judgeResourcePolicy(j *judge, v value, own map[string]bool) {
	doc, v := jsonDoc(v)
	if j.unreadable(v, "resource policy") {
		return
	}
	for _, st := range allowStatements(doc) { // a Deny narrows access (the TLS-only statement)
		s := st.s
		label := "statement " + orText(st.sid, fmt.Sprint(st.i))
		keys := conditionKeys(s)
		p := get(s, "Principal")
		if get(s, "NotPrincipal").state != absent {
			j.fail("public", "%s allows NotPrincipal: everyone else", label)
			continue
		}
		if fmt.Sprint(p.v) == "*" || slices.Contains(strList(get(p.v, "AWS").v), "*") {
			switch {
			case ownAccountCondition(keys, own):
			case len(own) == 0 && (len(keys["aws:principalaccount"]) > 0 || len(keys["aws:sourceaccount"]) > 0):
				j.undecided("%s: the stack's account is unknown in the preview, so whether its account condition is the stack's cannot be told", label)
			default:
				j.fail("public", "%s allows the principal \"*\": anyone, in any account", label)
			}
		}
		for _, a := range strList(get(p.v, "AWS").v) {
			acct := principalAccount(a)
			switch {
			case a == "*":
			case acct == "":
				j.undecided("%s: the principal %s names no account", label, a)
			case slices.Contains(elbLogAccounts(), acct) && albLogGrant(s):
				j.failOn([]string{a}, "alb-log-delivery", "%s grants %s (Elastic Load Balancing) s3:PutObject on AWSLogs/", label, a)
			case len(own) == 0:
				j.undecided("%s: the stack's account is unknown in the preview, so whether %s is foreign cannot be told", label, a)
			case !own[acct]:
				j.failOn([]string{a}, "cross-account", "%s grants the foreign account %s (%s)", label, acct, a)
			}
		}
		for _, svc := range strList(get(p.v, "Service").v) {
			switch {
			case svc == ElbLogDeliveryService && albLogGrant(s):
				j.failOn([]string{svc}, "alb-log-delivery", "%s grants %s s3:PutObject on AWSLogs/", label, svc)
			case !scopedToSource(keys) && !logsContextScoped(keys, own):
				j.failOn([]string{svc}, "service-unscoped", "%s grants %s without an aws:SourceAccount or aws:SourceArn condition", label, svc)
			}
		}
		if fed := strList(get(p.v, "Federated").v); len(fed) > 0 {
			j.fail("cross-account", "%s grants the federated principal %s", label, strings.Join(fed, ", "))
		}
	}
}

// checkResourcePolicies (RES-1) wants no public principal and no foreign account in any resource policy (VPC endpoint policies included, and set), the ALB log delivery grant excepted by name.
func checkResourcePolicies(d *Document, _ string) []Finding {
	own := d.ownAccounts()
	inputs := resourcePolicyInputs()
	types := slices.Sorted(maps.Keys(inputs))
	var out []Finding
	for _, r := range d.ByType(types...) {
		v := r.in(inputs[r.Type])
		if v.state == absent && r.Type == tEndpoint && slices.Contains(endpointPolicyServices(), endpointService(r)) {
			j := newJudge(r)
			j.fail("endpoint-default-policy", "the %s endpoint has the default policy: any principal may reach any account's resources through it", endpointService(r))
			out = append(out, j.done("")...)
			continue
		}
		if v.state == absent {
			continue
		}
		j := newJudge(r)
		judgeResourcePolicy(j, v, own)
		out = append(out, j.done("no public or cross-account grant")...)
	}
	if len(out) == 0 {
		return notApplicable("no resource policies in the preview")
	}
	return out
}

// logsContextScoped reports whether a key policy statement holds CloudWatch
// Logs to the stack's own log groups through the encryption context, the
// condition AWS documents for a key that encrypts log groups ("Encrypt log
// data in CloudWatch Logs using AWS KMS"): every value names an own account.
func logsContextScoped(keys map[string][]string, own map[string]bool) bool {
	vals := keys["kms:encryptioncontext:aws:logs:arn"]
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		parts := strings.Split(v, ":")
		if len(parts) < 5 || !own[parts[4]] {
			return false
		}
	}
	return true
}
