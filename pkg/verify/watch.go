package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// RowState is where a differing row stands while replication (AWS DMS CDC, a MySQL replica,
// PostgreSQL logical replication) still runs.
type RowState string

// The states of a differing row in Watch.
const (
	// Pending: the row differs, and the target may still be catching up. It is read again by
	// key until it settles into one of the other states.
	Pending RowState = "pending"
	// Resolved: the row matched when read again: its change was in flight.
	Resolved RowState = "resolved"
	// Drift: the target's row still differs although replication has applied the source's
	// change (see Rule for how that was told). Replication will not fix it.
	Drift RowState = "drift"
	// Unsettled: the source row kept changing for the whole pending limit (a hot row), so
	// whether the target follows could not be told.
	Unsettled RowState = "unsettled"
)

// WatchOptions tune Watch. Zero values mean the defaults.
type WatchOptions struct {
	Options // each full pass's compare options

	// Interval is the wait before each recheck of the pending rows; 0 means 5s.
	Interval time.Duration
	// Settle is, under the time rule, how long a pending row's source must stay unchanged,
	// with its target still differing, before the row is drift; 0 means 1m. It is raised to
	// the lag Lag observes. The position rule does not wait for it.
	Settle time.Duration
	// PendingLimit is how long a row whose source keeps changing stays pending before it is
	// reported unsettled; 0 means 10m. Under the position rule it also bounds the wait for
	// the target to apply a row's position: a row whose source stayed unchanged is drift then
	// (RulePendingLimit), as when replication has stopped.
	PendingLimit time.Duration
	// Every is the wait between full passes once the differing rows of a pass have settled
	// (continuous watching); 0 means 1m. With UntilClean, passes follow each other at once.
	Every time.Duration
	// UntilClean makes Watch the cutover gate: it returns after the first full pass that finds
	// no difference (Clean), or as soon as a row is confirmed drift (not Clean), without
	// waiting for the other pending rows to settle.
	UntilClean bool
	// Lag reports the replication lag observed now; ok is false when it is not known. nil
	// when there is no source of lag. Rechecks then rely on Settle alone.
	Lag func(ctx context.Context) (lag time.Duration, ok bool, err error)
	// Events, if not nil, is told of each pass, each resolution, each confirmed drift and each
	// unsettled row, from one goroutine, in order.
	Events func(Event)
	// TimeRule decides every verdict by the time rule (Settle), even where the source's and
	// the target's replication positions can be read.
	TimeRule bool
	// Applied, when set, tells how far the target has applied the source's changes in place of
	// the target's own dialect.AppliedPositioner: for a target that is no replica, such as one
	// an AWS DMS task writes (dialect.DMSTask reads its recovery checkpoint table).
	Applied dialect.AppliedPositioner
}

// Rule says how Watch told a differing row's verdict.
type Rule string

// The verdict rules. The position rule applies where the source tells its replication position
// (dialect.SourcePositioner) and the target how far it applied it (dialect.AppliedPositioner):
// a MySQL/MariaDB primary and its replica, a PostgreSQL primary and its standby or logical
// subscriber. The time rule applies everywhere else (AWS DMS, a position the user may not
// read, WatchOptions.TimeRule).
const (
	// RulePosition: the target had applied the source's position recorded right after the
	// source row was read, and its row still differed. Exact, and as soon as replication gets
	// there, whatever the lag.
	RulePosition Rule = "position"
	// RuleTime: no position could be read; the source row stayed unchanged for Settle (at
	// least the observed lag) and the target's still differed.
	RuleTime Rule = "time"
	// RulePendingLimit: under the position rule, the target had not applied the source row's
	// position when PendingLimit passed (replication stopped, or lagging past the limit), and
	// the source row had not changed since it was first read again, or not for Settle.
	RulePendingLimit Rule = "pending-limit"
)

// Positions are replication positions beside a verdict or a reread: the source's position
// recorded right after the row (or the pass) was read, the position the target had applied
// when it was read again, and how far that trails.
type Positions struct {
	Source   dialect.Position `json:"source"`
	Applied  dialect.Position `json:"applied"`
	Reached  bool             `json:"reached"`
	Distance uint64           `json:"distance"`
	Unit     string           `json:"unit,omitempty"` // bytes, transactions; "" when not known
}

// EventKind says what an Event reports.
type EventKind string

// The kinds of event.
const (
	EventPass      EventKind = "pass"      // a full pass ended
	EventClean     EventKind = "clean"     // a full pass found no difference
	EventRecheck   EventKind = "recheck"   // pending rows were read again
	EventResolved  EventKind = "resolved"  // a pending row became Resolved
	EventDrift     EventKind = "drift"     // a row became Drift
	EventUnsettled EventKind = "unsettled" // a row became Unsettled
)

// Event is one thing Watch observed. Kind says which fields are set.
type Event struct {
	Time time.Time `json:"time"`
	// Kind is EventPass (a full pass ended: Report, Pending, Untracked), EventRecheck (pending
	// rows were read again: Rows, Pending), EventResolved, EventDrift or EventUnsettled (one
	// row: Table, Row, Since), or EventClean (a full pass found no difference).
	Kind EventKind `json:"event"`
	Pass int       `json:"pass"`
	// Lag is the replication lag observed at the last recheck, when known (recheck events and
	// verdicts).
	Lag   *time.Duration `json:"lag_ns,omitempty"`
	Table string         `json:"table,omitempty"`
	Row   *RowDiff       `json:"row,omitempty"`
	// Since is when the row was first seen differing.
	Since time.Time `json:"since,omitzero"`
	// Report is the full pass's report (pass events).
	Report *Report `json:"report,omitempty"`
	// Rows is how many rows a recheck read again; Pending how many stay pending after it.
	Rows    int `json:"rows,omitempty"`
	Pending int `json:"pending,omitempty"`
	// Untracked lists tables whose differing rows cannot be rechecked by key (no key, or more
	// differing rows than the report keeps): only a full pass tells whether they converged.
	Untracked []string `json:"untracked,omitempty"`
	// Rule is how a verdict was told (drift, unsettled, resolved under the position rule), or,
	// on pass, recheck and clean events, the rule in force: RulePosition when both positions
	// could be read, else RuleTime.
	Rule Rule `json:"rule,omitempty"`
	// Positions are the replication positions the verdict (or the reread, or the clean pass)
	// was told by; nil under the time rule.
	Positions *Positions `json:"positions,omitempty"`
}

// WatchResult is what Watch saw until it returned.
type WatchResult struct {
	Clean  bool    // the last full pass found no difference
	Passes int     // full passes run
	Last   *Report // the last full pass
	// Drift lists the rows confirmed as drift and still differing, by table; Unsettled the rows
	// whose source kept changing.
	Drift     []WatchedRow
	Unsettled []WatchedRow
	Resolved  int // rows seen differing that converged
}

// Close releases the last pass's report's temporary files (see Report.Close); a nil result is
// fine.
func (r *WatchResult) Close() error {
	if r == nil || r.Last == nil {
		return nil
	}
	return r.Last.Close()
}

// DriftReport is the last full pass's report narrowed to the rows confirmed as drift: what
// Repair needs to write the SQL that fixes them and nothing else (rows that were in flight
// have converged by themselves). It lists no table when there is no drift.
func (r *WatchResult) DriftReport() *Report {
	if r.Last == nil {
		return &Report{}
	}
	rep := *r.Last
	rep.Tables = nil
	for _, tr := range r.Last.Tables {
		var rows []RowDiff
		for _, d := range r.Drift {
			if d.Table == tr.Source {
				rows = append(rows, d.Row)
			}
		}
		if len(rows) == 0 {
			continue
		}
		t := *tr
		t.list = nil
		t.Diffs, t.Truncated, t.Missing, t.Extra, t.Changed = rows, false, 0, 0, 0
		for _, d := range rows {
			switch d.Kind {
			case Missing:
				t.Missing++
			case Extra:
				t.Extra++
			default:
				t.Changed++
			}
		}
		rep.Tables = append(rep.Tables, &t)
	}
	return &rep
}

// WatchedRow is a differing row Watch followed.
type WatchedRow struct {
	Table string    `json:"table"`
	Row   RowDiff   `json:"row"`
	State RowState  `json:"state"`
	Since time.Time `json:"since"`          // first seen differing
	Rule  Rule      `json:"rule,omitempty"` // how the verdict was told
	// Positions are the replication positions the verdict was told by; nil under the time
	// rule.
	Positions *Positions `json:"positions,omitempty"`
}

// ErrNotSettled is returned by Watch with UntilClean when ctx ends before a full pass is clean.
var ErrNotSettled = errors.New("the target did not converge")

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Settle <= 0 {
		o.Settle = time.Minute
	}
	if o.PendingLimit <= 0 {
		o.PendingLimit = 10 * time.Minute
	}
	if o.Every <= 0 {
		o.Every = time.Minute
	}
	return o
}

// Watch compares src and tgt while replication runs and tells rows still in flight from drift.
// Each full pass is a Compare; the rows it finds differing are then read again by key on both
// sides (point lookups, not another pass) every Interval, and a row that matches is resolved.
//
// Where both sides tell replication positions (see Rule), each reread reads the target's
// applied position first, then the target's rows, then the source's, then the source's
// position: a row that still differs once the target has applied the position recorded after
// the read that first saw the source row as it is now is drift, at once; until then it is in
// flight, however long that takes, up to PendingLimit (then drift if its source stayed
// unchanged for Settle, else unsettled). Elsewhere the time rule decides: a row whose source
// stays unchanged for Settle (at least the observed lag) while its target still differs is
// drift; a row whose source keeps changing stays pending, up to PendingLimit. Once no row is
// pending, the next full pass follows (after Every, or at once with UntilClean).
//
// With UntilClean and positions, a clean full pass opens the gate once the target has applied
// the source's position read right after the pass (within PendingLimit; else another pass).
//
// Without UntilClean, Watch runs until ctx ends and returns what it saw with ctx's error. With
// UntilClean it returns after the first clean full pass, or once drift is confirmed (a result,
// not an error; Clean is false); if ctx ends first, the error wraps ErrNotSettled.
func Watch(ctx context.Context, src, tgt *Endpoint, opt WatchOptions) (*WatchResult, error) {
	opt = opt.withDefaults()
	if _, err := opt.Options.withDefaults(); err != nil {
		return nil, err
	}
	if opt.Checkpoint != nil {
		return nil, invalid(errors.New("watch: a checkpoint resumes one compare; every pass of a watch reads the tables afresh"))
	}
	opt.warned = &sync.Map{} // a column skipped is told once, not at every pass
	w := &watcher{src: src, tgt: tgt, opt: opt, tables: map[string]*watchedTable{}}
	if !opt.TimeRule {
		sp, ok1 := src.DB.(dialect.SourcePositioner)
		ap, ok2 := tgt.DB.(dialect.AppliedPositioner)
		if opt.Applied != nil {
			ap, ok2 = opt.Applied, true
		}
		if ok1 && ok2 {
			w.srcPos, w.tgtPos = sp, ap
			// Asked once up front, so that a side that tells none is said before the first
			// pass, and the pass's events name the rule in force.
			w.appliedPosition(ctx)
			w.sourcePosition(ctx)
		}
	}
	for {
		err := w.pass(ctx)
		if err == nil && opt.UntilClean && (w.res.Clean || len(w.res.Drift) > 0) {
			return &w.res, nil
		}
		rereads := w.pending() > 0
		if err == nil {
			err = w.settle(ctx)
		}
		if err == nil && opt.UntilClean && len(w.res.Drift) > 0 {
			return &w.res, nil
		}
		switch {
		case err != nil:
		case !opt.UntilClean:
			err = sleep(ctx, opt.Every)
		case !rereads:
			// Nothing could be read again (no key, too many differing rows to list): give the
			// target an Interval to catch up rather than passing again at once.
			err = sleep(ctx, opt.Interval)
		}
		if err != nil {
			if ctx.Err() == nil {
				return &w.res, err
			}
			if opt.UntilClean {
				return &w.res, fmt.Errorf("%w: %w", ErrNotSettled, context.Cause(ctx))
			}
			return &w.res, context.Cause(ctx)
		}
	}
}

// watcher is the state of one Watch.
type watcher struct {
	src, tgt *Endpoint
	opt      WatchOptions
	res      WatchResult
	tables   map[string]*watchedTable // by the table's name in reports (source)
	lag0     *time.Duration           // the replication lag at the last recheck; nil if unknown

	// srcPos and tgtPos read replication positions; nil when the time rule decides.
	srcPos dialect.SourcePositioner
	tgtPos dialect.AppliedPositioner
	// applied is the target's applied position read at the start of the last recheck; nil
	// when it could not be read (that recheck tells no verdict by position).
	applied *dialect.Position
	// lastMark is the source position read after the last reread's source rows.
	lastMark *dialect.Position
}

// watchedTable is a table with differing rows under watch.
type watchedTable struct {
	job  *job
	rows map[string]*watchedRow // by framed key
}

type watchedRow struct {
	diff   RowDiff
	state  RowState
	first  time.Time // first seen differing
	stable time.Time // since when the source row is unchanged; zero before the first recheck
	sig    []uint64  // the source row's hashes at the last look; nil when it is absent
	seen   bool      // sig holds a look
	// mark is the source's position read right after the first read that saw the source row
	// as sig: at or past that row's version; nil when not read.
	mark *dialect.Position
	// pos: the position rule decides this row (a mark was read while the target's applied
	// position was known).
	pos bool
	// changed: the source row changed while watched.
	changed bool
	rule    Rule       // how the verdict was told
	at      *Positions // the positions it was told by
}

// pass runs a full compare and brings the watched rows in line with it.
func (w *watcher) pass(ctx context.Context) error {
	w.lag0 = nil // a pass can take hours: the last recheck's lag says nothing of its verdicts
	rep, err := Compare(ctx, w.src, w.tgt, w.opt.Options)
	if err != nil {
		return err
	}
	var passPos *dialect.Position
	if w.opt.UntilClean && rep.Identical() {
		passPos = w.sourcePosition(ctx) // right after the pass's last source read
	}
	w.res.Passes++
	if w.res.Last != nil {
		w.res.Last.Close() // its long listings: the watched rows keep what they need
	}
	w.res.Last = rep
	w.res.Clean = rep.Identical()
	now := time.Now()
	var untracked []string
	listed := map[string]bool{}
	for _, tr := range rep.Tables {
		listed[tr.Source] = true
		wt := w.tables[tr.Source]
		if tr.Identical() {
			w.resolveAll(wt, tr.Source)
			delete(w.tables, tr.Source)
			continue
		}
		if tr.Truncated || len(tr.Key) == 0 || int64(tr.Listed()) < tr.Differences() || tr.Differences() == 0 {
			untracked = append(untracked, tr.Source)
			continue // rows known to be tracked stay as they are until a pass lists them all
		}
		if wt == nil {
			j, err := newJob(ctx, w.src, w.tgt, tr.pair, w.opt.Options)
			if err != nil {
				return err
			}
			wt = &watchedTable{job: j, rows: map[string]*watchedRow{}}
			w.tables[tr.Source] = wt
		}
		now := now
		current := map[string]bool{}
		err := tr.EachDiff(func(d RowDiff) error {
			k := string(checksum.AppendRow(nil, d.key))
			current[k] = true
			if r := wt.rows[k]; r != nil {
				r.diff = d
				if r.state == Unsettled {
					// watched afresh
					r.state, r.first, r.seen, r.changed, r.mark, r.pos = Pending, now, false, false, nil, false
				}
				return nil
			}
			wt.rows[k] = &watchedRow{diff: d, state: Pending, first: now}
			return nil
		})
		if err != nil {
			return err
		}
		for k, r := range wt.rows {
			if !current[k] {
				w.resolve(tr.Source, r)
				delete(wt.rows, k)
			}
		}
	}
	for name, wt := range w.tables {
		if !listed[name] {
			w.resolveAll(wt, name)
			delete(w.tables, name)
		}
	}
	w.collect()
	w.emit(Event{Kind: EventPass, Report: rep, Pending: w.pending(), Untracked: untracked, Rule: w.rule()})
	if !w.res.Clean {
		return nil
	}
	ev := Event{Kind: EventClean, Rule: RuleTime}
	if passPos != nil {
		pos, ok, err := w.confirmClean(ctx, *passPos)
		if err != nil {
			return err
		}
		if !ok {
			w.res.Clean = false
			w.warn(fmt.Sprintf("a full pass found no difference, but the target did not apply the source's position read after it (%s) within the pending limit (applied: %s): not clean",
				pos.Source, pos.Applied))
			return nil
		}
		if pos != nil {
			ev.Rule, ev.Positions = RulePosition, pos
		}
	}
	w.emit(ev)
	return nil
}

// confirmClean waits, every Interval up to PendingLimit, for the target to apply p, the
// source's position read right after a clean pass: only then has every source change the
// pass could have missed reached the target. pos is nil (and ok true) when the target's
// position cannot be read: the pass is clean by the time rule.
func (w *watcher) confirmClean(ctx context.Context, p dialect.Position) (pos *Positions, ok bool, err error) {
	deadline := time.Now().Add(w.opt.PendingLimit)
	for {
		a := w.appliedPosition(ctx)
		if a == nil {
			return nil, true, nil
		}
		pos = w.positions(p, *a)
		if pos == nil {
			return nil, true, nil
		}
		if pos.Reached {
			return pos, true, nil
		}
		if time.Now().After(deadline) {
			return pos, false, nil
		}
		w.emit(Event{Kind: EventRecheck, Rule: RulePosition, Positions: pos})
		if err := sleep(ctx, w.opt.Interval); err != nil {
			return nil, false, err
		}
	}
}

// rule is the rule in force: RulePosition while both sides' positions are read.
func (w *watcher) rule() Rule {
	if w.srcPos != nil && w.tgtPos != nil {
		return RulePosition
	}
	return RuleTime
}

// positions compares a source position with the target's applied one; nil, and the position
// rule off for good, when they cannot be compared.
func (w *watcher) positions(src, applied dialect.Position) *Positions {
	r, err := src.ReachedBy(applied)
	if err != nil {
		w.noPosition(err.Error())
		return nil
	}
	return &Positions{Source: src, Applied: applied, Reached: r.Reached, Distance: r.Distance, Unit: r.Unit}
}

// noPosition turns the position rule off for the rest of the watch, and says why, once.
func (w *watcher) noPosition(why string) {
	if w.srcPos == nil && w.tgtPos == nil {
		return
	}
	w.srcPos, w.tgtPos, w.applied = nil, nil, nil
	w.warn("replication positions not read: verdicts by the time rule", "err", errors.New(why))
}

// sourcePosition reads the source's replication position; nil when it is not known. A
// source that has none (ok false) turns the position rule off; a failure counts as unknown.
func (w *watcher) sourcePosition(ctx context.Context) *dialect.Position {
	if w.srcPos == nil || w.tgtPos == nil {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, w.opt.Options.waits().limit)
	defer cancel()
	p, ok, err := w.srcPos.SourcePosition(pctx)
	switch {
	case err != nil:
		w.warn("source replication position unknown", "err", err)
		return nil
	case !ok:
		w.noPosition("the source tells no replication position (no binary log, or no privilege to see it)")
		return nil
	}
	return &p
}

// appliedPosition reads the position the target applied, like sourcePosition.
func (w *watcher) appliedPosition(ctx context.Context) *dialect.Position {
	if w.srcPos == nil || w.tgtPos == nil {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, w.opt.Options.waits().limit)
	defer cancel()
	p, ok, err := w.tgtPos.AppliedPosition(pctx)
	switch {
	case err != nil:
		w.warn("target's applied replication position unknown", "err", err)
		return nil
	case !ok:
		w.noPosition("the target tells no applied position (no replica, standby or subscriber, or no privilege to see it)")
		return nil
	}
	return &p
}

func (w *watcher) resolveAll(wt *watchedTable, table string) {
	if wt == nil {
		return
	}
	for _, r := range wt.rows {
		w.resolve(table, r)
	}
}

func (w *watcher) resolve(table string, r *watchedRow) {
	w.res.Resolved++
	r.state = Resolved
	d := r.diff
	ev := Event{Kind: EventResolved, Table: table, Row: &d, Since: r.first}
	if p := w.rowPositions(r); r.pos && p != nil {
		ev.Rule, ev.Positions = RulePosition, p
	}
	w.emit(ev)
}

// rowPositions compares a row's mark with the target's applied position; nil when either
// is unknown.
func (w *watcher) rowPositions(r *watchedRow) *Positions {
	if r.mark == nil || w.applied == nil {
		return nil
	}
	return w.positions(*r.mark, *w.applied)
}

// settle rechecks the pending rows every Interval until none is pending.
func (w *watcher) settle(ctx context.Context) error {
	for w.pending() > 0 {
		if err := sleep(ctx, w.opt.Interval); err != nil {
			return err
		}
		w.applied = w.appliedPosition(ctx) // before any row is read: see Watch
		lag, known := w.lag(ctx)
		settle := w.opt.Settle
		w.lag0 = nil
		if known {
			settle = max(settle, lag)
			w.lag0 = &lag
		}
		n := 0
		for _, name := range w.tableNames() {
			wt := w.tables[name]
			m, err := w.recheck(ctx, name, wt, settle)
			if err != nil {
				return err
			}
			n += m
		}
		w.collect()
		ev := Event{Kind: EventRecheck, Rows: n, Pending: w.pending(), Rule: RuleTime}
		if known {
			ev.Lag = &lag
		}
		if w.applied != nil && w.lastMark != nil {
			if p := w.positions(*w.lastMark, *w.applied); p != nil {
				ev.Rule, ev.Positions = RulePosition, p
			}
		}
		w.emit(ev)
		if w.opt.UntilClean && len(w.res.Drift) > 0 {
			return nil // the gate is shut: rows still pending (a busy writer's) change nothing
		}
	}
	return nil
}

// recheck reads a table's pending rows again on both sides and moves each to its new state.
func (w *watcher) recheck(ctx context.Context, name string, wt *watchedTable, settle time.Duration) (int, error) {
	var keys []dialect.Key
	for _, r := range wt.rows {
		if r.state == Pending {
			keys = append(keys, r.diff.key)
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	j := wt.job
	var got [2]entries
	var mark *dialect.Position
	var err error
	if w.applied != nil {
		// In this order, the target's row is never ahead of the source's: whatever the
		// target applied before its read was committed on the source before the source's
		// read. And the mark read last is at or past the source row's version.
		got, err = j.readSides(ctx, keys, 1, 0)
		if err == nil {
			mark = w.sourcePosition(ctx)
			w.lastMark = mark
		}
		if w.applied == nil { // the position rule turned off meanwhile
			mark = nil
		}
	} else {
		got, err = j.readSides(ctx, keys, 0, 1)
	}
	if err != nil {
		return 0, err
	}
	now := time.Now()
	for k, r := range wt.rows {
		if r.state != Pending {
			continue
		}
		ss, ts := got[0][k], got[1][k]
		missing, extra, changed := matchEntries(entries{k: ss}, entries{k: ts})
		if len(missing)+len(extra)+len(changed) == 0 {
			w.resolve(name, r)
			delete(wt.rows, k)
			continue
		}
		var sig []uint64
		if len(ss) > 0 {
			sig = ss[0].cols
		}
		if !r.seen || !slices.Equal(sig, r.sig) {
			r.changed = r.changed || r.seen
			r.sig, r.seen, r.stable, r.mark = sig, true, now, mark
		} else if r.mark == nil {
			r.mark = mark // this read's position is past the row's version too
		}
		r.pos = r.pos || r.mark != nil
		var verdict RowState
		var rule Rule
		var pos *Positions
		switch {
		case r.pos:
			pos = w.rowPositions(r)
			switch {
			case pos != nil && pos.Reached:
				verdict, rule = Drift, RulePosition
			case now.Sub(r.first) < w.opt.PendingLimit:
			case !r.changed || now.Sub(r.stable) >= settle:
				// The target did not get there in time: replication stopped, or lags past the
				// limit. Never hidden: drift, by the pending limit.
				verdict, rule = Drift, RulePendingLimit
			default:
				verdict, rule = Unsettled, RulePosition
			}
		case now.Sub(r.stable) >= settle:
			verdict, rule = Drift, RuleTime
		case now.Sub(r.first) >= w.opt.PendingLimit:
			verdict, rule = Unsettled, RuleTime
		}
		switch verdict {
		case Drift:
			d, err := j.currentDiff(ctx, missing, extra, changed)
			if err != nil {
				return 0, err
			}
			r.diff, r.state, r.rule, r.at = d, Drift, rule, pos
			w.emit(Event{Kind: EventDrift, Table: name, Row: &d, Since: r.first, Rule: rule, Positions: pos})
		case Unsettled:
			r.state, r.rule, r.at = Unsettled, rule, pos
			d := r.diff
			w.emit(Event{Kind: EventUnsettled, Table: name, Row: &d, Since: r.first, Rule: rule, Positions: pos})
		}
	}
	return len(keys), nil
}

// readBoth reads the rows of keys on both sides at once (see readSides).
func (j *job) readBoth(ctx context.Context, keys []dialect.Key) ([2]entries, error) {
	return j.readSides(ctx, keys, 0, 1)
}

// readSides reads the rows of keys on both sides, each side's by framed key: first side
// first, then the other; both at once when first is the source (the order does not matter to
// the time rule). Rows a lookup returns under a collation only (another case, trailing spaces)
// are left out.
func (j *job) readSides(ctx context.Context, keys []dialect.Key, first, second int) ([2]entries, error) {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[string(checksum.AppendRow(nil, k))] = true
	}
	got := [2]entries{{}, {}}
	read := func(ctx context.Context, side int) error {
		e, t, cols := j.side(side)
		h := j.hashers.Get().(*checksum.Hasher)
		defer j.hashers.Put(h)
		return j.lookup(ctx, e, t, cols, keys, func(k string, vals [][]byte) {
			if want[k] {
				got[side].add(k, j.entry(h, vals))
			}
		})
	}
	if first != 0 {
		if err := read(ctx, first); err != nil {
			return got, err
		}
		return got, read(ctx, second)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return read(gctx, first) })
	g.Go(func() error { return read(gctx, second) })
	return got, g.Wait()
}

// currentDiff is the row difference a recheck found for one key, with values read now.
func (j *job) currentDiff(ctx context.Context, missing, extra []rowEntry, changed [][2]rowEntry) (RowDiff, error) {
	switch {
	case len(changed) > 0:
		ds, err := j.changedDiffs(ctx, changed[:1])
		if err != nil || len(ds) == 0 {
			return RowDiff{}, err
		}
		return ds[0], nil
	case len(missing) > 0:
		return j.newDiff(Missing, missing[0].key), nil
	default:
		return j.newDiff(Extra, extra[0].key), nil
	}
}

// lag asks Lag, if set; a failure to read it counts as unknown.
func (w *watcher) lag(ctx context.Context) (time.Duration, bool) {
	if w.opt.Lag == nil {
		return 0, false
	}
	lctx, cancel := context.WithTimeout(ctx, w.opt.Options.waits().limit)
	defer cancel()
	lag, ok, err := w.opt.Lag(lctx)
	if err != nil || !ok {
		if err != nil && w.opt.Logger != nil {
			w.warn("replication lag unknown", "err", err)
		}
		return 0, false
	}
	return lag, true
}

func (w *watcher) pending() int {
	n := 0
	for _, wt := range w.tables {
		for _, r := range wt.rows {
			if r.state == Pending {
				n++
			}
		}
	}
	return n
}

func (w *watcher) tableNames() []string {
	names := make([]string, 0, len(w.tables))
	for n := range w.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// collect lists the rows in drift and the unsettled ones in the result, by table and key.
func (w *watcher) collect() {
	w.res.Drift, w.res.Unsettled = nil, nil
	for _, name := range w.tableNames() {
		wt := w.tables[name]
		var rows []WatchedRow
		for _, r := range wt.rows {
			if r.state == Drift || r.state == Unsettled {
				rows = append(rows, WatchedRow{Table: name, Row: r.diff, State: r.state, Since: r.first, Rule: r.rule, Positions: r.at})
			}
		}
		slices.SortFunc(rows, func(a, b WatchedRow) int {
			return compareKeys(wt.job.st.KeyColumns(), a.Row.key, b.Row.key)
		})
		for _, r := range rows {
			if r.State == Drift {
				w.res.Drift = append(w.res.Drift, r)
			} else {
				w.res.Unsettled = append(w.res.Unsettled, r)
			}
		}
	}
}

func (w *watcher) emit(ev Event) {
	if w.opt.Events == nil {
		return
	}
	ev.Time, ev.Pass = time.Now(), w.res.Passes
	if ev.Lag == nil && w.lag0 != nil && ev.Kind != EventPass && ev.Kind != EventClean {
		ev.Lag = w.lag0 // each verdict carries the lag last observed
	}
	w.opt.Events(ev)
}

// warn logs a warning, if there is a Logger.
func (w *watcher) warn(msg string, args ...any) {
	if w.opt.Logger != nil {
		w.opt.Logger.Warn(msg, args...)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
