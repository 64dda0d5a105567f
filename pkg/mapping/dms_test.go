package mapping

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const includeAll = `{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}`

// doc wraps rules into a table-mappings document.
func doc(rules ...string) string { return `{"rules":[` + strings.Join(rules, ",") + `]}` }

// tf writes a transformation rule; extra is more JSON members, e.g. `"value":"x"`.
func tf(id int, target, action, locator string, extra ...string) string {
	s := fmt.Sprintf(`{"rule-type":"transformation","rule-id":"%d","rule-name":"r%d","rule-target":%q,"rule-action":%q,"object-locator":{%s}`,
		id, id, target, action, locator)
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// sel writes a selection rule.
func sel(id int, action, schema, table string, extra ...string) string {
	s := fmt.Sprintf(`{"rule-type":"selection","rule-id":%d,"rule-name":"s%d","rule-action":%q,"object-locator":{"schema-name":%q,"table-name":%q}`,
		id, id, action, schema, table)
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

func mapperOf(t *testing.T, o Options, rules ...string) *Mapper {
	t.Helper()
	d, err := ParseDMS([]byte(doc(rules...)))
	if err != nil {
		t.Fatalf("ParseDMS: %v", err)
	}
	o.DMS = d
	m, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

const (
	locSchema = `"schema-name":"Shop"`
	locTable  = `"schema-name":"Shop","table-name":"OrderItems"`
	locColumn = `"schema-name":"Shop","table-name":"OrderItems","column-name":"OrderId"`
)

func TestTransformActions(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string
		want string // the transformed name of Shop, OrderItems or OrderId (by the rule's target)
	}{
		{"rename schema", tf(2, "schema", "rename", locSchema, `"value":"shop_v2"`), "shop_v2"},
		{"rename table", tf(2, "table", "rename", locTable, `"value":"order_items"`), "order_items"},
		{"rename column", tf(2, "column", "rename", locColumn, `"value":"order_id"`), "order_id"},
		{"lowercase schema", tf(2, "schema", "convert-lowercase", locSchema), "shop"},
		{"lowercase table", tf(2, "table", "convert-lowercase", locTable), "orderitems"},
		{"lowercase column", tf(2, "column", "convert-lowercase", locColumn), "orderid"},
		{"uppercase schema", tf(2, "schema", "convert-uppercase", locSchema), "SHOP"},
		{"uppercase table", tf(2, "table", "convert-uppercase", locTable), "ORDERITEMS"},
		{"uppercase column", tf(2, "column", "convert-uppercase", locColumn), "ORDERID"},
		{"add-prefix schema", tf(2, "schema", "add-prefix", locSchema, `"value":"dms_"`), "dms_Shop"},
		{"add-prefix table", tf(2, "table", "add-prefix", locTable, `"value":"DMS_"`), "DMS_OrderItems"},
		{"add-prefix column", tf(2, "column", "add-prefix", locColumn, `"value":"c_"`), "c_OrderId"},
		{"add-suffix table", tf(2, "table", "add-suffix", locTable, `"value":"_v2"`), "OrderItems_v2"},
		{"add-suffix column", tf(2, "column", "add-suffix", locColumn, `"value":"_old"`), "OrderId_old"},
		{"remove-prefix table", tf(2, "table", "remove-prefix", locTable, `"value":"Order"`), "Items"},
		{"remove-prefix absent", tf(2, "table", "remove-prefix", locTable, `"value":"Cust"`), "OrderItems"},
		{"remove-prefix case-sensitive", tf(2, "table", "remove-prefix", locTable, `"value":"order"`), "OrderItems"},
		{"remove-suffix table", tf(2, "table", "remove-suffix", locTable, `"value":"Items"`), "Order"},
		{"remove-suffix column", tf(2, "column", "remove-suffix", locColumn, `"value":"Id"`), "Order"},
		{"remove-suffix absent", tf(2, "column", "remove-suffix", locColumn, `"value":"Key"`), "OrderId"},
		{"replace-prefix table", tf(2, "table", "replace-prefix", locTable, `"value":"Sale"`, `"old-value":"Order"`), "SaleItems"},
		{"replace-prefix absent", tf(2, "table", "replace-prefix", locTable, `"value":"Sale"`, `"old-value":"Cust"`), "OrderItems"},
		{"replace-prefix to empty", tf(2, "table", "replace-prefix", locTable, `"value":""`, `"old-value":"Order"`), "Items"},
		{"replace-suffix column", tf(2, "column", "replace-suffix", locColumn, `"value":"_id"`, `"old-value":"Id"`), "Order_id"},
		{"replace-suffix schema", tf(2, "schema", "replace-suffix", locSchema, `"value":"_eu"`, `"old-value":"op"`), "Sh_eu"},
		{"wildcard locator", tf(2, "table", "add-prefix", `"schema-name":"S%","table-name":"Order_tems"`, `"value":"x_"`), "x_OrderItems"},
		{"locator does not match", tf(2, "table", "add-prefix", `"schema-name":"Shop","table-name":"Orders"`, `"value":"x_"`), "OrderItems"},
		{"locator is case-sensitive", tf(2, "table", "add-prefix", `"schema-name":"shop","table-name":"%"`, `"value":"x_"`), "OrderItems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mapperOf(t, Options{}, includeAll, tc.rule)
			schema, table, include := m.Table("Shop", "OrderItems")
			column, colIn := m.Column("Shop", "OrderItems", "OrderId")
			if !include || !colIn {
				t.Fatalf("table included %v, column included %v; want both", include, colIn)
			}
			got := map[string]string{"schema": schema, "table": table, "column": column}
			untouched := map[string]string{"schema": "Shop", "table": "OrderItems", "column": "OrderId"}
			target := strings.Split(strings.SplitN(tc.rule, `"rule-target":"`, 2)[1], `"`)[0]
			for k, v := range got {
				want := untouched[k]
				if k == target {
					want = tc.want
				}
				if v != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestColumnRulesUseSourceTableName(t *testing.T) {
	m := mapperOf(t, Options{}, includeAll,
		tf(2, "table", "rename", locTable, `"value":"order_items"`),
		tf(3, "column", "rename", locColumn, `"value":"order_id"`),
		tf(4, "column", "remove-column", `"schema-name":"Shop","table-name":"order_items","column-name":"%"`),
	)
	if got, in := m.Column("Shop", "OrderItems", "OrderId"); got != "order_id" || !in {
		t.Errorf("Column = %q, %v; want order_id, true", got, in)
	}
	if got, in := m.Column("Shop", "OrderItems", "Qty"); got != "Qty" || !in {
		t.Errorf("Column(Qty) = %q, %v; want Qty, true: the locator names the renamed table, which no source table is", got, in)
	}
}

func TestSelection(t *testing.T) {
	type want struct {
		schema, table string
		in            bool
	}
	for _, tc := range []struct {
		name  string
		rules []string
		fold  bool
		cases []want
	}{
		{"include all but an exclude pattern", []string{
			sel(1, "include", "Shop", "%"), sel(2, "exclude", "Shop", "Audit%")},
			false, []want{{"Shop", "OrderItems", true}, {"Shop", "AuditLog", false}, {"Shop", "AuditLogArchive", false}, {"Other", "OrderItems", false}}},
		{"exclude wins whatever the rule order", []string{
			sel(5, "exclude", "Shop", "AuditLog"), sel(9, "include", "%", "%")},
			false, []want{{"Shop", "AuditLog", false}, {"Shop", "Customers", true}, {"Other", "AuditLog", true}}},
		{"_ is one character", []string{
			sel(1, "include", "Shop", "order_items")},
			false, []want{{"Shop", "order_items", true}, {"Shop", "orderXitems", true}, {"Shop", "order__items", false}}},
		{"[_] is a literal underscore", []string{
			sel(1, "include", "Shop", "order[_]items")},
			false, []want{{"Shop", "order_items", true}, {"Shop", "orderXitems", false}}},
		{"several includes", []string{
			sel(1, "include", "Shop", "Order%"), sel(2, "include", "Shop", "Customers")},
			false, []want{{"Shop", "OrderItems", true}, {"Shop", "Customers", true}, {"Shop", "AuditLog", false}}},
		{"explicit takes exact names", []string{
			sel(1, "explicit", "Shop", "Order%")},
			false, []want{{"Shop", "OrderItems", false}, {"Shop", "Order%", true}}},
		{"exclude beats explicit", []string{
			sel(1, "explicit", "Shop", "AuditLog"), sel(2, "exclude", "Shop", "%Log")},
			false, []want{{"Shop", "AuditLog", false}}},
		{"case-sensitive by default", []string{
			sel(1, "include", "Shop", "orderitems")},
			false, []want{{"Shop", "OrderItems", false}, {"shop", "orderitems", false}, {"Shop", "orderitems", true}}},
		{"IgnoreCase for a case-insensitive source", []string{
			sel(1, "include", "shop", "orderitems"), sel(2, "exclude", "SHOP", "AUDIT%")},
			true, []want{{"Shop", "OrderItems", true}, {"Shop", "AuditLog", false}}},
		{"a views-only rule selects no table", []string{
			sel(1, "include", "Shop", "Orders"), `{"rule-type":"selection","rule-id":"2","rule-action":"include","object-locator":{"schema-name":"Shop","table-name":"%","table-type":"view"}}`},
			false, []want{{"Shop", "Orders", true}, {"Shop", "OrderItems", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mapperOf(t, Options{IgnoreCase: tc.fold}, tc.rules...)
			for _, w := range tc.cases {
				if _, _, in := m.Table(w.schema, w.table); in != w.in {
					t.Errorf("Table(%q, %q) included = %v, want %v", w.schema, w.table, in, w.in)
				}
			}
		})
	}
}

// DMS applies one transformation to an object: the matching rule with the lowest rule-id,
// whatever the order of the rules in the file. Rules at different levels all apply.
func TestLowestRuleIDWins(t *testing.T) {
	lowerAll := []string{
		tf(11, "schema", "convert-lowercase", `"schema-name":"%"`),
		tf(12, "table", "convert-lowercase", `"schema-name":"%","table-name":"%"`),
		tf(13, "column", "convert-lowercase", `"schema-name":"%","table-name":"%","column-name":"%"`),
	}
	t.Run("specific rules with lower ids", func(t *testing.T) {
		rules := append([]string{includeAll}, lowerAll...)
		rules = append(rules, // after the wildcard rules in the file, but with lower ids
			tf(3, "table", "rename", locTable, `"value":"order_items"`),
			tf(4, "column", "remove-column", `"schema-name":"Shop","table-name":"Customers","column-name":"PasswordHash"`),
			tf(5, "column", "add-prefix", locColumn, `"value":"fk_"`),
		)
		m := mapperOf(t, Options{}, rules...)
		if s, tb, in := m.Table("Shop", "OrderItems"); s != "shop" || tb != "order_items" || !in {
			t.Errorf("Table(OrderItems) = %q, %q, %v; want shop, order_items, true", s, tb, in)
		}
		if s, tb, _ := m.Table("Shop", "Customers"); s != "shop" || tb != "customers" {
			t.Errorf("Table(Customers) = %q, %q; want shop, customers", s, tb)
		}
		if _, in := m.Column("Shop", "Customers", "PasswordHash"); in {
			t.Error("PasswordHash is compared; want it removed")
		}
		if c, _ := m.Column("Shop", "OrderItems", "OrderId"); c != "fk_OrderId" {
			t.Errorf("Column(OrderId) = %q, want fk_OrderId: one rule per object, not a chain", c)
		}
		if c, _ := m.Column("Shop", "OrderItems", "UnitPrice"); c != "unitprice" {
			t.Errorf("Column(UnitPrice) = %q, want unitprice", c)
		}
		if n := m.o.DMS.Notes(); len(n) != 0 {
			t.Errorf("notes = %q, want none", n)
		}
	})
	t.Run("specific rules with higher ids never apply", func(t *testing.T) {
		rules := []string{includeAll,
			tf(30, "table", "rename", locTable, `"value":"order_items"`),
			tf(31, "column", "remove-column", `"schema-name":"Shop","table-name":"Customers","column-name":"PasswordHash"`),
		}
		rules = append(rules, lowerAll...)
		m := mapperOf(t, Options{}, rules...)
		if _, tb, _ := m.Table("Shop", "OrderItems"); tb != "orderitems" {
			t.Errorf("Table(OrderItems) = %q, want orderitems", tb)
		}
		if c, in := m.Column("Shop", "Customers", "PasswordHash"); c != "passwordhash" || !in {
			t.Errorf("Column(PasswordHash) = %q, %v; want passwordhash, true", c, in)
		}
		notes := m.o.DMS.Notes()
		if len(notes) != 2 || !strings.Contains(notes[0], "rule 30") || !strings.Contains(notes[0], "rule 12") ||
			!strings.Contains(notes[1], "rule 31") || !strings.Contains(notes[1], "rule 13") {
			t.Errorf("notes = %q; want rule 30 shadowed by 12 and rule 31 by 13", notes)
		}
	})
	t.Run("only certain shadowing is noted", func(t *testing.T) {
		m := mapperOf(t, Options{}, includeAll,
			tf(2, "table", "add-prefix", `"schema-name":"Shop","table-name":"Order_%"`, `"value":"a_"`),
			tf(3, "table", "add-prefix", `"schema-name":"Shop","table-name":"Order%"`, `"value":"b_"`),                  // "Order" escapes rule 2
			tf(4, "table", "add-prefix", `"schema-name":"Shop","table-name":"Order_%"`, `"value":"c_"`),                 // same locator as rule 2
			tf(5, "column", "add-prefix", `"schema-name":"%","table-name":"Order_%","column-name":"%"`, `"value":"d_"`), // another level
		)
		if _, tb, _ := m.Table("Shop", "Order"); tb != "b_Order" {
			t.Errorf("Table(Order) = %q, want b_Order", tb)
		}
		if _, tb, _ := m.Table("Shop", "OrderItems"); tb != "a_OrderItems" {
			t.Errorf("Table(OrderItems) = %q, want a_OrderItems", tb)
		}
		if n := m.o.DMS.Notes(); len(n) != 1 || !strings.HasPrefix(n[0], `rule 4 "r4" (add-prefix) never applies: rule 2 "r2"`) {
			t.Errorf("notes = %q; want only rule 4 shadowed by rule 2", n)
		}
	})
	t.Run("rule ids compare as numbers", func(t *testing.T) {
		m := mapperOf(t, Options{}, includeAll,
			tf(10, "table", "add-prefix", locTable, `"value":"ten_"`),
			tf(9, "table", "add-prefix", locTable, `"value":"nine_"`),
		)
		if _, tb, _ := m.Table("Shop", "OrderItems"); tb != "nine_OrderItems" {
			t.Errorf("Table = %q, want nine_OrderItems", tb)
		}
	})
}

func TestIncludeColumnAndMasking(t *testing.T) {
	m := mapperOf(t, Options{}, includeAll,
		tf(2, "column", "include-column", `"schema-name":"Shop","table-name":"Customers","column-name":"CustomerId"`),
		tf(3, "column", "include-column", `"schema-name":"Shop","table-name":"Customers","column-name":"E%"`),
		tf(4, "column", "data-masking-hash-mask", `"schema-name":"%","table-name":"%","column-name":"Email"`),
		tf(5, "column", "convert-lowercase", `"schema-name":"%","table-name":"%","column-name":"%"`),
	)
	for _, tc := range []struct {
		table, column string
		want          string
		in            bool
	}{
		{"Customers", "CustomerId", "customerid", true},
		{"Customers", "EmailVerified", "emailverified", true},
		{"Customers", "Email", "email", false}, // masked
		{"Customers", "PasswordHash", "", false},
		{"OrderItems", "Qty", "qty", true}, // no include-column rule for this table
		{"OrderItems", "Email", "email", false},
	} {
		got, in := m.Column("Shop", tc.table, tc.column)
		if in != tc.in || (in || tc.want != "") && got != tc.want {
			t.Errorf("Column(%s.%s) = %q, %v; want %q, %v", tc.table, tc.column, got, in, tc.want, tc.in)
		}
	}
	if n := m.o.DMS.Notes(); len(n) != 1 || !strings.Contains(n[0], "masked") {
		t.Errorf("notes = %q, want one on the masked column", n)
	}
}

func TestShopFile(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "dms", "shop.json")
	d, err := LoadDMS(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{DMS: d})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema, table string
		wantSchema    string
		wantTable     string
		in            bool
	}{
		{"Shop", "OrderItems", "shop", "order_items", true},
		{"Shop", "Customers", "shop", "customers", true},
		{"Shop", "AuditLog", "shop", "auditlog", false},
		{"Warehouse", "Stock", "warehouse", "stock", false},
	} {
		s, tb, in := m.Table(tc.schema, tc.table)
		if s != tc.wantSchema || tb != tc.wantTable || in != tc.in {
			t.Errorf("Table(%s.%s) = %q, %q, %v; want %q, %q, %v", tc.schema, tc.table, s, tb, in, tc.wantSchema, tc.wantTable, tc.in)
		}
	}
	for _, tc := range []struct {
		table, column, want string
		in                  bool
	}{
		{"OrderItems", "OrderItemId", "orderitemid", true},
		{"OrderItems", "Qty", "quantity", true},
		{"OrderItems", "UnitPrice", "unitprice", true},
		{"Customers", "CustomerId", "customerid", true},
		{"Customers", "Email", "email", true},
		{"Customers", "PasswordHash", "", false},
	} {
		got, in := m.Column("Shop", tc.table, tc.column)
		if in != tc.in || in && got != tc.want {
			t.Errorf("Column(%s.%s) = %q, %v; want %q, %v", tc.table, tc.column, got, in, tc.want, tc.in)
		}
	}
	if w := m.Where("Shop", "Customers", ansi{}); w != "" {
		t.Errorf("Where = %q, want none", w)
	}
	notes := d.Notes()
	if len(notes) != 2 || !strings.Contains(notes[0], `rule 20 "add-migrated-at" (add-column): ignored`) ||
		!strings.Contains(notes[1], `rule 30 "parallel-order-items" (table-settings): ignored`) {
		t.Errorf("notes = %q", notes)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want []string // substrings of the error
	}{
		{"not JSON", `{"rules": [`, []string{"line 1, column 11", "unexpected end"}},
		{"not an object", `[1, 2]`, []string{`JSON object with a "rules" array`}},
		{"no rules", `{"rule": []}`, []string{`no "rules" array`}},
		{"no selection rule", doc(tf(2, "table", "convert-lowercase", locTable)), []string{"no selection rule"}},
		{"rule not an object", doc(includeAll, `"x"`), []string{"rule #2", "JSON object"}},
		{"missing rule-type", doc(includeAll, `{"rule-id":"7","rule-name":"orphan","rule-action":"include"}`), []string{`rule 7 "orphan"`, `"rule-type" is required`}},
		{"unknown rule-type", doc(includeAll, `{"rule-type":"filter","rule-id":"8","rule-action":"include"}`), []string{"rule 8", `unknown "rule-type" "filter"`}},
		{"missing rule-id", doc(includeAll, `{"rule-type":"selection","rule-name":"anon"}`), []string{`rule #2 "anon"`, `"rule-id" is required`}},
		{"non-numeric rule-id", doc(`{"rule-type":"selection","rule-id":"first","rule-action":"include","object-locator":{"schema-name":"%","table-name":"%"}}`), []string{"rule first", "whole number"}},
		{"duplicate rule-id", doc(includeAll, sel(1, "exclude", "a", "b")), []string{"rule 1", "also the id of rule #1"}},
		{"bad selection action", doc(sel(3, "select", "a", "b")), []string{`rule 3 "s3"`, `unknown selection "rule-action" "select"`}},
		{"missing selection locator", doc(`{"rule-type":"selection","rule-id":"3","rule-action":"include"}`), []string{"rule 3", `"object-locator" is required`}},
		{"missing table-name", doc(`{"rule-type":"selection","rule-id":"3","rule-action":"include","object-locator":{"schema-name":"a"}}`), []string{"rule 3", `"table-name" is required`}},
		{"bad table-type", doc(sel(3, "include", "a", "%")[:len(sel(3, "include", "a", "%"))-2] + `,"table-type":"index"}}`), []string{"rule 3", `"table-type" "index"`}},
		{"bad transformation action", doc(includeAll, tf(4, "table", "convert-titlecase", locTable)), []string{`rule 4 "r4"`, `unknown transformation "rule-action" "convert-titlecase"`}},
		{"action is case-sensitive", doc(includeAll, tf(4, "table", "Rename", locTable, `"value":"x"`)), []string{"rule 4", `"Rename"`}},
		{"missing rule-action", doc(includeAll, `{"rule-type":"transformation","rule-id":"4","rule-target":"table"}`), []string{"rule 4", `"rule-action" is required`}},
		{"missing rule-target", doc(includeAll, `{"rule-type":"transformation","rule-id":"4","rule-action":"rename","value":"x","object-locator":{"schema-name":"a","table-name":"b"}}`), []string{"rule 4", `"rule-target" is required`}},
		{"bad rule-target", doc(includeAll, tf(4, "database", "rename", locTable, `"value":"x"`)), []string{"rule 4", `unknown "rule-target" "database"`}},
		{"remove-column on a table", doc(includeAll, tf(4, "table", "remove-column", locTable)), []string{"rule 4", `remove-column needs "rule-target": "column"`}},
		{"column rule without column-name", doc(includeAll, tf(4, "column", "convert-lowercase", locTable)), []string{"rule 4", `"column-name" is required`}},
		{"rename without value", doc(includeAll, tf(4, "table", "rename", locTable)), []string{"rule 4", `rename needs a "value"`}},
		{"rename by expression", doc(includeAll, tf(4, "table", "rename", locTable, `"expression":"upper($x)"`)), []string{"rule 4", `"expression" is not supported`}},
		{"add-prefix with empty value", doc(includeAll, tf(4, "table", "add-prefix", locTable, `"value":""`)), []string{"rule 4", `add-prefix needs a "value"`}},
		{"replace-prefix without old-value", doc(includeAll, tf(4, "table", "replace-prefix", locTable, `"value":"x"`)), []string{"rule 4", `needs an "old-value"`}},
		{"value not a string", doc(includeAll, tf(4, "table", "rename", locTable, `"value":{"a":1}`)), []string{"rule 4", `"value" must be a string`}},
		{"bad filter operator", doc(sel(1, "include", "a", "b", `"filters":[{"filter-type":"source","column-name":"id","filter-conditions":[{"filter-operator":"like","value":"x%"}]}]`)), []string{"rule 1", "filter 1", `"filter-operator" "like"`}},
		{"filter without value", doc(sel(1, "include", "a", "b", `"filters":[{"filter-type":"source","column-name":"id","filter-conditions":[{"filter-operator":"gte"}]}]`)), []string{"rule 1", "condition 1 (gte)", `"value" is required`}},
		{"between without end", doc(sel(1, "include", "a", "b", `"filters":[{"column-name":"id","filter-conditions":[{"filter-operator":"between","start-value":"1"}]}]`)), []string{"rule 1", `"end-value" are required`}},
		{"filter without conditions", doc(sel(1, "include", "a", "b", `"filters":[{"column-name":"id"}]`)), []string{"rule 1", `"filter-conditions" must be a non-empty array`}},
		{"bad filter-type", doc(sel(1, "include", "a", "b", `"filters":[{"filter-type":"target","column-name":"id","filter-conditions":[{"filter-operator":"null"}]}]`)), []string{"rule 1", `"filter-type" "target"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDMS([]byte(tc.json))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "mapping: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func TestLoadDMSErrors(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "dms", "bad_syntax.json")
	_, err := LoadDMS(path)
	if err == nil || !strings.Contains(err.Error(), path+": line 7, column 7") {
		t.Errorf("LoadDMS(bad syntax) = %v; want the file, line and column", err)
	}

	bad := filepath.Join(t.TempDir(), "mappings.json")
	if err := os.WriteFile(bad, []byte(doc(includeAll, tf(4, "table", "rename", locTable))), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadDMS(bad)
	var re *RuleError
	if !errors.As(err, &re) || re.File != bad || re.Rule != "4" || re.Name != "r4" {
		t.Fatalf("LoadDMS = %v; want a RuleError naming %s, rule 4 and r4", err, bad)
	}
	if want := "mapping: " + bad + `: rule 4 "r4": rename needs a "value"`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}

	_, err = LoadDMS(filepath.Join(t.TempDir(), "missing.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDMS(missing) = %v; want ErrNotExist", err)
	}
}

func TestIgnoredRules(t *testing.T) {
	d, err := ParseDMS([]byte(doc(includeAll,
		tf(2, "column", "add-column", `"schema-name":"%","table-name":"%"`, `"value":"x"`),
		tf(3, "column", "change-data-type", locColumn, `"data-type":{"type":"int8"}`),
		tf(4, "table", "define-primary-key", locTable, `"primary-key-def":{"name":"pk","columns":["a"]}`),
		tf(5, "column", "add-before-image-columns", `"schema-name":"%","table-name":"%"`),
		tf(6, "table-tablespace", "rename", `"schema-name":"a","table-name":"b","table-tablespace-name":"c"`, `"value":"d"`),
		`{"rule-type":"post-processing","rule-id":"7","rule-action":"add-tag","object-locator":{"schema-name":"%","table-name":"%"}}`,
		sel(8, "exclude", "a", "b", `"filters":[{"column-name":"id","filter-conditions":[{"filter-operator":"null"}]}]`),
	)))
	if err != nil {
		t.Fatal(err)
	}
	notes := d.Notes()
	for i, want := range []string{"rule 2 \"r2\" (add-column)", "(change-data-type)", "(define-primary-key)",
		"(add-before-image-columns)", "table-tablespace", "(post-processing)", "rule 8 \"s8\": its filters are ignored"} {
		if i >= len(notes) || !strings.Contains(notes[i], want) {
			t.Errorf("note %d = %q, want it to contain %q (all: %q)", i, at(notes, i), want, notes)
		}
	}
	notes[0] = "changed"
	if slices.Contains(d.Notes(), "changed") {
		t.Error("Notes returns the DMS's own slice")
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
