// Package stacks is the djangofargate stack program: it reads a stack's
// configuration and wires the components into one deployment.
package stacks

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/djangofargate/djangofargate/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Namespace is the config namespace of every key the program reads.
const Namespace = "djangofargate"

// Profiles.
const (
	// Production is highly available and keeps its data: the default, and
	// the source of Pulumi.yaml's defaults.
	Production = "production"
	// Development trades availability and retention for cost.
	Development = "development"
)

// Config is the whole stack's configuration: the profile and each
// component's arguments, as the keys set them (keyTable says which key sets
// which argument). Parse fills it; the *Args methods add the wiring.
type Config struct {
	// Profile is Production or Development.
	Profile string

	Network  components.NetworkArgs
	Registry components.RegistryArgs
	Database components.DatabaseArgs
	Storage  components.StorageArgs
	Service  components.DjangoServiceArgs
	Alerts   components.AlertsArgs

	// WorkerEnabled adds a Worker and its TaskQueue (config key worker).
	WorkerEnabled bool
	// Worker and WorkerQueue are their arguments; validated even when
	// WorkerEnabled is false, so a bad value is refused before it matters.
	Worker      components.WorkerArgs
	WorkerQueue components.TaskQueueArgs
	// Schedules are the schedules key's entries, "NAME EXPRESSION
	// COMMAND...", and ScheduleTimezone the time zone they are read in;
	// ScheduledCommands parses them.
	Schedules        []string
	ScheduleTimezone string

	root string // the project directory
	// certificateArn is the certificateArn key's value, which also sets
	// Service.CertificateArn (a Pulumi input there).
	certificateArn string
}

// Load reads the stack's configuration and validates it. The error names
// the key, the bad value and what is allowed.
//
// It refuses what a user cannot have meant: a key of the djangofargate
// namespace the program does not read, and a key of a namespace one typo
// away from it. The engine gives a Go program its whole configuration in
// the PULUMI_CONFIG environment variable (pulumi/pulumi
// sdk/go/pulumi-language-go/main.go, constructEnv; sdk/go/pulumi/run.go,
// getEnvInfo, reads it into the context); Load reads the key names from
// there. When it is absent or is not this run's configuration (a test
// harness running the program on mocks of its own), only the declared keys
// are read.
func Load(ctx *pulumi.Context) (*Config, error) {
	values, err := namespaceValues(ctx)
	if err != nil {
		return nil, err
	}
	c, err := Parse(ctx.RootDirectory(), values)
	if err != nil {
		return nil, err
	}
	region, _ := ctx.GetConfig("aws:region")
	if err := c.checkRegion(region); err != nil {
		return nil, err
	}
	if err := c.checkName(ctx.Project()); err != nil {
		return nil, err
	}
	return c, nil
}

// namespaceValues returns the djangofargate keys the stack's configuration
// holds, unqualified, after refusing misspelt namespaces.
func namespaceValues(ctx *pulumi.Context) (map[string]string, error) {
	values := map[string]string{}
	all, ok := engineConfig(ctx)
	if !ok {
		for _, k := range keyTable() {
			if v, ok := ctx.GetConfig(Namespace + ":" + k.Name); ok {
				values[k.Name] = v
			}
		}
		return values, nil
	}
	var errs []error
	for _, q := range slices.Sorted(maps.Keys(all)) {
		ns, name, _ := strings.Cut(q, ":")
		switch {
		case ns == Namespace:
			values[name] = all[q]
		case nearNamespace(ns):
			errs = append(errs, fmt.Errorf("config %s: the namespace %q is not this project's (%s), so its value %q would be ignored; %s", q, ns, Namespace, all[q], namespaced(name)))
		}
	}
	return values, errors.Join(errs...)
}

// Parse builds a Config from the values of the djangofargate keys
// (unqualified names; text as the engine passes it, arrays as JSON) and
// validates it, before anything is registered.
//
// A key absent from values takes its profile's default from the key table.
// Under the Pulumi CLI no declared key is absent: the CLI fills each from
// Pulumi.yaml, whose defaults are production's, so a development stack
// states development's values in its stack file (as Pulumi.dev.yaml does),
// and a stack that says development but holds none of them is refused.
//
// Refused, each naming the key: a key the program does not read (with the
// nearest one it does), an empty value where the default is not empty, a
// value the CLI would refuse for the key's type, a value out of the key's
// range, and whatever the components refuse.
func Parse(root string, values map[string]string) (*Config, error) {
	keys := keyTable()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !slices.ContainsFunc(keys, func(k Key) bool { return k.Name == name }) {
			errs = append(errs, keyError(name, "not a key this program reads, so its value %q would be ignored; %s (the keys are listed in Pulumi.yaml and the README)", values[name], didYouMean(name)))
		}
	}

	profile := Production
	if v, ok := values["profile"]; ok {
		profile = strings.TrimSpace(v)
	}
	if profile != Production && profile != Development {
		// The profile key's own check below names the bad value; parse the
		// rest against production so every other error is reported too.
		profile = Production
	}
	c := Config{root: root}
	parsed := map[string]any{}
	for _, k := range keys {
		v := k.Defaults[profile]
		if raw, ok := values[k.Name]; ok {
			got, err := k.read(raw)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			v = got
			parsed[k.Name] = got
		}
		k.apply(&c, v)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := checkProfileValues(keys, c.Profile, parsed); err != nil {
		return nil, err
	}
	if err := c.validate(keys); err != nil {
		return nil, err
	}
	return &c, nil
}

// read parses a key's raw value, refusing an empty value where the
// default is not empty: the engine passes "" for a key set to nothing
// (`pulumi config set vpcCidr ""`), which would otherwise become the
// default without a word; on a live stack, that can replace the network.
func (k Key) read(raw string) (any, error) {
	if strings.TrimSpace(raw) == "" && !k.emptyOK {
		return nil, keyError(k.Name, "an empty value (%q) is not allowed; set %s, or remove the key for the default (%s)", raw, k.allowedOr(), formatDefault(k.Defaults[Production]))
	}
	v, err := k.parse(raw)
	if err != nil {
		return nil, keyError(k.Name, "%v", err)
	}
	return v, nil
}

func (k Key) allowedOr() string {
	if k.Allowed == "" {
		return "a " + k.Type
	}
	return k.Allowed
}

// checkProfileValues refuses a development stack that holds none of the
// development profile's values. Pulumi.yaml's defaults are production's and
// the program cannot tell a default from a value the stack set, so such a
// stack (typically `pulumi stack init`, then `pulumi config set profile
// development`) would deploy production's sizes while saying development.
func checkProfileValues(keys []Key, profile string, parsed map[string]any) error {
	if profile != Development {
		return nil
	}
	var want []string
	for _, k := range keys {
		if !k.ProfileDependent() {
			continue
		}
		v, ok := parsed[k.Name]
		if !ok || !reflect.DeepEqual(v, k.Defaults[Production]) {
			return nil // a key left to the profile, or set to something other than production's
		}
		want = append(want, fmt.Sprintf("%s: %s", k.Name, formatDefault(k.Defaults[Development])))
	}
	return keyError("profile", "%q, but every key the profile decides holds production's value (Pulumi.yaml's defaults are production's): this stack would deploy production's sizes. Set the development values in the stack file, as Pulumi.dev.yaml does (`pulumi stack init NAME --copy-config-from dev` copies them): %s; or set profile to %q",
		Development, strings.Join(want, ", "), Production)
}

// formatDefault prints a default as a user would type it.
func formatDefault(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return `""`
		}
		return v
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	default:
		return fmt.Sprint(v)
	}
}

// checkName checks the project name, which Program gives every component,
// against each component's name rules: otherwise a name only the last
// component refuses fails the program after the others have registered
// their resources, and `pulumi up` leaves a half-made stack.
func (c *Config) checkName(name string) error {
	w := placeholderWiring()
	for _, err := range []error{
		c.NetworkArgs().ValidateNamed(name), c.RegistryArgs().ValidateNamed(name), c.StorageArgs().ValidateNamed(name),
		c.DatabaseArgs(w).ValidateNamed(name), c.ServiceArgs(w).ValidateNamed(name),
	} {
		if err != nil {
			return fmt.Errorf("project name %q (the name in Pulumi.yaml, which names every component) is not allowed: %w", name, err)
		}
	}
	if err := c.checkSchedules(name); err != nil {
		var fe *components.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("project name %q (the name in Pulumi.yaml, which names every component) is not allowed: %w", name, err)
		}
		return err
	}
	return nil
}

// checkRegion refuses a certificateArn from another region than the stack's
// aws:region: a load balancer takes certificates from its own region only,
// so the listener would fail at deploy. An unset region is not checked.
func (c *Config) checkRegion(region string) error {
	arn := c.certificateArn
	parts := strings.Split(arn, ":")
	if region == "" || len(parts) < 4 || parts[3] == region {
		return nil
	}
	return keyError("certificateArn", "%q is in region %s, but the stack deploys to aws:region %s; a load balancer uses certificates from its own region only", arn, parts[3], region)
}

// validate runs each component's own validation on the arguments the
// config gives it, before any resource is registered, so a bad config
// leaves nothing half-made. A component names the argument; the key table
// says which key set it.
func (c *Config) validate(keys []Key) error {
	w := placeholderWiring()
	for _, err := range []error{
		c.NetworkArgs().Validate(), c.RegistryArgs().Validate(), c.DatabaseArgs(w).Validate(),
		c.StorageArgs().Validate(), c.ServiceArgs(w).Validate(), c.Alerts.Validate(),
		c.Worker.Validate(), c.WorkerQueue.Validate(WorkerName, ""),
	} {
		if err != nil {
			return c.keyOf(keys, err)
		}
	}
	return c.checkSchedules("")
}

// keyOf turns a component's *FieldError into an error naming the key that
// set the argument. The component's reason is kept as it is; when it names
// other arguments that keys of other names set, a note says which.
func (c *Config) keyOf(keys []Key, err error) error {
	var fe *components.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	type arg struct{ component, field string }
	keyOf := map[arg]string{}
	for _, k := range keys {
		for _, t := range k.targets {
			if t.component != "" {
				keyOf[arg{t.component, t.tag(c)}] = k.Name
			}
		}
	}
	key, ok := keyOf[arg{fe.Component, fe.Field}]
	if !ok {
		return err
	}
	var notes []string
	for a, k := range keyOf {
		if a.component == fe.Component && a.field != fe.Field && a.field != k && mentions(fe.Reason, a.field) {
			notes = append(notes, fmt.Sprintf("%s is %s:%s", a.field, Namespace, k))
		}
	}
	slices.Sort(notes)
	if len(notes) > 0 {
		return keyError(key, "%s (%s)", fe.Reason, strings.Join(notes, "; "))
	}
	return keyError(key, "%s", fe.Reason)
}

// mentions reports whether text holds word as a whole word.
func mentions(text, word string) bool {
	for i := strings.Index(text, word); i >= 0; {
		before, after := i == 0 || !isWordByte(text[i-1]), i+len(word) == len(text) || !isWordByte(text[i+len(word)])
		if before && after {
			return true
		}
		next := strings.Index(text[i+1:], word)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func keyError(key, format string, a ...any) error {
	return fmt.Errorf("config %s:%s: %s", Namespace, key, fmt.Sprintf(format, a...))
}

// Wiring carries the outputs one component hands another.
type Wiring struct {
	Network  *components.Network
	Registry *components.Registry
	Database *components.Database
	Storage  *components.Storage
}

// placeholderWiring stands in for real outputs when only the plain
// arguments are being validated.
func placeholderWiring() Wiring {
	s := pulumi.String("").ToStringOutput()
	ids := pulumi.StringArray{}.ToStringArrayOutput()
	return Wiring{
		Network:  &components.Network{VpcID: s, PublicSubnetIDs: ids, PrivateSubnetIDs: ids, IsolatedSubnetIDs: ids},
		Registry: &components.Registry{ImageURI: s, RepositoryArn: s},
		Database: &components.Database{Address: s, Port: pulumi.Int(5432).ToIntOutput(), DBName: s, MasterSecretArn: s, SecurityGroupID: s},
		Storage:  &components.Storage{MediaBucketName: s, MediaPolicyJSON: s, LogBucketName: s, LogPrefix: s},
	}
}

// NetworkArgs are the Network component's arguments for this stack.
func (c *Config) NetworkArgs() components.NetworkArgs {
	return c.Network
}

// RegistryArgs are the Registry's arguments: a prebuilt image, or a build
// of appPath, which resolves against the project directory when relative.
func (c *Config) RegistryArgs() components.RegistryArgs {
	a := c.Registry
	if a.Image != "" {
		a.Context, a.Dockerfile = "", ""
		return a
	}
	if !filepath.IsAbs(a.Context) && c.root != "" {
		a.Context = filepath.Join(c.root, a.Context)
	}
	return a
}

// DatabaseArgs are the Database's arguments: the isolated subnets, and the
// tasks admitted by the service's own rule.
func (c *Config) DatabaseArgs(w Wiring) components.DatabaseArgs {
	a := c.Database
	a.VpcID, a.SubnetIDs = w.Network.VpcID, w.Network.IsolatedSubnetIDs
	return a
}

// StorageArgs are the Storage component's arguments.
func (c *Config) StorageArgs() components.StorageArgs {
	return c.Storage
}

// ServiceArgs are the DjangoService's arguments; the load balancer's access
// logs go to the Storage's log bucket when albAccessLogs is on.
func (c *Config) ServiceArgs(w Wiring) components.DjangoServiceArgs {
	a := c.Service
	a.VpcID, a.PublicSubnetIDs, a.PrivateSubnetIDs = w.Network.VpcID, w.Network.PublicSubnetIDs, w.Network.PrivateSubnetIDs
	a.ImageURI, a.RepositoryArn = w.Registry.ImageURI, w.Registry.RepositoryArn
	a.DatabaseHost, a.DatabasePort, a.DatabaseName = w.Database.Address, w.Database.Port, w.Database.DBName
	a.DatabaseAppSecretArn, a.DatabaseOwnerSecretArn = w.Database.AppSecretArn, w.Database.OwnerSecretArn
	a.DatabaseMasterSecretArn, a.DatabaseSecretsKMSKeyArn = w.Database.MasterSecretArn, w.Database.SecretsKMSKeyArn
	// The database adds the rule admitting the tasks (Database.AllowFrom).
	a.DatabaseSecurityGroupID, a.Database = w.Database.SecurityGroupID, w.Database
	a.MediaBucketName, a.TaskPolicyJSON = w.Storage.MediaBucketName, w.Storage.MediaPolicyJSON
	if c.Storage.AccessLogs != nil && *c.Storage.AccessLogs {
		a.AccessLogsBucket, a.AccessLogsPrefix = w.Storage.LogBucketName, w.Storage.LogPrefix
	}
	return a
}
