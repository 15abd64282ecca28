// Package cloudformation holds the reference system's CloudFormation
// templates, the one definition of the system that deploys both to AWS
// (`aws cloudformation deploy`) and to ecslocal, whose `up` deploys the
// embedded copies as its built-in demo. It imports only the standard
// library.
package cloudformation

import _ "embed"

// ClusterTemplate is cluster.yml: the VPC, the load balancer with its
// HTTP:80 listener, and the ECS cluster with its Auto Scaling group of
// container instances.
//
//go:embed cluster.yml
var ClusterTemplate string

// APITemplate is api.yml: the forum as an ECS service behind the cluster
// stack's load balancer, importing that stack's exports.
//
//go:embed api.yml
var APITemplate string
