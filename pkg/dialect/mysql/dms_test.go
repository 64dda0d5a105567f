package mysql

import (
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect/dialecttest"
)

// TestDMSCheckpoints: the AWS DMS recovery table reader against a table of the shape DMS makes
// on a MySQL/MariaDB target, in the current database (DMS's own default is awsdms_control,
// looked at first).
func TestDMSCheckpoints(t *testing.T) {
	setup := testdb.MySQL(t)
	d, err := Open(t.Context(), setup.DSN, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	dialecttest.DMSCheckpoints(t, setup.SQL, d, setup.Name,
		"CREATE TABLE awsdms_txn_state (SERVER_NAME varchar(128) NOT NULL, TASK_NAME varchar(128) NOT NULL, STATE_TIME datetime(6) NOT NULL, CHECKPOINT varchar(1024) NOT NULL, UNIQUE KEY awsdms_txn_state_task_recovery_index (SERVER_NAME, TASK_NAME))",
		"INSERT INTO awsdms_txn_state VALUES (?, ?, ?, ?)")
}
