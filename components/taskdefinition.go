package components

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// taskDefinition registers the Fargate task: the web container from the
// pinned image, non-root, read-only root filesystem with a /tmp volume,
// settings in environment and secrets in secrets. The database
// credentials are neither: the environment names the app's secret by ARN
// (DB_SECRET_ARN, an ARN is not a secret) and the app reads it with the task
// role when it connects, so a rotated password never needs a restart.
func (b *serviceBuilder) taskDefinition() error {
	a := b.a
	bucket := pulumi.StringInput(pulumi.String(""))
	if a.MediaBucketName != nil {
		bucket = a.MediaBucketName
	}
	// The resolved values are kept on the service: a component that runs
	// the same image (a worker, a schedule) builds its container from them.
	b.s.values = pulumi.All(a.ImageURI, b.s.LogGroup.Name, b.s.SecretKey.Arn, a.DatabaseAppSecretArn,
		a.DatabaseHost, a.DatabasePort, a.DatabaseName, bucket, b.hosts, b.origins, b.generated, b.environment, b.secrets).
		ApplyT(func(v []any) containerValues {
			return containerValues{
				image: v[0].(string), logGroup: v[1].(string), secretKeyArn: v[2].(string),
				dbSecretArn: v[3].(string), dbHost: v[4].(string), dbPort: v[5].(int), dbName: v[6].(string),
				bucket: v[7].(string), hosts: v[8].(string), origins: v[9].(string), generated: v[10].(map[string]string),
				environment: v[11].(map[string]string), secrets: v[12].(map[string]string),
			}
		}).(pulumi.AnyOutput)
	defs := b.s.values.ApplyT(func(v any) string {
		return containerDefinitionsJSON(b.container(v.(containerValues)))
	}).(pulumi.StringOutput)
	var err error
	b.s.TaskDefinition, err = b.registerTask(b.ctx, b.name, a.CPU, a.Memory, defs, b.tags, b.parent)
	return err
}

// registerTask registers a Fargate task definition of family
// "<stack>-<name>" for a container of this service's image: its
// architecture, execution and task roles and writable mounts, and cpu and
// memory as given (the web service's or a worker's own size). It waits for
// the execution role's policy: a task launched before it cannot pull its
// image or read its secrets.
func (b *serviceBuilder) registerTask(ctx *pulumi.Context, name string, cpu, memory int, defs pulumi.StringOutput,
	tags pulumi.StringMap, parent pulumi.ResourceOption) (*ecs.TaskDefinition, error) {
	var volumes ecs.TaskDefinitionVolumeArray
	for _, m := range b.mounts() {
		volumes = append(volumes, ecs.TaskDefinitionVolumeArgs{Name: pulumi.String(m.SourceVolume)})
	}
	return ecs.NewTaskDefinition(ctx, child(name, "task"), &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(ctx.Stack() + "-" + name),
		Cpu:                     pulumi.String(strconv.Itoa(cpu)),
		Memory:                  pulumi.String(strconv.Itoa(memory)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.ToStringArray([]string{"FARGATE"}),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(ECSCPUArchitecture(b.a.Architecture)),
		},
		ExecutionRoleArn:     b.s.ExecutionRole.Arn,
		TaskRoleArn:          b.s.TaskRole.Arn,
		Volumes:              volumes,
		ContainerDefinitions: defs,
		Tags:                 tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{b.executionPolicy}))
}

// mounts are the container's writable paths on its read-only root
// filesystem: /tmp, and with ECS Exec the directories the SSM agent writes
// (it fails on a read-only root otherwise: aws/containers-roadmap#1359).
func (b *serviceBuilder) mounts() []MountPoint {
	m := []MountPoint{{SourceVolume: "tmp", ContainerPath: "/tmp"}}
	if b.a.EcsExec {
		m = append(m,
			MountPoint{SourceVolume: "ssm-lib", ContainerPath: "/var/lib/amazon"},
			MountPoint{SourceVolume: "ssm-log", ContainerPath: "/var/log/amazon"})
	}
	return m
}

// Container health check timing (seconds). The check calls the liveness
// path, which never touches the database (CONTROLS.md ECS-15), and gives up
// after livenessProbeTimeout, well inside the check's own timeout even with
// the interpreter's start-up: a hung process fails the check, it never
// outlives it.
const (
	livenessProbeTimeout = 2
	healthCheckTimeout   = 5
	healthCheckInterval  = 15
	healthCheckRetries   = 3
	healthCheckStart     = 30
)

// livenessCheck is the container health check: an HTTP GET of path on
// port, bounded by livenessProbeTimeout.
func livenessCheck(port int, path string) *HealthCheck {
	return &HealthCheck{
		Command: []string{"CMD", "python", "-c", fmt.Sprintf(
			"import urllib.request; urllib.request.urlopen('http://127.0.0.1:%d%s', timeout=%d)", port, path, livenessProbeTimeout)},
		Interval: healthCheckInterval, Timeout: healthCheckTimeout, Retries: healthCheckRetries, StartPeriod: healthCheckStart,
	}
}

// containerValues are the resolved values the container definition needs.
type containerValues struct {
	image, logGroup, secretKeyArn, dbSecretArn, dbHost, dbName, bucket, hosts, origins string
	dbPort                                                                             int
	generated                                                                          map[string]string // GeneratedSecrets' ARNs
	environment, secrets                                                               map[string]string // checked Environment and Secrets
}

// container builds the web container's definition.
func (b *serviceBuilder) container(v containerValues) ContainerDefinition {
	a, g := b.a, b.a.Gunicorn
	env := map[string]string{
		"DJANGO_SETTINGS_MODULE":      a.SettingsModule,
		"PORT":                        strconv.Itoa(a.ContainerPort),
		"DJANGO_ALLOWED_HOSTS":        v.hosts,
		"DJANGO_CSRF_TRUSTED_ORIGINS": v.origins,
		"DB_HOST":                     v.dbHost,
		"DB_PORT":                     strconv.Itoa(v.dbPort),
		"DB_NAME":                     v.dbName,
		"DB_SECRET_ARN":               v.dbSecretArn,
		"AWS_REGION":                  b.regionName,
		"AWS_S3_REGION_NAME":          b.regionName,
		"HEALTH_CHECK_PATH":           a.LivenessPath,
		"WEB_CONCURRENCY":             strconv.Itoa(g.Workers),
		"GUNICORN_THREADS":            strconv.Itoa(g.Threads),
		"GUNICORN_TIMEOUT":            strconv.Itoa(g.Timeout),
		"GUNICORN_KEEPALIVE":          strconv.Itoa(g.KeepAlive),
		"GUNICORN_GRACEFUL_TIMEOUT":   strconv.Itoa(g.GracefulTimeout),
	}
	if v.bucket != "" {
		env["AWS_STORAGE_BUCKET_NAME"] = v.bucket
	}
	maps.Copy(env, v.environment)
	c := ContainerDefinition{
		Name:                   ContainerName,
		Image:                  v.image,
		Essential:              true,
		Command:                slices.Clone(a.Command),
		User:                   a.User,
		ReadonlyRootFilesystem: true,
		PortMappings:           []PortMapping{{ContainerPort: a.ContainerPort, Protocol: "tcp", Name: "http"}},
		Environment:            []KeyValuePair{},
		Secrets: []Secret{
			{Name: "DJANGO_SECRET_KEY", ValueFrom: v.secretKeyArn},
		},
		MountPoints: b.mounts(),
		HealthCheck: livenessCheck(a.ContainerPort, a.LivenessPath),
		StopTimeout: g.StopTimeout,
		// No capability is needed to serve HTTP on a port above 1023 as a non-root
		// user: drop them all (CONTROLS.md ECS-17).
		LinuxParameters: &LinuxParameters{InitProcessEnabled: true, Capabilities: &KernelCapabilities{Drop: []string{"ALL"}}},
		LogConfiguration: &LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         v.logGroup,
			"awslogs-region":        b.regionName,
			"awslogs-stream-prefix": ContainerName,
			"mode":                  "non-blocking",
			"max-buffer-size":       "25m",
		}},
		Ulimits: []Ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}},
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		c.Environment = append(c.Environment, KeyValuePair{Name: k, Value: env[k]})
	}
	secrets := maps.Clone(v.secrets)
	if secrets == nil {
		secrets = map[string]string{}
	}
	maps.Copy(secrets, v.generated)
	for _, k := range slices.Sorted(maps.Keys(secrets)) {
		c.Secrets = append(c.Secrets, Secret{Name: k, ValueFrom: secrets[k]})
	}
	return c
}
