// Package badinput_test protects the promise that a bad stack configuration
// is refused before anything is deployed: a corpus of invalid settings, at
// least one for every key the program reads, runs through the real stack
// program (the prod and dev stack files plus overrides) and through the
// synth command, and each must fail naming the key and the bad value, with
// no resource registered. It also checks the component name limits that
// Pulumi's auto-naming makes tighter than AWS's own (names.json).
package badinput_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/synth"
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/djangofargate/djangofargate/tests/testutil"
)

// badCase is one invalid configuration: the overrides applied to a stack
// file, the key the error must name and the bad value it must state.
type badCase struct {
	name  string
	stack string            // "prod" or "dev"
	set   map[string]string // overrides, keys without the namespace
	key   string            // the key the error must name, without the namespace
	bad   string            // the value the error must state
	// allowed are phrases the message must hold: what is allowed instead.
	allowed []string
}

// allowing returns c with the phrases its message must hold.
func (c badCase) allowing(phrases ...string) badCase {
	c.allowed = phrases
	return c
}

// kv is a one-key override.
func kv(k, v string) map[string]string { return map[string]string{k: v} }

// one is a case where the key set is the key named and its value the bad one.
func one(stack, key, value string) badCase {
	return badCase{name: key + "=" + value, stack: stack, set: kv(key, value), key: key, bad: value}
}

// named is a case with several overrides, or where the key named or the
// value stated differs from the key set.
func named(name, stack string, set map[string]string, key, bad string) badCase {
	return badCase{name: name, stack: stack, set: set, key: key, bad: bad}
}

// handWritten are the cases that need a reason: ranges, enums, formats and
// contradictory switches. Wrong types, zeros and Fargate sizes are generated.
func handWritten() []badCase {
	const acmOtherRegion = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	return []badCase{
		// Unknown enums.
		one("prod", "profile", "staging").allowing(`"production"`, `"development"`),
		one("dev", "profile", "Development"),
		one("prod", "profile", "prod"),
		one("prod", "natGateways", "Sometimes").allowing(`"OnePerAz"`, `"Single"`, `"None"`),
		one("dev", "natGateways", "none"),
		one("prod", "natGateways", "OnePerAZ"),
		one("prod", "architecture", "amd64").allowing(`"x86_64"`, `"arm64"`),
		one("dev", "architecture", "ARM64"),
		one("prod", "architecture", "arm"),

		// Keys the program does not read: ignored, the deploy would differ
		// from what the user believes.
		one("prod", "cpuu", "512").allowing("did you mean cpu?"),
		one("dev", "dbMultiAZ", "true").allowing("did you mean dbMultiAz?"),
		one("prod", "desiredcount", "3").allowing("did you mean desiredCount?"),
		one("dev", "gunicornThread", "8").allowing("did you mean gunicornThreads?"),
		one("prod", "replicas", "3").allowing("not a key this program reads"),

		// Out of range.
		one("prod", "azCount", "1"),
		one("dev", "azCount", "5"),
		one("prod", "azCount", "-2"),
		one("prod", "logRetentionDays", "10"),
		one("dev", "logRetentionDays", "366"),
		one("prod", "logRetentionDays", "-1"),
		one("prod", "imagesKept", "1001"),
		one("dev", "imagesKept", "-5"),
		one("prod", "dbAllocatedStorage", "19"),
		one("dev", "dbAllocatedStorage", "65537"),
		one("prod", "dbBackupRetentionDays", "36"),
		one("dev", "dbBackupRetentionDays", "-1"),
		one("prod", "cpuTarget", "5"),
		one("dev", "cpuTarget", "95"),
		one("prod", "requestsPerTarget", "-10"),
		one("prod", "idleTimeout", "4001"),
		one("dev", "idleTimeout", "-1"),
		one("prod", "maxTasks", "1001"),
		one("dev", "minTasks", "-1"),

		// Bad CIDRs.
		one("prod", "vpcCidr", "10.0.0.0"),
		one("prod", "vpcCidr", "10.0.0.1/16"),
		one("dev", "vpcCidr", "8.8.0.0/16"),
		one("prod", "vpcCidr", "10.0.0.0/8"),
		one("dev", "vpcCidr", "10.1.0.0/24"),
		one("prod", "vpcCidr", "300.0.0.0/16"),
		one("prod", "vpcCidr", "10.0.0.0/33"),
		one("dev", "vpcCidr", "fd00::/16"),
		one("prod", "vpcCidr", "10.0.0.0/16,10.1.0.0/16"),

		// Formats.
		one("prod", "dbInstanceClass", "t4g.medium"),
		one("dev", "dbInstanceClass", "db.t4g.huge"),
		one("prod", "dbInstanceClass", "db.T4G.medium"),
		one("prod", "dbEngineVersion", "12"),
		one("dev", "dbEngineVersion", "seventeen"),
		one("prod", "dbEngineVersion", "17.4.1"),
		one("prod", "dbEngineVersion", "v17"),
		one("prod", "healthCheckPath", "healthz"),
		one("dev", "healthCheckPath", "/health check"),
		one("prod", "healthCheckPath", "/healthz?full=1"),
		one("prod", "healthCheckPath", "/healthz#top"),
		one("prod", "appPath", "no-such-app-dir").allowing("build context"),
		named("appPath=Pulumi.yaml (a file)", "dev", kv("appPath", "Pulumi.yaml"), "appPath", "Pulumi.yaml"),
		one("prod", "dockerfile", "../Dockerfile").allowing("inside the build context"),
		one("dev", "dockerfile", "Missing.Dockerfile"),
		one("prod", "image", "nginx:1.27"),
		one("dev", "image", "registry.example.com/app"),
		one("prod", "image", "registry.example.com/app:latest"),
		one("prod", "image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/App:v1"),
		one("dev", "image", "registry.example.com/app@sha256:1234"),
		one("prod", "corsOrigins", "https://app.example.com"),
		one("dev", "corsOrigins", `["https://app.example.com"`),
		one("prod", "corsOrigins", `[1, 2]`),
		one("prod", "corsOrigins", `{"origin": "https://app.example.com"}`),
		named(`corsOrigins=["http://app.example.com"]`, "prod", kv("corsOrigins", `["http://app.example.com"]`), "corsOrigins", "http://app.example.com"),
		named(`corsOrigins=["https://*.example.com"]`, "dev", kv("corsOrigins", `["https://*.example.com"]`), "corsOrigins", "https://*.example.com"),
		named(`corsOrigins=["https://app.example.com/upload"]`, "prod", kv("corsOrigins", `["https://app.example.com/upload"]`), "corsOrigins", "https://app.example.com/upload"),
		named(`corsOrigins=["https://App.example.com"]`, "prod", kv("corsOrigins", `["https://App.example.com"]`), "corsOrigins", "https://App.example.com"),
		named("domain=API.example.com", "prod", map[string]string{"domain": "API.example.com", "hostedZone": "example.com"}, "domain", "API.example.com"),
		named("domain=https://api.example.com", "prod", map[string]string{"domain": "https://api.example.com", "hostedZone": "example.com"}, "domain", "https://api.example.com"),
		named("domain=api_v1.example.com", "dev", map[string]string{"domain": "api_v1.example.com", "hostedZone": "example.com"}, "domain", "api_v1.example.com"),
		one("prod", "certificateArn", "not-an-arn"),
		named("certificateArn IAM server certificate", "prod",
			map[string]string{"domain": "api.example.com", "certificateArn": "arn:aws:iam::123456789012:server-certificate/api"},
			"certificateArn", "arn:aws:iam::123456789012:server-certificate/api"),
		named("certificateArn short account", "dev",
			map[string]string{"domain": "api.example.com", "certificateArn": "arn:aws:acm:us-east-1:12345:certificate/abc"},
			"certificateArn", "arn:aws:acm:us-east-1:12345:certificate/abc"),

		// Contradictory settings.
		named("min > max", "prod", map[string]string{"minTasks": "5", "maxTasks": "3"}, "maxTasks", "3"),
		named("min = max", "dev", map[string]string{"minTasks": "3", "maxTasks": "3", "desiredCount": "3"}, "maxTasks", "3"),
		named("desired above max", "prod", kv("desiredCount", "11"), "desiredCount", "11"),
		named("desired below min", "prod", kv("desiredCount", "1"), "desiredCount", "1"),
		named("desired above max (dev)", "dev", kv("desiredCount", "4"), "desiredCount", "4"),
		named("dbMaxAllocatedStorage below dbAllocatedStorage", "prod", kv("dbMaxAllocatedStorage", "15"), "dbMaxAllocatedStorage", "15"),
		named("dbMaxAllocatedStorage equal to dbAllocatedStorage", "dev",
			map[string]string{"dbAllocatedStorage": "50", "dbMaxAllocatedStorage": "50"}, "dbMaxAllocatedStorage", "50"),
		named("dbMaxAllocatedStorage above gp3", "prod", kv("dbMaxAllocatedStorage", "65537"), "dbMaxAllocatedStorage", "65537"),
		named("natGateways None without vpcEndpoints", "prod",
			map[string]string{"natGateways": "None", "vpcEndpoints": "false"}, "natGateways", "None"),
		named("natGateways None on dev (no endpoints by profile)", "dev", kv("natGateways", "None"), "natGateways", "None"),
		named("dbPerformanceInsights true on db.t4g.micro", "dev", kv("dbPerformanceInsights", "true"), "dbPerformanceInsights", "db.t4g.micro"),
		named("production dbInstanceClass db.t4g.micro keeps Performance Insights", "prod",
			kv("dbInstanceClass", "db.t4g.micro"), "dbPerformanceInsights", "db.t4g.micro"),
		named("dbPerformanceInsights on db.t3.small", "prod", kv("dbInstanceClass", "db.t3.small"), "dbPerformanceInsights", "db.t3.small"),
		named("alarmEmail not an address", "prod", kv("alarmEmail", "ops at example"), "alarmEmail", "ops at example"),
		named("domain without hostedZone or certificateArn", "prod", kv("domain", "api.example.com"), "domain", "api.example.com"),
		named("hostedZone without domain", "prod", kv("hostedZone", "example.com"), "hostedZone", "example.com"),
		named("domain outside hostedZone", "dev",
			map[string]string{"domain": "api.other.org", "hostedZone": "example.com"}, "domain", "api.other.org"),
		named("certificateArn in another region than aws:region", "prod",
			map[string]string{"domain": "api.example.com", "certificateArn": acmOtherRegion}, "certificateArn", acmOtherRegion),
		named("workerMaxTasks below workerMinTasks", "prod",
			map[string]string{"workerMinTasks": "3", "workerMaxTasks": "2"}, "workerMaxTasks", "2"),
		named("workerMemory does not fit workerCpu", "dev",
			map[string]string{"worker": "true", "workerCpu": "256", "workerMemory": "4096"}, "workerMemory", "4096"),
		one("prod", "workerVisibilityTimeout", "20"),
		one("dev", "workerBacklogPerTask", "-1"),
		named("workerCommand with an empty argument", "prod", kv("workerCommand", `["celery", ""]`), "workerCommand", `""`),
		// Scheduled commands: EventBridge Scheduler's grammar, not crontab's.
		named("schedules five-field cron", "prod", kv("schedules", `["nightly cron(0 3 * * *) python manage.py clearsessions"]`),
			"schedules", "cron(0 3 * * *)").allowing("schedules[0].schedule", "has 5 fields", "cron(0 3 * * ? *)"),
		named("schedules rate unit", "dev", kv("schedules", `["ok rate(1 day) true", "often rate(1 minutes) true"]`),
			"schedules", "rate(1 minutes)").allowing("schedules[1].schedule", "minute, hour, day"),
		named("schedules no command", "prod", kv("schedules", `["nightly cron(0 3 * * ? *)"]`),
			"schedules", "[]").allowing("schedules[0].command", "is empty"),
		named("schedules no expression", "dev", kv("schedules", `["clearsessions"]`),
			"schedules", "clearsessions").allowing("NAME EXPRESSION COMMAND"),
		named("schedules duplicate", "prod", kv("schedules", `["a rate(1 day) true", "a rate(2 days) true"]`),
			"schedules", "a").allowing("schedules[1].name", "also the name of commands[0]"),
		one("prod", "scheduleTimezone", "Mars/Olympus").allowing("IANA time zone"),
		named("image :latest", "dev", kv("image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest"),
			"image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest"),
	}
}

// keyNames lists the keys the program reads.
func keyNames() []string {
	var out []string
	for _, k := range stacks.Keys() {
		out = append(out, k.Name)
	}
	return out
}

// wrongTypes are values of each declared type's wrong form: what the Pulumi
// CLI refuses for it (a boolean is exactly true or false, an integer what
// strconv.Atoi reads: sdk/go/common/workspace/project.go,
// ValidateConfigValue), so the program refuses them the same way for
// `synth -config` and for anything that does not go through the CLI.
var wrongTypes = map[string][]string{
	"integer": {"two", "1.5", " 3"},
	"boolean": {"yes", "True", "1"},
	"array":   {"not json"},
}

// generated are the wrong-type cases of every typed key, an empty value for
// every key whose default is not empty, and an explicit 0 for every integer
// key that does not give 0 a meaning (the components read 0 as "use my
// default", so a 0 that reached them would be silently replaced).
func generated(t *testing.T) []badCase {
	t.Helper()
	var out []badCase
	for i, k := range stacks.Keys() {
		stack := []string{"prod", "dev"}[i%2]
		for _, v := range wrongTypes[k.Type] {
			out = append(out, one(stack, k.Name, v))
		}
		if k.Defaults[stacks.Production] != "" {
			c := one(stack, k.Name, "")
			c.name, c.bad = k.Name+" empty", `""`
			out = append(out, c.allowing("empty value"))
		}
		if k.Type == stacks.TypeInteger && !strings.HasPrefix(k.Allowed, "0 (") {
			out = append(out, one(stack, k.Name, "0").allowing(k.Allowed))
		}
	}
	// Integer keys take whole numbers only, not the other forms AWS accepts.
	out = append(out, one("prod", "cpu", "1 vCPU"), one("dev", "memory", "2GB"), one("prod", "cpu", "0x400"))
	return out
}

// fargateSizes is /work/shared/aws-api/fargate-sizes.json, the task sizes
// from AWS's ECS API model.
type fargateSizes struct {
	Combinations []struct {
		CPU       int   `json:"cpu"`
		MemoryMiB []int `json:"memory_mib"`
		Range     *struct {
			Min, Max, Step int
		} `json:"memory_range_mib"`
	} `json:"combinations"`
}

// awsFacts reads a file of ../shared/aws-api, the facts from AWS's API
// models, into v; it reports false when the facts are not on this machine.
func awsFacts(t *testing.T, file string, v any) bool {
	t.Helper()
	path := filepath.Join(testutil.RepoRoot(), "..", "shared", "aws-api", file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("AWS API facts not available, cases from them left out: %v", err)
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return true
}

// validMemory lists the memory sizes AWS accepts with a CPU size.
func (f fargateSizes) validMemory() map[int][]int {
	out := map[int][]int{}
	for _, c := range f.Combinations {
		mems := c.MemoryMiB
		if c.Range != nil {
			for m := c.Range.Min; m <= c.Range.Max; m += c.Range.Step {
				mems = append(mems, m)
			}
		}
		out[c.CPU] = mems
	}
	return out
}

// allowedMemory is what a message refusing a memory size must offer: every
// valid size, or the first, the last and the step when they are evenly spaced.
func allowedMemory(mems []int) []string {
	step := mems[1] - mems[0]
	for i := 2; i < len(mems); i++ {
		if mems[i]-mems[i-1] != step {
			out := make([]string, len(mems))
			for j, m := range mems {
				out[j] = strconv.Itoa(m)
			}
			return out
		}
	}
	return []string{strconv.Itoa(mems[0]), strconv.Itoa(mems[len(mems)-1]), "steps of " + strconv.Itoa(step)}
}

// fargateCases are invalid task sizes derived from AWS's table: for each CPU
// size, memory below its least, above its most and between two valid sizes;
// and CPU sizes Fargate does not have.
func fargateCases(t *testing.T) []badCase {
	t.Helper()
	var f fargateSizes
	if !awsFacts(t, "fargate-sizes.json", &f) {
		return nil
	}
	valid := f.validMemory()
	var out []badCase
	for i, cpu := range slices.Sorted(maps.Keys(valid)) {
		mems := valid[cpu]
		stack := []string{"prod", "dev"}[i%2]
		candidates := []int{mems[0] - 512, mems[len(mems)-1] + 1024}
		for j := 1; j < len(mems); j++ {
			if mid := (mems[j-1] + mems[j]) / 2; !slices.Contains(mems, mid) {
				candidates = append(candidates, mid)
				break
			}
		}
		for _, m := range candidates {
			if slices.Contains(mems, m) || m <= 0 {
				continue
			}
			c, mem := strconv.Itoa(cpu), strconv.Itoa(m)
			out = append(out, named("cpu="+c+" memory="+mem, stack, map[string]string{"cpu": c, "memory": mem}, "memory", mem).
				allowing(allowedMemory(mems)...))
		}
	}
	for _, cpu := range []int{128, 768, 3072, 32768} {
		if _, ok := valid[cpu]; ok {
			t.Fatalf("cpu %d: the AWS table lists it; pick a size it does not", cpu)
		}
		c := strconv.Itoa(cpu)
		out = append(out, named("cpu="+c, "prod", map[string]string{"cpu": c, "memory": "2048"}, "cpu", c).
			allowing(cpuSizes(valid)...))
	}
	return out
}

// corpus is every bad-input case.
func corpus(t *testing.T) []badCase {
	t.Helper()
	return slices.Concat(handWritten(), generated(t), fargateCases(t))
}

// statesValue reports whether msg states v as a whole token: not as part of
// a longer number, word or CIDR ("1" is not stated by "10" or "1.5").
// checkMessage also accepts v Go-quoted, as %q prints it.
func statesValue(msg, v string) bool {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9.])` + regexp.QuoteMeta(v) + `($|[^A-Za-z0-9./]|\.($|\s))`)
	return re.MatchString(msg)
}

// cpuSizes lists the CPU sizes of AWS's table, as a message offers them.
func cpuSizes(valid map[int][]int) []string {
	var out []string
	for _, c := range slices.Sorted(maps.Keys(valid)) {
		out = append(out, strconv.Itoa(c))
	}
	return out
}

// checkMessage returns what is wrong with a refusal's message, or "".
func checkMessage(msg, key, bad string, allowed []string) string {
	qualified := stacks.Namespace + ":" + key
	if !strings.Contains(msg, qualified+":") {
		return fmt.Sprintf("got %q, want it to name the key %s", msg, qualified)
	}
	if rest := strings.Replace(msg, qualified, "", 1); !statesValue(rest, bad) && !strings.Contains(rest, strconv.Quote(bad)) {
		return fmt.Sprintf("got %q, want it to state the bad value %q", msg, bad)
	}
	if msg != strings.ToLower(msg[:1])+msg[1:] {
		return fmt.Sprintf("got %q, want a lowercase message", msg)
	}
	for _, a := range allowed {
		if _, err := strconv.Atoi(a); (err == nil && !statesValue(msg, a)) || !strings.Contains(msg, a) {
			return fmt.Sprintf("got %q, want it to say what is allowed (%q)", msg, a)
		}
	}
	return ""
}

// TestBadConfigIsRefusedBeforeAnyResource protects the promise that a bad
// config deploys nothing: each case, run through the real stack program on
// its stack file, fails with an error naming djangofargate:<key> and the
// bad value, and registers no resource.
func TestBadConfigIsRefusedBeforeAnyResource(t *testing.T) {
	for _, tc := range corpus(t) {
		t.Run(tc.stack+"/"+tc.name, func(t *testing.T) {
			res, err := testutil.RunStack(t, tc.stack, tc.set)
			if err == nil {
				t.Fatalf("stack %s with %v: got no error, want one naming %s:%s", tc.stack, tc.set, stacks.Namespace, tc.key)
			}
			if problem := checkMessage(err.Error(), tc.key, tc.bad, tc.allowed); problem != "" {
				t.Errorf("stack %s with %v: %s", tc.stack, tc.set, problem)
			}
			if res == nil {
				t.Fatal("got a nil result")
			}
			if n := len(res.Resources); n != 0 {
				t.Errorf("stack %s with %v: got %d resources registered (first %s), want 0", tc.stack, tc.set, n, res.Resources[0].URN)
			}
		})
	}
}

// TestCorpusCoversEveryKey protects the corpus itself: every key the
// program reads has at least one bad value named by its key, and the corpus
// keeps its size.
func TestCorpusCoversEveryKey(t *testing.T) {
	cases := corpus(t)
	covered := map[string]int{}
	for _, tc := range cases {
		covered[tc.key]++
		for k := range tc.set {
			if !slices.Contains(keyNames(), k) && k != tc.key {
				t.Errorf("case %q sets %s: got an unknown key, want one of stacks.Keys()", tc.name, k)
			}
		}
	}
	for _, k := range keyNames() {
		if covered[k] == 0 {
			t.Errorf("key %s: got no bad-input case naming it, want at least one", k)
		}
	}
	if len(cases) < 50 {
		t.Errorf("corpus: got %d cases, want at least 50", len(cases))
	}
	t.Logf("%d cases over %d keys", len(cases), len(covered))
}

// TestSynthRefusesBadConfig protects the offline preview's contract for a
// bad config: exit status 1, nothing on stdout (so a pipeline never reads
// half a preview), and the key on stderr. It runs the first case of every
// key, in the text and the json formats.
func TestSynthRefusesBadConfig(t *testing.T) {
	seen := map[string]bool{}
	for i, tc := range corpus(t) {
		if seen[tc.key] {
			continue
		}
		seen[tc.key] = true
		format := []string{"text", "json"}[i%2]
		t.Run(tc.stack+"/"+tc.name, func(t *testing.T) {
			args := []string{"-dir", testutil.RepoRoot(), "-stack", tc.stack, "-format", format}
			for _, k := range slices.Sorted(maps.Keys(tc.set)) {
				args = append(args, "-config", k+"="+tc.set[k])
			}
			var stdout, stderr bytes.Buffer
			code := synth.Main(stacks.Program, args, nil, &stdout, &stderr)
			if code != synth.ExitFailed {
				t.Errorf("synth %v: got exit %d, want %d", args, code, synth.ExitFailed)
			}
			if stdout.Len() != 0 {
				t.Errorf("synth %v: got stdout %q, want nothing", args, stdout.String())
			}
			if !strings.Contains(stderr.String(), stacks.Namespace+":"+tc.key+":") {
				t.Errorf("synth %v: got stderr %q, want it to name %s:%s", args, stderr.String(), stacks.Namespace, tc.key)
			}
		})
	}
}

// TestFargateSizesFromAWSAreAccepted protects the other side of the
// Fargate check: every CPU and memory pair in AWS's table parses, so the
// validation refuses only what AWS refuses.
func TestFargateSizesFromAWSAreAccepted(t *testing.T) {
	var f fargateSizes
	if !awsFacts(t, "fargate-sizes.json", &f) {
		t.Skip("needs fargate-sizes.json")
	}
	for cpu, mems := range f.validMemory() {
		for _, m := range mems {
			set := map[string]string{"cpu": strconv.Itoa(cpu), "memory": strconv.Itoa(m)}
			if _, err := stacks.Parse(testutil.RepoRoot(), set); err != nil {
				t.Errorf("cpu %d memory %d (valid in AWS's table): got %v, want no error", cpu, m, err)
			}
		}
	}
}

// TestUnsetDesiredCountFollowsMinTasks protects a stack that raises
// minTasks alone: the profile's desiredCount, which the stack never set,
// rises with it instead of failing with an error about desiredCount. An
// explicit desiredCount outside minTasks..maxTasks is still refused (the
// corpus above).
func TestUnsetDesiredCountFollowsMinTasks(t *testing.T) {
	tests := []struct {
		stack string
		set   map[string]string
		want  float64
	}{
		{"dev", map[string]string{"minTasks": "2"}, 2},
		{"prod", map[string]string{"minTasks": "4"}, 4},
		{"prod", map[string]string{"minTasks": "4", "desiredCount": "6"}, 6},
	}
	for _, tc := range tests {
		res := testutil.MustRunStack(t, tc.stack, tc.set)
		if got := testutil.One(t, res, "aws:ecs/service:Service").Input("desiredCount"); got != tc.want {
			t.Errorf("stack %s with %v: service desiredCount got %v, want %v", tc.stack, tc.set, got, tc.want)
		}
	}
}

// TestMisspeltNamespaceIsRefused protects a key set under a namespace one
// typo (or a case) away from the project's: the engine hands it to the
// program, which would ignore it. The stack program refuses it naming the
// key it meant, and so does synth with -config.
func TestMisspeltNamespaceIsRefused(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"djangofargat:cpu", "did you mean djangofargate:cpu?"},
		{"DjangoFargate:spot", "did you mean djangofargate:spot?"},
		{"djangofargatee:dbMultiAZ", "did you mean djangofargate:dbMultiAz?"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"-dir", testutil.RepoRoot(), "-stack", "prod", "-config", tc.key + "=1024"}
			if code := synth.Main(stacks.Program, args, nil, &stdout, &stderr); code != synth.ExitFailed {
				t.Errorf("synth %v: got exit %d, want %d", args, code, synth.ExitFailed)
			}
			if stdout.Len() != 0 {
				t.Errorf("synth %v: got stdout %q, want nothing", args, stdout.String())
			}
			if msg := stderr.String(); !strings.Contains(msg, "config "+tc.key+":") || !strings.Contains(msg, tc.want) {
				t.Errorf("synth %v: got stderr %q, want it to name %s and say %q", args, msg, tc.key, tc.want)
			}
		})
	}
}
