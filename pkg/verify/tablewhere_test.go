package verify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/verify"
)

// TestTableWhere: Options.TableWhere filters one table in place of Where, which still filters
// the others; a scoped condition is checked as Where is, and one for a table not compared is
// refused. The errors name no command-line flag.
func TestTableWhere(t *testing.T) {
	src, tgt := engines[0].newDB(t), engines[0].newDB(t)
	for _, db := range []interface{ Exec(testing.TB, ...string) }{src, tgt} {
		db.Exec(t, "CREATE TABLE orders (id INT PRIMARY KEY, n INT)", "INSERT INTO orders VALUES (1, 1), (9, 9)",
			"CREATE TABLE audit (id INT PRIMARY KEY, logged INT)", "INSERT INTO audit VALUES (1, 1), (7, 7)")
	}
	tgt.Exec(t, "UPDATE orders SET n = 90 WHERE id = 9", "UPDATE audit SET logged = 70 WHERE id = 7")
	ctx := context.Background()
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	rep, err := verify.Compare(ctx, s, d, verify.Options{Where: "n < 5", TableWhere: map[string]string{"audit": "logged < 3"}})
	if err != nil || !rep.Identical() {
		t.Fatalf("scoped: %v, %+v", err, rep)
	}
	rep.Close()
	for _, opt := range []verify.Options{
		{Where: "n < 5"}, // audit has no n
		{TableWhere: map[string]string{"audit": "1=1) OR (1=1"}},
		{TableWhere: map[string]string{"audit": "1; DELETE FROM audit"}},
		{TableWhere: map[string]string{"nosuch": "id > 1"}},
		{TableWhere: map[string]string{"audit": "id > 1", "AUDIT": "id > 2"}, Tables: []string{"audit"}},
	} {
		_, err := verify.Compare(ctx, s, d, opt)
		var oe *verify.OptionError
		if !errors.Is(err, verify.ErrInvalid) || !errors.As(err, &oe) || strings.Contains(err.Error(), "--") {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}
