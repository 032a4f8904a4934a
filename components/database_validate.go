package components

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ValidateEngineVersion returns the major version of a PostgreSQL engine
// version "17" or "16.4", or an error unless it is 13 or newer.
func ValidateEngineVersion(v string) (int, error) {
	m := engineVersionRe.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("%q is not a PostgreSQL version; use a major version such as %q or major.minor such as \"16.4\"", v, DefaultEngineVersion)
	}
	major, err := strconv.Atoi(m[1])
	if err != nil || major < minPostgresMajor {
		return 0, fmt.Errorf("%q is older than PostgreSQL %d, the oldest major version RDS supports without extended-support charges", v, minPostgresMajor)
	}
	return major, nil
}

// ValidateInstanceClass returns an error unless class has the shape of an
// RDS instance class, db.<family>.<size>.
func ValidateInstanceClass(class string) error {
	if !instanceClassRe.MatchString(class) {
		return fmt.Errorf("%q is not an RDS instance class; use db.<family>.<size> such as %q or \"db.m7g.large\"", class, DefaultInstanceClass)
	}
	return nil
}

// ValidateMasterUsername returns an error unless name is a master user name
// RDS PostgreSQL accepts and is not the well-known superuser name.
func ValidateMasterUsername(name string) error {
	if !rdsUsernameRe.MatchString(name) {
		return fmt.Errorf("%q is not a valid master user name: use 1 to 16 letters, digits and underscores, starting with a letter", name)
	}
	lower := strings.ToLower(name)
	switch {
	case lower == "postgres":
		return fmt.Errorf("%q is the well-known superuser name that password-guessing tries first; choose another (default %q)", name, DefaultDBUsername)
	case lower == "admin" || lower == "rdsadmin" || lower == "public":
		return fmt.Errorf("%q is reserved by RDS or PostgreSQL; choose another (default %q)", name, DefaultDBUsername)
	case strings.HasPrefix(lower, "pg_"):
		return fmt.Errorf("%q starts with pg_, which PostgreSQL reserves for its own roles", name)
	case slices.Contains(postgresReserved, lower):
		return fmt.Errorf("%q is a PostgreSQL reserved word", name)
	}
	return nil
}

// ValidateDBName returns an error unless name is a database name RDS
// PostgreSQL accepts for the app's database.
func ValidateDBName(name string) error {
	if !rdsDBNameRe.MatchString(name) {
		return fmt.Errorf("%q is not a valid database name: use 1 to 63 letters, digits and underscores, starting with a letter", name)
	}
	lower := strings.ToLower(name)
	switch {
	case lower == "postgres" || lower == "rdsadmin" || lower == "template0" || lower == "template1":
		return fmt.Errorf("%q names a database RDS already has; choose another (default %q)", name, DefaultDBName)
	case slices.Contains(postgresReserved, lower):
		return fmt.Errorf("%q is a PostgreSQL reserved word", name)
	}
	return nil
}

// Validate returns a *FieldError for the first invalid plain argument, the
// ones a stack's configuration sets; NewDatabase also requires the wired
// inputs vpcId and subnetIds.
func (a DatabaseArgs) Validate() error {
	_, err := a.defaults("")
	return err
}

// ValidateNamed is Validate for an instance named name: it also checks the
// names NewDatabase derives from name for its children (the AWS name limits
// after Pulumi's auto-name suffix), so a program that names its components
// alike can check every name before it registers anything.
func (a DatabaseArgs) ValidateNamed(name string) error {
	_, err := a.defaults(name)
	return err
}

// databaseConfig is DatabaseArgs with every default applied and the values
// derived from them.
type databaseConfig struct {
	DatabaseArgs
	family string
}

// defaults validates args and returns a copy with every default filled in.
// name is the component's name, which becomes part of RDS identifiers;
// Validate passes "" to check the arguments alone.
func (a DatabaseArgs) defaults(name string) (databaseConfig, error) {
	const c = "Database"
	if name != "" && !rdsIdentifierRe.MatchString(name) || len(name) > maxDatabaseName {
		return databaseConfig{}, argError(c, name, "name", "%q cannot start an RDS identifier: use at most %d lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen", name, maxDatabaseName)
	}
	if a.EngineVersion == "" {
		a.EngineVersion = DefaultEngineVersion
	}
	major, err := ValidateEngineVersion(a.EngineVersion)
	if err != nil {
		return databaseConfig{}, argError(c, name, "engineVersion", "%v", err)
	}
	if a.InstanceClass == "" {
		a.InstanceClass = DefaultInstanceClass
	}
	if err := ValidateInstanceClass(a.InstanceClass); err != nil {
		return databaseConfig{}, argError(c, name, "instanceClass", "%v", err)
	}
	if a.AllocatedStorage == 0 {
		a.AllocatedStorage = DefaultAllocatedStorage
	}
	if a.AllocatedStorage < minGp3StorageGiB || a.AllocatedStorage > maxGp3StorageGiB {
		return databaseConfig{}, argError(c, name, "allocatedStorage", "%d GiB is out of range; gp3 storage is %d to %d GiB", a.AllocatedStorage, minGp3StorageGiB, maxGp3StorageGiB)
	}
	if a.MaxAllocatedStorage == 0 {
		a.MaxAllocatedStorage = min(max(DefaultMaxAllocatedStorage, 2*a.AllocatedStorage), maxGp3StorageGiB)
	}
	if a.MaxAllocatedStorage <= a.AllocatedStorage || a.MaxAllocatedStorage > maxGp3StorageGiB {
		return databaseConfig{}, argError(c, name, "maxAllocatedStorage", "%d GiB must be above allocatedStorage (%d GiB) and at most %d GiB, or storage autoscaling has no room", a.MaxAllocatedStorage, a.AllocatedStorage, maxGp3StorageGiB)
	}
	if a.BackupRetentionDays == 0 {
		a.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if a.BackupRetentionDays < 1 || a.BackupRetentionDays > 35 {
		return databaseConfig{}, argError(c, name, "backupRetentionDays", "%d is out of range; use 1 to 35 days (0 would disable automated backups)", a.BackupRetentionDays)
	}
	if a.Username == "" {
		a.Username = DefaultDBUsername
	}
	if err := ValidateMasterUsername(a.Username); err != nil {
		return databaseConfig{}, argError(c, name, "username", "%v", err)
	}
	if a.DBName == "" {
		a.DBName = DefaultDBName
	}
	if err := ValidateDBName(a.DBName); err != nil {
		return databaseConfig{}, argError(c, name, "dbName", "%v", err)
	}
	a.AppRole = cmpOr(a.AppRole, DefaultAppRole)
	a.OwnerRole = cmpOr(a.OwnerRole, DefaultOwnerRole)
	for _, r := range []struct{ field, role string }{{"appRole", a.AppRole}, {"ownerRole", a.OwnerRole}} {
		if err := ValidateRoleName(r.role); err != nil {
			return databaseConfig{}, argError(c, name, r.field, "%v", err)
		}
		if r.role == strings.ToLower(a.Username) {
			return databaseConfig{}, argError(c, name, r.field, "%q is the master user; the app and the migrations must not log in as it", r.role)
		}
	}
	if a.AppRole == a.OwnerRole {
		return databaseConfig{}, argError(c, name, "appRole", "%q is also ownerRole; the app role must not own the tables (it would have DDL rights)", a.AppRole)
	}
	a.MasterRotationDays = cmpOr(a.MasterRotationDays, DefaultMasterRotationDays)
	if a.MasterRotationDays < 1 || a.MasterRotationDays > maxMasterRotationDays {
		return databaseConfig{}, argError(c, name, "masterRotationDays", "%d is out of range; use 1 to %d days (RDS's default is %d)", a.MasterRotationDays, maxMasterRotationDays, DefaultMasterRotationDays)
	}
	a.MultiAZ = pulumi.BoolRef(boolOr(a.MultiAZ, true))
	a.DeletionProtection = pulumi.BoolRef(boolOr(a.DeletionProtection, true))
	a.FinalSnapshot = pulumi.BoolRef(boolOr(a.FinalSnapshot, true))
	a.Protect = pulumi.BoolRef(boolOr(a.Protect, true))
	a.PerformanceInsights = pulumi.BoolRef(boolOr(a.PerformanceInsights, true))
	a.LogExports = pulumi.BoolRef(boolOr(a.LogExports, true))
	if a.MonitoringInterval == nil {
		a.MonitoringInterval = pulumi.IntRef(60)
	} else {
		a.MonitoringInterval = pulumi.IntRef(*a.MonitoringInterval)
	}
	if !slices.Contains(monitoringIntervals, *a.MonitoringInterval) {
		return databaseConfig{}, argError(c, name, "monitoringInterval", "%d is not an Enhanced Monitoring interval; use one of %v (0 turns it off)", *a.MonitoringInterval, monitoringIntervals)
	}
	a.Alarms = pulumi.BoolRef(boolOr(a.Alarms, true))
	a.AlarmThresholds = copyOrNew(a.AlarmThresholds)
	if err := a.AlarmThresholds.defaults(a.AllocatedStorage); err != nil {
		return databaseConfig{}, argError(c, name, "alarmThresholds", "%v", err)
	}
	a.LogRetentionDays = cmpOr(a.LogRetentionDays, 365)
	if err := ValidateLogRetention(a.LogRetentionDays); err != nil {
		return databaseConfig{}, argError(c, name, "logRetentionDays", "%v", err)
	}
	a.ApplyImmediately = pulumi.BoolRef(boolOr(a.ApplyImmediately, true))
	if *a.PerformanceInsights && noPerformanceInsights.MatchString(a.InstanceClass) {
		return databaseConfig{}, argError(c, name, "performanceInsights", "%s does not support Performance Insights; use db.t4g.medium or larger, or turn performanceInsights off", a.InstanceClass)
	}
	return databaseConfig{DatabaseArgs: a, family: fmt.Sprintf("postgres%d", major)}, nil
}

// requireInputs checks that the values wired from other resources are set.
func (a DatabaseArgs) requireInputs(name string) error {
	const c = "Database"
	switch {
	case a.VpcID == nil:
		return argError(c, name, "vpcId", "required")
	case a.SubnetIDs == nil:
		return argError(c, name, "subnetIds", "required: the isolated subnets, in at least two AZs")
	}
	return nil
}
