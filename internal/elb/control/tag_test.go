package control

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/elb"
)

func TestTags(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := must[*CreateLoadBalancerOutput](t)(h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: "demo", Tags: []Tag{{Key: "env", Value: "dev"}}}))
	lb := out.LoadBalancers[0]
	tg := h.tg(t, "api")
	l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	rule := must[*CreateRuleOutput](t)(h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 1, Conditions: pathRule("/a"), Actions: forward(tg.TargetGroupARN), Tags: []Tag{{Key: "r", Value: "1"}}})).Rules[0]
	arns := []string{lb.LoadBalancerARN, tg.TargetGroupARN, l.ListenerARN, rule.RuleARN}
	describe := func() map[string][]Tag {
		out := must[*DescribeTagsOutput](t)(h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: arns}))
		m := map[string][]Tag{}
		for _, td := range out.TagDescriptions {
			m[td.ResourceARN] = td.Tags
		}
		return m
	}

	t.Run("CreateTags", func(t *testing.T) {
		got := describe()
		if !slices.Equal(got[lb.LoadBalancerARN], []Tag{{"env", "dev"}}) || !slices.Equal(got[rule.RuleARN], []Tag{{"r", "1"}}) || len(got[tg.TargetGroupARN]) != 0 {
			t.Errorf("tags = %+v", got)
		}
	})
	t.Run("AddOverwritesAndSorts", func(t *testing.T) {
		must[*AddTagsOutput](t)(h.AddTags(ctx, &AddTagsInput{ResourceARNs: arns, Tags: []Tag{{"team", "web"}, {"env", "prod"}}}))
		got := describe()
		for _, arn := range arns {
			if !slices.Contains(got[arn], Tag{"team", "web"}) || !slices.Contains(got[arn], Tag{"env", "prod"}) {
				t.Errorf("tags of %s = %+v", arn, got[arn])
			}
			if !slices.IsSortedFunc(got[arn], func(a, b Tag) int { return cmpString(a.Key, b.Key) }) {
				t.Errorf("tags of %s not sorted: %+v", arn, got[arn])
			}
		}
	})
	t.Run("Remove", func(t *testing.T) {
		must[*RemoveTagsOutput](t)(h.RemoveTags(ctx, &RemoveTagsInput{ResourceARNs: []string{lb.LoadBalancerARN}, TagKeys: []string{"team", "missing"}}))
		if got := describe()[lb.LoadBalancerARN]; !slices.Equal(got, []Tag{{"env", "prod"}}) {
			t.Errorf("tags = %+v; want only env=prod", got)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		_, err := h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{lb.LoadBalancerARN}, Tags: []Tag{{"a", "1"}, {"a", "2"}}})
		wantCode(t, err, codeDuplicateTagKeys)
		_, err = h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{lb.LoadBalancerARN + "0"}, Tags: []Tag{{"a", "1"}}})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
		_, err = h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: []string{tg.TargetGroupARN + "0"}})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
		_, err = h.RemoveTags(ctx, &RemoveTagsInput{ResourceARNs: []string{l.ListenerARN + "0"}, TagKeys: []string{"a"}})
		wantCode(t, err, elb.CodeListenerNotFound)
		_, err = h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: []string{rule.RuleARN + "0"}})
		wantCode(t, err, elb.CodeRuleNotFound)
		_, err = h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: []string{"arn:aws:s3:::bucket"}})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: slices.Repeat([]string{lb.LoadBalancerARN}, 21)})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{lb.LoadBalancerARN}})
		wantCode(t, err, elb.CodeValidationError)
	})
	t.Run("ErrTooManyTags", func(t *testing.T) {
		var tags []Tag
		for i := range maxTagsPerResource {
			tags = append(tags, Tag{Key: fmt.Sprintf("k%02d", i)})
		}
		_, err := h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{tg.TargetGroupARN}, Tags: tags})
		wantCode(t, err, elb.CodeTooManyTags) // 50 new + team + env
		if got := describe()[tg.TargetGroupARN]; len(got) != 2 {
			t.Errorf("a refused AddTags changed the tags: %+v", got)
		}
	})
	t.Run("DeletedWithTheResource", func(t *testing.T) {
		must[*DeleteRuleOutput](t)(h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: rule.RuleARN}))
		_, err := h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: []string{rule.RuleARN}})
		wantCode(t, err, elb.CodeRuleNotFound)
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
