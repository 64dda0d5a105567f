package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestSignals: SIGINT and SIGTERM stop a run that is waiting for a server, at once, with one
// line saying why and the exit codes shells give a command a signal ended: 130 and 143, not
// the failure code 3.
func TestSignals(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dbverify")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := testdb.StartMariaDB(t)
	db := srv.New(t)
	db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	srv.Freeze(t) // every query waits: the run is busy when the signal comes
	defer srv.Thaw()
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		says string
	}{
		{syscall.SIGINT, 130, "interrupted (SIGINT); stopped"},
		{syscall.SIGTERM, 143, "terminated (SIGTERM); stopped"},
	} {
		cmd := exec.Command(bin, "compare", "--source", db.DSN, "--target", db.DSN)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		sent := time.Now()
		cmd.Process.Signal(c.sig)
		err := cmd.Wait()
		took := time.Since(sent)
		code := cmd.ProcessState.ExitCode()
		if code != c.code || !strings.Contains(stderr.String(), c.says) || took > 5*time.Second {
			t.Errorf("%v: exit %d after %s (%v), stderr %q; want %d at once, saying %q", c.sig, code, took, err, stderr.String(), c.code, c.says)
		}
	}
}

// TestKillResume: a compare killed with SIGKILL at random points, again and again, and each
// time resumed from its checkpoint, ends with the report of an uninterrupted run: the same
// fingerprints, counts and differing rows.
func TestKillResume(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dbverify")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))",
			"INSERT INTO t SELECT seq, CONCAT('value ', seq) FROM seq_1_to_20000")
	}
	tgt.Exec(t, "UPDATE t SET v = 'edited' WHERE id % 997 = 5", "DELETE FROM t WHERE id % 1999 = 7")
	args := []string{"compare", "--source", src.DSN, "--target", tgt.DSN, "--chunk-rows", "200", "--workers", "1", "-o", "json"}
	began := time.Now()
	want := runJSON(t, exec.Command(bin, args...))
	whole := time.Since(began) // each run is killed at a random point of a run this long

	cp := filepath.Join(t.TempDir(), "cp.jsonl")
	r := rand.New(rand.NewPCG(11, 12))
	killed := 0
	for run := 0; ; run++ {
		if run == 100 {
			t.Fatalf("not finished after %d kills", killed)
		}
		a := append(slices.Clone(args), "--checkpoint", cp)
		if run > 0 {
			a = append(a, "--resume")
		}
		cmd := exec.Command(bin, a...)
		var out, errw bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Later runs get a little longer, so that a run whose start-up alone is most of its
		// time still finishes chunks.
		after := time.Duration((0.1+0.4*r.Float64())*float64(whole)) + time.Duration(run)*whole/50
		timer := time.AfterFunc(max(20*time.Millisecond, after), func() { cmd.Process.Kill() })
		cmd.Wait()
		timer.Stop()
		if code := cmd.ProcessState.ExitCode(); code == 1 || code == 0 {
			got := decodeReport(t, out.Bytes())
			if killed < 3 {
				t.Fatalf("finished after %d kills: make the compare slower or kill sooner", killed)
			}
			if len(want.Tables) != 1 || want.Tables[0].SourceFingerprint == "" || int64(len(want.Tables[0].Diffs)) != want.Tables[0].Missing+want.Tables[0].Changed || want.Tables[0].Missing == 0 {
				t.Fatalf("the uninterrupted report: %+v", want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after %d kills and resumes:\n%+v\nwant\n%+v", killed, got, want)
			}
			t.Logf("the same report after %d kills", killed)
			return
		} else if code != -1 {
			t.Fatalf("run %d: exit %d: %s", run, code, errw.String())
		}
		killed++
	}
}

// report is what must not change between an uninterrupted run and a resumed one.
type report struct {
	Identical bool
	Tables    []struct {
		Source                  string
		SourceFingerprint       string `json:"source_fingerprint"`
		TargetFingerprint       string `json:"target_fingerprint"`
		SourceRows              int64  `json:"source_rows"`
		TargetRows              int64  `json:"target_rows"`
		Missing, Extra, Changed int64
		Diffs                   []json.RawMessage
	}
}

func decodeReport(t *testing.T, b []byte) report {
	t.Helper()
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	return r
}

func runJSON(t *testing.T, cmd *exec.Cmd) report {
	t.Helper()
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return decodeReport(t, out)
}

// TestGentleStop: a compare with a checkpoint stopped by SIGINT lets its chunks under way finish
// into the checkpoint, says so, and exits 130; the resumed run gives the uninterrupted report.
func TestGentleStop(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dbverify")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))",
			"INSERT INTO t SELECT seq, CONCAT('value ', seq) FROM seq_1_to_20000")
	}
	tgt.Exec(t, "UPDATE t SET v = 'edited' WHERE id % 997 = 5")
	args := []string{"compare", "--source", src.DSN, "--target", tgt.DSN, "--chunk-rows", "500", "--workers", "1", "-o", "json"}
	want := runJSON(t, exec.Command(bin, args...))

	cp := filepath.Join(t.TempDir(), "cp.jsonl")
	// --max-rate makes the run last about 10s: the signal comes in the middle of it.
	cmd := exec.Command(bin, append(slices.Clone(args), "--checkpoint", cp, "--max-rate", "2000")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	took := time.Since(sent)
	if code := cmd.ProcessState.ExitCode(); code != 130 || took > 5*time.Second ||
		!strings.Contains(stderr.String(), "finishing the chunks under way") || !strings.Contains(stderr.String(), "stopped once the chunks under way had finished") {
		t.Fatalf("exit %d after %s, stderr %q; want 130 soon, saying the chunks under way finished", code, took, stderr.String())
	}
	lines, err := os.ReadFile(cp)
	if err != nil || bytes.Count(lines, []byte("\n")) == 0 {
		t.Fatalf("the checkpoint holds no chunk: %v", err)
	}
	got := runJSON(t, exec.Command(bin, append(slices.Clone(args), "--checkpoint", cp, "--resume")...))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("resumed after a gentle stop:\n%+v\nwant\n%+v", got, want)
	}
}
