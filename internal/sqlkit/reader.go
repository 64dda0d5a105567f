package sqlkit

import (
	"context"
	"fmt"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Syntax is the SQL an engine writes for the reads that every dialect shares. Each method returns
// a whole statement and its parameters; SQLReader runs them.
type Syntax interface {
	// SelectRange reads q's columns of the rows in q's range, under q's filter.
	SelectRange(q dialect.Query) (string, []any)
	// SelectKeys reads q's columns of the rows whose key is one of keys, under q's filter.
	SelectKeys(q dialect.Query, keys []dialect.Key) (string, []any)
	// KeyWalk reads the key of the row offset rows into q's range in key order (from the end
	// when desc is set), under q's filter.
	KeyWalk(q dialect.Query, desc bool, offset int) (string, []any)
}

// RunFunc runs a statement and streams the canonical values of t's columns cols.
type RunFunc func(ctx context.Context, t *dialect.Table, cols []int, query string, args []any) (dialect.Rows, error)

// SQLReader implements the reads of DB that differ between engines only by their SQL:
// KeyBounds, KeyAfter, Scan and Lookup. Engines embed it.
type SQLReader struct {
	Engine string // for messages
	Syntax Syntax
	Run    RunFunc
}

// KeyBounds implements DB.
func (r SQLReader) KeyBounds(ctx context.Context, q dialect.Query) (lo, hi dialect.Key, ok bool, err error) {
	q.Columns = q.Table.Key
	if lo, ok, err = r.firstKey(ctx, q, false, 0); err != nil || !ok {
		return nil, nil, false, err
	}
	if hi, ok, err = r.firstKey(ctx, q, true, 0); err != nil || !ok {
		return nil, nil, false, err
	}
	return lo, hi, true, nil
}

// KeyAfter implements DB.
func (r SQLReader) KeyAfter(ctx context.Context, q dialect.Query, skip int) (dialect.Key, bool, error) {
	if skip < 1 {
		return nil, false, fmt.Errorf("%s: key after: skip %d < 1", r.Engine, skip)
	}
	q.Columns = q.Table.Key
	return r.firstKey(ctx, q, false, skip-1)
}

func (r SQLReader) firstKey(ctx context.Context, q dialect.Query, desc bool, offset int) (dialect.Key, bool, error) {
	query, args := r.Syntax.KeyWalk(q, desc, offset)
	rows, err := r.Run(ctx, q.Table, q.Table.Key, query, args)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	return dialect.CloneKey(rows.Values()), true, nil
}

// Scan implements DB.
func (r SQLReader) Scan(ctx context.Context, q dialect.Query) (dialect.Rows, error) {
	query, args := r.Syntax.SelectRange(q)
	return r.Run(ctx, q.Table, q.Columns, query, args)
}

// Lookup implements DB.
func (r SQLReader) Lookup(ctx context.Context, q dialect.Query, keys []dialect.Key) (dialect.Rows, error) {
	query, args := r.Syntax.SelectKeys(q, keys)
	return r.Run(ctx, q.Table, q.Columns, query, args)
}
