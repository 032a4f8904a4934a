package stacks

import (
	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program builds the whole stack from the stack's configuration. It is the
// program main.go runs, and the one tests and cmd/synth run offline.
func Program(ctx *pulumi.Context) error {
	cfg, err := Load(ctx)
	if err != nil {
		return err
	}
	name := ctx.Project()
	netArgs := cfg.NetworkArgs()
	net, err := components.NewNetwork(ctx, name, &netArgs)
	if err != nil {
		return err
	}
	ctx.Export("vpcId", net.VpcID)
	ctx.Export("privateSubnetIds", net.PrivateSubnetIDs)
	return nil
}
