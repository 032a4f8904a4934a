// Package service_test tests the DjangoService component on the offline
// engine, and its migration runner against a fake ECS API.
package service_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// masterSecretArn is the RDS-managed master secret; appSecretArn and
	// ownerSecretArn the Database component's role secrets.
	masterSecretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
	appSecretArn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-app-credentials-1a2b3c4-GhIjKl"
	ownerSecretArn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-owner-credentials-5d6e7f8-MnOpQr"
	repoArn         = "arn:aws:ecr:us-east-1:123456789012:repository/app"
	dbSG            = "sg-0db0000000000000"
	image           = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	mediaPolicy     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::media/*"]}]}`
)

// baseArgs are valid arguments with every required input set to a fake.
func baseArgs() components.DjangoServiceArgs {
	return components.DjangoServiceArgs{
		VpcID:                   pulumi.String("vpc-0abc"),
		PublicSubnetIDs:         pulumi.ToStringArray([]string{"subnet-pub-a", "subnet-pub-b"}),
		PrivateSubnetIDs:        pulumi.ToStringArray([]string{"subnet-priv-a", "subnet-priv-b"}),
		ImageURI:                pulumi.String(image),
		RepositoryArn:           pulumi.String(repoArn),
		DatabaseHost:            pulumi.String("db.example.internal"),
		DatabasePort:            pulumi.Int(5432),
		DatabaseName:            pulumi.String("app"),
		DatabaseAppSecretArn:    pulumi.String(appSecretArn),
		DatabaseOwnerSecretArn:  pulumi.String(ownerSecretArn),
		DatabaseMasterSecretArn: pulumi.String(masterSecretArn),
		DatabaseSecurityGroupID: pulumi.String(dbSG),
		MediaBucketName:         pulumi.String("media-bucket"),
		TaskPolicyJSON:          pulumi.String(mediaPolicy),
	}
}

// runService runs one DjangoService named "web" with args changed by edit.
func runService(t *testing.T, edit func(*components.DjangoServiceArgs)) *offline.Result {
	t.Helper()
	args := baseArgs()
	if edit != nil {
		edit(&args)
	}
	return testutil.Run(t, func(ctx *pulumi.Context) error {
		_, err := components.NewDjangoService(ctx, "web", &args)
		return err
	})
}

// containers parses the task definition's container definitions.
func containers(t *testing.T, res *offline.Result) []map[string]any {
	t.Helper()
	td := testutil.One(t, res, "aws:ecs/taskDefinition:TaskDefinition")
	var defs []map[string]any
	if err := json.Unmarshal([]byte(td.InputString("containerDefinitions")), &defs); err != nil {
		t.Fatalf("containerDefinitions: %v", err)
	}
	return defs
}

// web returns the web container's definition.
func web(t *testing.T, res *offline.Result) map[string]any {
	t.Helper()
	defs := containers(t, res)
	if len(defs) != 1 || defs[0]["name"] != "web" {
		t.Fatalf("containers: got %v, want one named web", defs)
	}
	return defs[0]
}

// envOf returns a container's environment as a map.
func envOf(c map[string]any, key string) map[string]string {
	out := map[string]string{}
	list, _ := c[key].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		v, _ := m["value"].(string)
		if key == "secrets" {
			v, _ = m["valueFrom"].(string)
		}
		out[m["name"].(string)] = v
	}
	return out
}

// policy parses an IAM policy document.
func policy(t *testing.T, doc string) components.PolicyDocument {
	t.Helper()
	var p components.PolicyDocument
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	return p
}

// assertServiceRefused runs NewDjangoService "web" on baseArgs changed by
// edit and fails t unless it is refused with an error containing want
// (after the component's name) before any resource is registered.
func assertServiceRefused(t *testing.T, edit func(*components.DjangoServiceArgs), want string) {
	t.Helper()
	args := baseArgs()
	edit(&args)
	res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
		_, err := components.NewDjangoService(ctx, "web", &args)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `DjangoService "web": `+want) {
		t.Errorf("error: got %v, want it to contain %q", err, `DjangoService "web": `+want)
	}
	if len(res.Resources) != 0 {
		t.Errorf("registered %d resources before failing, want 0", len(res.Resources))
	}
}
