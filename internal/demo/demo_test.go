package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/demo"
	"github.com/dbverify/dbverify/internal/testdb"
)

// TestDemo runs the README's first command's job on both servers: the planted drift must be
// found exactly (Run checks the counts) and shown, and the repair SQL, run on the demo's target,
// must make it identical.
func TestDemo(t *testing.T) {
	testdb.MySQL(t) // skip, or fail under CI, without servers
	testdb.Postgres(t)
	var out bytes.Buffer
	err := demo.Run(context.Background(), demo.Config{Rows: 2500, Out: &out, Servers: []demo.Server{
		{Name: "MariaDB", Engine: "mysql", URL: testdb.MySQLServer()},
		{Name: "PostgreSQL", Engine: "postgres", URL: testdb.PostgresServer()},
	}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{`changed  id=99  note: NULL -> ""`, "missing  id=17", "extra    id=2501", "As planted",
		"--repair fix.sql   # ", "compared again:\n   IDENTICAL: 3 tables, 5005 rows"} {
		if n := strings.Count(out.String(), want); n != 2 {
			t.Errorf("%q appears %d times, want once per engine\n%s", want, n, out.String())
		}
	}
}

// TestDemoNoServer: with no server answering, the demo says so instead of passing.
func TestDemoNoServer(t *testing.T) {
	var out bytes.Buffer
	err := demo.Run(context.Background(), demo.Config{Rows: 10, Out: &out, Servers: []demo.Server{
		{Name: "MariaDB", Engine: "mysql", URL: "mysql://root@127.0.0.1:1/"},
	}})
	if err == nil || !strings.Contains(err.Error(), "no database server answered") || !strings.Contains(out.String(), "skipping MariaDB") {
		t.Fatalf("err %v, out %s", err, out.String())
	}
}
