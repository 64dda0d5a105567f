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
	// Drift: the source row stayed unchanged for the settle time (at least the observed lag)
	// and the target's still differs. Replication will not fix it.
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
	// Settle is how long a pending row's source must stay unchanged, with its target still
	// differing, before the row is drift; 0 means 1m. It is raised to the lag Lag observes.
	Settle time.Duration
	// PendingLimit is how long a row whose source keeps changing stays pending before it is
	// reported unsettled; 0 means 10m.
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
	Since time.Time `json:"since"` // first seen differing
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
// sides (point lookups, not another pass) every Interval: a row that matches is resolved; a row
// whose source stays unchanged for Settle (at least the observed lag) while its target still
// differs is drift; a row whose source keeps changing stays pending, up to PendingLimit. Once
// no row is pending, the next full pass follows (after Every, or at once with UntilClean).
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
}

// pass runs a full compare and brings the watched rows in line with it.
func (w *watcher) pass(ctx context.Context) error {
	w.lag0 = nil // a pass can take hours: the last recheck's lag says nothing of its verdicts
	rep, err := Compare(ctx, w.src, w.tgt, w.opt.Options)
	if err != nil {
		return err
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
					r.state, r.first, r.seen = Pending, now, false // watched afresh
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
	w.emit(Event{Kind: EventPass, Report: rep, Pending: w.pending(), Untracked: untracked})
	if w.res.Clean {
		w.emit(Event{Kind: EventClean})
	}
	return nil
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
	w.emit(Event{Kind: EventResolved, Table: table, Row: &d, Since: r.first})
}

// settle rechecks the pending rows every Interval until none is pending.
func (w *watcher) settle(ctx context.Context) error {
	for w.pending() > 0 {
		if err := sleep(ctx, w.opt.Interval); err != nil {
			return err
		}
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
		ev := Event{Kind: EventRecheck, Rows: n, Pending: w.pending()}
		if known {
			ev.Lag = &lag
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
	got, err := j.readBoth(ctx, keys)
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
			r.sig, r.seen, r.stable = sig, true, now
		}
		switch {
		case now.Sub(r.stable) >= settle:
			d, err := j.currentDiff(ctx, missing, extra, changed)
			if err != nil {
				return 0, err
			}
			r.diff, r.state = d, Drift
			w.emit(Event{Kind: EventDrift, Table: name, Row: &d, Since: r.first})
		case now.Sub(r.first) >= w.opt.PendingLimit:
			r.state = Unsettled
			d := r.diff
			w.emit(Event{Kind: EventUnsettled, Table: name, Row: &d, Since: r.first})
		}
	}
	return len(keys), nil
}

// readBoth reads the rows of keys on both sides at once, each side's by framed key. Rows a
// lookup returns under a collation only (another case, trailing spaces) are left out.
func (j *job) readBoth(ctx context.Context, keys []dialect.Key) ([2]entries, error) {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[string(checksum.AppendRow(nil, k))] = true
	}
	got := [2]entries{{}, {}}
	g, gctx := errgroup.WithContext(ctx)
	for side := range 2 {
		e, t, cols := j.side(side)
		g.Go(func() error {
			h := j.hashers.Get().(*checksum.Hasher)
			defer j.hashers.Put(h)
			return j.lookup(gctx, e, t, cols, keys, func(k string, vals [][]byte) {
				if want[k] {
					got[side].add(k, j.entry(h, vals))
				}
			})
		})
	}
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
			w.opt.Logger.Warn("replication lag unknown", "err", err)
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
				rows = append(rows, WatchedRow{Table: name, Row: r.diff, State: r.state, Since: r.first})
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
