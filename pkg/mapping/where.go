package mapping

import "strings"

// Quoter renders names and literals for one SQL engine; each dialect has its own.
type Quoter interface {
	QuoteIdent(name string) string // a column name, quoted: `a` or "a"
	QuoteString(s string) string   // a string literal, quoted and escaped: 'it''s'
}

// Where returns the SQL condition, over the source's column names, equivalent to the filters of
// the DMS selection rules that select schema.table, or "" when DMS copies all its rows (no DMS,
// no filters, or an include rule without filters) or does not copy the table at all. Apply it to
// the source only: DMS read the source through it, so the target should hold exactly the rows
// it selects. The result can be ANDed with another condition as it is.
//
// Semantics, from the DMS user guide, "Using source filters"
// (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.Filters.html):
// the filters of a rule are ANDed, the conditions of a filter ORed; lte and ste are <=, gte >=,
// eq =, noteq <>, between and notbetween include both ends, null and notnull test for NULL.
// Values are written as string literals, which both MySQL and PostgreSQL convert to the column's
// type (DMS documents YYYY-MM-DD and YYYY-MM-DD HH:MM:SS for dates and times). When several
// include rules with filters select the table, DMS's behaviour is undocumented: Where ORs them.
func (m *Mapper) Where(schema, table string, q Quoter) string {
	if m == nil || m.o.DMS == nil {
		return ""
	}
	in, rules := m.o.DMS.selected(schema, table, m.o.IgnoreCase)
	if !in {
		return ""
	}
	var ors []string
	for _, s := range rules {
		if len(s.filters) == 0 {
			return "" // this rule copies every row
		}
		ands := make([]string, len(s.filters))
		for i, f := range s.filters {
			ands[i] = f.sql(q)
		}
		rule := strings.Join(ands, " AND ")
		if len(ands) > 1 {
			rule = "(" + rule + ")"
		}
		ors = append(ors, rule)
	}
	if len(ors) == 1 {
		return ors[0]
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// sql renders one filter: its conditions ORed, in parentheses when there are several, so that
// the result can be ANDed with anything.
func (f *filter) sql(q Quoter) string {
	col := q.QuoteIdent(f.column)
	parts := make([]string, len(f.conds))
	for i, c := range f.conds {
		switch c.op {
		case "lte", "ste":
			parts[i] = col + " <= " + q.QuoteString(c.value)
		case "gte":
			parts[i] = col + " >= " + q.QuoteString(c.value)
		case "eq":
			parts[i] = col + " = " + q.QuoteString(c.value)
		case "noteq":
			parts[i] = col + " <> " + q.QuoteString(c.value)
		case "between":
			parts[i] = col + " BETWEEN " + q.QuoteString(c.start) + " AND " + q.QuoteString(c.end)
		case "notbetween":
			parts[i] = col + " NOT BETWEEN " + q.QuoteString(c.start) + " AND " + q.QuoteString(c.end)
		case "null":
			parts[i] = col + " IS NULL"
		case "notnull":
			parts[i] = col + " IS NOT NULL"
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}
