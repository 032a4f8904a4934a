// Command djangofargate is the Pulumi program that deploys a production
// Django API on AWS ECS Fargate. Run it with `pulumi up`; see README.md.
package main

import (
	"github.com/djangofargate/djangofargate/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() { pulumi.Run(stacks.Program) }
