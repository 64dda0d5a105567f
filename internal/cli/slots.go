package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// defaultMaxSlotWAL is --max-slot-wal's default.
const defaultMaxSlotWAL = "10GiB"

// slotEvery is the least time between two reads of the slots while rows are read again
// between full passes (a full pass always reads them).
const slotEvery = time.Minute

// slotTimeout bounds one read of the slots.
const slotTimeout = 10 * time.Second

// parseSize parses a size such as 512MiB, 10GiB, 1.5GB or 1048576 (bytes). The units count in
// powers of 1024, whether written KiB or KB (as PostgreSQL's own settings do); case does not
// matter. 0 is allowed (the caller decides what it means); a negative size is not.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	shift, ok := map[string]uint{"": 0, "b": 0, "k": 10, "kb": 10, "kib": 10, "m": 20, "mb": 20, "mib": 20,
		"g": 30, "gb": 30, "gib": 30, "t": 40, "tb": 40, "tib": 40}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || num == "" {
		return 0, fmt.Errorf("%q is not a size such as 512MiB, 10GiB or a number of bytes", s)
	}
	v := n * float64(uint64(1)<<shift)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(v), nil
}

// slotWatch reports the source's replication slots while watch runs: the WAL each retains, at
// each full pass (a line per slot), as metrics, and a warning for each past the limit. A
// stalled consumer (a DMS task stopped or failing) makes its slot keep WAL until the source's
// disk is full, and a full disk stops the source's writes.
type slotWatch struct {
	db     dialect.SlotReporter
	limit  int64 // --max-slot-wal in bytes; 0: no warning
	p      *eventPrinter
	m      *slotMetrics // nil without --metrics-addr
	logger *slog.Logger
	last   time.Time // the last read
}

// newSlotWatch returns the slot reporting of a watch on src, or nil when the source keeps no
// slots (its engine has none).
func newSlotWatch(src *verify.Endpoint, limit int64, p *eventPrinter, m *watchMetrics, logger *slog.Logger) *slotWatch {
	db, ok := src.DB.(dialect.SlotReporter)
	if !ok {
		return nil
	}
	sw := &slotWatch{db: db, limit: limit, p: p, logger: logger}
	if m != nil {
		sw.m = newSlotMetrics(m.reg, limit)
	}
	return sw
}

// observe reads the slots after each full pass (after its clean line, when it has one), and
// between passes at most every slotEvery (printing then only the slots past the limit).
func (s *slotWatch) observe(ctx context.Context, ev verify.Event) {
	switch {
	case ev.Kind == verify.EventPass && (ev.Report == nil || !ev.Report.Identical()), ev.Kind == verify.EventClean:
		s.check(ctx, true)
	case ev.Kind == verify.EventRecheck && time.Since(s.last) >= slotEvery:
		s.check(ctx, false)
	}
}

// slotLine is a slot in a JSON line: the server's report and whether it is past the limit.
type slotLine struct {
	dialect.Slot
	OverLimit bool `json:"over_limit"`
}

// check reads the slots and reports them: every one if all, else those past the limit. A
// failure to read them is a logged warning; watching goes on.
func (s *slotWatch) check(ctx context.Context, all bool) {
	s.last = time.Now()
	rctx, cancel := context.WithTimeout(ctx, slotTimeout)
	slots, err := s.db.ReplicationSlots(rctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && s.logger != nil {
			s.logger.Warn("source replication slots unknown", "err", err)
		}
		return
	}
	if s.m != nil {
		s.m.set(slots)
	}
	var lines []slotLine
	for _, sl := range slots {
		over := s.limit > 0 && sl.RetainedWAL > s.limit
		if over && s.logger != nil {
			s.logger.Warn(slotWarning(sl, s.limit))
		}
		if all || over {
			lines = append(lines, slotLine{sl, over})
		}
	}
	if len(lines) > 0 || all {
		s.p.slots(time.Now(), lines, s.limit)
	}
}

// slotWarning says a slot is past the limit and what that risks.
func slotWarning(s dialect.Slot, limit int64) string {
	return fmt.Sprintf("source replication slot %s retains %s of WAL, past --max-slot-wal %s: its consumer (a DMS task, a subscriber) is stalled or behind, and the WAL it keeps can fill the source's disk and stop its writes; resume the consumer, or drop the slot if nothing will use it again",
		s.Name, dialect.SizeText(s.RetainedWAL), dialect.SizeText(limit))
}

// slots prints a read of the slots: in text a line per slot (WARNING first for those past the
// limit; "no replication slots" when there are none), in JSON one line of event "slots".
func (p *eventPrinter) slots(at time.Time, lines []slotLine, limit int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	if p.json {
		if lines == nil {
			lines = []slotLine{}
		}
		p.err = json.NewEncoder(p.w).Encode(struct {
			Time  time.Time  `json:"time"`
			Event string     `json:"event"`
			Limit int64      `json:"max_slot_wal_bytes,omitempty"`
			Slots []slotLine `json:"slots"`
		}{at, "slots", limit, lines})
		return
	}
	var b strings.Builder
	stamp := at.UTC().Format("15:04:05")
	if len(lines) == 0 {
		fmt.Fprintf(&b, "%s source: no replication slots\n", stamp)
	}
	for _, l := range lines {
		if l.OverLimit {
			fmt.Fprintf(&b, "%s WARNING %s; past --max-slot-wal %s: the WAL it keeps can fill the source's disk\n", stamp, l.Slot.String(), dialect.SizeText(limit))
			continue
		}
		fmt.Fprintf(&b, "%s source %s\n", stamp, l.Slot.String())
	}
	_, p.err = fmt.Fprint(p.w, b.String())
	p.last = at
}

// slotMetrics are the slot gauges of watch --metrics-addr.
type slotMetrics struct {
	retained, lag, active *prometheus.GaugeVec
}

func newSlotMetrics(reg *prometheus.Registry, limit int64) *slotMetrics {
	m := &slotMetrics{
		retained: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbverify_slot_retained_wal_bytes",
			Help: "WAL the source's replication slot retains (current WAL position minus its restart_lsn), at the last read; -1 without a restart position."}, []string{"slot"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbverify_slot_confirmed_flush_lag_bytes",
			Help: "WAL the slot's consumer has not yet confirmed (current WAL position minus its confirmed_flush_lsn); -1 when not known."}, []string{"slot"}),
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbverify_slot_active",
			Help: "1 if a consumer streams from the slot, else 0."}, []string{"slot"}),
	}
	limitGauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "dbverify_slot_retained_wal_limit_bytes",
		Help: "--max-slot-wal: retained WAL past which watch warns (0: no warning)."})
	limitGauge.Set(float64(limit))
	reg.MustRegister(m.retained, m.lag, m.active, limitGauge)
	return m
}

// set replaces the gauges with a read of the slots: a slot dropped since leaves them.
func (m *slotMetrics) set(slots []dialect.Slot) {
	m.retained.Reset()
	m.lag.Reset()
	m.active.Reset()
	for _, s := range slots {
		m.retained.WithLabelValues(s.Name).Set(float64(s.RetainedWAL))
		m.lag.WithLabelValues(s.Name).Set(float64(s.FlushLag))
		m.active.WithLabelValues(s.Name).Set(b2f(s.Active))
	}
}
