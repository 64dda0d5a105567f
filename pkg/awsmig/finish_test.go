package awsmig_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// runner opens the state and returns a runner on the fixture's cloud; close the state after.
func (f *fixture) runner(t *testing.T, s *awsmig.Spec, opt awsmig.Options) (*awsmig.Runner, *awsmig.StateFile) {
	t.Helper()
	st, err := awsmig.OpenState(f.statePath(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := awsmig.NewRunner(s, f.cloud.Clients(s.Region, s.Target.Region), st, opt)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return r, st
}

// finishAndCleanup runs migrate finish, then migrate cleanup --yes.
func (f *fixture) finishAndCleanup(t *testing.T, s *awsmig.Spec) (items []string, err error) {
	t.Helper()
	r, st := f.runner(t, s, awsmig.Options{})
	defer st.Close()
	if _, err := r.Finish(t.Context()); err != nil {
		return nil, err
	}
	plan, _, err := r.CleanupPlan(t.Context())
	if err != nil {
		return nil, err
	}
	for _, it := range plan {
		items = append(items, it.String())
	}
	return items, r.Cleanup(t.Context(), plan)
}

// checkCleaned checks the end of finish and cleanup on a dms.create run: the task, endpoints,
// instance and snapshots gone, the old source gone with its final snapshot kept, the target
// and its record untouched.
func (f *fixture) checkCleaned(t *testing.T) {
	t.Helper()
	c := f.cloud
	if c.Task("dbv-orders-enc") != nil {
		t.Error("task not deleted")
	}
	if c.Endpoint(region, "dbv-orders-enc-source") != nil || c.Endpoint(region, "dbv-orders-enc-target") != nil {
		t.Error("endpoints not deleted")
	}
	if st, _ := c.ReplicationInstance(region, "dbv-orders-enc-rep"); st != "" && st != "deleting" {
		t.Errorf("replication instance %s", st)
	}
	for _, id := range []string{"dbv-orders-enc-source", "dbv-orders-enc-encrypted"} {
		if c.Snapshot(region, id) != nil {
			t.Errorf("snapshot %s not deleted", id)
		}
	}
	if in := c.Instance(region, "orders"); in != nil && in.Status != "deleting" {
		t.Errorf("old source: %+v", in)
	}
	if fs := c.Snapshot(region, "dbv-orders-enc-final"); fs == nil || fs.Status != "available" || fs.Source != "orders" {
		t.Errorf("final snapshot: %+v", fs)
	}
	if in := c.Instance(region, "orders-enc"); in == nil || in.Status != "available" {
		t.Errorf("target: %+v", in)
	}
	if v, _ := c.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != targetDNS {
		t.Errorf("record: %s", v)
	}
	if n := c.Calls("DeleteDBInstance"); n != 1 {
		t.Errorf("DeleteDBInstance called %d times", n)
	}
}

// TestFinishCleanup: finish and cleanup refuse before the cutover; finish stops the task;
// cleanup lists, then deletes, only what the run created and tagged, then the old source with
// a final snapshot.
func TestFinishCleanup(t *testing.T) {
	f := newFixture(t)
	s := f.createSpec(t)
	if _, err := f.apply(t, s, awsmig.Options{}); err != nil {
		t.Fatal(err)
	}
	r, st := f.runner(t, s, awsmig.Options{})
	if _, err := r.Finish(t.Context()); !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), "finish: the cutover is not done") {
		t.Errorf("finish before the cutover: %v", err)
	}
	if _, _, err := r.CleanupPlan(t.Context()); !errors.Is(err, awsmig.ErrInvalid) {
		t.Errorf("cleanup before the cutover: %v", err)
	}
	st.Close()
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	r, st = f.runner(t, s, awsmig.Options{})
	if _, _, err := r.CleanupPlan(t.Context()); err == nil || !strings.Contains(err.Error(), "run `dbverify migrate finish` first") {
		t.Errorf("cleanup before finish: %v", err)
	}
	note, err := r.Finish(t.Context())
	if err != nil || note != "task dbv-orders-enc stopped" || f.cloud.Task("dbv-orders-enc").Status != "stopped" {
		t.Fatalf("finish: %q, %v", note, err)
	}
	if note, err := r.Finish(t.Context()); err != nil || f.cloud.Calls("StopReplicationTask") != 1 {
		t.Errorf("finish again: %q, %v", note, err)
	}
	// Something of this migration's names that it did not create stays.
	f.cloud.AddSnapshot(region, "dbv-orders-enc-encrypted-x", "orders", "available")
	items, kept, err := r.CleanupPlan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.String())
	}
	want := []string{
		"DMS task dbv-orders-enc (eu-west-1)",
		"DMS endpoint dbv-orders-enc-source (eu-west-1)",
		"DMS endpoint dbv-orders-enc-target (eu-west-1)",
		"DMS replication instance dbv-orders-enc-rep (eu-west-1)",
		"DB snapshot dbv-orders-enc-source (eu-west-1)",
		"DB snapshot dbv-orders-enc-encrypted (eu-west-1)",
		"DB instance orders (eu-west-1), the old source; RDS takes final snapshot dbv-orders-enc-final first",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("cleanup plan:\n%s\nwant:\n%s\nkept: %v", strings.Join(got, "\n"), strings.Join(want, "\n"), kept)
	}
	if err := r.Cleanup(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	st.Close()
	f.checkCleaned(t)
	if f.cloud.Snapshot(region, "dbv-orders-enc-encrypted-x") == nil {
		t.Error("deleted a snapshot the migration did not create")
	}
	after := f.state(t).After
	if after == nil || after.TaskStopped.IsZero() || after.FinalSnapshot != "dbv-orders-enc-final" || len(after.Deleted) != len(want) {
		t.Errorf("state: %+v", after)
	}
	// Run again: nothing left to delete.
	r, st = f.runner(t, s, awsmig.Options{})
	defer st.Close()
	if items, _, err := r.CleanupPlan(t.Context()); err != nil || len(items) != 0 {
		t.Errorf("cleanup again: %v, %v", items, err)
	}
}

// TestCleanupKeepsUntagged: the spec's own DMS resources (no dms.create) are never deleted; an
// untagged task of the migration's name is kept.
func TestCleanupKeepsUntagged(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	r, st := f.runner(t, s, awsmig.Options{})
	defer st.Close()
	if _, err := r.Finish(t.Context()); err != nil {
		t.Fatal(err)
	}
	items, kept, err := r.CleanupPlan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if strings.Contains(it.Kind, "endpoint") || strings.Contains(it.Kind, "replication instance") {
			t.Errorf("would delete %s, which the spec names", it)
		}
	}
	if !strings.Contains(strings.Join(kept, "\n"), "DMS replication instance and endpoints: given in the spec") {
		t.Errorf("kept: %v", kept)
	}
}

// TestKillFinishCleanup: finish and cleanup killed right after any AWS call took effect (the
// state file as it was then) resume without repeating a delete and end as a clean run does.
func TestKillFinishCleanup(t *testing.T) {
	f0 := newFixture(t)
	s0 := f0.createSpec(t)
	if _, err := f0.apply(t, s0, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	before := f0.cloud.AllCalls()
	if _, err := f0.finishAndCleanup(t, s0); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for op, n := range f0.cloud.AllCalls() {
		for i := before[op] + 1; i <= n; i++ {
			ops = append(ops, fmt.Sprintf("%s#%d", op, i))
		}
	}
	sort.Strings(ops)
	for _, oi := range ops {
		t.Run(oi, func(t *testing.T) {
			op, n, _ := strings.Cut(oi, "#")
			var i int
			fmt.Sscan(n, &i)
			f := newFixture(t)
			s := f.createSpec(t)
			if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
				t.Fatal(err)
			}
			var saved []byte
			f.cloud.OnCrash(func() { saved, _ = os.ReadFile(f.statePath()) })
			f.cloud.CrashAfter(op, i)
			if _, err := f.finishAndCleanup(t, s); !errors.Is(err, awsmigtest.ErrCrash) {
				t.Fatalf("first run: %v, want the crash", err)
			}
			if err := os.WriteFile(f.statePath(), saved, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := f.finishAndCleanup(t, s); err != nil {
				t.Fatalf("resume: %v", err)
			}
			f.checkCleaned(t)
			for _, del := range []string{"DeleteReplicationTask", "DeleteEndpoint", "DeleteReplicationInstance", "DeleteDBSnapshot", "StopReplicationTask"} {
				if got, want := f.cloud.Calls(del), f0.cloud.Calls(del); got != want {
					t.Errorf("%s called %d times, a clean run %d", del, got, want)
				}
			}
		})
	}
}

// TestTTLStep: `migrate ttl` lowers the TTL and records when; the cutover refuses until the
// old TTL has passed since (or dns.drain), unless forced, and then does not lower it again.
func TestTTLStep(t *testing.T) {
	f := newFixture(t)
	f.vars["Extra"] = ""
	s := f.spec(t)
	s.DNS.Drain = time.Hour // resolvers may hold the old value an hour
	if _, err := f.apply(t, s, awsmig.Options{}); err != nil {
		t.Fatal(err)
	}
	r, st := f.runner(t, s, awsmig.Options{})
	note, err := r.LowerTTL(t.Context())
	st.Close()
	if err != nil || !strings.Contains(note, "db.example.com CNAME: TTL 60s (was 300s) since") {
		t.Fatalf("ttl: %q, %v", note, err)
	}
	if v, ttl := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS || ttl != 60 {
		t.Errorf("record after ttl: %s %d", v, ttl)
	}
	ds := f.state(t).DNS
	if ds == nil || !ds.TTLLowered || ds.TTLLoweredAt.IsZero() || ds.OriginalTTL != 300 {
		t.Errorf("state: %+v", ds)
	}
	_, err = f.apply(t, s, awsmig.Options{Cutover: true})
	if !errors.Is(err, awsmig.ErrTTLNotExpired) || !strings.Contains(err.Error(), "cutover: db.example.com CNAME: the old TTL has not expired since it was lowered: the TTL was lowered from 300s at") || !strings.Contains(err.Error(), "or use --force") {
		t.Fatalf("cutover before the TTL expired: %v", err)
	}
	if v, _ := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS {
		t.Fatal("cut over anyway")
	}
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	if n := f.cloud.Calls("ChangeResourceRecordSets"); n != 2 {
		t.Errorf("%d record changes, want the TTL and the cutover", n)
	}
	f.checkEnd(t)
}

// quiet is a WriteChecker that says what it is told.
type quiet struct {
	stopped bool
	calls   int
}

func (q *quiet) WritesStopped(_ context.Context, settle time.Duration) (bool, string, error) {
	q.calls++
	if q.stopped {
		return true, "the source is read-only (read_only=ON)", nil
	}
	return false, "Com_insert+Com_update+Com_delete moved by 12 in " + settle.String(), nil
}

// TestWritesNotStopped: a run that is to cut over checks that writes to the source stopped
// before the gate, and refuses while they have not, unless forced; a run without the cutover
// does not check (CDC is still catching up).
func TestWritesNotStopped(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	q := &quiet{}
	if _, err := f.apply(t, s, awsmig.Options{Writes: q}); err != nil || q.calls != 0 {
		t.Fatalf("without --cutover: %v, %d checks", err, q.calls)
	}
	gate := &cleanGate{}
	_, err := f.apply(t, s, awsmig.Options{Cutover: true, Writes: q, Gate: gate})
	if !errors.Is(err, awsmig.ErrWritesNotStopped) || gate.count() != 0 ||
		err.Error() != "gate: source: writes to the source have not stopped (Com_insert+Com_update+Com_delete moved by 12 in 2m0s): stop the application's writes (or make the source read-only) before the cutover, or use --force" {
		t.Fatalf("writes going on: %v (gate passes %d)", err, gate.count())
	}
	if v, _ := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS {
		t.Fatal("cut over anyway")
	}
	var progress []string
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true, Writes: q, Force: true, Progress: func(step, msg string) { progress = append(progress, msg) }}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "WARNING: writes to the source not checked (--force)") || q.calls != 1 {
		t.Errorf("no warning: %v", progress)
	}
	f.checkEnd(t)

	f = newFixture(t)
	q = &quiet{stopped: true}
	if _, err := f.apply(t, f.spec(t), awsmig.Options{Cutover: true, Writes: q}); err != nil || q.calls != 1 {
		t.Fatalf("read-only source: %v, %d checks", err, q.calls)
	}
}

// TestKillTTL: migrate ttl killed right after any AWS call took effect resumes without
// changing the record twice, with the original TTL recorded.
func TestKillTTL(t *testing.T) {
	f0 := newFixture(t)
	s0 := f0.spec(t)
	r0, st0 := f0.runner(t, s0, awsmig.Options{})
	if _, err := r0.LowerTTL(t.Context()); err != nil {
		t.Fatal(err)
	}
	st0.Close()
	for op, n := range f0.cloud.AllCalls() {
		for i := 1; i <= n; i++ {
			t.Run(fmt.Sprintf("%s#%d", op, i), func(t *testing.T) {
				f := newFixture(t)
				s := f.spec(t)
				var saved []byte
				f.cloud.OnCrash(func() { saved, _ = os.ReadFile(f.statePath()) })
				f.cloud.CrashAfter(op, i)
				r, st := f.runner(t, s, awsmig.Options{})
				if _, err := r.LowerTTL(t.Context()); !errors.Is(err, awsmigtest.ErrCrash) {
					t.Fatalf("first run: %v", err)
				}
				st.Close()
				if saved == nil {
					os.Remove(f.statePath())
				} else if err := os.WriteFile(f.statePath(), saved, 0o600); err != nil {
					t.Fatal(err)
				}
				r, st = f.runner(t, s, awsmig.Options{})
				defer st.Close()
				if _, err := r.LowerTTL(t.Context()); err != nil {
					t.Fatalf("resume: %v", err)
				}
				ds := f.state(t).DNS
				if v, ttl := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS || ttl != 60 || ds == nil || !ds.TTLLowered || ds.OriginalTTL != 300 || ds.OriginalValue != sourceDNS {
					t.Errorf("record %s TTL %d, state %+v", v, ttl, ds)
				}
				if n := f.cloud.Calls("ChangeResourceRecordSets"); n != 1 {
					t.Errorf("%d record changes", n)
				}
			})
		}
	}
}
