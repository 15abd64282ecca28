package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// gather returns every sample of reg as "name{label=value,...}" → value.
func gather(tb testing.TB, reg *prometheus.Registry) map[string]float64 {
	tb.Helper()
	fams, err := reg.Gather()
	if err != nil {
		tb.Fatalf("Gather: %v", err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[key+"_count"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, a := backend(t, "a", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/missing" {
				w.WriteHeader(http.StatusNotFound)
			}
		})
		_, b := backend(t, "b", nil)
		lb := testLB(nil)
		rule := &elb.Rule{Priority: 1, Conditions: []elb.RuleCondition{{
			Field: elb.FieldPathPattern, PathPatternConfig: &elb.PathPatternConditionConfig{Values: []string{"/empty"}},
		}}, Actions: []elb.Action{forwardTo(tgB)}}
		rule.Canonicalize()
		h := newHarness(t, newEngine(), Options{}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA), rule)},
			group(tgA, nil, a, withHealth(b, elb.TargetHealthStateUnhealthy)), group(tgB, nil)))
		reg := prometheus.NewRegistry()
		reg.MustRegister(h.p.Collector())

		h.get(80, "/")
		h.get(80, "/missing")
		h.get(80, "/empty") // 503: tgB has no targets
		got := gather(t, reg)
		lbl := "load_balancer=app/test/0123456789abcdef"
		tgl := lbl + ",target_group=targetgroup/a/00000000000000aa"
		want := map[string]float64{
			"ecslocal_alb_request_count_total{" + lbl + "}":                3,
			"ecslocal_alb_httpcode_elb_5xx_count_total{" + lbl + "}":       1,
			"ecslocal_alb_httpcode_target_2xx_count_total{" + tgl + "}":    1,
			"ecslocal_alb_httpcode_target_4xx_count_total{" + tgl + "}":    1,
			"ecslocal_alb_target_group_request_count_total{" + tgl + "}":   2,
			"ecslocal_alb_target_response_time_seconds{" + tgl + "}_count": 2,
			"ecslocal_alb_healthy_host_count{" + tgl + "}":                 1,
			"ecslocal_alb_unhealthy_host_count{" + tgl + "}":               1,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: got %v; want %v", k, got[k], v)
			}
		}
		if got["ecslocal_alb_active_connection_count{"+lbl+"}"] < 1 {
			t.Errorf("active connections: got %v; want the client's keep-alive connection", got["ecslocal_alb_active_connection_count{"+lbl+"}"])
		}
		if t.Failed() {
			t.Logf("gathered: %v", got)
		}
	})
}
