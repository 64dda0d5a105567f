package dialect

import (
	"strings"
	"testing"
)

func TestDetectEngine(t *testing.T) {
	tests := []struct {
		dsn  string
		want string
	}{
		{"mysql://root@127.0.0.1:3306/db", MySQL},
		{"MySQL://root@h/db", MySQL},
		{"mariadb://u:p@h/db", MySQL},
		{"aurora://u:p@h/db", MySQL},
		{"aurora-mysql://u:p@h/db", MySQL},
		{"postgres://u:p@h:5432/db?sslmode=disable", Postgres},
		{"postgresql://u@h/db", Postgres},
		{"pg://u@h/db", Postgres},
		// go-sql-driver's native forms.
		{"u:p@tcp(h:3306)/db", MySQL},
		{"u@tcp(h)/db?tls=true", MySQL},
		{"u:p@unix(/run/mysqld/mysqld.sock)/db", MySQL},
		{"u:p@/db", MySQL},          // default network and address
		{"u:p@ss@tcp(h)/db", MySQL}, // '@' in the password: the driver splits at the last one
		{"u:p:s@tcp(h)/db", MySQL},
		// libpq's keyword/value form.
		{"host=h user=u dbname=d", Postgres},
		{"  host = h port=5432", Postgres},
		{"dbname=d password='x y'", Postgres},
	}
	for _, tt := range tests {
		got, err := DetectEngine(tt.dsn)
		if err != nil || got != tt.want {
			t.Errorf("DetectEngine(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
		}
	}
}

func TestDetectEngineErrors(t *testing.T) {
	tests := []struct {
		dsn, wantErr string
	}{
		{"sqlserver://u:secret@h/db", `unknown DSN scheme "sqlserver"`},
		{"oracle://u:secret@h/db", "unknown DSN scheme"},
		{"", "cannot tell the engine"},
		{"just-a-host", "cannot tell the engine"},
		{"u:secret@h/db", "cannot tell the engine"},
		{"u:secret@udp(h)/db", "cannot tell the engine"},
	}
	for _, tt := range tests {
		got, err := DetectEngine(tt.dsn)
		if err == nil {
			t.Errorf("DetectEngine(%q) = %q, want an error", tt.dsn, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("DetectEngine(%q) error %q, want it to mention %q", tt.dsn, err, tt.wantErr)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("DetectEngine(%q) error %q shows the password", tt.dsn, err)
		}
	}
}

func TestMaskDSN(t *testing.T) {
	tests := []struct {
		dsn, want, password string
	}{
		{"mysql://u:secret@h:3306/db", "mysql://u:***@h:3306/db", "secret"},
		{"postgres://u:secret@h/db?sslmode=disable", "postgres://u:***@h/db?sslmode=disable", "secret"},
		{"mysql://u:p%40ss%3Aw%2Frd@h/db", "mysql://u:***@h/db", "p@ss:w/rd"},
		// A raw '@' in a URL password: url.Parse splits the authority at the last '@'.
		{"mysql://u:p@ss@h/db", "mysql://u:***@h/db", "p@ss"},
		{"mysql://u:@h/db", "mysql://u:***@h/db", ""},
		{"mysql://u@h/db", "mysql://u@h/db", ""},
		{"mysql://h:3306/db", "mysql://h:3306/db", ""},
		// An '@' in the query masks more than the password: a password holding '/' or '?'
		// unencoded looks the same, and showing too little would leak it.
		{"postgres://u:secret@h/db?x=a@b", "postgres://u:***@b", "secret"},
		{"mysql://root:p#ss@h:3306/x", "mysql://root:***@h:3306/x", "p#ss"},
		{"mysql://root:se/cret@h:3306/x", "mysql://root:***@h:3306/x", "se/cret"},
		{"postgres://u:pa?ss@h/x", "postgres://u:***@h/x", "pa?ss"},
		// Native forms.
		{"u:secret@tcp(h:3306)/db", "u:***@tcp(h:3306)/db", "secret"},
		{"u:p@ss:w/rd@tcp(h)/db?tls=true", "u:***@tcp(h)/db?tls=true", "p@ss:w/rd"},
		{"u:secret@unix(/tmp/s.sock)/db", "u:***@unix(/tmp/s.sock)/db", "secret"},
		{"u:secret@/db", "u:***@/db", "secret"},
		{"u@tcp(h)/db", "u@tcp(h)/db", ""},
		// Keyword/value forms.
		{"host=h password=secret user=u", "host=h password=*** user=u", "secret"},
		{"host=h password='x y' user=u", "host=h password=*** user=u", "x y"},
		{"host=h PASSWORD = secret", "host=h PASSWORD = ***", "secret"},
		{"host=h password=a:b@/c", "host=h password=***", "a:b@/c"},
		{`host=h password='it\'s' user=u`, "host=h password=*** user=u", `it\'s`},
		// Query parameters.
		{"postgres://u@h/db?password=secret&sslmode=disable", "postgres://u@h/db?password=***&sslmode=disable", "secret"},
		{"postgres://u@h/db?sslmode=disable&password=secret", "postgres://u@h/db?sslmode=disable&password=***", "secret"},
		// Nothing to mask.
		{"", "", ""},
		{"host=h user=u", "host=h user=u", ""},
	}
	for _, tt := range tests {
		got := MaskDSN(tt.dsn)
		if got != tt.want {
			t.Errorf("MaskDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
		if tt.password != "" && strings.Contains(got, tt.password) {
			t.Errorf("MaskDSN(%q) = %q shows the password", tt.dsn, got)
		}
		if p := Password(tt.dsn); p != tt.password {
			t.Errorf("Password(%q) = %q, want %q", tt.dsn, p, tt.password)
		}
	}
}

// FuzzMaskDSN checks that a password made of any characters but the URL's delimiters is masked
// whole, in URL and native forms.
func FuzzMaskDSN(f *testing.F) {
	f.Add("secret")
	f.Add("p@ss:w")
	f.Add("a@tcp(b)")
	f.Add("line\nbreak")
	f.Fuzz(func(t *testing.T, pass string) {
		if strings.ContainsAny(pass, "/?#") {
			t.Skip() // not valid unescaped in a URL's userinfo, nor in the native form
		}
		for _, tt := range []struct{ dsn, want string }{
			{"mysql://user:" + pass + "@host:3306/db", "mysql://user:***@host:3306/db"},
			{"user:" + pass + "@tcp(host:3306)/db", "user:***@tcp(host:3306)/db"},
		} {
			if got := MaskDSN(tt.dsn); got != tt.want {
				t.Errorf("MaskDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if got := Password(tt.dsn); got != pass && !strings.Contains(pass, "%") {
				t.Errorf("Password(%q) = %q, want %q", tt.dsn, got, pass)
			}
		}
	})
}
