package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NAT gateway strategies for NetworkArgs.NatGateways.
const (
	// NatOnePerAZ puts a NAT gateway in each AZ, so losing one AZ does not cut
	// the others off the internet. About 32 USD a month each, plus data.
	NatOnePerAZ = "OnePerAz"
	// NatSingle shares one NAT gateway between all AZs: cheaper, but an
	// outage of its AZ stops outbound traffic from every private subnet.
	NatSingle = "Single"
	// NatNone has no NAT gateway: private subnets reach AWS only through VPC
	// endpoints, and nothing else on the internet. Needs InterfaceEndpoints.
	NatNone = "None"
)

// NetworkArgs configure a Network. The zero value is the production layout.
type NetworkArgs struct {
	// CidrBlock is the VPC's private IPv4 range: an RFC 1918 network from /16
	// to /20. Default "10.0.0.0/16". Changing it replaces the VPC and
	// everything in it.
	CidrBlock string `pulumi:"cidrBlock,optional"`
	// AZCount is how many availability zones the subnets span, 2 to 4.
	// Default 2 (an ALB and a Multi-AZ database need two).
	AZCount int `pulumi:"azCount,optional"`
	// NatGateways is NatOnePerAZ (default), NatSingle or NatNone.
	NatGateways string `pulumi:"natGateways,optional"`
	// InterfaceEndpoints adds interface endpoints for ECR (api, dkr),
	// CloudWatch Logs and Secrets Manager in the private subnets, so image
	// pulls, logs and secrets stay off the NAT. Default true; about 7.3 USD a
	// month per endpoint per AZ.
	InterfaceEndpoints *bool `pulumi:"interfaceEndpoints,optional"`
	// EcsExecEndpoints adds interface endpoints for ssmmessages (the ECS
	// Exec channel) and KMS (its session encryption), so `aws ecs
	// execute-command` works without NAT and with the tasks' egress limited
	// to the endpoints. Needs InterfaceEndpoints. Default false; two more
	// endpoints at about 7.3 USD a month each per AZ.
	EcsExecEndpoints bool `pulumi:"ecsExecEndpoints,optional"`
	// FlowLogs records the VPC's traffic to a CloudWatch log group. Default true.
	FlowLogs *bool `pulumi:"flowLogs,optional"`
	// LogRetentionDays is how long flow logs are kept. Default 365.
	LogRetentionDays int `pulumi:"logRetentionDays,optional"`
	// Tags are added to every taggable resource.
	Tags map[string]string `pulumi:"tags,optional"`
}

// Network is a VPC with public subnets (load balancer, NAT), private subnets
// (tasks) and isolated subnets (database) in each AZ; an S3 gateway endpoint;
// optional interface endpoints; flow logs; and the VPC's default security
// group adopted with no rules, so nothing can use it by accident.
type Network struct {
	pulumi.ResourceState

	// VpcID is the VPC's id.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// CidrBlock is the VPC's IPv4 range.
	CidrBlock pulumi.StringOutput `pulumi:"cidrBlock"`
	// PublicSubnetIDs hold the load balancer and the NAT gateways.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs hold the tasks; they reach the internet through NAT.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// IsolatedSubnetIDs hold the database; they have no route to the internet.
	IsolatedSubnetIDs pulumi.StringArrayOutput `pulumi:"isolatedSubnetIds"`
	// S3PrefixListID is the S3 gateway endpoint's prefix list, for security
	// group egress rules to S3.
	S3PrefixListID pulumi.StringOutput `pulumi:"s3PrefixListId"`

	// Vpc is the underlying awsx VPC.
	Vpc *awsxec2.Vpc
	// DefaultSecurityGroup is the VPC's default security group, emptied.
	DefaultSecurityGroup *ec2.DefaultSecurityGroup
	// S3Endpoint is the S3 gateway endpoint.
	S3Endpoint *ec2.VpcEndpoint
	// EndpointSecurityGroup guards the interface endpoints; nil without them.
	EndpointSecurityGroup *ec2.SecurityGroup
	// InterfaceEndpoints maps a service ("ecr.api", "logs", ...) to its endpoint.
	InterfaceEndpoints map[string]*ec2.VpcEndpoint
	// FlowLog is nil when flow logs are off.
	FlowLog *ec2.FlowLog
	// FlowLogGroup is nil when flow logs are off.
	FlowLogGroup *cloudwatch.LogGroup
}

// interfaceEndpointServices are the AWS services a Fargate task reaches to
// start: pull the image (ECR api and dkr; layers come through the S3
// gateway), ship logs, and read its secrets.
var interfaceEndpointServices = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}

// execEndpointServices are what an ECS Exec session needs: the SSM message
// channel, and KMS for the session's encryption key.
var execEndpointServices = []string{"ssmmessages", "kms"}

// endpointPolicyServices are the endpoint services that accept an endpoint
// policy (AWS PrivateLink guide, "AWS services that integrate with AWS
// PrivateLink"; `aws ec2 describe-vpc-endpoint-services` reports
// VpcEndpointPolicySupported). ssmmessages is left with the default policy:
// its support was not confirmed here.
var endpointPolicyServices = map[string]bool{"s3": true, "ecr.api": true, "ecr.dkr": true, "logs": true, "secretsmanager": true, "kms": true}

// LaunchDependencies returns the resources a task in this network needs
// before it starts: the S3 gateway endpoint (image layers) and the
// interface endpoints (image, logs, secrets). Pass them to
// DjangoServiceArgs.LaunchDependencies.
func (n *Network) LaunchDependencies() []pulumi.Resource {
	deps := []pulumi.Resource{n.S3Endpoint}
	for _, svc := range append(slices.Clone(interfaceEndpointServices), execEndpointServices...) {
		if e := n.InterfaceEndpoints[svc]; e != nil {
			deps = append(deps, e)
		}
	}
	return deps
}

// endpointPolicy limits an endpoint to this account: only its principals
// (aws:PrincipalAccount), acting on its resources (aws:ResourceAccount,
// when the request names one), may use it, so a stolen credential of
// another account cannot carry data out through it. The S3 gateway also
// admits reads of ECR's AWS-owned layer bucket, which every image pull
// needs (ECR user guide, "Amazon ECR interface VPC endpoints": minimum
// Amazon S3 bucket permissions).
func endpointPolicy(service, partition, account, region string) string {
	stmts := []Statement{{
		Sid: "ThisAccountOnly", Effect: "Allow", Principal: map[string]any{"AWS": "*"},
		Action: []string{"*"}, Resource: []string{"*"},
		Condition: map[string]map[string]any{
			"StringEquals":         {"aws:PrincipalAccount": account},
			"StringEqualsIfExists": {"aws:ResourceAccount": account},
		},
	}}
	if service == "s3" {
		stmts = append(stmts, Statement{
			Sid: "EcrImageLayers", Effect: "Allow", Principal: map[string]any{"AWS": "*"},
			Action:    []string{"s3:GetObject"},
			Resource:  []string{fmt.Sprintf("arn:%s:s3:::prod-%s-starport-layer-bucket/*", partition, region)},
			Condition: map[string]map[string]any{"StringEquals": {"aws:PrincipalAccount": account}},
		})
	}
	return PolicyDocument{Version: policyVersion, Statement: stmts}.JSON()
}

// private IPv4 ranges of RFC 1918.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// ValidateVpcCidr returns an error unless cidr is an RFC 1918 network
// address with a prefix from /16 to /20.
func ValidateVpcCidr(cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return fmt.Errorf("%q is not an IPv4 CIDR block such as 10.0.0.0/16", cidr)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set; the network is %s", cidr, p.Masked())
	}
	if p.Bits() < 16 || p.Bits() > 20 {
		return fmt.Errorf("%q has a /%d prefix; a VPC here needs /16 to /20 (AWS allows /16 at most, and three subnet tiers per AZ need the room)", cidr, p.Bits())
	}
	for _, r := range rfc1918 {
		if r.Contains(p.Addr()) && r.Bits() <= p.Bits() {
			return nil
		}
	}
	return fmt.Errorf("%q overlaps public address space; use a private (RFC 1918) range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", cidr)
}

// Validate returns a *FieldError for the first invalid argument.
func (a NetworkArgs) Validate() error {
	_, err := a.defaults("")
	return err
}

// ValidateNamed is Validate for an instance named name: it also checks the
// names NewNetwork derives from name for its children (the AWS name limits
// after Pulumi's auto-name suffix), so a program that names its components
// alike can check every name before it registers anything.
func (a NetworkArgs) ValidateNamed(name string) error {
	_, err := a.defaults(name)
	return err
}

// maxNetworkName keeps the flow log role's auto-name, "<name>-flow-logs-role"
// plus Pulumi's "-<7 hex>", within IAM's 64-character role names.
const maxNetworkName = 64 - 8 - len("-flow-logs-role")

// networkName is what IAM role names and log group names both allow.
var networkName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// defaults validates args and returns a copy with every default filled in.
// name is the component's name, the base of its children's auto-names;
// Validate passes "" to check the arguments alone.
func (a NetworkArgs) defaults(name string) (NetworkArgs, error) {
	const c = "Network"
	if name != "" && (len(name) > maxNetworkName || !networkName.MatchString(name)) {
		return a, argError(c, name, "name", "%q must be 1 to %d letters, digits, '.', '_' or '-': the flow log role's auto-name %q plus Pulumi's \"-<7 hex>\" suffix must fit IAM's 64-character role names",
			name, maxNetworkName, child(name, "flow-logs-role"))
	}
	if a.CidrBlock == "" {
		a.CidrBlock = "10.0.0.0/16"
	}
	if err := ValidateVpcCidr(a.CidrBlock); err != nil {
		return a, argError(c, name, "cidrBlock", "%v", err)
	}
	if a.AZCount == 0 {
		a.AZCount = 2
	}
	if a.AZCount < 2 || a.AZCount > 4 {
		return a, argError(c, name, "azCount", "%d is out of range; use 2 to 4 (an ALB and a Multi-AZ database need two AZs)", a.AZCount)
	}
	if a.NatGateways == "" {
		a.NatGateways = NatOnePerAZ
	}
	switch a.NatGateways {
	case NatOnePerAZ, NatSingle, NatNone:
	default:
		return a, argError(c, name, "natGateways", "%q is not a NAT strategy; use %q, %q or %q", a.NatGateways, NatOnePerAZ, NatSingle, NatNone)
	}
	a.InterfaceEndpoints = pulumi.BoolRef(boolOr(a.InterfaceEndpoints, true))
	a.FlowLogs = pulumi.BoolRef(boolOr(a.FlowLogs, true))
	if a.EcsExecEndpoints && !*a.InterfaceEndpoints {
		return a, argError(c, name, "ecsExecEndpoints", "needs interfaceEndpoints: the ssmmessages and kms endpoints share their security group")
	}
	if a.NatGateways == NatNone && !*a.InterfaceEndpoints {
		return a, argError(c, name, "natGateways", "%q needs interfaceEndpoints: without NAT or endpoints, tasks cannot pull images, write logs or read secrets", NatNone)
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = 365
	}
	if err := ValidateLogRetention(a.LogRetentionDays); err != nil {
		return a, argError(c, name, "logRetentionDays", "%v", err)
	}
	return a, nil
}

// NewNetwork creates a Network.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		args = &NetworkArgs{}
	}
	a, err := args.defaults(name)
	if err != nil {
		return nil, err
	}
	n := &Network{InterfaceEndpoints: map[string]*ec2.VpcEndpoint{}}
	if err := ctx.RegisterComponentResource(typePrefix+"Network", name, n, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(n)
	tags := pulumi.ToStringMap(a.Tags)

	// Each tier gets a subnet per AZ of a sixteenth of the VPC (a /20 in a
	// /16), at blocks pinned per AZ (subnetCidrBlocks): adding an AZ only
	// adds subnets, and no subnet ever moves.
	blocks := subnetCidrBlocks(a.CidrBlock, a.AZCount)
	spec := func(t awsxec2.SubnetType, tier string, k int) awsxec2.SubnetSpecArgs {
		return awsxec2.SubnetSpecArgs{Type: t, Name: pulumi.StringRef(tier), CidrBlocks: blocks[k]}
	}
	strategy := awsxec2.SubnetAllocationStrategyAuto
	n.Vpc, err = awsxec2.NewVpc(ctx, child(name, "vpc"), &awsxec2.VpcArgs{
		CidrBlock:                 pulumi.StringRef(a.CidrBlock),
		NumberOfAvailabilityZones: pulumi.IntRef(a.AZCount),
		EnableDnsHostnames:        pulumi.Bool(true),
		EnableDnsSupport:          pulumi.Bool(true),
		NatGateways:               &awsxec2.NatGatewayConfigurationArgs{Strategy: awsxec2.NatGatewayStrategy(a.NatGateways)},
		SubnetStrategy:            &strategy,
		SubnetSpecs: []awsxec2.SubnetSpecArgs{
			spec(awsxec2.SubnetTypePublic, "public", 0),
			spec(awsxec2.SubnetTypePrivate, "private", 1),
			spec(awsxec2.SubnetTypeIsolated, "isolated", 2),
		},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	azGuard := refuseFewerAZs(ctx, name, a.AZCount, n.Vpc.VpcId, parent)
	vpcID := n.Vpc.VpcId

	// Adopting the default security group with no rules removes AWS's
	// allow-all-within-the-group default.
	n.DefaultSecurityGroup, err = ec2.NewDefaultSecurityGroup(ctx, child(name, "default-sg"), &ec2.DefaultSecurityGroupArgs{
		VpcId: vpcID,
		Tags:  tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	region, err := aws.GetRegion(ctx, nil, pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	caller, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	partition, err := aws.GetPartition(ctx, nil, pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	routeTables := ec2.GetRouteTablesOutput(ctx, ec2.GetRouteTablesOutputArgs{VpcId: vpcID}, pulumi.Parent(n))
	n.S3Endpoint, err = ec2.NewVpcEndpoint(ctx, child(name, "s3-endpoint"), &ec2.VpcEndpointArgs{
		VpcId:           vpcID,
		ServiceName:     pulumi.Sprintf("com.amazonaws.%s.s3", region.Name),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   routeTables.Ids(),
		Policy:          pulumi.String(endpointPolicy("s3", partition.Partition, caller.AccountId, region.Name)),
		Tags:            tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	if *a.InterfaceEndpoints {
		n.EndpointSecurityGroup, err = ec2.NewSecurityGroup(ctx, child(name, "endpoints-sg"), &ec2.SecurityGroupArgs{
			VpcId:       vpcID,
			Description: pulumi.String("HTTPS from inside the VPC to AWS interface endpoints"),
			Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
				Description: pulumi.String("HTTPS from the VPC"),
				Protocol:    pulumi.String("tcp"),
				FromPort:    pulumi.Int(443),
				ToPort:      pulumi.Int(443),
				CidrBlocks:  pulumi.StringArray{pulumi.String(a.CidrBlock)},
			}},
			Tags: tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		services := slices.Clone(interfaceEndpointServices)
		if a.EcsExecEndpoints {
			services = append(services, execEndpointServices...)
		}
		for _, svc := range services {
			var policy pulumi.StringPtrInput
			if endpointPolicyServices[svc] {
				policy = pulumi.String(endpointPolicy(svc, partition.Partition, caller.AccountId, region.Name))
			}
			n.InterfaceEndpoints[svc], err = ec2.NewVpcEndpoint(ctx, child(name, svc+"-endpoint"), &ec2.VpcEndpointArgs{
				VpcId:             vpcID,
				ServiceName:       pulumi.Sprintf("com.amazonaws.%s.%s", region.Name, svc),
				VpcEndpointType:   pulumi.String("Interface"),
				PrivateDnsEnabled: pulumi.Bool(true),
				SubnetIds:         n.Vpc.PrivateSubnetIds,
				SecurityGroupIds:  pulumi.StringArray{n.EndpointSecurityGroup.ID().ToStringOutput()},
				Policy:            policy,
				Tags:              tags,
			}, parent)
			if err != nil {
				return nil, err
			}
		}
	}

	if *a.FlowLogs {
		if err := n.addFlowLogs(ctx, name, a, region.Name, vpcID, tags); err != nil {
			return nil, err
		}
	}

	n.VpcID = vpcID
	n.CidrBlock = pulumi.String(a.CidrBlock).ToStringOutput()
	n.PublicSubnetIDs = n.Vpc.PublicSubnetIds
	n.PrivateSubnetIDs = n.Vpc.PrivateSubnetIds
	n.IsolatedSubnetIDs = n.Vpc.IsolatedSubnetIds
	n.S3PrefixListID = n.S3Endpoint.PrefixListId
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"s3PrefixListId":    n.S3PrefixListID,
		"azCount":           azGuard,
		"vpcId":             n.VpcID,
		"cidrBlock":         n.CidrBlock,
		"publicSubnetIds":   n.PublicSubnetIDs,
		"privateSubnetIds":  n.PrivateSubnetIDs,
		"isolatedSubnetIds": n.IsolatedSubnetIDs,
	})
}

// maxAZs is the most AZs NetworkArgs.AZCount allows.
const maxAZs = 4

// azBlockOrder gives AZ i the azBlockOrder[i]'th quarter of the VPC. AZs 1
// and 2 take the first quarter of each half, where awsx's Auto layout put
// them for two AZs (so stacks deployed with 2 AZs keep every subnet); AZs 3
// and 4 take the quarters no earlier AZ uses.
var azBlockOrder = [maxAZs]int{0, 2, 1, 3}

// subnetCidrBlocks returns, for the public, private and isolated tiers, one
// CIDR block per AZ: AZ i's subnets are the first three sixteenths of its
// quarter of the VPC. A block depends on the AZ's position only, never on
// the AZ count, so raising azCount appends subnets and moves none (awsx's
// Auto layout sizes each AZ's block from the count: 2 -> 3 AZs moved AZ 2).
func subnetCidrBlocks(vpcCidr string, azCount int) [3][]string {
	p := netip.MustParsePrefix(vpcCidr)
	b := p.Addr().As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	quarter, sixteenth := uint32(1)<<(32-p.Bits()-2), uint32(1)<<(32-p.Bits()-4)
	var out [3][]string
	for tier := range out {
		for az := range azCount {
			ip := base + uint32(azBlockOrder[az])*quarter + uint32(tier)*sixteenth
			addr := netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
			out[tier] = append(out[tier], netip.PrefixFrom(addr, p.Bits()+4).String())
		}
	}
	return out
}

// refuseFewerAZs fails the run when the deployed VPC has public subnets in
// more AZs than azCount: a lower azCount would delete the last AZs'
// subnets, which hold the database's Multi-AZ standby, load balancer nodes
// and a NAT gateway, and AWS refuses to delete a subnet in use, leaving the
// update half-applied. The previous azCount is not in the config, so it is
// read from the cloud (ec2 DescribeSubnets, during preview and up alike);
// before the VPC exists its id is unknown and nothing is read. The returned
// output is the AZ count, failed when refused.
func refuseFewerAZs(ctx *pulumi.Context, name string, azCount int, vpcID pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) pulumi.IntOutput {
	deployed := ec2.GetSubnetsOutput(ctx, ec2.GetSubnetsOutputArgs{Filters: ec2.GetSubnetsFilterArray{
		ec2.GetSubnetsFilterArgs{Name: pulumi.String("vpc-id"), Values: pulumi.StringArray{vpcID}},
		ec2.GetSubnetsFilterArgs{Name: pulumi.String("tag:SubnetType"), Values: pulumi.StringArray{pulumi.String("Public")}},
	}}, parent)
	return deployed.Ids().ApplyT(func(ids []string) (int, error) {
		if len(ids) > azCount {
			return 0, argError("Network", name, "azCount", "%d is fewer than the %d AZs the deployed VPC has subnets in; removing an AZ would delete its subnets, which hold the database's standby, the load balancer's nodes and a NAT gateway (AWS refuses to delete a subnet in use, and the update would stop half-applied). Keep azCount at %d, or move those resources out of the last AZs first",
				azCount, len(ids), len(ids))
		}
		return azCount, nil
	}).(pulumi.IntOutput)
}

// addFlowLogs sends all of the VPC's traffic records to a log group, through
// a role that may write to that group only.
func (n *Network) addFlowLogs(ctx *pulumi.Context, name string, a NetworkArgs, region string, vpcID pulumi.StringOutput, tags pulumi.StringMap) error {
	parent := pulumi.Parent(n)
	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return err
	}
	partition, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return err
	}
	n.FlowLogGroup, err = cloudwatch.NewLogGroup(ctx, child(name, "flow-logs"), &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		Tags:            tags,
	}, parent)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, child(name, "flow-logs-role"), &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("vpc-flow-logs.amazonaws.com", caller.AccountId,
			fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", partition.Partition, region, caller.AccountId))),
		Tags: tags,
	}, parent)
	if err != nil {
		return err
	}
	_, err = iam.NewRolePolicy(ctx, child(name, "flow-logs-policy"), &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policyOutput(func(v []string) PolicyDocument {
			return PolicyDocument{Version: policyVersion, Statement: []Statement{{
				Sid:      "WriteFlowLogs",
				Effect:   "Allow",
				Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				Resource: []string{v[0], v[0] + ":*"},
			}}}
		}, n.FlowLogGroup.Arn),
	}, parent)
	if err != nil {
		return err
	}
	n.FlowLog, err = ec2.NewFlowLog(ctx, child(name, "flow-log"), &ec2.FlowLogArgs{
		VpcId:                  vpcID,
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         n.FlowLogGroup.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   tags,
	}, parent)
	return err
}
