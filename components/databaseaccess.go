package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DatabaseAccess admits a security group to a database. *Database
// implements it; DjangoServiceArgs.Database takes it, so the service asks
// the database for its ingress rule instead of writing one into the
// database's security group itself.
type DatabaseAccess interface {
	// AllowFrom adds an ingress rule, named name, admitting
	// sourceSecurityGroupID on the database's port; opts apply to the rule.
	AllowFrom(ctx *pulumi.Context, name string, sourceSecurityGroupID pulumi.StringInput, opts ...pulumi.ResourceOption) (pulumi.Resource, error)
}

var _ DatabaseAccess = (*Database)(nil)

// AllowFrom admits sourceSecurityGroupID (such as
// DjangoService.TaskSecurityGroupID) to the database: one ingress rule on
// the database's security group, TCP on the instance's own port (Port, not
// a literal 5432), child of the Database, whose relation it is. name is the
// rule's Pulumi name, unique in the stack, such as "<service>-db-from-tasks".
// Add it before the tasks start (DjangoServiceArgs.Database does, and makes
// the tasks wait for it: CONTROLS.md ECS-14). Refused when
// DatabaseArgs.AllowedSecurityGroupIDs was given: the group's inline rules
// would make Pulumi remove this one.
func (d *Database) AllowFrom(ctx *pulumi.Context, name string, sourceSecurityGroupID pulumi.StringInput, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	if d.inlineIngress {
		return nil, fmt.Errorf("database: AllowFrom(%q): the database was given allowedSecurityGroupIds, whose inline rule makes Pulumi remove every separate rule; list the group there instead", name)
	}
	if sourceSecurityGroupID == nil {
		return nil, fmt.Errorf("database: AllowFrom(%q): sourceSecurityGroupID is required", name)
	}
	return databaseIngress(ctx, name, d.SecurityGroupID, d.Port, sourceSecurityGroupID, d.tags,
		append([]pulumi.ResourceOption{pulumi.Parent(d)}, opts...)...)
}

// databaseIngress is the rule admitting source to a database's security
// group on port.
func databaseIngress(ctx *pulumi.Context, name string, dbSG pulumi.StringInput, port pulumi.IntInput, source pulumi.StringInput,
	tags pulumi.StringMapInput, opts ...pulumi.ResourceOption) (*vpc.SecurityGroupIngressRule, error) {
	return vpc.NewSecurityGroupIngressRule(ctx, name, &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           dbSG,
		Description:               pulumi.String("From the Django tasks"),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  port,
		ToPort:                    port,
		ReferencedSecurityGroupId: source.ToStringOutput(),
		Tags:                      tags,
	}, opts...)
}
