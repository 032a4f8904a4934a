package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/deploypolicy"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/stacks"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// iamPrefixes maps an AWS SDK for Go v2 service package to its IAM action
// prefix. A hook calling a service not listed here fails the test, naming it.
var iamPrefixes = map[string]string{
	"ecs": "ecs", "cloudwatchlogs": "logs", "secretsmanager": "secretsmanager", "rds": "rds",
	"sts": "sts", "s3": "s3", "ec2": "ec2", "iam": "iam", "elasticloadbalancingv2": "elasticloadbalancing",
	"ecr": "ecr", "kms": "kms", "ssm": "ssm",
}

const sdkServices = "github.com/aws/aws-sdk-go-v2/service/"

// sdkCalls returns the AWS API calls the Go files make through the AWS SDK
// for Go v2, as IAM actions ("ecs:RunTask"): every method of an interface
// whose parameter is a service's *<Operation>Input (how components.Migrator
// declares what it calls), and every <Operation>Input value the code
// builds (a direct client call needs one). Test files are skipped.
func sdkCalls(files map[string][]byte) (map[string]string, error) {
	calls := map[string]string{} // action -> where
	fset := token.NewFileSet()
	for name, src := range files {
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			return nil, err
		}
		pkgs := map[string]string{} // local name -> service package
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			svc, ok := strings.CutPrefix(path, sdkServices)
			if !ok || strings.Contains(svc, "/") {
				continue
			}
			local := svc
			if imp.Name != nil {
				local = imp.Name.Name
			}
			pkgs[local] = svc
		}
		var failed error
		record := func(n ast.Node, sel *ast.SelectorExpr) {
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return
			}
			svc, ok := pkgs[x.Name]
			op, isInput := strings.CutSuffix(sel.Sel.Name, "Input")
			if !ok || !isInput || op == "" {
				return
			}
			prefix, known := iamPrefixes[svc]
			if !known {
				failed = fmt.Errorf("%s: calls AWS service %s: add its IAM prefix to iamPrefixes", fset.Position(n.Pos()), svc)
				return
			}
			calls[prefix+":"+op] = fset.Position(n.Pos()).String()
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.InterfaceType:
				for _, m := range n.Methods.List {
					ft, ok := m.Type.(*ast.FuncType)
					if !ok {
						continue
					}
					for _, p := range ft.Params.List {
						if star, ok := p.Type.(*ast.StarExpr); ok {
							if sel, ok := star.X.(*ast.SelectorExpr); ok {
								record(m, sel)
							}
						}
					}
				}
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok {
					record(n, sel)
				}
			}
			return true
		})
		if failed != nil {
			return nil, failed
		}
	}
	return calls, nil
}

// componentSources reads the non-test Go files of components/.
func componentSources(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot(), "components", "*.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("components/*.go: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		out[p] = mustRead(t, p)
	}
	return out
}

// TestSDKCallsFindsEachForm protects the parser: an interface method, a
// direct call's input and an aliased import are each found.
func TestSDKCallsFindsEachForm(t *testing.T) {
	src := []byte(`package p
import (
	"context"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	logs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)
type API interface {
	RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
}
func f(c *ecs.Client, l *logs.Client) {
	c.StopTask(context.TODO(), &ecs.StopTaskInput{})
	_ = logs.GetLogEventsInput{}
}
`)
	got, err := sdkCalls(map[string][]byte{"p.go": src})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ecs:RunTask", "ecs:StopTask", "logs:GetLogEvents"}
	keys := slices.Sorted(mapsKeys(got))
	if !slices.Equal(keys, want) {
		t.Errorf("sdkCalls: got %q, want %q", keys, want)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// configs are the stacks the deploy policy must cover: both shipped stacks
// and prod with every optional feature on.
var configs = []struct {
	stack     string
	overrides []string
}{
	{"prod", nil},
	{"dev", nil},
	{"prod", []string{"domain=api.example.com", "hostedZone=example.com", "internalLoadBalancer=false", "ecsExec=true",
		`corsOrigins=["https://app.example.com"]`}},
}

// TestDeployPolicyCoversTheMigrationHook (issue 14, item 4): the policy
// `synth -deploy-policy` prints allows every AWS API call the components
// make at deploy time (the migration hook: found in the source, so a new
// call without its permission fails here), on the stack's own task
// definition, cluster, log groups and roles, and passes the stack's roles
// (task and execution) to ECS tasks.
func TestDeployPolicyCoversTheMigrationHook(t *testing.T) {
	calls, err := sdkCalls(componentSources(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ecs:RunTask", "ecs:DescribeTasks"} {
		if _, ok := calls[want]; !ok {
			t.Errorf("components call %v; the parser missed %s", calls, want)
		}
	}
	for action, where := range calls {
		if !slices.Contains(deploypolicy.HookActions, action) {
			t.Errorf("%s calls %s, which deploypolicy.HookActions does not list", where, action)
		}
	}
	for _, c := range configs {
		t.Run(c.stack+strings.Join(c.overrides, ","), func(t *testing.T) {
			doc, res := policyFor(t, c.stack, c.overrides)
			var family, cluster, logGroup string
			var roles []string
			for _, r := range res.Resources {
				switch r.Type {
				case "aws:ecs/taskDefinition:TaskDefinition":
					family = r.InputString("family")
				case "aws:ecs/cluster:Cluster":
					cluster = r.Name + "-1a2b3c4"
				case "aws:cloudwatch/logGroup:LogGroup":
					if logGroup == "" || strings.Contains(r.Name, "container") {
						logGroup = cmpOr(r.InputString("name"), r.Name+"-1a2b3c4")
					}
				case "aws:iam/role:Role":
					roles = append(roles, cmpOr(r.InputString("name"), r.Name+"-1a2b3c4"))
				}
			}
			if family == "" || cluster == "" || logGroup == "" || len(roles) == 0 {
				t.Fatalf("stack %s: family %q, cluster %q, log group %q, roles %q: want each", c.stack, family, cluster, logGroup, roles)
			}
			const acct, region = "123456789012", "us-east-1"
			clusterArn := "arn:aws:ecs:" + region + ":" + acct + ":cluster/" + cluster
			requests := []request{
				{"ecs:RunTask", "arn:aws:ecs:" + region + ":" + acct + ":task-definition/" + family + ":7", map[string]string{"ecs:cluster": clusterArn}},
				{"ecs:DescribeTasks", "arn:aws:ecs:" + region + ":" + acct + ":task/" + cluster + "/0123456789abcdef", nil},
			}
			for _, role := range roles {
				requests = append(requests, request{"iam:PassRole", "arn:aws:iam::" + acct + ":role/" + role,
					map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
			}
			for _, r := range requests {
				if !allows(doc, acct, region, r) {
					t.Errorf("stack %s: the deploy policy does not allow %s on %s (%v)", c.stack, r.action, r.resource, r.context)
				}
			}
			// And nothing else: another account, another service.
			for _, r := range []request{
				{"ecs:RunTask", "arn:aws:ecs:" + region + ":210987654321:task-definition/" + family + ":7", map[string]string{"ecs:cluster": clusterArn}},
				{"iam:PassRole", "arn:aws:iam::" + acct + ":role/" + roles[0], map[string]string{"iam:PassedToService": "lambda.amazonaws.com"}},
				{"iam:PassRole", "arn:aws:iam::" + acct + ":role/admin", map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
			} {
				if allows(doc, acct, region, r) {
					t.Errorf("stack %s: the deploy policy allows %s on %s (%v), want denied", c.stack, r.action, r.resource, r.context)
				}
			}
		})
	}
}

// TestDeployPolicyFitsAnInlineRolePolicy: the document is valid for
// `aws iam put-role-policy`: under the 10,240 characters (white space not
// counted) of a role's inline policies (../shared/aws-api
// iam-policy-grammar.json, IAM and STS quotas), and every resource type of
// the stacks has permissions (Generate fails naming any that has none).
func TestDeployPolicyFitsAnInlineRolePolicy(t *testing.T) {
	for _, c := range configs {
		doc, _ := policyFor(t, c.stack, c.overrides)
		docs, err := doc.Split()
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) == 1 && docs[0].Size() > deploypolicy.InlineLimit {
			t.Errorf("stack %s %v: one deploy policy of %d characters, want <= %d", c.stack, c.overrides, docs[0].Size(), deploypolicy.InlineLimit)
		}
		var kept int
		for _, d := range docs {
			if len(docs) > 1 && d.Size() > deploypolicy.ManagedLimit {
				t.Errorf("stack %s %v: a managed deploy policy of %d characters, want <= %d", c.stack, c.overrides, d.Size(), deploypolicy.ManagedLimit)
			}
			kept += len(d.Statement)
		}
		if kept != len(doc.Statement) || len(docs) > 10 {
			t.Errorf("stack %s %v: split into %d documents holding %d statements, want at most 10 holding all %d", c.stack, c.overrides, len(docs), kept, len(doc.Statement))
		}
		for _, st := range doc.Statement {
			for _, a := range st.Action {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("stack %s: statement %s allows %s, want named actions", c.stack, st.Sid, a)
				}
			}
		}
	}
}

// TestRolesArePassedOnlyToTheirServices: every role of the stacks trusts
// only services the PassRole statement names, so the deploy principal can
// pass each role where it is used and nowhere else.
func TestRolesArePassedOnlyToTheirServices(t *testing.T) {
	for _, c := range configs {
		_, res := policyFor(t, c.stack, c.overrides)
		for _, r := range res.Resources {
			if r.Type != "aws:iam/role:Role" {
				continue
			}
			var trust struct {
				Statement []struct {
					Principal struct{ Service any }
				}
			}
			if err := json.Unmarshal([]byte(r.InputString("assumeRolePolicy")), &trust); err != nil {
				t.Errorf("role %s: trust policy %q: %v", r.Name, r.InputString("assumeRolePolicy"), err)
				continue
			}
			for _, st := range trust.Statement {
				services := []string{}
				switch s := st.Principal.Service.(type) {
				case string:
					services = append(services, s)
				case []any:
					for _, v := range s {
						services = append(services, fmt.Sprint(v))
					}
				}
				for _, svc := range services {
					if !slices.Contains(deploypolicy.PassedToServices, svc) {
						t.Errorf("role %s trusts %s, which deploypolicy.PassedToServices does not list", r.Name, svc)
					}
				}
			}
		}
	}
}

// policyFor runs the same code as `synth -stack S -deploy-policy`.
func policyFor(t *testing.T, stack string, overrides []string) (*deploypolicy.Document, *offline.Result) {
	t.Helper()
	doc, err := stackDeployPolicy(stacks.Program, repoRoot(), stack, overrides)
	if err != nil {
		t.Fatalf("stack %s %v: %v", stack, overrides, err)
	}
	cfg, err := offline.LoadStackConfig(repoRoot(), stack)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		cfg[stacks.Namespace+":"+k] = v
	}
	res, err := offline.Run(stacks.Program, offline.Options{Project: "djangofargate", Stack: stack, Config: cfg, Preview: true, RootDirectory: repoRoot()})
	if err != nil {
		t.Fatal(err)
	}
	return doc, res
}

// request is one authorization question.
type request struct {
	action, resource string
	context          map[string]string
}

// allows evaluates the Allow statements of doc for one request, with the
// policy variables of account and region: an action and a resource that
// match (IAM's * and ? wildcards) and every condition (StringEquals,
// ArnLike) satisfied. It implements only what deploypolicy emits.
func allows(doc *deploypolicy.Document, account, region string, r request) bool {
	vars := strings.NewReplacer("${aws:PrincipalAccount}", account)
	ctx := map[string]string{"aws:RequestedRegion": region}
	for k, v := range r.context {
		ctx[k] = v
	}
	for _, st := range doc.Statement {
		if !slices.ContainsFunc(st.Action, func(a string) bool { return wildcard(a, r.action) }) {
			continue
		}
		if !slices.ContainsFunc(st.Resource, func(p string) bool { return wildcard(vars.Replace(p), r.resource) }) {
			continue
		}
		ok := true
		for op, kv := range st.Condition {
			for key, want := range kv {
				var values []string
				switch v := want.(type) {
				case string:
					values = []string{v}
				case []string:
					values = v
				}
				got, present := ctx[key]
				match := slices.ContainsFunc(values, func(w string) bool {
					if op == "ArnLike" {
						return wildcard(vars.Replace(w), got)
					}
					return w == got
				})
				if !present || !match {
					ok = false
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// wildcard matches s against an IAM pattern: * any run of characters, ?
// one character.
func wildcard(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var readFile = os.ReadFile
