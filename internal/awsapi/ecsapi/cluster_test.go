package ecsapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

const clusterARN = "arn:aws:ecs:" + region + ":" + account + ":cluster/"

func TestClusters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client

	created := must[*awsecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &awsecs.CreateClusterInput{
		ClusterName: aws.String("demo"),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
		Settings:    []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("disabled")}},
	}))
	cl := created.Cluster
	if aws.ToString(cl.ClusterArn) != clusterARN+"demo" || aws.ToString(cl.ClusterName) != "demo" || aws.ToString(cl.Status) != "ACTIVE" ||
		len(cl.Tags) != 1 || len(cl.Settings) != 1 {
		t.Fatalf("CreateCluster: got %+v", cl)
	}
	again := must[*awsecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("demo")}))
	if aws.ToString(again.Cluster.ClusterArn) != clusterARN+"demo" {
		t.Errorf("CreateCluster again: got %+v; want the same cluster", again.Cluster)
	}
	must[*awsecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &awsecs.CreateClusterInput{})) // default

	t.Run("ErrInvalidName", func(t *testing.T) {
		_, err := c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("bad name!")})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})

	t.Run("Describe", func(t *testing.T) {
		d := must[*awsecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &awsecs.DescribeClustersInput{
			Clusters: []string{"demo", clusterARN + "default", "nope"},
			Include:  []types.ClusterField{types.ClusterFieldTags},
		}))
		if len(d.Clusters) != 2 || aws.ToString(d.Clusters[0].ClusterName) != "demo" || len(d.Clusters[0].Tags) != 1 ||
			aws.ToString(d.Clusters[1].ClusterName) != "default" {
			t.Errorf("DescribeClusters: got clusters %+v", d.Clusters)
		}
		if len(d.Failures) != 1 || aws.ToString(d.Failures[0].Arn) != clusterARN+"nope" || aws.ToString(d.Failures[0].Reason) != "MISSING" {
			t.Errorf("DescribeClusters: got failures %+v; want nope MISSING", d.Failures)
		}
		// Without include TAGS the tags are left out.
		d = must[*awsecs.DescribeClustersOutput](t)(c.DescribeClusters(ctx, &awsecs.DescribeClustersInput{Clusters: []string{"demo"}}))
		if len(d.Clusters) != 1 || d.Clusters[0].Tags != nil {
			t.Errorf("DescribeClusters without TAGS: got %+v", d.Clusters)
		}
	})

	t.Run("List", func(t *testing.T) {
		l := must[*awsecs.ListClustersOutput](t)(c.ListClusters(ctx, &awsecs.ListClustersInput{MaxResults: aws.Int32(1)}))
		if len(l.ClusterArns) != 1 || l.NextToken == nil {
			t.Fatalf("ListClusters page 1: got %+v", l)
		}
		l2 := must[*awsecs.ListClustersOutput](t)(c.ListClusters(ctx, &awsecs.ListClustersInput{NextToken: l.NextToken}))
		all := append(l.ClusterArns, l2.ClusterArns...)
		slices.Sort(all)
		if !slices.Equal(all, []string{clusterARN + "default", clusterARN + "demo"}) || l2.NextToken != nil {
			t.Errorf("ListClusters: got %q, next %v", all, l2.NextToken)
		}
		// The SDK's paginator reads nextToken the same way.
		p := awsecs.NewListClustersPaginator(c, &awsecs.ListClustersInput{MaxResults: aws.Int32(1)})
		n := 0
		for p.HasMorePages() {
			n += len(must[*awsecs.ListClustersOutput](t)(p.NextPage(ctx)).ClusterArns)
		}
		if n != 2 {
			t.Errorf("ListClusters paginator: got %d clusters; want 2", n)
		}
	})

	t.Run("Tags", func(t *testing.T) {
		arn := aws.String(clusterARN + "demo")
		must[*awsecs.TagResourceOutput](t)(c.TagResource(ctx, &awsecs.TagResourceInput{ResourceArn: arn,
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("b")}, {Key: aws.String("env"), Value: aws.String("dev")}}}))
		must[*awsecs.UntagResourceOutput](t)(c.UntagResource(ctx, &awsecs.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}}))
		l := must[*awsecs.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &awsecs.ListTagsForResourceInput{ResourceArn: arn}))
		if len(l.Tags) != 1 || aws.ToString(l.Tags[0].Key) != "team" || aws.ToString(l.Tags[0].Value) != "b" {
			t.Errorf("ListTagsForResource: got %+v; want team=b", l.Tags)
		}
		_, err := c.ListTagsForResource(ctx, &awsecs.ListTagsForResourceInput{ResourceArn: aws.String(clusterARN + "nope")})
		wantAPIError(t, err, "ResourceNotFoundException", http.StatusBadRequest, "The specified resource could not be found.")
		_, err = c.TagResource(ctx, &awsecs.TagResourceInput{ResourceArn: aws.String("arn:nope"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
		if ae := apiError(t, err); ae.ErrorFault() != smithy.FaultClient {
			t.Errorf("TagResource arn:nope: got %s %v; want a client error", ae.ErrorCode(), ae.ErrorFault())
		}
	})

	t.Run("Delete", func(t *testing.T) {
		d := must[*awsecs.DeleteClusterOutput](t)(c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: aws.String("demo")}))
		if aws.ToString(d.Cluster.Status) != "INACTIVE" {
			t.Errorf("DeleteCluster: got status %s; want INACTIVE", aws.ToString(d.Cluster.Status))
		}
		_, err := c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: aws.String("demo")})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
		l := must[*awsecs.ListClustersOutput](t)(c.ListClusters(ctx, &awsecs.ListClustersInput{}))
		if !slices.Equal(l.ClusterArns, []string{clusterARN + "default"}) {
			t.Errorf("ListClusters after delete: got %q", l.ClusterArns)
		}
	})
}
