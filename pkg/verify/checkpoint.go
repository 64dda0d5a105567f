package verify

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/chunker"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// A Checkpoint records each chunk a compare finishes (its key range, both digests, its
// differences) in a file, so that a compare stopped part way (killed, interrupted, a server
// gone) can be resumed: Compare with a resumed checkpoint skips the chunks it holds and
// compares only the stretches of each table between them, and its report is the one an
// uninterrupted run would have given (the same fingerprints, counts and differing rows).
//
// The file is a log of JSON lines, each appended and synced to disk as its chunk finishes: a
// crash loses at most the chunks in flight, and a line cut short by one is ignored. A table's
// first line holds a digest of its definition on both sides and of every option that shapes
// its digests (columns, hash family, row filters, tolerances); a resume refuses a table whose
// digest has changed.
type Checkpoint struct {
	path string

	mu     sync.Mutex
	f      *os.File
	tables map[string]*cpTable // by source table name
	done   int                 // chunks recorded by this run
}

// cpTable is what the checkpoint holds of one table.
type cpTable struct {
	def    string // the digest of its definition and options
	chunks []cpChunk
}

// cpChunk is one finished chunk.
type cpChunk struct {
	Table     string          `json:"table"`
	Def       string          `json:"def,omitempty"` // on a table's first line only
	Lo        []string        `json:"lo,omitempty"`  // hex of each key value; nil for open
	Hi        []string        `json:"hi,omitempty"`
	LoNull    []bool          `json:"lo_null,omitempty"`
	HiNull    []bool          `json:"hi_null,omitempty"`
	Source    checksum.Digest `json:"source"`
	Target    checksum.Digest `json:"target"`
	Missing   int64           `json:"missing,omitempty"`
	Extra     int64           `json:"extra,omitempty"`
	Changed   int64           `json:"changed,omitempty"`
	Diffs     [][]byte        `json:"diffs,omitempty"` // the rows it listed, encoded as in the listing file
	Truncated bool            `json:"truncated,omitempty"`
}

// OpenCheckpoint opens a checkpoint file. With resume, the chunks it holds are read and the
// run goes on after them (a file not there yet, as when a run was stopped before its first
// chunk, is started); without, the file is started afresh.
func OpenCheckpoint(path string, resume bool) (*Checkpoint, error) {
	cp := &Checkpoint{path: path, tables: map[string]*cpTable{}}
	flag := os.O_RDWR | os.O_CREATE | os.O_TRUNC
	if resume {
		flag = os.O_RDWR | os.O_CREATE
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	cp.f = f
	if resume {
		if err := cp.load(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return cp, nil
}

// load reads the chunks recorded, and cuts off a last line a crash left incomplete.
func (cp *Checkpoint) load() error {
	r := bufio.NewReader(cp.f)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break // the end, or a line a crash cut short: its chunk is done again
		}
		if err != nil {
			return fmt.Errorf("checkpoint %s: %w", cp.path, err)
		}
		var c cpChunk
		if err := json.Unmarshal(line, &c); err != nil || c.Table == "" {
			return invalid(fmt.Errorf("checkpoint %s: line %d is not a checkpoint record", cp.path, n))
		}
		t := cp.tables[c.Table]
		if t == nil {
			t = &cpTable{}
			cp.tables[c.Table] = t
		}
		if c.Def != "" {
			t.def = c.Def
		}
		t.chunks = append(t.chunks, c)
		good += int64(len(line))
	}
	if err := cp.f.Truncate(good); err != nil {
		return fmt.Errorf("checkpoint %s: %w", cp.path, err)
	}
	_, err := cp.f.Seek(good, io.SeekStart)
	return err
}

// Close closes the file.
func (cp *Checkpoint) Close() error {
	if cp == nil {
		return nil
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.f.Close()
}

// Path is the checkpoint's file.
func (cp *Checkpoint) Path() string { return cp.path }

// Recorded is how many chunks this run recorded, and how many the file holds in all.
func (cp *Checkpoint) Recorded() (run, all int) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, t := range cp.tables {
		all += len(t.chunks)
	}
	return cp.done, all
}

// write appends one finished chunk and syncs the file.
func (cp *Checkpoint) write(c cpChunk) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	t := cp.tables[c.Table]
	if t == nil {
		t = &cpTable{def: c.Def}
		cp.tables[c.Table] = t
	} else if c.Def == t.def {
		c.Def = "" // said on the table's first line
	}
	b, err := json.Marshal(c)
	if err == nil {
		_, err = cp.f.Write(append(b, '\n'))
	}
	if err == nil {
		err = cp.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", cp.path, err)
	}
	c.Def = t.def
	t.chunks = append(t.chunks, c)
	cp.done++
	return nil
}

// definition is the digest of what makes a table's digests what they are: both sides'
// compared columns and their classes, the key, the hash family and layout, the row filters,
// the tolerances.
func (j *job) definition() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q|%v|%q|%q|%+v|%q|%q|%q|%d|%d|", j.names, j.keyPos, j.rep.Hash, j.rep.Mode, j.layout,
		j.whereFor(j.src), j.whereFor(j.tgt), j.rep.Tolerances, j.opt.FloatDigits, j.opt.TimePrecision)
	for i := range j.scols {
		sc, tc := j.st.Columns[j.scols[i]], j.tt.Columns[j.tcols[i]]
		fmt.Fprintf(h, "%s:%s:%d/%s:%s:%d|", sc.Name, sc.Type, sc.Class, tc.Name, tc.Type, tc.Class)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// chunkLog collects what a chunk does to the report, for its checkpoint record; it rides in
// the chunk's context.
type chunkLog struct {
	mu     sync.Mutex
	sd, td checksum.Digest
	rec    cpChunk
}

type chunkLogKey struct{}

func logOf(ctx context.Context) *chunkLog {
	l, _ := ctx.Value(chunkLogKey{}).(*chunkLog)
	return l
}

func (l *chunkLog) digests(sd, td checksum.Digest) {
	if l != nil {
		l.mu.Lock()
		l.sd.Merge(sd)
		l.td.Merge(td)
		l.mu.Unlock()
	}
}

func (l *chunkLog) counts(missing, extra, changed int64, truncated bool) {
	if l != nil {
		l.mu.Lock()
		l.rec.Missing += missing
		l.rec.Extra += extra
		l.rec.Changed += changed
		l.rec.Truncated = l.rec.Truncated || truncated
		l.mu.Unlock()
	}
}

func (l *chunkLog) listed(ds []RowDiff) {
	if l != nil {
		l.mu.Lock()
		for _, d := range ds {
			l.rec.Diffs = append(l.rec.Diffs, d.encode(nil))
		}
		l.mu.Unlock()
	}
}

// checkpointed runs a chunk and records it once it has finished: in the checkpoint, and in
// the shard's report. A shard skips the chunks of other shards.
func (j *job) checkpointed(fn func(context.Context, chunker.Chunk, chunker.Chunker) error) func(context.Context, chunker.Chunk, chunker.Chunker) error {
	cp, sh := j.opt.Checkpoint, j.opt.Shard
	if cp == nil && !sh.on() {
		return fn
	}
	def := j.definition()
	return func(ctx context.Context, c chunker.Chunk, fb chunker.Chunker) error {
		if !sh.owns(j.rep.Source, c.Seq) {
			return nil
		}
		l := &chunkLog{}
		if err := fn(context.WithValue(ctx, chunkLogKey{}, l), c, fb); err != nil {
			return err
		}
		rec := l.rec
		rec.Table, rec.Def, rec.Source, rec.Target = j.rep.Source, def, l.sd, l.td
		rec.Lo, rec.LoNull = cpKeyText(c.Range.Lo)
		rec.Hi, rec.HiNull = cpKeyText(c.Range.Hi)
		if sh.on() {
			j.mu.Lock()
			j.shardChunks = append(j.shardChunks, rec)
			j.mu.Unlock()
		}
		if cp != nil {
			return cp.write(rec)
		}
		return nil
	}
}

func cpKeyText(k dialect.Key) ([]string, []bool) {
	if k == nil {
		return nil, nil
	}
	out, nulls := make([]string, len(k)), make([]bool, len(k))
	for i, v := range k {
		out[i], nulls[i] = hex.EncodeToString(v), v == nil
	}
	return out, nulls
}

func keyFrom(vals []string, nulls []bool) (dialect.Key, error) {
	if vals == nil {
		return nil, nil
	}
	k := make(dialect.Key, len(vals))
	for i, v := range vals {
		if i < len(nulls) && nulls[i] {
			continue
		}
		b, err := hex.DecodeString(v)
		if err != nil {
			return nil, err
		}
		k[i] = b
	}
	return k, nil
}

// resume takes the table's finished chunks from the checkpoint into the report, and returns
// the stretches of keys still to compare, in key order: the whole table when none is finished,
// nothing when all are.
func (j *job) resume() ([]dialect.Range, error) {
	cp := j.opt.Checkpoint
	if cp == nil {
		return []dialect.Range{{}}, nil
	}
	cp.mu.Lock()
	t := cp.tables[j.rep.Source]
	var chunks []cpChunk
	var def string
	if t != nil {
		chunks, def = slices.Clone(t.chunks), t.def
	}
	cp.mu.Unlock()
	if len(chunks) == 0 {
		return []dialect.Range{{}}, nil
	}
	if def != j.definition() {
		return nil, invalid(fmt.Errorf("checkpoint %s: table %s: its definition or the options that shape its digests changed since the checkpoint was written; start afresh without resuming", cp.path, j.rep.Source))
	}
	m, err := mergeChunks(j.st.KeyColumns(), chunks)
	if err != nil {
		return nil, invalid(fmt.Errorf("checkpoint %s: table %s: %v", cp.path, j.rep.Source, err))
	}
	j.sd.Merge(m.sd)
	j.td.Merge(m.td)
	j.chunksDone, j.chunksDiffer, j.resumed = j.chunksDone+m.chunks, j.chunksDiffer+m.differ, m.chunks
	j.rep.Missing += m.missing
	j.rep.Extra += m.extra
	j.rep.Changed += m.changed
	room := max(0, j.opt.MaxDiffs-j.list.n)
	j.rep.Truncated = j.rep.Truncated || m.truncated || len(m.listed) > room
	if err := j.list.add(m.listed[:min(len(m.listed), room)]); err != nil {
		return nil, err
	}
	if j.opt.Progress != nil {
		j.opt.Progress.Rows(m.sd.Rows)
	}
	return m.gaps, nil
}

// merged is what a set of finished chunks of one table add up to.
type merged struct {
	sd, td                  checksum.Digest
	chunks, differ          int
	missing, extra, changed int64
	truncated               bool
	listed                  []RowDiff
	gaps                    []dialect.Range // the stretches of keys no chunk covers, in key order
}

// mergeChunks adds up chunks of one table, ordered by the key columns cols, and finds what
// they leave uncovered. Chunks that overlap are an error.
func mergeChunks(cols []dialect.Column, chunks []cpChunk) (merged, error) {
	type done struct {
		r dialect.Range
		c cpChunk
	}
	var m merged
	var ds []done
	for _, c := range chunks {
		lo, err1 := keyFrom(c.Lo, c.LoNull)
		hi, err2 := keyFrom(c.Hi, c.HiNull)
		if err := errors.Join(err1, err2); err != nil {
			return m, fmt.Errorf("a chunk's bounds: %v", err)
		}
		ds = append(ds, done{dialect.Range{Lo: lo, Hi: hi}, c})
	}
	// Chunks in key order: an open lower end first.
	slices.SortFunc(ds, func(a, b done) int {
		switch {
		case a.r.Lo == nil && b.r.Lo == nil:
			return 0
		case a.r.Lo == nil:
			return -1
		case b.r.Lo == nil:
			return 1
		}
		return compareKeys(cols, a.r.Lo, b.r.Lo)
	})
	errOverlap := errors.New("chunks overlap (planned by runs that saw different rows); start afresh")
	var at dialect.Key // the end of what is covered so far
	covered := false   // something covers the keys up to at
	for i, d := range ds {
		if i > 0 && (d.r.Lo == nil || at == nil || compareKeys(cols, d.r.Lo, at) < 0) {
			return m, errOverlap
		}
		switch {
		case !covered && d.r.Lo != nil:
			m.gaps = append(m.gaps, dialect.Range{Hi: d.r.Lo})
		case covered && compareKeys(cols, d.r.Lo, at) > 0:
			m.gaps = append(m.gaps, dialect.Range{Lo: at, Hi: d.r.Lo})
		}
		covered, at = true, d.r.Hi
		m.sd.Merge(d.c.Source)
		m.td.Merge(d.c.Target)
		m.chunks++
		if d.c.Source != d.c.Target {
			m.differ++
		}
		m.missing += d.c.Missing
		m.extra += d.c.Extra
		m.changed += d.c.Changed
		m.truncated = m.truncated || d.c.Truncated
		for _, b := range d.c.Diffs {
			row, err := decodeDiff(b)
			if err != nil {
				return m, fmt.Errorf("a listed row: %v", err)
			}
			m.listed = append(m.listed, row)
		}
	}
	if covered && at != nil {
		m.gaps = append(m.gaps, dialect.Range{Lo: at})
	}
	return m, nil
}
