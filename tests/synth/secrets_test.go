package synth_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

const (
	clearOutput = "pa55word-output-1234"
	clearInput  = "pa55word-input-5678"
	clearNested = "pa55word-nested-9012"
	clearExport = "pa55word-export-3456"
)

// TestSecretsAreMaskedInEveryFormat protects the rule that a secret never
// appears in clear: secret outputs (a random password's result), secret
// inputs, secrets nested in objects and output values, and secret stack
// outputs all print as [secret], in text, JSON and the diagram.
func TestSecretsAreMaskedInEveryFormat(t *testing.T) {
	b := newBuilder("prod")
	b.add("random:index/randomPassword:RandomPassword", "pw", nil, "none",
		map[string]any{"length": 20},
		map[string]any{"length": 20, "result": resource.MakeSecret(resource.NewProperty(clearOutput))})
	b.add("aws:secretsmanager/secretVersion:SecretVersion", "sv", nil, "arn:sv",
		map[string]any{
			"secretString": resource.MakeSecret(resource.NewProperty(clearInput)),
			"nested": map[string]any{"list": []any{resource.NewProperty(resource.Output{
				Element: resource.NewProperty(clearNested), Known: true, Secret: true})}},
		}, nil)
	b.res.Exports["password"] = clearExport
	b.res.SecretExports = []string{"password"}

	for _, format := range []string{"text", "json", "mermaid"} {
		out := render(t, b.res, format)
		for _, clear := range []string{clearOutput, clearInput, clearNested, clearExport} {
			if strings.Contains(out, clear) {
				t.Errorf("-format %s shows the secret %q in clear", format, clear)
			}
		}
		if format != "mermaid" && !strings.Contains(out, "[secret]") {
			t.Errorf("-format %s: no [secret] in %s", format, out)
		}
	}
	d := decodeDigest(t, render(t, b.res, "json"))
	for _, s := range d.Steps {
		if s.NewState.Type == "random:index/randomPassword:RandomPassword" && s.NewState.Outputs["result"] != "[secret]" {
			t.Errorf("password outputs.result: got %v, want [secret]", s.NewState.Outputs["result"])
		}
	}
}

// TestSecretConfigIsMaskedEndToEnd protects the same rule through the
// command: a key declared secret in Pulumi.yaml, a -secret override, and
// the secret values a program derives from them or gets from a provider
// never reach stdout in clear, and the document's config blinds them.
func TestSecretConfigIsMaskedEndToEnd(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Pulumi.yaml", "name: demo\nruntime: go\nconfig:\n  apiToken:\n    type: string\n    secret: true\n    description: a token\n")
	write("Pulumi.test.yaml", "config:\n  demo:apiToken: tok-declared-4242\n")
	const override = "tok-override-8686"

	var mu sync.Mutex
	var generated []string // the fabricated password, seen by the program
	program := func(ctx *pulumi.Context) error {
		var pw struct {
			pulumi.CustomResourceState
			Result pulumi.StringOutput `pulumi:"result"`
		}
		if err := ctx.RegisterResource("random:index/randomPassword:RandomPassword", "pw",
			pulumi.Map{"length": pulumi.Int(24)}, &pw); err != nil {
			return err
		}
		pw.Result.ApplyT(func(s string) string {
			mu.Lock()
			defer mu.Unlock()
			generated = append(generated, s)
			return s
		})
		var sv pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:secretsmanager/secretVersion:SecretVersion", "token", pulumi.Map{
			"secretString": config.RequireSecret(ctx, "apiToken"),
			"password":     pw.Result,
			"admin":        config.RequireSecret(ctx, "admin"),
		}, &sv); err != nil {
			return err
		}
		ctx.Export("password", pw.Result)
		return nil
	}
	for _, format := range []string{"text", "json", "mermaid"} {
		r := runProgram(t, program, "-dir", dir, "-stack", "test", "-format", format, "-secret", "admin="+override)
		if r.code != 0 {
			t.Fatalf("-format %s: exit %d, stderr %q", format, r.code, r.stderr)
		}
		mu.Lock()
		clear := append([]string{"tok-declared-4242", override}, generated...)
		mu.Unlock()
		if len(clear) < 3 {
			t.Fatalf("the program never saw its password")
		}
		for _, c := range clear {
			if strings.Contains(r.stdout, c) || strings.Contains(r.stderr, c) {
				t.Errorf("-format %s shows the secret %q in clear", format, c)
			}
		}
		if format == "json" {
			d := decodeDigest(t, r.stdout)
			for _, key := range []string{"demo:apiToken", "demo:admin"} {
				if got := d.Config[key]; got != "[secret]" {
					t.Errorf("config %s: got %q, want [secret]", key, got)
				}
			}
		}
	}
}

// secretStrings collects the clear text of every secret in a property map.
func secretStrings(v resource.PropertyValue, inSecret bool, into map[string]bool) {
	switch {
	case v.IsSecret():
		secretStrings(v.SecretValue().Element, true, into)
	case v.IsOutput():
		secretStrings(v.OutputValue().Element, inSecret || v.OutputValue().Secret, into)
	case v.IsArray():
		for _, e := range v.ArrayValue() {
			secretStrings(e, inSecret, into)
		}
	case v.IsObject():
		for _, e := range v.ObjectValue() {
			secretStrings(e, inSecret, into)
		}
	case v.IsString() && inSecret && len(v.StringValue()) >= 6:
		into[v.StringValue()] = true
	}
}

// TestStackSecretsNeverInClear protects the stacks' own secrets (the
// generated Django secret key and whatever else a component marks secret):
// none of them appears in clear in any format.
func TestStackSecretsNeverInClear(t *testing.T) {
	for _, tc := range stackProfiles {
		t.Run(tc.stack, func(t *testing.T) {
			res := testutil.MustRunStack(t, tc.stack, nil)
			secrets := map[string]bool{}
			for _, r := range res.Resources {
				secretStrings(resource.NewProperty(r.Inputs), false, secrets)
				secretStrings(resource.NewProperty(r.Outputs), false, secrets)
			}
			if len(secrets) == 0 {
				t.Fatalf("stack %s holds no secret value; the Django secret key should be one", tc.stack)
			}
			for _, format := range []string{"text", "json", "mermaid"} {
				out := mustRun(t, "-stack", tc.stack, "-format", format)
				for s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("-format %s shows a secret of stack %s in clear: %q", format, tc.stack, s)
					}
				}
			}
		})
	}
}
