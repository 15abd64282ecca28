package elbapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

const lbARN1 = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/demo/0000000000000001"

func TestLoadBalancers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client

	out := must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name:    aws.String("demo"),
		Subnets: []string{"subnet-1", "subnet-2"},
		Tags:    []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}},
	}))
	if len(out.LoadBalancers) != 1 {
		t.Fatalf("got %d load balancers; want 1", len(out.LoadBalancers))
	}
	lb := out.LoadBalancers[0]
	if got := aws.ToString(lb.LoadBalancerArn); got != lbARN1 {
		t.Errorf("LoadBalancerArn = %q; want %q", got, lbARN1)
	}
	if aws.ToString(lb.LoadBalancerName) != "demo" || lb.Scheme != types.LoadBalancerSchemeEnumInternetFacing ||
		lb.Type != types.LoadBalancerTypeEnumApplication || lb.IpAddressType != types.IpAddressTypeIpv4 ||
		lb.State == nil || lb.State.Code != types.LoadBalancerStateEnumActive || aws.ToString(lb.DNSName) == "" {
		t.Errorf("got load balancer %+v", lb)
	}
	if lb.CreatedTime == nil || !lb.CreatedTime.Equal(t0) {
		t.Errorf("CreatedTime = %v; want %v", lb.CreatedTime, t0)
	}

	t.Run("CreateIdempotent", func(t *testing.T) {
		again := must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("demo")}))
		if got := aws.ToString(again.LoadBalancers[0].LoadBalancerArn); got != lbARN1 {
			t.Errorf("got %q; want the existing %q", got, lbARN1)
		}
	})
	t.Run("ErrDuplicateLoadBalancerName", func(t *testing.T) {
		_, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("demo"), Scheme: types.LoadBalancerSchemeEnumInternal})
		wantAPIError(t, err, "DuplicateLoadBalancerName", 400, "")
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		_, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("internal-x")})
		wantAPIError(t, err, "ValidationError", 400, "The load balancer name 'internal-x' cannot begin with 'internal-'")
	})
	t.Run("ErrEmptyName", func(t *testing.T) {
		// The SDK sends Name= for an empty string; the service decides.
		_, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("")})
		wantAPIError(t, err, "ValidationError", 400, "")
	})

	t.Run("Describe", func(t *testing.T) {
		all := must[*elbv2.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{}))
		if len(all.LoadBalancers) != 1 || aws.ToString(all.LoadBalancers[0].LoadBalancerArn) != lbARN1 || all.NextMarker != nil {
			t.Errorf("got %+v", all)
		}
		byName := must[*elbv2.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"demo"}}))
		byARN := must[*elbv2.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbARN1}}))
		if len(byName.LoadBalancers) != 1 || len(byARN.LoadBalancers) != 1 {
			t.Errorf("by name %d, by ARN %d load balancers; want 1 each", len(byName.LoadBalancers), len(byARN.LoadBalancers))
		}
	})
	t.Run("ErrNotFoundByName", func(t *testing.T) {
		_, err := c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"nope"}})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "Load balancers '[nope]' not found")
	})
	t.Run("ErrNotFoundByARN", func(t *testing.T) {
		_, err := c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbARN1 + "0"}})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "One or more load balancers not found")
	})
	t.Run("ErrPageSize", func(t *testing.T) {
		_, err := c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(0)})
		wantAPIError(t, err, "ValidationError", 400,
			"1 validation error detected: Value '0' at 'pageSize' failed to satisfy constraint: Member must have value greater than or equal to 1")
	})

	t.Run("Attributes", func(t *testing.T) {
		desc := must[*elbv2.DescribeLoadBalancerAttributesOutput](t)(c.DescribeLoadBalancerAttributes(ctx,
			&elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN1)}))
		if got := attr(desc.Attributes, "idle_timeout.timeout_seconds"); got != "60" {
			t.Errorf("idle timeout = %q; want the default 60", got)
		}
		mod := must[*elbv2.ModifyLoadBalancerAttributesOutput](t)(c.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{
			LoadBalancerArn: aws.String(lbARN1),
			Attributes:      []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("30")}},
		}))
		if got := attr(mod.Attributes, "idle_timeout.timeout_seconds"); got != "30" {
			t.Errorf("idle timeout after modify = %q; want 30", got)
		}
		if len(mod.Attributes) != len(desc.Attributes) {
			t.Errorf("modify returned %d attributes; want all %d", len(mod.Attributes), len(desc.Attributes))
		}
	})
	t.Run("ErrAttributeValue", func(t *testing.T) {
		_, err := c.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{
			LoadBalancerArn: aws.String(lbARN1),
			Attributes:      []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("0")}},
		})
		wantAPIError(t, err, "ValidationError", 400,
			"Attribute 'idle_timeout.timeout_seconds' has an invalid value '0': it must be an integer from 1 to 4000")
	})
	t.Run("ErrAttributesNotFound", func(t *testing.T) {
		_, err := c.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN1 + "0")})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "The specified load balancer does not exist.")
		_, err = c.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN1 + "0"),
			Attributes: []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("30")}}})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "")
	})

	t.Run("Pagination", func(t *testing.T) {
		for _, name := range []string{"b", "c"} {
			must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name)}))
		}
		var names []string
		p := elbv2.NewDescribeLoadBalancersPaginator(c, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
		pages := 0
		for p.HasMorePages() {
			page := must[*elbv2.DescribeLoadBalancersOutput](t)(p.NextPage(ctx))
			pages++
			for _, lb := range page.LoadBalancers {
				names = append(names, aws.ToString(lb.LoadBalancerName))
			}
		}
		if pages != 2 || len(names) != 3 || names[0] != "demo" || names[1] != "b" || names[2] != "c" {
			t.Errorf("got %d pages with %v; want 2 pages with [demo b c]", pages, names)
		}
	})

	t.Run("ErrDeletionProtection", func(t *testing.T) {
		arn := must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx,
			&elbv2.CreateLoadBalancerInput{Name: aws.String("protected")})).LoadBalancers[0].LoadBalancerArn
		must[*elbv2.ModifyLoadBalancerAttributesOutput](t)(c.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{
			LoadBalancerArn: arn,
			Attributes:      []types.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}},
		}))
		_, err := c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: arn})
		wantAPIError(t, err, "OperationNotPermitted", 400, "")
	})

	t.Run("Delete", func(t *testing.T) {
		must[*elbv2.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN1)}))
		// §7.3: deleting a load balancer that does not exist succeeds.
		must[*elbv2.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN1)}))
		_, err := c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbARN1}})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "")
	})
}

// attr returns the value of key in attrs, "" if absent.
func attr[A types.LoadBalancerAttribute | types.TargetGroupAttribute](attrs []A, key string) string {
	for _, a := range attrs {
		var k, v *string
		switch a := any(a).(type) {
		case types.LoadBalancerAttribute:
			k, v = a.Key, a.Value
		case types.TargetGroupAttribute:
			k, v = a.Key, a.Value
		}
		if aws.ToString(k) == key {
			return aws.ToString(v)
		}
	}
	return ""
}
