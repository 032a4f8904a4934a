package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// securityGroups chains internet -> ALB (80/443) -> tasks (container port)
// -> database, with one described rule per hop and nothing else open. With
// Listener the ALB and its internet rules are the owner's: this service
// adds only the hop from that ALB to its own tasks.
func (b *serviceBuilder) securityGroups() error {
	var err error
	var albSG pulumi.StringOutput
	if l := b.a.Listener; l != nil {
		albSG = l.SecurityGroupID.ToStringOutput()
	} else {
		b.s.AlbSecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("alb-sg"), &ec2.SecurityGroupArgs{
			VpcId:       b.a.VpcID,
			Description: pulumi.String("Load balancer: HTTP and HTTPS from the internet"),
			Tags:        b.tags,
		}, b.parent)
		if err != nil {
			return err
		}
		albSG = b.s.AlbSecurityGroup.ID().ToStringOutput()
	}
	b.s.TaskSecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("task-sg"), &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("Django tasks: the container port from the load balancer only"),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	taskSG := b.s.TaskSecurityGroup.ID().ToStringOutput()
	b.s.TaskSecurityGroupID = taskSG
	type rule struct {
		role, desc string
		sg         pulumi.StringOutput
		port       pulumi.IntInput
		cidr4      string
		cidr6      string
		peer       pulumi.StringInput
		prefixList pulumi.StringInput
		egress     bool
	}
	https, app := pulumi.Int(443), pulumi.Int(b.a.ContainerPort)
	var rules []rule
	if b.a.Listener == nil {
		rules = []rule{
			{role: "alb-http-ipv4", desc: "HTTP from the internet (IPv4)", sg: albSG, port: pulumi.Int(80), cidr4: "0.0.0.0/0"},
			{role: "alb-http-ipv6", desc: "HTTP from the internet (IPv6)", sg: albSG, port: pulumi.Int(80), cidr6: "::/0"},
			{role: "alb-https-ipv4", desc: "HTTPS from the internet (IPv4)", sg: albSG, port: https, cidr4: "0.0.0.0/0"},
			{role: "alb-https-ipv6", desc: "HTTPS from the internet (IPv6)", sg: albSG, port: https, cidr6: "::/0"},
		}
	}
	rules = append(rules,
		rule{role: "alb-to-tasks", desc: "To the Django tasks", sg: albSG, port: app, peer: taskSG, egress: true},
		rule{role: "tasks-from-alb", desc: "From the load balancer", sg: taskSG, port: app, peer: albSG},
	)
	// With interface endpoints the tasks reach AWS only through them and
	// through the S3 gateway endpoint's prefix list (ECR layers, media);
	// the internet only when asked (issue 20 item 5).
	if b.a.EndpointSecurityGroupID != nil {
		rules = append(rules, rule{role: "tasks-to-endpoints", desc: "HTTPS to the VPC's interface endpoints (ECR, Logs, Secrets Manager)",
			sg: taskSG, port: https, peer: b.a.EndpointSecurityGroupID, egress: true})
	}
	if b.a.S3PrefixListID != nil {
		rules = append(rules, rule{role: "tasks-to-s3", desc: "HTTPS to S3 through the gateway endpoint (image layers, media)",
			sg: taskSG, port: https, prefixList: b.a.S3PrefixListID, egress: true})
	}
	if *b.a.InternetEgress {
		rules = append(rules, rule{role: "tasks-https-out", desc: "HTTPS to AWS APIs (ECR, S3, Logs, Secrets Manager) and the internet",
			sg: taskSG, port: https, cidr4: "0.0.0.0/0", egress: true})
	}
	if b.a.DatabaseSecurityGroupID != nil {
		rules = append(rules,
			rule{role: "tasks-to-db", desc: "To the database", sg: taskSG, port: b.a.DatabasePort, peer: b.a.DatabaseSecurityGroupID, egress: true})
	}
	for _, r := range rules {
		var cidr4, cidr6, peer, prefixList pulumi.StringPtrInput
		if r.cidr4 != "" {
			cidr4 = pulumi.String(r.cidr4)
		}
		if r.cidr6 != "" {
			cidr6 = pulumi.String(r.cidr6)
		}
		if r.peer != nil {
			peer = r.peer.ToStringOutput()
		}
		if r.prefixList != nil {
			prefixList = r.prefixList.ToStringOutput()
		}
		var res pulumi.Resource
		if r.egress {
			res, err = vpc.NewSecurityGroupEgressRule(b.ctx, b.child(r.role), &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: r.sg, Description: pulumi.String(r.desc), IpProtocol: pulumi.String("tcp"),
				FromPort: r.port, ToPort: r.port,
				CidrIpv4: cidr4, CidrIpv6: cidr6, ReferencedSecurityGroupId: peer, PrefixListId: prefixList, Tags: b.tags,
			}, b.parent)
		} else {
			res, err = vpc.NewSecurityGroupIngressRule(b.ctx, b.child(r.role), &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: r.sg, Description: pulumi.String(r.desc), IpProtocol: pulumi.String("tcp"),
				FromPort: r.port, ToPort: r.port,
				CidrIpv4: cidr4, CidrIpv6: cidr6, ReferencedSecurityGroupId: peer, Tags: b.tags,
			}, b.parent)
		}
		if err != nil {
			return err
		}
		// The task SG's rules, the ALB's rule to the tasks and the
		// database's rule admitting them: a task must not launch before
		// they exist (CONTROLS.md ECS-14).
		if r.sg == taskSG || r.peer == pulumi.StringInput(taskSG) {
			b.launchDeps = append(b.launchDeps, res)
		}
	}
	return b.databaseIngress(taskSG)
}

// databaseIngress admits the tasks to the database. With Database, the
// database adds the rule (Database.AllowFrom, its own port) as its child;
// the alias keeps the URN it had as this component's child, so existing
// stacks update the rule in place instead of creating a duplicate, which
// AWS refuses (InvalidPermission.Duplicate), before deleting the old one.
// Keep the alias until every stack has run `pulumi up` (tests/datasafety
// checks it). Without Database but with DatabaseSecurityGroupID (programs in
// other languages, which cannot pass a Database), the component adds the
// same rule itself on DatabasePort.
func (b *serviceBuilder) databaseIngress(taskSG pulumi.StringOutput) error {
	name := b.child("db-from-tasks")
	var rule pulumi.Resource
	var err error
	switch {
	case b.a.Database != nil:
		rule, err = b.a.Database.AllowFrom(b.ctx, name, taskSG, pulumi.Aliases([]pulumi.Alias{{Parent: b.s}}))
		b.s.DatabaseIngress = rule
	case b.a.DatabaseSecurityGroupID != nil:
		rule, err = databaseIngress(b.ctx, name, b.a.DatabaseSecurityGroupID, b.a.DatabasePort, taskSG, b.tags, b.parent)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	b.launchDeps = append(b.launchDeps, rule)
	return nil
}
