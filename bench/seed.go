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
func seed(ctx context.Context, s server, rows, diffs int) error {
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
		if ok, _ := tableHas(ctx, s, db, want, db == tgtDB, diffs); ok {
			continue
		}
		if db == tgtDB {
			if ok, _ := tableHas(ctx, s, db, want, false, 0); ok {
				// The right rows, other differences: undo them and make the new ones, which
				// takes seconds where seeding again takes minutes.
				if err := reseedDiffs(ctx, s, rows, diffs); err != nil {
					return err
				}
				continue
			}
		}
		fmt.Fprintf(os.Stderr, "bench: seeding %s.%s on %s with %d rows\n", s.engine, db, db, rows)
		drop, create := "DROP DATABASE IF EXISTS `"+db+"`", "CREATE DATABASE `"+db+"`"
		if s.engine == "postgres" {
			drop, create = `DROP DATABASE IF EXISTS "`+db+`" WITH (FORCE)`, `CREATE DATABASE "`+db+`"`
		}
		for _, q := range []string{drop, create} {
			if _, err := admin.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		h, err := s.open(db)
		if err != nil {
			return err
		}
		stmts := mariadbSeed(rows)
		if s.engine == "postgres" {
			stmts = postgresSeed(rows)
		}
		if db == tgtDB && diffs > 0 {
			stmts = append(stmts, fmt.Sprintf("UPDATE bench SET name = 'changed' WHERE id %% %d = 0", max(1, rows/diffs)))
		}
		stmts = append(stmts, "CREATE TABLE bench_meta (diffs INT)", fmt.Sprintf("INSERT INTO bench_meta VALUES (%d)", map[bool]int{true: diffs}[db == tgtDB]))
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
func reseedDiffs(ctx context.Context, s server, rows, diffs int) error {
	fmt.Fprintf(os.Stderr, "bench: %s.%s: changing %d rows\n", s.engine, tgtDB, diffs)
	h, err := s.open(tgtDB)
	if err != nil {
		return err
	}
	defer h.Close()
	restore := "UPDATE bench SET name = CONCAT('name-', id) WHERE name = 'changed'"
	if s.engine == "postgres" {
		restore = "UPDATE bench SET name = 'name-' || id WHERE name = 'changed'"
	}
	stmts := []string{restore}
	if diffs > 0 {
		stmts = append(stmts, fmt.Sprintf("UPDATE bench SET name = 'changed' WHERE id %% %d = 0", max(1, rows/diffs)))
	}
	stmts = append(stmts, fmt.Sprintf("UPDATE bench_meta SET diffs = %d", diffs))
	for _, q := range stmts {
		if _, err := h.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// tableHas reports whether db already holds the bench table with rows rows (and, in the target,
// the same number of differences).
func tableHas(ctx context.Context, s server, db string, rows int, target bool, diffs int) (bool, error) {
	h, err := s.open(db)
	if err != nil {
		return false, err
	}
	defer h.Close()
	var n, d int
	if err := h.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM bench), (SELECT diffs FROM bench_meta)").Scan(&n, &d); err != nil {
		return false, err
	}
	return n == rows && (!target || d == diffs), nil
}

// The bench table: a BIGINT key and a realistic mix of int, varchar, decimal, datetime and text.
func mariadbSeed(rows int) []string {
	return []string{
		`CREATE TABLE bench (id BIGINT NOT NULL PRIMARY KEY, i INT NOT NULL, name VARCHAR(64) NOT NULL,
			amount DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, body TEXT)`,
		fmt.Sprintf(`INSERT INTO bench SELECT seq, seq %% 1000, CONCAT('name-', seq), (seq %% 100000) / 100,
			TIMESTAMP('2024-01-01') + INTERVAL seq SECOND, REPEAT(MD5(seq), 2) FROM seq_1_to_%d`, rows),
	}
}

func postgresSeed(rows int) []string {
	return []string{
		`CREATE TABLE bench (id BIGINT NOT NULL PRIMARY KEY, i INT NOT NULL, name VARCHAR(64) NOT NULL,
			amount NUMERIC(12,2) NOT NULL, created TIMESTAMP(6) NOT NULL, body TEXT)`,
		fmt.Sprintf(`INSERT INTO bench SELECT g, g %% 1000, 'name-' || g, (g %% 100000) / 100.0,
			timestamp '2024-01-01' + g * interval '1 second', repeat(md5(g::text), 2) FROM generate_series(1, %d) g`, rows),
		"VACUUM ANALYZE bench",
	}
}
