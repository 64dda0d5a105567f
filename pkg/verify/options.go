package verify

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dbverify/dbverify/pkg/chunker"
	"github.com/dbverify/dbverify/pkg/mapping"
)

// Options tune a compare. Zero values mean the defaults.
type Options struct {
	Tables        []string        // source tables: names or glob patterns (path.Match); empty means all
	Exclude       []string        // tables to leave out: names or glob patterns
	Where         string          // an SQL condition applied on both sides, e.g. "created_at < '2026-01-01'"
	Mapping       *mapping.Mapper // source -> target names, and what DMS selected; nil maps names to themselves
	Columns       []string        // compare only these columns (the key's are always compared): "column", or "table.column" / "schema.table.column" for one table
	IgnoreColumns []string        // leave these columns out, of either side or of one side only (named as in Columns)
	Workers       int             // chunks hashed at once (each on both sides); 0 means 4
	Mode          Mode            // auto (pushdown on each side that can, else stream), pushdown or stream; "" means auto
	Hash          HashFamily      // the row-hash family: md5, crcmix or pg64; "" or auto picks by engine pair
	ChunkRows     int             // fixed rows per chunk; 0 sizes chunks by ChunkTime
	ChunkTime     time.Duration   // target time per chunk; 0 means 500ms
	ChunkLimit    time.Duration   // a chunk hashing longer is cancelled and cut in two (integer keys); 0 means 10x ChunkTime, at least 5s (at most QueryTimeout)
	QueryTimeout  time.Duration   // the longest a server may stay silent: a query's result, a stream's next row, a ping; 0 means 5m (at least ChunkLimit)
	Retries       int             // a read that fails transiently (connection killed or lost, failover, deadlock, too many connections) is tried again this often, with backoff; 0 means 8, -1 none
	DiffRows      int             // a differing range is split until it holds at most this many rows; 0 means 2000
	MaxDiffs      int             // differing rows kept per table in the report (counts are always exact); 0 means 1000
	FloatDigits   int             // compare FLOAT/DOUBLE columns to this many significant digits; 0 compares exactly
	TimePrecision time.Duration   // truncate times and timestamps to this precision (1s ... 1µs) before comparing; 0 compares exactly
	// Per-column settings by "column", "table.column" or "schema.table.column" (the most
	// qualified wins; see Columns), over FloatDigits and TimePrecision; 0 compares that column
	// exactly.
	ColumnFloatDigits   map[string]int
	ColumnTimePrecision map[string]time.Duration
	Throttle            Throttle    // pauses between chunks for a busy source; zero for none
	Checkpoint          *Checkpoint // records finished chunks, and skips those it already holds (OpenCheckpoint); nil for none
	Shard               Shard       // compare only this shard's share of the chunks (see Merge); zero for all
	// Stop, when closed, stops the compare gently: no chunk starts after it, the chunks under
	// way finish (and reach the Checkpoint), and Compare returns ErrStopped. nil never stops.
	Stop     <-chan struct{}
	Progress Progress     // told of progress; nil for none
	Logger   *slog.Logger // nil discards

	// Strict refuses a column that no side can compare (a type with no canonical form the other
	// engine's column shares). Without it such a column is left out with a warning, and the
	// report lists it (TableReport.Skipped, and the summary): the verdict is on the other columns.
	Strict bool
	// TableWhere scopes row filters to tables, by name as either side names it (with or without
	// its schema): a table's own condition replaces Where on it; Where applies to the others.
	// Each is checked as Where is: one SQL expression, which each server prepares first.
	TableWhere map[string]string

	throttler *throttler // Throttle at work, shared by a compare's tables

	// A saved report's table, read again (see TableReport.job): its columns by source name ->
	// target name, and its source's row filter.
	columnNames map[string]string
	sourceWhere *string
	warned      *sync.Map // skipped columns already warned about, across a watch's passes; nil: each compare warns
	tune        tuning    // internal bounds; zero fields mean the defaults
}

// Progress is told how a compare advances. Calls may come from several goroutines at once.
type Progress interface {
	// Table says a table starts, with its (estimated) source row count.
	Table(name string, rows int64)
	// Rows says n more source rows were hashed.
	Rows(n int64)
}

// shardChunkRows is the chunk size of a sharded compare that sets none: every shard must plan
// the same chunks, which a time target does not.
const shardChunkRows = 10_000

func (o Options) withDefaults() (Options, error) {
	if o.Throttle.MaxRunning < 0 || o.Throttle.MaxLag < 0 || o.Throttle.RowsPerSecond < 0 {
		return o, invalid(fmt.Errorf("options: throttle limits must not be negative"))
	}
	if o.Workers < 0 || o.ChunkRows < 0 || o.ChunkTime < 0 || o.DiffRows < 0 || o.MaxDiffs < 0 || o.QueryTimeout < 0 || o.ChunkLimit < 0 {
		return o, invalid(fmt.Errorf("options: workers, chunk rows, chunk time, chunk limit, query timeout, diff rows and max diffs must not be negative"))
	}
	floats := map[string]int{"": o.FloatDigits}
	for col, d := range o.ColumnFloatDigits {
		floats[" for column "+col] = d
	}
	for where, d := range floats {
		if d < 0 || d > 17 {
			return o, invalid(fmt.Errorf("options: float digits %d%s: want 1 to 17, or 0 to compare exactly", d, where))
		}
	}
	times := map[string]time.Duration{"": o.TimePrecision}
	for col, p := range o.ColumnTimePrecision {
		times[" for column "+col] = p
	}
	for where, p := range times {
		if _, err := timeDigits(p); p != 0 && err != nil {
			return o, invalid(fmt.Errorf("options: %w%s", err, where))
		}
	}
	switch o.Mode {
	case "":
		o.Mode = ModeAuto
	case ModeAuto, ModePushdown, ModeStream:
	default:
		return o, invalid(fmt.Errorf("options: mode %q: want auto, pushdown or stream", o.Mode))
	}
	switch o.Hash {
	case "", HashAuto, HashMD5, HashCRCMix, HashPG64:
	default:
		return o, invalid(fmt.Errorf("options: hash %q: want auto, md5, crcmix or pg64", o.Hash))
	}
	switch {
	case o.QueryTimeout == 0:
		o.QueryTimeout = max(defaultQueryTimeout, o.ChunkLimit)
	case o.ChunkLimit > o.QueryTimeout:
		return o, invalid(fmt.Errorf("options: the chunk limit (%s) must not exceed the query timeout (%s)", o.ChunkLimit, o.QueryTimeout))
	}
	if o.ChunkLimit == 0 {
		o.ChunkLimit = min(max(10*o.ChunkTime, 5*time.Second), o.QueryTimeout)
	}
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.Shard.Count < 0 || o.Shard.Count > 0 && (o.Shard.Index < 0 || o.Shard.Index >= o.Shard.Count) {
		return o, invalid(fmt.Errorf("options: shard %s: want a shard from 0 to N-1 of N", o.Shard))
	}
	if o.Shard.on() {
		if o.Checkpoint != nil {
			return o, invalid(errors.New("options: a shard cannot resume from a checkpoint: shards plan their chunks afresh, alike"))
		}
		if o.ChunkRows == 0 {
			o.ChunkRows = shardChunkRows // time-sized chunks differ from process to process
		}
	}
	switch {
	case o.Retries == 0:
		o.Retries = defaultRetries
	case o.Retries < -1:
		return o, invalid(fmt.Errorf("options: retries %d: want a count, 0 for the default (%d) or -1 for none", o.Retries, defaultRetries))
	}
	if o.DiffRows == 0 {
		o.DiffRows = 2000
	}
	if o.MaxDiffs == 0 {
		o.MaxDiffs = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// tuning holds internal bounds of a compare that tests lower, per compare, to reach rare paths
// with small tables (export_test.go); zero fields mean the defaults.
type tuning struct {
	maxHeldRows int64 // rows of differing hash buckets held at once per side
	// keepRows bounds the rows of one side of a chunk whose keys and hashes are kept for
	// matching: by default as many as the largest chunk a time target plans (pushed-down chunks
	// reach it), at about 30 bytes a row for an integer key (6 MiB a side per worker). Larger
	// differing chunks, from ChunkRows, are narrowed by digests of sub-ranges instead.
	keepRows   int
	groupRows  int // rows a key group aims to hold
	diffMemory int // bytes of listed rows (and repair SQL) a table holds before spilling
}

func (t tuning) heldRows() int64 { return cmp.Or(t.maxHeldRows, defaultMaxHeldRows) }
func (t tuning) keptRows() int   { return cmp.Or(t.keepRows, chunker.DefaultMaxRows) }
func (t tuning) groupSize() int  { return cmp.Or(t.groupRows, defaultGroupRows) }
func (t tuning) memory() int     { return cmp.Or(t.diffMemory, defaultDiffMemory) }
