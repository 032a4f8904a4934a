package policy

import (
	"fmt"
	"strings"
)

// Type tokens the controls read.
const (
	tVpcX          = "awsx:ec2:Vpc"
	tVpc           = "aws:ec2/vpc:Vpc"
	tSubnet        = "aws:ec2/subnet:Subnet"
	tFlowLog       = "aws:ec2/flowLog:FlowLog"
	tLogGroup      = "aws:cloudwatch/logGroup:LogGroup"
	tDefaultSG     = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tSG            = "aws:ec2/securityGroup:SecurityGroup"
	tIngress       = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgress        = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tSGRule        = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tEndpoint      = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tService       = "aws:ecs/service:Service"
	tTaskDef       = "aws:ecs/taskDefinition:TaskDefinition"
	tCluster       = "aws:ecs/cluster:Cluster"
	tScalingTarget = "aws:appautoscaling/target:Target"
	tScalingPolicy = "aws:appautoscaling/policy:Policy"
	tRepo          = "aws:ecr/repository:Repository"
	tRepoLifecycle = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	tDockerImage   = "docker:index/image:Image"
	tDB            = "aws:rds/instance:Instance"
	tSubnetGroup   = "aws:rds/subnetGroup:SubnetGroup"
	tParamGroup    = "aws:rds/parameterGroup:ParameterGroup"
	tPAB           = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tBucketPolicy  = "aws:s3/bucketPolicy:BucketPolicy"
	tOwnership     = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tRole          = "aws:iam/role:Role"
	tRolePolicy    = "aws:iam/rolePolicy:RolePolicy"
	tPolicy        = "aws:iam/policy:Policy"
	tAttachment    = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
)

// Type tokens with aliases (aws:alb is aws:lb; the V2 S3 resources and
// their successors).
var (
	vpcTypes        = []string{tVpcX, tVpc}
	lbTypes         = []string{"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"}
	listenerTypes   = []string{"aws:lb/listener:Listener", "aws:alb/listener:Listener"}
	tgTypes         = []string{"aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"}
	bucketTypes     = []string{"aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"}
	sseTypes        = []string{"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"}
	versioningTypes = []string{"aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketVersioning:BucketVersioning"}
	lifecycleTypes  = []string{"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"}
)

// judge collects one resource's findings for one control: each miss is a
// Fail with a code; values that cannot be read make it NotDecidable; with
// neither, it passes.
type judge struct {
	r     *Resource
	out   []Finding
	undec []string
}

func newJudge(r *Resource) *judge { return &judge{r: r} }

func (j *judge) finding(v Verdict, code, reason string) Finding {
	return Finding{Resource: j.r.Name(), URN: j.r.URN, Verdict: v, Code: code, Reason: reason}
}

func (j *judge) fail(code, format string, a ...any) {
	j.out = append(j.out, j.finding(Fail, code, fmt.Sprintf(format, a...)))
}

// failOn is fail with the subjects an exception may be scoped by.
func (j *judge) failOn(subjects []string, code, format string, a ...any) {
	f := j.finding(Fail, code, fmt.Sprintf(format, a...))
	f.Subjects = subjects
	j.out = append(j.out, f)
}

func (j *judge) undecided(format string, a ...any) {
	j.undec = append(j.undec, fmt.Sprintf(format, a...))
}

// unreadable records v as undecided when it cannot be read and reports so.
func (j *judge) unreadable(v value, what string) bool {
	if v.decidable() {
		return false
	}
	j.undecided("%s", v.why(what))
	return true
}

// done returns the findings: the misses, one NotDecidable for the values
// that could not be read, or one Pass with the reason.
func (j *judge) done(format string, a ...any) []Finding {
	out := j.out
	if len(j.undec) > 0 {
		out = append(out, j.finding(NotDecidable, "", strings.Join(j.undec, "; ")))
	}
	if len(out) == 0 {
		out = append(out, j.finding(Pass, "", fmt.Sprintf(format, a...)))
	}
	return out
}

func notApplicable(format string, a ...any) []Finding {
	return []Finding{{Resource: "-", Verdict: NotApplicable, Reason: fmt.Sprintf(format, a...)}}
}

// each runs fn on every resource of the types, or returns NotApplicable.
func each(d *Document, what string, types []string, fn func(r *Resource) []Finding) []Finding {
	rs := d.ByType(types...)
	if len(rs) == 0 {
		return notApplicable("no %s in the preview", what)
	}
	var out []Finding
	for _, r := range rs {
		out = append(out, fn(r)...)
	}
	return out
}

// attachments maps parents (by URN) to the children whose key input names
// them; undecided holds children whose parent cannot be told.
type attachments struct {
	to        map[string][]*Resource
	undecided []*Resource
}

func (d *Document) attach(childTypes []string, key string, parentTypes ...string) attachments {
	a := attachments{to: map[string][]*Resource{}}
	for _, c := range d.ByType(childTypes...) {
		parents, ok := d.link(c, key, c.in(key), parentTypes...)
		if !ok {
			a.undecided = append(a.undecided, c)
		}
		for _, p := range parents {
			a.to[p.URN] = append(a.to[p.URN], c)
		}
	}
	return a
}

// of returns the children of parent; ok is false (and j records why) when
// there are none but some child's parent is unknown.
func (a attachments) of(j *judge, parent *Resource, what string) (children []*Resource, ok bool) {
	children = a.to[parent.URN]
	if len(children) == 0 && len(a.undecided) > 0 {
		j.undecided("no %s found, and the target of %s is unknown", what, a.undecided[0].Name())
		return nil, false
	}
	return children, true
}

// linkList follows every item of a list input (security groups, subnets)
// to resources of the types; ok is false when an item cannot be followed.
func (d *Document) linkList(r *Resource, key, path string, types ...string) (targets []*Resource, ok bool) {
	v := r.in(path)
	if !v.decidable() {
		return d.link(r, key, v, types...)
	}
	ok = true
	for _, item := range v.list() {
		t, itemOK := d.link(r, key, classify(item), types...)
		targets = append(targets, t...)
		ok = ok && itemOK
	}
	return targets, ok
}

func names(rs []*Resource) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name())
	}
	return strings.Join(out, ", ")
}

func urnSet(rs []*Resource) map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		m[r.URN] = true
	}
	return m
}

// wantBool fails with code unless the input is want; unset counts as dflt.
func wantBool(j *judge, r *Resource, path string, want, dflt bool, code string) {
	v := r.in(path)
	if j.unreadable(v, path) {
		return
	}
	b, ok := v.boolean()
	if !ok {
		b = dflt
	}
	if b != want {
		j.fail(code, "%s is %v", path, b)
	}
}

// fmtNum prints a numeric value without a trailing ".0", "-" when absent.
func fmtNum(v value) string {
	if n, ok := v.num(); ok {
		return fmt.Sprintf("%g", n)
	}
	if s, ok := v.str(); ok {
		return s
	}
	return "-"
}

func orText(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}
