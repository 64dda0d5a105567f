// Package dialect is the contract between the verifier and a database engine, and the neutral
// types both sides of it speak: tables, columns, keys, key ranges and rows of canonical bytes.
//
// Every SQL string lives in an engine package (dialect/mysql, dialect/postgres); nothing here
// knows SQL. An engine turns its values into the canonical encoding of package checksum, so that
// equal data gives equal bytes on every engine, and it reads in read-only transactions, one
// statement per call: the verifier never writes to the databases it verifies.
package dialect
