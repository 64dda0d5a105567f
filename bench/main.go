// Command bench times dbverify on large tables beside the floor (what the servers themselves
// take to digest or stream both tables) and beside pt-table-checksum, in one run on one machine,
// and prints medians and ratios as a Markdown table for bench/RESULTS.md.
//
//	go run ./bench -rows 1000000 -runs 3 -pairs mariadb,postgres,mariadb-postgres
//
// It seeds identical tables server-side (MariaDB's sequence engine, PostgreSQL's
// generate_series) in the databases dbverify_bench_src and dbverify_bench_tgt, reusing them when
// they already hold the right row count, optionally with -diffs scattered differing rows in the
// target. Contestants run alternately, so that drift in the machine's load spreads over all.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql" // database/sql driver "mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/sync/errgroup"

	dmysql "github.com/dbverify/dbverify/pkg/dialect/mysql"
	_ "github.com/dbverify/dbverify/pkg/dialect/postgres" // registers the engine
)

const (
	srcDB  = "dbverify_bench_src"
	tgtDB  = "dbverify_bench_tgt"
	sameDB = "dbverify_bench_same" // a second copy of the source, with -diffs
)

type server struct {
	engine string // mysql or postgres
	url    string // server URL without a database
}

func (s server) dsn(db string) string {
	u, _ := url.Parse(s.url)
	u.Path = "/" + db
	return u.String()
}

// open returns a database/sql handle on db of this server.
func (s server) open(db string) (*sql.DB, error) {
	if s.engine == "postgres" {
		return sql.Open("pgx", s.dsn(db))
	}
	cfg, err := dmysql.ParseDSN(s.dsn(db))
	if err != nil {
		return nil, err
	}
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	return sql.Open("mysql", cfg.FormatDSN())
}

func main() {
	rows := flag.String("rows", "1000000", "rows per table; a comma-separated list runs each size in turn (1000000,10000000)")
	runs := flag.Int("runs", 3, "timed runs of each contestant (the median is reported)")
	diffs := flag.Int("diffs", 0, "scattered rows changed in the target")
	flag.IntVar(&maxDiffs, "max-diffs", 0, "dbverify --max-diffs: with -diffs, how many differing rows the report must list (0: dbverify's default)")
	pairs := flag.String("pairs", "mariadb,postgres,mariadb-postgres", "engine pairs: mariadb, postgres, mariadb-postgres")
	workers := flag.Int("workers", 4, "dbverify --workers")
	modes := flag.String("modes", "stream,auto", "dbverify runs to time, comma-separated: a --mode (auto, pushdown, stream), optionally /HASH for --hash (pushdown/md5), optionally +checkpoint for a run with --checkpoint (pushdown+checkpoint)")
	bin := flag.String("dbverify", "bin/dbverify", "the dbverify binary")
	tableShape := flag.String("table", "wide", "the bench table: wide (six columns with a 64-byte text) or narrow (seven short columns)")
	myURL := flag.String("mysql", env("DBVERIFY_TEST_MYSQL", "mysql://root@127.0.0.1:3306/"), "MariaDB/MySQL server URL")
	pgURL := flag.String("postgres", env("DBVERIFY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server URL")
	flag.Parse()
	my, pg := server{"mysql", *myURL}, server{"postgres", *pgURL}
	ctx := context.Background()
	sizes, err := parseSizes(*rows)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: -rows:", err)
		os.Exit(2)
	}
	sh, ok := shapes[*tableShape]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: -table %q: want wide or narrow\n", *tableShape)
		os.Exit(2)
	}
	for _, n := range sizes {
		if err := run(ctx, my, pg, sh, n, *runs, *diffs, *workers, *bin, strings.Split(*pairs, ","), strings.Split(*modes, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

// parseSizes reads -rows: row counts separated by commas, each at least 1.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a row count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, my, pg server, sh shape, rows, runs, diffs, workers int, bin string, pairs, modes []string) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: %w (run make build)", bin, err)
	}
	needs := map[string]bool{}
	for _, p := range pairs {
		switch p {
		case "mariadb":
			needs["mysql"] = true
		case "postgres":
			needs["postgres"] = true
		case "mariadb-postgres":
			needs["mysql"], needs["postgres"] = true, true
		default:
			return fmt.Errorf("unknown pair %q", p)
		}
	}
	for _, s := range []server{my, pg} {
		if needs[s.engine] {
			if err := seed(ctx, s, sh, rows, diffs); err != nil {
				return fmt.Errorf("seed %s: %w", s.engine, err)
			}
		}
	}
	host, _ := os.Hostname()
	fmt.Printf("\n### %s, %d rows, %d scattered differences, %d runs each (median), dbverify --workers %d\n\n", sh.name, rows, diffs, runs, workers)
	fmt.Printf("Machine: %s, %d cores. Command: `%s`\n\n", host, numCPU(), strings.Join(os.Args, " "))
	fmt.Println("| pair | contestant | median | ratio to floor | peak RSS |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range pairs {
		src, tgt := my, my
		switch p {
		case "postgres":
			src, tgt = pg, pg
		case "mariadb-postgres":
			src, tgt = my, pg
		}
		cs := contestants(src, tgt, sh, bin, workers, diffs, modes)
		results := make([][]sample, len(cs))
		for r := 0; r < runs; r++ {
			for i, c := range cs {
				s, err := c.run(ctx)
				if err != nil {
					return fmt.Errorf("%s %s: %w", p, c.name, err)
				}
				results[i] = append(results[i], s)
			}
		}
		floor := median(results[0]).wall
		for i, c := range cs {
			m := median(results[i])
			rss := "-"
			if m.rssKB > 0 {
				rss = fmt.Sprintf("%d MiB", m.rssKB/1024)
			}
			fmt.Printf("| %s | %s | %.2f s | %.2fx | %s |\n", p, c.name, m.wall.Seconds(), m.wall.Seconds()/floor.Seconds(), rss)
		}
	}
	return nil
}

type sample struct {
	wall  time.Duration
	rssKB int64
}

func median(s []sample) sample {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b sample) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

type contestant struct {
	name string
	run  func(context.Context) (sample, error)
}

// contestants lists, floor first: the servers' own digests of both tables in parallel, a bare
// client scan of both in parallel, dbverify, and pt-table-checksum where it applies.
func contestants(src, tgt server, sh shape, bin string, workers, diffs int, modes []string) []contestant {
	cs := []contestant{
		{"floor: server-side digest, both sides in parallel", func(ctx context.Context) (sample, error) {
			return timed(func() error { return both(ctx, src, tgt, sh, serverDigest) })
		}},
		{"floor: bare client scan, both sides in parallel", func(ctx context.Context) (sample, error) {
			return timed(func() error { return both(ctx, src, tgt, sh, clientScan) })
		}},
	}
	for _, m := range modes {
		if m == "pushdown" && src.engine != tgt.engine {
			// Across engines only MD5 is computed in SQL on both sides: pushdown under the pair's
			// own family (CRCMix) would be refused on PostgreSQL.
			m = "pushdown/md5"
		}
		cs = append(cs, dbverify(bin, src, tgt, sh, tgtDB, m, workers, diffs, ""))
		if diffs > 0 {
			// The same compare of identical tables, in the same run, for the ratio the
			// differences cost: a second copy of the source, so that both compares read two
			// tables (the source against itself would read one, from a warmer cache).
			cs = append(cs, dbverify(bin, src, tgt, sh, sameDB, m, workers, 0, ", identical tables"))
		}
	}
	if src.engine == "mysql" && tgt.engine == "mysql" {
		if pt, err := exec.LookPath("pt-table-checksum"); err == nil {
			u, _ := url.Parse(src.url)
			cs = append(cs, contestant{"pt-table-checksum (both databases)", func(ctx context.Context) (sample, error) {
				return command(ctx, nil, pt, []int{0, 16, 32}, "--host", u.Hostname(), "--port", portOr(u.Port(), "3306"), "--user", u.User.Username(),
					"--databases", srcDB+","+tgtDB, "--tables", sh.name, "--no-check-replication-filters", "--no-check-binlog-format",
					"--recursion-method", "none", "--no-version-check", "--quiet")
			}})
		}
	}
	return cs
}

// maxDiffs is -max-diffs: dbverify lists up to this many differing rows, and the report must
// list min(diffs, maxDiffs) of them (a measure of what a long listing costs).
var maxDiffs int

// dbverify is a timed dbverify compare of the source's bench table with tgtDB's on tgt, in mode
// m ("mode" or "mode/hash"), which must find exactly diffs differing rows.
func dbverify(bin string, src, tgt server, sh shape, tgtDB, m string, workers, diffs int, note string) contestant {
	m, checkpoint := strings.CutSuffix(m, "+checkpoint")
	mode, hash, _ := strings.Cut(m, "/")
	args := []string{"compare", "--source", src.dsn(srcDB), "--target", tgt.dsn(tgtDB),
		"--tables", sh.name, "--workers", fmt.Sprint(workers), "--mode", mode, "--output", "json"}
	if hash != "" {
		args = append(args, "--hash", hash)
	}
	if maxDiffs > 0 {
		args = append(args, "--max-diffs", fmt.Sprint(maxDiffs))
	}
	if checkpoint {
		note += ", --checkpoint"
	}
	return contestant{fmt.Sprintf("dbverify compare (%s, %d workers%s)", m, workers, note), func(ctx context.Context) (sample, error) {
		args := args
		if checkpoint {
			dir, err := os.MkdirTemp("", "dbverify-bench-checkpoint-")
			if err != nil {
				return sample{}, err
			}
			defer os.RemoveAll(dir)
			args = append(slices.Clone(args), "--checkpoint", filepath.Join(dir, "cp.jsonl"))
		}
		out, err := os.CreateTemp("", "dbverify-bench-report-*.json")
		if err != nil {
			return sample{}, err
		}
		defer os.Remove(out.Name())
		defer out.Close()
		s, err := command(ctx, out, bin, []int{0, 1}, args...)
		if err == nil {
			_, err = out.Seek(0, io.SeekStart)
		}
		if err == nil {
			err = checkFound(out, diffs, mode)
		}
		return s, err
	}}
}

func portOr(p, def string) string {
	if p == "" {
		return def
	}
	return p
}

func timed(f func() error) (sample, error) {
	start := time.Now()
	err := f()
	return sample{wall: time.Since(start)}, err
}

// command runs a program and measures its wall time and peak resident memory.
func command(ctx context.Context, stdout io.Writer, name string, okCodes []int, args ...string) (sample, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = stdout
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rssKB = ru.Maxrss
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && slices.Contains(okCodes, ee.ExitCode()) {
		err = nil
	}
	if err != nil {
		return s, fmt.Errorf("%s: %w: %s", filepath.Base(name), err, stderr.String())
	}
	return s, nil
}

// checkFound fails unless dbverify's JSON report found exactly the differences seeded, in the
// mode asked for, so that a benchmark never times a verifier that is fast because it is wrong.
func checkFound(report io.Reader, diffs int, mode string) error {
	t, err := readTable(report)
	if err != nil {
		return fmt.Errorf("dbverify report: %v", err)
	}
	if mode != "auto" && t.Mode != mode {
		return fmt.Errorf("dbverify ran in %s mode, not %s", t.Mode, mode)
	}
	if mode == "auto" {
		fmt.Fprintf(os.Stderr, "bench: auto ran as %q with %s hashes\n", t.Mode, t.Hash)
	}
	if t.Missing+t.Extra+t.Changed != diffs {
		return fmt.Errorf("dbverify found %d missing, %d extra, %d changed rows; %d were seeded", t.Missing, t.Extra, t.Changed, diffs)
	}
	listed := min(diffs, 1000)
	if maxDiffs > 0 {
		listed = min(diffs, maxDiffs)
	}
	if t.listed != listed {
		return fmt.Errorf("dbverify listed %d differing rows; want %d", t.listed, listed)
	}
	return nil
}

// reportTable is what checkFound reads of the one table of a report.
type reportTable struct {
	Missing, Extra, Changed int
	Mode, Hash              string
	listed                  int
}

// readTable reads the report's one table a token at a time, counting its listed rows without
// keeping them: a report listing a million rows must not swell this process, whose resident
// memory the next dbverify it starts would count as its own (a child shares the address space
// until exec).
func readTable(r io.Reader) (reportTable, error) {
	var t reportTable
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	tables := 0
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if path == "tables[]" && key == "diffs" {
					tok, err := dec.Token()
					if err == nil && tok == nil {
						continue // null: none listed (before dbverify wrote [])
					}
					if err != nil || tok != json.Delim('[') {
						return fmt.Errorf("diffs: %v %v", tok, err)
					}
					for dec.More() {
						var skip json.RawMessage
						if err := dec.Decode(&skip); err != nil {
							return err
						}
						t.listed++
					}
					if _, err := dec.Token(); err != nil {
						return err
					}
					continue
				}
				if path == "tables[]" {
					var v any
					if err := dec.Decode(&v); err != nil {
						return err
					}
					switch key {
					case "missing", "extra", "changed":
						n, _ := v.(float64)
						*map[string]*int{"missing": &t.Missing, "extra": &t.Extra, "changed": &t.Changed}[key] = int(n)
					case "mode":
						t.Mode, _ = v.(string)
					case "hash":
						t.Hash, _ = v.(string)
					}
					continue
				}
				if err := walk(path + "." + key); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if path == ".tables" {
					tables++
					if err := walk("tables[]"); err != nil {
						return err
					}
					continue
				}
				if err := walk(path + "[]"); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(""); err != nil {
		return t, err
	}
	if tables != 1 {
		return t, fmt.Errorf("%d tables; want 1", tables)
	}
	return t, nil
}

func both(ctx context.Context, src, tgt server, sh shape, f func(context.Context, server, shape, string) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return f(gctx, src, sh, srcDB) })
	g.Go(func() error { return f(gctx, tgt, sh, tgtDB) })
	return g.Wait()
}

// serverDigest is the cheapest full-table digest each server computes by itself.
func serverDigest(ctx context.Context, s server, sh shape, db string) error {
	h, err := s.open(db)
	if err != nil {
		return err
	}
	defer h.Close()
	q := fmt.Sprintf("SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('#', %s))) FROM %s", sh.cols, sh.name)
	if s.engine == "postgres" {
		q = fmt.Sprintf("SELECT count(*), sum(hashtext(t::text)) FROM %s t", sh.name)
	}
	var n int64
	var d sql.NullString
	return h.QueryRowContext(ctx, q).Scan(&n, &d)
}

// clientScan streams every row to the client and drops it.
func clientScan(ctx context.Context, s server, sh shape, db string) error {
	h, err := s.open(db)
	if err != nil {
		return err
	}
	defer h.Close()
	rows, err := h.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s", sh.cols, sh.name))
	if err != nil {
		return err
	}
	defer rows.Close()
	n := len(strings.Split(sh.cols, ","))
	vals := make([]sql.RawBytes, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}
