// Package docker is the task driver that runs containers on a Docker
// Engine through its official Go client: the closest local match of what the
// ECS agent does on an EC2 container instance.
//
// Nothing is ever pulled. An image must already exist in the engine; a task
// whose image is missing fails to start with driver.ErrImageNotFound (the
// agent reports it as ECS does, CannotPullContainerError). A reference is
// looked up as given and then without its registry host, so a task
// definition naming 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1
// runs the local image api:v1.
//
// Every container carries labels (ecslocal.managed, ecslocal.handle-id,
// ecslocal.task-id, ecslocal.container-name) and the handle keeps the
// container ID as its DriverState, so that an ecslocal restarted with the
// same state re-adopts running containers through Recover.
//
// Limits map as the ECS agent maps them: memory → HostConfig.Memory (hard
// limit; the engine's OOM kill shows as OOMKilled and exit code 137),
// memoryReservation → MemoryReservation, cpu units → CPUShares (at least
// 2), port mappings → PortBindings on the allocated host ports. Logs stay
// in the engine (docker logs, the json-file driver).
//
// Stop sends the signal with the kill endpoint, waits up to the timeout and
// then sends SIGKILL, rather than the engine's stop endpoint, because custom
// stop signals need Engine API 1.42 and Debian's engine speaks 1.41.
//
// It imports driver and the Docker client only.
package docker
