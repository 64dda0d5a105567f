package testdb

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// StartPostgresPassword starts a throwaway PostgreSQL cluster whose TCP logins need a password
// (SCRAM-SHA-256) for every role but postgres, and creates role with password and the right to
// log in. The shared test server trusts every TCP login, so a wrong password would pass there.
func StartPostgresPassword(t testing.TB, role, password string) *Server {
	t.Helper()
	dir := tempDir(t, "dbv-pghba-")
	hba := filepath.Join(dir, "pg_hba.conf")
	rules := "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
	if err := os.WriteFile(hba, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startPostgres(t, "a server that asks for passwords", "-c", "hba_file="+hba, "-c", "password_encryption=scram-sha-256")
	db, err := openPing("pgx", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE ROLE %q LOGIN PASSWORD '%s'`, role, password)); err != nil {
		t.Fatalf("testdb: create role %s: %v", role, err)
	}
	return srv
}
