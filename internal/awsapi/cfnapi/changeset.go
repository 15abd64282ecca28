package cfnapi

import (
	"context"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

type createChangeSetInput struct {
	StackName           string
	ChangeSetName       string
	ChangeSetType       string
	TemplateBody        string
	TemplateURL         string
	UsePreviousTemplate bool
	Parameters          []parameter
	Capabilities        []string
	Description         string
}

type createChangeSetResult struct {
	ID      string `query:"Id"`
	StackID string `query:"StackId"`
}

func (h *Handler) createChangeSet(ctx context.Context, w *createChangeSetInput) (any, error) {
	if err := required("stackName", w.StackName, "changeSetName", w.ChangeSetName); err != nil {
		return nil, err
	}
	if err := templateSource(w.TemplateURL); err != nil {
		return nil, err
	}
	csID, stackID, err := h.Stacks.CreateChangeSet(ctx, &deploy.CreateChangeSetInput{
		StackName: w.StackName, ChangeSetName: w.ChangeSetName, ChangeSetType: deploy.ChangeSetType(w.ChangeSetType),
		TemplateBody: w.TemplateBody, UsePreviousTemplate: w.UsePreviousTemplate, Parameters: parameters(w.Parameters),
		Capabilities: w.Capabilities, Description: w.Description,
	})
	if err != nil {
		return nil, err
	}
	return createChangeSetResult{ID: csID, StackID: stackID}, nil
}

// changeSetInput is the input of the operations that name one change
// set: by ARN, or by name with its stack. ExecuteChangeSet's
// DisableRollback (which `aws cloudformation deploy` always sends) is
// accepted and has no effect: the executor keeps the stack's own setting.
type changeSetInput struct {
	ChangeSetName   string
	StackName       string
	NextToken       string
	DisableRollback bool
}

// resourceTargetDefinition is the Target of a ResourceChangeDetail.
type resourceTargetDefinition struct {
	Attribute          string `query:"Attribute"`
	Name               string `query:"Name,omitempty"`
	RequiresRecreation string `query:"RequiresRecreation,omitempty"`
}

type resourceChangeDetail struct {
	Target       resourceTargetDefinition `query:"Target"`
	Evaluation   string                   `query:"Evaluation"`
	ChangeSource string                   `query:"ChangeSource"`
}

type resourceChange struct {
	Action             string                 `query:"Action"`
	LogicalResourceID  string                 `query:"LogicalResourceId"`
	PhysicalResourceID string                 `query:"PhysicalResourceId,omitempty"`
	ResourceType       string                 `query:"ResourceType"`
	Replacement        string                 `query:"Replacement,omitempty"`
	Scope              []string               `query:"Scope"`
	Details            []resourceChangeDetail `query:"Details"`
}

// change is the Change shape: always a Resource change.
type change struct {
	Type           string         `query:"Type"`
	ResourceChange resourceChange `query:"ResourceChange"`
}

type describeChangeSetResult struct {
	ChangeSetName    string      `query:"ChangeSetName"`
	ChangeSetID      string      `query:"ChangeSetId"`
	StackID          string      `query:"StackId"`
	StackName        string      `query:"StackName"`
	Description      string      `query:"Description,omitempty"`
	Parameters       []parameter `query:"Parameters,omitempty"`
	CreationTime     time.Time   `query:"CreationTime"`
	ExecutionStatus  string      `query:"ExecutionStatus"`
	Status           string      `query:"Status"`
	StatusReason     string      `query:"StatusReason,omitempty"`
	NotificationARNs []string    `query:"NotificationARNs"`
	Capabilities     []string    `query:"Capabilities"`
	Tags             []struct{}  `query:"Tags"`
	Changes          []change    `query:"Changes"`
	// IncludeNestedStacks is always false: ecslocal has no nested stacks.
	IncludeNestedStacks bool `query:"IncludeNestedStacks"`
}

func (h *Handler) describeChangeSet(ctx context.Context, w *changeSetInput) (any, error) {
	if err := required("changeSetName", w.ChangeSetName); err != nil {
		return nil, err
	}
	cs, err := h.Stacks.DescribeChangeSet(ctx, w.StackName, w.ChangeSetName)
	if err != nil {
		return nil, err
	}
	out := describeChangeSetResult{
		ChangeSetName: cs.ChangeSetName, ChangeSetID: cs.ChangeSetID, StackID: cs.StackID, StackName: cs.StackName,
		Description: cs.Description, Parameters: wireParameters(cs.Parameters), CreationTime: cs.CreationTime,
		ExecutionStatus: string(cs.ExecutionStatus), Status: string(cs.Status), StatusReason: cs.StatusReason,
		NotificationARNs: []string{}, Capabilities: cs.Capabilities, Tags: []struct{}{}, Changes: []change{},
	}
	if out.Capabilities == nil {
		out.Capabilities = []string{}
	}
	for _, rc := range cs.Changes {
		c := resourceChange{
			Action: rc.Action, LogicalResourceID: rc.LogicalResourceID, PhysicalResourceID: rc.PhysicalResourceID,
			ResourceType: rc.ResourceType, Replacement: string(rc.Replacement), Scope: rc.Scope, Details: []resourceChangeDetail{},
		}
		if c.Scope == nil {
			c.Scope = []string{}
		}
		for _, d := range rc.Details {
			c.Details = append(c.Details, resourceChangeDetail{
				Target:     resourceTargetDefinition{Attribute: "Properties", Name: d.Name, RequiresRecreation: d.RequiresRecreation},
				Evaluation: d.Evaluation, ChangeSource: "DirectModification",
			})
		}
		out.Changes = append(out.Changes, change{Type: "Resource", ResourceChange: c})
	}
	return out, nil
}

func (h *Handler) executeChangeSet(ctx context.Context, w *changeSetInput) (any, error) {
	if err := required("changeSetName", w.ChangeSetName); err != nil {
		return nil, err
	}
	// The stack to settle on: the change set's, looked up first.
	cs, err := h.Stacks.DescribeChangeSet(ctx, w.StackName, w.ChangeSetName)
	if err != nil {
		return nil, err
	}
	if err := h.Stacks.ExecuteChangeSet(ctx, w.StackName, w.ChangeSetName); err != nil {
		return nil, err
	}
	h.settle(ctx, cs.StackID)
	return nil, nil
}

func (h *Handler) deleteChangeSet(ctx context.Context, w *changeSetInput) (any, error) {
	if err := required("changeSetName", w.ChangeSetName); err != nil {
		return nil, err
	}
	return nil, h.Stacks.DeleteChangeSet(ctx, w.StackName, w.ChangeSetName)
}

// changeSetSummary is the ChangeSetSummary shape.
type changeSetSummary struct {
	StackID         string    `query:"StackId"`
	StackName       string    `query:"StackName"`
	ChangeSetID     string    `query:"ChangeSetId"`
	ChangeSetName   string    `query:"ChangeSetName"`
	ExecutionStatus string    `query:"ExecutionStatus"`
	Status          string    `query:"Status"`
	StatusReason    string    `query:"StatusReason,omitempty"`
	CreationTime    time.Time `query:"CreationTime"`
	Description     string    `query:"Description,omitempty"`
}

type changeSetSummariesResult struct {
	Summaries []changeSetSummary `query:"Summaries"`
}

func (h *Handler) listChangeSets(ctx context.Context, w *stackNameInput) (any, error) {
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	css, err := h.Stacks.ListChangeSets(ctx, w.StackName)
	if err != nil {
		return nil, err
	}
	out := changeSetSummariesResult{Summaries: []changeSetSummary{}}
	for _, cs := range css {
		out.Summaries = append(out.Summaries, changeSetSummary{
			StackID: cs.StackID, StackName: cs.StackName, ChangeSetID: cs.ChangeSetID, ChangeSetName: cs.ChangeSetName,
			ExecutionStatus: string(cs.ExecutionStatus), Status: string(cs.Status), StatusReason: cs.StatusReason,
			CreationTime: cs.CreationTime, Description: cs.Description,
		})
	}
	return out, nil
}
