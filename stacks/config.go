// Package stacks is the djangofargate stack program: it reads a stack's
// configuration and wires the components into one deployment.
package stacks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Namespace is the config namespace of every key the program reads.
const Namespace = "djangofargate"

// Profiles.
const (
	// Production is highly available and keeps its data: the default.
	Production = "production"
	// Development trades availability and retention for cost.
	Development = "development"
)

// Config is the whole stack's configuration. Load fills it from the
// profile's defaults, then from every key the stack sets.
type Config struct {
	// Profile is Production or Development.
	Profile string

	// Network.
	AZCount          int
	VpcCidr          string
	NatGateways      string
	VpcEndpoints     bool
	FlowLogs         bool
	LogRetentionDays int
}

// profiles holds each profile's defaults. A profile chooses cost and
// availability trade-offs only, never security.
var profiles = map[string]Config{
	Production: {
		Profile:          Production,
		AZCount:          2,
		VpcCidr:          "10.0.0.0/16",
		NatGateways:      components.NatOnePerAZ,
		VpcEndpoints:     true,
		FlowLogs:         true,
		LogRetentionDays: 365,
	},
	Development: {
		Profile:          Development,
		AZCount:          2,
		VpcCidr:          "10.0.0.0/16",
		NatGateways:      components.NatSingle,
		VpcEndpoints:     false,
		FlowLogs:         false,
		LogRetentionDays: 14,
	},
}

// Load reads the stack's configuration from the djangofargate namespace and
// validates it. The error names the key, the bad value and what is allowed.
func Load(ctx *pulumi.Context) (*Config, error) {
	return Parse(config.New(ctx, Namespace).Get)
}

// Parse builds a Config from a key lookup that returns "" for unset keys.
func Parse(get func(key string) string) (*Config, error) {
	r := reader{get: get}
	profile := r.raw("profile")
	if profile == "" {
		profile = Production
	}
	c, ok := profiles[profile]
	if !ok {
		return nil, keyError("profile", "%q is not a profile; use %q or %q", profile, Production, Development)
	}
	c.read(&r)
	if err := errors.Join(r.errs...); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// read overlays every key the stack sets. Adding a key means a field above,
// a line here, a default in each profile and a declaration in Pulumi.yaml.
func (c *Config) read(r *reader) {
	r.int("azCount", &c.AZCount)
	r.string("vpcCidr", &c.VpcCidr)
	r.string("natGateways", &c.NatGateways)
	r.bool("vpcEndpoints", &c.VpcEndpoints)
	r.bool("flowLogs", &c.FlowLogs)
	r.int("logRetentionDays", &c.LogRetentionDays)
}

// Keys lists every config key the program reads, without the namespace.
func Keys() []string {
	r := reader{get: func(string) string { return "" }}
	r.raw("profile")
	(&Config{}).read(&r)
	return r.keys
}

// validate checks the rules that span keys, and runs each component's own
// validation on the arguments the config gives it, before any resource is
// registered, so a bad config leaves nothing half-made.
func (c *Config) validate() error {
	return fieldErrors(c.NetworkArgs().Validate(), map[string]string{
		"cidrBlock":          "vpcCidr",
		"azCount":            "azCount",
		"natGateways":        "natGateways",
		"interfaceEndpoints": "vpcEndpoints",
		"flowLogs":           "flowLogs",
		"logRetentionDays":   "logRetentionDays",
	})
}

// NetworkArgs are the Network component's arguments for this stack.
func (c *Config) NetworkArgs() components.NetworkArgs {
	return components.NetworkArgs{
		CidrBlock:          c.VpcCidr,
		AZCount:            c.AZCount,
		NatGateways:        c.NatGateways,
		InterfaceEndpoints: pulumi.BoolRef(c.VpcEndpoints),
		FlowLogs:           pulumi.BoolRef(c.FlowLogs),
		LogRetentionDays:   c.LogRetentionDays,
	}
}

// fieldErrors turns a component's *FieldError into an error naming the config
// key that set the field.
func fieldErrors(err error, keyOf map[string]string) error {
	var fe *components.FieldError
	if errors.As(err, &fe) {
		if key, ok := keyOf[fe.Field]; ok {
			return keyError(key, "%s", fe.Reason)
		}
	}
	return err
}

func keyError(key, format string, a ...any) error {
	return fmt.Errorf("config %s:%s: %s", Namespace, key, fmt.Sprintf(format, a...))
}

// reader parses typed keys, collecting an error per bad key.
type reader struct {
	get  func(string) string
	keys []string
	errs []error
}

func (r *reader) raw(key string) string {
	r.keys = append(r.keys, key)
	return strings.TrimSpace(r.get(key))
}

func (r *reader) string(key string, dst *string) {
	if v := r.raw(key); v != "" {
		*dst = v
	}
}

func (r *reader) int(key string, dst *int) {
	v := r.raw(key)
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, keyError(key, "%q is not a whole number", v))
		return
	}
	*dst = n
}

func (r *reader) bool(key string, dst *bool) {
	v := r.raw(key)
	if v == "" {
		return
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, keyError(key, "%q is not true or false", v))
		return
	}
	*dst = b
}
