package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// status is `ecslocal status`: what a running `ecslocal up` runs, asked
// over its API endpoint with the AWS SDK, as any client would: clusters,
// instances with used and remaining resources, services, tasks with host
// ports, and target health.
func status(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ecslocal status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("api-addr", "127.0.0.1:4566", "API endpoint of the running ecslocal up")
	region := fs.String("region", "us-east-1", "region")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	akid, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if akid == "" {
		akid, secret = DefaultAccessKeyID, DefaultSecretAccessKey
	}
	endpoint := "http://" + *addr
	creds := credentials.NewStaticCredentialsProvider(akid, secret, "")
	ecsc := awsecs.New(awsecs.Options{Region: *region, BaseEndpoint: aws.String(endpoint), Credentials: creds})
	elbc := elbv2.New(elbv2.Options{Region: *region, BaseEndpoint: aws.String(endpoint), Credentials: creds})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := printStatus(ctx, ecsc, elbc, stdout); err != nil {
		fmt.Fprintf(stderr, "ecslocal status: %v (is `ecslocal up` running on %s?)\n", err, *addr)
		return 1
	}
	return 0
}

func printStatus(ctx context.Context, ecsc *awsecs.Client, elbc *elbv2.Client, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	defer tw.Flush()
	clusters, err := ecsc.ListClusters(ctx, &awsecs.ListClustersInput{})
	if err != nil {
		return err
	}
	desc, err := ecsc.DescribeClusters(ctx, &awsecs.DescribeClustersInput{Clusters: clusters.ClusterArns})
	if err != nil && len(clusters.ClusterArns) > 0 {
		return err
	}
	if desc == nil || len(desc.Clusters) == 0 {
		fmt.Fprintln(tw, "no clusters")
	}
	for _, cl := range desc.Clusters {
		name := aws.ToString(cl.ClusterName)
		fmt.Fprintf(tw, "cluster %s\t%s\t%d instances, %d services, %d running, %d pending tasks\n", name, aws.ToString(cl.Status),
			cl.RegisteredContainerInstancesCount, cl.ActiveServicesCount, cl.RunningTasksCount, cl.PendingTasksCount)
		instances, err := ecsc.ListContainerInstances(ctx, &awsecs.ListContainerInstancesInput{Cluster: cl.ClusterArn})
		if err != nil {
			return err
		}
		if len(instances.ContainerInstanceArns) > 0 {
			cis, err := ecsc.DescribeContainerInstances(ctx, &awsecs.DescribeContainerInstancesInput{Cluster: cl.ClusterArn, ContainerInstances: instances.ContainerInstanceArns})
			if err != nil {
				return err
			}
			for _, ci := range cis.ContainerInstances {
				res := func(list []types.Resource, name string) int32 {
					for _, r := range list {
						if aws.ToString(r.Name) == name {
							return r.IntegerValue
						}
					}
					return 0
				}
				reg, rem := ci.RegisteredResources, ci.RemainingResources
				zone, itype := "", ""
				for _, a := range ci.Attributes {
					switch aws.ToString(a.Name) {
					case "ecs.availability-zone":
						zone = aws.ToString(a.Value)
					case "ecs.instance-type":
						itype = aws.ToString(a.Value)
					}
				}
				fmt.Fprintf(tw, "  instance %s\t%s %s %s\tcpu %d/%d used, memory %d/%d MiB used, %d running\n",
					aws.ToString(ci.Ec2InstanceId), aws.ToString(ci.Status), zone, itype,
					res(reg, "CPU")-res(rem, "CPU"), res(reg, "CPU"), res(reg, "MEMORY")-res(rem, "MEMORY"), res(reg, "MEMORY"), ci.RunningTasksCount)
			}
		}
		services, err := ecsc.ListServices(ctx, &awsecs.ListServicesInput{Cluster: cl.ClusterArn})
		if err != nil {
			return err
		}
		for i := 0; i < len(services.ServiceArns); i += 10 {
			svcs, err := ecsc.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: cl.ClusterArn, Services: services.ServiceArns[i:min(i+10, len(services.ServiceArns))]})
			if err != nil {
				return err
			}
			for _, s := range svcs.Services {
				rollout := ""
				if len(s.Deployments) > 0 {
					rollout = string(s.Deployments[0].RolloutState)
				}
				fmt.Fprintf(tw, "  service %s\t%d/%d running\t%s %s\n", aws.ToString(s.ServiceName), s.RunningCount, s.DesiredCount,
					lastSegment(aws.ToString(s.TaskDefinition)), rollout)
			}
		}
		tasks, err := ecsc.ListTasks(ctx, &awsecs.ListTasksInput{Cluster: cl.ClusterArn})
		if err != nil {
			return err
		}
		for i := 0; i < len(tasks.TaskArns); i += 100 {
			ts, err := ecsc.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: cl.ClusterArn, Tasks: tasks.TaskArns[i:min(i+100, len(tasks.TaskArns))]})
			if err != nil {
				return err
			}
			for _, t := range ts.Tasks {
				var ports []string
				for _, c := range t.Containers {
					for _, nb := range c.NetworkBindings {
						ports = append(ports, fmt.Sprintf("%d->%d", aws.ToInt32(nb.ContainerPort), aws.ToInt32(nb.HostPort)))
					}
				}
				fmt.Fprintf(tw, "  task %s\t%s\t%s %s ports %s\n", lastSegment(aws.ToString(t.TaskArn)), aws.ToString(t.LastStatus),
					aws.ToString(t.Group), lastSegment(aws.ToString(t.TaskDefinitionArn)), strings.Join(ports, ","))
			}
		}
	}
	tgs, err := elbc.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	if err != nil {
		return err
	}
	for _, tg := range tgs.TargetGroups {
		h, err := elbc.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "target group %s\t%d targets\n", aws.ToString(tg.TargetGroupName), len(h.TargetHealthDescriptions))
		for _, d := range h.TargetHealthDescriptions {
			fmt.Fprintf(tw, "  %s:%d\t%s\t%s\n", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), d.TargetHealth.State, aws.ToString(d.TargetHealth.Description))
		}
	}
	return nil
}

func lastSegment(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}
