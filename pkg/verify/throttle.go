package verify

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Throttle slows a compare down for the sake of a production source: between chunks, it pauses
// while the source is busy or its replicas trail, and keeps to a rate. Zero fields check
// nothing. The checks read the source at most once a second.
type Throttle struct {
	// MaxRunning pauses while the source runs more statements at once than this: MySQL's
	// Threads_running, PostgreSQL's active backends (the compare's own among them).
	MaxRunning int64
	// MaxLag pauses while the source's replicas (or subscribers) trail it by more than this.
	MaxLag time.Duration
	// RowsPerSecond keeps the source rows hashed to this rate, on average since the start.
	RowsPerSecond int64
}

func (t Throttle) on() bool { return t.MaxRunning > 0 || t.MaxLag > 0 || t.RowsPerSecond > 0 }

// ThrottleProgress is implemented by a Progress that shows pauses: Paused is told why the
// compare pauses, and "" when it goes on.
type ThrottleProgress interface {
	Paused(reason string)
}

// throttler is one compare's throttle, shared by its tables.
type throttler struct {
	cfg   Throttle
	src   *Endpoint
	opt   Options
	start time.Time

	mu      sync.Mutex
	rows    int64     // source rows hashed so far
	checked time.Time // when the source was last read
	reason  string    // why to pause at that reading; "" for not
	warned  bool      // a failure to read the source's load was told
}

func newThrottler(src *Endpoint, opt Options) *throttler {
	if !opt.Throttle.on() {
		return nil
	}
	return &throttler{cfg: opt.Throttle, src: src, opt: opt, start: time.Now()}
}

// hashed counts source rows hashed, for the rate.
func (t *throttler) hashed(n int64) {
	if t != nil {
		t.mu.Lock()
		t.rows += n
		t.mu.Unlock()
	}
}

// wait blocks while a limit is passed and returns how long it paused. It reads the source's
// load under the compare's wait bounds; a source that cannot tell its load is not waited for
// (the first such failure is logged).
func (t *throttler) wait(ctx context.Context, table string) (time.Duration, error) {
	if t == nil {
		return 0, nil
	}
	start := time.Now()
	told := ""
	defer func() {
		if told != "" {
			if p, ok := t.opt.Progress.(ThrottleProgress); ok {
				p.Paused("")
			}
			t.opt.Logger.Info("throttle: going on", "table", table, "paused", time.Since(start).Round(time.Millisecond))
		}
	}()
	for {
		reason, pause := t.check(ctx)
		if reason == "" {
			if told == "" {
				return 0, nil // no pause: the check's own time is not one
			}
			return time.Since(start), nil
		}
		if reason != told {
			told = reason
			if p, ok := t.opt.Progress.(ThrottleProgress); ok {
				p.Paused(reason)
			}
			t.opt.Logger.Warn(fmt.Sprintf("%s table %s: pausing: %s", t.src, table, reason), "table", table, "reason", reason)
		}
		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return time.Since(start), context.Cause(ctx)
		case <-timer.C:
		}
	}
}

// check says why to pause now ("" for not) and for how long before looking again.
func (t *throttler) check(ctx context.Context) (string, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.RowsPerSecond > 0 {
		due := time.Duration(float64(t.rows) / float64(t.cfg.RowsPerSecond) * float64(time.Second))
		if ahead := due - time.Since(t.start); ahead > 0 {
			return fmt.Sprintf("at the rate limit of %d rows a second", t.cfg.RowsPerSecond), min(ahead, time.Second)
		}
	}
	if time.Since(t.checked) < time.Second {
		return t.reason, time.Second
	}
	t.checked, t.reason = time.Now(), ""
	b := bounded{e: t.src, w: t.opt.waits()}
	if t.cfg.MaxRunning > 0 {
		if l, ok := t.src.DB.(dialect.LoadReader); ok {
			var n int64
			err := b.do(ctx, "", "the count of running statements", func(ctx context.Context) (err error) {
				n, err = l.Running(ctx)
				return err
			})
			switch {
			case err != nil:
				t.warn(ctx, err)
			case n > t.cfg.MaxRunning:
				t.reason = fmt.Sprintf("the source runs %d statements at once, over the limit of %d", n, t.cfg.MaxRunning)
				return t.reason, time.Second
			}
		} else {
			t.warn(ctx, fmt.Errorf("%s cannot tell its running statements", t.src.DB.Engine()))
		}
	}
	if t.cfg.MaxLag > 0 {
		if l, ok := t.src.DB.(dialect.Lagger); ok {
			var lag time.Duration
			var known bool
			err := b.do(ctx, "", "the replication lag", func(ctx context.Context) (err error) {
				lag, known, err = l.ReplicaLag(ctx)
				return err
			})
			switch {
			case err != nil:
				t.warn(ctx, err)
			case known && lag > t.cfg.MaxLag:
				t.reason = fmt.Sprintf("the source's replicas trail by %s, over the limit of %s", lag.Round(time.Millisecond), t.cfg.MaxLag)
			}
		}
	}
	return t.reason, time.Second
}

func (t *throttler) warn(ctx context.Context, err error) {
	if !t.warned && ctx.Err() == nil {
		t.warned = true
		t.opt.Logger.Warn(fmt.Sprintf("%s: throttle: %v; not waiting for it", t.src, err))
	}
}
