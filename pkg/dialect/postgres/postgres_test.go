package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/dialect/dialecttest"
)

// open creates a fresh database and opens the dialect on it.
func open(t *testing.T) (*testdb.DB, *DB) {
	t.Helper()
	setup := testdb.Postgres(t)
	d, err := Open(t.Context(), setup.DSN, 4)
	if err != nil {
		t.Fatalf("Open(%s): %v", dialect.MaskDSN(setup.DSN), err)
	}
	t.Cleanup(func() { d.Close() })
	return setup, d
}

var harness = dialecttest.Harness{
	Name: "postgres",
	New: func(t *testing.T) (*sql.DB, dialect.DB) {
		setup, db := open(t)
		return setup.SQL, db
	},
	Types: func(dialect.DB) dialecttest.Types {
		return dialecttest.Types{
			Int:       "integer",
			BigInt:    "bigint",
			Text:      "text",
			VarChar:   func(n int) string { return fmt.Sprintf("varchar(%d)", n) },
			Char:      func(n int) string { return fmt.Sprintf("char(%d)", n) },
			Bytes:     "bytea",
			Timestamp: "timestamp(6)",
			Decimal:   "numeric(10,2)",
			UUID:      "uuid",
			UUIDClass: dialect.ClassUUID,
		}
	},
	Quote:       quote,
	Placeholder: func(n int) string { return fmt.Sprintf("$%d", n) },
}

func TestSuite(t *testing.T) { dialecttest.Run(t, harness) }

func keyTable(cols ...dialect.Column) *dialect.Table {
	t := &dialect.Table{Schema: "s", Name: "t", Columns: cols, KeyKind: dialect.KeyPrimary}
	for i := range cols {
		t.Key = append(t.Key, i)
	}
	return t
}

func key(vals ...string) dialect.Key {
	k := make(dialect.Key, len(vals))
	for i, v := range vals {
		k[i] = []byte(v)
	}
	return k
}

var (
	intCol  = dialect.Column{Name: "id", Type: "bigint", BaseType: "bigint", Class: dialect.ClassInt}
	strCol  = dialect.Column{Name: "name", Type: "character varying(20)", BaseType: "character varying", Class: dialect.ClassString}
	charCol = dialect.Column{Name: "code", Type: "character(3)", BaseType: "character", Class: dialect.ClassString, PadChar: true}
	binCol  = dialect.Column{Name: "b", Type: "bytea", BaseType: "bytea", Class: dialect.ClassBytes}
	tsCol   = dialect.Column{Name: "at", Type: "timestamp with time zone", BaseType: "timestamp with time zone", Class: dialect.ClassTimestamp}
	bitCol  = dialect.Column{Name: "flags", Type: "bit(10)", BaseType: "bit", Class: dialect.ClassBit}
)

func TestRangePredicate(t *testing.T) {
	one := keyTable(intCol)
	two := keyTable(intCol, strCol)
	tests := []struct {
		name     string
		q        dialect.Query
		want     string
		wantArgs []any
	}{
		{"whole table", dialect.Query{Table: one}, "true", nil},
		{"where only", dialect.Query{Table: one, Where: "a = 1 OR b = 2"}, "(a = 1 OR b = 2)", nil},
		{"lo", dialect.Query{Table: one, Range: dialect.Range{Lo: key("5")}}, `"id" > $1::text::bigint`, []any{"5"}},
		{"hi", dialect.Query{Table: one, Range: dialect.Range{Hi: key("9")}}, `"id" <= $1::text::bigint`, []any{"9"}},
		{"lo hi where", dialect.Query{Table: one, Range: dialect.Range{Lo: key("5"), Hi: key("9")}, Where: "x <> 1"},
			`"id" > $1::text::bigint AND "id" <= $2::text::bigint AND (x <> 1)`, []any{"5", "9"}},
		{"composite", dialect.Query{Table: two, Range: dialect.Range{Lo: key("1", "a"), Hi: key("2", "b")}},
			`("id", "name") > ($1::text::bigint, $2::text::character varying) AND ("id", "name") <= ($3::text::bigint, $4::text::character varying)`,
			[]any{"1", "a", "2", "b"}},
		{"composite lo where", dialect.Query{Table: two, Range: dialect.Range{Lo: key("1", "")}, Where: "v"},
			`("id", "name") > ($1::text::bigint, $2::text::character varying) AND (v)`, []any{"1", ""}},
		{"bytea", dialect.Query{Table: keyTable(binCol), Range: dialect.Range{Lo: key("\x00\xff")}},
			`"b" > $1::bytea`, []any{[]byte{0, 0xff}}},
		{"timestamptz", dialect.Query{Table: keyTable(tsCol), Range: dialect.Range{Hi: key("2024-02-29 23:59:59.123456")}},
			`"at" <= $1::text::timestamp with time zone`, []any{"2024-02-29 23:59:59.123456"}},
		// format_type(bpchar, NULL) is "character", which is character(1): a cast to it would cut
		// the value to its first character.
		{"char", dialect.Query{Table: keyTable(charCol), Range: dialect.Range{Lo: key("abc")}},
			`"code" > $1::text::bpchar`, []any{"abc"}},
		// Bit strings travel as their unsigned integer, and are cast to the column's width.
		{"bit", dialect.Query{Table: keyTable(bitCol), Range: dialect.Range{Lo: key("513")}},
			`"flags" > $1::text::bigint::bit(10)`, []any{"513"}},
		{"quoted name", dialect.Query{Table: keyTable(dialect.Column{Name: `we"ird`, BaseType: "text", Class: dialect.ClassString}), Range: dialect.Range{Lo: key("x")}},
			`"we""ird" > $1::text::text`, []any{"x"}},
	}
	for _, tt := range tests {
		got, args := rangePredicate(tt.q)
		if got != tt.want || !reflect.DeepEqual(args, tt.wantArgs) {
			t.Errorf("%s: rangePredicate =\n %s %#v\nwant\n %s %#v", tt.name, got, args, tt.want, tt.wantArgs)
		}
	}
}

func TestKeysPredicate(t *testing.T) {
	tests := []struct {
		name     string
		t        *dialect.Table
		keys     []dialect.Key
		want     string
		wantArgs []any
	}{
		{"single", keyTable(intCol), []dialect.Key{key("1"), key("2")}, `"id" IN ($1::text::bigint, $2::text::bigint)`, []any{"1", "2"}},
		{"bytea", keyTable(binCol), []dialect.Key{key("")}, `"b" IN ($1::bytea)`, []any{[]byte{}}},
		{"composite", keyTable(intCol, strCol), []dialect.Key{key("1", "a"), key("2", "")},
			`("id", "name") IN (($1::text::bigint, $2::text::character varying), ($3::text::bigint, $4::text::character varying))`,
			[]any{"1", "a", "2", ""}},
		{"no keys", keyTable(intCol), nil, "false", nil},
		{"no composite keys", keyTable(intCol, strCol), []dialect.Key{}, "false", nil},
	}
	for _, tt := range tests {
		got, args := keysPredicate(tt.t, tt.keys)
		if got != tt.want || !reflect.DeepEqual(args, tt.wantArgs) {
			t.Errorf("%s: keysPredicate =\n %s %#v\nwant\n %s %#v", tt.name, got, args, tt.want, tt.wantArgs)
		}
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn                    string
		host                   string
		port                   uint16
		user, password, dbname string
	}{
		{"postgres://u:p@h:5433/db?sslmode=disable", "h", 5433, "u", "p", "db"},
		{"postgresql://u@h/db", "h", 5432, "u", "", "db"},
		{"pg://u:p@h/db", "h", 5432, "u", "p", "db"},
		{"PG://u:p@h/db", "h", 5432, "u", "p", "db"},
		{"postgres://" + url.UserPassword("u", "p@ss:w/rd").String() + "@h/db", "h", 5432, "u", "p@ss:w/rd", "db"},
		{"postgres://u:p%40ss%3Aw%2Frd@h/db", "h", 5432, "u", "p@ss:w/rd", "db"},
		{"postgres://u@h/db?password=secret", "h", 5432, "u", "secret", "db"},
		{"host=h port=5434 user=u password='x y' dbname=db sslmode=disable", "h", 5434, "u", "x y", "db"},
		{"host=h user=u dbname=db password=p@ss:w/rd", "h", 5432, "u", "p@ss:w/rd", "db"},
	}
	for _, tt := range tests {
		cfg, err := ParseDSN(tt.dsn)
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", tt.dsn, err)
			continue
		}
		c := cfg.ConnConfig
		if c.Host != tt.host || c.Port != tt.port || c.User != tt.user || c.Password != tt.password || c.Database != tt.dbname {
			t.Errorf("ParseDSN(%q) = host %q port %d user %q password %q db %q; want %q %d %q %q %q",
				tt.dsn, c.Host, c.Port, c.User, c.Password, c.Database, tt.host, tt.port, tt.user, tt.password, tt.dbname)
		}
	}
}

func TestParseDSNErrors(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:secret@h:notaport/db",
		"postgres://u:secret@h/db?sslmode=sometimes",
		"postgres://u:secret@h/db?connect_timeout=soon",
		"postgres://u:sec%zzret@h/db",
		"host=h password=secret port=notaport",
		"host=h password='secret",
		"host=h password=secret sslmode=sometimes",
		// pgx splits at the first '@' and masks only up to it.
		"postgres://u:p@secret:x@h/db",
	} {
		_, err := ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q): no error", dsn)
			continue
		}
		if !strings.HasPrefix(err.Error(), "postgres: malformed DSN: ") || strings.Contains(err.Error(), "`") {
			t.Errorf("ParseDSN(%q) error %q, want postgres: malformed DSN: and the reason, without the DSN", dsn, err)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "sec%zz") {
			t.Errorf("ParseDSN(%q) error %q shows the password", dsn, err)
		}
	}
}

// server returns the test server's DSN, with db as its database, or skips as testdb does.
func server(t *testing.T, db string) *url.URL {
	t.Helper()
	setup := testdb.Postgres(t)
	u, err := url.Parse(setup.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	// Nothing listens on port 1 of the loopback address.
	_, err := Open(ctx, "postgres://u:secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", 1)
	if err == nil || !strings.Contains(err.Error(), "cannot connect") || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open(closed port) error = %v, want one that says it cannot connect, without the password", err)
	}
	// With TLS preferred, pgx tries twice; the error still says it in one line.
	_, err = Open(ctx, "postgres://u:secret@127.0.0.1:1/db?sslmode=prefer&connect_timeout=2", 1)
	if err == nil || !strings.Contains(err.Error(), "cannot connect") || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open(closed port, sslmode=prefer) error = %q, want one line that says it cannot connect, without the password", err)
	}

	u := server(t, "no_such_database_dbverify")
	_, err = Open(ctx, u.String(), 1)
	if !errors.Is(err, dialect.ErrNotFound) || !strings.Contains(err.Error(), "no_such_database_dbverify") {
		t.Errorf("Open(unknown database) error = %v, want one naming it and wrapping ErrNotFound", err)
	}

	// The test server trusts local users, so no password is wrong; an unknown role is refused.
	u = server(t, "postgres")
	u.User = url.UserPassword("dbverify_no_such_role", "wrong-secret")
	_, err = Open(ctx, u.String(), 1)
	if err == nil || !strings.Contains(err.Error(), "access denied") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("Open(unknown role) error = %v, want access denied, without the password", err)
	}

	_, err = Open(ctx, "postgres://u:secret@127.0.0.1:1/db?sslmode=sometimes", 1)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open(malformed) error = %v", err)
	}
}

// TestReadOnly checks the dialect's sessions cannot write, and print values as the canonical
// forms expect, on every connection of the pool.
func TestReadOnly(t *testing.T) {
	setup, d := open(t)
	setup.Exec(t, "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	ctx := t.Context()
	var conns []interface{ Release() }
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for i := range 4 {
		c, err := d.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for name, want := range map[string]string{
			"transaction_read_only": "on",
			"TimeZone":              "UTC",
			"DateStyle":             "ISO, YMD",
			"bytea_output":          "hex",
			"extra_float_digits":    "1",
		} {
			var got string
			if err := c.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil || got != want {
				t.Errorf("connection %d: %s = %q, %v; want %q", i, name, got, err, want)
			}
		}
		for _, stmt := range []string{
			"INSERT INTO t VALUES (2)",
			"UPDATE t SET id = 3",
			"DELETE FROM t",
			"CREATE TABLE u (id int)",
		} {
			_, err := c.Exec(ctx, stmt)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "25006" { // read_only_sql_transaction
				t.Errorf("connection %d: %s: %v, want a read-only transaction error", i, stmt, err)
			}
		}
	}
	var n int
	if err := setup.SQL.QueryRow("SELECT count(*) FROM t WHERE id = 1").Scan(&n); err != nil || n != 1 {
		t.Errorf("table changed: %d rows with id 1, %v", n, err)
	}
}

// TestPostgresTypes checks PostgreSQL-only types: classes and canonical values.
func TestPostgresTypes(t *testing.T) {
	setup, d := open(t)
	setup.Exec(t,
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE DOMAIN short_code AS char(4)",
		`CREATE TABLE ty (id int PRIMARY KEY, b bool, r real, f float8, j jsonb, tz timestamptz(6), d date,
			tm time(6), bt bit(10), m mood, sc short_code, n numeric, nan numeric, i interval)`,
		`INSERT INTO ty VALUES (1, true, 1.1, 0.1, '{"b": 1, "a": [1, 2]}', '2024-01-01 05:00:00.25+05', '2024-02-29',
			'23:59:59.999999', B'1000000001', 'happy', 'ab', 1.500, 'NaN', '1 day 02:00:00')`,
	)
	tb, err := d.Table(t.Context(), "ty")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		class dialect.Class
		value string
	}{
		{dialect.ClassInt, "1"},
		{dialect.ClassBool, "1"},
		{dialect.ClassFloat, "1.1"},
		{dialect.ClassDouble, "0.1"},
		{dialect.ClassJSON, `{"a":[1,2],"b":1}`},
		{dialect.ClassTimestamp, "2024-01-01 00:00:00.250000"},
		{dialect.ClassDate, "2024-02-29"},
		{dialect.ClassTime, "23:59:59.999999"},
		{dialect.ClassBit, "513"},
		{dialect.ClassEnum, "happy"},
		{dialect.ClassString, "ab"},
		{dialect.ClassDecimal, "1.5"},
		{dialect.ClassDecimal, "NaN"},
		{dialect.ClassOther, "1 day 02:00:00"},
	}
	idx := make([]int, len(tb.Columns))
	for i := range idx {
		idx[i] = i
	}
	rows, err := d.Scan(t.Context(), dialect.Query{Table: tb, Columns: idx})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	for i, w := range want {
		c := tb.Columns[i]
		if c.Class != w.class {
			t.Errorf("%s (%s): class %s, want %s", c.Name, c.Type, c.Class, w.class)
		}
		if got := string(rows.Values()[i]); got != w.value {
			t.Errorf("%s (%s) = %q, want %q", c.Name, c.Type, got, w.value)
		}
	}
	if c := tb.Columns[10]; !c.PadChar || c.BaseType != "character" && c.BaseType != "bpchar" {
		t.Errorf("domain over char: %+v", c)
	}
}

// TestKeyTypes checks keys of types whose parameters need a cast: char(n), bit(n), an enum,
// timestamptz, numeric, bool, uuid and bytea, through ranges, seeks and lookups.
func TestKeyTypes(t *testing.T) {
	setup, d := open(t)
	setup.Exec(t,
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TABLE kc (k char(3) PRIMARY KEY)",
		"INSERT INTO kc VALUES ('a'), ('ab'), ('abc'), ('b'), ('ba')",
		"CREATE TABLE kb (k bit(10) PRIMARY KEY)",
		"INSERT INTO kb VALUES (B'0000000001'), (B'0000000010'), (B'1000000000'), (B'1111111111')",
		"CREATE TABLE ke (k mood PRIMARY KEY)",
		"INSERT INTO ke VALUES ('happy'), ('sad'), ('ok')",
		"CREATE TABLE kt (k timestamptz PRIMARY KEY)",
		"INSERT INTO kt VALUES ('2024-01-01 00:00:00+00'), ('2024-01-01 00:00:00.000001+00'), ('2024-01-01 05:00:00+04')",
		"CREATE TABLE kn (k numeric PRIMARY KEY)",
		"INSERT INTO kn VALUES (1.5), (1.50000000000000000000001), (-2), (100)",
		"CREATE TABLE kbo (k bool PRIMARY KEY)",
		"INSERT INTO kbo VALUES (false), (true)",
		"CREATE TABLE kby (k bytea PRIMARY KEY)",
		`INSERT INTO kby VALUES (''), ('\x00'), ('\x0000'), ('\xff')`,
	)
	tests := []struct {
		table string
		keys  []string // in key order
	}{
		{"kc", []string{"a", "ab", "abc", "b", "ba"}},
		{"kb", []string{"1", "2", "512", "1023"}},
		{"ke", []string{"sad", "ok", "happy"}}, // enum order, not text order
		{"kt", []string{"2024-01-01 00:00:00.000000", "2024-01-01 00:00:00.000001", "2024-01-01 01:00:00.000000"}},
		{"kn", []string{"-2", "1.5", "1.50000000000000000000001", "100"}},
		{"kbo", []string{"0", "1"}},
		{"kby", []string{"", "\x00", "\x00\x00", "\xff"}},
	}
	for _, tt := range tests {
		tb, err := d.Table(t.Context(), tt.table)
		if err != nil {
			t.Fatal(err)
		}
		q := dialect.Query{Table: tb, Columns: tb.Key}
		var got []string
		for range len(tt.keys) + 2 { // bounded: a seek that fails to advance would loop forever
			k, ok, err := d.KeyAfter(t.Context(), q, 1)
			if err != nil {
				t.Fatalf("%s: KeyAfter(%s): %v", tt.table, q.Range, err)
			}
			if !ok {
				break
			}
			got = append(got, string(k[0]))
			q.Range.Lo = k
		}
		if !reflect.DeepEqual(got, tt.keys) {
			t.Errorf("%s: walk = %q, want %q", tt.table, got, tt.keys)
		}
		for i, k := range tt.keys {
			// (keys[i-1], keys[i]] holds keys[i] alone, and a lookup of it finds it alone.
			q.Range = dialect.Range{Hi: key(k)}
			if i > 0 {
				q.Range.Lo = key(tt.keys[i-1])
			}
			if n, err := d.CountRows(t.Context(), q); err != nil || n != 1 {
				t.Errorf("%s: CountRows(%s) = %d, %v; want 1", tt.table, q.Range, n, err)
			}
			rows, err := d.Lookup(t.Context(), q, []dialect.Key{key(k)})
			if err != nil {
				t.Fatalf("%s: Lookup(%q): %v", tt.table, k, err)
			}
			var found []string
			for rows.Next() {
				found = append(found, string(rows.Values()[0]))
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("%s: Lookup(%q): %v", tt.table, k, err)
			}
			rows.Close()
			if !reflect.DeepEqual(found, []string{k}) {
				t.Errorf("%s: Lookup(%q) = %q", tt.table, k, found)
			}
		}
	}
}

// TestTablesPartitioned checks a partitioned table is listed once, without its partitions,
// which hold its rows and would otherwise be compared twice.
func TestTablesPartitioned(t *testing.T) {
	setup, d := open(t)
	setup.Exec(t,
		"CREATE TABLE p (id int NOT NULL, v text, PRIMARY KEY (id)) PARTITION BY RANGE (id)",
		"CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM (0) TO (100)",
		"CREATE TABLE p_2 PARTITION OF p FOR VALUES FROM (100) TO (200)",
		"CREATE TABLE plain (id int PRIMARY KEY)",
		"INSERT INTO p VALUES (1, 'a'), (150, 'b')",
	)
	names, err := d.Tables(t.Context())
	if err != nil || !reflect.DeepEqual(names, []string{"p", "plain"}) {
		t.Errorf("Tables() = %q, %v; want [p plain]", names, err)
	}
	tb, err := d.Table(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.CountRows(t.Context(), dialect.Query{Table: tb, Columns: tb.Key}); err != nil || n != 2 {
		t.Errorf("CountRows(p) = %d, %v", n, err)
	}
}

// TestUniqueIndexInclude checks an index's INCLUDE columns are not taken for key columns.
func TestUniqueIndexInclude(t *testing.T) {
	setup, d := open(t)
	setup.Exec(t,
		"CREATE TABLE inc (a int NOT NULL, b int, c int NOT NULL)",
		"CREATE UNIQUE INDEX inc_a ON inc (a) INCLUDE (b)",
		"CREATE TABLE inc2 (a int NOT NULL, b int NOT NULL)",
		"CREATE UNIQUE INDEX inc2_a ON inc2 (a) INCLUDE (b)",
	)
	for _, name := range []string{"inc", "inc2"} {
		tb, err := d.Table(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if tb.KeyKind != dialect.KeyUnique || !reflect.DeepEqual(tb.KeyNames(), []string{"a"}) {
			t.Errorf("%s: key %s %q, want unique index (a)", name, tb.KeyKind, tb.KeyNames())
		}
	}
}

// TestSchemas checks names with a schema, and the search path's first schema as the default.
func TestSchemas(t *testing.T) {
	setup, d := open(t)
	if d.Schema() != "public" {
		t.Errorf("Schema() = %q, want public", d.Schema())
	}
	setup.Exec(t,
		"CREATE SCHEMA other",
		"CREATE TABLE other.t (id int PRIMARY KEY)",
		"INSERT INTO other.t VALUES (1), (2)",
	)
	tb, err := d.Table(t.Context(), "other.t")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Schema != "other" {
		t.Errorf("Table(other.t).Schema = %q", tb.Schema)
	}
	if n, err := d.CountRows(t.Context(), dialect.Query{Table: tb, Columns: tb.Key}); err != nil || n != 2 {
		t.Errorf("CountRows(other.t) = %d, %v", n, err)
	}
	if _, err := d.Table(t.Context(), "t"); !errors.Is(err, dialect.ErrNotFound) {
		t.Errorf("Table(t) in public: %v, want ErrNotFound", err)
	}
}

// TestReplicaLagNotReplicating: a server that replicates nothing has no lag to tell (ok=false),
// and reading it is no error. (Lag on a real replica is not covered here: the tests have one
// server per engine.)
func TestReplicaLagNotReplicating(t *testing.T) {
	_, d := open(t)
	lag, ok, err := d.ReplicaLag(context.Background())
	if err != nil || ok {
		t.Fatalf("ReplicaLag = %s, %v, %v; want unknown and no error on a server without replication", lag, ok, err)
	}
}

// TestHashErrorTooLarge: a hash query that fails because a value is past a server limit
// (SQLSTATE 54000: a bytea past 512 MiB has no hex text) marks the range unhashed, to be read
// and hashed in Go; any other failure stays a failure.
func TestHashErrorTooLarge(t *testing.T) {
	tb := &dialect.Table{Schema: "public", Name: "t"}
	big := &pgconn.PgError{Code: "54000", Message: "result of encoding conversion is too large"}
	if err := hashError("digest", tb, big); !errors.Is(err, dialect.ErrUnhashed) || !errors.As(err, new(*pgconn.PgError)) {
		t.Errorf("hashError(54000) = %v, want ErrUnhashed wrapping the server's error", err)
	}
	rows := &sqlkit.HashedRows{Rows: failedRows{big}, TooLarge: tooLarge}
	if err := rows.Err(); !errors.Is(err, dialect.ErrUnhashed) {
		t.Errorf("HashedRows.Err(54000) = %v, want ErrUnhashed", err)
	}
	for _, other := range []error{&pgconn.PgError{Code: "57014", Message: "canceling statement"}, errors.New("connection reset")} {
		if err := hashError("digest", tb, other); errors.Is(err, dialect.ErrUnhashed) {
			t.Errorf("hashError(%v) = %v, want a plain failure", other, err)
		}
	}
}

// failedRows is a Rows that ended with err.
type failedRows struct{ err error }

func (failedRows) Next() bool       { return false }
func (failedRows) Values() [][]byte { return nil }
func (r failedRows) Err() error     { return r.err }
func (failedRows) Close()           {}
