package components

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Storage defaults.
const (
	DefaultNoncurrentVersionDays  = 30
	DefaultAccessLogPrefix        = "alb"
	DefaultAccessLogRetentionDays = 365
	// abortMultipartDays is when incomplete multipart uploads are removed.
	abortMultipartDays = 7
	// ELBLogDeliveryService is the service principal that writes load
	// balancer access logs in Regions launched in August 2022 or later.
	ELBLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"
)

// StorageArgs configure a Storage. The zero value is the production layout:
// a protected, versioned media bucket and an ALB access-log bucket.
type StorageArgs struct {
	// MediaBucketName names the media bucket. Default: auto-named
	// "<name>-media-<7 hex>". Must follow the S3 naming rules, without dots.
	// Changing it replaces the bucket (a protected bucket refuses).
	MediaBucketName string `pulumi:"mediaBucketName,optional"`
	// KMSKeyArn encrypts the media bucket with this KMS key
	// (SSE-KMS with an S3 bucket key) instead of S3-managed keys. The task
	// role's MediaPolicyJSON then includes kms:Decrypt and
	// kms:GenerateDataKey on it. Default: SSE-S3 (AES256), no key to manage.
	KMSKeyArn pulumi.StringInput `pulumi:"kmsKeyArn,optional"`
	// CorsOrigins lets browsers on these https origins (no path) GET, PUT,
	// POST and HEAD media objects directly, as presigned uploads need.
	// Default none: no CORS configuration.
	CorsOrigins []string `pulumi:"corsOrigins,optional"`
	// NoncurrentVersionDays is how long overwritten or deleted media versions
	// are kept before they expire. Default 30. Longer keeps more undo history
	// and costs more storage.
	NoncurrentVersionDays int `pulumi:"noncurrentVersionDays,optional"`

	// AccessLogs adds a bucket the load balancer writes its access logs to.
	// Default true.
	AccessLogs *bool `pulumi:"accessLogs,optional"`
	// LogBucketName names the log bucket. Default: auto-named.
	LogBucketName string `pulumi:"logBucketName,optional"`
	// AccessLogPrefix is the key prefix the load balancer writes under; pass
	// LogPrefix to the load balancer's access_logs.s3.prefix. Default "alb".
	// Must not contain "AWSLogs", which ELB appends itself.
	AccessLogPrefix string `pulumi:"accessLogPrefix,optional"`
	// AccessLogRetentionDays is when access log objects expire. Default 365.
	AccessLogRetentionDays int `pulumi:"accessLogRetentionDays,optional"`
	// MediaAccessLogs turns on S3 server access logging for the media
	// bucket, into the log bucket under "s3/media/": who read, wrote or
	// deleted which object (CONTROLS.md S3-5). Default: on with AccessLogs;
	// it needs AccessLogs.
	MediaAccessLogs *bool `pulumi:"mediaAccessLogs,optional"`

	// Protect sets Pulumi's protect and retainOnDelete options on the media
	// bucket (and retainOnDelete on its settings, so a retained bucket keeps
	// its public access block, encryption and TLS-only policy). Default true.
	Protect *bool `pulumi:"protect,optional"`
	// ForceDestroy lets Pulumi delete buckets that still hold objects.
	// Default false. Danger: deleting the stack then deletes every media
	// object and version. Not allowed together with Protect.
	ForceDestroy bool `pulumi:"forceDestroy,optional"`
	// Tags are added to every bucket.
	Tags map[string]string `pulumi:"tags,optional"`
}

// Storage holds the app's S3 buckets: media (user uploads) and the load
// balancer's access logs. Static files need no bucket: the image serves
// them with WhiteNoise. Every bucket blocks all
// public access, disables ACLs (BucketOwnerEnforced), encrypts by default,
// refuses requests that are not TLS, and expires what it no longer needs.
type Storage struct {
	pulumi.ResourceState

	// MediaBucketName is the media bucket's name (AWS_STORAGE_BUCKET_NAME).
	MediaBucketName pulumi.StringOutput `pulumi:"mediaBucketName"`
	// MediaBucketArn is the media bucket's ARN.
	MediaBucketArn pulumi.StringOutput `pulumi:"mediaBucketArn"`
	// LogBucketName is "" without access logs.
	LogBucketName pulumi.StringOutput `pulumi:"logBucketName"`
	// LogBucketArn is "" without access logs.
	LogBucketArn pulumi.StringOutput `pulumi:"logBucketArn"`
	// LogPrefix is the prefix the log bucket's policy lets the load
	// balancer write under; "" without access logs.
	LogPrefix pulumi.StringOutput `pulumi:"logPrefix"`
	// MediaPolicyJSON is an IAM policy granting read and write on the media
	// bucket's objects and listing of that bucket, nothing else: attach it
	// to the task role.
	MediaPolicyJSON pulumi.StringOutput `pulumi:"mediaPolicyJson"`

	// Media is the media bucket and its settings.
	Media *StorageBucket
	// Logs is nil without access logs.
	Logs *StorageBucket
	// MediaLogging sends the media bucket's server access logs to Logs; nil
	// without MediaAccessLogs.
	MediaLogging *s3.BucketLoggingV2
}

// StorageBucket is one bucket and the resources that configure it.
type StorageBucket struct {
	// Bucket is the S3 bucket.
	Bucket *s3.BucketV2
	// PublicAccessBlock turns on all four public access blocks.
	PublicAccessBlock *s3.BucketPublicAccessBlock
	// OwnershipControls is BucketOwnerEnforced: ACLs are off.
	OwnershipControls *s3.BucketOwnershipControls
	// Encryption is the default encryption: SSE-S3, or SSE-KMS with KMSKeyArn
	// (never on the log bucket, which ALB access logs need on SSE-S3).
	Encryption *s3.BucketServerSideEncryptionConfigurationV2
	// Versioning is nil on the log bucket.
	Versioning *s3.BucketVersioningV2
	// Lifecycle aborts stale multipart uploads and expires what the bucket
	// no longer needs (old media versions, old access logs).
	Lifecycle *s3.BucketLifecycleConfigurationV2
	// Policy denies requests without TLS (and, on the log bucket, lets the
	// load balancer write its logs).
	Policy *s3.BucketPolicy
	// Cors is nil unless CORS origins are given (media bucket only).
	Cors *s3.BucketCorsConfigurationV2
}

// elbLogAccounts maps each Region launched before August 2022 to the
// Elastic Load Balancing account that writes access logs there (AWS docs,
// "Enable access logs for your Application Load Balancer", step 2). Newer
// Regions use the ELBLogDeliveryService principal instead.
var elbLogAccounts = map[string]string{
	"us-east-1":      "127311923021",
	"us-east-2":      "033677994240",
	"us-west-1":      "027434742980",
	"us-west-2":      "797873946194",
	"af-south-1":     "098369216593",
	"ap-east-1":      "754344448648",
	"ap-southeast-3": "589379963580",
	"ap-south-1":     "718504428378",
	"ap-northeast-3": "383597477331",
	"ap-northeast-2": "600734575887",
	"ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266",
	"ap-northeast-1": "582318560864",
	"ca-central-1":   "985666609251",
	"eu-central-1":   "054676820928",
	"eu-west-1":      "156460612806",
	"eu-west-2":      "652711504416",
	"eu-south-1":     "635631232127",
	"eu-west-3":      "009996457667",
	"eu-north-1":     "897822967062",
	"me-south-1":     "076674570225",
	"sa-east-1":      "507241528517",
	"us-gov-west-1":  "048591011584",
	"us-gov-east-1":  "190560391635",
	"cn-north-1":     "638102146993",
	"cn-northwest-1": "037604701340",
}

// ELBLogAccount returns the Elastic Load Balancing account that writes
// access logs in region, and false for Regions launched in August 2022 or
// later, where the ELBLogDeliveryService principal writes them.
func ELBLogAccount(region string) (string, bool) {
	id, ok := elbLogAccounts[region]
	return id, ok
}

var (
	// bucketNameRe is the character rule for general purpose bucket names
	// (names.json s3_bucket_name); length is checked separately.
	bucketNameRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$`)
	// logPrefixRe allows S3's safe key characters in "/"-separated parts.
	logPrefixRe = regexp.MustCompile(`^[A-Za-z0-9!_.*'()-]+(?:/[A-Za-z0-9!_.*'()-]+)*$`)
)

var (
	bucketReservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	bucketReservedSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// autoSuffixLen is the length of the "-<7 hex>" Pulumi appends to auto-names.
const autoSuffixLen = 8

// ValidateBucketName returns an error unless name is a valid general purpose
// S3 bucket name. Dots, which S3 allows, are refused: a dotted name breaks
// TLS certificate checks for virtual-hosted-style HTTPS, and these buckets
// accept TLS only.
func ValidateBucketName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("%q has %d characters; a bucket name has 3 to 63", name, len(name))
	}
	if !bucketNameRe.MatchString(name) {
		return fmt.Errorf("%q is not a bucket name: use lowercase letters, digits and hyphens, starting and ending with a letter or digit", name)
	}
	if addr, err := netip.ParseAddr(name); err == nil && addr.Is4() {
		return fmt.Errorf("%q is formatted as an IP address, which S3 refuses", name)
	}
	if strings.Contains(name, ".") {
		return fmt.Errorf("%q contains a dot: virtual-hosted HTTPS to a dotted bucket fails certificate checks; use hyphens", name)
	}
	for _, p := range bucketReservedPrefixes {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("%q starts with %q, which S3 reserves", name, p)
		}
	}
	for _, s := range bucketReservedSuffixes {
		if strings.HasSuffix(name, s) {
			return fmt.Errorf("%q ends with %q, which S3 reserves", name, s)
		}
	}
	return nil
}

// ValidateCorsOrigin returns an error unless origin is an https origin with
// no path, query, wildcard or user info, such as "https://app.example.com".
func ValidateCorsOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%q is not an https origin such as \"https://app.example.com\"", origin)
	}
	if strings.Contains(origin, "*") {
		return fmt.Errorf("%q has a wildcard; name each origin", origin)
	}
	if origin != "https://"+u.Host {
		return fmt.Errorf("%q is not a bare origin: drop the path, query, fragment or user info (a browser's Origin header is scheme://host[:port])", origin)
	}
	if origin != strings.ToLower(origin) {
		return fmt.Errorf("%q has upper case; browsers send origins in lower case and S3 matches them exactly", origin)
	}
	return nil
}

// Validate returns a *FieldError for the first invalid argument.
func (a StorageArgs) Validate() error {
	_, err := a.defaults("")
	return err
}

// ValidateNamed is Validate for an instance named name: it also checks the
// names NewStorage derives from name for its children (the AWS name limits
// after Pulumi's auto-name suffix), so a program that names its components
// alike can check every name before it registers anything.
func (a StorageArgs) ValidateNamed(name string) error {
	_, err := a.defaults(name)
	return err
}

// defaults validates args and returns a copy with every default filled in.
// name is the component's name, the base of auto-named buckets; Validate
// passes "" to check the arguments alone.
func (a StorageArgs) defaults(name string) (StorageArgs, error) {
	const c = "Storage"
	a.AccessLogs = pulumi.BoolRef(boolOr(a.AccessLogs, true))
	if a.MediaAccessLogs != nil && *a.MediaAccessLogs && !*a.AccessLogs {
		return a, argError(c, name, "mediaAccessLogs", "needs accessLogs: the media bucket's server access logs go to the log bucket")
	}
	a.MediaAccessLogs = pulumi.BoolRef(boolOr(a.MediaAccessLogs, *a.AccessLogs))
	a.Protect = pulumi.BoolRef(boolOr(a.Protect, true))
	buckets := []struct {
		field, role, name string
		used              bool
	}{
		{"mediaBucketName", "media", a.MediaBucketName, true},
		{"logBucketName", "logs", a.LogBucketName, *a.AccessLogs},
	}
	for _, b := range buckets {
		if b.name != "" {
			if !b.used {
				return a, argError(c, name, b.field, "is set but its bucket is not enabled")
			}
			if err := ValidateBucketName(b.name); err != nil {
				return a, argError(c, name, b.field, "%v", err)
			}
			continue
		}
		if b.used && name != "" {
			base := strings.ToLower(child(name, b.role))
			if len(base)+autoSuffixLen > 63 {
				return a, argError(c, name, "name", "the auto-named %s bucket %q is too long: its name plus Pulumi's 8-character suffix exceeds 63; shorten the name or set %s", b.role, base, b.field)
			}
			if err := ValidateBucketName(base + "-0000000"); err != nil {
				return a, argError(c, name, "name", "cannot auto-name the %s bucket: %v; rename the component or set %s", b.role, err, b.field)
			}
		}
	}
	for _, o := range a.CorsOrigins {
		if err := ValidateCorsOrigin(o); err != nil {
			return a, argError(c, name, "corsOrigins", "%v", err)
		}
	}
	if a.NoncurrentVersionDays == 0 {
		a.NoncurrentVersionDays = DefaultNoncurrentVersionDays
	}
	if a.NoncurrentVersionDays < 1 {
		return a, argError(c, name, "noncurrentVersionDays", "%d must be at least 1", a.NoncurrentVersionDays)
	}
	if a.AccessLogPrefix == "" {
		a.AccessLogPrefix = DefaultAccessLogPrefix
	}
	if len(a.AccessLogPrefix) > 200 || !logPrefixRe.MatchString(a.AccessLogPrefix) {
		return a, argError(c, name, "accessLogPrefix", "%q is not a key prefix: use letters, digits and !_.*'()- in parts separated by single slashes, no leading or trailing slash", a.AccessLogPrefix)
	}
	if strings.Contains(strings.ToLower(a.AccessLogPrefix), "awslogs") {
		return a, argError(c, name, "accessLogPrefix", "%q contains AWSLogs, which the load balancer refuses (it appends AWSLogs itself)", a.AccessLogPrefix)
	}
	if a.AccessLogRetentionDays == 0 {
		a.AccessLogRetentionDays = DefaultAccessLogRetentionDays
	}
	if a.AccessLogRetentionDays < 1 {
		return a, argError(c, name, "accessLogRetentionDays", "%d must be at least 1", a.AccessLogRetentionDays)
	}
	if a.ForceDestroy && *a.Protect {
		return a, argError(c, name, "forceDestroy", "deletes every object with its bucket and cannot be combined with protect; set protect to false first")
	}
	return a, nil
}

// bucketSpec says how newBucket builds one bucket.
type bucketSpec struct {
	role, name string
	kmsKeyArn  pulumi.StringInput
	// versioned buckets keep noncurrent versions for noncurrentDays.
	versioned      bool
	noncurrentDays int
	// expireDays, when positive, expires current objects.
	expireDays int
	// allow returns the bucket policy's Allow statements for the bucket ARN.
	allow   func(bucketArn string) []Statement
	cors    []string
	protect bool
}

// NewStorage creates a Storage.
func NewStorage(ctx *pulumi.Context, name string, args *StorageArgs, opts ...pulumi.ResourceOption) (*Storage, error) {
	if args == nil {
		args = &StorageArgs{}
	}
	a, err := args.defaults(name)
	if err != nil {
		return nil, err
	}
	s := &Storage{}
	if err := ctx.RegisterComponentResource(typePrefix+"Storage", name, s, opts...); err != nil {
		return nil, err
	}
	tags := pulumi.ToStringMap(a.Tags)

	s.Media, err = s.newBucket(ctx, name, a, tags, bucketSpec{
		role: "media", name: a.MediaBucketName, kmsKeyArn: a.KMSKeyArn,
		versioned: true, noncurrentDays: a.NoncurrentVersionDays,
		cors: a.CorsOrigins, protect: *a.Protect,
	})
	if err != nil {
		return nil, err
	}
	s.MediaBucketName = s.Media.Bucket.Bucket
	s.MediaBucketArn = s.Media.Bucket.Arn
	s.MediaPolicyJSON = mediaPolicy(s.MediaBucketArn, a.KMSKeyArn)

	empty := pulumi.String("").ToStringOutput()
	s.LogBucketName, s.LogBucketArn, s.LogPrefix = empty, empty, empty
	if *a.AccessLogs {
		allow, err := elbLogWrite(ctx, s, a.AccessLogPrefix)
		if err != nil {
			return nil, err
		}
		if *a.MediaAccessLogs {
			if allow, err = withS3LogWrite(ctx, s, allow); err != nil {
				return nil, err
			}
		}
		// ALB access logs support SSE-S3 only, so no KMS key here.
		s.Logs, err = s.newBucket(ctx, name, a, tags, bucketSpec{
			role: "logs", name: a.LogBucketName,
			expireDays: a.AccessLogRetentionDays, allow: allow,
		})
		if err != nil {
			return nil, err
		}
		// The name resolves only once the bucket policy is in place, so a
		// load balancer given it waits for the policy: one that switches
		// logging on before the load balancer may write fails with Access Denied.
		s.LogBucketName = pulumi.All(s.Logs.Bucket.Bucket, s.Logs.Policy.ID()).ApplyT(
			func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
		s.LogBucketArn = s.Logs.Bucket.Arn
		s.LogPrefix = pulumi.String(a.AccessLogPrefix).ToStringOutput()
		if *a.MediaAccessLogs {
			// Out of line, as pulumi-aws v6 recommends over the bucket's
			// deprecated inline logging block; after the log bucket's policy,
			// so S3 may deliver from the first request.
			s.MediaLogging, err = s3.NewBucketLoggingV2(ctx, child(name, "media-logging"), &s3.BucketLoggingV2Args{
				Bucket:       s.Media.Bucket.ID(),
				TargetBucket: s.Logs.Bucket.ID(),
				TargetPrefix: pulumi.String(MediaAccessLogPrefix),
			}, pulumi.Parent(s), pulumi.DependsOn([]pulumi.Resource{s.Logs.Policy}),
				// A retained media bucket keeps its audit trail, like its other settings.
				pulumi.RetainOnDelete(*a.Protect))
			if err != nil {
				return nil, err
			}
		}
	}

	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"mediaBucketName": s.MediaBucketName,
		"mediaBucketArn":  s.MediaBucketArn,
		"logBucketName":   s.LogBucketName,
		"logBucketArn":    s.LogBucketArn,
		"logPrefix":       s.LogPrefix,
		"mediaPolicyJson": s.MediaPolicyJSON,
	})
}
