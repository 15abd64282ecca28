// Package stsapi serves the one STS operation tools call before anything
// else, GetCallerIdentity, on the shared endpoint (Query protocol, version
// 2011-06-15). It holds no state and imports only awsapi.
package stsapi

import (
	"context"
	"net/url"

	"github.com/ecslocal/ecslocal/internal/awsapi"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Handler answers STS requests for one account.
type Handler struct {
	// AccountID is the account every identity belongs to.
	AccountID string
}

var _ awsapi.QueryHandler = (*Handler)(nil)

// Service mounts h on an awsapi.Server.
func (h *Handler) Service() awsapi.QueryService {
	return awsapi.QueryService{SigningName: "sts", Version: "2011-06-15", Namespace: Namespace, Handler: h}
}

// callerIdentity is the GetCallerIdentity result.
type callerIdentity struct {
	UserID  string `query:"UserId"`
	Account string
	Arn     string
}

// Handle implements awsapi.QueryHandler.
func (h *Handler) Handle(ctx context.Context, action string, _ url.Values) (any, error) {
	if action != "GetCallerIdentity" {
		return nil, awsapi.Errorf("InvalidAction", "Could not find operation %s for version 2011-06-15.", action)
	}
	id := awsapi.IdentityFrom(ctx)
	// The local credentials stand for the account's root user.
	return callerIdentity{UserID: id.AccessKeyID, Account: h.AccountID, Arn: "arn:aws:iam::" + h.AccountID + ":root"}, nil
}
