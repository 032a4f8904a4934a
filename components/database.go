package components

import (
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PostgresPort is the port the database listens on and the only port its
// security group opens.
const PostgresPort = 5432

// Database defaults. Each is the production choice; the cheaper trade-offs
// are explicit arguments.
const (
	DefaultEngineVersion       = "17"
	DefaultInstanceClass       = "db.t4g.medium"
	DefaultAllocatedStorage    = 20
	DefaultMaxAllocatedStorage = 100
	DefaultBackupRetentionDays = 14
	DefaultDBUsername          = "django"
	DefaultDBName              = "app"
	// SlowQueryMillis is log_min_duration_statement: statements slower than
	// this are written to the postgresql log (and so to CloudWatch Logs).
	SlowQueryMillis = 1000
	// performanceInsightsRetentionDays is the free tier of Performance Insights.
	performanceInsightsRetentionDays = 7
	// minPostgresMajor is the oldest major version RDS still offers under
	// standard support.
	minPostgresMajor = 13
	// maxGp3StorageGiB is the gp3 limit for RDS PostgreSQL (rds.json).
	maxGp3StorageGiB = 65536
	minGp3StorageGiB = 20
)

// DatabaseArgs configure a Database. The zero value of every optional field
// is the secure, production choice.
type DatabaseArgs struct {
	// VpcID is the VPC of the database's security group. Required.
	VpcID pulumi.StringInput `pulumi:"vpcId"`
	// SubnetIDs are the subnets of the DB subnet group: the isolated subnets,
	// in at least two AZs. Required.
	SubnetIDs pulumi.StringArrayInput `pulumi:"subnetIds"`
	// AllowedSecurityGroupIDs are the security groups (the app tasks') that
	// may connect on 5432, as one inline ingress rule; nothing else can.
	// Default none: the group then admits nothing until AllowFrom adds
	// ingress rules as separate resources (DjangoService calls it, given
	// DjangoServiceArgs.Database), which is how to break the cycle of the
	// service needing the database's address and the database needing the
	// service's group.
	// Set this or add separate rules, never both: inline rules make Pulumi
	// remove any other rule of the group.
	AllowedSecurityGroupIDs pulumi.StringArrayInput `pulumi:"allowedSecurityGroupIds,optional"`

	// EngineVersion is the PostgreSQL version: a major ("17") or
	// major.minor ("16.4"), 13 or newer. Default "17". A major version alone
	// lets RDS pick, and auto-upgrade, the minor. Changing the major version
	// upgrades the database in place (minutes of downtime; snapshot first) and
	// replaces its parameter group.
	EngineVersion string `pulumi:"engineVersion,optional"`
	// InstanceClass is the RDS instance class, db.<family>.<size>. Default
	// "db.t4g.medium" (2 vCPU burstable, 4 GiB, about 50 USD a month single-AZ,
	// twice that Multi-AZ). Changing it restarts the database.
	InstanceClass string `pulumi:"instanceClass,optional"`
	// AllocatedStorage is the initial gp3 storage in GiB, 20 to 65536.
	// Default 20. Storage can grow but never shrink.
	AllocatedStorage int `pulumi:"allocatedStorage,optional"`
	// MaxAllocatedStorage is the ceiling of storage autoscaling in GiB; it
	// must be above AllocatedStorage. Default 100, or twice AllocatedStorage
	// when that is larger (capped at 65536).
	MaxAllocatedStorage int `pulumi:"maxAllocatedStorage,optional"`
	// MultiAZ keeps a synchronous standby in a second AZ with automatic
	// failover. Default true; false halves the instance cost and leaves the
	// database down for the length of any AZ or host failure.
	MultiAZ *bool `pulumi:"multiAz,optional"`
	// BackupRetentionDays is how long automated backups (point-in-time
	// recovery) are kept, 1 to 35. Default 14. 0 would disable backups and
	// is refused.
	BackupRetentionDays int `pulumi:"backupRetentionDays,optional"`
	// DeletionProtection makes RDS refuse to delete the instance. Default
	// true. Danger: false lets a mistaken `pulumi destroy` or replacement
	// delete the database.
	DeletionProtection *bool `pulumi:"deletionProtection,optional"`
	// FinalSnapshot takes a snapshot when the instance is deleted. Default
	// true. Danger: false deletes the data with the instance.
	FinalSnapshot *bool `pulumi:"finalSnapshot,optional"`
	// Protect sets Pulumi's protect option on the instance, so Pulumi refuses
	// to delete or replace it until it is unprotected. Default true.
	Protect *bool `pulumi:"protect,optional"`
	// PerformanceInsights turns on Performance Insights with its free 7-day
	// retention. Default true. Not available on t-family micro and small
	// classes.
	PerformanceInsights *bool `pulumi:"performanceInsights,optional"`
	// LogExports sends the postgresql and upgrade logs to CloudWatch Logs.
	// Default true (CloudWatch ingestion and storage costs apply).
	LogExports *bool `pulumi:"logExports,optional"`
	// LogRetentionDays is how long the exported logs are kept: the component
	// creates their log groups before the instance, since the ones RDS
	// creates itself keep logs forever. Default 365.
	LogRetentionDays int `pulumi:"logRetentionDays,optional"`
	// ApplyImmediately applies changes during `pulumi up` instead of at the
	// next maintenance window. Default true: a deferred change leaves the
	// stack's state ahead of the database, and a major version upgrade with
	// its new parameter group cannot complete deferred. Class changes restart
	// the database (about a minute of failover with Multi-AZ).
	ApplyImmediately *bool `pulumi:"applyImmediately,optional"`
	// Username is the master user, 1-16 letters, digits and underscores,
	// starting with a letter; not "postgres", "admin", "rdsadmin", a pg_
	// name or a reserved word. Default "django". Its password is generated
	// and rotated by RDS in Secrets Manager. Changing it replaces the database.
	Username string `pulumi:"username,optional"`
	// DBName is the database created for the app, 1-63 letters, digits and
	// underscores, starting with a letter. Default "app". Changing it
	// replaces the database.
	DBName string `pulumi:"dbName,optional"`
	// MonitoringInterval is the Enhanced Monitoring interval in seconds: 0
	// (off), 1, 5, 10, 15, 30 or 60. Default 60: OS metrics per process,
	// with a role that lets RDS publish them. Costs CloudWatch Logs ingestion.
	MonitoringInterval *int `pulumi:"monitoringInterval,optional"`
	// Alarms creates CloudWatch alarms on CPU, free storage and connections.
	// Default true.
	Alarms *bool `pulumi:"alarms,optional"`
	// AlarmTopicArn is the SNS topic the alarms notify on ALARM and OK
	// (Alerts.TopicArn). Default none.
	AlarmTopicArn pulumi.StringInput `pulumi:"alarmTopicArn,optional"`
	// AlarmThresholds tune the alarms; a zero field takes its default.
	AlarmThresholds *DatabaseAlarmThresholds `pulumi:"alarmThresholds,optional"`

	// AppRole is the PostgreSQL role the web tasks log in as (SELECT,
	// INSERT, UPDATE, DELETE on the owner's tables; no DDL). Default "app".
	// A lowercase identifier, not the master user or OwnerRole. The
	// component keeps its credentials in AppSecretArn; the migration task
	// creates the role. Renaming it leaves the old role in the database.
	AppRole string `pulumi:"appRole,optional"`
	// OwnerRole is the PostgreSQL role that owns the schema's objects and
	// runs the migrations. Default "app_owner". A lowercase identifier, not
	// the master user or AppRole. Its credentials are in OwnerSecretArn.
	OwnerRole string `pulumi:"ownerRole,optional"`
	// SecretsKMSKeyArn encrypts the master, app and owner secrets with this
	// KMS key instead of Secrets Manager's AWS-managed key; the roles that
	// read them then also get kms:Decrypt on it, through Secrets Manager
	// only. Default: the AWS-managed key aws/secretsmanager.
	SecretsKMSKeyArn pulumi.StringInput `pulumi:"secretsKmsKeyArn,optional"`
	// MasterRotationDays is how often RDS rotates the master password in
	// its managed secret, 1 to 1000 days. Default 7, RDS's own default. The
	// component sets it with a Secrets Manager rotation schedule (no Lambda:
	// RDS rotates its managed secrets itself). Only the migration task's
	// provisioning step uses the master password, and it reads it when it
	// starts, so a rotation never reaches the app.
	MasterRotationDays int `pulumi:"masterRotationDays,optional"`
	// Tags are added to every taggable resource.
	Tags map[string]string `pulumi:"tags,optional"`
}

// Database is an RDS PostgreSQL instance in the isolated subnets: encrypted,
// private, TLS-only, its master password generated and kept by RDS in Secrets
// Manager, reachable on 5432 only from the security groups the caller names.
//
// The security group has no egress rules at all (a database answers
// connections, it opens none). Its ingress is either one inline rule from
// AllowedSecurityGroupIDs (inline because those ids are an Output whose
// count is unknown when the graph is built) or, without them, the separate
// rule resources the caller adds.
type Database struct {
	pulumi.ResourceState

	// Address is the instance's DNS name.
	Address pulumi.StringOutput `pulumi:"address"`
	// Port is the PostgreSQL port, 5432.
	Port pulumi.IntOutput `pulumi:"port"`
	// Endpoint is "address:port".
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	// DBName is the app's database.
	DBName pulumi.StringOutput `pulumi:"dbName"`
	// Username is the master user.
	Username pulumi.StringOutput `pulumi:"username"`
	// MasterSecretArn is the Secrets Manager secret RDS keeps the master
	// credentials in (JSON with "username" and "password"), rotated by RDS
	// every MasterRotationDays. Only the migration task's provisioning step
	// may read it: never the app, never `migrate`.
	MasterSecretArn pulumi.StringOutput `pulumi:"masterSecretArn"`
	// AppSecretArn is the secret of the app role, JSON {"username",
	// "password"}: the web tasks' DB_SECRET_ARN, the only secret their task
	// role may read.
	AppSecretArn pulumi.StringOutput `pulumi:"appSecretArn"`
	// OwnerSecretArn is the secret of the owner role, JSON {"username",
	// "password"}: the migration task connects with it.
	OwnerSecretArn pulumi.StringOutput `pulumi:"ownerSecretArn"`
	// SecretsKMSKeyArn is DatabaseArgs.SecretsKMSKeyArn, or "" when the
	// secrets use the AWS-managed key.
	SecretsKMSKeyArn pulumi.StringOutput `pulumi:"secretsKmsKeyArn"`
	// AppRole and OwnerRole are the PostgreSQL role names of the app and the
	// owner, also the "username" of their secrets.
	AppRole   pulumi.StringOutput `pulumi:"appRole"`
	OwnerRole pulumi.StringOutput `pulumi:"ownerRole"`
	// SecurityGroupID is the database's security group.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`

	// Instance is the RDS instance.
	Instance *rds.Instance
	// SecurityGroup admits 5432 from the allowed groups only: those of
	// DatabaseArgs.AllowedSecurityGroupIDs, or those given to AllowFrom.
	SecurityGroup *ec2.SecurityGroup
	// SubnetGroup places the instance in the given subnets.
	SubnetGroup *rds.SubnetGroup
	// ParameterGroup forces TLS and logs slow queries without their bind
	// parameters.
	ParameterGroup *rds.ParameterGroup
	// AppSecret and OwnerSecret hold the app and owner roles' credentials.
	AppSecret, OwnerSecret *secretsmanager.Secret
	// MasterRotation sets the master secret's rotation schedule.
	MasterRotation *secretsmanager.SecretRotation
	// FinalSnapshotSuffix makes the final snapshot's name unique per stack.
	FinalSnapshotSuffix *random.RandomId
	// IdentifierSuffix makes the instance identifier "<name>-db-<8 hex>"
	// unique per stack and known before the instance exists.
	IdentifierSuffix *random.RandomId
	// LogGroups hold the exported postgresql and upgrade logs; empty
	// without LogExports.
	LogGroups []*cloudwatch.LogGroup
	// MonitoringRole lets RDS publish Enhanced Monitoring metrics; nil when
	// MonitoringInterval is 0.
	MonitoringRole *iam.Role
	// MetricAlarms maps an alarm's role ("cpu", "free-storage",
	// "connections") to the alarm; empty when Alarms is false.
	MetricAlarms map[string]*cloudwatch.MetricAlarm

	inlineIngress bool             // AllowedSecurityGroupIDs given: AllowFrom refuses
	tags          pulumi.StringMap // DatabaseArgs.Tags, for the rules AllowFrom adds
}

var (
	// instanceClassRe is the shape of an RDS instance class: db.<family>.<size>,
	// such as db.t4g.medium, db.m7g.2xlarge, db.r6gd.metal, db.r7i.metal-48xl.
	instanceClassRe = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.(?:micro|small|medium|large|xlarge|[1-9][0-9]?xlarge|metal(?:-[1-9][0-9]*xl)?)$`)
	// engineVersionRe is a PostgreSQL major or major.minor version.
	engineVersionRe = regexp.MustCompile(`^([1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$`)
	// rdsUsernameRe and rdsDBNameRe are the RDS PostgreSQL rules (rds.json).
	rdsUsernameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,15}$`)
	rdsDBNameRe   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	// rdsIdentifierRe is the lowercase form of an RDS identifier, as the
	// provider checks it at preview (names.json rds_db_instance_identifier).
	rdsIdentifierRe = regexp.MustCompile(`^[a-z](?:-?[a-z0-9])*$`)
	// noPerformanceInsights are classes that do not support Performance Insights.
	noPerformanceInsights = regexp.MustCompile(`^db\.t[234]g?\.(?:micro|small)$`)
)

// maxDatabaseName is the longest component name whose instance identifier
// "<name>-db-<8 hex>" fits RDS's 63.
const maxDatabaseName = 63 - len("-db-") - 8

// postgresReserved are PostgreSQL's reserved key words (PostgreSQL 17,
// Appendix C) and role names the server or RDS keeps for itself; RDS
// refuses them as the master user or database name.
var postgresReserved = []string{
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
	"case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
	"current_date", "current_role", "current_time", "current_timestamp", "current_user",
	"default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
	"fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
	"intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
	"null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
	"returning", "select", "session_user", "some", "symmetric", "system_user", "table",
	"then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when",
	"where", "window", "with",
}

// NewDatabase creates a Database.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		args = &DatabaseArgs{}
	}
	a, err := args.defaults(name)
	if err != nil {
		return nil, err
	}
	if err := a.requireInputs(name); err != nil {
		return nil, err
	}
	d := &Database{inlineIngress: a.AllowedSecurityGroupIDs != nil, tags: pulumi.ToStringMap(a.Tags)}
	if err := ctx.RegisterComponentResource(typePrefix+"Database", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	tags := pulumi.ToStringMap(a.Tags)

	var ingress ec2.SecurityGroupIngressArray
	if a.AllowedSecurityGroupIDs != nil {
		ingress = ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String("PostgreSQL from the app tasks"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(PostgresPort),
			ToPort:         pulumi.Int(PostgresPort),
			SecurityGroups: a.AllowedSecurityGroupIDs,
		}}
	}
	d.SecurityGroup, err = ec2.NewSecurityGroup(ctx, child(name, "sg"), &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String("PostgreSQL from the app's security groups only"),
		Ingress:     ingress,
		// An empty list, not an absent one: the provider then removes any
		// egress rule, including the allow-all AWS adds to a new group.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	d.SubnetGroup, err = rds.NewSubnetGroup(ctx, child(name, "subnets"), &rds.SubnetGroupArgs{
		Description: pulumi.String("Isolated subnets of the Django database"),
		SubnetIds:   a.SubnetIDs,
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	d.ParameterGroup, err = rds.NewParameterGroup(ctx, child(name, "params"), &rds.ParameterGroupArgs{
		Family:      pulumi.String(a.family),
		Description: pulumi.String("TLS-only connections and slow-query logging"),
		Parameters:  slowQueryParameters(),
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	var finalSnapshot pulumi.StringPtrInput
	if *a.FinalSnapshot {
		// A random suffix, made once and kept in state, so every stack (and a
		// stack re-created with the same name) gets its own snapshot name.
		d.FinalSnapshotSuffix, err = random.NewRandomId(ctx, child(name, "final-snapshot-suffix"), &random.RandomIdArgs{
			ByteLength: pulumi.Int(4),
		}, parent)
		if err != nil {
			return nil, err
		}
		finalSnapshot = pulumi.Sprintf("%s-final-%s", name, d.FinalSnapshotSuffix.Hex)
	}

	// The identifier is fixed up front (a random suffix kept in state) so
	// the exported logs' groups, named after it, exist before RDS writes.
	d.IdentifierSuffix, err = random.NewRandomId(ctx, child(name, "db-suffix"), &random.RandomIdArgs{
		ByteLength: pulumi.Int(4),
	}, parent)
	if err != nil {
		return nil, err
	}
	identifier := pulumi.Sprintf("%s-db-%s", name, d.IdentifierSuffix.Hex)
	var logExports pulumi.StringArray
	var logGroups []pulumi.Resource
	if *a.LogExports {
		for _, kind := range []string{"postgresql", "upgrade"} {
			group, err := cloudwatch.NewLogGroup(ctx, child(name, kind+"-logs"), &cloudwatch.LogGroupArgs{
				Name:            pulumi.Sprintf("/aws/rds/instance/%s/%s", identifier, kind),
				RetentionInDays: pulumi.Int(a.LogRetentionDays),
				Tags:            tags,
			}, parent)
			if err != nil {
				return nil, err
			}
			d.LogGroups = append(d.LogGroups, group)
			logGroups = append(logGroups, group)
			logExports = append(logExports, pulumi.String(kind))
		}
	}
	instanceArgs := &rds.InstanceArgs{
		Identifier:               identifier,
		Engine:                   pulumi.String("postgres"),
		EngineVersion:            pulumi.String(a.EngineVersion),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		AllowMajorVersionUpgrade: pulumi.Bool(true),
		ApplyImmediately:         pulumi.Bool(*a.ApplyImmediately),
		InstanceClass:            pulumi.String(a.InstanceClass),
		StorageType:              pulumi.String("gp3"),
		AllocatedStorage:         pulumi.Int(a.AllocatedStorage),
		MaxAllocatedStorage:      pulumi.Int(a.MaxAllocatedStorage),
		StorageEncrypted:         pulumi.Bool(true),
		DbName:                   pulumi.String(a.DBName),
		Username:                 pulumi.String(a.Username),
		ManageMasterUserPassword: pulumi.Bool(true),
		MasterUserSecretKmsKeyId: a.kmsKeyPtr(),
		Port:                     pulumi.Int(PostgresPort),
		DbSubnetGroupName:        d.SubnetGroup.Name,
		VpcSecurityGroupIds:      pulumi.StringArray{d.SecurityGroup.ID().ToStringOutput()},
		ParameterGroupName:       d.ParameterGroup.Name,
		PubliclyAccessible:       pulumi.Bool(false),
		MultiAz:                  pulumi.Bool(*a.MultiAZ),
		BackupRetentionPeriod:    pulumi.Int(a.BackupRetentionDays),
		// Automated backups outlive the instance for their retention period.
		DeleteAutomatedBackups:       pulumi.Bool(false),
		CopyTagsToSnapshot:           pulumi.Bool(true),
		DeletionProtection:           pulumi.Bool(*a.DeletionProtection),
		SkipFinalSnapshot:            pulumi.Bool(!*a.FinalSnapshot),
		FinalSnapshotIdentifier:      finalSnapshot,
		PerformanceInsightsEnabled:   pulumi.Bool(*a.PerformanceInsights),
		EnabledCloudwatchLogsExports: logExports,
		Tags:                         tags,
	}
	if *a.PerformanceInsights {
		instanceArgs.PerformanceInsightsRetentionPeriod = pulumi.Int(performanceInsightsRetentionDays)
	}
	var monitoringDeps []pulumi.Resource
	if *a.MonitoringInterval > 0 {
		var policy *iam.RolePolicy
		if d.MonitoringRole, policy, err = newMonitoringRole(ctx, name, tags, parent); err != nil {
			return nil, err
		}
		monitoringDeps = append(monitoringDeps, policy)
		instanceArgs.MonitoringInterval = pulumi.Int(*a.MonitoringInterval)
		instanceArgs.MonitoringRoleArn = d.MonitoringRole.Arn
	}
	instanceOpts := []pulumi.ResourceOption{parent, pulumi.DependsOn(append(logGroups, monitoringDeps...))}
	if *a.Protect {
		instanceOpts = append(instanceOpts, pulumi.Protect(true))
	}
	d.Instance, err = rds.NewInstance(ctx, child(name, "db"), instanceArgs, instanceOpts...)
	if err != nil {
		return nil, err
	}

	d.Address = d.Instance.Address
	d.Port = d.Instance.Port
	d.Endpoint = d.Instance.Endpoint
	d.DBName = d.Instance.DbName
	d.Username = d.Instance.Username
	d.MasterSecretArn = d.Instance.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
	if err := d.credentials(ctx, name, a, tags, parent); err != nil {
		return nil, err
	}
	d.SecurityGroupID = d.SecurityGroup.ID().ToStringOutput()
	if *a.Alarms {
		if d.MetricAlarms, err = databaseAlarms(ctx, name, a.DatabaseArgs, d.Instance.Identifier, tags, parent); err != nil {
			return nil, err
		}
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{
		"address":          d.Address,
		"port":             d.Port,
		"endpoint":         d.Endpoint,
		"dbName":           d.DBName,
		"username":         d.Username,
		"masterSecretArn":  d.MasterSecretArn,
		"appSecretArn":     d.AppSecretArn,
		"ownerSecretArn":   d.OwnerSecretArn,
		"appRole":          d.AppRole,
		"ownerRole":        d.OwnerRole,
		"secretsKmsKeyArn": d.SecretsKMSKeyArn,
		"securityGroupId":  d.SecurityGroupID,
	})
}
