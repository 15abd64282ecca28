package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Recorded handlers accept a resource, give it a realistic physical id
// and the Fn::GetAtt attributes CloudFormation documents for the type,
// and have no effect anywhere else: ecslocal has no VPC, IAM or ECR.

// recorded is a Handler whose create and update only compute ids and
// attributes.
type recorded struct {
	replace replacer
	// build returns the physical id (id when given, else a new one) and
	// the attributes for the properties.
	build func(req *Request, id string) (string, map[string]any)
	// onSet and onDelete, when set, let other handlers see the recorded
	// properties (launch templates for the Auto Scaling group).
	onSet    func(id string, req *Request) map[string]any
	onDelete func(id string)
}

func (h *recorded) Create(_ context.Context, req *Request) (*Result, error) {
	id, attrs := h.build(req, "")
	if h.onSet != nil {
		for k, v := range h.onSet(id, req) {
			attrs[k] = v
		}
	}
	return &Result{PhysicalID: id, Attributes: attrs}, nil
}

func (h *recorded) Update(_ context.Context, req *Request) (*Result, error) {
	id, attrs := h.build(req, req.PhysicalID)
	if h.onSet != nil {
		for k, v := range h.onSet(id, req) {
			attrs[k] = v
		}
	}
	return &Result{PhysicalID: id, Attributes: attrs}, nil
}

func (h *recorded) Delete(_ context.Context, req *Request) error {
	if h.onDelete != nil {
		h.onDelete(req.PhysicalID)
	}
	return nil
}

func (h *recorded) Replacement(p string) Replacement { return h.replace.replacement(p) }

// azID returns the zone id of an Availability Zone name, in AWS's form:
// us-east-1b → use1-az2.
func azID(region, az string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 || parts[1] == "" || len(az) <= len(region) {
		return ""
	}
	return fmt.Sprintf("%s%c%s-az%d", parts[0], parts[1][0], parts[2], int(az[len(az)-1]-'a')+1)
}

// ec2ID returns <prefix>-<17 hex>, the form of EC2 resource ids.
func ec2ID(prefix string) string { return prefix + "-" + randomHex(17) }

// orNew returns id, or a new one from gen.
func orNew(id string, gen func() string) string {
	if id != "" {
		return id
	}
	return gen()
}

// nameOr returns the explicit name property or a generated name.
func nameOr(req *Request, prop string, maxLen int) string {
	if n := str(req.Properties[prop]); n != "" {
		return n
	}
	return physicalName(req.StackName, req.LogicalID, maxLen)
}

// uniqueID returns n upper-case alphanumerics prefixed by p, the form of
// IAM unique ids (AROA…, AIPA…).
func uniqueID(p string, n int) string { return p + randomSuffix(n) }

// launchStore keeps the recorded launch templates and launch
// configurations, which the Auto Scaling group reads to start instances.
type launchStore struct {
	mu      sync.Mutex
	data    map[string]map[string]any // id or name → LaunchTemplateData / LaunchConfiguration properties
	version map[string]int
}

func (s *launchStore) set(id string, data map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[id] = data
	s.version[id]++
	return s.version[id]
}

func (s *launchStore) get(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data[id]
	return d, ok
}

func (s *launchStore) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, id)
	delete(s.version, id)
}

// recordedHandlers returns the recorded handlers, sharing store with the
// Auto Scaling group handler.
func recordedHandlers(store *launchStore) Handlers {
	arn := func(req *Request, service, res string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, req.Region, req.AccountID, res)
	}
	iamARN := func(req *Request, res string) string {
		return fmt.Sprintf("arn:aws:iam::%s:%s", req.AccountID, res)
	}
	return Handlers{
		"AWS::EC2::VPC": &recorded{
			replace: newReplaceOn("CidrBlock", "InstanceTenancy", "Ipv4IpamPoolId", "Ipv4NetmaskLength"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("vpc") })
				cidr := str(req.Properties["CidrBlock"])
				prev := req.Attributes
				keep := func(k, prefix string) string {
					if v := str(prev[k]); v != "" {
						return v
					}
					return ec2ID(prefix)
				}
				assoc := keep("CidrBlockAssociation", "vpc-cidr-assoc")
				return id, map[string]any{
					"CidrBlock": cidr, "CidrBlockAssociations": []string{assoc}, "CidrBlockAssociation": assoc,
					"DefaultNetworkAcl": keep("DefaultNetworkAcl", "acl"), "DefaultSecurityGroup": keep("DefaultSecurityGroup", "sg"),
					"Ipv6CidrBlocks": []string{}, "VpcId": id,
				}
			},
		},
		"AWS::EC2::Subnet": &recorded{
			replace: newReplaceOn("AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "VpcId", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "OutpostArn"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("subnet") })
				az := str(req.Properties["AvailabilityZone"])
				if az == "" {
					az = req.Region + "a"
				}
				return id, map[string]any{
					"AvailabilityZone": az, "AvailabilityZoneId": azID(req.Region, az),
					"CidrBlock": str(req.Properties["CidrBlock"]), "Ipv6CidrBlocks": []string{},
					"NetworkAclAssociationId": "aclassoc-" + randomHex(17), "OutpostArn": "", "SubnetId": id,
					"VpcId": str(req.Properties["VpcId"]),
				}
			},
		},
		"AWS::EC2::InternetGateway": &recorded{
			replace: newReplaceOn(),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("igw") })
				return id, map[string]any{"InternetGatewayId": id}
			},
		},
		"AWS::EC2::VPCGatewayAttachment": &recorded{
			replace: newReplaceOn("VpcId"),
			build: func(req *Request, id string) (string, map[string]any) {
				kind := "IGW"
				if str(req.Properties["VpnGatewayId"]) != "" {
					kind = "VPNGW"
				}
				id = orNew(id, func() string { return kind + "|" + str(req.Properties["VpcId"]) })
				return id, map[string]any{"AttachmentType": kind, "VpcId": str(req.Properties["VpcId"])}
			},
		},
		"AWS::EC2::RouteTable": &recorded{
			replace: newReplaceOn("VpcId"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("rtb") })
				return id, map[string]any{"RouteTableId": id}
			},
		},
		"AWS::EC2::Route": &recorded{
			replace: newReplaceOn("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId", "RouteTableId"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string {
					return str(req.Properties["RouteTableId"]) + "|" + str(req.Properties["DestinationCidrBlock"])
				})
				return id, map[string]any{"CidrBlock": str(req.Properties["DestinationCidrBlock"])}
			},
		},
		"AWS::EC2::SubnetRouteTableAssociation": &recorded{
			replace: newReplaceOn("SubnetId", "RouteTableId"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("rtbassoc") })
				return id, map[string]any{"Id": id}
			},
		},
		"AWS::EC2::SecurityGroup": &recorded{
			replace: newReplaceOn("GroupDescription", "GroupName", "VpcId"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("sg") })
				return id, map[string]any{"GroupId": id, "VpcId": str(req.Properties["VpcId"])}
			},
		},
		"AWS::EC2::SecurityGroupIngress": &recorded{
			replace: newReplaceOn("CidrIp", "CidrIpv6", "FromPort", "GroupId", "GroupName", "IpProtocol",
				"SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "ToPort"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("sgr") })
				return id, map[string]any{"Id": id}
			},
		},
		"AWS::EC2::SecurityGroupEgress": &recorded{
			replace: newReplaceOn("CidrIp", "CidrIpv6", "DestinationPrefixListId", "DestinationSecurityGroupId", "FromPort", "GroupId", "IpProtocol", "ToPort"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("sgr") })
				return id, map[string]any{"Id": id}
			},
		},
		"AWS::IAM::Role": &recorded{
			replace: newReplaceOn("RoleName", "Path"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return nameOr(req, "RoleName", 64) })
				path := str(req.Properties["Path"])
				if path == "" {
					path = "/"
				}
				roleID := str(req.Attributes["RoleId"])
				if roleID == "" {
					roleID = uniqueID("AROA", 17)
				}
				return id, map[string]any{"Arn": iamARN(req, "role"+path+id), "RoleId": roleID}
			},
		},
		"AWS::IAM::Policy": &recorded{
			replace: newReplaceOn(),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return physicalName(req.StackName, req.LogicalID, 128) })
				return id, map[string]any{"Id": id}
			},
		},
		"AWS::IAM::InstanceProfile": &recorded{
			replace: newReplaceOn("InstanceProfileName", "Path"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return nameOr(req, "InstanceProfileName", 128) })
				path := str(req.Properties["Path"])
				if path == "" {
					path = "/"
				}
				return id, map[string]any{"Arn": iamARN(req, "instance-profile"+path+id)}
			},
		},
		"AWS::ECR::Repository": &recorded{
			replace: newReplaceOn("RepositoryName", "EncryptionConfiguration"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return strings.ToLower(nameOr(req, "RepositoryName", 256)) })
				return id, map[string]any{
					"Arn":           arn(req, "ecr", "repository/"+id),
					"RepositoryUri": fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", req.AccountID, req.Region, id),
				}
			},
		},
		"AWS::ApplicationAutoScaling::ScalableTarget": &recorded{
			replace: newReplaceOn("ResourceId", "ScalableDimension", "ServiceNamespace"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string {
					return str(req.Properties["ResourceId"]) + "|" + str(req.Properties["ScalableDimension"]) + "|" + str(req.Properties["ServiceNamespace"])
				})
				return id, map[string]any{"Id": id}
			},
		},
		"AWS::ApplicationAutoScaling::ScalingPolicy": &recorded{
			replace: newReplaceOn("PolicyName", "ResourceId", "ScalableDimension", "ScalingTargetId", "ServiceNamespace"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string {
					name := nameOr(req, "PolicyName", 256)
					return arn(req, "autoscaling", fmt.Sprintf("scalingPolicy:%s:resource/%s:policyName/%s", newUUID(), str(req.Properties["ResourceId"]), name))
				})
				return id, map[string]any{"Arn": id}
			},
		},
		"AWS::EC2::LaunchTemplate": &recorded{
			replace: newReplaceOn("LaunchTemplateName"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return ec2ID("lt") })
				return id, map[string]any{"LaunchTemplateId": id, "DefaultVersionNumber": "1"}
			},
			onSet: func(id string, req *Request) map[string]any {
				data, _ := req.Properties["LaunchTemplateData"].(map[string]any)
				v := store.set(id, data)
				return map[string]any{"LatestVersionNumber": strconv.Itoa(v)}
			},
			onDelete: store.drop,
		},
		"AWS::AutoScaling::LaunchConfiguration": &recorded{
			// Every property of a launch configuration needs replacement.
			replace: replaceAll{},
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return nameOr(req, "LaunchConfigurationName", 255) })
				return id, map[string]any{}
			},
			onSet: func(id string, req *Request) map[string]any {
				store.set(id, req.Properties)
				return nil
			},
			onDelete: store.drop,
		},
		"AWS::Logs::LogGroup": &recorded{
			replace: newReplaceOn("LogGroupName"),
			build: func(req *Request, id string) (string, map[string]any) {
				id = orNew(id, func() string { return nameOr(req, "LogGroupName", 512) })
				return id, map[string]any{"Arn": arn(req, "logs", "log-group:"+id+":*")}
			},
		},
	}
}

// replacer says what changing a property does.
type replacer interface{ replacement(prop string) Replacement }

// replaceAll replaces the resource whatever property changes.
type replaceAll struct{}

func (replaceAll) replacement(string) Replacement { return ReplacementTrue }
