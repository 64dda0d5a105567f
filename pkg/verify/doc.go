// Package verify proves that a target database holds exactly the data of its source, or says
// which rows differ.
//
// Import the engines you need (they register themselves with package dialect), open two
// endpoints and call Compare:
//
//	import (
//		_ "github.com/dbverify/dbverify/pkg/dialect/mysql"
//		_ "github.com/dbverify/dbverify/pkg/dialect/postgres"
//	)
//
//	src, err := verify.Open(ctx, verify.Source, "mysql://app:secret@old-db:3306/shop", verify.OpenOptions{})
//	...
//	tgt, err := verify.Open(ctx, verify.Target, "postgres://app:secret@new-db:5432/shop", verify.OpenOptions{})
//	...
//	rep, err := verify.Compare(ctx, src, tgt, verify.Options{Workers: 8})
//	if err != nil { ... }           // could not compare: names side, table and cause
//	defer rep.Close()               // long listings of differing rows are in temporary files
//	if !rep.Identical() { ... }     // rep.Tables[i].EachDiff hands out the differing rows
//
// How it works: each table is split into key ranges (package chunker), planned once on the
// source and applied to both sides. Bounded pools of workers hash each range on both sides at
// once into an order-independent digest (package checksum); a range whose digests differ is split
// further until it is small, then its rows are matched by key: missing on target, extra on
// target, or changed (which columns, both values). Memory stays bounded whatever the table size
// and the number of differences: ranges are split before rows are held, and the report lists up
// to MaxDiffs differing rows beside exact counts, past a few MiB a table in sorted blocks of a
// temporary file that EachDiff, WriteJSON, WriteText and Repair read a row at a time.
//
// A difference is a result, not an error: Compare returns an error only when it could not
// compare (a connection, a missing table, a column set that differs). It never writes to either
// database; both are read in read-only sessions.
package verify
