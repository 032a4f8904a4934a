package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MediaAccessLogPrefix is where the media bucket's server access logs go in
// the log bucket.
const MediaAccessLogPrefix = "s3/media/"

// withS3LogWrite adds to allow the statement that lets S3's log delivery
// service write the media bucket's server access logs, for this account's
// buckets only, under MediaAccessLogPrefix
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
func withS3LogWrite(ctx *pulumi.Context, s *Storage, allow func(string) []Statement) (func(string) []Statement, error) {
	caller, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(s))
	if err != nil {
		return nil, err
	}
	return func(bucketArn string) []Statement {
		return append(allow(bucketArn), Statement{
			Sid:       "S3ServerAccessLogsWrite",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketArn + "/" + MediaAccessLogPrefix + "*"},
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": caller.AccountId}},
		})
	}, nil
}

// elbLogWrite returns the log bucket's Allow statement: the load balancer may
// put objects under <prefix>/AWSLogs/<this account>/ and nowhere else. In a
// Region launched before August 2022 the writer is the Region's ELB account;
// in newer Regions it is the log delivery service principal. The principal
// is chosen per Region, not both, so the policy grants no more than needed.
func elbLogWrite(ctx *pulumi.Context, s *Storage, prefix string) (func(string) []Statement, error) {
	parent := pulumi.Parent(s)
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	partition, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	principal := map[string]any{"Service": ELBLogDeliveryService}
	if account, ok := ELBLogAccount(region.Name); ok {
		principal = map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition.Partition, account)}
	}
	return func(bucketArn string) []Statement {
		return []Statement{{
			Sid:       "ELBAccessLogsWrite",
			Effect:    "Allow",
			Principal: principal,
			Action:    []string{"s3:PutObject"},
			Resource:  []string{fmt.Sprintf("%s/%s/AWSLogs/%s/*", bucketArn, prefix, caller.AccountId)},
		}}
	}, nil
}

// tlsOnly denies every request to the bucket that does not use TLS.
func tlsOnly(bucketArn string) Statement {
	return Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]any{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{bucketArn, bucketArn + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}

// mediaPolicy is the task role's access to the media bucket: list it, and
// get, put and delete its objects; with a KMS key, use that key for them.
func mediaPolicy(bucketArn pulumi.StringOutput, kmsKeyArn pulumi.StringInput) pulumi.StringOutput {
	inputs := []pulumi.StringInput{bucketArn}
	if kmsKeyArn != nil {
		inputs = append(inputs, kmsKeyArn)
	}
	return policyOutput(func(v []string) PolicyDocument {
		doc := PolicyDocument{Version: policyVersion, Statement: []Statement{
			{Sid: "ListMediaBucket", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{v[0]}},
			{Sid: "ReadWriteMediaObjects", Effect: "Allow",
				Action:   []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
				Resource: []string{v[0] + "/*"}},
		}}
		if len(v) > 1 {
			doc.Statement = append(doc.Statement, Statement{Sid: "UseMediaKey", Effect: "Allow",
				Action: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: []string{v[1]}})
		}
		return doc
	}, inputs...)
}

// newBucket creates a bucket with its public access block, ownership
// controls, default encryption, versioning, lifecycle, TLS-only policy and,
// when asked, CORS.
func (s *Storage) newBucket(ctx *pulumi.Context, name string, a StorageArgs, tags pulumi.StringMap, spec bucketSpec) (*StorageBucket, error) {
	n := func(suffix string) string { return child(name, spec.role+suffix) }
	opts := []pulumi.ResourceOption{pulumi.Parent(s)}
	if spec.protect {
		// A retained bucket keeps its settings: deleting them from a bucket
		// that outlives the stack would leave it unprotected.
		opts = append(opts, pulumi.RetainOnDelete(true))
	}
	with := func(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return append(append([]pulumi.ResourceOption{}, opts...), more...)
	}
	b := &StorageBucket{}
	bucketArgs := &s3.BucketV2Args{ForceDestroy: pulumi.Bool(a.ForceDestroy), Tags: tags}
	if spec.name != "" {
		bucketArgs.Bucket = pulumi.String(spec.name)
	}
	bucketOpts := opts
	if spec.protect {
		bucketOpts = with(pulumi.Protect(true))
	}
	var err error
	if b.Bucket, err = s3.NewBucketV2(ctx, n(""), bucketArgs, bucketOpts...); err != nil {
		return nil, err
	}
	id := b.Bucket.ID().ToStringOutput()

	if b.PublicAccessBlock, err = s3.NewBucketPublicAccessBlock(ctx, n("-public-access"), &s3.BucketPublicAccessBlockArgs{
		Bucket:                id,
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...); err != nil {
		return nil, err
	}
	if b.OwnershipControls, err = s3.NewBucketOwnershipControls(ctx, n("-ownership"), &s3.BucketOwnershipControlsArgs{
		Bucket: id,
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...); err != nil {
		return nil, err
	}
	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
		SseAlgorithm: pulumi.String("AES256"),
	}
	rule := s3.BucketServerSideEncryptionConfigurationV2RuleArgs{ApplyServerSideEncryptionByDefault: sse}
	if spec.kmsKeyArn != nil {
		sse.SseAlgorithm = pulumi.String("aws:kms")
		sse.KmsMasterKeyId = spec.kmsKeyArn.ToStringOutput().ToStringPtrOutput()
		rule.BucketKeyEnabled = pulumi.Bool(true) // far fewer KMS requests, and their cost
	}
	if b.Encryption, err = s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n("-encryption"), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{rule},
	}, opts...); err != nil {
		return nil, err
	}

	lifecycleOpts := opts
	rules := s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("abort-incomplete-uploads"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(abortMultipartDays),
		},
	}}
	if spec.versioned {
		if b.Versioning, err = s3.NewBucketVersioningV2(ctx, n("-versioning"), &s3.BucketVersioningV2Args{
			Bucket:                  id,
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
		}, opts...); err != nil {
			return nil, err
		}
		lifecycleOpts = with(pulumi.DependsOn([]pulumi.Resource{b.Versioning}))
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-noncurrent-versions"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(spec.noncurrentDays),
			},
			// Delete markers with no versions left behind them are removed too.
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
		})
	}
	if spec.expireDays > 0 {
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-objects"),
			Status:     pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(spec.expireDays)},
		})
	}
	if b.Lifecycle, err = s3.NewBucketLifecycleConfigurationV2(ctx, n("-lifecycle"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules:  rules,
	}, lifecycleOpts...); err != nil {
		return nil, err
	}

	// The policy waits for the public access block, so S3 never judges it
	// against a bucket that is still being configured.
	if b.Policy, err = s3.NewBucketPolicy(ctx, n("-policy"), &s3.BucketPolicyArgs{
		Bucket: id,
		Policy: policyOutput(func(v []string) PolicyDocument {
			st := []Statement{tlsOnly(v[0])}
			if spec.allow != nil {
				st = append(st, spec.allow(v[0])...)
			}
			return PolicyDocument{Version: policyVersion, Statement: st}
		}, b.Bucket.Arn),
	}, with(pulumi.DependsOn([]pulumi.Resource{b.PublicAccessBlock, b.OwnershipControls}))...); err != nil {
		return nil, err
	}

	if len(spec.cors) > 0 {
		if b.Cors, err = s3.NewBucketCorsConfigurationV2(ctx, n("-cors"), &s3.BucketCorsConfigurationV2Args{
			Bucket: id,
			CorsRules: s3.BucketCorsConfigurationV2CorsRuleArray{s3.BucketCorsConfigurationV2CorsRuleArgs{
				AllowedMethods: pulumi.ToStringArray([]string{"GET", "PUT", "POST", "HEAD"}),
				AllowedOrigins: pulumi.ToStringArray(spec.cors),
				AllowedHeaders: pulumi.StringArray{pulumi.String("*")},
				ExposeHeaders:  pulumi.StringArray{pulumi.String("ETag")},
				MaxAgeSeconds:  pulumi.Int(3000),
			}},
		}, opts...); err != nil {
			return nil, err
		}
	}
	return b, nil
}
