// Package dialect is the contract between the verifier and a database engine, and the neutral
// types both sides of it speak: tables, columns, keys, key ranges and rows of canonical bytes.
//
// Every SQL string lives in an engine package (dialect/mysql, dialect/postgres), which builds
// it with the helpers the engines share (internal/sqlkit); nothing here knows SQL. An engine
// turns its values into the canonical encoding of package checksum, so that equal data gives
// equal bytes on every engine, and it reads in read-only transactions, one statement per call:
// the verifier never writes to the databases it verifies.
//
// Engines register themselves (Register) when their package is imported, as database/sql
// drivers do; Open picks one by the DSN's form. What an engine can do beyond DB (hash in SQL,
// write repair SQL, read replication lag and positions, ...) it says by implementing the
// optional interfaces here, which the verifier asks for; the verifier never tests an engine by
// name.
package dialect
