package service_test

import (
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestGeneratedSecrets: a generated secret (the reference app's API_TOKEN)
// is a random value in its own Secrets Manager secret, reaches the
// container through secrets (never environment), and the execution role
// may read it.
func TestGeneratedSecrets(t *testing.T) {
	res := runService(t, func(a *components.DjangoServiceArgs) { a.GeneratedSecrets = []string{"API_TOKEN"} })
	secret := res.Named("web-api-token")
	if secret == nil || secret.Type != "aws:secretsmanager/secret:Secret" {
		t.Fatalf("web-api-token: got %v, want a Secrets Manager secret", secret)
	}
	value := res.Named("web-api-token-random")
	if value == nil || value.Input("length") != float64(64) || value.Input("special") != false {
		t.Errorf("web-api-token-random: got %v, want 64 letters and digits", value)
	}
	arn := secret.Output("arn")
	var found bool
	for _, s := range web(t, res)["secrets"].([]any) {
		m := s.(map[string]any)
		if m["name"] == "API_TOKEN" {
			found = m["valueFrom"] == arn
		}
	}
	if !found {
		t.Errorf("container secrets: got %v, want API_TOKEN from %v", web(t, res)["secrets"], arn)
	}
	for _, e := range web(t, res)["environment"].([]any) {
		if e.(map[string]any)["name"] == "API_TOKEN" {
			t.Errorf("API_TOKEN in environment: want it only in secrets")
		}
	}
	policy := res.Named("web-execution-policy").InputString("policy")
	if !strings.Contains(policy, arn.(string)) {
		t.Errorf("execution policy: got %s, want it to read %v", policy, arn)
	}
}

// TestGeneratedSecretsValidation: a bad, reserved or repeated name is
// refused, naming generatedSecrets, with nothing made.
func TestGeneratedSecretsValidation(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"API-TOKEN"}, `"API-TOKEN" is not a valid variable name`},
		{[]string{"DJANGO_SECRET_KEY"}, "DJANGO_SECRET_KEY is already set"},
		{[]string{"DB_SECRET_ARN"}, "DB_SECRET_ARN is already set"},
		{[]string{"API_TOKEN", "API_TOKEN"}, "API_TOKEN is already set"},
	} {
		t.Run(strings.Join(tc.names, ","), func(t *testing.T) {
			args := baseArgs()
			args.GeneratedSecrets = tc.names
			res, err := testutil.RunErr(func(ctx *pulumi.Context) error {
				_, err := components.NewDjangoService(ctx, "web", &args)
				return err
			})
			testutil.AssertRefused(t, res, err, "DjangoService", "web", "generatedSecrets", tc.want)
		})
	}
}
