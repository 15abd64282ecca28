// Package deploy is the stack executor: it owns the CloudFormation stacks of
// one process and runs CreateStack, UpdateStack, DeleteStack and change sets
// asynchronously, the way CloudFormation does, through one Handler per
// resource type.
//
// It imports the template engine (internal/cfn) and the two control
// planes it drives; it must not import awsapi or cmd. The handlers reach
// the control planes only through interfaces defined here (ELB, ECS,
// Instances, LogGroups) that cmd/ecslocal wires to the in-process
// implementations (STYLE.md §2): *control.Control satisfies ELB as it is,
// ECSControl and InstancesControl (ecscontrol.go) adapt the ECS control
// plane to ECS and Instances, and LogGroupDir (logs.go) is the local
// CloudWatch Logs store of LogGroups. Tests supply their own
// implementations of the interfaces where a scripted one is clearer.
//
// Handlers (handler.go) are per resource type: Create returns the physical
// id (what Ref returns) and the Fn::GetAtt attributes, Update changes a
// resource in place or answers ErrReplacementRequired, Delete removes it,
// and Replacement gives the "Update requires" behaviour of each property
// for change sets. NewHandlers builds them all: recorded ones (EC2
// networking, IAM, ECR, Application Auto Scaling, launch templates and
// configurations: realistic ids, no effect), the ELBv2 ones over ELB, the
// ECS and Auto Scaling ones over ECS and Instances, and log groups over
// LogGroups (recorded when there is none).
//
// Stack life cycle (stack statuses are CloudFormation's):
//
//	CreateChangeSet(CREATE) ─▶ REVIEW_IN_PROGRESS ─ExecuteChangeSet─┐
//	CreateStack ─────────────────────────────────────────────────▶ CREATE_IN_PROGRESS
//	   ├─ every resource created ─▶ CREATE_COMPLETE
//	   └─ a resource failed ─▶ ROLLBACK_IN_PROGRESS ─▶ ROLLBACK_COMPLETE | ROLLBACK_FAILED
//	UpdateStack / ExecuteChangeSet(UPDATE) ─▶ UPDATE_IN_PROGRESS
//	   ├─ ok ─▶ UPDATE_COMPLETE_CLEANUP_IN_PROGRESS (old replaced and removed
//	   │        resources deleted) ─▶ UPDATE_COMPLETE
//	   └─ failed ─▶ UPDATE_ROLLBACK_IN_PROGRESS (in-place changes undone)
//	               ─▶ UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS (new
//	               resources deleted) ─▶ UPDATE_ROLLBACK_COMPLETE | UPDATE_ROLLBACK_FAILED
//	DeleteStack ─▶ DELETE_IN_PROGRESS ─▶ DELETE_COMPLETE | DELETE_FAILED
//
// Resource statuses follow the same words per resource (CREATE_IN_PROGRESS,
// CREATE_COMPLETE, CREATE_FAILED, UPDATE_*, DELETE_*, DELETE_SKIPPED), and
// every transition is recorded as a stack event (DescribeStackEvents lists
// them newest first).
//
// State discipline: all stack state is guarded by one mutex in Stacks and
// written only by the goroutine running the stack's operation (at most one
// per stack) or by the API call that starts it; reads return copies.
// Handlers are called without the mutex held. Identifiers and timestamps
// come from Options.NewID and Options.Now.
package deploy
