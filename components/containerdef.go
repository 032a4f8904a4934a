package components

import "encoding/json"

// ContainerDefinition is the subset of the ECS container definition this
// library sets, with the API's field names. Task definitions are built from
// these values and marshalled, never written as string templates.
type ContainerDefinition struct {
	Name                   string            `json:"name"`
	Image                  string            `json:"image"`
	Essential              bool              `json:"essential"`
	Command                []string          `json:"command,omitempty"`
	User                   string            `json:"user,omitempty"`
	ReadonlyRootFilesystem bool              `json:"readonlyRootFilesystem"`
	Privileged             bool              `json:"privileged"`
	PortMappings           []PortMapping     `json:"portMappings,omitempty"`
	Environment            []KeyValuePair    `json:"environment"`
	Secrets                []Secret          `json:"secrets"`
	MountPoints            []MountPoint      `json:"mountPoints,omitempty"`
	HealthCheck            *HealthCheck      `json:"healthCheck,omitempty"`
	StopTimeout            int               `json:"stopTimeout,omitempty"`
	LinuxParameters        *LinuxParameters  `json:"linuxParameters,omitempty"`
	LogConfiguration       *LogConfiguration `json:"logConfiguration,omitempty"`
	Ulimits                []Ulimit          `json:"ulimits,omitempty"`
}

// PortMapping maps a container port.
type PortMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	Name          string `json:"name,omitempty"`
}

// KeyValuePair is a plain environment variable. Never put a secret here.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Secret is an environment variable ECS reads from Secrets Manager or SSM
// when the task starts; ValueFrom is an ARN, optionally ":json-key::".
type Secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

// MountPoint mounts a task volume into the container.
type MountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

// HealthCheck is the container's own health check (seconds).
type HealthCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}

// LinuxParameters are Linux-specific options.
type LinuxParameters struct {
	// InitProcessEnabled runs an init process that reaps zombies and forwards
	// signals; ECS Exec sessions need it.
	InitProcessEnabled bool `json:"initProcessEnabled"`
}

// LogConfiguration routes the container's output.
type LogConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

// Ulimit is a resource limit.
type Ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

// containerDefinitionsJSON marshals the task's container definitions.
func containerDefinitionsJSON(defs ...ContainerDefinition) string {
	b, err := json.Marshal(defs)
	if err != nil {
		panic(err) // only strings, numbers, bools, slices and maps
	}
	return string(b)
}
