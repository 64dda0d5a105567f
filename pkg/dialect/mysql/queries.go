package mysql

// Every SQL string of the MySQL dialect. %s verbs take quoted identifiers or predicates built by
// this package; values always travel as parameters.
const (
	// versionQuery tells MySQL from MariaDB (whose version string says so).
	versionQuery = "SELECT VERSION()"
	// currentDatabase is the default schema when the DSN names none.
	currentDatabase = "SELECT DATABASE()"

	// listTables lists a schema's base tables (not views; MariaDB's system-versioned tables are
	// base tables of another name). The caller sorts: information_schema sorts case-insensitively.
	listTables = `SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`

	// tableRows is InnoDB's row estimate from its statistics: cheap, possibly stale.
	tableRows = `SELECT COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`

	// tableExists tells a missing table (or a view, which Tables does not list) from one without
	// columns.
	tableExists = `SELECT TABLE_TYPE FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`

	// listColumns reads a table's columns in order. COLUMN_TYPE carries width, unsigned and
	// enum members; DATA_TYPE the bare type name.
	// EXTRA says VIRTUAL, STORED or (MariaDB) PERSISTENT GENERATED for a generated column (and
	// DEFAULT_GENERATED, on MySQL 8, for an expression default, which is not one).
	listColumns = `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLLATION_NAME, ''), COALESCE(EXTRA, '') FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`

	// jsonChecks reads the CHECK constraints with which MariaDB marks its JSON columns (a JSON
	// column is a LONGTEXT with CHECK (json_valid(col)); information_schema says longtext).
	// MariaDB only: MySQL's CHECK_CONSTRAINTS has no TABLE_NAME, and a real JSON type.
	jsonChecks = `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND LEFT(CHECK_CLAUSE, 11) = 'json_valid('`

	// listUniqueIndexes reads every unique index's columns, the primary key first. SUB_PART
	// marks a prefix index, which does not identify rows; COLUMN_NAME is NULL for an expression
	// (MySQL 8's functional key parts).
	// The %s is usableIndex for the server, or empty.
	listUniqueIndexes = `SELECT INDEX_NAME, COLUMN_NAME, SUB_PART IS NOT NULL FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0%s
ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX`

	// usableIndex leaves out indexes the optimizer ignores, which FORCE INDEX cannot name:
	// IGNORED on MariaDB 10.6+, invisible on MySQL 8.
	usableIndexMariaDB = " AND IGNORED = 'NO'"
	usableIndexMySQL   = " AND IS_VISIBLE = 'YES'"

	// selectRows reads columns of a table under a predicate: SELECT cols FROM t WHERE pred.
	selectRows = "SELECT %s FROM %s WHERE %s"
	// countRows counts rows under a predicate.
	countRows = "SELECT COUNT(*) FROM %s WHERE %s"
	// keyWalk reads the key `offset` rows into a range in key order (ORDER BY ... DESC for the
	// last key), walking the key's index: one index seek per chunk boundary. The third %s is an
	// index hint, forceIndex, or empty when the key is not an index here.
	keyWalk = "SELECT %s FROM %s%s WHERE %s ORDER BY %s LIMIT 1 OFFSET %d"
	// forceIndex keeps the optimizer on the key's index for ordered key walks.
	forceIndex = " FORCE INDEX (%s)"
)
