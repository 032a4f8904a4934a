package database_test

import (
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestAllowFrom protects the database's ownership of its ingress rules
// (issue 16): AllowFrom adds one rule, a child of the Database, on the
// instance's own port (its Port output), from
// the given group only; and refuses when inline rules would remove it.
func TestAllowFrom(t *testing.T) {
	const source = "sg-0cafe000000000000"
	res := testutil.Run(t, func(ctx *pulumi.Context) error {
		a := withInputs(components.DatabaseArgs{})
		a.AllowedSecurityGroupIDs = nil
		d, err := components.NewDatabase(ctx, dbName, &a)
		if err != nil {
			return err
		}
		_, err = d.AllowFrom(ctx, "web-db-from-tasks", pulumi.String(source))
		return err
	})
	rule := res.Named("web-db-from-tasks")
	if rule == nil {
		t.Fatal("got no web-db-from-tasks rule")
	}
	db := testutil.One(t, res, "djangofargate:components:Database")
	sg := res.Named(dbName + "-sg")
	port := testutil.One(t, res, "aws:rds/instance:Instance").Output("port")
	for _, c := range []struct {
		what string
		got  any
		want any
	}{
		{"parent", rule.Parent, db.URN},
		{"securityGroupId", rule.InputString("securityGroupId"), sg.ID},
		{"referencedSecurityGroupId", rule.InputString("referencedSecurityGroupId"), source},
		{"fromPort", rule.Input("fromPort"), port},
		{"toPort", rule.Input("toPort"), port},
		{"ipProtocol", rule.InputString("ipProtocol"), "tcp"},
		{"cidrIpv4", rule.InputString("cidrIpv4"), ""},
	} {
		if c.got != c.want {
			t.Errorf("web-db-from-tasks %s: got %v, want %v", c.what, c.got, c.want)
		}
	}

	_, err := testutil.RunErr(func(ctx *pulumi.Context) error {
		a := withInputs(components.DatabaseArgs{}) // with AllowedSecurityGroupIDs
		d, err := components.NewDatabase(ctx, dbName, &a)
		if err != nil {
			return err
		}
		_, err = d.AllowFrom(ctx, "web-db-from-tasks", pulumi.String(source))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "allowedSecurityGroupIds") {
		t.Errorf("AllowFrom with inline rules: got %v, want an error naming allowedSecurityGroupIds", err)
	}
}
