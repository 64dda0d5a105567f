package main

import "fmt"

// shape is a bench table: its name, how each engine creates and fills it server-side, which
// column the target's differences change, and its columns for the floors.
type shape struct {
	name    string
	cols    string // the column list, in order
	change  string // the column a difference changes (to 'changed')
	restore map[string]string
	create  map[string]func(rows int) []string
}

// shapes are the tables -table picks from.
var shapes = map[string]shape{
	// wide: a BIGINT key and a realistic mix of int, varchar, decimal, datetime and text.
	"wide": {
		name: "bench", cols: "id, i, name, amount, created, body", change: "name",
		restore: map[string]string{
			"mysql":    "UPDATE bench SET name = CONCAT('name-', id) WHERE name = 'changed'",
			"postgres": "UPDATE bench SET name = 'name-' || id WHERE name = 'changed'",
		},
		create: map[string]func(int) []string{
			"mysql": func(rows int) []string {
				return []string{
					`CREATE TABLE bench (id BIGINT NOT NULL PRIMARY KEY, i INT NOT NULL, name VARCHAR(64) NOT NULL,
			amount DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, body TEXT)`,
					fmt.Sprintf(`INSERT INTO bench SELECT seq, seq %% 1000, CONCAT('name-', seq), (seq %% 100000) / 100,
			TIMESTAMP('2024-01-01') + INTERVAL seq SECOND, REPEAT(MD5(seq), 2) FROM seq_1_to_%d`, rows),
				}
			},
			"postgres": func(rows int) []string {
				return []string{
					`CREATE TABLE bench (id BIGINT NOT NULL PRIMARY KEY, i INT NOT NULL, name VARCHAR(64) NOT NULL,
			amount NUMERIC(12,2) NOT NULL, created TIMESTAMP(6) NOT NULL, body TEXT)`,
					fmt.Sprintf(`INSERT INTO bench SELECT g, g %% 1000, 'name-' || g, (g %% 100000) / 100.0,
			timestamp '2024-01-01' + g * interval '1 second', repeat(md5(g::text), 2) FROM generate_series(1, %d) g`, rows),
					"VACUUM ANALYZE bench",
				}
			},
		},
	},
	// narrow: seven short columns, where the cost of hashing a row weighs most against reading it.
	"narrow": {
		name: "bench_narrow", cols: "id, a, b, c, d, e, f", change: "d",
		restore: map[string]string{
			"mysql":    "UPDATE bench_narrow SET d = CONCAT('n', id % 100000) WHERE d = 'changed'",
			"postgres": "UPDATE bench_narrow SET d = 'n' || (id % 100000) WHERE d = 'changed'",
		},
		create: map[string]func(int) []string{
			"mysql": func(rows int) []string {
				return []string{
					`CREATE TABLE bench_narrow (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b INT NOT NULL,
			c SMALLINT NOT NULL, d VARCHAR(12) NOT NULL, e DATE NOT NULL, f DECIMAL(10,2) NOT NULL)`,
					fmt.Sprintf(`INSERT INTO bench_narrow SELECT seq, seq %% 1000, seq * 7 %% 100003, seq %% 30000,
			CONCAT('n', seq %% 100000), DATE('2024-01-01') + INTERVAL (seq %% 3650) DAY, (seq %% 100000) / 100 FROM seq_1_to_%d`, rows),
				}
			},
			"postgres": func(rows int) []string {
				return []string{
					`CREATE TABLE bench_narrow (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b INT NOT NULL,
			c SMALLINT NOT NULL, d VARCHAR(12) NOT NULL, e DATE NOT NULL, f NUMERIC(10,2) NOT NULL)`,
					fmt.Sprintf(`INSERT INTO bench_narrow SELECT g, g %% 1000, g * 7 %% 100003, g %% 30000,
			'n' || (g %% 100000), date '2024-01-01' + (g %% 3650), (g %% 100000) / 100.0 FROM generate_series(1, %d) g`, rows),
					"VACUUM ANALYZE bench_narrow",
				}
			},
		},
	},
}

// meta is the table that records how many differences the target's copy holds.
func (s shape) meta() string { return s.name + "_meta" }

// diffStmt changes every n-th row of the target.
func (s shape) diffStmt(n int) string {
	return fmt.Sprintf("UPDATE %s SET %s = 'changed' WHERE id %% %d = 0", s.name, s.change, n)
}
