package deploy

// StackStatus is a stack's StackStatus, in CloudFormation's words.
type StackStatus string

// The stack statuses.
const (
	StackStatusReviewInProgress                        StackStatus = "REVIEW_IN_PROGRESS"
	StackStatusCreateInProgress                        StackStatus = "CREATE_IN_PROGRESS"
	StackStatusCreateComplete                          StackStatus = "CREATE_COMPLETE"
	StackStatusCreateFailed                            StackStatus = "CREATE_FAILED"
	StackStatusRollbackInProgress                      StackStatus = "ROLLBACK_IN_PROGRESS"
	StackStatusRollbackComplete                        StackStatus = "ROLLBACK_COMPLETE"
	StackStatusRollbackFailed                          StackStatus = "ROLLBACK_FAILED"
	StackStatusUpdateInProgress                        StackStatus = "UPDATE_IN_PROGRESS"
	StackStatusUpdateCompleteCleanupInProgress         StackStatus = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
	StackStatusUpdateComplete                          StackStatus = "UPDATE_COMPLETE"
	StackStatusUpdateRollbackInProgress                StackStatus = "UPDATE_ROLLBACK_IN_PROGRESS"
	StackStatusUpdateRollbackCompleteCleanupInProgress StackStatus = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
	StackStatusUpdateRollbackComplete                  StackStatus = "UPDATE_ROLLBACK_COMPLETE"
	StackStatusUpdateRollbackFailed                    StackStatus = "UPDATE_ROLLBACK_FAILED"
	StackStatusDeleteInProgress                        StackStatus = "DELETE_IN_PROGRESS"
	StackStatusDeleteComplete                          StackStatus = "DELETE_COMPLETE"
	StackStatusDeleteFailed                            StackStatus = "DELETE_FAILED"
)

// InProgress reports whether an operation is running on the stack.
func (s StackStatus) InProgress() bool {
	switch s {
	case StackStatusCreateInProgress, StackStatusRollbackInProgress, StackStatusUpdateInProgress,
		StackStatusUpdateCompleteCleanupInProgress, StackStatusUpdateRollbackInProgress,
		StackStatusUpdateRollbackCompleteCleanupInProgress, StackStatusDeleteInProgress:
		return true
	}
	return false
}

// updatable reports whether UpdateStack (or an UPDATE change set) may
// start from the status.
func (s StackStatus) updatable() bool {
	switch s {
	case StackStatusCreateComplete, StackStatusUpdateComplete, StackStatusUpdateRollbackComplete:
		return true
	}
	return false
}

// ResourceStatus is a resource's status, in CloudFormation's words.
type ResourceStatus string

// The resource statuses.
const (
	ResourceCreateInProgress ResourceStatus = "CREATE_IN_PROGRESS"
	ResourceCreateComplete   ResourceStatus = "CREATE_COMPLETE"
	ResourceCreateFailed     ResourceStatus = "CREATE_FAILED"
	ResourceUpdateInProgress ResourceStatus = "UPDATE_IN_PROGRESS"
	ResourceUpdateComplete   ResourceStatus = "UPDATE_COMPLETE"
	ResourceUpdateFailed     ResourceStatus = "UPDATE_FAILED"
	ResourceDeleteInProgress ResourceStatus = "DELETE_IN_PROGRESS"
	ResourceDeleteComplete   ResourceStatus = "DELETE_COMPLETE"
	ResourceDeleteFailed     ResourceStatus = "DELETE_FAILED"
	ResourceDeleteSkipped    ResourceStatus = "DELETE_SKIPPED"
)

// Reasons CloudFormation gives in resource events.
const (
	ReasonUserInitiated     = "User Initiated"
	ReasonCreateInitiated   = "Resource creation Initiated"
	ReasonCreateCancelled   = "Resource creation cancelled"
	ReasonReplacementCreate = "Requested update requires the creation of a new physical resource; hence creating one."
)

// ChangeSetType is CREATE or UPDATE.
type ChangeSetType string

// The change set types.
const (
	ChangeSetCreate ChangeSetType = "CREATE"
	ChangeSetUpdate ChangeSetType = "UPDATE"
)

// ChangeSetStatus is a change set's Status.
type ChangeSetStatus string

// The change set statuses this package reaches.
const (
	ChangeSetStatusCreateComplete ChangeSetStatus = "CREATE_COMPLETE"
	ChangeSetStatusFailed         ChangeSetStatus = "FAILED"
)

// ExecutionStatus is a change set's ExecutionStatus.
type ExecutionStatus string

// The execution statuses.
const (
	ExecutionUnavailable ExecutionStatus = "UNAVAILABLE"
	ExecutionAvailable   ExecutionStatus = "AVAILABLE"
	ExecutionInProgress  ExecutionStatus = "EXECUTE_IN_PROGRESS"
	ExecutionComplete    ExecutionStatus = "EXECUTE_COMPLETE"
	ExecutionFailed      ExecutionStatus = "EXECUTE_FAILED"
	ExecutionObsolete    ExecutionStatus = "OBSOLETE"
)
