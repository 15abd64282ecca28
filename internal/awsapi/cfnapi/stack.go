package cfnapi

import (
	"context"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// Wire inputs of the stack operations, with the members of the service
// model. Members ecslocal accepts but does not act on (Tags, RoleARN,
// NotificationARNs, ClientRequestToken, TimeoutInMinutes, OnFailure …)
// are not declared: DecodeQuery ignores parameters that name no member,
// as the services do.

// parameter is the Parameter shape, in inputs and results.
type parameter struct {
	ParameterKey     string `query:"ParameterKey,omitempty"`
	ParameterValue   string `query:"ParameterValue,omitempty"`
	UsePreviousValue bool   `query:"UsePreviousValue,omitempty"`
	ResolvedValue    string `query:"ResolvedValue,omitempty"`
}

func parameters(in []parameter) []deploy.Parameter {
	var out []deploy.Parameter
	for _, p := range in {
		out = append(out, deploy.Parameter{ParameterKey: p.ParameterKey, ParameterValue: p.ParameterValue, UsePreviousValue: p.UsePreviousValue})
	}
	return out
}

func wireParameters(in []deploy.Parameter) []parameter {
	out := []parameter{}
	for _, p := range in {
		out = append(out, parameter{ParameterKey: p.ParameterKey, ParameterValue: p.ParameterValue, ResolvedValue: p.ResolvedValue})
	}
	return out
}

// templateSource checks the template members every operation that takes a
// template shares: ecslocal has no S3, so TemplateURL is refused.
func templateSource(templateURL string) error {
	if templateURL != "" {
		return validation("TemplateURL is not supported by ecslocal (there is no S3); pass the template in TemplateBody.")
	}
	return nil
}

type createStackInput struct {
	StackName       string
	TemplateBody    string
	TemplateURL     string
	Parameters      []parameter
	Capabilities    []string
	DisableRollback bool
	OnFailure       string
}

type stackIDResult struct {
	StackID string `query:"StackId"`
}

func (h *Handler) createStack(ctx context.Context, w *createStackInput) (any, error) {
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	if err := templateSource(w.TemplateURL); err != nil {
		return nil, err
	}
	// OnFailure=DO_NOTHING is what DisableRollback=true means.
	id, err := h.Stacks.CreateStack(ctx, &deploy.CreateStackInput{
		StackName: w.StackName, TemplateBody: w.TemplateBody, Parameters: parameters(w.Parameters),
		Capabilities: w.Capabilities, DisableRollback: w.DisableRollback || w.OnFailure == "DO_NOTHING",
	})
	if err != nil {
		return nil, err
	}
	h.settle(ctx, id)
	return stackIDResult{StackID: id}, nil
}

type updateStackInput struct {
	StackName           string
	TemplateBody        string
	TemplateURL         string
	UsePreviousTemplate bool
	Parameters          []parameter
	Capabilities        []string
	DisableRollback     bool
}

func (h *Handler) updateStack(ctx context.Context, w *updateStackInput) (any, error) {
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	if err := templateSource(w.TemplateURL); err != nil {
		return nil, err
	}
	id, err := h.Stacks.UpdateStack(ctx, &deploy.UpdateStackInput{
		StackName: w.StackName, TemplateBody: w.TemplateBody, UsePreviousTemplate: w.UsePreviousTemplate,
		Parameters: parameters(w.Parameters), Capabilities: w.Capabilities, DisableRollback: w.DisableRollback,
	})
	if err != nil {
		return nil, err
	}
	h.settle(ctx, id)
	return stackIDResult{StackID: id}, nil
}

type stackNameInput struct {
	StackName string
	NextToken string
}

func (h *Handler) deleteStack(ctx context.Context, w *stackNameInput) (any, error) {
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	// Look the stack up first, so the settle below waits on this stack
	// even after its name is free again.
	var id string
	if sts, err := h.Stacks.DescribeStacks(ctx, w.StackName); err == nil && len(sts) == 1 {
		id = sts[0].StackID
	}
	if err := h.Stacks.DeleteStack(ctx, w.StackName); err != nil {
		return nil, err
	}
	if id != "" {
		h.settle(ctx, id)
	}
	return nil, nil
}

// output is the Output shape.
type output struct {
	OutputKey   string `query:"OutputKey,omitempty"`
	OutputValue string `query:"OutputValue,omitempty"`
	Description string `query:"Description,omitempty"`
	ExportName  string `query:"ExportName,omitempty"`
}

// stack is the Stack shape of DescribeStacks.
type stack struct {
	StackID           string      `query:"StackId"`
	StackName         string      `query:"StackName"`
	ChangeSetID       string      `query:"ChangeSetId,omitempty"`
	Description       string      `query:"Description,omitempty"`
	Parameters        []parameter `query:"Parameters"`
	CreationTime      time.Time   `query:"CreationTime"`
	DeletionTime      *time.Time  `query:"DeletionTime"`
	LastUpdatedTime   *time.Time  `query:"LastUpdatedTime"`
	StackStatus       string      `query:"StackStatus"`
	StackStatusReason string      `query:"StackStatusReason,omitempty"`
	DisableRollback   bool        `query:"DisableRollback"`
	NotificationARNs  []string    `query:"NotificationARNs"`
	Capabilities      []string    `query:"Capabilities,omitempty"`
	Outputs           []output    `query:"Outputs,omitempty"`
	Tags              []struct{}  `query:"Tags"`
	// EnableTerminationProtection is always false: ecslocal has none.
	EnableTerminationProtection bool             `query:"EnableTerminationProtection"`
	DriftInformation            driftInformation `query:"DriftInformation"`
}

// driftInformation is StackDriftInformation: ecslocal never detects
// drift.
type driftInformation struct {
	StackDriftStatus string `query:"StackDriftStatus"`
}

// timePtr is nil for the zero time, so the member is left out.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func wireStack(s *deploy.Stack) stack {
	out := stack{
		StackID: s.StackID, StackName: s.StackName, ChangeSetID: s.ChangeSetID, Description: s.Description,
		Parameters: wireParameters(s.Parameters), CreationTime: s.CreationTime, DeletionTime: timePtr(s.DeletionTime),
		LastUpdatedTime: timePtr(s.LastUpdatedTime), StackStatus: string(s.StackStatus), StackStatusReason: s.StackStatusReason,
		DisableRollback: s.DisableRollback, NotificationARNs: []string{}, Capabilities: s.Capabilities,
		Tags: []struct{}{}, DriftInformation: driftInformation{StackDriftStatus: "NOT_CHECKED"},
	}
	if len(s.Parameters) == 0 {
		out.Parameters = nil
	}
	for _, o := range s.Outputs {
		out.Outputs = append(out.Outputs, output(o))
	}
	return out
}

type stacksResult struct {
	Stacks    []stack `query:"Stacks"`
	NextToken string  `query:"NextToken,omitempty"`
}

func (h *Handler) describeStacks(ctx context.Context, w *stackNameInput) (any, error) {
	sts, err := h.Stacks.DescribeStacks(ctx, w.StackName)
	if err != nil {
		return nil, err
	}
	out := stacksResult{Stacks: []stack{}}
	for _, s := range sts {
		out.Stacks = append(out.Stacks, wireStack(s))
	}
	return out, nil
}

type listStacksInput struct {
	NextToken         string
	StackStatusFilter []string
}

// stackSummary is the StackSummary shape.
type stackSummary struct {
	StackID             string           `query:"StackId"`
	StackName           string           `query:"StackName"`
	TemplateDescription string           `query:"TemplateDescription,omitempty"`
	CreationTime        time.Time        `query:"CreationTime"`
	LastUpdatedTime     *time.Time       `query:"LastUpdatedTime"`
	DeletionTime        *time.Time       `query:"DeletionTime"`
	StackStatus         string           `query:"StackStatus"`
	StackStatusReason   string           `query:"StackStatusReason,omitempty"`
	DriftInformation    driftInformation `query:"DriftInformation"`
}

type listStacksResult struct {
	StackSummaries []stackSummary `query:"StackSummaries"`
}

func (h *Handler) listStacks(ctx context.Context, w *listStacksInput) (any, error) {
	var filter []deploy.StackStatus
	for _, s := range w.StackStatusFilter {
		filter = append(filter, deploy.StackStatus(s))
	}
	out := listStacksResult{StackSummaries: []stackSummary{}}
	for _, s := range h.Stacks.ListStacks(ctx, filter...) {
		out.StackSummaries = append(out.StackSummaries, stackSummary{
			StackID: s.StackID, StackName: s.StackName, TemplateDescription: s.TemplateDescription, CreationTime: s.CreationTime,
			LastUpdatedTime: timePtr(s.LastUpdatedTime), DeletionTime: timePtr(s.DeletionTime), StackStatus: string(s.StackStatus),
			StackStatusReason: s.StackStatusReason, DriftInformation: driftInformation{StackDriftStatus: "NOT_CHECKED"},
		})
	}
	return out, nil
}

// stackEvent is the StackEvent shape.
type stackEvent struct {
	StackID              string    `query:"StackId"`
	EventID              string    `query:"EventId"`
	StackName            string    `query:"StackName"`
	LogicalResourceID    string    `query:"LogicalResourceId,omitempty"`
	PhysicalResourceID   string    `query:"PhysicalResourceId,omitempty"`
	ResourceType         string    `query:"ResourceType,omitempty"`
	Timestamp            time.Time `query:"Timestamp"`
	ResourceStatus       string    `query:"ResourceStatus,omitempty"`
	ResourceStatusReason string    `query:"ResourceStatusReason,omitempty"`
	ResourceProperties   string    `query:"ResourceProperties,omitempty"`
}

type stackEventsResult struct {
	StackEvents []stackEvent `query:"StackEvents"`
}

func (h *Handler) describeStackEvents(ctx context.Context, w *stackNameInput) (any, error) {
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	evs, err := h.Stacks.DescribeStackEvents(ctx, w.StackName)
	if err != nil {
		return nil, err
	}
	out := stackEventsResult{StackEvents: []stackEvent{}}
	for _, e := range evs {
		out.StackEvents = append(out.StackEvents, stackEvent(e))
	}
	return out, nil
}

// stackResource is the StackResource shape (DescribeStackResources).
type stackResource struct {
	StackName            string    `query:"StackName"`
	StackID              string    `query:"StackId"`
	LogicalResourceID    string    `query:"LogicalResourceId"`
	PhysicalResourceID   string    `query:"PhysicalResourceId,omitempty"`
	ResourceType         string    `query:"ResourceType"`
	Timestamp            time.Time `query:"Timestamp"`
	ResourceStatus       string    `query:"ResourceStatus"`
	ResourceStatusReason string    `query:"ResourceStatusReason,omitempty"`
	DriftInformation     struct {
		StackResourceDriftStatus string
	} `query:"DriftInformation"`
}

func wireResource(r deploy.StackResource) stackResource {
	out := stackResource{
		StackName: r.StackName, StackID: r.StackID, LogicalResourceID: r.LogicalResourceID, PhysicalResourceID: r.PhysicalResourceID,
		ResourceType: r.ResourceType, Timestamp: r.Timestamp, ResourceStatus: string(r.ResourceStatus), ResourceStatusReason: r.ResourceStatusReason,
	}
	out.DriftInformation.StackResourceDriftStatus = "NOT_CHECKED"
	return out
}

type describeStackResourceInput struct {
	StackName         string
	LogicalResourceID string `query:"LogicalResourceId"`
}

// stackResourceDetail is the StackResourceDetail shape.
type stackResourceDetail struct {
	StackName            string    `query:"StackName"`
	StackID              string    `query:"StackId"`
	LogicalResourceID    string    `query:"LogicalResourceId"`
	PhysicalResourceID   string    `query:"PhysicalResourceId,omitempty"`
	ResourceType         string    `query:"ResourceType"`
	LastUpdatedTimestamp time.Time `query:"LastUpdatedTimestamp"`
	ResourceStatus       string    `query:"ResourceStatus"`
	ResourceStatusReason string    `query:"ResourceStatusReason,omitempty"`
	DriftInformation     struct {
		StackResourceDriftStatus string
	} `query:"DriftInformation"`
}

type stackResourceDetailResult struct {
	StackResourceDetail stackResourceDetail `query:"StackResourceDetail"`
}

func (h *Handler) describeStackResource(ctx context.Context, w *describeStackResourceInput) (any, error) {
	if err := required("stackName", w.StackName, "logicalResourceId", w.LogicalResourceID); err != nil {
		return nil, err
	}
	r, err := h.Stacks.DescribeStackResource(ctx, w.StackName, w.LogicalResourceID)
	if err != nil {
		return nil, err
	}
	d := stackResourceDetail{
		StackName: r.StackName, StackID: r.StackID, LogicalResourceID: r.LogicalResourceID, PhysicalResourceID: r.PhysicalResourceID,
		ResourceType: r.ResourceType, LastUpdatedTimestamp: r.Timestamp, ResourceStatus: string(r.ResourceStatus),
		ResourceStatusReason: r.ResourceStatusReason,
	}
	d.DriftInformation.StackResourceDriftStatus = "NOT_CHECKED"
	return stackResourceDetailResult{StackResourceDetail: d}, nil
}

type describeStackResourcesInput struct {
	StackName          string
	LogicalResourceID  string `query:"LogicalResourceId"`
	PhysicalResourceID string `query:"PhysicalResourceId"`
}

type stackResourcesResult struct {
	StackResources []stackResource `query:"StackResources"`
}

// describeStackResources answers for a stack, or for the stack that owns
// a physical resource id, optionally narrowed to one logical id.
func (h *Handler) describeStackResources(ctx context.Context, w *describeStackResourcesInput) (any, error) {
	var rs []deploy.StackResource
	switch {
	case w.StackName != "":
		var err error
		if rs, err = h.Stacks.DescribeStackResources(ctx, w.StackName); err != nil {
			return nil, err
		}
	case w.PhysicalResourceID != "":
		sts, err := h.Stacks.DescribeStacks(ctx, "")
		if err != nil {
			return nil, err
		}
	find:
		for _, st := range sts {
			all, err := h.Stacks.DescribeStackResources(ctx, st.StackID)
			if err != nil {
				continue // deleted since the list was taken
			}
			for _, r := range all {
				if r.PhysicalResourceID == w.PhysicalResourceID {
					rs = all
					break find
				}
			}
		}
		if rs == nil {
			return nil, validation("Stack for %s does not exist", w.PhysicalResourceID)
		}
	default:
		return nil, validation("Either StackName or PhysicalResourceId must be specified.")
	}
	out := stackResourcesResult{StackResources: []stackResource{}}
	for _, r := range rs {
		if w.LogicalResourceID != "" && r.LogicalResourceID != w.LogicalResourceID {
			continue
		}
		if w.StackName == "" && w.LogicalResourceID == "" && r.PhysicalResourceID != w.PhysicalResourceID {
			continue
		}
		out.StackResources = append(out.StackResources, wireResource(r))
	}
	return out, nil
}

// stackResourceSummary is the StackResourceSummary shape.
type stackResourceSummary struct {
	LogicalResourceID    string    `query:"LogicalResourceId"`
	PhysicalResourceID   string    `query:"PhysicalResourceId,omitempty"`
	ResourceType         string    `query:"ResourceType"`
	LastUpdatedTimestamp time.Time `query:"LastUpdatedTimestamp"`
	ResourceStatus       string    `query:"ResourceStatus"`
	ResourceStatusReason string    `query:"ResourceStatusReason,omitempty"`
	DriftInformation     struct {
		StackResourceDriftStatus string
	} `query:"DriftInformation"`
}

type stackResourceSummariesResult struct {
	StackResourceSummaries []stackResourceSummary `query:"StackResourceSummaries"`
}

func (h *Handler) listStackResources(ctx context.Context, w *stackNameInput) (any, error) {
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	rs, err := h.Stacks.ListStackResources(ctx, w.StackName)
	if err != nil {
		return nil, err
	}
	out := stackResourceSummariesResult{StackResourceSummaries: []stackResourceSummary{}}
	for _, r := range rs {
		s := stackResourceSummary{
			LogicalResourceID: r.LogicalResourceID, PhysicalResourceID: r.PhysicalResourceID, ResourceType: r.ResourceType,
			LastUpdatedTimestamp: r.Timestamp, ResourceStatus: string(r.ResourceStatus), ResourceStatusReason: r.ResourceStatusReason,
		}
		s.DriftInformation.StackResourceDriftStatus = "NOT_CHECKED"
		out.StackResourceSummaries = append(out.StackResourceSummaries, s)
	}
	return out, nil
}

// export is the Export shape.
type export struct {
	ExportingStackID string `query:"ExportingStackId"`
	Name             string `query:"Name"`
	Value            string `query:"Value"`
}

type exportsResult struct {
	Exports []export `query:"Exports"`
}

func (h *Handler) listExports(ctx context.Context, _ *stackNameInput) (any, error) {
	out := exportsResult{Exports: []export{}}
	for _, e := range h.Stacks.ListExports(ctx) {
		out.Exports = append(out.Exports, export(e))
	}
	return out, nil
}
