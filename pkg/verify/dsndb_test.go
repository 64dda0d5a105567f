package verify

import "testing"

// TestDSNDatabase: the database a report records is read from each DSN form.
func TestDSNDatabase(t *testing.T) {
	for dsn, want := range map[string]string{
		"mysql://root:***@127.0.0.1:3306/shop?tls=true":     "shop",
		"postgres://app:***@db:5432/orders?sslmode=require": "orders",
		"postgres://app@db:5432":                            "",
		"root:***@tcp(127.0.0.1:3306)/shop?parseTime=true":  "shop",
		"root@/shop": "shop",
		"host=db port=5432 dbname=orders user=app password=***": "orders",
		"host=db dbname='my db' user=app":                       "my db",
		"host=db user=app":                                      "",
		"secretsmanager:prod/db":                                "",
	} {
		if got := dsnDatabase(dsn); got != want {
			t.Errorf("%s: %q, want %q", dsn, got, want)
		}
	}
}
