package cfn_test

import (
	"fmt"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

// stack is a Resolver over resources that already exist.
type stack map[string]string

func (s stack) PhysicalID(id string) (string, error)   { return s[id], nil }
func (s stack) Attribute(id, name string) (any, error) { return s[id] + "/" + name, nil }
func (s stack) Import(name string) (string, error)     { return "", fmt.Errorf("no export %s", name) }

func ExamplePlan() {
	body := []byte(`
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      ServiceName: !Sub "${Env}-web"
  Cluster:
    Type: AWS::ECS::Cluster
`)
	p, warnings, err := cfn.Plan(body, cfn.Input{
		Parameters:    map[string]string{"Env": "prod"},
		StackName:     "web",
		ResourceTypes: map[string]bool{"AWS::ECS::Cluster": true, "AWS::ECS::Service": true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(warnings), "warnings")
	created := stack{}
	for _, r := range p.Resources {
		props, err := r.ResolveProperties(created)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("create", r.LogicalID, props)
		created[r.LogicalID] = "arn:" + r.LogicalID
	}
	fmt.Println("delete", p.DeletionOrder())
	// Output:
	// 0 warnings
	// create Cluster map[]
	// create Service map[Cluster:arn:Cluster ServiceName:prod-web]
	// delete [Service Cluster]
}

func ExampleValidate() {
	_, err := cfn.Validate([]byte(`{"Resources": {"A": {"Type": "AWS::S3::Bucket", "Properties": {"B": {"Ref": "Nope"}}}}}`))
	fmt.Println(err)
	// Output:
	// Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template
}
