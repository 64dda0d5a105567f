package sqlkit

import (
	"fmt"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// DMSColumns finds the columns of awsdms_txn_state among cols (as the catalog spells them):
// SERVER_NAME, TASK_NAME, STATE_TIME and CHECKPOINT, in that order. DMS makes them upper case
// (quoted, on PostgreSQL), but they are matched whatever their case.
func DMSColumns(cols []string) ([4]string, error) {
	var out [4]string
	for i, want := range []string{"server_name", "task_name", "state_time", "checkpoint"} {
		for _, c := range cols {
			if strings.EqualFold(c, want) {
				out[i] = c
			}
		}
		if out[i] == "" {
			return out, fmt.Errorf("%s has no column %s (it has %s): not the table AWS DMS writes", dialect.DMSTxnStateTable, strings.ToUpper(want), strings.Join(cols, ", "))
		}
	}
	return out, nil
}
