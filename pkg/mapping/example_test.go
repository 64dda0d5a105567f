package mapping_test

import (
	"fmt"
	"log"

	"github.com/dbverify/dbverify/pkg/mapping"
)

// A MySQL schema Shop with PascalCase names, migrated by AWS DMS to PostgreSQL with the rules
// of testdata/dms/shop.json: AuditLog excluded, every name lower-cased, OrderItems renamed
// order_items, Qty renamed quantity, PasswordHash removed.
func Example() {
	d, err := mapping.LoadDMS("../../testdata/dms/shop.json")
	if err != nil {
		log.Fatal(err)
	}
	m, err := mapping.New(mapping.Options{DMS: d})
	if err != nil {
		log.Fatal(err)
	}
	for _, table := range []string{"OrderItems", "Customers", "AuditLog"} {
		schema, name, ok := m.Table("Shop", table)
		fmt.Printf("Shop.%s -> %s.%s compared=%v\n", table, schema, name, ok)
	}
	for _, c := range [][2]string{{"OrderItems", "Qty"}, {"Customers", "CustomerId"}, {"Customers", "PasswordHash"}} {
		name, ok := m.Column("Shop", c[0], c[1])
		fmt.Printf("%s.%s -> %s compared=%v\n", c[0], c[1], name, ok)
	}
	for _, n := range d.Notes() {
		fmt.Println("note:", n)
	}
	// Output:
	// Shop.OrderItems -> shop.order_items compared=true
	// Shop.Customers -> shop.customers compared=true
	// Shop.AuditLog -> shop.auditlog compared=false
	// OrderItems.Qty -> quantity compared=true
	// Customers.CustomerId -> customerid compared=true
	// Customers.PasswordHash -> PasswordHash compared=false
	// note: rule 20 "add-migrated-at" (add-column): ignored: it adds a column to the target tables it matches, a column the source does not have
	// note: rule 30 "parallel-order-items" (table-settings): ignored: it tunes how DMS loads or tags tables, not names or selection
}
