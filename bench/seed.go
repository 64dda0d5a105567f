package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
)

func numCPU() int { return runtime.NumCPU() }

// seed makes srcDB and tgtDB on a server hold the bench table with rows rows, generated
// server-side, and diffs scattered rows changed in the target. Tables already right are kept.
func seed(ctx context.Context, s server, sh shape, rows, diffs int) error {
	admin, err := s.open(map[string]string{"mysql": "", "postgres": "postgres"}[s.engine])
	if err != nil {
		return err
	}
	defer admin.Close()
	dbs := []string{srcDB, tgtDB}
	if diffs > 0 {
		dbs = append(dbs, sameDB) // the identical target the compare with differences is set against
	}
	for _, db := range dbs {
		want := rows
		if ok, _ := tableHas(ctx, s, sh, db, want, db == tgtDB, diffs); ok {
			continue
		}
		if db == tgtDB {
			if ok, _ := tableHas(ctx, s, sh, db, want, false, 0); ok {
				// The right rows, other differences: undo them and make the new ones, which
				// takes seconds where seeding again takes minutes.
				if err := reseedDiffs(ctx, s, sh, rows, diffs); err != nil {
					return err
				}
				continue
			}
		}
		fmt.Fprintf(os.Stderr, "bench: seeding %s.%s.%s with %d rows\n", s.engine, db, sh.name, rows)
		h, err := s.open(db)
		if err != nil {
			return err
		}
		// A database per copy, created once; each shape's tables are dropped and made anew.
		create := "CREATE DATABASE IF NOT EXISTS `" + db + "`"
		if s.engine == "postgres" {
			var exists bool
			if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
				h.Close()
				return err
			}
			create = ""
			if !exists {
				create = `CREATE DATABASE "` + db + `"`
			}
		}
		if create != "" {
			if _, err := admin.ExecContext(ctx, create); err != nil {
				h.Close()
				return err
			}
		}
		stmts := []string{"DROP TABLE IF EXISTS " + sh.name, "DROP TABLE IF EXISTS " + sh.meta()}
		stmts = append(stmts, sh.create[s.engine](rows)...)
		if db == tgtDB && diffs > 0 {
			stmts = append(stmts, sh.diffStmt(max(1, rows/diffs)))
		}
		stmts = append(stmts, "CREATE TABLE "+sh.meta()+" (diffs INT)", fmt.Sprintf("INSERT INTO %s VALUES (%d)", sh.meta(), map[bool]int{true: diffs}[db == tgtDB]))
		for _, q := range stmts {
			if _, err := h.ExecContext(ctx, q); err != nil {
				h.Close()
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		h.Close()
	}
	return nil
}

// reseedDiffs restores the target's changed rows and changes diffs others.
func reseedDiffs(ctx context.Context, s server, sh shape, rows, diffs int) error {
	fmt.Fprintf(os.Stderr, "bench: %s.%s.%s: changing %d rows\n", s.engine, tgtDB, sh.name, diffs)
	h, err := s.open(tgtDB)
	if err != nil {
		return err
	}
	defer h.Close()
	stmts := []string{sh.restore[s.engine]}
	if diffs > 0 {
		stmts = append(stmts, sh.diffStmt(max(1, rows/diffs)))
	}
	stmts = append(stmts, fmt.Sprintf("UPDATE %s SET diffs = %d", sh.meta(), diffs))
	for _, q := range stmts {
		if _, err := h.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// tableHas reports whether db already holds the shape's table with rows rows (and, in the
// target, the same number of differences).
func tableHas(ctx context.Context, s server, sh shape, db string, rows int, target bool, diffs int) (bool, error) {
	h, err := s.open(db)
	if err != nil {
		return false, err
	}
	defer h.Close()
	var n, d int
	if err := h.QueryRowContext(ctx, fmt.Sprintf("SELECT (SELECT COUNT(*) FROM %s), (SELECT diffs FROM %s)", sh.name, sh.meta())).Scan(&n, &d); err != nil {
		return false, err
	}
	return n == rows && (!target || d == diffs), nil
}
