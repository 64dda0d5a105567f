package verify_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/dialect/mysql"
	"github.com/dbverify/dbverify/pkg/verify"
)

// slowDB is a real database whose streams deliver a row every delay, and stop after stopAfter
// rows (never, if 0); whose digests never answer when lockDigests is set (a table locked by
// another session: the server answers pings, not these queries).
type slowDB struct {
	*mysql.DB
	delay       time.Duration
	stopAfter   int
	lockDigests bool
}

func (s slowDB) Scan(ctx context.Context, q dialect.Query) (dialect.Rows, error) {
	rows, err := s.DB.Scan(ctx, q)
	if err != nil {
		return nil, err
	}
	return &slowRows{Rows: rows, ctx: ctx, db: s}, nil
}

func (s slowDB) Digest(ctx context.Context, q dialect.Query, l checksum.Layout) (checksum.Digest, error) {
	if s.lockDigests {
		<-ctx.Done()
		return checksum.Digest{}, ctx.Err()
	}
	return s.DB.Digest(ctx, q, l)
}

type slowRows struct {
	dialect.Rows
	ctx context.Context
	db  slowDB
	n   int
	err error
}

func (r *slowRows) Next() bool {
	r.n++
	wait := r.db.delay
	if r.db.stopAfter > 0 && r.n > r.db.stopAfter {
		wait = time.Hour
	}
	select {
	case <-time.After(wait):
	case <-r.ctx.Done():
		r.err = r.ctx.Err()
		return false
	}
	return r.Rows.Next()
}

func (r *slowRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}

// waitPair opens a table of n rows (key: "" for none, which makes one chunk that cannot be
// cut) on the shared MariaDB twice: the source through wrap, the target as it is.
func waitPair(t *testing.T, n int, key string, wrap func(*mysql.DB) dialect.DB) (src, tgt *verify.Endpoint) {
	t.Helper()
	db := testdb.MySQL(t)
	db.Exec(t, "CREATE TABLE w (id INT NOT NULL"+key+", v VARCHAR(10))",
		"INSERT INTO w SELECT seq, 'x' FROM seq_1_to_"+strconv.Itoa(n))
	d, err := mysql.Open(t.Context(), db.DSN, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	src = verify.NewEndpoint(verify.Source, wrap(d), "slow")
	tgt, err = verify.Open(t.Context(), verify.Target, db.DSN, verify.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return src, tgt
}

// TestWaitStream: a stream that keeps delivering rows is an answer, however long it runs in
// all; one that stops delivering them ends at the query timeout with a StallError naming what
// it waited for.
func TestWaitStream(t *testing.T) {
	src, tgt := waitPair(t, 12, "", func(d *mysql.DB) dialect.DB { return slowDB{DB: d, delay: 40 * time.Millisecond} })
	opt := verify.Options{Mode: verify.ModeStream, ChunkLimit: 150 * time.Millisecond, QueryTimeout: 150 * time.Millisecond}
	start := time.Now()
	rep, err := verify.Compare(t.Context(), src, tgt, opt)
	if err != nil || !rep.Identical() {
		t.Fatalf("a slow stream (12 rows, one every 40ms, 150ms bound): %v", err)
	}
	if took := time.Since(start); took < 480*time.Millisecond {
		t.Errorf("took %s: the stream was not slow", took)
	}

	src, tgt = waitPair(t, 12, "", func(d *mysql.DB) dialect.DB { return slowDB{DB: d, delay: time.Millisecond, stopAfter: 5} })
	start = time.Now()
	_, err = verify.Compare(t.Context(), src, tgt, opt)
	var stall *verify.StallError
	if !errors.As(err, &stall) || !strings.Contains(err.Error(), "source (slow) table w: no answer for 150ms to the rows query; stopped") {
		t.Errorf("a stream that stops: %v, want a StallError naming the source, the table and the query", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
}

// TestWaitChunkBudget: a server that answers pings but not the digests of a table (a lock)
// cannot keep a chunk halving: the parts of one chunk get the query timeout in all.
func TestWaitChunkBudget(t *testing.T) {
	src, tgt := waitPair(t, 4000, " PRIMARY KEY", func(d *mysql.DB) dialect.DB { return slowDB{DB: d, lockDigests: true} })
	start := time.Now()
	_, err := verify.Compare(t.Context(), src, tgt, verify.Options{Mode: verify.ModePushdown, ChunkRows: 4000,
		ChunkLimit: 100 * time.Millisecond, QueryTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "source (slow) table w: the chunk") ||
		!strings.Contains(err.Error(), "is still not hashed after 1s: its queries ran past the chunk limit 100ms again and again; stopped") {
		t.Errorf("%v, want the chunk given up on", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
}
