package components

import "encoding/json"

// ContainerDefinition is the subset of the ECS container definition this
// library sets, with the API's field names. Task definitions are built from
// these values and marshalled, never written as string templates.
type ContainerDefinition struct {
	// Name is the container's name (ContainerName for the web container).
	Name string `json:"name"`
	// Image is the image reference, pinned by digest.
	Image string `json:"image"`
	// Essential stops the task when this container stops.
	Essential bool `json:"essential"`
	// Command overrides the image's CMD; empty keeps it.
	Command []string `json:"command,omitempty"`
	// User is the "uid:gid" the process runs as (ContainerUser: never root).
	User string `json:"user,omitempty"`
	// ReadonlyRootFilesystem mounts the image read-only; writable paths
	// come from MountPoints.
	ReadonlyRootFilesystem bool `json:"readonlyRootFilesystem"`
	// Privileged is always false: Fargate refuses privileged containers.
	Privileged bool `json:"privileged"`
	// PortMappings are the ports the container listens on.
	PortMappings []PortMapping `json:"portMappings,omitempty"`
	// Environment holds plain settings; secrets go in Secrets.
	Environment []KeyValuePair `json:"environment"`
	// Secrets are variables ECS reads from Secrets Manager or SSM at start.
	Secrets []Secret `json:"secrets"`
	// MountPoints mount task volumes, such as the writable /tmp.
	MountPoints []MountPoint `json:"mountPoints,omitempty"`
	// HealthCheck is the container's own health check; nil for none.
	HealthCheck *HealthCheck `json:"healthCheck,omitempty"`
	// StopTimeout is how many seconds ECS waits after SIGTERM before
	// SIGKILL, at most 120 on Fargate; 0 leaves the ECS default (30).
	StopTimeout int `json:"stopTimeout,omitempty"`
	// LinuxParameters are Linux options such as the init process; nil for none.
	LinuxParameters *LinuxParameters `json:"linuxParameters,omitempty"`
	// LogConfiguration routes stdout and stderr, to awslogs in this library.
	LogConfiguration *LogConfiguration `json:"logConfiguration,omitempty"`
	// Ulimits are resource limits such as open files.
	Ulimits []Ulimit `json:"ulimits,omitempty"`
}

// PortMapping maps a container port.
type PortMapping struct {
	// ContainerPort is the port the process listens on (awsvpc: also the host port).
	ContainerPort int `json:"containerPort"`
	// Protocol is "tcp" or "udp".
	Protocol string `json:"protocol"`
	// Name names the mapping, for Service Connect; optional.
	Name string `json:"name,omitempty"`
}

// KeyValuePair is a plain environment variable. Never put a secret here.
type KeyValuePair struct {
	// Name is the variable's name.
	Name string `json:"name"`
	// Value is its value, visible to anyone who can read the task definition.
	Value string `json:"value"`
}

// Secret is an environment variable ECS reads from Secrets Manager or SSM
// when the task starts; ValueFrom is an ARN, optionally ":json-key::".
type Secret struct {
	// Name is the variable's name in the container.
	Name string `json:"name"`
	// ValueFrom is the secret's ARN; the execution role must be allowed to read it.
	ValueFrom string `json:"valueFrom"`
}

// MountPoint mounts a task volume into the container.
type MountPoint struct {
	// SourceVolume names a volume of the task definition.
	SourceVolume string `json:"sourceVolume"`
	// ContainerPath is where it is mounted in the container.
	ContainerPath string `json:"containerPath"`
	// ReadOnly mounts it read-only.
	ReadOnly bool `json:"readOnly"`
}

// HealthCheck is the container's own health check (seconds).
type HealthCheck struct {
	// Command is ["CMD", ...] or ["CMD-SHELL", "..."]; exit 0 is healthy.
	Command []string `json:"command"`
	// Interval is the seconds between checks (5 to 300).
	Interval int `json:"interval"`
	// Timeout is the seconds a check may take (2 to 60).
	Timeout int `json:"timeout"`
	// Retries is how many failures in a row make the container unhealthy (1 to 10).
	Retries int `json:"retries"`
	// StartPeriod is the seconds after start during which failures do not
	// count (0 to 300).
	StartPeriod int `json:"startPeriod"`
}

// LinuxParameters are Linux-specific options.
type LinuxParameters struct {
	// InitProcessEnabled runs an init process that reaps zombies and forwards
	// signals; ECS Exec sessions need it.
	InitProcessEnabled bool `json:"initProcessEnabled"`
	// Capabilities are the Linux capabilities added to or dropped from
	// Docker's default set; nil keeps the default set.
	Capabilities *KernelCapabilities `json:"capabilities,omitempty"`
}

// KernelCapabilities adjust a container's Linux capabilities
// (aws-api/ecs-task-definition.json, linuxParameters.capabilities). On
// Fargate only SYS_PTRACE may be added.
type KernelCapabilities struct {
	// Add lists capabilities to add; this library adds none (CONTROLS.md ECS-17).
	Add []string `json:"add,omitempty"`
	// Drop lists capabilities to drop; "ALL" drops every one.
	Drop []string `json:"drop,omitempty"`
}

// LogConfiguration routes the container's output.
type LogConfiguration struct {
	// LogDriver is the log driver, "awslogs" in this library.
	LogDriver string `json:"logDriver"`
	// Options configure the driver, such as "awslogs-group".
	Options map[string]string `json:"options"`
}

// Ulimit is a resource limit.
type Ulimit struct {
	// Name is the limit, such as "nofile".
	Name string `json:"name"`
	// SoftLimit is the limit processes get.
	SoftLimit int `json:"softLimit"`
	// HardLimit is the ceiling a process may raise its soft limit to.
	HardLimit int `json:"hardLimit"`
}

// containerDefinitionsJSON marshals the task's container definitions.
func containerDefinitionsJSON(defs ...ContainerDefinition) string {
	b, err := json.Marshal(defs)
	if err != nil {
		panic(err) // only strings, numbers, bools, slices and maps
	}
	return string(b)
}
