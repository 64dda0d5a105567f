package verify_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/dbverify/dbverify/pkg/verify"
)

// A saved report (compare -o json) is read back; its listed rows keep their keys exactly, so
// that Recheck and Repair can find them again later.
func ExampleReadReport() {
	saved := `{
	  "format": 2,
	  "source": {"dsn": "mysql://app:***@old:3306/shop", "engine": "mysql", "version": "10.11", "database": "shop", "schema": "shop"},
	  "target": {"dsn": "mysql://app:***@new:3306/shop", "engine": "mysql", "version": "10.11", "database": "shop", "schema": "shop"},
	  "identical": false,
	  "tables": [{
	    "source": "users", "target": "users", "key": ["id"], "key_kind": "primary key",
	    "key_columns": [{"name": "id", "target": "id", "type": "int", "target_type": "int", "class": "int"}],
	    "compared_columns": [
	      {"name": "id", "target": "id", "type": "int", "target_type": "int", "class": "int"},
	      {"name": "note", "target": "note", "type": "text", "target_type": "text", "class": "string"}],
	    "missing": 1, "changed": 1,
	    "diffs": [
	      {"kind": "missing", "key": {"id": {"text": "7"}}, "columns": []},
	      {"kind": "changed", "key": {"id": {"text": "9"}}, "columns": [
	        {"column": "note", "source": {"text": ""}, "target": {"null": true}}]}]
	  }]
	}`
	rep, err := verify.ReadReport(strings.NewReader(saved))
	if err != nil {
		log.Fatal(err)
	}
	defer rep.Close()
	for _, t := range rep.Tables {
		t.EachDiff(func(d verify.RowDiff) error {
			fmt.Println(t.Source, d.Kind, t.Key[0], d.Key[0], d.Columns)
			return nil
		})
	}
	// Output:
	// users missing id 7 []
	// users changed id 9 [note: "" -> NULL]
}
