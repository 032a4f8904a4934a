package offline

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/big"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account id the offline engine pretends to deploy to.
const Account = "123456789012"

type fabricateArgs struct {
	urn, typ, name, importID string
	region, project, stack   string
	inputs                   resource.PropertyMap
}

// hexOf returns n deterministic hex digits derived from the URN and a salt.
func (a fabricateArgs) hexOf(salt string, n int) string {
	var s string
	for i := 0; len(s) < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", a.urn, salt, i)))
		s += hex.EncodeToString(sum[:])
	}
	return s[:n]
}

func (a fabricateArgs) str(key string) string {
	if v, ok := a.inputs[resource.PropertyKey(key)]; ok {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		if v.IsString() {
			return v.StringValue()
		}
	}
	return ""
}

func (a fabricateArgs) num(key string, def float64) float64 {
	if v, ok := a.inputs[resource.PropertyKey(key)]; ok && v.IsNumber() {
		return v.NumberValue()
	}
	return def
}

func (a fabricateArgs) arn(service, rest string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, a.region, Account, rest)
}

// autonamed lists the name input each auto-named type gets when the program
// leaves it unset, as pulumi-aws does: "<logical name>-<7 hex>".
var autonamed = map[string]string{
	"aws:cloudwatch/logGroup:LogGroup":                  "name",
	"aws:ec2/securityGroup:SecurityGroup":               "name",
	"aws:ecr/repository:Repository":                     "name",
	"aws:ecs/cluster:Cluster":                           "name",
	"aws:ecs/service:Service":                           "name",
	"aws:iam/policy:Policy":                             "name",
	"aws:iam/role:Role":                                 "name",
	"aws:iam/rolePolicy:RolePolicy":                     "name",
	"aws:lb/loadBalancer:LoadBalancer":                  "name",
	"aws:lb/targetGroup:TargetGroup":                    "name",
	"aws:rds/instance:Instance":                         "identifier",
	"aws:rds/parameterGroup:ParameterGroup":             "name",
	"aws:rds/subnetGroup:SubnetGroup":                   "name",
	"aws:s3/bucketV2:BucketV2":                          "bucket",
	"aws:s3/bucket:Bucket":                              "bucket",
	"aws:secretsmanager/secret:Secret":                  "name",
	"aws:appautoscaling/policy:Policy":                  "name",
	"aws:cloudwatch/metricAlarm:MetricAlarm":            "name",
	"aws:sns/topic:Topic":                               "name",
	"aws:sqs/queue:Queue":                               "name",
	"aws:scheduler/scheduleGroup:ScheduleGroup":         "name",
	"aws:scheduler/schedule:Schedule":                   "name",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                   "",
	"aws:ec2/flowLog:FlowLog":                           "",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "",
}

// fabricate returns the id and the outputs a provider would give the
// resource: its inputs, plus what the cloud computes (ids, ARNs, DNS names).
func fabricate(a fabricateArgs) (string, resource.PropertyMap, error) {
	out := a.inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	service := strings.SplitN(strings.TrimPrefix(a.typ, "aws:"), "/", 2)[0]
	name := ""
	if field, ok := autonamed[a.typ]; ok && field != "" {
		name = a.str(field)
		if name == "" {
			name = strings.ToLower(a.name) + "-" + a.hexOf("name", 7)
			if a.typ == "aws:lb/loadBalancer:LoadBalancer" || a.typ == "aws:lb/targetGroup:TargetGroup" {
				name = a.name + "-" + a.hexOf("name", 7)
			}
			set(field, name)
		}
	}
	id := a.hexOf("id", 17)
	if a.importID != "" {
		id = a.importID
	}

	switch a.typ {
	case "aws:ec2/vpc:Vpc":
		id = "vpc-" + id
		set("arn", a.arn("ec2", "vpc/"+id))
		set("mainRouteTableId", "rtb-"+a.hexOf("main-rtb", 17))
		set("defaultRouteTableId", "rtb-"+a.hexOf("main-rtb", 17))
		set("defaultSecurityGroupId", "sg-"+a.hexOf("default-sg", 17))
		set("defaultNetworkAclId", "acl-"+a.hexOf("default-acl", 17))
		set("dhcpOptionsId", "dopt-"+a.hexOf("dopt", 17))
		set("ownerId", Account)
	case "aws:ec2/subnet:Subnet":
		id = "subnet-" + id
		set("arn", a.arn("ec2", "subnet/"+id))
		set("ownerId", Account)
	case "aws:ec2/routeTable:RouteTable":
		id = "rtb-" + id
		set("arn", a.arn("ec2", "route-table/"+id))
		set("ownerId", Account)
	case "aws:ec2/routeTableAssociation:RouteTableAssociation":
		id = "rtbassoc-" + id
	case "aws:ec2/route:Route":
		// The provider's id: "r-" + route table id + the hashcode (CRC-32) of
		// the destination (terraform-provider-aws internal/service/ec2 RouteCreateID).
		id = fmt.Sprintf("r-%s%d", a.str("routeTableId"), crc32.ChecksumIEEE([]byte(a.str("destinationCidrBlock"))))
	case "aws:ec2/internetGateway:InternetGateway":
		id = "igw-" + id
		set("arn", a.arn("ec2", "internet-gateway/"+id))
		set("ownerId", Account)
	case "aws:ec2/eip:Eip":
		id = "eipalloc-" + id
		set("allocationId", id)
		set("domain", "vpc")
		b, _ := hex.DecodeString(a.hexOf("ip", 2))
		ip := fmt.Sprintf("198.51.100.%d", b[0]) // RFC 5737 documentation range
		set("publicIp", ip)
		set("publicDns", fmt.Sprintf("ec2-%s.compute-1.amazonaws.com", strings.ReplaceAll(ip, ".", "-")))
		set("arn", a.arn("ec2", "elastic-ip/"+id))
	case "aws:ec2/natGateway:NatGateway":
		id = "nat-" + id
		set("connectivityType", "public")
		set("networkInterfaceId", "eni-"+a.hexOf("eni", 17))
	case "aws:ec2/securityGroup:SecurityGroup":
		id = "sg-" + id
		set("arn", a.arn("ec2", "security-group/"+id))
	case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
		id = "sg-" + id
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		id = "vpce-" + id
		set("arn", a.arn("ec2", "vpc-endpoint/"+id))
		if a.str("vpcEndpointType") == "Gateway" {
			set("prefixListId", "pl-"+a.hexOf("pl", 8))
		}
	case "aws:ec2/flowLog:FlowLog":
		id = "fl-" + id
	case "aws:cloudwatch/logGroup:LogGroup":
		id = name
		set("arn", a.arn("logs", "log-group:"+name))
	case "aws:iam/role:Role":
		id = name
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, name))
		set("uniqueId", "AROA"+strings.ToUpper(a.hexOf("uid", 17)))
	case "aws:iam/rolePolicy:RolePolicy":
		id = a.str("role") + ":" + name
	case "aws:iam/policy:Policy":
		id = fmt.Sprintf("arn:aws:iam::%s:policy/%s", Account, name)
		set("arn", id)
	case "aws:ecr/repository:Repository":
		id = name
		set("arn", a.arn("ecr", "repository/"+name))
		set("registryId", Account)
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", Account, a.region, name))
	case "aws:ecs/cluster:Cluster":
		id = a.arn("ecs", "cluster/"+name)
		set("arn", id)
	case "aws:ecs/taskDefinition:TaskDefinition":
		family := a.str("family")
		id = family
		set("arn", a.arn("ecs", "task-definition/"+family+":1"))
		set("arnWithoutRevision", a.arn("ecs", "task-definition/"+family))
		set("revision", 1)
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		id = name
		set("arn", a.arn("cloudwatch", "alarm:"+name))
	case "aws:sqs/queue:Queue":
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", a.region, Account, name)
		set("arn", a.arn("sqs", name))
		set("url", id)
	case "aws:scheduler/scheduleGroup:ScheduleGroup":
		id = name
		set("arn", a.arn("scheduler", "schedule-group/"+name))
		set("state", "ACTIVE")
	case "aws:scheduler/schedule:Schedule":
		// The provider's id is "<group>/<name>"; the group defaults to "default".
		group := a.str("groupName")
		if group == "" {
			group = "default"
			set("groupName", group)
		}
		id = group + "/" + name
		set("arn", a.arn("scheduler", "schedule/"+group+"/"+name))
	case "aws:sns/topic:Topic":
		id = a.arn("sns", name)
		set("arn", id)
	case "aws:ecs/service:Service":
		cluster := a.str("cluster")
		clusterName := cluster[strings.LastIndex(cluster, "/")+1:]
		id = a.arn("ecs", "service/"+clusterName+"/"+name)
	case "aws:lb/loadBalancer:LoadBalancer":
		suffix := "app/" + name + "/" + a.hexOf("lb", 16)
		id = a.arn("elasticloadbalancing", "loadbalancer/"+suffix)
		set("arn", id)
		set("arnSuffix", suffix)
		dns, _ := strconv.ParseUint(a.hexOf("dns", 8), 16, 64)
		set("dnsName", fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", name, 1000000000+dns%1000000000, a.region))
		set("zoneId", "Z35SXDOTRQ7X7K")
	case "aws:lb/targetGroup:TargetGroup":
		suffix := "targetgroup/" + name + "/" + a.hexOf("tg", 16)
		id = a.arn("elasticloadbalancing", suffix)
		set("arn", id)
		set("arnSuffix", suffix)
	case "aws:lb/listener:Listener":
		// A listener's ARN embeds its load balancer's ARN suffix:
		// listener/app/<name>/<lb id>/<listener id>.
		lbSuffix := "app/offline/" + a.hexOf("lb", 16)
		if arn, ok := strings.CutPrefix(a.str("loadBalancerArn"), a.arn("elasticloadbalancing", "loadbalancer/")); ok {
			lbSuffix = arn
		}
		id = a.arn("elasticloadbalancing", "listener/"+lbSuffix+"/"+a.hexOf("l", 16))
		set("arn", id)
	case "aws:rds/instance:Instance":
		id = a.hexOf("dbi", 26)
		host := fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", name, a.hexOf("host", 12), a.region)
		port := a.num("port", 5432)
		set("arn", a.arn("rds", "db:"+name))
		set("address", host)
		set("port", port)
		set("endpoint", fmt.Sprintf("%s:%d", host, int(port)))
		set("resourceId", "db-"+strings.ToUpper(a.hexOf("rid", 26)))
		if v, ok := a.inputs["manageMasterUserPassword"]; ok && v.IsBool() && v.BoolValue() {
			set("masterUserSecrets", []any{map[string]any{
				"secretArn":    a.arn("secretsmanager", "secret:rds!db-"+a.hexOf("secret", 8)+"-"+a.hexOf("s6", 6)),
				"secretStatus": "active",
				"kmsKeyId":     a.arn("kms", "key/"+a.hexOf("kms", 32)),
			}})
		}
	case "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup":
		id = name
		kind := map[bool]string{true: "subgrp", false: "pg"}[a.typ == "aws:rds/subnetGroup:SubnetGroup"]
		set("arn", a.arn("rds", kind+":"+name))
	case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
		id = name
		set("arn", "arn:aws:s3:::"+name)
		set("bucketDomainName", name+".s3.amazonaws.com")
		set("bucketRegionalDomainName", fmt.Sprintf("%s.s3.%s.amazonaws.com", name, a.region))
		set("region", a.region)
	case "aws:secretsmanager/secret:Secret":
		id = a.arn("secretsmanager", "secret:"+name+"-"+a.hexOf("s6", 6))
		set("arn", id)
	case "aws:secretsmanager/secretVersion:SecretVersion":
		// The provider's id is "<secret ARN>|<version id>" and its arn
		// output the secret's ARN (the Secret's id, which secretId holds).
		id = a.str("secretId") + "|" + a.hexOf("v", 8)
		set("versionId", a.hexOf("v", 8))
		set("arn", a.str("secretId"))
	case "aws:acm/certificate:Certificate":
		id = a.arn("acm", "certificate/"+a.hexOf("cert", 32))
		set("arn", id)
		domain := a.str("domainName")
		set("domainValidationOptions", []any{map[string]any{
			"domainName":          domain,
			"resourceRecordName":  "_" + a.hexOf("cname", 32) + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + a.hexOf("cval", 32) + ".acm-validations.aws.",
		}})
	case "aws:route53/record:Record":
		id = a.str("zoneId") + "_" + a.str("name") + "_" + a.str("type")
		set("fqdn", a.str("name"))
	case "aws:appautoscaling/target:Target":
		id = a.str("resourceId")
		set("arn", a.arn("application-autoscaling", "scalable-target/"+a.hexOf("t", 24)))
	case "docker:index/image:Image":
		imageName := a.str("imageName")
		repo := imageName
		if i := strings.LastIndex(imageName, ":"); i > strings.LastIndex(imageName, "/") {
			repo = imageName[:i]
		}
		id = imageName
		set("repoDigest", repo+"@sha256:"+a.hexOf("digest", 64))
		set("baseImageName", imageName)
	case "random:index/randomId:RandomId":
		// byteLength random bytes, in the encodings the provider returns.
		b, _ := hex.DecodeString(a.hexOf("randomid", 2*int(a.num("byteLength", 8))))
		prefix := a.str("prefix")
		id = base64.RawURLEncoding.EncodeToString(b)
		set("hex", prefix+hex.EncodeToString(b))
		set("b64Url", prefix+id)
		set("b64Std", prefix+base64.StdEncoding.EncodeToString(b))
		set("dec", prefix+new(big.Int).SetBytes(b).String())
	case "random:index/randomPassword:RandomPassword":
		n := int(a.num("length", 32))
		out["result"] = resource.MakeSecret(resource.NewProperty(a.hexOf("password", n)))
		id = "none"
	default:
		if service != "" && strings.HasPrefix(a.typ, "aws:") {
			if _, ok := out["arn"]; !ok {
				set("arn", a.arn(service, a.hexOf("arn", 12)))
			}
		}
	}
	set("id", id)
	if _, ok := out["tagsAll"]; !ok {
		if tags, ok := out["tags"]; ok {
			out["tagsAll"] = tags
		}
	}
	return id, out, nil
}

// invoke answers the data-source calls a program makes.
//
// known are the resources data sources can see: those recorded so far and
// Options.Existing.
func invoke(token string, args resource.PropertyMap, region string, known []*Resource) (resource.PropertyMap, error) {
	var v map[string]any
	switch token {
	case "aws:index/getRegion:getRegion":
		v = map[string]any{"name": region, "id": region, "region": region,
			"description": region, "endpoint": "ec2." + region + ".amazonaws.com"}
	case "aws:index/getCallerIdentity:getCallerIdentity":
		v = map[string]any{"accountId": Account, "arn": "arn:aws:iam::" + Account + ":user/offline",
			"userId": "AIDAOFFLINE", "id": Account}
	case "aws:index/getPartition:getPartition":
		v = map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
			"reverseDnsPrefix": "com.amazonaws"}
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names := []any{}
		for _, s := range []string{"a", "b", "c", "d", "e", "f"} {
			names = append(names, region+s)
		}
		v = map[string]any{"names": names, "id": region}
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		v = map[string]any{"userName": "AWS", "password": "offline-ecr-token",
			"proxyEndpoint":      fmt.Sprintf("https://%s.dkr.ecr.%s.amazonaws.com", Account, region),
			"authorizationToken": "QVdTOm9mZmxpbmU=", "id": region}
	case "aws:ec2/getRouteTables:getRouteTables":
		// The VPC's main route table and the route tables in it, as
		// DescribeRouteTables filtered by vpc-id lists them (sorted here).
		vpc := ""
		if v, ok := args["vpcId"]; ok && v.IsString() {
			vpc = v.StringValue()
		}
		ids := []any{}
		for _, r := range known {
			switch {
			case r.Type == typeVpc && r.ID == vpc:
				ids = append(ids, r.Output("mainRouteTableId"))
			case r.Type == typeRouteTable && r.InputString("vpcId") == vpc:
				ids = append(ids, r.ID)
			}
		}
		if len(ids) == 0 { // a VPC the engine did not create: four made-up tables
			for i := 0; i < 4; i++ {
				sum := sha256.Sum256([]byte(fmt.Sprintf("%s|rtb|%d", vpc, i)))
				ids = append(ids, "rtb-"+hex.EncodeToString(sum[:])[:17])
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i].(string) < ids[j].(string) })
		v = map[string]any{"ids": ids, "id": region}
	case "aws:ec2/getSubnets:getSubnets":
		// The subnets that match every filter (vpc-id, availability-zone,
		// tag:KEY; values may use * wildcards) and tags, sorted.
		ids := []any{}
		for _, r := range known {
			if r.Type == typeSubnet && subnetMatches(r, Plain(args)) {
				ids = append(ids, r.ID)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i].(string) < ids[j].(string) })
		v = map[string]any{"ids": ids, "id": region}
	case "aws:route53/getZone:getZone":
		name := ""
		if n, ok := args["name"]; ok && n.IsString() {
			name = strings.TrimSuffix(n.StringValue(), ".")
		}
		v = map[string]any{"name": name + ".", "zoneId": "Z0OFFLINE" + strings.ToUpper(name[:min(4, len(name))]),
			"id": "Z0OFFLINE"}
	case "aws:ecr/getImage:getImage":
		// The offline registry holds no images: every tag is new, so a
		// program that looks one up before building builds it. ECR answers
		// a missing tag with this error code.
		tag := ""
		if t, ok := args["imageTag"]; ok && t.IsString() {
			tag = t.StringValue()
		}
		return nil, fmt.Errorf("reading ECR Images: ImageNotFoundException: the offline registry holds no image tagged %q", tag)
	default:
		return nil, fmt.Errorf("offline: no answer for invoke %s; add one to internal/offline/fabricate.go", token)
	}
	return resource.NewPropertyMapFromMap(v), nil
}

// subnetMatches reports whether a subnet passes a getSubnets call's filters
// and tags (EC2 DescribeSubnets filter semantics: a filter matches when any
// of its values does; * matches any run of characters).
func subnetMatches(r *Resource, args map[string]any) bool {
	field := func(name string) (string, bool) {
		switch {
		case name == "vpc-id":
			return r.InputString("vpcId"), true
		case name == "availability-zone":
			return r.InputString("availabilityZone"), true
		case name == "cidr-block":
			return r.InputString("cidrBlock"), true
		case strings.HasPrefix(name, "tag:"):
			v, ok := r.Input("tags." + strings.TrimPrefix(name, "tag:")).(string)
			return v, ok
		}
		return "", false
	}
	filters, _ := args["filters"].([]any)
	for _, f := range filters {
		fm, _ := f.(map[string]any)
		name, _ := fm["name"].(string)
		got, ok := field(name)
		if !ok {
			return false
		}
		hit := false
		for _, want := range strs(fm["values"]) {
			if ok, _ := path.Match(want, got); ok || want == got {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	for k, want := range stringMap(args["tags"]) {
		if got, _ := r.Input("tags." + k).(string); got != want {
			return false
		}
	}
	return true
}
