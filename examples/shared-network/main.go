// Command shared-network shows the djangofargate components imported into a
// Pulumi program of your own: two Django services, "api" and "admin", share
// one Network, one Database and one media bucket, run in one ECS cluster
// and sit behind one load balancer (the api's: the admin attaches to its
// listener with a path rule); each has its own ECR repository, target
// group, health check and autoscaling.
//
//	cd examples/shared-network
//	pulumi stack init dev
//	pulumi config set aws:region eu-west-1
//	pulumi up
//
// It keeps the components' production defaults (Multi-AZ database,
// deletion protection, protect on the database and the media bucket), so
// `pulumi destroy` refuses until you `pulumi state unprotect` those two.
// main_test.go runs it on the offline engine, with no cloud.
package main

import (
	"context"
	"maps"

	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() { pulumi.Run(program) }

// program builds the two services and what they share.
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	appPath := cfg.Get("appPath")
	if appPath == "" {
		appPath = "../../app"
	}

	// One VPC for both services: a single NAT gateway is the cheap choice
	// (an AZ outage cuts the tasks' internet egress); drop the line for one
	// NAT per AZ.
	network, err := components.NewNetwork(ctx, "shared", &components.NetworkArgs{
		NatGateways: components.NatSingle,
	})
	if err != nil {
		return err
	}
	storage, err := components.NewStorage(ctx, "shared", &components.StorageArgs{})
	if err != nil {
		return err
	}
	// The database admits nobody yet: given Database, each DjangoService
	// asks it (Database.AllowFrom) for an ingress rule for its tasks'
	// security group, "<service>-db-from-tasks", on the database's port.
	db, err := components.NewDatabase(ctx, "shared", &components.DatabaseArgs{
		VpcID:     network.VpcID,
		SubnetIDs: network.IsolatedSubnetIDs,
	})
	if err != nil {
		return err
	}

	// Each service has its own repository: its own image history, lifecycle
	// and pull permission. The admin can run a prebuilt image instead.
	apiRegistry, err := components.NewRegistry(ctx, "api", &components.RegistryArgs{Context: appPath})
	if err != nil {
		return err
	}
	adminRegistryArgs := components.RegistryArgs{Context: appPath}
	if image := cfg.Get("adminImage"); image != "" {
		adminRegistryArgs = components.RegistryArgs{Image: image}
	}
	adminRegistry, err := components.NewRegistry(ctx, "admin", &adminRegistryArgs)
	if err != nil {
		return err
	}

	shared := func(r *components.Registry) components.DjangoServiceArgs {
		return components.DjangoServiceArgs{
			VpcID:                   network.VpcID,
			PublicSubnetIDs:         network.PublicSubnetIDs,
			PrivateSubnetIDs:        network.PrivateSubnetIDs,
			ImageURI:                r.ImageURI,
			RepositoryArn:           r.RepositoryArn,
			DatabaseHost:            db.Address,
			DatabasePort:            db.Port,
			DatabaseName:            db.DBName,
			DatabaseAppSecretArn:    db.AppSecretArn,
			DatabaseOwnerSecretArn:  db.OwnerSecretArn,
			DatabaseMasterSecretArn: db.MasterSecretArn,
			DatabaseSecurityGroupID: db.SecurityGroupID,
			Database:                db,
			MediaBucketName:         storage.MediaBucketName,
			TaskPolicyJSON:          storage.MediaPolicyJSON,
		}
	}

	// The api owns the schema: it runs the migrations. pulumi.Transforms
	// reaches what DjangoServiceArgs does not cover, here the target
	// group's slow start; the engine applies it to the component's children.
	apiArgs := shared(apiRegistry)
	apiArgs.AccessLogsBucket, apiArgs.AccessLogsPrefix = storage.LogBucketName, storage.LogPrefix
	api, err := components.NewDjangoService(ctx, "api", &apiArgs,
		pulumi.Transforms([]pulumi.ResourceTransform{slowStart(60)}))
	if err != nil {
		return err
	}

	// The admin is a small internal site: one task is enough (a trade-off:
	// it is down while that task restarts), it joins the api's cluster, and
	// it does not migrate. It has no load balancer of its own: a rule on the
	// api's listener (HTTPS when the api has a certificate) forwards /admin
	// to its target group, ahead of the api's default action. DependsOn on
	// the api's service waits for the api to be deployed, migrations
	// included (they run before that service rolls), before the admin
	// rolls. (Depending on the api component itself would wait only for the
	// children registered by then: a race.)
	adminArgs := shared(adminRegistry)
	adminArgs.ClusterArn = api.Cluster.Arn
	adminArgs.Listener = &components.ListenerAttachment{
		ListenerArn:     api.ListenerArn,
		SecurityGroupID: api.LoadBalancerSecurityGroupID,
		URL:             api.URL,
		Paths:           []string{"/admin", "/admin/*"},
		Priority:        100,
	}
	adminArgs.Migrations = pulumi.BoolRef(false)
	adminArgs.CPU, adminArgs.Memory = 256, 512
	adminArgs.MinTasks, adminArgs.MaxTasks, adminArgs.DesiredCount = 1, 2, 1
	admin, err := components.NewDjangoService(ctx, "admin", &adminArgs,
		pulumi.DependsOn([]pulumi.Resource{api.Service}))
	if err != nil {
		return err
	}

	ctx.Export("apiUrl", api.URL)
	ctx.Export("adminUrl", admin.URL)
	ctx.Export("clusterName", api.ClusterName)
	ctx.Export("dbEndpoint", db.Endpoint)
	ctx.Export("mediaBucket", storage.MediaBucketName)
	return nil
}

// targetGroupType is the type token slowStart changes.
const targetGroupType = "aws:lb/targetGroup:TargetGroup"

// slowStart returns a transform that makes a target group ramp traffic up
// to a new task over the given seconds (30 to 900), so a cold gunicorn is
// not handed its full share at once. Other resources pass unchanged.
func slowStart(seconds int) pulumi.ResourceTransform {
	return func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
		if args.Type != targetGroupType {
			return nil
		}
		props := maps.Clone(args.Props)
		if props == nil {
			props = pulumi.Map{}
		}
		props["slowStart"] = pulumi.Int(seconds)
		return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
	}
}
