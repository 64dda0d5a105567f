package verify_test

// The tests compare real MariaDB and PostgreSQL databases: both engines register themselves.
import (
	_ "github.com/dbverify/dbverify/pkg/dialect/mysql"
	_ "github.com/dbverify/dbverify/pkg/dialect/postgres"
)
