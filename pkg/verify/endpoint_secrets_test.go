package verify

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestErrorHidesSecrets: an endpoint's errors mask the DSN's password, the password Auth gave,
// the prompt's answer and any IAM token a driver might quote.
func TestErrorHidesSecrets(t *testing.T) {
	auth := dialect.Auth{Password: "file-pw-123", Prompt: func(dialect.Login) (string, error) { return "typed-pw-456", nil }}
	// Port 1 refuses at once: the prompt is asked, the login fails.
	_, err := Open(t.Context(), Source, "mysql://app@127.0.0.1:1/db?timeout=2s", OpenOptions{Conns: 1, Auth: auth})
	if err == nil {
		t.Fatal("no error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%T: %v", err, err)
	}
	e.Err = errors.New("driver said: file-pw-123 / typed-pw-456 / dsn-pw-789 / h:3306/?Action=connect&X-Amz-Signature=ff00")
	e.secrets = append(e.secrets, "dsn-pw-789")
	for _, leak := range []string{"file-pw-123", "dsn-pw-789", "X-Amz-Signature"} {
		if strings.Contains(e.Error(), leak) {
			t.Errorf("error shows %q: %s", leak, e)
		}
	}
	// The prompt's answer, when no other source gave one.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("MYSQL_PWD", "")
	auth.Password = ""
	_, err = Open(t.Context(), Source, "mysql://app@127.0.0.1:1/db?timeout=2s", OpenOptions{Conns: 1, Auth: auth})
	if !errors.As(err, &e) {
		t.Fatalf("%T: %v", err, err)
	}
	e.Err = errors.New("driver said: typed-pw-456")
	if strings.Contains(e.Error(), "typed-pw-456") {
		t.Errorf("error shows the prompt's answer: %s", e)
	}
	ep, err := Open(t.Context(), Target, "mysql://app:dsn-pw-789@127.0.0.1:1/db?timeout=2s", OpenOptions{Conns: 1, Auth: dialect.Auth{}})
	if err == nil {
		ep.Close()
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "dsn-pw-789") {
		t.Errorf("error shows the DSN's password: %v", err)
	}
}
