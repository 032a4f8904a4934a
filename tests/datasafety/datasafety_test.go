// Package datasafety_test protects the stack's data across refactors and
// deletes (CONTROLS.md DATA-1 and DATA-2).
//
// Pulumi knows a resource by its URN. A change that gives a stateful
// resource a new URN (renaming a component, a child role or a type, or
// moving it to another parent) makes `pulumi up` delete the old resource
// and create an empty new one: the database, the media bucket's objects,
// the images, the logs and Django's secret key are lost. The golden list
// testdata/stateful-urns.golden records the URNs of every stateful
// resource of both stack files; a change fails here unless each recorded
// URN is still the URN of a resource, or is covered by an alias one
// declares (pulumi.Aliases), which makes `pulumi up` adopt the old one.
package datasafety_test

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

var update = flag.Bool("update", false,
	"rewrite testdata/stateful-urns.golden from the current program. DANGEROUS: a URN that leaves the list "+
		"is a resource `pulumi up` deletes and recreates empty on every existing stack; update only for a new "+
		"stateful resource, or after an alias covers each old URN")

// golden is the list of stateful URNs, relative to this package.
const golden = "testdata/stateful-urns.golden"

// stateful are the resource types whose replacement loses data, and what
// is lost.
var stateful = map[string]string{
	"aws:rds/instance:Instance":                      "the database and its automated backups",
	"aws:rds/parameterGroup:ParameterGroup":          "not data, but the instance names it: a new one modifies the database (rds.force_ssl and the rest reset until it applies)",
	"aws:rds/subnetGroup:SubnetGroup":                "not data, but the instance names it: a new one moves the database between subnet groups",
	"aws:s3/bucketV2:BucketV2":                       "the bucket's objects (media uploads, load balancer logs)",
	"aws:s3/bucket:Bucket":                           "the bucket's objects",
	"aws:ecr/repository:Repository":                  "every pushed image, which rollbacks need",
	"aws:cloudwatch/logGroup:LogGroup":               "the logs kept for their retention period",
	"aws:secretsmanager/secret:Secret":               "the secret, and its name for the 30-day recovery window",
	"aws:secretsmanager/secretVersion:SecretVersion": "the secret's value",
	"random:index/randomPassword:RandomPassword":     "Django's secret key: a new one signs every user out and voids every signed token",
	"random:index/randomId:RandomId":                 "a suffix of the database identifier or its final snapshot name: a new one replaces the database",
}

// pinned are resources of other types whose URN must not change either,
// by type and name suffix, with what a new URN breaks.
var pinned = map[string]map[string]string{
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
		// Database.AllowFrom's rule, once the service's own child: a new
		// URN makes `pulumi up` create the same rule again before deleting
		// the old one, which AWS refuses (InvalidPermission.Duplicate), so
		// every deploy fails until someone deletes the rule by hand.
		"-db-from-tasks": "the deploy itself: AWS refuses the duplicate database ingress rule (InvalidPermission.Duplicate)",
	},
}

// lost says what replacing a resource of type typ named name loses, and
// whether the list protects it.
func lost(typ, name string) (string, bool) {
	if what, ok := stateful[typ]; ok {
		return what, true
	}
	for suffix, what := range pinned[typ] {
		if strings.HasSuffix(name, suffix) {
			return what, true
		}
	}
	return "", false
}

// run is one offline run whose stateful resources the list records: each
// stack file as it is, and with every optional stateful resource switched
// on, so a resource a stack can create is protected before it exists.
type run struct {
	stack string
	set   map[string]string
}

var runs = []run{
	{"prod", nil},
	{"dev", nil},
	{"dev", map[string]string{"albAccessLogs": "true", "flowLogs": "true", "ecsExec": "true"}},
}

// current runs every run and returns the resources by URN.
func current(t *testing.T) map[string]*offline.Resource {
	t.Helper()
	all := map[string]*offline.Resource{}
	for _, r := range runs {
		for _, res := range testutil.MustRunStack(t, r.stack, r.set).Resources {
			all[res.URN] = res
		}
	}
	return all
}

// statefulURNs lists the stateful resources' URNs, sorted.
func statefulURNs(all map[string]*offline.Resource) []string {
	var out []string
	for urn, r := range all {
		if _, ok := lost(r.Type, r.Name); ok {
			out = append(out, urn)
		}
	}
	slices.Sort(out)
	return out
}

// readGolden reads the list, skipping comments and blank lines.
func readGolden(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v; create it with: go test ./tests/datasafety -update", err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

const goldenHeader = `# The URNs of every stateful (and pinned) resource of the prod and dev stacks (each stack
# file as it is, and dev with albAccessLogs, flowLogs and ecsExec on), one a
# line. tests/datasafety fails when one of them is no longer the URN of a
# resource and no resource declares an alias to it: ` + "`pulumi up`" + ` would delete
# that resource and create an empty one.
#
# Regenerate only with: go test ./tests/datasafety -update
# and read the diff first: every line removed is data lost on every existing
# stack, unless an alias (pulumi.Aliases) covers it.
`

// writeGolden rewrites the list and says what the rewrite dropped.
func writeGolden(t *testing.T, urns, old []string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(golden, []byte(goldenHeader+strings.Join(urns, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, urn := range old {
		if !slices.Contains(urns, urn) {
			t.Logf("DANGER: %s left the list: without an alias, `pulumi up` deletes it and creates it empty on every stack", urn)
		}
	}
	t.Logf("rewrote %s with %d URNs; review `git diff tests/datasafety/%s` before committing", golden, len(urns), golden)
}

// aliasSpec is an alias spec as offline records it.
var aliasSpec = regexp.MustCompile(`^name=(.*),type=(.*),stack=(.*),project=(.*),parent=(.*?)(,noParent=true)?$`)

// parentType is the type a URN puts before a child's own type: the
// parent's, or none at the root.
func parentType(parent string) tokens.Type {
	if parent == "" {
		return ""
	}
	p := resource.URN(parent)
	if p.QualifiedType() == resource.RootStackType {
		return ""
	}
	return p.QualifiedType()
}

// answersTo lists the URNs a resource answers to when `pulumi up` matches
// it against the previous state: its own, the aliases it declares, and the
// ones its ancestors' aliases give it (the engine's inherited child
// aliases: a child named "<parent name>-<role>" follows a renamed parent).
func answersTo(r *offline.Resource, all map[string]*offline.Resource) []string {
	urn := resource.URN(r.URN)
	resolve := func(spec []string, parent string) string {
		name, typ, stack, project := spec[1], spec[2], spec[3], spec[4]
		name = cmpOr(name, r.Name)
		typ = cmpOr(typ, r.Type)
		stack = cmpOr(stack, string(urn.Stack()))
		project = cmpOr(project, string(urn.Project()))
		switch {
		case spec[6] != "":
			parent = ""
		case spec[5] != "":
			parent = spec[5]
		}
		return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType(parent), tokens.Type(typ), name))
	}
	var specs [][]string
	out := []string{r.URN}
	for _, a := range r.Aliases {
		if strings.HasPrefix(a, "urn:") {
			out = append(out, a)
		} else if m := aliasSpec.FindStringSubmatch(a); m != nil {
			specs = append(specs, m)
			out = append(out, resolve(m, r.Parent))
		}
	}
	if p, ok := all[r.Parent]; ok {
		for _, pa := range answersTo(p, all)[1:] {
			name := r.Name
			if rest, ok := strings.CutPrefix(r.Name, p.Name); ok {
				name = resource.URN(pa).Name() + rest
			}
			out = append(out, string(resource.NewURN(resource.URN(pa).Stack(), resource.URN(pa).Project(),
				resource.URN(pa).QualifiedType(), tokens.Type(r.Type), name)))
			for _, m := range specs {
				out = append(out, resolve(m, pa))
			}
		}
	}
	return out
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// TestStatefulURNsAreStable protects DATA-2: every URN in the golden list
// is still the URN of a resource, or an alias of one covers it; and every
// stateful resource is on the list (or covers a URN on it), so a new one is
// protected from its first commit. With -update it rewrites the list.
func TestStatefulURNsAreStable(t *testing.T) {
	all := current(t)
	urns := statefulURNs(all)
	old := []string{}
	if _, err := os.Stat(golden); err == nil || !*update {
		old = readGolden(t)
	}
	if *update {
		writeGolden(t, urns, old)
		return
	}

	coveredBy, missing := check(old, urns, all)
	var missingTypes []string
	for _, urn := range old {
		if now, ok := coveredBy[urn]; ok && now != urn {
			t.Logf("%s is now %s, adopted through an alias: keep the alias until every stack has run `pulumi up`", urn, now)
		}
	}
	for _, urn := range missing {
		typ := string(resource.URN(urn).Type())
		missingTypes = append(missingTypes, typ)
		var candidates []string
		for _, u := range urns {
			if resource.URN(u).Stack() == resource.URN(urn).Stack() && string(resource.URN(u).Type()) == typ && !slices.Contains(old, u) {
				candidates = append(candidates, u)
			}
		}
		what, _ := lost(typ, resource.URN(urn).Name())
		t.Errorf("protected resource %s\n"+
			"  got no resource with this URN and no alias to it, want it kept: `pulumi up` would DELETE it and create it anew (lost: %s).\n"+
			"  New URNs of this type: %v\n"+
			"  Keep the old name, or give the renamed resource pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(%q)}}) (or Type/Parent for a moved one).\n"+
			"  Only for a resource meant to be destroyed: go test ./tests/datasafety -update",
			urn, what, candidates, resource.URN(urn).Name())
	}
	for _, urn := range urns {
		typ := all[urn].Type
		if slices.Contains(old, urn) || slices.Contains(missingTypes, typ) || slices.ContainsFunc(old, func(o string) bool { return coveredBy[o] == urn }) {
			continue
		}
		t.Errorf("protected resource %s: got a URN not on the list, want it recorded so a later rename cannot drop it: go test ./tests/datasafety -update", urn)
	}
}

// check maps each old URN to the current protected resource answering to
// it (its URN, or an alias it declares or inherits), and lists the old URNs
// none answers to: the resources `pulumi up` would delete.
func check(old, urns []string, all map[string]*offline.Resource) (coveredBy map[string]string, missing []string) {
	coveredBy = map[string]string{}
	for _, urn := range urns {
		for _, a := range answersTo(all[urn], all) {
			coveredBy[a] = urn
		}
	}
	for _, urn := range old {
		if _, ok := coveredBy[urn]; !ok {
			missing = append(missing, urn)
		}
	}
	return coveredBy, missing
}

// TestMovedRuleNeedsItsAlias protects the check itself: the database's
// ingress rule moved from the DjangoService to the Database (issue 16) and
// keeps its URN through an alias; the same program without that alias must
// fail the check, naming the old URN.
func TestMovedRuleNeedsItsAlias(t *testing.T) {
	all := current(t)
	old := readGolden(t)
	const ruleType = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	stripped := map[string]*offline.Resource{}
	var moved []string
	for urn, r := range all {
		if r.Type == ruleType && strings.HasSuffix(r.Name, "-db-from-tasks") {
			if !strings.Contains(r.Parent, "components:Database::") {
				t.Fatalf("%s: got parent %s, want the Database (Database.AllowFrom)", urn, r.Parent)
			}
			if len(r.Aliases) == 0 {
				t.Fatalf("%s: got no alias, want one to its URN under the DjangoService", urn)
			}
			c := *r
			c.Aliases = nil
			r = &c
			moved = append(moved, urn)
		}
		stripped[urn] = r
	}
	if len(moved) == 0 {
		t.Fatalf("got no %s named *-db-from-tasks, want the database's ingress rule", ruleType)
	}
	urns := statefulURNs(all)
	if _, missing := check(old, urns, all); len(missing) != 0 {
		t.Errorf("with the aliases: got %v uncovered, want none", missing)
	}
	_, missing := check(old, urns, stripped)
	var want []string
	for _, urn := range old {
		if strings.HasSuffix(urn, "components:DjangoService$"+ruleType+"::"+resource.URN(urn).Name()) && strings.HasSuffix(urn, "-db-from-tasks") {
			want = append(want, urn)
		}
	}
	slices.Sort(missing)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(missing, want) {
		t.Errorf("without the aliases: got uncovered %v, want exactly the rules' old URNs %v", missing, want)
	}
}

// TestGoldenListsTheStatefulResources protects the list itself from an
// -update run on a program that lost a resource: for each stack it holds
// the database, its parameter and subnet groups, the media bucket, the
// repository, the container and flow log groups, and Django's secret key.
func TestGoldenListsTheStatefulResources(t *testing.T) {
	list := readGolden(t)
	want := []struct{ typ, name string }{
		{"aws:rds/instance:Instance", "-db"},
		{"aws:rds/parameterGroup:ParameterGroup", "-params"},
		{"aws:rds/subnetGroup:SubnetGroup", "-subnets"},
		{"aws:s3/bucketV2:BucketV2", "-media"},
		{"aws:s3/bucketV2:BucketV2", "-logs"},
		{"aws:ecr/repository:Repository", "-repository"},
		{"aws:cloudwatch/logGroup:LogGroup", "-container-logs"},
		{"aws:cloudwatch/logGroup:LogGroup", "-flow-logs"},
		{"aws:secretsmanager/secret:Secret", "-django-secret-key"},
		{"aws:secretsmanager/secretVersion:SecretVersion", "-django-secret-key-value"},
		{"random:index/randomPassword:RandomPassword", "-secret-key"},
		{"random:index/randomId:RandomId", "-db-suffix"},
		{"aws:cloudwatch/logGroup:LogGroup", "-postgresql-logs"},
		{"aws:cloudwatch/logGroup:LogGroup", "-upgrade-logs"},
		{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "-db-from-tasks"},
	}
	for _, stack := range []string{"prod", "dev"} {
		for _, w := range want {
			found := slices.ContainsFunc(list, func(u string) bool {
				urn := resource.URN(u)
				return string(urn.Stack()) == stack && string(urn.Type()) == w.typ && strings.HasSuffix(urn.Name(), w.name)
			})
			if !found {
				t.Errorf("%s: stack %s: got no %s named *%s, want one", golden, stack, w.typ, w.name)
			}
		}
	}
	for _, u := range list {
		if _, ok := lost(string(resource.URN(u).Type()), resource.URN(u).Name()); !ok {
			t.Errorf("%s: %s: got a resource that is neither stateful nor pinned, want only %v or %v", golden, u, slices.Sorted(maps.Keys(stateful)), pinned)
		}
	}
}

// TestDataProtectionByProfile protects DATA-1: in production the database
// and the media bucket are `protect`ed (and the bucket retainOnDelete), so
// `pulumi destroy` or a replacement cannot lose their data until someone
// removes the protection on purpose. In development they are not, the
// documented trade-off (djangofargate:protect) that lets a dev stack be
// destroyed in one command.
func TestDataProtectionByProfile(t *testing.T) {
	for _, tc := range []struct {
		stack string
		want  bool
	}{{"prod", true}, {"dev", false}} {
		res := testutil.MustRunStack(t, tc.stack, nil)
		db := testutil.One(t, res, "aws:rds/instance:Instance")
		media := res.Named(testutil.Project + "-media")
		if media == nil {
			t.Fatalf("stack %s: got no media bucket", tc.stack)
		}
		got := map[string]bool{
			"database protect":             db.Protect,
			"media bucket protect":         media.Protect,
			"media bucket retainOnDelete":  media.RetainOnDelete,
			"database deletion protection": db.Input("deletionProtection") == true,
		}
		for _, what := range slices.Sorted(maps.Keys(got)) {
			if got[what] != tc.want {
				t.Errorf("stack %s: %s: got %v, want %v", tc.stack, what, got[what], tc.want)
			}
		}
	}
}

// TestAnswersToFollowsAliases protects the alias resolution the URN test
// relies on, on resources built by hand: an alias by name, by full URN,
// with no parent, and one inherited from a renamed parent.
func TestAnswersToFollowsAliases(t *testing.T) {
	const stack, project = "prod", "djangofargate"
	urn := func(parent, typ, name string) string {
		return string(resource.NewURN(stack, project, parentType(parent), tokens.Type(typ), name))
	}
	root := urn("", resource.RootStackType.String(), project+"-"+stack)
	db := &offline.Resource{URN: urn(root, "djangofargate:components:Database", "app"), Type: "djangofargate:components:Database", Name: "app", Parent: root,
		Aliases: []string{"name=djangofargate,type=,stack=,project=,parent="}}
	inst := &offline.Resource{URN: urn(db.URN, "aws:rds/instance:Instance", "app-database"), Type: "aws:rds/instance:Instance", Name: "app-database", Parent: db.URN,
		Aliases: []string{"name=app-db,type=,stack=,project=,parent="}}
	moved := &offline.Resource{URN: urn(db.URN, "aws:s3/bucketV2:BucketV2", "media"), Type: "aws:s3/bucketV2:BucketV2", Name: "media", Parent: db.URN,
		Aliases: []string{"name=,type=,stack=,project=,parent=,noParent=true", urn(root, "aws:s3/bucketV2:BucketV2", "old-media")}}
	all := map[string]*offline.Resource{db.URN: db, inst.URN: inst, moved.URN: moved}

	tests := []struct {
		r    *offline.Resource
		want string
	}{
		{inst, urn(db.URN, "aws:rds/instance:Instance", "app-db")},                            // own alias by name
		{inst, urn(urn(root, db.Type, "djangofargate"), inst.Type, "djangofargate-database")}, // inherited from the parent's alias
		{inst, urn(urn(root, db.Type, "djangofargate"), inst.Type, "app-db")},                 // own alias under the parent's alias
		{moved, urn(root, moved.Type, "media")},                                               // noParent: it sat at the root
		{moved, urn(root, moved.Type, "old-media")},                                           // a full URN
	}
	for _, tc := range tests {
		if got := answersTo(tc.r, all); !slices.Contains(got, tc.want) {
			t.Errorf("answersTo(%s): got %s, want it to contain %s", tc.r.Name, fmt.Sprint(got), tc.want)
		}
	}
	if got := answersTo(inst, all); slices.Contains(got, urn(db.URN, inst.Type, "app-dbx")) {
		t.Errorf("answersTo(%s): got %v, want no URN it does not answer to", inst.Name, got)
	}
}
