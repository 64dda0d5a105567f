package testdb

import "testing"

// StartMariaDBWith starts a throwaway MariaDB server with extra mysqld options (e.g.
// "--log-bin=binlog", "--binlog-format=STATEMENT"), for tests that need a server configured
// unlike the shared one. Without MariaDB's server binaries the test skips, or fails under CI.
func StartMariaDBWith(t testing.TB, opts ...string) *Server {
	t.Helper()
	mysqld, installDB := mariaDBBinaries(t, "a throwaway server")
	return startMariaDB(t, mysqld, installDB, tempDir(t, "dbv-mariadb-"), 1, opts...)
}

// StartPostgresWith starts a throwaway PostgreSQL cluster with extra server options ("-c",
// "wal_level=replica", ...). Without PostgreSQL's server binaries the test skips, or fails
// under CI.
func StartPostgresWith(t testing.TB, opts ...string) *Server {
	t.Helper()
	return startPostgres(t, "a throwaway server", opts...)
}
