package control

import (
	"fmt"
	"strings"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// ARN and DNS name formats (§7.3; ELBv2 API Reference examples):
//
//	arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
//	arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>
//	arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb-name>/<lb-id>/<id>
//	arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb-name>/<lb-id>/<listener-id>/<id>
//
// Every <id> is 16 lower-case hex characters. AWS names a load balancer
// <name>-<digits>.<region>.elb.amazonaws.com ("internal-" prefixed for
// internal ones); the local stand-in is <name>-<id>.<region>.elb.localhost.

func (c *Control) arnPrefix() string {
	return "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":"
}

func (c *Control) loadBalancerARN(name, id string) string {
	return c.arnPrefix() + "loadbalancer/app/" + name + "/" + id
}

func (c *Control) targetGroupARN(name, id string) string {
	return c.arnPrefix() + "targetgroup/" + name + "/" + id
}

func (c *Control) listenerARN(lb *lbRecord, id string) string {
	return c.arnPrefix() + "listener/app/" + lb.lb.LoadBalancerName + "/" + lb.id + "/" + id
}

func (c *Control) ruleARN(lb *lbRecord, l *listenerRecord, id string) string {
	return c.arnPrefix() + "listener-rule/app/" + lb.lb.LoadBalancerName + "/" + lb.id + "/" + l.id + "/" + id
}

func (c *Control) dnsName(name, id, scheme string) string {
	dns := fmt.Sprintf("%s-%s.%s.elb.localhost", name, id, c.region)
	if scheme == elb.SchemeInternal {
		dns = "internal-" + dns
	}
	return dns
}

// uniqueID draws IDs until taken reports one as free. Sixteen hex digits
// make a collision unlikely; an injected NewID in tests may repeat, and a
// duplicate ARN would silently replace a resource.
func (c *Control) uniqueID(taken func(id string) bool) string {
	for {
		id := c.newID()
		if !taken(id) {
			return id
		}
	}
}

// resourceKind names the resource an ARN points to, from its resource
// part, for AddTags/RemoveTags/DescribeTags errors.
func resourceKind(arn string) string {
	_, res, ok := strings.Cut(strings.TrimPrefix(arn, "arn:aws:elasticloadbalancing:"), ":")
	if ok {
		_, res, ok = strings.Cut(res, ":")
	}
	if !ok {
		return ""
	}
	switch {
	case strings.HasPrefix(res, "loadbalancer/"):
		return "loadbalancer"
	case strings.HasPrefix(res, "targetgroup/"):
		return "targetgroup"
	case strings.HasPrefix(res, "listener/"):
		return "listener"
	case strings.HasPrefix(res, "listener-rule/"):
		return "listener-rule"
	}
	return ""
}
