package elbapi

import (
	"strconv"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// The result members below are what awsapi.EncodeQueryResult puts inside
// <OpResult> (§7.1): members named by the `query` tag or the field name,
// lists as <member> elements, empty lists as <Name/>, timestamps in ISO
// 8601 with milliseconds, omitempty members left out when zero. Domain
// types whose json tags already spell the API's members (elb.Listener,
// elb.Action, elb.RuleCondition, elb.Attribute, elb.TargetDescription,
// elb.TargetHealth) are encoded as they are; the others are converted to
// the API's shape here.

type loadBalancersResult struct {
	LoadBalancers []loadBalancer
	NextMarker    string `query:",omitempty"`
}

type targetGroupsResult struct {
	TargetGroups []targetGroup
	NextMarker   string `query:",omitempty"`
}

type listenersResult struct {
	Listeners  []*elb.Listener
	NextMarker string `query:",omitempty"`
}

type rulesResult struct {
	Rules      []rule
	NextMarker string `query:",omitempty"`
}

type attributesResult struct {
	Attributes []elb.Attribute
}

type targetHealthResult struct {
	// TargetHealthDescriptions: control's rows have the API member names
	// (Target{Id, Port}, HealthCheckPort, TargetHealth{State, Reason,
	// Description}).
	TargetHealthDescriptions []control.TargetHealthDescription
}

type tagDescriptionsResult struct {
	TagDescriptions []tagDescription
}

// loadBalancer is the API's LoadBalancer. A local load balancer has no
// Availability Zones, VPC or hosted zone: AvailabilityZones is an empty
// list, VpcId and CanonicalHostedZoneId are left out.
type loadBalancer struct {
	LoadBalancerARN       string `query:"LoadBalancerArn"`
	DNSName               string
	CanonicalHostedZoneID string `query:"CanonicalHostedZoneId,omitempty"`
	CreatedTime           time.Time
	LoadBalancerName      string
	Scheme                string
	VpcID                 string `query:"VpcId,omitempty"`
	State                 loadBalancerState
	Type                  string
	AvailabilityZones     []availabilityZone
	SecurityGroups        []string
	IPAddressType         string `query:"IpAddressType"`
}

type loadBalancerState struct {
	Code   elb.LoadBalancerState
	Reason string `query:",omitempty"`
}

type availabilityZone struct {
	ZoneName string
	SubnetID string `query:"SubnetId,omitempty"`
}

func loadBalancers(lbs []*elb.LoadBalancer) []loadBalancer {
	out := make([]loadBalancer, 0, len(lbs))
	for _, lb := range lbs {
		out = append(out, loadBalancer{
			LoadBalancerARN:   lb.LoadBalancerARN,
			DNSName:           lb.DNSName,
			CreatedTime:       lb.CreatedTime,
			LoadBalancerName:  lb.LoadBalancerName,
			Scheme:            lb.Scheme,
			VpcID:             lb.VpcID,
			State:             loadBalancerState{Code: lb.State},
			Type:              lb.Type,
			AvailabilityZones: []availabilityZone{},
			SecurityGroups:    nonNil(lb.SecurityGroups),
			IPAddressType:     lb.IPAddressType,
		})
	}
	return out
}

// targetGroup is the API's TargetGroup, in the member order of §7.1's
// example. HealthCheckEnabled is always shown (nil means true).
type targetGroup struct {
	TargetGroupARN             string       `query:"TargetGroupArn"`
	TargetGroupName            string       `query:"TargetGroupName"`
	Protocol                   elb.Protocol `query:",omitempty"`
	Port                       int          `query:",omitempty"`
	VpcID                      string       `query:"VpcId,omitempty"`
	HealthCheckProtocol        elb.Protocol `query:",omitempty"`
	HealthCheckPort            string       `query:",omitempty"`
	HealthCheckEnabled         bool
	HealthCheckIntervalSeconds int    `query:",omitempty"`
	HealthCheckTimeoutSeconds  int    `query:",omitempty"`
	HealthyThresholdCount      int    `query:",omitempty"`
	UnhealthyThresholdCount    int    `query:",omitempty"`
	HealthCheckPath            string `query:",omitempty"`
	Matcher                    elb.Matcher
	LoadBalancerARNs           []string            `query:"LoadBalancerArns"`
	TargetType                 elb.TargetType      `query:",omitempty"`
	ProtocolVersion            elb.ProtocolVersion `query:",omitempty"`
	IPAddressType              string              `query:"IpAddressType,omitempty"`
}

func targetGroups(tgs []*elb.TargetGroup) []targetGroup {
	out := make([]targetGroup, 0, len(tgs))
	for _, tg := range tgs {
		out = append(out, targetGroup{
			TargetGroupARN:             tg.TargetGroupARN,
			TargetGroupName:            tg.TargetGroupName,
			Protocol:                   tg.Protocol,
			Port:                       tg.Port,
			VpcID:                      tg.VpcID,
			HealthCheckProtocol:        tg.HealthCheckProtocol,
			HealthCheckPort:            tg.HealthCheckPort,
			HealthCheckEnabled:         tg.Enabled(),
			HealthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds,
			HealthCheckTimeoutSeconds:  tg.HealthCheckTimeoutSeconds,
			HealthyThresholdCount:      tg.HealthyThresholdCount,
			UnhealthyThresholdCount:    tg.UnhealthyThresholdCount,
			HealthCheckPath:            tg.HealthCheckPath,
			Matcher:                    tg.Matcher,
			LoadBalancerARNs:           nonNil(tg.LoadBalancerARNs),
			TargetType:                 tg.TargetType,
			ProtocolVersion:            tg.ProtocolVersion,
			IPAddressType:              tg.IPAddressType,
		})
	}
	return out
}

func listeners(ls []*elb.Listener) []*elb.Listener { return nonNil(ls) }

// rule is the API's Rule: Priority is a string, "default" for a listener's
// default rule (§3.1).
type rule struct {
	RuleARN    string `query:"RuleArn"`
	Priority   string
	Conditions []elb.RuleCondition
	Actions    []elb.Action
	IsDefault  bool
}

func rules(rs []*elb.Rule) []rule {
	out := make([]rule, 0, len(rs))
	for _, r := range rs {
		prio := strconv.Itoa(r.Priority)
		if r.IsDefault {
			prio = "default"
		}
		out = append(out, rule{RuleARN: r.RuleARN, Priority: prio, Conditions: nonNil(r.Conditions),
			Actions: nonNil(r.Actions), IsDefault: r.IsDefault})
	}
	return out
}

// tagDescription is the API's TagDescription; control.Tag already has the
// members Key and Value.
type tagDescription struct {
	ResourceARN string `query:"ResourceArn"`
	Tags        []control.Tag
}

func tagDescriptions(tds []control.TagDescription) []tagDescription {
	out := make([]tagDescription, 0, len(tds))
	for _, td := range tds {
		out = append(out, tagDescription{ResourceARN: td.ResourceARN, Tags: nonNil(td.Tags)})
	}
	return out
}
