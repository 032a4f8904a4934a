// Package storage_test checks the Storage component on the offline engine:
// every bucket's protections, the bucket policies and the task role's media
// policy statement by statement, the protect options, and the refusals.
package storage_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	bucketType     = "aws:s3/bucketV2:BucketV2"
	pabType        = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	ownershipType  = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	sseType        = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	versioningType = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	lifecycleType  = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	policyType     = "aws:s3/bucketPolicy:BucketPolicy"
	corsType       = "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2"
	name           = "web"
	kmsKey         = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
)

// program creates one Storage and exports its outputs.
func program(compName string, a components.StorageArgs) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		s, err := components.NewStorage(ctx, compName, &a)
		if err != nil {
			return err
		}
		testutil.ExportOutputs(ctx, s)
		return nil
	}
}

func run(t *testing.T, a components.StorageArgs) *offline.Result {
	t.Helper()
	return testutil.Run(t, program(name, a))
}

func runIn(t *testing.T, region string, a components.StorageArgs) *offline.Result {
	t.Helper()
	res, err := offline.Run(program(name, a), offline.Options{
		Project: testutil.Project, Stack: "test", Config: map[string]string{"aws:region": region},
	})
	if err != nil {
		t.Fatalf("offline run in %s: %v", region, err)
	}
	return res
}

var (
	no  = pulumi.BoolRef(false)
	yes = pulumi.BoolRef(true)
)

// all turns on every bucket (media and access logs, the defaults).
var all = components.StorageArgs{}

// roles are the bucket roles and the logical names of their buckets.
var roles = map[string]string{"media": name + "-media", "logs": name + "-logs"}

// settingsOf returns the resource of type typ that configures bucket b.
func settingsOf(t *testing.T, res *offline.Result, typ string, b *offline.Resource) *offline.Resource {
	t.Helper()
	var found []*offline.Resource
	for _, r := range res.ByType(typ) {
		if r.InputString("bucket") == b.ID {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s for bucket %s: got %d, want 1", typ, b.Name, len(found))
	}
	return found[0]
}

// statement is one parsed policy statement, with string-or-list fields
// normalised to lists.
type statement struct {
	Sid, Effect string
	Principal   map[string][]string
	Action      []string
	Resource    []string
	Condition   map[string]map[string][]string
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

// parsePolicy parses a policy document and checks its version.
func parsePolicy(t *testing.T, doc string) []statement {
	t.Helper()
	var raw struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	if raw.Version != "2012-10-17" {
		t.Errorf("policy Version: got %q, want 2012-10-17", raw.Version)
	}
	var out []statement
	for _, m := range raw.Statement {
		s := statement{Action: strs(m["Action"]), Resource: strs(m["Resource"])}
		s.Sid, _ = m["Sid"].(string)
		s.Effect, _ = m["Effect"].(string)
		if p, ok := m["Principal"].(map[string]any); ok {
			s.Principal = map[string][]string{}
			for k, v := range p {
				s.Principal[k] = strs(v)
			}
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			s.Condition = map[string]map[string][]string{}
			for op, kv := range c {
				s.Condition[op] = map[string][]string{}
				for k, v := range kv.(map[string]any) {
					s.Condition[op][k] = strs(v)
				}
			}
		}
		out = append(out, s)
	}
	return out
}

func tlsDeny(arn string) statement {
	return statement{
		Sid: "DenyInsecureTransport", Effect: "Deny",
		Principal: map[string][]string{"AWS": {"*"}},
		Action:    []string{"s3:*"},
		Resource:  []string{arn, arn + "/*"},
		Condition: map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}},
	}
}

// TestStorageBucketsBlockPublicAccess protects S3-1: all four public access
// block flags on every bucket.
func TestStorageBucketsBlockPublicAccess(t *testing.T) {
	res := run(t, all)
	if got := len(res.ByType(bucketType)); got != 2 {
		t.Fatalf("buckets: got %d, want 2", got)
	}
	for _, b := range res.ByType(bucketType) {
		pab := settingsOf(t, res, pabType, b)
		for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if got := pab.Input(flag); got != true {
				t.Errorf("bucket %s %s: got %v, want true", b.Name, flag, got)
			}
		}
	}
}

// TestStorageOwnershipAndEncryption protects S3-3: ACLs disabled and default
// encryption on every bucket; SSE-KMS on media when a key is
// given, but never on the log bucket (ALB logs support SSE-S3 only).
func TestStorageOwnershipAndEncryption(t *testing.T) {
	cases := []struct {
		name    string
		args    components.StorageArgs
		wantAlg map[string]string
	}{
		{"S3-managed keys by default", all, map[string]string{"media": "AES256", "logs": "AES256"}},
		{"KMS key", components.StorageArgs{KMSKeyArn: pulumi.String(kmsKey)},
			map[string]string{"media": "aws:kms", "logs": "AES256"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			for role, logical := range roles {
				b := res.Named(logical)
				if b == nil {
					t.Fatalf("bucket %s: not registered", logical)
				}
				if got := settingsOf(t, res, ownershipType, b).Input("rule.objectOwnership"); got != "BucketOwnerEnforced" {
					t.Errorf("%s objectOwnership: got %v, want BucketOwnerEnforced", role, got)
				}
				sse := settingsOf(t, res, sseType, b)
				rules, _ := sse.Input("rules").([]any)
				if len(rules) != 1 {
					t.Fatalf("%s encryption rules: got %d, want 1", role, len(rules))
				}
				if got := sse.Input("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"); got != tc.wantAlg[role] {
					t.Errorf("%s sseAlgorithm: got %v, want %s", role, got, tc.wantAlg[role])
				}
				wantKey, wantBucketKey := any(nil), any(nil)
				if tc.wantAlg[role] == "aws:kms" {
					wantKey, wantBucketKey = kmsKey, true
				}
				if got := sse.Input("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"); got != wantKey {
					t.Errorf("%s kmsMasterKeyId: got %v, want %v", role, got, wantKey)
				}
				if got := sse.Input("rules.0.bucketKeyEnabled"); got != wantBucketKey {
					t.Errorf("%s bucketKeyEnabled: got %v, want %v", role, got, wantBucketKey)
				}
			}
		})
	}
}

// TestStorageBucketPolicies protects S3-2 (every bucket denies non-TLS
// requests) and the log bucket's grant: exactly the Region's load balancer
// writer, PutObject only, under the prefix's AWSLogs/<account>/ only. The
// policies are parsed back and compared statement by statement.
func TestStorageBucketPolicies(t *testing.T) {
	cases := []struct {
		region    string
		args      components.StorageArgs
		principal map[string][]string
		prefix    string
	}{
		{"us-east-1", all, map[string][]string{"AWS": {"arn:aws:iam::127311923021:root"}}, "alb"},
		{"eu-west-1", all, map[string][]string{"AWS": {"arn:aws:iam::156460612806:root"}}, "alb"},
		{"ap-southeast-2", all, map[string][]string{"AWS": {"arn:aws:iam::783225319266:root"}}, "alb"},
		// Regions launched after August 2022 have no ELB account.
		{"ap-southeast-5", all, map[string][]string{"Service": {"logdelivery.elasticloadbalancing.amazonaws.com"}}, "alb"},
		{"mx-central-1", all, map[string][]string{"Service": {"logdelivery.elasticloadbalancing.amazonaws.com"}}, "alb"},
		{"il-central-1", components.StorageArgs{AccessLogPrefix: "lb/prod"},
			map[string][]string{"Service": {"logdelivery.elasticloadbalancing.amazonaws.com"}}, "lb/prod"},
	}
	for _, tc := range cases {
		t.Run(tc.region, func(t *testing.T) {
			res := runIn(t, tc.region, tc.args)
			if got := len(res.ByType(policyType)); got != 2 {
				t.Errorf("bucket policies: got %d, want one per bucket (2)", got)
			}
			for role, logical := range roles {
				b := res.Named(logical)
				arn := b.Output("arn").(string)
				pol := settingsOf(t, res, policyType, b)
				got := parsePolicy(t, pol.InputString("policy"))
				want := []statement{tlsDeny(arn)}
				if role == "logs" {
					want = append(want, statement{
						Sid: "ELBAccessLogsWrite", Effect: "Allow",
						Principal: tc.principal,
						Action:    []string{"s3:PutObject"},
						Resource:  []string{arn + "/" + tc.prefix + "/AWSLogs/" + offline.Account + "/*"},
					}, statement{
						// The media bucket's server access logs (S3-5), on with the log bucket.
						Sid: "S3ServerAccessLogsWrite", Effect: "Allow",
						Principal: map[string][]string{"Service": {"logging.s3.amazonaws.com"}},
						Action:    []string{"s3:PutObject"},
						Resource:  []string{arn + "/" + components.MediaAccessLogPrefix + "*"},
						Condition: map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {offline.Account}}},
					})
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s bucket policy:\n got %+v\nwant %+v", role, got, want)
				}
				if !slices.Contains(pol.Dependencies, settingsOf(t, res, pabType, b).URN) {
					t.Errorf("%s bucket policy dependencies: got %v, want the public access block", role, pol.Dependencies)
				}
			}
			if got := res.Exports["logPrefix"]; got != tc.prefix {
				t.Errorf("logPrefix output: got %v, want %q", got, tc.prefix)
			}
		})
	}
}

// TestELBLogAccountMap protects the Region table: the Regions launched
// before August 2022 map to their ELB accounts, newer ones to none.
func TestELBLogAccountMap(t *testing.T) {
	cases := map[string]string{
		"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
		"us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
		"ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
		"ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
		"ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
		"eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
		"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
		"sa-east-1": "507241528517", "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
		// Launched August 2022 or later.
		"eu-central-2": "", "eu-south-2": "", "me-central-1": "", "ap-south-2": "", "ap-southeast-4": "",
		"il-central-1": "", "ca-west-1": "", "ap-southeast-5": "", "mx-central-1": "", "ap-southeast-7": "",
	}
	for region, want := range cases {
		got, ok := components.ELBLogAccount(region)
		if got != want || ok != (want != "") {
			t.Errorf("ELBLogAccount(%s): got %q, %v, want %q, %v", region, got, ok, want, want != "")
		}
	}
}

// TestStorageMediaPolicyJSON protects IAM-1 for media: list the media
// bucket, read/write/delete its objects, nothing else; no wildcards; with a
// KMS key, use only that key.
func TestStorageMediaPolicyJSON(t *testing.T) {
	for _, withKey := range []bool{false, true} {
		args := components.StorageArgs{}
		if withKey {
			args.KMSKeyArn = pulumi.String(kmsKey)
		}
		res := run(t, args)
		arn := res.Named(roles["media"]).Output("arn").(string)
		doc, _ := res.Exports["mediaPolicyJson"].(string)
		got := parsePolicy(t, doc)
		want := []statement{
			{Sid: "ListMediaBucket", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{arn}},
			{Sid: "ReadWriteMediaObjects", Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: []string{arn + "/*"}},
		}
		if withKey {
			want = append(want, statement{Sid: "UseMediaKey", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: []string{kmsKey}})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("media policy (key %v):\n got %+v\nwant %+v", withKey, got, want)
		}
		for _, s := range got {
			for _, a := range s.Action {
				if strings.Contains(a, "*") {
					t.Errorf("media policy action: got %q, want no wildcard", a)
				}
			}
			for _, r := range s.Resource {
				if r == "*" || !(strings.HasPrefix(r, arn) || r == kmsKey) {
					t.Errorf("media policy resource: got %q, want the media bucket or its key only", r)
				}
			}
		}
	}
}

// TestStorageVersioningAndLifecycle protects S3-4 (media versioned,
// noncurrent versions expire), the log
// bucket's expiry, and incomplete uploads aborted everywhere.
func TestStorageVersioningAndLifecycle(t *testing.T) {
	cases := []struct {
		name                     string
		args                     components.StorageArgs
		noncurrentDays, logsDays float64
	}{
		{"defaults", all, 30, 365},
		{"custom", components.StorageArgs{NoncurrentVersionDays: 7, AccessLogRetentionDays: 30}, 7, 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			if got := len(res.ByType(versioningType)); got != 1 {
				t.Errorf("versioning configurations: got %d, want 1 (media, not logs)", got)
			}
			for role, logical := range roles {
				b := res.Named(logical)
				rules := map[string]map[string]any{}
				lc := settingsOf(t, res, lifecycleType, b)
				for _, r := range lc.Input("rules").([]any) {
					m := r.(map[string]any)
					if m["status"] != "Enabled" {
						t.Errorf("%s lifecycle rule %v status: got %v, want Enabled", role, m["id"], m["status"])
					}
					if m["filter"] == nil {
						t.Errorf("%s lifecycle rule %v filter: got none, want an explicit (all objects) filter", role, m["id"])
					}
					rules[m["id"].(string)] = m
				}
				abort := offline.Lookup(rules["abort-incomplete-uploads"], "abortIncompleteMultipartUpload.daysAfterInitiation")
				if abort != 7.0 {
					t.Errorf("%s abort incomplete uploads: got %v, want 7 days", role, abort)
				}
				if role == "logs" {
					if got := offline.Lookup(rules["expire-objects"], "expiration.days"); got != tc.logsDays {
						t.Errorf("logs expiration: got %v, want %v", got, tc.logsDays)
					}
					if len(rules) != 2 {
						t.Errorf("logs lifecycle rules: got %d, want 2", len(rules))
					}
					continue
				}
				if got := settingsOf(t, res, versioningType, b).Input("versioningConfiguration.status"); got != "Enabled" {
					t.Errorf("%s versioning: got %v, want Enabled", role, got)
				}
				if got := offline.Lookup(rules["expire-noncurrent-versions"], "noncurrentVersionExpiration.noncurrentDays"); got != tc.noncurrentDays {
					t.Errorf("%s noncurrent expiry: got %v, want %v", role, got, tc.noncurrentDays)
				}
				if _, ok := rules["expire-objects"]; ok {
					t.Errorf("%s lifecycle: got an expiry of current objects, want none", role)
				}
			}
		})
	}
}

// TestStorageProtectOptions protects DATA-1: with Protect (the default) the
// media bucket is protected and retained on delete, and its settings are
// retained with it; without it (development) nothing is.
func TestStorageProtectOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args components.StorageArgs
		want bool
	}{
		{"default", all, true},
		{"explicit protect", components.StorageArgs{Protect: yes}, true},
		{"development", components.StorageArgs{Protect: no}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			media := res.Named(roles["media"])
			if media.Protect != tc.want || media.RetainOnDelete != tc.want {
				t.Errorf("media bucket protect, retainOnDelete: got %v, %v, want %v, %v", media.Protect, media.RetainOnDelete, tc.want, tc.want)
			}
			for _, r := range res.Resources {
				if !r.Custom || r == media {
					continue
				}
				isMedia := r.InputString("bucket") == media.ID
				if r.Protect {
					t.Errorf("%s protect: got true, want only the media bucket protected", r.Name)
				}
				if want := isMedia && tc.want; r.RetainOnDelete != want {
					t.Errorf("%s retainOnDelete: got %v, want %v", r.Name, r.RetainOnDelete, want)
				}
			}
		})
	}
}

// TestStorageCors protects the CORS rule: only the named origins, only
// GET/PUT/POST/HEAD, and no CORS configuration without origins.
func TestStorageCors(t *testing.T) {
	res := run(t, components.StorageArgs{})
	if got := len(res.ByType(corsType)); got != 0 {
		t.Errorf("CORS configurations without origins: got %d, want 0", got)
	}
	origins := []string{"https://app.example.com", "https://admin.example.com:8443"}
	res = run(t, components.StorageArgs{CorsOrigins: origins})
	cors := settingsOf(t, res, corsType, res.Named(roles["media"]))
	rules, _ := cors.Input("corsRules").([]any)
	if len(rules) != 1 {
		t.Fatalf("CORS rules: got %d, want 1", len(rules))
	}
	rule := rules[0].(map[string]any)
	if got := strs(rule["allowedOrigins"]); !reflect.DeepEqual(got, origins) {
		t.Errorf("allowedOrigins: got %v, want %v", got, origins)
	}
	if got, want := strs(rule["allowedMethods"]), []string{"GET", "PUT", "POST", "HEAD"}; !reflect.DeepEqual(got, want) {
		t.Errorf("allowedMethods: got %v, want %v", got, want)
	}
}

// TestStorageOptionalBucketsAndOutputs protects which buckets exist for each
// switch and that each output names its bucket ("" when absent).
func TestStorageOptionalBucketsAndOutputs(t *testing.T) {
	cases := []struct {
		name string
		args components.StorageArgs
		want []string
	}{
		{"defaults: media and logs", components.StorageArgs{}, []string{"media", "logs"}},
		{"no access logs", components.StorageArgs{AccessLogs: no}, []string{"media"}},
	}
	outputs := map[string][2]string{"media": {"mediaBucketName", "mediaBucketArn"},
		"logs": {"logBucketName", "logBucketArn"}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args)
			if got := len(res.ByType(bucketType)); got != len(tc.want) {
				t.Errorf("buckets: got %d, want %d", got, len(tc.want))
			}
			for role, keys := range outputs {
				wantName, wantArn := "", ""
				if slices.Contains(tc.want, role) {
					b := res.Named(roles[role])
					if b == nil {
						t.Fatalf("bucket %s: not registered", roles[role])
					}
					if b.Parent == res.StackURN() {
						t.Errorf("bucket %s parent: got the stack, want the component", b.Name)
					}
					wantName, wantArn = b.Output("bucket").(string), b.Output("arn").(string)
				}
				if got := res.Exports[keys[0]]; got != wantName {
					t.Errorf("%s: got %v, want %q", keys[0], got, wantName)
				}
				if got := res.Exports[keys[1]]; got != wantArn {
					t.Errorf("%s: got %v, want %q", keys[1], got, wantArn)
				}
			}
		})
	}
}

// TestStorageBucketNames protects explicit names and auto-naming.
func TestStorageBucketNames(t *testing.T) {
	res := run(t, components.StorageArgs{MediaBucketName: "acme-media-prod", LogBucketName: "acme-alb-logs-prod"})
	for logical, want := range map[string]string{roles["media"]: "acme-media-prod", roles["logs"]: "acme-alb-logs-prod"} {
		if got := res.Named(logical).InputString("bucket"); got != want {
			t.Errorf("%s bucket: got %q, want %q", logical, got, want)
		}
	}
	res = run(t, components.StorageArgs{})
	if got := res.Named(roles["media"]).InputString("bucket"); got != "" {
		t.Errorf("default media bucket input: got %q, want unset (auto-named)", got)
	}
}

// TestStorageValidation protects each refusal: the error names the
// component, the field and the reason, and nothing is registered.
func TestStorageValidation(t *testing.T) {
	cases := []struct {
		name     string
		args     components.StorageArgs
		compName string
		field    string
		message  string
	}{
		{name: "upper case and underscore", args: components.StorageArgs{MediaBucketName: "My_Bucket"}, field: "mediaBucketName", message: "is not a bucket name"},
		{name: "too short", args: components.StorageArgs{MediaBucketName: "ab"}, field: "mediaBucketName", message: "3 to 63"},
		{name: "too long", args: components.StorageArgs{MediaBucketName: strings.Repeat("a", 64)}, field: "mediaBucketName", message: "3 to 63"},
		{name: "leading hyphen", args: components.StorageArgs{MediaBucketName: "-media"}, field: "mediaBucketName", message: "is not a bucket name"},
		{name: "trailing hyphen", args: components.StorageArgs{MediaBucketName: "media-"}, field: "mediaBucketName", message: "is not a bucket name"},
		{name: "ip address", args: components.StorageArgs{MediaBucketName: "192.168.5.4"}, field: "mediaBucketName", message: "formatted as an IP address"},
		{name: "dots", args: components.StorageArgs{MediaBucketName: "media.example.com"}, field: "mediaBucketName", message: "contains a dot"},
		{name: "reserved prefix", args: components.StorageArgs{MediaBucketName: "xn--media"}, field: "mediaBucketName", message: "which S3 reserves"},
		{name: "reserved suffix", args: components.StorageArgs{MediaBucketName: "media-s3alias"}, field: "mediaBucketName", message: "which S3 reserves"},
		{name: "log name without logs", args: components.StorageArgs{AccessLogs: no, LogBucketName: "acme-logs"}, field: "logBucketName", message: "not enabled"},
		{name: "bad log name", args: components.StorageArgs{LogBucketName: "logs..x"}, field: "logBucketName", message: "contains a dot"},
		{name: "http origin", args: components.StorageArgs{CorsOrigins: []string{"http://app.example.com"}}, field: "corsOrigins", message: "is not an https origin"},
		{name: "origin without scheme", args: components.StorageArgs{CorsOrigins: []string{"app.example.com"}}, field: "corsOrigins", message: "is not an https origin"},
		{name: "origin with slash", args: components.StorageArgs{CorsOrigins: []string{"https://app.example.com/"}}, field: "corsOrigins", message: "is not a bare origin"},
		{name: "origin with path", args: components.StorageArgs{CorsOrigins: []string{"https://app.example.com/upload"}}, field: "corsOrigins", message: "is not a bare origin"},
		{name: "origin with query", args: components.StorageArgs{CorsOrigins: []string{"https://app.example.com?x=1"}}, field: "corsOrigins", message: "is not a bare origin"},
		{name: "origin with user", args: components.StorageArgs{CorsOrigins: []string{"https://u@app.example.com"}}, field: "corsOrigins", message: "is not a bare origin"},
		{name: "wildcard origin", args: components.StorageArgs{CorsOrigins: []string{"https://*.example.com"}}, field: "corsOrigins", message: "wildcard"},
		{name: "star origin", args: components.StorageArgs{CorsOrigins: []string{"*"}}, field: "corsOrigins", message: "is not an https origin"},
		{name: "upper case origin", args: components.StorageArgs{CorsOrigins: []string{"https://App.example.com"}}, field: "corsOrigins", message: "upper case"},
		{name: "one bad origin of two", args: components.StorageArgs{CorsOrigins: []string{"https://ok.example.com", "https://bad.example.com/x"}}, field: "corsOrigins", message: "bad.example.com/x"},
		{name: "negative noncurrent days", args: components.StorageArgs{NoncurrentVersionDays: -1}, field: "noncurrentVersionDays", message: "at least 1"},
		{name: "negative log retention", args: components.StorageArgs{AccessLogRetentionDays: -5}, field: "accessLogRetentionDays", message: "at least 1"},
		{name: "prefix with AWSLogs", args: components.StorageArgs{AccessLogPrefix: "lb/AWSLogs"}, field: "accessLogPrefix", message: "contains AWSLogs"},
		{name: "prefix with leading slash", args: components.StorageArgs{AccessLogPrefix: "/alb"}, field: "accessLogPrefix", message: "is not a key prefix"},
		{name: "prefix with trailing slash", args: components.StorageArgs{AccessLogPrefix: "alb/"}, field: "accessLogPrefix", message: "is not a key prefix"},
		{name: "force destroy while protected", args: components.StorageArgs{ForceDestroy: true}, field: "forceDestroy", message: "cannot be combined with protect"},
		{name: "component name too long to auto-name", args: components.StorageArgs{}, compName: strings.Repeat("a", 50), field: "name", message: "too long"},
		{name: "component name with underscore", args: components.StorageArgs{}, compName: "my_site", field: "name", message: "cannot auto-name the media bucket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			comp := tc.compName
			if comp == "" {
				comp = name
			}
			res, err := testutil.RunErr(program(comp, tc.args))
			testutil.AssertRefused(t, res, err, "Storage", comp, tc.field, tc.message)
			if tc.compName == "" {
				var fe *components.FieldError
				if err := tc.args.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
					t.Errorf("Validate(): got %v, want a *FieldError for %s", err, tc.field)
				}
			}
		})
	}
}

// TestStorageDevelopmentVariant protects the cheap, disposable variant: no
// protect, buckets emptied on delete, no access-log bucket, yet every
// security setting still in place.
func TestStorageDevelopmentVariant(t *testing.T) {
	res := run(t, components.StorageArgs{Protect: no, ForceDestroy: true, AccessLogs: no})
	media := testutil.One(t, res, bucketType)
	if media.Protect || media.RetainOnDelete {
		t.Errorf("media protect, retainOnDelete: got %v, %v, want false, false", media.Protect, media.RetainOnDelete)
	}
	if got := media.Input("forceDestroy"); got != true {
		t.Errorf("media forceDestroy: got %v, want true", got)
	}
	for _, typ := range []string{pabType, ownershipType, sseType, versioningType, lifecycleType, policyType} {
		testutil.One(t, res, typ)
	}
}
