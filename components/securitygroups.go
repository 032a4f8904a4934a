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
		port       int
		cidr4      string
		cidr6      string
		peer       pulumi.StringInput
		egress     bool
	}
	rules := []rule{
		{role: "alb-http-ipv4", desc: "HTTP from the internet (IPv4)", sg: albSG, port: 80, cidr4: "0.0.0.0/0"},
		{role: "alb-http-ipv6", desc: "HTTP from the internet (IPv6)", sg: albSG, port: 80, cidr6: "::/0"},
		{role: "alb-https-ipv4", desc: "HTTPS from the internet (IPv4)", sg: albSG, port: 443, cidr4: "0.0.0.0/0"},
		{role: "alb-https-ipv6", desc: "HTTPS from the internet (IPv6)", sg: albSG, port: 443, cidr6: "::/0"},
		{role: "alb-to-tasks", desc: "To the Django tasks", sg: albSG, port: ContainerPort, peer: taskSG, egress: true},
		{role: "tasks-from-alb", desc: "From the load balancer", sg: taskSG, port: ContainerPort, peer: albSG},
		{role: "tasks-https-out", desc: "HTTPS to AWS APIs (ECR, S3, Logs, Secrets Manager) and the internet", sg: taskSG, port: 443, cidr4: "0.0.0.0/0", egress: true},
	}
	if b.a.DatabaseSecurityGroupID != nil {
		rules = append(rules,
			rule{role: "tasks-to-db", desc: "To the database", sg: taskSG, port: 5432, peer: b.a.DatabaseSecurityGroupID, egress: true},
			rule{role: "db-from-tasks", desc: "From the Django tasks", sg: b.a.DatabaseSecurityGroupID.ToStringOutput(), port: 5432, peer: taskSG},
		)
	}
	for _, r := range rules {
		var cidr4, cidr6, peer pulumi.StringPtrInput
		if r.cidr4 != "" {
			cidr4 = pulumi.String(r.cidr4)
		}
		if r.cidr6 != "" {
			cidr6 = pulumi.String(r.cidr6)
		}
		if r.peer != nil {
			peer = r.peer.ToStringOutput()
		}
		if r.egress {
			_, err = vpc.NewSecurityGroupEgressRule(b.ctx, b.child(r.role), &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: r.sg, Description: pulumi.String(r.desc), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
				CidrIpv4: cidr4, CidrIpv6: cidr6, ReferencedSecurityGroupId: peer, Tags: b.tags,
			}, b.parent)
		} else {
			_, err = vpc.NewSecurityGroupIngressRule(b.ctx, b.child(r.role), &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: r.sg, Description: pulumi.String(r.desc), IpProtocol: pulumi.String("tcp"),
				FromPort: pulumi.Int(r.port), ToPort: pulumi.Int(r.port),
				CidrIpv4: cidr4, CidrIpv6: cidr6, ReferencedSecurityGroupId: peer, Tags: b.tags,
			}, b.parent)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
