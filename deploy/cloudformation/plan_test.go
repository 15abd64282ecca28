package cloudformation_test

import (
	"os"
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

// supported are the resource types the templates may use: those ecslocal
// deploys with real effect or records (issue 7).
var supported = map[string]bool{}

func init() {
	for _, t := range []string{
		"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment",
		"AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
		"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::LaunchTemplate",
		"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
		"AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::TargetGroup",
		"AWS::ECS::Cluster", "AWS::ECS::TaskDefinition", "AWS::ECS::Service",
		"AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::AutoScaling::AutoScalingGroup", "AWS::Logs::LogGroup",
	} {
		supported[t] = true
	}
}

// TestTemplatesPlan runs both templates through ecslocal's own engine:
// every type is one ecslocal supports, and the creation order puts each
// resource after what it needs.
func TestTemplatesPlan(t *testing.T) {
	exports := map[string]string{
		"ecslocal-cluster-ECSRole":     "arn:aws:iam::000000000000:role/exec",
		"ecslocal-cluster-VPCId":       "vpc-0123456789abcdef0",
		"ecslocal-cluster-ListenerArn": "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/demo/0123456789abcdef/0123456789abcdef",
		"ecslocal-cluster-ClusterName": "ecslocal-cluster-ECSCluster-ABC",
	}
	for _, tt := range []struct {
		file, stack string
		order       [][2]string // each pair: first must come before second
		needsIAM    bool
	}{
		{"cluster.yml", "ecslocal-cluster", [][2]string{
			{"VPC", "PublicSubnetOne"}, {"GatewayAttachment", "PublicRoute"}, {"LoadBalancer", "Listener"},
			{"ContainerInstanceProfile", "LaunchTemplate"}, {"ECSCluster", "LaunchTemplate"}, {"LaunchTemplate", "AutoScalingGroup"},
		}, true},
		{"api.yml", "ecslocal-api", [][2]string{
			{"LogGroup", "TaskDefinition"}, {"TargetGroup", "ListenerRule"}, {"ListenerRule", "Service"}, {"TaskDefinition", "Service"},
		}, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			plan, warnings, err := cfn.Plan(body, cfn.Input{
				StackName: tt.stack, Region: "us-east-1", AccountID: "000000000000", ResourceTypes: supported,
				Exports: func(name string) (string, bool) { v, ok := exports[name]; return v, ok },
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			var order []string
			for _, r := range plan.Resources {
				order = append(order, r.LogicalID)
			}
			for _, p := range tt.order {
				if slices.Index(order, p[0]) > slices.Index(order, p[1]) || slices.Index(order, p[0]) < 0 {
					t.Errorf("%s must be created before %s; order %v", p[0], p[1], order)
				}
			}
			if got := len(plan.Capabilities) > 0; got != tt.needsIAM {
				t.Errorf("capabilities %v; want IAM capability needed: %v", plan.Capabilities, tt.needsIAM)
			}
		})
	}
}
