package verify

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

func TestValueDisplay(t *testing.T) {
	long := []byte(strings.Repeat("€", 100)) // 300 bytes of 3-byte characters
	v := newValue(long, dialect.ClassString)
	if v.Hex != "" || !strings.HasSuffix(v.String(), "... (300 bytes)") || !strings.HasPrefix(v.String(), `"€€`) {
		t.Errorf("cut text shown as %s", v.String())
	}
	if got := (Value{Gone: true}).String(); got != "(row gone)" {
		t.Errorf("gone: %s", got)
	}
	if got := newValue([]byte{}, dialect.ClassString).String(); got != `""` {
		t.Errorf("empty: %s", got)
	}
	if got := newValue(nil, dialect.ClassString).String(); got != "NULL" {
		t.Errorf("NULL: %s", got)
	}
	if got := newValue([]byte("42"), dialect.ClassInt).String(); got != "42" {
		t.Errorf("number: %s", got)
	}
}
