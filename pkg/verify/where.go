package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// A row filter is SQL from outside dbverify (--where; an AWS DMS mapping's filters, written by
// package mapping) that the dialects paste into their statements. Before any statement uses it,
// each side's dialect checks that it is one expression that stays inside the parentheses it is
// wrapped in (checkWhere), then has its server prepare a read of each table under it
// (prepareWhere), so that a condition the server rejects stops the run before it starts, naming
// the side and the table. What keeps the databases unwritten does not rest on these checks: every
// statement runs in a read-only transaction, one statement per call (see the dialects).

// checkWhere checks the user's conditions, Where and each of TableWhere, with both sides'
// dialects: each runs on both.
func checkWhere(src, tgt *Endpoint, opt Options) error {
	type cond struct{ option, what, where string }
	conds := []cond{{"Where", "the condition for every table", opt.Where}}
	tables := make([]string, 0, len(opt.TableWhere))
	for t := range opt.TableWhere {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		if opt.TableWhere[t] == "" {
			return optionError("TableWhere", invalid(fmt.Errorf("the row filter scoped to table %q is empty", t)))
		}
		conds = append(conds, cond{"TableWhere", fmt.Sprintf("the condition of table %q", t), opt.TableWhere[t]})
	}
	for _, c := range conds {
		if c.where == "" {
			continue
		}
		for _, e := range []*Endpoint{src, tgt} {
			wc, ok := e.DB.(dialect.WhereChecker)
			if !ok {
				return e.errorf("", optionError(c.option, invalid(fmt.Errorf("%s: the %s dialect cannot check a condition before it runs", c.what, e.DB.Engine()))))
			}
			if err := wc.CheckWhere(c.where); err != nil {
				return e.errorf("", optionError(c.option, invalid(fmt.Errorf("%s: %w", c.what, err))))
			}
		}
	}
	return nil
}

// prepareWhere has each side's server prepare a read of the job's table under that side's row
// filter. A condition the server rejects is the caller's error (exit 2); a server that cannot be
// asked is a failure.
func (j *job) prepareWhere(ctx context.Context) error {
	for side := range 2 {
		e, t, _ := j.side(side)
		where := j.whereFor(e)
		if where == "" {
			continue
		}
		what, option := "the condition for every table", "Where"
		if j.where != j.opt.Where {
			what, option = "the table's own condition", "TableWhere"
		}
		switch {
		case where != j.where && j.where == "":
			what, option = "the DMS mapping's filters", ""
		case where != j.where:
			what += " and the DMS mapping's filters"
		}
		wc, ok := e.DB.(dialect.WhereChecker)
		if !ok {
			return e.tableError(t, invalid(fmt.Errorf("%s: the %s dialect cannot check a condition before it runs", what, e.DB.Engine())))
		}
		err := wc.PrepareWhere(ctx, t, where)
		if errors.Is(err, dialect.ErrBadWhere) {
			err = invalid(err)
			if option != "" {
				err = optionError(option, err)
			}
		}
		if err != nil {
			return e.tableError(t, fmt.Errorf("%s: %w", what, err))
		}
	}
	return nil
}
