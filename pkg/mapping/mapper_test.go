package mapping

import (
	"strings"
	"testing"
)

func TestMapperWithoutDMS(t *testing.T) {
	for _, tc := range []struct {
		name       string
		o          Options
		schema     string
		table      string
		column     string
		wantSchema string
		wantTable  string
		wantColumn string
	}{
		{"zero options", Options{}, "Shop", "OrderItems", "OrderId", "", "OrderItems", "OrderId"},
		{"lower", Options{Case: Lower}, "Shop", "OrderItems", "OrderId", "", "orderitems", "orderid"},
		{"upper", Options{Case: Upper}, "Shop", "order_items", "order_id", "", "ORDER_ITEMS", "ORDER_ID"},
		{"snake_case", Options{Case: SnakeCase}, "Shop", "OrderItems", "HTTPStatus2Code", "", "order_items", "http_status2_code"},
		{"schema", Options{Schema: "public"}, "Shop", "OrderItems", "OrderId", "public", "OrderItems", "OrderId"},
		{"explicit table beats case", Options{Case: SnakeCase, Tables: map[string]string{"OrderItems": "line_items"}},
			"Shop", "OrderItems", "OrderId", "", "line_items", "order_id"},
		{"schema-qualified table key beats a bare one", Options{Tables: map[string]string{"OrderItems": "a", "Shop.OrderItems": "b"}},
			"Shop", "OrderItems", "X", "", "b", "X"},
		{"bare table key for another schema", Options{Tables: map[string]string{"OrderItems": "a", "Shop.OrderItems": "b"}},
			"Archive", "OrderItems", "X", "", "a", "X"},
		{"explicit column beats case", Options{Case: Lower, Columns: map[string]string{"OrderItems.OrderId": "order_ref"}},
			"Shop", "OrderItems", "OrderId", "", "orderitems", "order_ref"},
		{"explicit column of another table", Options{Case: Lower, Columns: map[string]string{"Customers.OrderId": "order_ref"}},
			"Shop", "OrderItems", "OrderId", "", "orderitems", "orderid"},
		{"schema-qualified column key", Options{Columns: map[string]string{"OrderItems.OrderId": "a", "Shop.OrderItems.OrderId": "b"}},
			"Shop", "OrderItems", "OrderId", "", "OrderItems", "b"},
		{"keys are case-sensitive", Options{Tables: map[string]string{"orderitems": "x"}, Columns: map[string]string{"orderitems.orderid": "y"}},
			"Shop", "OrderItems", "OrderId", "", "OrderItems", "OrderId"},
		{"IgnoreCase keys", Options{IgnoreCase: true, Tables: map[string]string{"shop.orderitems": "x"}, Columns: map[string]string{"ORDERITEMS.ORDERID": "y"}},
			"Shop", "OrderItems", "OrderId", "", "x", "y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			s, tb, in := m.Table(tc.schema, tc.table)
			if s != tc.wantSchema || tb != tc.wantTable || !in {
				t.Errorf("Table = %q, %q, %v; want %q, %q, true", s, tb, in, tc.wantSchema, tc.wantTable)
			}
			c, in := m.Column(tc.schema, tc.table, tc.column)
			if c != tc.wantColumn || !in {
				t.Errorf("Column = %q, %v; want %q, true", c, in, tc.wantColumn)
			}
		})
	}
}

// The three steps: DMS rules, then Case, then explicit names; each beats the one before.
func TestMapperSteps(t *testing.T) {
	rules := []string{includeAll,
		tf(2, "schema", "rename", `"schema-name":"Shop"`, `"value":"ShopV2"`),
		tf(3, "table", "add-prefix", `"schema-name":"%","table-name":"%"`, `"value":"Legacy"`),
		tf(4, "column", "add-suffix", `"schema-name":"%","table-name":"%","column-name":"%"`, `"value":"Old"`),
	}
	for _, tc := range []struct {
		name                    string
		o                       Options
		schema, table, column   string
		wantS, wantT, wantC     string
		wantNotCompared, wantIn bool
	}{
		{"dms only", Options{}, "Shop", "OrderItems", "OrderId", "ShopV2", "LegacyOrderItems", "OrderIdOld", false, true},
		{"case after dms", Options{Case: SnakeCase}, "Shop", "OrderItems", "OrderId", "shop_v2", "legacy_order_items", "order_id_old", false, true},
		{"explicit after case", Options{Case: SnakeCase, Schema: "public", Tables: map[string]string{"OrderItems": "items"},
			Columns: map[string]string{"OrderItems.OrderId": "order"}}, "Shop", "OrderItems", "OrderId", "public", "items", "order", false, true},
		{"dms schema without a schema rule", Options{}, "Sales", "Orders", "Id", "Sales", "LegacyOrders", "IdOld", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mapperOf(t, tc.o, rules...)
			s, tb, in := m.Table(tc.schema, tc.table)
			if s != tc.wantS || tb != tc.wantT || in != tc.wantIn {
				t.Errorf("Table = %q, %q, %v; want %q, %q, %v", s, tb, in, tc.wantS, tc.wantT, tc.wantIn)
			}
			if c, _ := m.Column(tc.schema, tc.table, tc.column); c != tc.wantC {
				t.Errorf("Column = %q, want %q", c, tc.wantC)
			}
		})
	}
}

func TestExplicitRenameDoesNotSelect(t *testing.T) {
	m := mapperOf(t, Options{Tables: map[string]string{"AuditLog": "audit_log"}},
		sel(1, "include", "Shop", "%"), sel(2, "exclude", "Shop", "AuditLog"))
	if _, tb, in := m.Table("Shop", "AuditLog"); tb != "audit_log" || in {
		t.Errorf("Table = %q, %v; want audit_log, false", tb, in)
	}
}

func TestNilMapper(t *testing.T) {
	var m *Mapper
	if s, tb, in := m.Table("Shop", "T"); s != "" || tb != "T" || !in {
		t.Errorf("Table = %q, %q, %v", s, tb, in)
	}
	if c, in := m.Column("Shop", "T", "C"); c != "C" || !in {
		t.Errorf("Column = %q, %v", c, in)
	}
	if w := m.Where("Shop", "T", ansi{}); w != "" {
		t.Errorf("Where = %q", w)
	}
	var d *DMS
	if d.Notes() != nil {
		t.Error("nil DMS has notes")
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"bad case", Options{Case: Case(9)}, "unknown case"},
		{"table key with too many parts", Options{Tables: map[string]string{"a.b.c": "x"}}, `"a.b.c"`},
		{"empty table target", Options{Tables: map[string]string{"a": ""}}, `table rename "a"`},
		{"empty table key part", Options{Tables: map[string]string{".a": "x"}}, `".a"`},
		{"column key without table", Options{Columns: map[string]string{"c": "x"}}, `column rename "c"`},
		{"column key with too many parts", Options{Columns: map[string]string{"a.b.c.d": "x"}}, `"a.b.c.d"`},
		{"keys differing in case", Options{IgnoreCase: true, Tables: map[string]string{"Orders": "a", "orders": "b"}}, "differ only in letter case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "mapping: ") {
				t.Errorf("New = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}
