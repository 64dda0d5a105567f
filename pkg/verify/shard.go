package verify

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Shard is one share of a compare split between processes: the chunks of every table are
// dealt round-robin (from a start that depends on the table's name) to Count shards, and the
// shard Index compares only its own. Each shard's report is partial; Merge adds the shards'
// reports up into the report one process would have given. Chunks are planned the same way by
// every shard only if they see the same rows: shard a compare of tables that do not change
// meanwhile; Merge refuses shards whose chunks overlap or leave keys out.
type Shard struct {
	Index, Count int
}

func (s Shard) on() bool { return s.Count > 1 }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// owns reports whether chunk seq of table belongs to this shard.
func (s Shard) owns(table string, seq int) bool {
	if !s.on() {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(table))
	return (int(h.Sum32()%uint32(s.Count))+seq)%s.Count == s.Index
}

// ParseShard reads "I/N": shard I (from 0) of N.
func ParseShard(v string) (Shard, error) {
	i, n, ok := strings.Cut(v, "/")
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || count < 1 || index < 0 || index >= count {
		return Shard{}, invalid(fmt.Errorf("shard %q: want I/N, a shard from 0 to N-1 of N (1/4)", v))
	}
	return Shard{Index: index, Count: count}, nil
}

// ShardIndexVars are the environment variables a job array sets to each task's index, read in
// this order: a Kubernetes Indexed Job, an AWS Batch array job, a Cloud Run job.
var ShardIndexVars = []string{"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX"}

// ShardFromEnv is shard I of count, I read from the first of ShardIndexVars that is set.
func ShardFromEnv(count int) (Shard, error) {
	for _, v := range ShardIndexVars {
		if s, ok := os.LookupEnv(v); ok {
			sh, err := ParseShard(s + "/" + strconv.Itoa(count))
			if err != nil {
				return Shard{}, invalid(fmt.Errorf("%s=%q: %w", v, s, err))
			}
			return sh, nil
		}
	}
	return Shard{}, invalid(fmt.Errorf("no shard index in the environment: none of %s is set", strings.Join(ShardIndexVars, ", ")))
}

// ShardPart is what a shard's report holds of a table for Merge: its chunks (key ranges,
// digests, differences, listed rows) and what ordering keys and listing rows need.
type ShardPart struct {
	Index      int             `json:"index"`
	Count      int             `json:"count"`
	KeyClasses []dialect.Class `json:"key_classes"`
	MaxDiffs   int             `json:"max_diffs"`
	Chunks     []cpChunk       `json:"chunks"`
}

// Merge adds up the reports of a compare's shards (each from Compare with Options.Shard, every
// shard once) into the report one process would have given: digests, counts and listed rows
// combine per table, and chunks must tile each table's keys exactly.
func Merge(parts []*Report) (*Report, error) {
	if len(parts) == 0 {
		return nil, invalid(errors.New("merge: no reports"))
	}
	count := -1
	seen := map[int]bool{}
	for i, p := range parts {
		if len(p.Tables) == 0 || p.Tables[0].Shard == nil {
			return nil, invalid(fmt.Errorf("merge: report %d is not a shard's (Options.Shard)", i+1))
		}
		sh := p.Tables[0].Shard
		if count >= 0 && sh.Count != count {
			return nil, invalid(fmt.Errorf("merge: report %d is a shard of %d, the others of %d", i+1, sh.Count, count))
		}
		count = sh.Count
		if seen[sh.Index] {
			return nil, invalid(fmt.Errorf("merge: shard %d/%d given twice", sh.Index, count))
		}
		seen[sh.Index] = true
	}
	var missing []string
	for i := range count {
		if !seen[i] {
			missing = append(missing, fmt.Sprintf("%d/%d", i, count))
		}
	}
	if len(missing) > 0 {
		return nil, invalid(fmt.Errorf("merge: shard %s missing", strings.Join(missing, ", ")))
	}
	first := parts[0]
	out := &Report{Format: ReportFormat, Source: first.Source, Target: first.Target, Started: first.Started, Options: first.Options}
	for _, p := range parts {
		if p.Started.Before(out.Started) {
			out.Started = p.Started
		}
		out.Duration = max(out.Duration, p.Duration)
	}
	for _, t := range first.Tables {
		var shares []*TableReport
		for i, p := range parts {
			k := slices.IndexFunc(p.Tables, func(o *TableReport) bool { return o.Source == t.Source })
			if k < 0 || p.Tables[k].Shard == nil {
				return nil, invalid(fmt.Errorf("merge: report %d has no share of table %s: the shards compared other tables", i+1, t.Source))
			}
			shares = append(shares, p.Tables[k])
		}
		for i, p := range parts {
			if len(p.Tables) != len(first.Tables) {
				return nil, invalid(fmt.Errorf("merge: report %d holds %d tables, report 1 %d: the shards compared other tables", i+1, len(p.Tables), len(first.Tables)))
			}
		}
		tr, err := mergeTable(shares)
		if err != nil {
			out.Close()
			return nil, err
		}
		out.Tables = append(out.Tables, tr)
	}
	return out, nil
}

// mergeTable adds up the shares of one table.
func mergeTable(shares []*TableReport) (*TableReport, error) {
	base := shares[0]
	tr := &TableReport{Source: base.Source, Target: base.Target, Key: base.Key, KeyKind: base.KeyKind, Columns: base.Columns,
		Mode: base.Mode, Hash: base.Hash, Tolerances: base.Tolerances,
		KeyColumns: base.KeyColumns, Compared: base.Compared, Where: base.Where, pair: base.pair, saved: base.saved, Skipped: base.Skipped}
	cols := make([]dialect.Column, len(base.Shard.KeyClasses))
	for i, c := range base.Shard.KeyClasses {
		cols[i] = dialect.Column{Class: c}
	}
	var chunks []cpChunk
	var notes []string
	def := firstDef(shares)
	for _, s := range shares {
		for _, c := range s.Shard.Chunks {
			if c.Def != def {
				return nil, invalid(fmt.Errorf("merge: table %s: the shards compared it with other options or definitions; compare again with the same options", tr.Source))
			}
			chunks = append(chunks, c)
		}
		tr.Retries += s.Retries
		tr.Throttled += s.Throttled
		tr.Duration = max(tr.Duration, s.Duration)
		if tr.Strategy == "" {
			tr.Strategy = s.Strategy
		}
		for _, n := range strings.Split(s.Note, "; ") {
			if n != "" && !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
	}
	tr.Note = strings.Join(notes, "; ")
	m, err := mergeChunks(cols, chunks)
	if err == nil && len(m.gaps) > 0 {
		err = fmt.Errorf("the shards' chunks leave keys %s uncovered", m.gaps[0])
	}
	if err != nil {
		return nil, invalid(fmt.Errorf("merge: table %s: %v: the shards planned different chunks (the table changed while they ran, or they ran with other options); compare again", tr.Source, err))
	}
	tr.SourceRows, tr.TargetRows = m.sd.Rows, m.td.Rows
	tr.SourcePrint, tr.TargetPrint = m.sd.Fingerprint(), m.td.Fingerprint()
	tr.Chunks, tr.Missing, tr.Extra, tr.Changed = m.chunks, m.missing, m.extra, m.changed
	maxDiffs := base.Shard.MaxDiffs
	tr.Truncated = m.truncated || len(m.listed) > maxDiffs
	l := &diffList{cols: cols, names: tr.Key}
	if err := l.add(m.listed[:min(len(m.listed), maxDiffs)]); err != nil {
		return nil, err
	}
	inMemory, err := l.done()
	if err != nil {
		l.close()
		return nil, err
	}
	if inMemory {
		tr.Diffs = l.mem
	} else {
		tr.list = l
	}
	return tr, nil
}

// firstDef is the definition digest the first chunk of any share carries.
func firstDef(shares []*TableReport) string {
	for _, s := range shares {
		if len(s.Shard.Chunks) > 0 {
			return s.Shard.Chunks[0].Def
		}
	}
	return ""
}
