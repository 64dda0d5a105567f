package verify_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/dbverify/dbverify/pkg/verify"
)

// A migration tool opens both sides, compares, and gates its cutover on the result.
func Example() {
	ctx := context.Background()
	src, err := verify.Open(ctx, verify.Source, os.Getenv("SOURCE_DSN"), verify.OpenOptions{}) // e.g. mysql://app:pw@old:3306/shop
	if err != nil {
		log.Fatal(err) // names the side, the host and the cause; the password is masked
	}
	defer src.Close()
	tgt, err := verify.Open(ctx, verify.Target, os.Getenv("TARGET_DSN"), verify.OpenOptions{}) // e.g. mysql://app:pw@new:3306/shop
	if err != nil {
		log.Fatal(err)
	}
	defer tgt.Close()

	rep, err := verify.Compare(ctx, src, tgt, verify.Options{Workers: 8, Exclude: []string{"audit_*"}})
	if err != nil {
		log.Fatal(err) // could not compare: a missing table, a column set that differs, ...
	}
	for _, t := range rep.Tables {
		fmt.Printf("%s: %d rows, fingerprint %s, %d differences\n", t.Source, t.SourceRows, t.SourcePrint, t.Differences())
		err := t.EachDiff(func(d verify.RowDiff) error { // in key order, however many
			_, err := fmt.Println("  ", d.Kind, d.Key, d.Columns)
			return err
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	identical := rep.Identical()
	rep.Close() // its long listings' temporary files
	if !identical {
		os.Exit(1) // do not cut over
	}
}
