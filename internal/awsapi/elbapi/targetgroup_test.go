package elbapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

const tgARN1 = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/0000000000000001"

// createReferenceTargetGroup creates target group "api" with the reference
// health check settings (path /, interval 6, timeout 5, thresholds 2/2).
func createReferenceTargetGroup(tb testing.TB, c *elbv2.Client, name string) types.TargetGroup {
	tb.Helper()
	out := must[*elbv2.CreateTargetGroupOutput](tb)(c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name:                       aws.String(name),
		Protocol:                   types.ProtocolEnumHttp,
		Port:                       aws.Int32(80),
		VpcId:                      aws.String("vpc-1"),
		HealthCheckPath:            aws.String("/"),
		HealthCheckIntervalSeconds: aws.Int32(6),
		HealthCheckTimeoutSeconds:  aws.Int32(5),
		HealthyThresholdCount:      aws.Int32(2),
		UnhealthyThresholdCount:    aws.Int32(2),
	}))
	if len(out.TargetGroups) != 1 {
		tb.Fatalf("got %d target groups; want 1", len(out.TargetGroups))
	}
	return out.TargetGroups[0]
}

func TestTargetGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client

	tg := createReferenceTargetGroup(t, c, "api")
	if got := aws.ToString(tg.TargetGroupArn); got != tgARN1 {
		t.Errorf("TargetGroupArn = %q; want %q", got, tgARN1)
	}
	if aws.ToString(tg.TargetGroupName) != "api" || tg.Protocol != types.ProtocolEnumHttp || aws.ToInt32(tg.Port) != 80 ||
		aws.ToString(tg.VpcId) != "vpc-1" || tg.HealthCheckProtocol != types.ProtocolEnumHttp ||
		aws.ToString(tg.HealthCheckPort) != "traffic-port" || !aws.ToBool(tg.HealthCheckEnabled) ||
		aws.ToInt32(tg.HealthCheckIntervalSeconds) != 6 || aws.ToInt32(tg.HealthCheckTimeoutSeconds) != 5 ||
		aws.ToInt32(tg.HealthyThresholdCount) != 2 || aws.ToInt32(tg.UnhealthyThresholdCount) != 2 ||
		aws.ToString(tg.HealthCheckPath) != "/" || tg.Matcher == nil || aws.ToString(tg.Matcher.HttpCode) != "200" ||
		tg.TargetType != types.TargetTypeEnumInstance || aws.ToString(tg.ProtocolVersion) != "HTTP1" ||
		tg.IpAddressType != types.TargetGroupIpAddressTypeEnumIpv4 || tg.LoadBalancerArns == nil || len(tg.LoadBalancerArns) != 0 {
		t.Errorf("got target group %+v", tg)
	}

	t.Run("CreateIdempotent", func(t *testing.T) {
		again := createReferenceTargetGroup(t, c, "api")
		if aws.ToString(again.TargetGroupArn) != tgARN1 {
			t.Errorf("got %q; want the existing %q", aws.ToString(again.TargetGroupArn), tgARN1)
		}
	})
	t.Run("ErrDuplicateTargetGroupName", func(t *testing.T) {
		_, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("api"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(8080)})
		wantAPIError(t, err, "DuplicateTargetGroupName", 400, "")
	})
	t.Run("ErrHealthCheckRange", func(t *testing.T) {
		_, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("x"), Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(0), HealthCheckIntervalSeconds: aws.Int32(1)})
		wantAPIError(t, err, "ValidationError", 400, "2 validation errors detected: "+
			"Value '0' at 'port' failed to satisfy constraint: Member must have value greater than or equal to 1; "+
			"Value '1' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5")
	})
	t.Run("ErrUnsupportedProtocol", func(t *testing.T) {
		_, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("x"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80)})
		wantAPIError(t, err, "UnsupportedProtocol", 400, "")
	})

	t.Run("Describe", func(t *testing.T) {
		other := createReferenceTargetGroup(t, c, "other")
		all := must[*elbv2.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{}))
		if len(all.TargetGroups) != 2 || aws.ToString(all.TargetGroups[1].TargetGroupArn) != aws.ToString(other.TargetGroupArn) {
			t.Errorf("got %+v", all.TargetGroups)
		}
		byName := must[*elbv2.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"api"}}))
		byARN := must[*elbv2.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tgARN1}}))
		if len(byName.TargetGroups) != 1 || len(byARN.TargetGroups) != 1 || aws.ToString(byName.TargetGroups[0].TargetGroupArn) != tgARN1 {
			t.Errorf("by name %+v; by ARN %+v", byName.TargetGroups, byARN.TargetGroups)
		}
		page := must[*elbv2.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(1)}))
		if len(page.TargetGroups) != 1 || aws.ToString(page.NextMarker) == "" {
			t.Fatalf("first page %+v; want one group and a NextMarker", page)
		}
		next := must[*elbv2.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(1), Marker: page.NextMarker}))
		if len(next.TargetGroups) != 1 || aws.ToString(next.TargetGroups[0].TargetGroupName) != "other" || next.NextMarker != nil {
			t.Errorf("second page %+v", next)
		}
		must[*elbv2.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: other.TargetGroupArn}))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"nope"}})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "One or more target groups not found")
		_, err = c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(lbARN1)})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "")
		_, err = c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(tgARN1 + "0"), HealthCheckPath: aws.String("/x")})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "The specified target group does not exist.")
		_, err = c.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tgARN1 + "0")})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
	})
	t.Run("ErrMarker", func(t *testing.T) {
		_, err := c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Marker: aws.String("garbage")})
		wantAPIError(t, err, "ValidationError", 400, "")
	})

	t.Run("Modify", func(t *testing.T) {
		out := must[*elbv2.ModifyTargetGroupOutput](t)(c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{
			TargetGroupArn:  aws.String(tgARN1),
			HealthCheckPath: aws.String("/health"),
			Matcher:         &types.Matcher{HttpCode: aws.String("200-299")},
		}))
		got := out.TargetGroups[0]
		if aws.ToString(got.HealthCheckPath) != "/health" || aws.ToString(got.Matcher.HttpCode) != "200-299" ||
			aws.ToInt32(got.HealthCheckIntervalSeconds) != 6 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("ErrModifyThreshold", func(t *testing.T) {
		_, err := c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(tgARN1), HealthyThresholdCount: aws.Int32(11)})
		wantAPIError(t, err, "ValidationError", 400,
			"1 validation error detected: Value '11' at 'healthyThresholdCount' failed to satisfy constraint: Member must have value less than or equal to 10")
	})

	t.Run("Attributes", func(t *testing.T) {
		desc := must[*elbv2.DescribeTargetGroupAttributesOutput](t)(c.DescribeTargetGroupAttributes(ctx,
			&elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tgARN1)}))
		if got := attr(desc.Attributes, "deregistration_delay.timeout_seconds"); got != "300" {
			t.Errorf("deregistration delay = %q; want the default 300", got)
		}
		mod := must[*elbv2.ModifyTargetGroupAttributesOutput](t)(c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
			TargetGroupArn: aws.String(tgARN1),
			Attributes:     []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("5")}},
		}))
		if got := attr(mod.Attributes, "deregistration_delay.timeout_seconds"); got != "5" {
			t.Errorf("deregistration delay after modify = %q; want 5", got)
		}
	})
	t.Run("ErrAttributes", func(t *testing.T) {
		_, err := c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
			TargetGroupArn: aws.String(tgARN1),
			Attributes:     []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("9999")}},
		})
		wantAPIError(t, err, "ValidationError", 400, "")
		_, err = c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
			TargetGroupArn: aws.String(tgARN1 + "0"),
			Attributes:     []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("5")}},
		})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
	})

	t.Run("Delete", func(t *testing.T) {
		must[*elbv2.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN1)}))
		_, err := c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(tgARN1)})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
	})
}

func TestTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	tg := createReferenceTargetGroup(t, c, "api")
	arn := tg.TargetGroupArn

	must[*elbv2.RegisterTargetsOutput](t)(c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{
		TargetGroupArn: arn,
		Targets:        []types.TargetDescription{{Id: aws.String("i-1"), Port: aws.Int32(32768)}, {Id: aws.String("i-2")}},
	}))
	health := must[*elbv2.DescribeTargetHealthOutput](t)(c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: arn}))
	if len(health.TargetHealthDescriptions) != 2 {
		t.Fatalf("got %d target health descriptions; want 2", len(health.TargetHealthDescriptions))
	}
	want := []struct {
		id, port string
		p        int32
	}{{"i-1", "32768", 32768}, {"i-2", "80", 80}}
	for i, d := range health.TargetHealthDescriptions {
		if aws.ToString(d.Target.Id) != want[i].id || aws.ToInt32(d.Target.Port) != want[i].p || aws.ToString(d.HealthCheckPort) != want[i].port {
			t.Errorf("row %d: target %s:%d health check port %s; want %s:%d %s", i, aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port),
				aws.ToString(d.HealthCheckPort), want[i].id, want[i].p, want[i].port)
		}
		// The target group serves no load balancer yet: its targets are
		// unused (§1.1).
		if d.TargetHealth == nil || d.TargetHealth.State != types.TargetHealthStateEnumUnused ||
			d.TargetHealth.Reason != types.TargetHealthReasonEnumNotInUse || aws.ToString(d.TargetHealth.Description) == "" {
			t.Errorf("row %d: got health %+v; want unused/Target.NotInUse with a description", i, d.TargetHealth)
		}
	}

	t.Run("DescribeOne", func(t *testing.T) {
		out := must[*elbv2.DescribeTargetHealthOutput](t)(c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{
			TargetGroupArn: arn, Targets: []types.TargetDescription{{Id: aws.String("i-9"), Port: aws.Int32(81)}},
		}))
		if len(out.TargetHealthDescriptions) != 1 || out.TargetHealthDescriptions[0].TargetHealth.Reason != types.TargetHealthReasonEnumNotRegistered {
			t.Errorf("got %+v; want one unused/Target.NotRegistered row", out.TargetHealthDescriptions)
		}
	})
	t.Run("ErrInvalidTarget", func(t *testing.T) {
		_, err := c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: arn, Targets: []types.TargetDescription{{Id: aws.String("nope")}}})
		wantAPIError(t, err, "InvalidTarget", 400, "The following targets are not valid: 'nope'")
	})
	t.Run("ErrTargetPort", func(t *testing.T) {
		_, err := c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: arn,
			Targets: []types.TargetDescription{{Id: aws.String("i-1"), Port: aws.Int32(70000)}}})
		wantAPIError(t, err, "ValidationError", 400,
			"1 validation error detected: Value '70000' at 'targets.1.member.port' failed to satisfy constraint: Member must have value less than or equal to 65535")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		bad := aws.String(aws.ToString(arn) + "0")
		_, err := c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: bad, Targets: []types.TargetDescription{{Id: aws.String("i-1")}}})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
		_, err = c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: bad, Targets: []types.TargetDescription{{Id: aws.String("i-1")}}})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
		_, err = c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: bad})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
	})
	t.Run("ErrInclude", func(t *testing.T) {
		_, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: arn, Include: []types.DescribeTargetHealthInputIncludeEnum{"Nope"}})
		wantAPIError(t, err, "ValidationError", 400, "")
	})

	t.Run("Deregister", func(t *testing.T) {
		must[*elbv2.DeregisterTargetsOutput](t)(c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{
			TargetGroupArn: arn, Targets: []types.TargetDescription{{Id: aws.String("i-1"), Port: aws.Int32(32768)}},
		}))
		// Deregistering an unknown target succeeds (§7.3).
		must[*elbv2.DeregisterTargetsOutput](t)(c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{
			TargetGroupArn: arn, Targets: []types.TargetDescription{{Id: aws.String("i-7")}},
		}))
		out := must[*elbv2.DescribeTargetHealthOutput](t)(c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: arn}))
		// i-1 drains for the deregistration delay (§4.4); the clock of the
		// test never moves, so it stays draining.
		for _, d := range out.TargetHealthDescriptions {
			if aws.ToString(d.Target.Id) == "i-1" && (d.TargetHealth.State != types.TargetHealthStateEnumDraining ||
				d.TargetHealth.Reason != types.TargetHealthReasonEnumDeregistrationInProgress) {
				t.Errorf("i-1 after deregistration: got %+v; want draining/Target.DeregistrationInProgress", d.TargetHealth)
			}
		}
	})
}
