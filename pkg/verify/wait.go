package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// Every wait for a server has a bound (DESIGN §6). Logins are bounded by the dialects (the
// DSN's timeout or connect_timeout, else ten seconds). Every request a compare makes
// goes through bounded, which gives it Options.QueryTimeout to answer: a query its result, a
// stream its next row. A server that stays silent longer stops the run with one line naming the
// side, the table and what it waited for. Hashing a chunk has its own, shorter bound
// (Options.ChunkLimit): a chunk that runs past it is cut in two, once both servers have
// answered a ping (see job.chunk), so that a stopped server is told from a long query.

// defaultQueryTimeout is Options.QueryTimeout's default: generous, since a key walk or a count
// on a large, busy table may take minutes, yet a bound.
const defaultQueryTimeout = 5 * time.Minute

// maxPing bounds a ping: a server that does not answer one in this long (or QueryTimeout, if
// shorter) is taken as stopped.
const maxPing = 30 * time.Second

// noticeAfter is how long a wait goes before it is told to the logger (or QueryTimeout/2, if
// shorter), so that a user is not left without a word.
const noticeAfter = 10 * time.Second

// waits are the bounds of one compare's waits for its servers.
type waits struct {
	limit   time.Duration // the longest silence of a server (Options.QueryTimeout)
	notice  time.Duration // a silence this long is logged
	log     *slog.Logger
	retries int           // transient failures a read is tried again after (Options.Retries)
	retried *atomic.Int64 // counts those retries; nil for none
}

// waits are the options' bounds; options not through withDefaults (Repair's, say) get the
// defaults.
func (o Options) waits() waits {
	w := waits{limit: o.QueryTimeout, log: o.Logger, retries: max(0, o.Retries)}
	if o.Retries == 0 {
		w.retries = defaultRetries
	}
	if w.limit <= 0 {
		w.limit = max(defaultQueryTimeout, o.ChunkLimit)
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.notice = min(noticeAfter, w.limit/2)
	return w
}

// StallError is a request to a server that got no answer within its bound. The run stops.
type StallError struct {
	Waited time.Duration // how long the server stayed silent
	What   string        // what was asked: "the chunk digest query (id after 1000 up to 2000)"
	Ping   time.Duration // if not zero, the server did not answer a ping within Ping either
}

func (e *StallError) Error() string {
	if e.Ping > 0 {
		return fmt.Sprintf("no answer for %s to %s, nor for %s to a ping; stopped", e.Waited, e.What, e.Ping)
	}
	return fmt.Sprintf("no answer for %s to %s; stopped", e.Waited, e.What)
}

// wait is one request to a server under way: a watchdog cancels it once the server has been
// silent for the bound, and logs a line once it has been silent for the notice time. A stream
// counts the rows it receives; each one is an answer.
type wait struct {
	w        waits
	e        *Endpoint
	table    string
	what     string
	started  time.Time
	received atomic.Int64
	cancel   context.CancelCauseFunc

	mu      sync.Mutex
	timer   *time.Timer
	seen    int64     // received when last checked
	moved   time.Time // when received last moved (or the request started)
	noticed bool
	stall   *StallError
	done    bool
}

// begin starts the watch of a request to e about table (empty for none); what says what is
// asked, for messages. The request runs in the returned context.
func (w waits) begin(ctx context.Context, e *Endpoint, table, what string) (context.Context, *wait) {
	ctx, cancel := context.WithCancelCause(ctx)
	now := time.Now()
	wt := &wait{w: w, e: e, table: table, what: what, started: now, moved: now, cancel: cancel}
	wt.mu.Lock()
	wt.timer = time.AfterFunc(wt.tick(), wt.check)
	wt.mu.Unlock()
	return ctx, wt
}

// tick is how often the watchdog looks: often enough to tell a silence of the bound within a
// quarter of it.
func (wt *wait) tick() time.Duration {
	return max(10*time.Millisecond, min(wt.w.limit, wt.w.notice)/4)
}

func (wt *wait) check() {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if wt.done {
		return
	}
	now := time.Now()
	if n := wt.received.Load(); n != wt.seen {
		wt.seen, wt.moved, wt.noticed = n, now, false
	}
	silent := now.Sub(wt.moved)
	if silent >= wt.w.limit {
		wt.stall = &StallError{Waited: wt.w.limit, What: wt.what}
		wt.cancel(wt.stall)
		return
	}
	if silent >= wt.w.notice && !wt.noticed {
		wt.noticed = true
		where := wt.e.String()
		if wt.table != "" {
			where += " table " + wt.table
		}
		wt.w.log.Warn(fmt.Sprintf("%s: no answer yet after %s to %s (stopping after %s)", where, wt.w.notice, wt.what, wt.w.limit),
			"side", wt.e.Side, "table", wt.table, "waiting_for", wt.what, "silent", silent)
	}
	wt.timer.Reset(wt.tick())
}

// finish ends the watch.
func (wt *wait) finish() {
	wt.mu.Lock()
	wt.done = true
	wt.timer.Stop()
	wt.mu.Unlock()
	wt.cancel(nil)
}

// explain turns the error a request ended with into what happened: the server's silence, or
// the end of the caller's context (an overall timeout: its cause, with what was waited for).
func (wt *wait) explain(parent context.Context, err error) error {
	if err == nil {
		return nil
	}
	wt.mu.Lock()
	stall := wt.stall
	wt.mu.Unlock()
	if stall != nil {
		return stall
	}
	if parent.Err() != nil {
		cause := context.Cause(parent)
		switch {
		case errors.Is(cause, errChunkLimit):
		case errors.Is(cause, context.Canceled):
			if !errors.Is(err, context.Canceled) {
				// The driver says how the cancel reached it (a connection closed under the
				// query, "bad connection"); the cause is the caller's cancel.
				return fmt.Errorf("%w (%v)", context.Canceled, err)
			}
		default:
			return fmt.Errorf("%w while waiting %s for %s; stopped", cause, time.Since(wt.started).Round(time.Millisecond), wt.what)
		}
	}
	return err
}

// defaultRetries is Options.Retries's default: with the backoff, about a minute of tries, what
// a failover of a managed database takes.
const defaultRetries = 8

// retry runs fn, a read of db (named where, about table, asking what) that starts afresh each
// time, and again after each transient failure, up to w.retries times, waiting longer each time:
// 250ms, doubled up to 15s, with jitter. A failure the retries did not cure is returned wrapped
// in a retriedError, which no enclosing retry tries again.
func (w waits) retry(ctx context.Context, dbs []dialect.DB, where, table, what string, fn func() error) error {
	if table != "" {
		where += " table " + table
	}
	if where != "" {
		where += ": "
	}
	if what != "" {
		what = " (" + what + ")"
	}
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !transient(ctx, dbs, err) {
			return err
		}
		if attempt >= w.retries {
			if attempt == 0 {
				return err
			}
			return &retriedError{err: err, tries: attempt + 1}
		}
		if w.retried != nil {
			w.retried.Add(1)
		}
		pause := min(250*time.Millisecond<<attempt, 15*time.Second)
		pause += time.Duration(rand.Int64N(int64(pause / 4)))
		w.log.Warn(fmt.Sprintf("%s%v%s; trying again in %s (%d of %d)", where, err, what, pause.Round(time.Millisecond), attempt+1, w.retries),
			"table", table, "attempt", attempt+1)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// transient reports whether err, from a read of one of dbs, is worth trying again: the server
// or the network failed it, not the caller's context, not a stall, not a failure already
// retried.
func transient(ctx context.Context, dbs []dialect.DB, err error) bool {
	var stall *StallError
	var retried *retriedError
	if ctx.Err() != nil || errors.As(err, &stall) || errors.As(err, &retried) {
		return false
	}
	for _, db := range dbs {
		if r, ok := db.(dialect.Retrier); ok && r.Transient(err) {
			return true
		}
	}
	return false
}

// retriedError is a transient failure that came back on every try.
type retriedError struct {
	err   error
	tries int
}

func (e *retriedError) Error() string { return fmt.Sprintf("%v (failed %d times)", e.err, e.tries) }
func (e *retriedError) Unwrap() error { return e.err }

// errChunkLimit is the cause of a chunk's hashing context ending at Options.ChunkLimit.
var errChunkLimit = errors.New("the chunk ran past its time limit")

// bounded is one side's database with every request under the compare's wait bounds. Its
// errors are those of the database, or a *StallError; callers add the side and the table.
type bounded struct {
	e *Endpoint
	w waits
}

// again runs fn, a step of the work on a table that starts afresh each time and records nothing
// before it succeeds (hashing a chunk on both sides, reading a range's rows), and again after a
// transient failure of either side that the request's own retries did not see (a stream
// broken after its first rows).
func (j *job) again(ctx context.Context, what string, fn func() error) error {
	return j.waits.retry(ctx, []dialect.DB{j.src.DB, j.tgt.DB}, "", "", what, fn) // the error names its side and table
}

// on is side e's database under the job's bounds.
func (j *job) on(e *Endpoint) bounded { return bounded{e: e, w: j.waits} }

// do runs fn, one request to the server about table, under the bounds, and again after a
// transient failure.
func (b bounded) do(ctx context.Context, table, what string, fn func(context.Context) error) error {
	return b.w.retry(ctx, []dialect.DB{b.e.DB}, b.e.String(), table, what, func() error {
		wctx, wt := b.w.begin(ctx, b.e, table, what)
		err := fn(wctx)
		wt.finish()
		return wt.explain(ctx, err)
	})
}

// name is t as messages name it on this side.
func (b bounded) name(t *dialect.Table) string { return b.e.tableName(t) }

// Tables implements the request of dialect.DB.
func (b bounded) Tables(ctx context.Context) (names []string, err error) {
	err = b.do(ctx, "", "the list of tables", func(ctx context.Context) error {
		names, err = b.e.DB.Tables(ctx)
		return err
	})
	return names, err
}

// Table implements the request of dialect.DB.
func (b bounded) Table(ctx context.Context, name string) (t *dialect.Table, err error) {
	err = b.do(ctx, name, "the description of the table", func(ctx context.Context) error {
		t, err = b.e.DB.Table(ctx, name)
		return err
	})
	return t, err
}

// EstimateRows implements the request of dialect.DB.
func (b bounded) EstimateRows(ctx context.Context, t *dialect.Table) (n int64, err error) {
	err = b.do(ctx, b.name(t), "the row estimate query", func(ctx context.Context) error {
		n, err = b.e.DB.EstimateRows(ctx, t)
		return err
	})
	return n, err
}

// CountRows implements the request of dialect.DB.
func (b bounded) CountRows(ctx context.Context, q dialect.Query) (n int64, err error) {
	err = b.do(ctx, b.name(q.Table), "the row count query"+rangeText(q), func(ctx context.Context) error {
		n, err = b.e.DB.CountRows(ctx, q)
		return err
	})
	return n, err
}

// KeyBounds implements chunker.KeyReader.
func (b bounded) KeyBounds(ctx context.Context, q dialect.Query) (lo, hi dialect.Key, ok bool, err error) {
	err = b.do(ctx, b.name(q.Table), "the key bounds query"+rangeText(q), func(ctx context.Context) error {
		lo, hi, ok, err = b.e.DB.KeyBounds(ctx, q)
		return err
	})
	return lo, hi, ok, err
}

// KeyAfter implements chunker.KeyReader.
func (b bounded) KeyAfter(ctx context.Context, q dialect.Query, skip int) (k dialect.Key, ok bool, err error) {
	err = b.do(ctx, b.name(q.Table), "the key walk query"+rangeText(q), func(ctx context.Context) error {
		k, ok, err = b.e.DB.KeyAfter(ctx, q, skip)
		return err
	})
	return k, ok, err
}

// Digest implements the request of dialect.Pushdown.
func (b bounded) Digest(ctx context.Context, q dialect.Query, l checksum.Layout) (d checksum.Digest, err error) {
	err = b.do(ctx, b.name(q.Table), "the chunk digest query"+rangeText(q), func(ctx context.Context) error {
		d, err = b.e.DB.(dialect.Pushdown).Digest(ctx, q, l)
		return err
	})
	return d, err
}

// GroupDigests implements the request of dialect.Pushdown.
func (b bounded) GroupDigests(ctx context.Context, q dialect.Query, l checksum.Layout, width int64) (gs []dialect.GroupDigest, err error) {
	err = b.do(ctx, b.name(q.Table), "the group digests query"+rangeText(q), func(ctx context.Context) error {
		gs, err = b.e.DB.(dialect.Pushdown).GroupDigests(ctx, q, l, width)
		return err
	})
	return gs, err
}

// References implements the request of dialect.Referencer.
func (b bounded) References(ctx context.Context, ref dialect.Referencer, t *dialect.Table) (names []string, err error) {
	err = b.do(ctx, b.name(t), "the foreign keys query", func(ctx context.Context) error {
		names, err = ref.References(ctx, t)
		return err
	})
	return names, err
}

// Ping asks the server to answer, within maxPing (or the bound, if shorter); a server that
// cannot be pinged counts as answering.
func (b bounded) Ping(ctx context.Context) error {
	p, ok := b.e.DB.(dialect.Pinger)
	if !ok {
		return nil
	}
	w := b.w
	w.limit = min(w.limit, maxPing)
	return bounded{e: b.e, w: w}.do(ctx, "", "a ping", p.Ping)
}

// Scan implements the request of dialect.DB.
func (b bounded) Scan(ctx context.Context, q dialect.Query) (dialect.Rows, error) {
	return openStream(ctx, b, b.name(q.Table), "the rows query"+rangeText(q), func(ctx context.Context) (dialect.Rows, error) {
		return b.e.DB.Scan(ctx, q)
	}, func(rows dialect.Rows, wt *wait) dialect.Rows { return &waitedRows{Rows: rows, wt: wt, parent: ctx} })
}

// Lookup implements the request of dialect.DB.
func (b bounded) Lookup(ctx context.Context, q dialect.Query, keys []dialect.Key) (dialect.Rows, error) {
	return openStream(ctx, b, b.name(q.Table), fmt.Sprintf("the lookup of %d rows by key", len(keys)), func(ctx context.Context) (dialect.Rows, error) {
		return b.e.DB.Lookup(ctx, q, keys)
	}, func(rows dialect.Rows, wt *wait) dialect.Rows { return &waitedRows{Rows: rows, wt: wt, parent: ctx} })
}

// RowHashes implements the request of dialect.Pushdown.
func (b bounded) RowHashes(ctx context.Context, q dialect.Query, l checksum.Layout) (dialect.HashRows, error) {
	return openStream(ctx, b, b.name(q.Table), "the row hashes query"+rangeText(q), func(ctx context.Context) (dialect.HashRows, error) {
		return b.e.DB.(dialect.Pushdown).RowHashes(ctx, q, l)
	}, func(rows dialect.HashRows, wt *wait) dialect.HashRows {
		return &waitedHashRows{HashRows: rows, wt: wt, parent: ctx}
	})
}

// openStream opens a stream of rows under the bounds, and again after a transient failure to
// open it; wrap puts the open stream under its wait, which each row answers.
func openStream[R any](ctx context.Context, b bounded, table, what string, open func(context.Context) (R, error), wrap func(R, *wait) R) (R, error) {
	var out R
	err := b.w.retry(ctx, []dialect.DB{b.e.DB}, b.e.String(), table, what, func() error {
		wctx, wt := b.w.begin(ctx, b.e, table, what)
		rows, err := open(wctx)
		if err != nil {
			wt.finish()
			return wt.explain(ctx, err)
		}
		out = wrap(rows, wt)
		return nil
	})
	return out, err
}

// waitedRows are a stream whose every row is an answer to its wait.
type waitedRows struct {
	dialect.Rows
	wt     *wait
	parent context.Context
}

func (r *waitedRows) Next() bool {
	if r.Rows.Next() {
		r.wt.received.Add(1)
		return true
	}
	return false
}

func (r *waitedRows) Err() error { return r.wt.explain(r.parent, r.Rows.Err()) }

func (r *waitedRows) Close() {
	r.Rows.Close()
	r.wt.finish()
}

// waitedHashRows are waitedRows of keys and hashes.
type waitedHashRows struct {
	dialect.HashRows
	wt     *wait
	parent context.Context
}

func (r *waitedHashRows) Next() bool {
	if r.HashRows.Next() {
		r.wt.received.Add(1)
		return true
	}
	return false
}

func (r *waitedHashRows) Err() error { return r.wt.explain(r.parent, r.HashRows.Err()) }

func (r *waitedHashRows) Close() {
	r.HashRows.Close()
	r.wt.finish()
}

// rangeText is q's key range for messages: " (id after 1000 up to 2000)", or "" for the whole
// table.
func rangeText(q dialect.Query) string {
	if q.Table == nil || len(q.Table.Key) == 0 || q.Range.Lo == nil && q.Range.Hi == nil {
		return ""
	}
	names := strings.Join(q.Table.KeyNames(), ",")
	key := func(k dialect.Key) string {
		parts := make([]string, len(k))
		for i, v := range k {
			parts[i] = dialect.FormatValue(v, 40)
		}
		return strings.Join(parts, ",")
	}
	switch {
	case q.Range.Lo == nil:
		return fmt.Sprintf(" (%s up to %s)", names, key(q.Range.Hi))
	case q.Range.Hi == nil:
		return fmt.Sprintf(" (%s after %s)", names, key(q.Range.Lo))
	}
	return fmt.Sprintf(" (%s after %s up to %s)", names, key(q.Range.Lo), key(q.Range.Hi))
}
