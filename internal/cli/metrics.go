package cli

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dbverify/dbverify/pkg/verify"
)

// watchMetrics are the Prometheus metrics of `dbverify watch --metrics-addr`, updated from its
// events.
type watchMetrics struct {
	reg       *prometheus.Registry
	passes    prometheus.Counter
	clean     prometheus.Gauge
	lastPass  prometheus.Gauge
	passTime  prometheus.Gauge
	differing *prometheus.GaugeVec
	pending   prometheus.Gauge
	verdicts  *prometheus.CounterVec
	lag       prometheus.Gauge
	byRule    *prometheus.CounterVec
	rule      prometheus.Gauge
	distance  *prometheus.GaugeVec
}

func newWatchMetrics() *watchMetrics {
	m := &watchMetrics{
		reg: prometheus.NewRegistry(),
		passes: prometheus.NewCounter(prometheus.CounterOpts{Name: "dbverify_watch_passes_total",
			Help: "Full compare passes run."}),
		clean: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_watch_last_pass_clean",
			Help: "1 if the last full pass found no difference, else 0."}),
		lastPass: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_watch_last_pass_timestamp_seconds",
			Help: "When the last full pass ended (Unix time)."}),
		passTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_watch_last_pass_duration_seconds",
			Help: "How long the last full pass took."}),
		differing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbverify_watch_differing_rows",
			Help: "Rows the last full pass found differing (missing, extra or changed), by source table."}, []string{"table"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_watch_pending_rows",
			Help: "Differing rows still being read again: in flight or not yet settled."}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dbverify_watch_rows_total",
			Help: "Differing rows by verdict: resolved (in flight, then matched), drift (confirmed), unsettled (source kept changing)."}, []string{"verdict"}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_replication_lag_seconds",
			Help: "The replication lag last observed; NaN until the servers tell one."}),
		byRule: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dbverify_watch_verdicts_total",
			Help: "Row verdicts by verdict and by the rule that told them: position (the target applied the source's position), time (--settle), pending-limit (the target did not apply it in time)."}, []string{"verdict", "rule"}),
		rule: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_watch_position_rule",
			Help: "1 while verdicts are told by replication position, 0 under the time rule."}),
		distance: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbverify_replication_position_distance",
			Help: "How far the target's applied replication position last trailed the source position it was compared with, by unit (bytes, transactions)."}, []string{"unit"}),
	}
	m.reg.MustRegister(m.passes, m.clean, m.lastPass, m.passTime, m.differing, m.pending, m.verdicts, m.lag, m.byRule, m.rule, m.distance)
	m.lag.Set(math.NaN())
	for _, v := range []verify.RowState{verify.Resolved, verify.Drift, verify.Unsettled} {
		m.verdicts.WithLabelValues(string(v)) // present at 0 from the start
	}
	return m
}

// observe updates the metrics from one watch event.
func (m *watchMetrics) observe(ev verify.Event) {
	if ev.Lag != nil {
		m.lag.Set(ev.Lag.Seconds())
	}
	switch ev.Rule {
	case verify.RuleTime:
		m.rule.Set(0)
	case verify.RulePosition:
		m.rule.Set(1)
	}
	if p := ev.Positions; p != nil && p.Unit != "" {
		m.distance.WithLabelValues(p.Unit).Set(float64(p.Distance))
	}
	switch ev.Kind {
	case "pass":
		m.passes.Inc()
		m.clean.Set(b2f(ev.Report.Identical()))
		m.lastPass.Set(float64(ev.Time.UnixNano()) / 1e9)
		m.passTime.Set(ev.Report.Duration.Seconds())
		m.differing.Reset()
		for _, t := range ev.Report.Tables {
			m.differing.WithLabelValues(t.Source).Set(float64(t.Differences()))
		}
		m.pending.Set(float64(ev.Pending))
	case "recheck":
		m.pending.Set(float64(ev.Pending))
	case "resolved", "drift", "unsettled":
		m.verdicts.WithLabelValues(string(ev.Kind)).Inc()
		rule := ev.Rule
		if rule == "" {
			rule = verify.RuleTime
		}
		m.byRule.WithLabelValues(string(ev.Kind), string(rule)).Inc()
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// serveMetrics serves the registry's metrics on addr at /metrics until the returned stop is
// called. The address is taken at once, so that a port in use is a usage error up front.
func serveMetrics(addr string, reg *prometheus.Registry) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usage("--metrics-addr %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return // the listener failed; watch goes on without metrics
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
