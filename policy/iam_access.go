// IAM access and trust controls (CONTROLS.md IAM-2, IAM-3).

package policy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// More IAM type tokens.
const (
	tUser          = "aws:iam/user:User"
	tAccessKey     = "aws:iam/accessKey:AccessKey"
	tLoginProfile  = "aws:iam/userLoginProfile:UserLoginProfile"
	tUserPolicy    = "aws:iam/userPolicy:UserPolicy"
	tGroupPolicy   = "aws:iam/groupPolicy:GroupPolicy"
	tUserAttach    = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
	tPolicyAttach  = "aws:iam/policyAttachment:PolicyAttachment"
	awsManagedPfx  = "arn:aws:iam::aws:policy/"
	statementLabel = "%s statement %s"
)

// identityPolicy is an identity policy document of the preview and the
// resource that declares it.
type identityPolicy struct {
	owner *Resource
	label string
	doc   value
}

// identityPolicies are every identity policy document of the preview: role,
// user and group policies, standalone policies and roles' inline policies.
func (d *Document) identityPolicies() []identityPolicy {
	var out []identityPolicy
	for _, p := range d.ByType(tRolePolicy, tPolicy, tUserPolicy, tGroupPolicy) {
		out = append(out, identityPolicy{owner: p, label: "policy", doc: p.in("policy")})
	}
	for _, r := range d.ByType(tRole) {
		for i, ip := range r.in("inlinePolicies").list() {
			out = append(out, identityPolicy{owner: r, label: fmt.Sprintf("inline policy %d", i), doc: get(ip, "policy")})
		}
	}
	return out
}

// actionCovers reports whether an IAM action pattern ("iam:Pass*", "*")
// matches action, case-insensitively as IAM compares them.
func actionCovers(pattern, action string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return err == nil && ok
}

// sensitiveAccess is an action whose resource must name what it reaches,
// and the resource-type prefix (in the ARN's resource part) whose name
// must not be a wildcard.
type sensitiveAccess struct{ action, kind string }

// sensitiveAccesses are the actions IAM-2 scopes by service semantics: a
// resource of "secret:*", "key/*" or "role/*" covers every secret, key or
// role of the account, which "no wildcard resource" by string misses.
func sensitiveAccesses() []sensitiveAccess {
	return []sensitiveAccess{
		{"secretsmanager:GetSecretValue", "secret:"},
		{"kms:Decrypt", "key/"}, {"kms:Decrypt", "alias/"},
		{"iam:PassRole", "role/"},
		{"sts:AssumeRole", "role/"}, {"sts:AssumeRoleWithWebIdentity", "role/"},
	}
}

// escalationActions are IAM actions that let a principal grant itself more
// (Rhino Security Labs' IAM privilege escalation methods; cdk-nag IAM5):
// no role of the stack needs any of them at run time.
func escalationActions() []string {
	return []string{
		"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:CreateAccessKey", "iam:CreateLoginProfile",
		"iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
		"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:AddUserToGroup",
		"iam:UpdateAssumeRolePolicy", "iam:CreateRole", "iam:CreateUser", "iam:CreatePolicy",
		"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:CreateServiceLinkedRole",
	}
}

// arnParts splits an ARN into service, region, account and resource; ok is
// false for "*" and other non-ARNs.
func arnParts(s string) (service, region, account, resource string, ok bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", "", "", "", false
	}
	return p[2], p[3], p[4], p[5], true
}

// coversEvery reports whether the resource pattern res matches every
// resource of kind (its ARN resource prefix): "*", an ARN whose resource
// part is a wildcard, or whose name after kind starts with one.
func coversEvery(res, kind string) bool {
	if res == "*" {
		return true
	}
	_, _, _, r, ok := arnParts(res)
	if !ok {
		return false
	}
	return strings.HasPrefix(r, "*") || (strings.HasPrefix(r, kind) && strings.HasPrefix(r[len(kind):], "*"))
}

// judgeAccess judges one identity policy document for IAM-2.
func judgeAccess(j *judge, v value, what string) {
	doc, v := jsonDoc(v)
	if j.unreadable(v, what) {
		return
	}
	for _, st := range allowStatements(doc) {
		s := st.s
		label := fmt.Sprintf(statementLabel, what, orText(st.sid, fmt.Sprint(st.i)))
		actions := strList(get(s, "Action").v)
		if get(s, "NotAction").state != absent {
			j.fail("not-action", "%s allows NotAction: every other action, escalation included", label)
			continue
		}
		resources := strList(get(s, "Resource").v)
		if get(s, "NotResource").state != absent {
			resources = append(resources, "*")
		}
		for _, r := range resources {
			if _, _, acctID, _, ok := arnParts(r); ok && strings.Contains(acctID, "*") {
				j.failOn(actions, "any-account", "%s names %s: a wildcard account reaches every AWS account", label, r)
			}
		}
		for _, esc := range escalationActions() {
			if a := coveringAction(actions, esc); a != "" {
				j.failOn(actions, "privilege-escalation", "%s allows %s (%s): a principal could grant itself more", label, a, esc)
				break
			}
		}
		for _, sa := range sensitiveAccesses() {
			a := coveringAction(actions, sa.action)
			if a == "" {
				continue
			}
			for _, r := range resources {
				if coversEvery(r, sa.kind) {
					j.failOn(actions, "wildcard-"+strings.ToLower(strings.Split(sa.action, ":")[0]),
						"%s allows %s on %s, which covers every %s of the account", label, a, r, strings.Trim(sa.kind, ":/"))
					break
				}
			}
		}
	}
}

// coveringAction returns the first pattern of actions that covers action.
func coveringAction(actions []string, action string) string {
	for _, a := range actions {
		if actionCovers(a, action) {
			return a
		}
	}
	return ""
}

// judgeManagedAccess judges an attached managed policy for IAM-2: only
// AWS's execution role policy is known to hold none of the IAM-2 actions.
func judgeManagedAccess(j *judge, d *Document, r *Resource, key string, arn value) {
	if j.unreadable(arn, key) {
		return
	}
	s, _ := arn.str()
	if ps, _ := d.link(r, key, arn, tPolicy); len(ps) > 0 {
		return // judged as a policy of the preview
	}
	if s == ManagedExecutionRolePolicy {
		return
	}
	j.undecided("the managed policy %s is not in the preview, so what it allows cannot be read", s)
}

// checkAccess (IAM-2) wants no wildcard resource for secrets, keys, PassRole and AssumeRole, no wildcard account, no escalation action and no IAM users or access keys.
func checkAccess(d *Document, _ string) []Finding {
	var out []Finding
	for _, u := range d.ByType(tUser, tAccessKey, tLoginProfile) {
		j := newJudge(u)
		j.fail("iam-user", "%s: long-lived IAM user credentials; use roles (tasks) and OIDC (CI)", strings.TrimPrefix(u.Type, "aws:iam/"))
		out = append(out, j.done("")...)
	}
	for _, p := range d.identityPolicies() {
		j := newJudge(p.owner)
		judgeAccess(j, p.doc, p.label)
		out = append(out, j.done("%s: no escalation; secrets, keys and roles named", p.label)...)
	}
	for _, r := range d.ByType(tRole) {
		arns := r.in("managedPolicyArns")
		if len(arns.list()) == 0 && arns.decidable() {
			continue
		}
		j := newJudge(r)
		if j.unreadable(arns, "managedPolicyArns") {
			out = append(out, j.done("")...)
			continue
		}
		for _, a := range arns.list() {
			judgeManagedAccess(j, d, r, "managedPolicyArns", classify(a))
		}
		out = append(out, j.done("managed policies hold no IAM-2 action")...)
	}
	for _, a := range d.ByType(tAttachment, tUserAttach, tPolicyAttach) {
		j := newJudge(a)
		judgeManagedAccess(j, d, a, "policyArn", a.in("policyArn"))
		out = append(out, j.done("attached policy holds no IAM-2 action")...)
	}
	if len(out) == 0 {
		return notApplicable("no IAM policies or users in the preview")
	}
	return out
}

// accountID matches an AWS account id.
var accountID = regexp.MustCompile(`^\d{12}$`)

// ownAccounts are the accounts the preview's own resources live in: the
// account of every ARN output, and the registry account of every image
// the stack builds into one of its own ECR repositories (a docker.Image
// whose imageName is "<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>"
// with <repo> the name of a repository in the document: the push fails
// unless that account is the deploying one). A real first preview has no
// ARN outputs, so there only the image tells the account; empty without it.
func (d *Document) ownAccounts() map[string]bool {
	out := map[string]bool{}
	for _, r := range d.Resources {
		if s, ok := r.out("arn").str(); ok {
			if _, _, a, _, ok := arnParts(s); ok && accountID.MatchString(a) {
				out[a] = true
			}
		}
	}
	repos := map[string]bool{}
	for _, r := range d.ByType(tRepo) {
		for _, v := range []value{r.in("name"), r.out("name")} {
			if s, ok := v.str(); ok {
				repos[s] = true
			}
		}
	}
	for _, img := range d.ByType(tDockerImage) {
		name, _ := img.in("imageName").str()
		if m := ecrImage.FindStringSubmatch(name); m != nil && repos[m[3]] {
			out[m[1]] = true
		}
	}
	return out
}

// principalAccount returns the account of an AWS principal (an account id,
// an IAM ARN), "" when it names none.
func principalAccount(p string) string {
	if accountID.MatchString(p) {
		return p
	}
	if _, _, a, _, ok := arnParts(p); ok {
		return a
	}
	return ""
}

// conditionKeys returns a statement's condition keys, lowercased, with
// their values.
func conditionKeys(s any) map[string][]string {
	out := map[string][]string{}
	cond, _ := get(s, "Condition").v.(map[string]any)
	for _, block := range cond {
		m, _ := block.(map[string]any)
		for k, v := range m {
			out[strings.ToLower(k)] = append(out[strings.ToLower(k)], strList(v)...)
		}
	}
	return out
}

// scopedToSource reports whether a service principal's statement names the
// source account or resource (the confused-deputy guard).
func scopedToSource(keys map[string][]string) bool {
	return len(keys["aws:sourceaccount"]) > 0 || len(keys["aws:sourcearn"]) > 0
}

// servicesWithoutSource are service principals that assume roles without
// aws:SourceAccount or aws:SourceArn in the request (a condition on them
// breaks the role): EC2 instance profiles (prowler-cloud/prowler#2810,
// #7021). Their trust is judged by the other rules only.
func servicesWithoutSource() []string { return []string{"ec2.amazonaws.com"} }

// checkTrust (IAM-3) wants trust policies that admit no principal "*", no foreign account, service principals only with aws:SourceAccount or aws:SourceArn, and web identities only with aud and sub conditions.
func checkTrust(d *Document, _ string) []Finding {
	own := d.ownAccounts()
	return each(d, "IAM role", []string{tRole}, func(r *Resource) []Finding {
		j := newJudge(r)
		doc, v := jsonDoc(r.in("assumeRolePolicy"))
		if j.unreadable(v, "assumeRolePolicy") {
			return j.done("")
		}
		var trusted []string
		for _, st := range allowStatements(doc) {
			s := st.s
			label := fmt.Sprintf("trust statement %d", st.i)
			p := get(s, "Principal")
			keys := conditionKeys(s)
			if fmt.Sprint(p.v) == "*" {
				j.fail("open-trust", "%s: any principal may assume the role", label)
				continue
			}
			for _, a := range strList(get(p.v, "AWS").v) {
				acct := principalAccount(a)
				switch {
				case a == "*":
					j.fail("open-trust", "%s: any AWS principal may assume the role", label)
				case acct == "":
					j.undecided("%s: the AWS principal %s names no account", label, a)
				case len(own) == 0:
					j.undecided("%s: the stack's account is unknown in the preview, so whether %s is foreign cannot be told", label, a)
				case !own[acct]:
					j.failOn([]string{a}, "foreign-account", "%s: trusts %s of the foreign account %s", label, a, acct)
				default:
					trusted = append(trusted, a)
				}
			}
			for _, svc := range strList(get(p.v, "Service").v) {
				if !scopedToSource(keys) && !slices.Contains(servicesWithoutSource(), svc) {
					j.failOn([]string{svc}, "confused-deputy", "%s: trusts %s without an aws:SourceAccount or aws:SourceArn condition", label, svc)
					continue
				}
				trusted = append(trusted, svc)
			}
			for _, fed := range strList(get(p.v, "Federated").v) {
				provider := fed
				if i := strings.Index(fed, "oidc-provider/"); i >= 0 {
					provider = fed[i+len("oidc-provider/"):]
				}
				if strings.Contains(fed, "saml-provider/") {
					if len(keys["saml:aud"]) == 0 {
						j.fail("web-identity-unscoped", "%s: trusts the SAML provider %s without a SAML:aud condition", label, fed)
					}
					continue
				}
				aud, sub := keys[strings.ToLower(provider)+":aud"], keys[strings.ToLower(provider)+":sub"]
				if len(aud) == 0 {
					j.fail("web-identity-unscoped", "%s: trusts %s without a %s:aud condition", label, provider, provider)
				}
				if len(sub) == 0 {
					j.fail("web-identity-unscoped", "%s: trusts %s without a %s:sub condition: any repository or workload of the provider may assume it", label, provider, provider)
				}
				for _, v := range sub {
					if v == "*" || strings.HasPrefix(v, "repo:*") || strings.HasPrefix(v, "*") {
						j.fail("web-identity-unscoped", "%s: %s:sub %q admits every repository", label, provider, v)
					}
				}
				trusted = append(trusted, provider)
			}
		}
		slices.Sort(trusted)
		return j.done("trusts %s, scoped", strings.Join(slices.Compact(trusted), ", "))
	})
}
