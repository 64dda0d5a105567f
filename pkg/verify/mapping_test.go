package verify_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/verify"
)

// pascalSnake creates a PascalCase schema on MariaDB and its snake_case copy on PostgreSQL, as a
// DMS task with renaming rules would leave it, with one changed row.
func pascalSnake(t *testing.T) (src, tgt *testdb.DB) {
	my, pg := engines[0], engines[1]
	src, tgt = my.newDB(t), pg.newDB(t)
	src.Exec(t,
		"CREATE TABLE OrderItems (OrderId INT NOT NULL, LineNo INT NOT NULL, ProductName VARCHAR(40), UnitPrice DECIMAL(10,2), PRIMARY KEY (OrderId, LineNo))",
		"CREATE TABLE Customers (CustomerId INT NOT NULL PRIMARY KEY, FullName VARCHAR(40), EmailAddress VARCHAR(80))",
		"CREATE TABLE AuditLog (Id INT NOT NULL PRIMARY KEY, Msg TEXT)",
		"INSERT INTO AuditLog VALUES (1, 'not migrated')")
	tgt.Exec(t,
		"CREATE TABLE order_items (order_id INT NOT NULL, line_no INT NOT NULL, product_name VARCHAR(40), unit_price NUMERIC(10,2), PRIMARY KEY (order_id, line_no))",
		"CREATE TABLE customers (customer_id INT NOT NULL PRIMARY KEY, full_name VARCHAR(40), email_address VARCHAR(80))")
	var items, customers [][]any
	for i := 1; i <= 300; i++ {
		items = append(items, []any{i / 3, i % 3, "product " + strings.Repeat("x", i%7), "9.99"})
		customers = append(customers, []any{i, "Customer Name", "c@example.com"})
	}
	my.insert(t, src, "OrderItems", "OrderId, LineNo, ProductName, UnitPrice", items)
	pg.insert(t, tgt, "order_items", "order_id, line_no, product_name, unit_price", items)
	my.insert(t, src, "Customers", "CustomerId, FullName, EmailAddress", customers)
	pg.insert(t, tgt, "customers", "customer_id, full_name, email_address", customers)
	tgt.Exec(t, "UPDATE customers SET full_name = 'Someone Else' WHERE customer_id = 42")
	return src, tgt
}

// dmsSnake is a DMS table-mappings file equivalent to --map snake_case for pascalSnake's
// schema: DMS has no snake_case action, so each name gets a rename rule; the schema is renamed
// to PostgreSQL's public; AuditLog is not migrated.
const dmsSnake = `{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "all", "object-locator": {"schema-name": "%", "table-name": "%"}, "rule-action": "include"},
 {"rule-type": "selection", "rule-id": "2", "rule-name": "no-audit", "object-locator": {"schema-name": "%", "table-name": "AuditLog"}, "rule-action": "exclude"},
 {"rule-type": "transformation", "rule-id": "10", "rule-name": "schema", "rule-target": "schema", "object-locator": {"schema-name": "%"}, "rule-action": "rename", "value": "public"},
 {"rule-type": "transformation", "rule-id": "11", "rule-name": "t1", "rule-target": "table", "object-locator": {"schema-name": "%", "table-name": "OrderItems"}, "rule-action": "rename", "value": "order_items"},
 {"rule-type": "transformation", "rule-id": "12", "rule-name": "t2", "rule-target": "table", "object-locator": {"schema-name": "%", "table-name": "Customers"}, "rule-action": "rename", "value": "customers"},
 {"rule-type": "transformation", "rule-id": "20", "rule-name": "c1", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "OrderItems", "column-name": "OrderId"}, "rule-action": "rename", "value": "order_id"},
 {"rule-type": "transformation", "rule-id": "21", "rule-name": "c2", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "OrderItems", "column-name": "LineNo"}, "rule-action": "rename", "value": "line_no"},
 {"rule-type": "transformation", "rule-id": "22", "rule-name": "c3", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "OrderItems", "column-name": "ProductName"}, "rule-action": "rename", "value": "product_name"},
 {"rule-type": "transformation", "rule-id": "23", "rule-name": "c4", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "OrderItems", "column-name": "UnitPrice"}, "rule-action": "rename", "value": "unit_price"},
 {"rule-type": "transformation", "rule-id": "24", "rule-name": "c5", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "Customers", "column-name": "CustomerId"}, "rule-action": "rename", "value": "customer_id"},
 {"rule-type": "transformation", "rule-id": "25", "rule-name": "c6", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "Customers", "column-name": "FullName"}, "rule-action": "rename", "value": "full_name"},
 {"rule-type": "transformation", "rule-id": "26", "rule-name": "c7", "rule-target": "column", "object-locator": {"schema-name": "%", "table-name": "Customers", "column-name": "EmailAddress"}, "rule-action": "rename", "value": "email_address"}
]}`

// TestNameMapping: PascalCase on MariaDB against snake_case on PostgreSQL compares with
// --map snake_case and with the equivalent DMS table-mappings file, reporting the one change
// under the source's names.
func TestNameMapping(t *testing.T) {
	src, tgt := pascalSnake(t)
	file := filepath.Join(t.TempDir(), "mappings.json")
	if err := os.WriteFile(file, []byte(dmsSnake), 0o600); err != nil {
		t.Fatal(err)
	}
	dms, err := mapping.LoadDMS(file)
	if err != nil {
		t.Fatal(err)
	}
	snake, _ := mapping.New(mapping.Options{Case: mapping.SnakeCase})
	viaDMS, _ := mapping.New(mapping.Options{DMS: dms})
	for _, c := range []struct {
		name string
		opt  verify.Options
	}{
		{"snake_case", verify.Options{Mapping: snake, Exclude: []string{"AuditLog"}}},
		{"dms", verify.Options{Mapping: viaDMS}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := compare(t, src, tgt, c.opt)
			var names []string
			for _, tr := range rep.Tables {
				names = append(names, tr.Source+"->"+tr.Target)
			}
			if want := []string{"Customers->customers", "OrderItems->order_items"}; !slices.Equal(names, want) {
				t.Errorf("tables %q, want %q", names, want)
			}
			if tr := table(t, rep, "OrderItems"); !tr.Identical() || tr.SourceRows != 300 {
				t.Errorf("OrderItems: identical %v, rows %d", tr.Identical(), tr.SourceRows)
			}
			if got, want := diffString(table(t, rep, "Customers")), []string{`changed CustomerId=42 FullName:"Customer Name"->"Someone Else"`}; !slices.Equal(got, want) {
				t.Errorf("Customers: %q, want %q", got, want)
			}
			// A saved report carries the names the mapping gave: repair from it, with no
			// mapping given, writes the compare's own SQL (repairSQL checks).
			if _, res, sql := repairSQL(t, src, tgt, c.opt); res.Statements != 1 {
				t.Errorf("repair: %d statements, want 1\n%s", res.Statements, sql)
			}
		})
	}
	t.Run("without mapping", func(t *testing.T) {
		s, _ := verify.Open(t.Context(), verify.Source, src.DSN, verify.OpenOptions{})
		d, _ := verify.Open(t.Context(), verify.Target, tgt.DSN, verify.OpenOptions{})
		defer s.Close()
		defer d.Close()
		_, err := verify.Compare(t.Context(), s, d, verify.Options{Tables: []string{"OrderItems"}})
		var oe *verify.OptionError
		if !errors.As(err, &oe) || oe.Option != "Mapping" || !strings.Contains(err.Error(), "order_items") || strings.Contains(err.Error(), "--") {
			t.Errorf("want a not-found error that suggests a name mapping (Options.Mapping), naming no flag, got %v", err)
		}
	})
}
