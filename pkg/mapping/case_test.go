package mapping

import (
	"strings"
	"testing"
)

func TestSnakeCase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"OrderId", "order_id"},
		{"HTTPServer", "http_server"},
		{"Order2Item", "order2_item"},
		{"OrderItems", "order_items"},
		{"orderId", "order_id"},
		{"UserID", "user_id"},
		{"userID2", "user_id2"},
		{"getHTTPResponseCode", "get_http_response_code"},
		{"HTTP2Server", "http2_server"},
		{"ABTest", "ab_test"},
		{"V2Api", "v2_api"},
		{"Address2", "address2"},
		{"2ndLine", "2nd_line"},
		{"IDs", "i_ds"}, // documented: rename plural acronyms explicitly
		{"ID", "id"},
		{"A", "a"},
		{"", ""},
		{"already_snake", "already_snake"},
		{"Order_Item", "order_item"},
		{"_Private", "_private"},
		{"Order Items", "order items"}, // a space is kept, and a word after it needs no underscore
		{"ÜberGröße", "über_größe"},
		{"ΑΒΓ", "αβγ"},
		{"x\u03d2Y", "x\u03d2y"}, // U+03D2, a capital with no lower case, is kept and starts no word
	} {
		if got := SnakeCase.Apply(tc.in); got != tc.want {
			t.Errorf("SnakeCase.Apply(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCaseApply(t *testing.T) {
	for _, tc := range []struct {
		c        Case
		in, want string
	}{
		{Identity, "OrderItems", "OrderItems"},
		{Lower, "OrderItems", "orderitems"},
		{Upper, "OrderItems", "ORDERITEMS"},
		{SnakeCase, "OrderItems", "order_items"},
	} {
		if got := tc.c.Apply(tc.in); got != tc.want {
			t.Errorf("%v.Apply(%q) = %q, want %q", tc.c, tc.in, got, tc.want)
		}
	}
}

func TestParseCase(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Case
	}{
		{"", Identity}, {"identity", Identity}, {"lower", Lower}, {"UPPER", Upper},
		{"snake_case", SnakeCase}, {"snake", SnakeCase}, {" Snake_Case ", SnakeCase},
	} {
		got, err := ParseCase(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseCase(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if again, err := ParseCase(got.String()); err != nil || again != got {
			t.Errorf("ParseCase(%v.String()) = %v, %v", got, again, err)
		}
	}
	_, err := ParseCase("camel")
	if err == nil || !strings.Contains(err.Error(), `"camel"`) || !strings.Contains(err.Error(), "snake_case") {
		t.Errorf("ParseCase(camel) error = %v; want it to name the value and list the valid ones", err)
	}
}
