package verify_test

import (
	"slices"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestBucketSpill: when the rows of the differing buckets exceed the memory bound, they go to
// shard files and are matched shard by shard, in one more pass over each side (review finding:
// each batch re-read both whole tables); the result is the same as in memory.
func TestBucketSpill(t *testing.T) {
	pg := engines[1]
	src, tgt := pg.newDB(t), pg.newDB(t)
	for i, db := range []*testdb.DB{src, tgt} {
		coll := []string{`"C"`, `"en-x-icu"`}[i]
		db.Exec(t, "CREATE TABLE sp (k VARCHAR(20) COLLATE "+coll+" NOT NULL PRIMARY KEY, v INT, b BYTEA)",
			"INSERT INTO sp SELECT 'key-' || g, g, NULL FROM generate_series(1, 3000) g")
	}
	tgt.Exec(t, "UPDATE sp SET v = v + 1 WHERE v % 3 = 0", "DELETE FROM sp WHERE v % 100 = 1", "INSERT INTO sp VALUES ('new', 0, '\\x00')")
	inMemory := table(t, compare(t, src, tgt, verify.Options{MaxDiffs: 5000}), "sp")
	opt := verify.Options{MaxDiffs: 5000}
	verify.SetMaxHeldRows(&opt, 150)
	spilled := table(t, compare(t, src, tgt, opt), "sp")
	var changed, missing int64 // what the UPDATE then the DELETE did
	for g := 1; g <= 3000; g++ {
		v := g
		if v%3 == 0 {
			v++
		}
		switch {
		case v%100 == 1:
			missing++
		case v != g:
			changed++
		}
	}
	if inMemory.Changed != changed || inMemory.Missing != missing || inMemory.Extra != 1 {
		t.Errorf("in memory: changed %d missing %d extra %d, want %d, %d, 1", inMemory.Changed, inMemory.Missing, inMemory.Extra, changed, missing)
	}
	if !slices.Equal(diffString(spilled), diffString(inMemory)) {
		t.Errorf("spilled diffs differ from in-memory ones: %d vs %d", len(spilled.Diffs), len(inMemory.Diffs))
	}
}
