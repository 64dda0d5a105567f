// Package sqlkit holds what the engine packages (pkg/dialect/mysql, pkg/dialect/postgres)
// share to build and read SQL: a reader of key ranges and lookups over an engine's syntax, the
// row encoder into canonical bytes, the parsing of digests a server computed, repair statements
// built from an engine's quoting and literals, the lexing helpers of row filters, and the
// buffered, bounded network dialer. Only engine packages import it; the verifier speaks to
// engines through package dialect alone.
package sqlkit
