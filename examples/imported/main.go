// Command imported is a Pulumi program of a Django project's own, in its
// own Go module, that imports the djangofargate components the way any user
// would: through `go get github.com/djangofargate/djangofargate`. Here go.mod
// replaces that module with this checkout, so the test command compiles and
// runs this program against the library's current public API: a change that
// breaks a user's program breaks this example first.
//
// It deploys one prebuilt image (no Docker build): a Network with one NAT
// gateway, a media bucket, a PostgreSQL database, an alarm topic and the
// DjangoService that uses them.
//
//	cd examples/imported
//	pulumi stack init dev
//	pulumi config set aws:region eu-west-1
//	pulumi config set image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:<digest>
//	pulumi up
//
// main_test.go runs it on pulumi.WithMocks, the SDK's own unit-test engine.
package main

import (
	"errors"

	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() { pulumi.Run(program) }

// program builds the stack from the project config "image" (required: the
// app image pinned by digest) and "alertEmail" (optional).
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	image := cfg.Get("image")
	if image == "" {
		return errors.New("config imported:image is required: the app image pinned by digest, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:<digest> (pulumi config set image ...)")
	}

	network, err := components.NewNetwork(ctx, "shop", &components.NetworkArgs{
		NatGateways: components.NatSingle,
	})
	if err != nil {
		return err
	}
	storage, err := components.NewStorage(ctx, "shop", &components.StorageArgs{})
	if err != nil {
		return err
	}
	db, err := components.NewDatabase(ctx, "shop", &components.DatabaseArgs{
		VpcID:     network.VpcID,
		SubnetIDs: network.IsolatedSubnetIDs,
	})
	if err != nil {
		return err
	}
	alerts, err := components.NewAlerts(ctx, "shop", &components.AlertsArgs{
		Email: cfg.Get("alertEmail"),
	})
	if err != nil {
		return err
	}
	registry, err := components.NewRegistry(ctx, "shop", &components.RegistryArgs{Image: image})
	if err != nil {
		return err
	}
	svc, err := components.NewDjangoService(ctx, "shop", &components.DjangoServiceArgs{
		VpcID:                   network.VpcID,
		PublicSubnetIDs:         network.PublicSubnetIDs,
		PrivateSubnetIDs:        network.PrivateSubnetIDs,
		ImageURI:                registry.ImageURI,
		RepositoryArn:           registry.RepositoryArn,
		DatabaseHost:            db.Address,
		DatabasePort:            db.Port,
		DatabaseName:            db.DBName,
		DatabaseAppSecretArn:    db.AppSecretArn,
		DatabaseOwnerSecretArn:  db.OwnerSecretArn,
		DatabaseMasterSecretArn: db.MasterSecretArn,
		DatabaseSecurityGroupID: db.SecurityGroupID,
		Database:                db, // the database adds the rule admitting the tasks
		MediaBucketName:         storage.MediaBucketName,
		TaskPolicyJSON:          storage.MediaPolicyJSON,
		AccessLogsBucket:        storage.LogBucketName,
		AccessLogsPrefix:        storage.LogPrefix,
		AlarmTopicArn:           alerts.TopicArn,
	})
	if err != nil {
		return err
	}

	ctx.Export("url", svc.URL)
	ctx.Export("clusterName", svc.ClusterName)
	ctx.Export("serviceName", svc.ServiceName)
	ctx.Export("dbEndpoint", db.Endpoint)
	ctx.Export("mediaBucket", storage.MediaBucketName)
	return nil
}
