package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestShardsAndMerge: four `compare --shard i/4` runs and `merge` give the report of one
// compare (the same JSON, times aside), on both engines; --shards takes the index from a job
// array's environment; a shard without JSON output, and a missing shard, are usage errors.
func TestShardsAndMerge(t *testing.T) {
	for _, newDB := range []func(testing.TB) *testdb.DB{testdb.MySQL, testdb.Postgres} {
		src, tgt := newDB(t), newDB(t)
		for _, db := range []*testdb.DB{src, tgt} {
			db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20))")
			var vals []string
			for i := 1; i <= 3000; i++ {
				vals = append(vals, fmt.Sprintf("(%d, 'v%d')", i, i))
			}
			db.Exec(t, "INSERT INTO t VALUES "+strings.Join(vals, ","))
		}
		tgt.Exec(t, "UPDATE t SET v = 'x' WHERE id % 250 = 1", "DELETE FROM t WHERE id % 600 = 2")
		base := []string{"compare", "--source", src.DSN, "--target", tgt.DSN, "--chunk-rows", "100", "-o", "json"}
		code, want, errw := run(t, base...)
		if code != 1 {
			t.Fatalf("one process: exit %d: %s", code, errw)
		}
		dir := t.TempDir()
		var files []string
		for i := range 4 {
			args := append(append([]string{}, base...), "--shard", fmt.Sprintf("%d/4", i))
			if i == 3 {
				t.Setenv("JOB_COMPLETION_INDEX", "3")
				args = append(append([]string{}, base...), "--shards", "4")
			}
			code, out, errw := run(t, args...)
			if code != 0 && code != 1 {
				t.Fatalf("shard %d: exit %d: %s", i, code, errw)
			}
			files = append(files, filepath.Join(dir, fmt.Sprintf("part%d.json", i)))
			if err := os.WriteFile(files[i], []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		code, got, errw := run(t, append([]string{"merge", "-o", "json"}, files...)...)
		if code != 1 {
			t.Fatalf("merge: exit %d: %s", code, errw)
		}
		if a, b := comparable(t, got), comparable(t, want); a != b {
			t.Fatalf("merged:\n%s\none process:\n%s", a, b)
		}
		if code, _, errw := run(t, "merge", files[0], files[1], files[3]); code != 2 || !strings.Contains(errw, "shard 2/4 missing") {
			t.Errorf("three of four shards: exit %d: %s", code, errw)
		}
		if code, _, errw := run(t, append(base[:len(base)-2:len(base)-2], "--shard", "1/4")...); code != 2 || !strings.Contains(errw, "--output json") {
			t.Errorf("a shard with text output: exit %d: %s", code, errw)
		}
	}
}

// comparable is a JSON report without what differs from run to run (times, chunk counts).
func comparable(t *testing.T, s string) string {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	delete(r, "started")
	delete(r, "duration_ns")
	for _, tb := range r["tables"].([]any) {
		m := tb.(map[string]any)
		for _, k := range []string{"duration_ns", "chunks", "strategy", "shard"} {
			delete(m, k)
		}
	}
	b, _ := json.MarshalIndent(r, "", " ")
	return string(b)
}

// TestThrottleFlags: --max-rate reaches the compare: 3,000 rows at 1,000 a second are paused,
// and the JSON report says for how long.
func TestThrottleFlags(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY)", "INSERT INTO t SELECT seq FROM seq_1_to_3000")
	}
	code, out, errw := run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--chunk-rows", "300", "--max-rate", "1000", "-o", "json")
	var r struct {
		Tables []struct {
			Throttled int64 `json:"throttled_ns"`
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || len(r.Tables) != 1 || r.Tables[0].Throttled < 1e9 {
		t.Fatalf("exit %d, %s, %s: want identical tables paused at least 1s", code, out, errw)
	}
}
