// Package stacks is the djangofargate stack program: it reads a stack's
// configuration and wires the components into one deployment.
package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
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
	// Protect marks the database and the media bucket `protect` (and the
	// bucket retainOnDelete): deleting the stack cannot lose their data.
	Protect bool

	// Network.
	AZCount          int
	VpcCidr          string
	NatGateways      string
	VpcEndpoints     bool
	FlowLogs         bool
	LogRetentionDays int

	// Registry and image.
	AppPath      string
	Dockerfile   string
	Architecture string
	Image        string
	ImagesKept   int

	// Database.
	DBInstanceClass       string
	DBEngineVersion       string
	DBAllocatedStorage    int
	DBMaxAllocatedStorage int
	DBMultiAZ             bool
	DBBackupRetentionDays int
	DBDeletionProtection  bool
	DBPerformanceInsights bool

	// Storage.
	CorsOrigins   []string
	StaticBucket  bool
	AlbAccessLogs bool

	// Service.
	CPU                   int
	Memory                int
	DesiredCount          int
	MinTasks              int
	MaxTasks              int
	CPUTarget             int
	RequestsPerTarget     int
	Spot                  bool
	EcsExec               bool
	ContainerInsights     bool
	AlbDeletionProtection bool
	IdleTimeout           int
	HealthCheckPath       string
	Domain                string
	HostedZone            string
	CertificateArn        string
	Migrations            bool

	root string // the project directory
}

// shared are the defaults no profile changes.
var shared = Config{
	AZCount:               2,
	VpcCidr:               "10.0.0.0/16",
	AppPath:               "app",
	Dockerfile:            "Dockerfile",
	Architecture:          components.ArchX86_64,
	ImagesKept:            10,
	DBEngineVersion:       "17",
	DBAllocatedStorage:    20,
	DBMaxAllocatedStorage: 100,
	CPUTarget:             60,
	RequestsPerTarget:     1000,
	IdleTimeout:           60,
	HealthCheckPath:       "/healthz",
	Migrations:            true,
}

// profiles holds each profile's defaults. A profile chooses cost and
// availability trade-offs only, never security.
var profiles = map[string]func(c *Config){
	Production: func(c *Config) {
		c.Protect = true
		c.NatGateways = components.NatOnePerAZ
		c.VpcEndpoints, c.FlowLogs = true, true
		c.LogRetentionDays = 365
		c.DBInstanceClass = "db.t4g.medium"
		c.DBMultiAZ, c.DBDeletionProtection, c.DBPerformanceInsights = true, true, true
		c.DBBackupRetentionDays = 14
		c.AlbAccessLogs, c.AlbDeletionProtection, c.ContainerInsights = true, true, true
		c.CPU, c.Memory = 1024, 2048
		c.DesiredCount, c.MinTasks, c.MaxTasks = 2, 2, 10
	},
	Development: func(c *Config) {
		c.NatGateways = components.NatSingle
		c.LogRetentionDays = 14
		c.DBInstanceClass = "db.t4g.micro"
		c.DBBackupRetentionDays = 1
		c.CPU, c.Memory = 256, 512
		c.DesiredCount, c.MinTasks, c.MaxTasks = 1, 1, 3
		c.Spot = true
	},
}

// Load reads the stack's configuration from the djangofargate namespace and
// validates it. The error names the key, the bad value and what is allowed.
func Load(ctx *pulumi.Context) (*Config, error) {
	c, err := Parse(ctx.RootDirectory(), config.New(ctx, Namespace).Get)
	if err != nil {
		return nil, err
	}
	if err := c.checkRegion(config.New(ctx, "aws").Get("region")); err != nil {
		return nil, err
	}
	if err := c.checkName(ctx.Project()); err != nil {
		return nil, err
	}
	return c, nil
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
	return nil
}

// checkRegion refuses a certificateArn from another region than the stack's
// aws:region: a load balancer takes certificates from its own region only,
// so the listener would fail at deploy. An unset region is not checked.
func (c *Config) checkRegion(region string) error {
	parts := strings.Split(c.CertificateArn, ":")
	if region == "" || len(parts) < 4 || parts[3] == region {
		return nil
	}
	return keyError("certificateArn", "%q is in region %s, but the stack deploys to aws:region %s; a load balancer uses certificates from its own region only", c.CertificateArn, parts[3], region)
}

// Parse builds a Config from a key lookup that returns "" for unset keys;
// root is the project directory, against which appPath resolves.
func Parse(root string, get func(key string) string) (*Config, error) {
	r := reader{get: get}
	profile := r.raw("profile", "string")
	if profile == "" {
		profile = Production
	}
	apply, ok := profiles[profile]
	if !ok {
		return nil, keyError("profile", "%q is not a profile; use %q or %q", profile, Production, Development)
	}
	c := shared
	c.Profile = profile
	apply(&c)
	c.read(&r)
	if err := errors.Join(r.errs...); err != nil {
		return nil, err
	}
	if !r.set["desiredCount"] {
		// The profile's desiredCount follows minTasks and maxTasks set
		// explicitly, rather than failing on a key the stack never set.
		c.DesiredCount = min(max(c.DesiredCount, c.MinTasks), c.MaxTasks)
	}
	c.root = root
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
	r.bool("protect", &c.Protect)

	r.string("appPath", &c.AppPath)
	r.string("dockerfile", &c.Dockerfile)
	r.string("architecture", &c.Architecture)
	r.string("image", &c.Image)
	r.int("imagesKept", &c.ImagesKept)

	r.string("dbInstanceClass", &c.DBInstanceClass)
	r.string("dbEngineVersion", &c.DBEngineVersion)
	r.int("dbAllocatedStorage", &c.DBAllocatedStorage)
	r.int("dbMaxAllocatedStorage", &c.DBMaxAllocatedStorage)
	r.bool("dbMultiAz", &c.DBMultiAZ)
	r.int("dbBackupRetentionDays", &c.DBBackupRetentionDays)
	r.bool("dbDeletionProtection", &c.DBDeletionProtection)
	r.bool("dbPerformanceInsights", &c.DBPerformanceInsights)

	r.strings("corsOrigins", &c.CorsOrigins)
	r.bool("staticBucket", &c.StaticBucket)
	r.bool("albAccessLogs", &c.AlbAccessLogs)

	r.int("cpu", &c.CPU)
	r.int("memory", &c.Memory)
	r.int("desiredCount", &c.DesiredCount)
	r.int("minTasks", &c.MinTasks)
	r.int("maxTasks", &c.MaxTasks)
	r.int("cpuTarget", &c.CPUTarget)
	r.int("requestsPerTarget", &c.RequestsPerTarget)
	r.bool("spot", &c.Spot)
	r.bool("ecsExec", &c.EcsExec)
	r.bool("containerInsights", &c.ContainerInsights)
	r.bool("albDeletionProtection", &c.AlbDeletionProtection)
	r.int("idleTimeout", &c.IdleTimeout)
	r.string("healthCheckPath", &c.HealthCheckPath)
	r.string("domain", &c.Domain)
	r.string("hostedZone", &c.HostedZone)
	r.string("certificateArn", &c.CertificateArn)
	r.bool("migrations", &c.Migrations)
}

// Keys lists every config key the program reads, without the namespace.
func Keys() []string {
	return allKeys().keys
}

// KeyTypes maps every key to the type the program parses it as:
// "string", "integer", "boolean" or "array". Keys whose default depends on
// the profile are declared string in Pulumi.yaml (their default is
// ProfileDefault), so this, not Pulumi.yaml, is their real type.
func KeyTypes() map[string]string {
	return allKeys().types
}

func allKeys() *reader {
	r := &reader{get: func(string) string { return "" }}
	r.string("profile", new(string))
	(&Config{}).read(r)
	return r
}

// validate runs each component's own validation on the arguments the
// config gives it, before any resource is registered, so a bad config
// leaves nothing half-made; errors name the config key.
func (c *Config) validate() error {
	w := placeholderWiring()
	checks := []struct {
		err   error
		keyOf map[string]string
	}{
		{c.NetworkArgs().Validate(), map[string]string{
			"cidrBlock": "vpcCidr", "azCount": "azCount", "natGateways": "natGateways",
			"interfaceEndpoints": "vpcEndpoints", "flowLogs": "flowLogs", "logRetentionDays": "logRetentionDays",
		}},
		{c.RegistryArgs().Validate(), map[string]string{
			"context": "appPath", "dockerfile": "dockerfile", "architecture": "architecture",
			"image": "image", "imagesKept": "imagesKept",
		}},
		{c.DatabaseArgs(w).Validate(), map[string]string{
			"engineVersion": "dbEngineVersion", "instanceClass": "dbInstanceClass",
			"allocatedStorage": "dbAllocatedStorage", "maxAllocatedStorage": "dbMaxAllocatedStorage",
			"backupRetentionDays": "dbBackupRetentionDays", "performanceInsights": "dbPerformanceInsights",
			"logRetentionDays": "logRetentionDays",
		}},
		{c.StorageArgs().Validate(), map[string]string{"corsOrigins": "corsOrigins"}},
		{c.ServiceArgs(w).Validate(), map[string]string{
			"cpu": "cpu", "memory": "memory", "desiredCount": "desiredCount", "minTasks": "minTasks",
			"maxTasks": "maxTasks", "cpuTarget": "cpuTarget", "requestsPerTarget": "requestsPerTarget",
			"livenessPath": "healthCheckPath", "domain": "domain", "hostedZone": "hostedZone",
			"certificateArn": "certificateArn", "idleTimeout": "idleTimeout", "architecture": "architecture",
		}},
	}
	for _, ch := range checks {
		if err := fieldErrors(ch.err, ch.keyOf); err != nil {
			return err
		}
	}
	return nil
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
	return components.NetworkArgs{
		CidrBlock:          c.VpcCidr,
		AZCount:            c.AZCount,
		NatGateways:        c.NatGateways,
		InterfaceEndpoints: pulumi.BoolRef(c.VpcEndpoints),
		FlowLogs:           pulumi.BoolRef(c.FlowLogs),
		LogRetentionDays:   c.LogRetentionDays,
	}
}

// RegistryArgs are the Registry's arguments; a relative appPath resolves
// against the project directory.
func (c *Config) RegistryArgs() components.RegistryArgs {
	if c.Image != "" {
		return components.RegistryArgs{Image: c.Image, Architecture: c.Architecture, ImagesKept: c.ImagesKept}
	}
	path := c.AppPath
	if !filepath.IsAbs(path) && c.root != "" {
		path = filepath.Join(c.root, path)
	}
	return components.RegistryArgs{
		Context: path, Dockerfile: c.Dockerfile, Architecture: c.Architecture, ImagesKept: c.ImagesKept,
	}
}

// DatabaseArgs are the Database's arguments: the isolated subnets, and the
// tasks admitted by the service's own rule.
func (c *Config) DatabaseArgs(w Wiring) components.DatabaseArgs {
	return components.DatabaseArgs{
		VpcID:               w.Network.VpcID,
		SubnetIDs:           w.Network.IsolatedSubnetIDs,
		EngineVersion:       c.DBEngineVersion,
		InstanceClass:       c.DBInstanceClass,
		AllocatedStorage:    c.DBAllocatedStorage,
		MaxAllocatedStorage: c.DBMaxAllocatedStorage,
		MultiAZ:             pulumi.BoolRef(c.DBMultiAZ),
		BackupRetentionDays: c.DBBackupRetentionDays,
		DeletionProtection:  pulumi.BoolRef(c.DBDeletionProtection),
		FinalSnapshot:       pulumi.BoolRef(c.DBDeletionProtection),
		Protect:             pulumi.BoolRef(c.Protect),
		PerformanceInsights: pulumi.BoolRef(c.DBPerformanceInsights),
		LogRetentionDays:    c.LogRetentionDays,
	}
}

// StorageArgs are the Storage component's arguments.
func (c *Config) StorageArgs() components.StorageArgs {
	return components.StorageArgs{
		CorsOrigins: c.CorsOrigins,
		AccessLogs:  pulumi.BoolRef(c.AlbAccessLogs),
		Protect:     pulumi.BoolRef(c.Protect),
	}
}

// ServiceArgs are the DjangoService's arguments.
func (c *Config) ServiceArgs(w Wiring) components.DjangoServiceArgs {
	a := components.DjangoServiceArgs{
		VpcID:                   w.Network.VpcID,
		PublicSubnetIDs:         w.Network.PublicSubnetIDs,
		PrivateSubnetIDs:        w.Network.PrivateSubnetIDs,
		ImageURI:                w.Registry.ImageURI,
		RepositoryArn:           w.Registry.RepositoryArn,
		Architecture:            c.Architecture,
		DatabaseHost:            w.Database.Address,
		DatabasePort:            w.Database.Port,
		DatabaseName:            w.Database.DBName,
		DatabaseSecretArn:       w.Database.MasterSecretArn,
		DatabaseSecurityGroupID: w.Database.SecurityGroupID,
		MediaBucketName:         w.Storage.MediaBucketName,
		TaskPolicyJSON:          w.Storage.MediaPolicyJSON,
		ContainerInsights:       pulumi.BoolRef(c.ContainerInsights),
		CPU:                     c.CPU,
		Memory:                  c.Memory,
		DesiredCount:            c.DesiredCount,
		MinTasks:                c.MinTasks,
		MaxTasks:                c.MaxTasks,
		CPUTarget:               c.CPUTarget,
		RequestsPerTarget:       c.RequestsPerTarget,
		Spot:                    c.Spot,
		EcsExec:                 c.EcsExec,
		LivenessPath:            c.HealthCheckPath,
		Domain:                  c.Domain,
		HostedZone:              c.HostedZone,
		CertificateArn:          c.CertificateArn,
		IdleTimeout:             c.IdleTimeout,
		DeletionProtection:      pulumi.BoolRef(c.AlbDeletionProtection),
		Migrations:              pulumi.BoolRef(c.Migrations),
		LogRetentionDays:        c.LogRetentionDays,
	}
	if c.AlbAccessLogs {
		a.AccessLogsBucket, a.AccessLogsPrefix = w.Storage.LogBucketName, w.Storage.LogPrefix
	}
	return a
}

// fieldErrors turns a component's *FieldError into an error naming the config
// key that set the field; other fields the reason mentions are renamed to
// their keys too, so the message speaks the config's language throughout.
func fieldErrors(err error, keyOf map[string]string) error {
	var fe *components.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	key, ok := keyOf[fe.Field]
	if !ok {
		return err
	}
	reason := fe.Reason
	for field, k := range keyOf {
		if field == strings.ToLower(field) && field != k {
			continue // a one-word field ("context") is also an English word: "build context" must not read "build appPath"
		}
		reason = regexp.MustCompile(`\b`+regexp.QuoteMeta(field)+`\b`).ReplaceAllString(reason, k)
	}
	return keyError(key, "%s", reason)
}

func keyError(key, format string, a ...any) error {
	return fmt.Errorf("config %s:%s: %s", Namespace, key, fmt.Sprintf(format, a...))
}

// reader parses typed keys, collecting an error per bad key.
type reader struct {
	get   func(string) string
	keys  []string
	types map[string]string // key -> "string", "integer", "boolean" or "array"
	set   map[string]bool   // keys the stack set, not left to the profile
	errs  []error
}

// ProfileDefault is the value that leaves a key to the profile: the
// Pulumi.yaml default of every key whose default depends on the profile.
const ProfileDefault = "profile"

// raw records the key and its type and returns its value, or "" when it is
// unset or ProfileDefault.
func (r *reader) raw(key, typ string) string {
	r.keys = append(r.keys, key)
	if r.types == nil {
		r.types, r.set = map[string]string{}, map[string]bool{}
	}
	r.types[key] = typ
	v := strings.TrimSpace(r.get(key))
	if v == ProfileDefault {
		return ""
	}
	r.set[key] = v != ""
	return v
}

func (r *reader) string(key string, dst *string) {
	if v := r.raw(key, "string"); v != "" {
		*dst = v
	}
}

func (r *reader) int(key string, dst *int) {
	v := r.raw(key, "integer")
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, keyError(key, "%q is not a whole number", v))
		return
	}
	if n == 0 {
		// The components read 0 as "use my default": a 0 that reached them
		// would be replaced without a word. No key here means anything by 0.
		r.errs = append(r.errs, keyError(key, "0 is not allowed (it would silently become the default); set a whole number in the range Pulumi.yaml describes, or remove the key for the default"))
		return
	}
	*dst = n
}

func (r *reader) strings(key string, dst *[]string) {
	v := r.raw(key, "array")
	if v == "" {
		return
	}
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		r.errs = append(r.errs, keyError(key, "%q is not a list of strings", v))
		return
	}
	*dst = list
}

func (r *reader) bool(key string, dst *bool) {
	v := r.raw(key, "boolean")
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
