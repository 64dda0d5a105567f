package postgres

// Every SQL string of the PostgreSQL dialect. %s verbs take quoted identifiers or predicates
// built by this package; values always travel as parameters.
const (
	// versionQuery is the server version, for reports.
	versionQuery = "SELECT current_setting('server_version')"
	// currentSchema is the first schema of the search path: where unqualified names resolve.
	currentSchema = "SELECT current_schema()"

	// listTables lists a schema's ordinary and partitioned tables, but not partitions: their rows
	// are their parent's, which is compared whole (and the other side may not be partitioned).
	// relname is of type name, which sorts bytewise.
	listTables = `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`

	// tableOID finds a table, and whether it is an ordinary table ('r') or a partitioned one.
	tableOID = `SELECT c.oid, c.relkind = 'r' FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`

	// listColumns reads a table's columns in order: the full type for reports, the bare type for
	// casts, the type's name and kind (domains resolve to their base type) for the class, and the
	// collation's identity: provider, locale and version, with "default" resolved to the
	// database's own, since equal names can sort differently (libc against ICU, a glibc upgrade).
	// to_jsonb reads columns that only some versions have (daticulocale became datlocale;
	// attgenerated is PostgreSQL 12+).
	listColumns = `SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
  format_type(COALESCE(NULLIF(t.typbasetype, 0), a.atttypid), NULL),
  COALESCE(b.typname, t.typname), COALESCE(b.typtype, t.typtype), a.attnotnull,
  COALESCE(CASE WHEN co.collname = 'default'
    THEN (SELECT concat_ws(':', j->>'datlocprovider', COALESCE(j->>'datlocale', j->>'daticulocale'), j->>'datcollate', j->>'datcollversion')
      FROM (SELECT to_jsonb(d) AS j FROM pg_catalog.pg_database d WHERE d.datname = current_database()) x)
    ELSE (SELECT concat_ws(':', co.collname, j->>'collprovider', COALESCE(j->>'colllocale', j->>'colliculocale'), j->>'collcollate', j->>'collversion')
      FROM (SELECT to_jsonb(co) AS j) y) END, ''),
  COALESCE(to_jsonb(a)->>'attgenerated', '') <> '', COALESCE(to_jsonb(a)->>'attidentity', '') = 'a'
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype AND t.typtype = 'd'
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`

	// listUniqueIndexes reads the unique indexes usable as a row identity (valid, no expression,
	// no predicate), the primary key first, with the column numbers of their key columns (indkey
	// is 0-based and ends with the INCLUDE columns, which are not part of the key).
	listUniqueIndexes = `SELECT ic.relname, i.indisprimary, array_to_string((i.indkey::int2[])[0:i.indnkeyatts - 1], ' ')
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indexprs IS NULL AND i.indpred IS NULL
ORDER BY i.indisprimary DESC, i.indnkeyatts, ic.relname`

	// tableRows is the cheap row estimate of a table named by its quoted name.
	tableRows = `SELECT GREATEST(reltuples, 0)::bigint FROM pg_catalog.pg_class WHERE oid = $1::regclass`

	// selectRows reads columns of a table under a predicate.
	selectRows = "SELECT %s FROM %s WHERE %s"
	// countRows counts rows under a predicate.
	countRows = "SELECT count(*) FROM %s WHERE %s"
	// keyWalk reads the key `offset` rows into a range in key order (ORDER BY ... DESC for the
	// last key): one index seek per chunk boundary.
	keyWalk = "SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT 1 OFFSET %d"
)
