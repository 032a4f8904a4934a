package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// securityGroups chains internet -> ALB (80/443) -> tasks (container port)
// -> database, with one described rule per hop and nothing else open.
func (b *serviceBuilder) securityGroups() error {
	var err error
	b.s.AlbSecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("alb-sg"), &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("Load balancer: HTTP and HTTPS from the internet"),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.TaskSecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("task-sg"), &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("Django tasks: the container port from the load balancer only"),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	albSG, taskSG := b.s.AlbSecurityGroup.ID().ToStringOutput(), b.s.TaskSecurityGroup.ID().ToStringOutput()
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
	https, app := pulumi.Int(443), pulumi.Int(ContainerPort)
	rules := []rule{
		{role: "alb-http-ipv4", desc: "HTTP from the internet (IPv4)", sg: albSG, port: pulumi.Int(80), cidr4: "0.0.0.0/0"},
		{role: "alb-http-ipv6", desc: "HTTP from the internet (IPv6)", sg: albSG, port: pulumi.Int(80), cidr6: "::/0"},
		{role: "alb-https-ipv4", desc: "HTTPS from the internet (IPv4)", sg: albSG, port: https, cidr4: "0.0.0.0/0"},
		{role: "alb-https-ipv6", desc: "HTTPS from the internet (IPv6)", sg: albSG, port: https, cidr6: "::/0"},
		{role: "alb-to-tasks", desc: "To the Django tasks", sg: albSG, port: app, peer: taskSG, egress: true},
		{role: "tasks-from-alb", desc: "From the load balancer", sg: taskSG, port: app, peer: albSG},
	}
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
			rule{role: "tasks-to-db", desc: "To the database", sg: taskSG, port: b.a.DatabasePort, peer: b.a.DatabaseSecurityGroupID, egress: true},
			rule{role: "db-from-tasks", desc: "From the Django tasks", sg: b.a.DatabaseSecurityGroupID.ToStringOutput(), port: b.a.DatabasePort, peer: taskSG},
		)
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
	return nil
}
