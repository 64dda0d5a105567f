package dialect

import (
	"strings"
	"testing"
)

// TestMaskCredentialForms: the DSN forms of package creds keep what is not secret and lose what
// is: a secret's name (which may hold '@' and ':') is no password; a password in a DSN that also
// names a secret or asks for a token is masked as ever.
func TestMaskCredentialForms(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"secretsmanager:prod/orders", "secretsmanager:prod/orders"},
		{"secretsmanager:team@prod/db:main", "secretsmanager:team@prod/db:main"},
		{"secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1-AbCdEf?sslmode=require", "secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1-AbCdEf?sslmode=require"},
		{"secretsmanager:x?password=hunter2", "secretsmanager:x?password=***"},
		{"mysql://h:3306/shop?secret=rds%21db-1&tls=true", "mysql://h:3306/shop?secret=rds%21db-1&tls=true"},
		{"mysql://app:hunter2@h:3306/shop?secret=x", "mysql://app:***@h:3306/shop?secret=x"},
		{"postgres://app@h:5432/shop?auth=iam&sslmode=verify-full&sslrootcert=/etc/rds.pem", "postgres://app@h:5432/shop?auth=iam&sslmode=verify-full&sslrootcert=/etc/rds.pem"},
		{"mysql://app:hunter2@h/db?auth=iam&ssl-ca=/etc/rds.pem", "mysql://app:***@h/db?auth=iam&ssl-ca=/etc/rds.pem"},
	}
	for _, tt := range tests {
		if got := MaskDSN(tt.dsn); got != tt.want {
			t.Errorf("MaskDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestScrub(t *testing.T) {
	token := "db.abc.eu-west-1.rds.amazonaws.com:3306/?Action=connect&DBUser=app&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=0123abcd"
	msg := Scrub("login with hunter2 failed; with "+token+" too; pw ab", "hunter2", "ab", "")
	for _, leak := range []string{"hunter2", "X-Amz", "AKID", "Action=connect"} {
		if strings.Contains(msg, leak) {
			t.Errorf("Scrub left %q: %s", leak, msg)
		}
	}
	if !strings.Contains(msg, "pw ab") {
		t.Errorf("Scrub masked a two-letter secret everywhere: %s", msg) // too short to mask safely
	}
}
