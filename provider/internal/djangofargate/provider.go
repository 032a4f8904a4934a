// Package djangofargate builds the provider that serves the components
// package to Pulumi programs in every language, and its schema.
package djangofargate

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/djangofargate/djangofargate/components"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Name is the package name: the first part of every type token
// ("djangofargate:components:DjangoService", the same tokens the Go
// components register) and the plugin's name (pulumi-resource-djangofargate).
const Name = "djangofargate"

// Version is the version the plugin reports and the schema carries.
const Version = "0.1.0"

// New returns the provider. infer derives each component's inputs from the
// `pulumi` tags of its Args struct and its outputs from the component's
// tagged output fields; Construct runs the same NewX function a Go program
// calls, so every language gets the same validation, defaults and children.
func New() (p.Provider, error) {
	return infer.NewProviderBuilder().
		WithNamespace(Name).
		WithDisplayName("djangofargate").
		WithDescription("Components that put a production Django API on AWS ECS Fargate: Network, Registry, Database, Storage, DjangoService, Alerts, Dashboard.").
		WithKeywords("django", "aws", "ecs", "fargate", "category/cloud", "kind/component").
		WithLicense("Apache-2.0").
		WithComponents(
			infer.ComponentF(components.NewNetwork),
			infer.ComponentF(components.NewRegistry),
			infer.ComponentF(components.NewDatabase),
			infer.ComponentF(components.NewStorage),
			infer.ComponentF(components.NewDjangoService),
			infer.ComponentF(components.NewAlerts),
			infer.ComponentF(components.NewDashboard),
		).
		Build()
}

// Schema returns the package schema the provider serves, as indented JSON
// with a final newline: what `pulumi package get-schema` would print, and
// what `pulumi package add` generates each language's SDK from.
func Schema(ctx context.Context) ([]byte, error) {
	prov, err := New()
	if err != nil {
		return nil, err
	}
	spec, err := p.GetSchema(ctx, Name, Version, prov)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", Name, err)
	}
	out, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
