package postgres

import (
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect/dialecttest"
)

// TestDMSCheckpoints: the AWS DMS recovery table reader against a table of the shape DMS makes
// on a PostgreSQL target (upper-case quoted columns) in public, DMS's default control schema.
func TestDMSCheckpoints(t *testing.T) {
	setup, d := open(t)
	dialecttest.DMSCheckpoints(t, setup.SQL, d, "public",
		`CREATE TABLE public.awsdms_txn_state ("SERVER_NAME" varchar(128) NOT NULL, "TASK_NAME" varchar(128) NOT NULL, "STATE_TIME" timestamp NOT NULL, "CHECKPOINT" varchar(1024) NOT NULL);
CREATE UNIQUE INDEX awsdms_txn_state_task_recovery_index ON public.awsdms_txn_state ("SERVER_NAME", "TASK_NAME")`,
		"INSERT INTO public.awsdms_txn_state VALUES ($1, $2, $3, $4)")
}
