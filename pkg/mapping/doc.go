// Package mapping maps source table and column names to target names and decides what is
// compared, so that the verifier applies exactly the selection and renaming a migration applied,
// AWS DMS included. It is pure: no SQL connection, and no I/O but reading the table-mappings
// file the caller names.
//
//	d, err := mapping.LoadDMS("table-mappings.json") // errors name the file and the rule
//	...
//	m, err := mapping.New(mapping.Options{DMS: d})
//	ts, tt, ok := m.Table("Shop", "OrderItems") // "shop", "order_items", true
//	col, ok := m.Column("Shop", "Customers", "PasswordHash") // not compared: removed
//	for _, n := range d.Notes() { ... } // rules that were ignored, and why
//
// A name goes through three steps, each one beating the one before: the DMS transformation
// rules, then Options.Case (lower, upper, snake_case), then the explicit Options.Tables,
// Options.Columns and Options.Schema. Which tables are compared is decided by the DMS selection
// rules alone; without DMS every table is.
//
// # AWS DMS behaviour relied on
//
// From the AWS DMS user guide (https://docs.aws.amazon.com/dms/latest/userguide/), pages
// "Selection rules and actions", "Wildcards in table mapping", "Transformation rules and
// actions" and "Using source filters":
//
//   - Object-locator values take the wildcards % (any run of characters), _ (one character),
//     [_] (a literal underscore), [ab] and [a-d] (a set or range of characters), in selection and
//     transformation rules alike. So "order_items" also matches "orderXitems", as in DMS.
//     An explicit selection rule takes exact names, no wildcards.
//   - A table is migrated when an include or explicit rule matches it and no exclude rule does,
//     whatever the order of the rules (the guide's example: include Test.% with exclude
//     Test.DMS% migrates every table but those starting with DMS). That exclude also beats
//     explicit is our reading; the guide does not say.
//   - Filters belong to include rules only; the filters of a rule are ANDed, the conditions of
//     a filter ORed (see Mapper.Where).
//   - "You cannot apply more than one transformation rule action against the same object
//     (schema, table, column ...)" and "If you specify multiple transformation rules for the
//     same object ..., AWS DMS applies the transformation rule with the lower rule-id." So for
//     each schema, table and column exactly one rule applies: among the rename, convert-*,
//     *-prefix, *-suffix and remove-column rules of that level whose locator matches, the one
//     with the lowest rule-id, whatever the order in the file. Rules at different levels
//     (schema, table, column) all apply. A rule that a lower rule-id always shadows is reported
//     in DMS.Notes, since the guide's older versions and DMS's actual behaviour may differ.
//   - Locators match source names: a column rule's table-name is the source table's name, not
//     the renamed one.
//   - include-column switches a table to "drop all columns but those included"; remove-column
//     drops a column; data-masking-* rules change values, so masked columns are not compared.
//   - Names in rules are case-sensitive, "However, the selection result also depends on the
//     source endpoint database configuration. If the source endpoint is configured as
//     case-insensitive, the case of the object locator value does not matter." Matching is
//     case-sensitive unless Options.IgnoreCase is set, which the caller sets for a
//     case-insensitive source. MySQL column names are always case-insensitive; whether DMS
//     matches them so is not documented.
//   - rule-id is numeric and unique; it may be written as a JSON string or number.
//
// Rules that change neither names nor selection are accepted and listed in DMS.Notes:
// add-column, change-data-type, define-primary-key, add-before-image-columns, tablespace
// targets, views-only selection rules, and the table-settings and post-processing rule types.
// An unknown rule-type, rule-action, rule-target, filter operator or a rule missing what its
// action needs is an error naming the rule.
package mapping
