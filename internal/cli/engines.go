package cli

// The command line carries both engines; they register themselves with package dialect.
import (
	_ "github.com/dbverify/dbverify/pkg/dialect/mysql"
	_ "github.com/dbverify/dbverify/pkg/dialect/postgres"
)
