package ecs

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NetworkMode is TaskDefinition.NetworkMode (§12.1).
type NetworkMode string

// Network modes. bridge is the Linux default and the one ecslocal is built
// for; host and none are accepted; awsvpc needs ENIs, which a local host
// does not have, so Validate refuses it.
const (
	NetworkModeBridge NetworkMode = "bridge"
	NetworkModeHost   NetworkMode = "host"
	NetworkModeAWSVPC NetworkMode = "awsvpc"
	NetworkModeNone   NetworkMode = "none"
)

// Compatibility is a launch type a task definition is compatible with.
type Compatibility string

// Compatibilities (requiresCompatibilities, compatibilities).
const (
	CompatibilityEC2      Compatibility = "EC2"
	CompatibilityFargate  Compatibility = "FARGATE"
	CompatibilityExternal Compatibility = "EXTERNAL"
)

// TaskDefinitionStatus is TaskDefinition.Status (§12.1).
type TaskDefinitionStatus string

// Task definition statuses: ACTIVE after RegisterTaskDefinition, INACTIVE
// after DeregisterTaskDefinition (still describable; no new tasks or
// services), DELETE_IN_PROGRESS after DeleteTaskDefinitions.
const (
	TaskDefinitionStatusActive           TaskDefinitionStatus = "ACTIVE"
	TaskDefinitionStatusInactive         TaskDefinitionStatus = "INACTIVE"
	TaskDefinitionStatusDeleteInProgress TaskDefinitionStatus = "DELETE_IN_PROGRESS"
)

// TransportProtocol is PortMapping.Protocol.
type TransportProtocol string

// Transport protocols; tcp is the default.
const (
	TransportProtocolTCP TransportProtocol = "tcp"
	TransportProtocolUDP TransportProtocol = "udp"
)

// DependencyCondition is ContainerDependency.Condition (§12.2).
type DependencyCondition string

// Container dependency conditions.
const (
	DependencyConditionStart    DependencyCondition = "START"
	DependencyConditionComplete DependencyCondition = "COMPLETE"
	DependencyConditionSuccess  DependencyCondition = "SUCCESS"
	DependencyConditionHealthy  DependencyCondition = "HEALTHY"
)

// TaskDefinition is an ECS task definition in the JSON shape of
// RegisterTaskDefinition input (what `aws ecs register-task-definition
// --cli-input-json` takes) and DescribeTaskDefinition output. The members
// only ECS writes (taskDefinitionArn, revision, status, compatibilities,
// requiresAttributes, registeredAt, deregisteredAt, registeredBy) are set by
// control on registration; Tags is input only: DescribeTaskDefinition
// returns tags beside the task definition, so the wire layer moves them.
type TaskDefinition struct {
	TaskDefinitionARN    string                `json:"taskDefinitionArn,omitempty"`
	ContainerDefinitions []ContainerDefinition `json:"containerDefinitions"`
	// Family is required: 1-255 letters, digits, hyphens and underscores.
	Family           string `json:"family"`
	TaskRoleARN      string `json:"taskRoleArn,omitempty"`
	ExecutionRoleARN string `json:"executionRoleArn,omitempty"`
	// NetworkMode "" means bridge (Canonicalize sets it).
	NetworkMode NetworkMode `json:"networkMode,omitempty"`
	// Revision is 1 for the first registration of a family, then +1.
	Revision             int                   `json:"revision,omitempty"`
	Volumes              []Volume              `json:"volumes,omitzero"`
	Status               TaskDefinitionStatus  `json:"status,omitempty"`
	RequiresAttributes   []Attribute           `json:"requiresAttributes,omitzero"`
	PlacementConstraints []PlacementConstraint `json:"placementConstraints,omitzero"`
	// Compatibilities are the launch types ECS found the definition valid
	// for; RequiresCompatibilities the ones the caller asked for.
	Compatibilities         []Compatibility `json:"compatibilities,omitzero"`
	RequiresCompatibilities []Compatibility `json:"requiresCompatibilities,omitzero"`
	// CPU is task-level CPU units as a string; optional on EC2 (128-10240).
	// "1 vCPU" is accepted and canonicalized to "1024".
	CPU string `json:"cpu,omitempty"`
	// Memory is task-level memory in MiB as a string; optional on EC2.
	// "1GB" is accepted and canonicalized to "1024".
	Memory         string    `json:"memory,omitempty"`
	PidMode        string    `json:"pidMode,omitempty"`
	IpcMode        string    `json:"ipcMode,omitempty"`
	RegisteredAt   Timestamp `json:"registeredAt,omitzero"`
	DeregisteredAt Timestamp `json:"deregisteredAt,omitzero"`
	RegisteredBy   string    `json:"registeredBy,omitempty"`
	Tags           []Tag     `json:"tags,omitzero"`
}

// ContainerDefinition is one container of a task definition (§12.2). Pointer
// fields distinguish "not given" from zero where ECS does.
type ContainerDefinition struct {
	Name                  string                 `json:"name"`
	Image                 string                 `json:"image"`
	RepositoryCredentials *RepositoryCredentials `json:"repositoryCredentials,omitempty"`
	// CPU is the container's CPU units (Docker cpu-shares); 0 means unset and
	// the agent passes 2 shares. DescribeTaskDefinition always writes it.
	CPU int `json:"cpu"`
	// Memory is the hard limit in MiB: the container is killed (OOM, exit
	// 137) above it. MemoryReservation is the soft limit. On EC2 without a
	// task-level memory at least one of them is required.
	Memory            *int          `json:"memory,omitempty"`
	MemoryReservation *int          `json:"memoryReservation,omitempty"`
	Links             []string      `json:"links,omitzero"`
	PortMappings      []PortMapping `json:"portMappings,omitzero"`
	// Essential nil means true: if an essential container stops, the task
	// stops (§8.3).
	Essential        *bool                 `json:"essential,omitempty"`
	EntryPoint       []string              `json:"entryPoint,omitzero"`
	Command          []string              `json:"command,omitzero"`
	Environment      []KeyValuePair        `json:"environment,omitzero"`
	EnvironmentFiles []EnvironmentFile     `json:"environmentFiles,omitzero"`
	MountPoints      []MountPoint          `json:"mountPoints,omitzero"`
	VolumesFrom      []VolumeFrom          `json:"volumesFrom,omitzero"`
	Secrets          []Secret              `json:"secrets,omitzero"`
	DependsOn        []ContainerDependency `json:"dependsOn,omitzero"`
	StartTimeout     *int                  `json:"startTimeout,omitempty"`
	// StopTimeout is the seconds between the stop signal and SIGKILL; nil
	// means the agent default, 30 s (§8.3).
	StopTimeout            *int              `json:"stopTimeout,omitempty"`
	Hostname               string            `json:"hostname,omitempty"`
	User                   string            `json:"user,omitempty"`
	WorkingDirectory       string            `json:"workingDirectory,omitempty"`
	DisableNetworking      *bool             `json:"disableNetworking,omitempty"`
	Privileged             *bool             `json:"privileged,omitempty"`
	ReadonlyRootFilesystem *bool             `json:"readonlyRootFilesystem,omitempty"`
	DNSServers             []string          `json:"dnsServers,omitzero"`
	DNSSearchDomains       []string          `json:"dnsSearchDomains,omitzero"`
	ExtraHosts             []HostEntry       `json:"extraHosts,omitzero"`
	DockerSecurityOptions  []string          `json:"dockerSecurityOptions,omitzero"`
	Interactive            *bool             `json:"interactive,omitempty"`
	PseudoTerminal         *bool             `json:"pseudoTerminal,omitempty"`
	DockerLabels           map[string]string `json:"dockerLabels,omitzero"`
	Ulimits                []Ulimit          `json:"ulimits,omitzero"`
	LogConfiguration       *LogConfiguration `json:"logConfiguration,omitempty"`
	HealthCheck            *HealthCheck      `json:"healthCheck,omitempty"`
	SystemControls         []SystemControl   `json:"systemControls,omitzero"`
}

// PortMapping maps a container port to a host port (§12.2). In bridge mode
// HostPort 0 (or omitted) asks for a dynamic host port from the ephemeral
// range; the port bound shows in the task's networkBindings.
type PortMapping struct {
	ContainerPort int               `json:"containerPort,omitempty"`
	HostPort      int               `json:"hostPort"`
	Protocol      TransportProtocol `json:"protocol,omitempty"`
	Name          string            `json:"name,omitempty"`
	AppProtocol   string            `json:"appProtocol,omitempty"`
	// ContainerPortRange ("8000-8010") is parsed but not supported by
	// ecslocal's port allocation; Validate refuses it.
	ContainerPortRange string `json:"containerPortRange,omitempty"`
}

// RepositoryCredentials names the secret holding private registry
// credentials.
type RepositoryCredentials struct {
	CredentialsParameter string `json:"credentialsParameter"`
}

// EnvironmentFile is an S3 object of environment variables.
type EnvironmentFile struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

// MountPoint mounts a task volume into a container.
type MountPoint struct {
	SourceVolume  string `json:"sourceVolume,omitempty"`
	ContainerPath string `json:"containerPath,omitempty"`
	ReadOnly      *bool  `json:"readOnly,omitempty"`
}

// VolumeFrom mounts the volumes of another container.
type VolumeFrom struct {
	SourceContainer string `json:"sourceContainer,omitempty"`
	ReadOnly        *bool  `json:"readOnly,omitempty"`
}

// Secret is an environment variable or log option read from Secrets
// Manager or SSM.
type Secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

// ContainerDependency makes a container wait for another (§12.2).
type ContainerDependency struct {
	ContainerName string              `json:"containerName"`
	Condition     DependencyCondition `json:"condition"`
}

// HostEntry is an /etc/hosts entry.
type HostEntry struct {
	Hostname  string `json:"hostname"`
	IPAddress string `json:"ipAddress"`
}

// Ulimit is a resource limit of a container.
type Ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

// SystemControl is a namespaced kernel parameter.
type SystemControl struct {
	Namespace string `json:"namespace,omitempty"`
	Value     string `json:"value,omitempty"`
}

// LogConfiguration is a container's log driver and its options.
type LogConfiguration struct {
	LogDriver     string            `json:"logDriver"`
	Options       map[string]string `json:"options,omitzero"`
	SecretOptions []Secret          `json:"secretOptions,omitzero"`
}

// HealthCheck is a container health check (§12.3). Zero Interval, Timeout
// and Retries mean unset; Canonicalize puts in the defaults 30, 5 and 3.
type HealthCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval,omitempty"`
	Timeout     int      `json:"timeout,omitempty"`
	Retries     int      `json:"retries,omitempty"`
	StartPeriod *int     `json:"startPeriod,omitempty"`
}

// Health check defaults (§12.3).
const (
	DefaultHealthCheckInterval = 30
	DefaultHealthCheckTimeout  = 5
	DefaultHealthCheckRetries  = 3
)

// Volume is a task volume: a bind mount of a host path or a Docker volume.
type Volume struct {
	Name                      string                     `json:"name,omitempty"`
	Host                      *HostVolumeProperties      `json:"host,omitempty"`
	DockerVolumeConfiguration *DockerVolumeConfiguration `json:"dockerVolumeConfiguration,omitempty"`
}

// HostVolumeProperties is the host path of a bind mount volume; an empty
// SourcePath lets Docker pick one.
type HostVolumeProperties struct {
	SourcePath string `json:"sourcePath,omitempty"`
}

// DockerVolumeConfiguration is a Docker-managed volume.
type DockerVolumeConfiguration struct {
	Scope         string            `json:"scope,omitempty"`
	Autoprovision *bool             `json:"autoprovision,omitempty"`
	Driver        string            `json:"driver,omitempty"`
	DriverOpts    map[string]string `json:"driverOpts,omitzero"`
	Labels        map[string]string `json:"labels,omitzero"`
}

// IsEssential reports whether the container is essential (nil is true).
func (cd *ContainerDefinition) IsEssential() bool {
	return cd.Essential == nil || *cd.Essential
}

// MemoryReserved is what the container subtracts from an instance's MEMORY
// when the task has no task-level memory (§10.3): memoryReservation if set,
// else memory, else 0.
func (cd *ContainerDefinition) MemoryReserved() int {
	switch {
	case cd.MemoryReservation != nil:
		return *cd.MemoryReservation
	case cd.Memory != nil:
		return *cd.Memory
	}
	return 0
}

// Agent defaults (§8.3, §10.3): ECS_CONTAINER_STOP_TIMEOUT and
// ECS_CONTAINER_START_TIMEOUT on Linux.
const (
	DefaultContainerStopTimeout  = 30 * time.Second
	DefaultContainerStartTimeout = 3 * time.Minute
)

// StopGracePeriod returns how long the agent waits after the stop signal
// before SIGKILL: stopTimeout if set, else DefaultContainerStopTimeout.
func (cd *ContainerDefinition) StopGracePeriod() time.Duration {
	if cd.StopTimeout != nil {
		return time.Duration(*cd.StopTimeout) * time.Second
	}
	return DefaultContainerStopTimeout
}

// Container returns the container definition with the given name, or nil.
func (td *TaskDefinition) Container(name string) *ContainerDefinition {
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].Name == name {
			return &td.ContainerDefinitions[i]
		}
	}
	return nil
}

// CPUUnits returns the CPU units a task of this definition reserves on a
// container instance: the task-level cpu if set, else the sum of the
// containers' cpu (§10.3; that precedence is unconfirmed).
func (td *TaskDefinition) CPUUnits() int {
	if n, err := strconv.Atoi(td.CPU); err == nil {
		return n
	}
	sum := 0
	for _, cd := range td.ContainerDefinitions {
		sum += cd.CPU
	}
	return sum
}

// MemoryMiB returns the memory a task of this definition reserves: the
// task-level memory if set, else the sum over containers of
// memoryReservation or memory (§10.3).
func (td *TaskDefinition) MemoryMiB() int {
	if n, err := strconv.Atoi(td.Memory); err == nil {
		return n
	}
	sum := 0
	for i := range td.ContainerDefinitions {
		sum += td.ContainerDefinitions[i].MemoryReserved()
	}
	return sum
}

// FamilyRevision returns "family:revision", the short form ECS prints in
// events and the console.
func (td *TaskDefinition) FamilyRevision() string {
	return td.Family + ":" + strconv.Itoa(td.Revision)
}

// Register sets what RegisterTaskDefinition writes on a canonical, valid
// definition: the ARN and revision control chose, status ACTIVE and the
// registration time.
func (td *TaskDefinition) Register(arn string, revision int, now time.Time) {
	td.TaskDefinitionARN = arn
	td.Revision = revision
	td.Status = TaskDefinitionStatusActive
	td.RegisteredAt = At(now)
	td.DeregisteredAt = Timestamp{}
}

// Deregister marks the definition INACTIVE at now, as
// DeregisterTaskDefinition does: it stays describable, existing tasks and
// services keep running, and no new ones may use it (§12.1).
func (td *TaskDefinition) Deregister(now time.Time) {
	td.Status = TaskDefinitionStatusInactive
	td.DeregisteredAt = At(now)
}

// Active reports whether new tasks and services may use the definition.
func (td *TaskDefinition) Active() bool { return td.Status == TaskDefinitionStatusActive }

// Canonicalize applies the defaults ECS applies on RegisterTaskDefinition
// (§12): networkMode bridge, essential true, protocol tcp, host port = container
// port in host mode (bridge keeps 0, meaning dynamic), the health check
// defaults, task cpu "1 vCPU" → "1024" and memory "1GB" → "1024", status
// ACTIVE, compatibilities, and the empty lists DescribeTaskDefinition writes.
func (td *TaskDefinition) Canonicalize() {
	if td.NetworkMode == "" {
		td.NetworkMode = NetworkModeBridge
	}
	if td.Status == "" {
		td.Status = TaskDefinitionStatusActive
	}
	td.CPU = canonicalUnits(td.CPU, "vcpu")
	td.Memory = canonicalUnits(td.Memory, "gb")
	if td.Volumes == nil {
		td.Volumes = []Volume{}
	}
	if td.PlacementConstraints == nil {
		td.PlacementConstraints = []PlacementConstraint{}
	}
	if td.Compatibilities == nil {
		// ECS reports a bridge definition valid for EC2 and EXTERNAL
		// (observed order); FARGATE would need awsvpc.
		td.Compatibilities = []Compatibility{CompatibilityExternal, CompatibilityEC2}
	}
	for i := range td.ContainerDefinitions {
		td.ContainerDefinitions[i].canonicalize(td.NetworkMode)
	}
}

func (cd *ContainerDefinition) canonicalize(mode NetworkMode) {
	if cd.Essential == nil {
		cd.Essential = ptr(true)
	}
	if cd.PortMappings == nil {
		cd.PortMappings = []PortMapping{}
	}
	if cd.Environment == nil {
		cd.Environment = []KeyValuePair{}
	}
	if cd.MountPoints == nil {
		cd.MountPoints = []MountPoint{}
	}
	if cd.VolumesFrom == nil {
		cd.VolumesFrom = []VolumeFrom{}
	}
	for i := range cd.PortMappings {
		pm := &cd.PortMappings[i]
		if pm.Protocol == "" {
			pm.Protocol = TransportProtocolTCP
		}
		if pm.HostPort == 0 && (mode == NetworkModeHost || mode == NetworkModeAWSVPC) {
			pm.HostPort = pm.ContainerPort
		}
	}
	if hc := cd.HealthCheck; hc != nil {
		if hc.Interval == 0 {
			hc.Interval = DefaultHealthCheckInterval
		}
		if hc.Timeout == 0 {
			hc.Timeout = DefaultHealthCheckTimeout
		}
		if hc.Retries == 0 {
			hc.Retries = DefaultHealthCheckRetries
		}
	}
}

// canonicalUnits turns "1 vCPU" (unit "vcpu") or "2GB" (unit "gb") into the
// integer string ×1024; plain integers and unparsable text are kept as they
// are (Validate reports the latter).
func canonicalUnits(s, unit string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return s
	}
	lower := strings.ToLower(t)
	if !strings.HasSuffix(lower, unit) {
		return s
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t[:len(t)-len(unit)]), 64)
	if err != nil || f <= 0 || f > 1<<20 {
		return s
	}
	return strconv.Itoa(int(f * 1024))
}

// Task definition limits (§12).
const (
	MinTaskCPU         = 128
	MaxTaskCPU         = 10240
	MinContainerMemory = 6 // MiB, Docker 20.10 and later
)

// Validate reports every problem of a canonical task definition as ECS's
// ClientException (RegisterTaskDefinition reports only that code, §11.2).
// Messages marked (observed) are ECS's texts as quoted in public reports;
// the others follow their wording and are unconfirmed.
func (td *TaskDefinition) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, NewClientException(format, args...))
	}
	switch {
	case td.Family == "":
		add("Family can not be blank.") // (observed)
	case !validName(td.Family):
		add("Family contains invalid characters.") // (observed)
	}
	switch td.NetworkMode {
	case NetworkModeBridge, NetworkModeHost, NetworkModeNone:
	case NetworkModeAWSVPC:
		add("Network mode 'awsvpc' is not supported by ecslocal.")
	default:
		add("Invalid networkMode: %s. Valid values are bridge, host, awsvpc and none.", td.NetworkMode)
	}
	for _, c := range td.RequiresCompatibilities {
		switch c {
		case CompatibilityEC2, CompatibilityExternal:
		case CompatibilityFargate:
			add("Task definition does not support launch_type FARGATE: ecslocal runs the EC2 launch type only.")
		default:
			add("Invalid requiresCompatibilities value: %s.", c)
		}
	}
	taskCPU, taskMem := -1, -1
	if td.CPU != "" {
		n, err := strconv.Atoi(td.CPU)
		if err != nil || n < MinTaskCPU || n > MaxTaskCPU {
			add("Invalid 'cpu' setting for task. The task cpu must be between %d and %d CPU units.", MinTaskCPU, MaxTaskCPU)
		} else {
			taskCPU = n
		}
	}
	if td.Memory != "" {
		n, err := strconv.Atoi(td.Memory)
		if err != nil || n < MinContainerMemory {
			add("Invalid 'memory' setting for task. The task memory must be at least %d MiB.", MinContainerMemory)
		} else {
			taskMem = n
		}
	}
	if len(td.ContainerDefinitions) == 0 {
		add("Container list cannot be empty.")
	}
	names := make(map[string]bool, len(td.ContainerDefinitions))
	dup, essential := false, false
	for i := range td.ContainerDefinitions {
		cd := &td.ContainerDefinitions[i]
		if cd.Name != "" && names[cd.Name] {
			dup = true
		}
		names[cd.Name] = true
		essential = essential || cd.IsEssential()
	}
	if dup {
		add("Container names must be unique within a Task Definition.") // (observed)
	}
	if len(td.ContainerDefinitions) > 0 && !essential {
		add("Task definition must have at least one essential container.")
	}
	volumes := make(map[string]bool, len(td.Volumes))
	for _, v := range td.Volumes {
		if !validName(v.Name) {
			add("Volume name '%s' is invalid. Up to 255 letters, numbers, hyphens, and underscores are allowed.", v.Name)
		}
		if volumes[v.Name] {
			add("Volume names must be unique within a Task Definition.")
		}
		volumes[v.Name] = true
	}
	cpuSum, memSum := 0, 0
	hostPorts := map[string]bool{}
	for i := range td.ContainerDefinitions {
		cd := &td.ContainerDefinitions[i]
		errs = cd.validate(errs, td, names, volumes, taskMem)
		cpuSum += cd.CPU
		memSum += cd.MemoryReserved()
		for _, pm := range cd.PortMappings {
			if pm.HostPort == 0 {
				continue
			}
			key := strconv.Itoa(pm.HostPort) + "/" + string(pm.Protocol)
			if hostPorts[key] {
				add("Host port %d/%s is used by more than one port mapping in the task definition.", pm.HostPort, pm.Protocol)
			}
			hostPorts[key] = true
		}
	}
	if taskCPU >= 0 && cpuSum > taskCPU {
		// Follows the observed memoryReservation message below.
		add("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.")
	}
	if taskMem >= 0 && memSum > taskMem {
		add("The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.") // (observed)
	}
	if len(td.PlacementConstraints) > MaxPlacementConstraints {
		add("The number of placement constraints exceeds the maximum of %d.", MaxPlacementConstraints)
	}
	for _, pc := range td.PlacementConstraints {
		if pc.Type == PlacementConstraintTypeDistinctInstance {
			// §10.1: distinctInstance is not allowed in task definitions.
			add("The placement constraint type distinctInstance is not supported in task definitions. Only memberOf is allowed.")
			continue
		}
		if err := pc.Validate(); err != nil {
			add("%s", ErrorMessage(err))
		}
	}
	errs = validateTagsAs(errs, td.Tags)
	return errors.Join(errs...)
}

// validateTagsAs reports tag problems as ClientException, the only code
// RegisterTaskDefinition returns.
func validateTagsAs(errs []error, tags []Tag) []error {
	for _, err := range validateTags(nil, tags) {
		errs = append(errs, NewClientException("%s", ErrorMessage(err)))
	}
	return errs
}

// Valid log drivers of the API (§12.2).
var logDrivers = []string{"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"}

// validate appends the problems of one canonical container definition.
func (cd *ContainerDefinition) validate(errs []error, td *TaskDefinition, names, volumes map[string]bool, taskMem int) []error {
	add := func(format string, args ...any) {
		errs = append(errs, NewClientException(format, args...))
	}
	switch {
	case cd.Name == "":
		add("Container.name should not be null or empty.") // (observed)
	case !validName(cd.Name):
		add("Container.name contains invalid characters.") // (observed)
	}
	switch {
	case cd.Image == "":
		add("Container.image should not be null or empty.") // (observed, §12.2)
	case len(cd.Image) > 255 || !validImage(cd.Image):
		add("Container.image contains invalid characters.")
	}
	if cd.CPU < 0 {
		add("Invalid 'cpu' setting for container '%s'. The value cannot be negative.", cd.Name)
	}
	if cd.Memory == nil && cd.MemoryReservation == nil && taskMem < 0 {
		// §12.2 (observed): required on EC2 without task-level memory.
		add("Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", cd.Name)
	}
	if cd.Memory != nil && *cd.Memory < MinContainerMemory {
		add("Invalid 'memory' setting for container '%s'. The memory hard limit must be at least %d MiB.", cd.Name, MinContainerMemory)
	}
	if cd.MemoryReservation != nil && *cd.MemoryReservation < MinContainerMemory {
		add("Invalid 'memoryReservation' setting for container '%s'. The memory reservation must be at least %d MiB.", cd.Name, MinContainerMemory)
	}
	if cd.Memory != nil && cd.MemoryReservation != nil && *cd.Memory < *cd.MemoryReservation {
		// §12.2 says "greater than"; the developer guide was corrected to
		// "greater than or equal to" (awsdocs/amazon-ecs-developer-guide#242),
		// so equal values are accepted.
		add("Invalid setting for container '%s'. 'memory' must be greater than or equal to 'memoryReservation'.", cd.Name)
	}
	if cd.Memory != nil && taskMem >= 0 && *cd.Memory > taskMem {
		add("Invalid 'memory' setting for container '%s'. The container memory (%d) is greater than the task memory (%d).", cd.Name, *cd.Memory, taskMem)
	}
	for _, pm := range cd.PortMappings {
		errs = pm.validate(errs, cd.Name, td.NetworkMode)
	}
	if len(cd.PortMappings) > 0 && td.NetworkMode == NetworkModeNone {
		add("Port mappings are not supported when networkMode=none.")
	}
	if len(cd.Links) > 0 && td.NetworkMode != NetworkModeBridge {
		add("Links are not supported when networkMode=%s.", td.NetworkMode)
	}
	for _, l := range cd.Links {
		target, alias, _ := strings.Cut(l, ":")
		switch {
		case !validName(target) || (alias != "" && !validName(alias)):
			add("Invalid link '%s' in container '%s'. Links must be name or name:alias of up to 255 letters, numbers, hyphens, and underscores.", l, cd.Name)
		case !names[target] || target == cd.Name:
			add("Container '%s' links to '%s', which is not another container of the task definition.", cd.Name, target)
		}
	}
	for _, d := range cd.DependsOn {
		if !names[d.ContainerName] {
			// (observed, including the stray "+ ")
			add("Cannot depend on container + '%s' because it does not exist", d.ContainerName)
		}
		switch d.Condition {
		case DependencyConditionStart, DependencyConditionHealthy:
		case DependencyConditionComplete, DependencyConditionSuccess:
			if dep := td.Container(d.ContainerName); dep != nil && dep.IsEssential() {
				// §12.2: COMPLETE/SUCCESS are not allowed on essential containers.
				add("Invalid dependsOn condition %s on container '%s': the container is essential.", d.Condition, d.ContainerName)
			}
		default:
			add("Invalid dependsOn condition '%s'. Valid values are START, COMPLETE, SUCCESS and HEALTHY.", d.Condition)
		}
	}
	for _, m := range cd.MountPoints {
		if !volumes[m.SourceVolume] {
			add("Invalid 'mountPoints' setting for container '%s'. Unknown volume '%s'.", cd.Name, m.SourceVolume)
		}
	}
	for _, v := range cd.VolumesFrom {
		if !names[v.SourceContainer] {
			add("Invalid 'volumesFrom' setting for container '%s'. Unknown container '%s'.", cd.Name, v.SourceContainer)
		}
	}
	if cd.StartTimeout != nil && *cd.StartTimeout < 0 {
		add("Invalid 'startTimeout' setting for container '%s'. The value cannot be negative.", cd.Name)
	}
	if cd.StopTimeout != nil && *cd.StopTimeout < 0 {
		add("Invalid 'stopTimeout' setting for container '%s'. The value cannot be negative.", cd.Name)
	}
	if lc := cd.LogConfiguration; lc != nil && !slices.Contains(logDrivers, lc.LogDriver) {
		add("Invalid logDriver '%s' for container '%s'. Valid values are %s.", lc.LogDriver, cd.Name, strings.Join(logDrivers, ", "))
	}
	if hc := cd.HealthCheck; hc != nil {
		errs = hc.validate(errs, cd.Name)
	}
	return errs
}

// validImage reports whether s uses only the characters §12.2 allows in an
// image reference: letters, digits and -_:./#@.
func validImage(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isNameChar(c) && !strings.ContainsRune(":./#@", rune(c)) {
			return false
		}
	}
	return true
}

func (pm PortMapping) validate(errs []error, container string, mode NetworkMode) []error {
	add := func(format string, args ...any) {
		errs = append(errs, NewClientException(format, args...))
	}
	if pm.ContainerPortRange != "" {
		add("Invalid 'portMappings' setting for container '%s'. containerPortRange is not supported by ecslocal.", container)
		return errs
	}
	if pm.ContainerPort < 1 || pm.ContainerPort > 65535 {
		add("Invalid 'containerPort' setting for container '%s'.", container) // (observed)
	}
	if pm.HostPort < 0 || pm.HostPort > 65535 {
		add("Invalid 'hostPort' setting for container '%s'. The port must be between 0 and 65535.", container)
	}
	if pm.Protocol != TransportProtocolTCP && pm.Protocol != TransportProtocolUDP {
		add("Invalid 'protocol' setting for container '%s'. Valid values are tcp and udp.", container)
	}
	if mode == NetworkModeHost && pm.HostPort != pm.ContainerPort {
		// Follows ECS's awsvpc message, which is observed; §12.1 gives the
		// rule for host mode.
		add("When networkMode=host, the host ports and container ports in port mappings must match.")
	}
	return errs
}

func (hc *HealthCheck) validate(errs []error, container string) []error {
	add := func(format string, args ...any) {
		errs = append(errs, NewClientException(format, args...))
	}
	if len(hc.Command) == 0 || (hc.Command[0] != "CMD" && hc.Command[0] != "CMD-SHELL") {
		add("Invalid 'healthCheck' setting for container '%s'. The command must start with CMD or CMD-SHELL.", container)
	}
	check := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			add("Invalid 'healthCheck' setting for container '%s'. %s must be between %d and %d.", container, field, lo, hi)
		}
	}
	check("interval", hc.Interval, 5, 300)
	check("timeout", hc.Timeout, 2, 60)
	check("retries", hc.Retries, 1, 10)
	if hc.StartPeriod != nil {
		check("startPeriod", *hc.StartPeriod, 0, 300)
	}
	return errs
}

// Copy returns a deep copy.
func (td *TaskDefinition) Copy() *TaskDefinition {
	if td == nil {
		return nil
	}
	c := *td
	if td.ContainerDefinitions != nil {
		c.ContainerDefinitions = make([]ContainerDefinition, len(td.ContainerDefinitions))
		for i := range td.ContainerDefinitions {
			c.ContainerDefinitions[i] = *td.ContainerDefinitions[i].Copy()
		}
	}
	if td.Volumes != nil {
		c.Volumes = make([]Volume, len(td.Volumes))
		for i, v := range td.Volumes {
			c.Volumes[i] = v
			c.Volumes[i].Host = clonePtr(v.Host)
			if d := v.DockerVolumeConfiguration; d != nil {
				dc := *d
				dc.Autoprovision = clonePtr(d.Autoprovision)
				dc.DriverOpts = maps.Clone(d.DriverOpts)
				dc.Labels = maps.Clone(d.Labels)
				c.Volumes[i].DockerVolumeConfiguration = &dc
			}
		}
	}
	c.RequiresAttributes = slices.Clone(td.RequiresAttributes)
	c.PlacementConstraints = slices.Clone(td.PlacementConstraints)
	c.Compatibilities = slices.Clone(td.Compatibilities)
	c.RequiresCompatibilities = slices.Clone(td.RequiresCompatibilities)
	c.Tags = slices.Clone(td.Tags)
	return &c
}

// Copy returns a deep copy.
func (cd *ContainerDefinition) Copy() *ContainerDefinition {
	c := *cd
	c.RepositoryCredentials = clonePtr(cd.RepositoryCredentials)
	c.Memory = clonePtr(cd.Memory)
	c.MemoryReservation = clonePtr(cd.MemoryReservation)
	c.Links = slices.Clone(cd.Links)
	c.PortMappings = slices.Clone(cd.PortMappings)
	c.Essential = clonePtr(cd.Essential)
	c.EntryPoint = slices.Clone(cd.EntryPoint)
	c.Command = slices.Clone(cd.Command)
	c.Environment = slices.Clone(cd.Environment)
	c.EnvironmentFiles = slices.Clone(cd.EnvironmentFiles)
	if cd.MountPoints != nil {
		c.MountPoints = make([]MountPoint, len(cd.MountPoints))
		for i, m := range cd.MountPoints {
			m.ReadOnly = clonePtr(m.ReadOnly)
			c.MountPoints[i] = m
		}
	}
	if cd.VolumesFrom != nil {
		c.VolumesFrom = make([]VolumeFrom, len(cd.VolumesFrom))
		for i, v := range cd.VolumesFrom {
			v.ReadOnly = clonePtr(v.ReadOnly)
			c.VolumesFrom[i] = v
		}
	}
	c.Secrets = slices.Clone(cd.Secrets)
	c.DependsOn = slices.Clone(cd.DependsOn)
	c.StartTimeout = clonePtr(cd.StartTimeout)
	c.StopTimeout = clonePtr(cd.StopTimeout)
	c.DisableNetworking = clonePtr(cd.DisableNetworking)
	c.Privileged = clonePtr(cd.Privileged)
	c.ReadonlyRootFilesystem = clonePtr(cd.ReadonlyRootFilesystem)
	c.DNSServers = slices.Clone(cd.DNSServers)
	c.DNSSearchDomains = slices.Clone(cd.DNSSearchDomains)
	c.ExtraHosts = slices.Clone(cd.ExtraHosts)
	c.DockerSecurityOptions = slices.Clone(cd.DockerSecurityOptions)
	c.Interactive = clonePtr(cd.Interactive)
	c.PseudoTerminal = clonePtr(cd.PseudoTerminal)
	c.DockerLabels = maps.Clone(cd.DockerLabels)
	c.Ulimits = slices.Clone(cd.Ulimits)
	if lc := cd.LogConfiguration; lc != nil {
		l := *lc
		l.Options = maps.Clone(lc.Options)
		l.SecretOptions = slices.Clone(lc.SecretOptions)
		c.LogConfiguration = &l
	}
	if hc := cd.HealthCheck; hc != nil {
		h := *hc
		h.Command = slices.Clone(hc.Command)
		h.StartPeriod = clonePtr(hc.StartPeriod)
		c.HealthCheck = &h
	}
	c.SystemControls = slices.Clone(cd.SystemControls)
	return &c
}
