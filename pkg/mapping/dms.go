package mapping

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// DMS is a parsed AWS DMS table-mappings document: its selection rules, the transformation
// rules that change names or what is compared, and notes on the rules that do neither. It is
// read-only once parsed and safe for concurrent use.
type DMS struct {
	selections []selection
	renames    []transform // name changes and remove-column, by rule-id: the lowest matching one wins
	includes   []transform // include-column
	masks      []transform // data-masking-*
	notes      []string
}

// Notes says what the mapping does not carry over to the comparison, one sentence per rule:
// rules ignored because they change neither names nor selection (add-column,
// change-data-type, table-settings, ...), masked columns left out, filters that do not apply,
// and transformation rules that can never apply because a rule with a lower rule-id matches
// every object they match. Show them to the user: each can explain a difference.
func (d *DMS) Notes() []string {
	if d == nil {
		return nil
	}
	return slices.Clone(d.notes)
}

// RuleError is a problem with one rule of a table-mappings file.
type RuleError struct {
	File string // the file, "" when parsed from bytes
	Rule string // the rule-id, or "#n" (n counts from 1 in "rules") when the rule has none
	Name string // the rule-name, "" if none
	Err  error
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString("mapping: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	b.WriteString(ruleLabel(e.Rule, e.Name))
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *RuleError) Unwrap() error { return e.Err }

func ruleLabel(id, name string) string {
	if name == "" || name == id {
		return "rule " + id
	}
	return fmt.Sprintf("rule %s %q", id, name)
}

// LoadDMS reads and parses the AWS DMS table-mappings JSON file at path.
func LoadDMS(path string) (*DMS, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: read DMS table mappings: %w", err)
	}
	return parseDMS(data, path)
}

// ParseDMS parses an AWS DMS table-mappings JSON document, as given to DMS's
// CreateReplicationTask (TableMappings) or shown in the console's JSON editor.
func ParseDMS(data []byte) (*DMS, error) { return parseDMS(data, "") }

type level uint8

const (
	schemaLevel level = iota
	tableLevel
	columnLevel
)

func (l level) String() string { return [...]string{"schema", "table", "column"}[l] }

type selection struct {
	label   string
	action  string // include, exclude or explicit
	schema  pattern
	table   pattern
	filters []filter // only for include
}

type filter struct {
	column string
	conds  []condition // ORed
}

type condition struct {
	op                string
	value, start, end string
}

type transform struct {
	label           string
	id              int64
	action          string
	target          level
	schema          pattern
	table           pattern
	column          pattern
	value, oldValue string
}

// matches reports whether the rule's object-locator matches the object at the rule's level:
// only the locator parts down to that level count.
func (t *transform) matches(schema, table, column string, fold bool) bool {
	if !t.schema.match(schema, fold) {
		return false
	}
	if t.target >= tableLevel && !t.table.match(table, fold) {
		return false
	}
	return t.target < columnLevel || t.column.match(column, fold)
}

// apply returns name after the rule's action.
func (t *transform) apply(name string) string {
	switch t.action {
	case "rename":
		return t.value
	case "convert-lowercase":
		return strings.ToLower(name)
	case "convert-uppercase":
		return strings.ToUpper(name)
	case "add-prefix":
		return t.value + name
	case "add-suffix":
		return name + t.value
	case "remove-prefix":
		return strings.TrimPrefix(name, t.value)
	case "remove-suffix":
		return strings.TrimSuffix(name, t.value)
	case "replace-prefix":
		if rest, ok := strings.CutPrefix(name, t.oldValue); ok {
			return t.value + rest
		}
	case "replace-suffix":
		if rest, ok := strings.CutSuffix(name, t.oldValue); ok {
			return rest + t.value
		}
	}
	return name
}

// rename finds the transformation that applies to an object at level lv, if any: the matching
// rule with the lowest rule-id.
func (d *DMS) rename(lv level, schema, table, column string, fold bool) *transform {
	for i := range d.renames {
		t := &d.renames[i]
		if t.target == lv && t.matches(schema, table, column, fold) {
			return t
		}
	}
	return nil
}

// selected reports whether DMS migrates schema.table, and the include or explicit rules that
// select it.
func (d *DMS) selected(schema, table string, fold bool) (bool, []*selection) {
	var in []*selection
	for i := range d.selections {
		s := &d.selections[i]
		if !s.schema.match(schema, fold) || !s.table.match(table, fold) {
			continue
		}
		if s.action == "exclude" {
			return false, nil
		}
		in = append(in, s)
	}
	return len(in) > 0, in
}

// column says whether DMS writes the column to the target, and the transformation that renames
// it, if any.
func (d *DMS) column(schema, table, column string, fold bool) (*transform, bool) {
	t := d.rename(columnLevel, schema, table, column, fold)
	if t != nil && t.action == "remove-column" {
		return nil, false
	}
	for i := range d.masks {
		if d.masks[i].matches(schema, table, column, fold) {
			return t, false
		}
	}
	// include-column switches the table to "drop all columns but those included".
	mode, kept := false, false
	for i := range d.includes {
		in := &d.includes[i]
		if in.schema.match(schema, fold) && in.table.match(table, fold) {
			mode = true
			if in.column.match(column, fold) {
				kept = true
				break
			}
		}
	}
	if mode && !kept {
		return nil, false
	}
	return t, true
}

// Transformation rule-actions by what they do to the comparison.
var (
	nameActions = map[string]bool{
		"rename": true, "convert-lowercase": true, "convert-uppercase": true,
		"add-prefix": true, "remove-prefix": true, "replace-prefix": true,
		"add-suffix": true, "remove-suffix": true, "replace-suffix": true,
	}
	maskActions = map[string]bool{
		"data-masking-digits-mask": true, "data-masking-digits-randomize": true, "data-masking-hash-mask": true,
	}
	// ignoredActions change neither names nor which rows or columns DMS copies.
	ignoredActions = map[string]string{
		"add-column":               "it adds a column to the target tables it matches, a column the source does not have",
		"change-data-type":         "it changes a target column's type, not its name; values compare by their canonical form",
		"define-primary-key":       "it defines a key on the target, which changes no data",
		"add-before-image-columns": "it adds before-image columns, which only streaming targets carry",
	}
)

// rule is one raw rule object; fields are decoded one by one so that an error names the field.
type rule struct {
	f     map[string]json.RawMessage
	label string
}

// str returns a string field; a JSON number is accepted as its text, null as absent.
func (r *rule) str(key string) (string, bool, error) {
	return scalar(r.f, key)
}

func scalar(m map[string]json.RawMessage, key string) (string, bool, error) {
	raw, ok := m[key]
	if !ok {
		return "", false, nil
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(raw, []byte("null")):
		return "", false, nil
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, fmt.Errorf("%q: %w", key, err)
		}
		return s, true, nil
	case len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), true, nil
	}
	return "", false, fmt.Errorf("%q must be a string", key)
}

func need(m map[string]json.RawMessage, key string) (string, error) {
	s, ok, err := scalar(m, key)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", fmt.Errorf("%q is required", key)
	}
	return s, nil
}

func object(m map[string]json.RawMessage, key string) (map[string]json.RawMessage, error) {
	raw, ok := m[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, fmt.Errorf("%q is required", key)
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("%q must be a JSON object", key)
	}
	return o, nil
}

func parseDMS(data []byte, file string) (*DMS, error) {
	where := "mapping: "
	if file != "" {
		where += file + ": "
	}
	var doc struct {
		Rules *[]json.RawMessage `json:"rules"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("%sline %d, column %d: %w", where, line, col, err)
		}
		return nil, fmt.Errorf("%stable mappings must be a JSON object with a \"rules\" array: %w", where, err)
	}
	if doc.Rules == nil {
		return nil, fmt.Errorf("%sno \"rules\" array", where)
	}
	d := &DMS{}
	ids := map[int64]string{}
	for i, raw := range *doc.Rules {
		ref, err := d.addRule(raw, i, ids)
		if err != nil {
			ref.File, ref.Err = file, err
			return nil, &ref
		}
	}
	if len(d.selections) == 0 {
		return nil, fmt.Errorf("%sno selection rule: DMS migrates nothing without one", where)
	}
	slices.SortStableFunc(d.renames, func(a, b transform) int { return cmp.Compare(a.id, b.id) })
	d.noteShadowed()
	return d, nil
}

// position turns the offset of a json.SyntaxError, the count of bytes read up to and including
// the offending one, into that byte's 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	at := int(min(max(off-1, 0), int64(len(data))))
	before := data[:at]
	return 1 + bytes.Count(before, []byte("\n")), at - bytes.LastIndexByte(before, '\n')
}

// addRule parses and files one rule; on error the returned RuleError names it.
func (d *DMS) addRule(raw json.RawMessage, i int, ids map[int64]string) (RuleError, error) {
	ref := RuleError{Rule: "#" + strconv.Itoa(i+1)}
	r := rule{}
	if err := json.Unmarshal(raw, &r.f); err != nil || r.f == nil {
		return ref, errors.New("a rule must be a JSON object")
	}
	ref.Name, _, _ = r.str("rule-name")
	idText, ok, err := r.str("rule-id")
	if err != nil {
		return ref, err
	}
	if !ok || idText == "" {
		return ref, errors.New(`"rule-id" is required`)
	}
	ref.Rule = idText
	id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
	if err != nil {
		return ref, fmt.Errorf(`"rule-id" must be a whole number, as DMS requires, not %q`, idText)
	}
	if other, dup := ids[id]; dup {
		return ref, fmt.Errorf(`"rule-id" %s is also the id of rule #%s`, idText, other)
	}
	ids[id] = strconv.Itoa(i + 1)
	r.label = ruleLabel(idText, ref.Name)

	typ, ok, err := r.str("rule-type")
	if err != nil {
		return ref, err
	}
	if !ok || typ == "" {
		return ref, errors.New(`"rule-type" is required`)
	}
	action, _, err := r.str("rule-action")
	if err != nil {
		return ref, err
	}
	switch typ {
	case "selection":
		return ref, d.addSelection(&r, action)
	case "transformation":
		return ref, d.addTransformation(&r, id, action)
	case "table-settings", "post-processing":
		d.notef("%s (%s): ignored: it tunes how DMS loads or tags tables, not names or selection", r.label, typ)
		return ref, nil
	}
	return ref, fmt.Errorf("unknown \"rule-type\" %q: want selection, transformation, table-settings or post-processing", typ)
}

func (d *DMS) notef(format string, a ...any) { d.notes = append(d.notes, fmt.Sprintf(format, a...)) }

func (d *DMS) addSelection(r *rule, action string) error {
	switch action {
	case "include", "exclude", "explicit":
	case "":
		return errors.New(`"rule-action" is required`)
	default:
		return fmt.Errorf("unknown selection \"rule-action\" %q: want include, exclude or explicit", action)
	}
	loc, err := object(r.f, "object-locator")
	if err != nil {
		return err
	}
	s := selection{label: r.label, action: action}
	schema, err := need(loc, "schema-name")
	if err != nil {
		return fmt.Errorf("object-locator: %w", err)
	}
	table, err := need(loc, "table-name")
	if err != nil {
		return fmt.Errorf("object-locator: %w", err)
	}
	if action == "explicit" { // exact names, no wildcards
		s.schema, s.table = literal(schema), literal(table)
	} else {
		s.schema, s.table = compilePattern(schema), compilePattern(table)
	}
	tt, _, err := scalar(loc, "table-type")
	if err != nil {
		return fmt.Errorf("object-locator: %w", err)
	}
	switch tt {
	case "", "table", "all":
	case "view":
		d.notef("%s: selects views only (%s.%s); views are not compared", r.label, schema, table)
		return nil
	default:
		return fmt.Errorf("object-locator: unknown \"table-type\" %q: want table, view or all", tt)
	}
	filters, err := parseFilters(r)
	if err != nil {
		return err
	}
	if len(filters) > 0 && action != "include" {
		d.notef("%s: its filters are ignored, as DMS applies filters only to include rules", r.label)
		filters = nil
	}
	s.filters = filters
	d.selections = append(d.selections, s)
	return nil
}

func literal(s string) pattern { return pattern{src: s, literal: true} }

var filterOps = map[string]string{ // operator -> which values it takes
	"lte": "value", "ste": "value", "gte": "value", "eq": "value", "noteq": "value",
	"between": "range", "notbetween": "range", "null": "", "notnull": "",
}

func parseFilters(r *rule) ([]filter, error) {
	raw, ok := r.f["filters"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var fs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fs); err != nil {
		return nil, errors.New(`"filters" must be an array of objects`)
	}
	var out []filter
	for i, f := range fs {
		fl, err := parseFilter(f)
		if err != nil {
			return nil, fmt.Errorf("filter %d: %w", i+1, err)
		}
		out = append(out, fl)
	}
	return out, nil
}

func parseFilter(f map[string]json.RawMessage) (filter, error) {
	var fl filter
	typ, _, err := scalar(f, "filter-type")
	if err != nil {
		return fl, err
	}
	if typ != "" && typ != "source" {
		return fl, fmt.Errorf("unknown \"filter-type\" %q: want source", typ)
	}
	if fl.column, err = need(f, "column-name"); err != nil {
		return fl, err
	}
	var conds []map[string]json.RawMessage
	if err := json.Unmarshal(f["filter-conditions"], &conds); err != nil || len(conds) == 0 {
		return fl, errors.New(`"filter-conditions" must be a non-empty array of objects`)
	}
	for j, c := range conds {
		var cd condition
		op, err := need(c, "filter-operator")
		if err != nil {
			return fl, fmt.Errorf("condition %d: %w", j+1, err)
		}
		kind, known := filterOps[op]
		if !known {
			return fl, fmt.Errorf("condition %d: unknown \"filter-operator\" %q: want lte, ste, gte, eq, noteq, between, notbetween, null or notnull", j+1, op)
		}
		cd.op = op
		switch kind {
		case "value":
			v, ok, err := scalar(c, "value")
			if err == nil && !ok {
				err = errors.New(`"value" is required`)
			}
			if err != nil {
				return fl, fmt.Errorf("condition %d (%s): %w", j+1, op, err)
			}
			cd.value = v
		case "range":
			var ok1, ok2 bool
			var err1, err2 error
			cd.start, ok1, err1 = scalar(c, "start-value")
			cd.end, ok2, err2 = scalar(c, "end-value")
			if err := errors.Join(err1, err2); err != nil {
				return fl, fmt.Errorf("condition %d (%s): %w", j+1, op, err)
			}
			if !ok1 || !ok2 {
				return fl, fmt.Errorf(`condition %d (%s): "start-value" and "end-value" are required`, j+1, op)
			}
		}
		fl.conds = append(fl.conds, cd)
	}
	return fl, nil
}

func (d *DMS) addTransformation(r *rule, id int64, action string) error {
	if action == "" {
		return errors.New(`"rule-action" is required`)
	}
	if why, ok := ignoredActions[action]; ok {
		d.notef("%s (%s): ignored: %s", r.label, action, why)
		return nil
	}
	if !nameActions[action] && !maskActions[action] && action != "remove-column" && action != "include-column" {
		return fmt.Errorf("unknown transformation \"rule-action\" %q", action)
	}
	target, _, err := r.str("rule-target")
	if err != nil {
		return err
	}
	t := transform{label: r.label, id: id, action: action}
	switch target {
	case "schema":
		t.target = schemaLevel
	case "table":
		t.target = tableLevel
	case "column":
		t.target = columnLevel
	case "table-tablespace", "index-tablespace":
		d.notef("%s (%s of a %s): ignored: tablespaces hold no data to compare", r.label, action, target)
		return nil
	case "":
		return fmt.Errorf(`"rule-target" is required for %s`, action)
	default:
		return fmt.Errorf("unknown \"rule-target\" %q: want schema, table or column", target)
	}
	if !nameActions[action] && t.target != columnLevel {
		return fmt.Errorf(`%s needs "rule-target": "column", not %q`, action, target)
	}
	loc, err := object(r.f, "object-locator")
	if err != nil {
		return err
	}
	names := [...]string{"schema-name", "table-name", "column-name"}
	pats := [...]*pattern{&t.schema, &t.table, &t.column}
	for lv := schemaLevel; lv <= t.target; lv++ {
		s, err := need(loc, names[lv])
		if err != nil {
			return fmt.Errorf("object-locator: %w (a %s rule names its %s)", err, t.target, lv)
		}
		*pats[lv] = compilePattern(s)
	}
	if nameActions[action] {
		if err := transformValues(r, &t); err != nil {
			return err
		}
	}
	switch {
	case maskActions[action]:
		d.notef("%s (%s): columns matching %s.%s.%s are masked on the target, so they are not compared",
			r.label, action, t.schema.src, t.table.src, t.column.src)
		d.masks = append(d.masks, t)
	case action == "include-column":
		d.includes = append(d.includes, t)
	default:
		d.renames = append(d.renames, t)
	}
	return nil
}

func transformValues(r *rule, t *transform) error {
	value, hasValue, err := r.str("value")
	if err != nil {
		return err
	}
	switch t.action {
	case "convert-lowercase", "convert-uppercase":
		return nil
	case "rename":
		if !hasValue || value == "" {
			if _, ok := r.f["expression"]; ok {
				return errors.New(`rename by "expression" is not supported: give the new name as "value"`)
			}
			return fmt.Errorf(`%s needs a "value"`, t.action)
		}
	case "replace-prefix", "replace-suffix":
		old, ok, err := r.str("old-value")
		if err != nil {
			return err
		}
		if !ok || old == "" {
			return fmt.Errorf(`%s needs an "old-value"`, t.action)
		}
		if !hasValue {
			return fmt.Errorf(`%s needs a "value"`, t.action)
		}
		t.oldValue = old
	default: // add-/remove- prefix/suffix
		if !hasValue || value == "" {
			return fmt.Errorf(`%s needs a "value"`, t.action)
		}
	}
	t.value = value
	return nil
}

// noteShadowed notes transformation rules that can never apply: DMS applies one transformation
// to an object, the matching rule with the lower rule-id, so a rule is dead when a rule with a
// lower id at the same level matches everything it matches. Only certain cases are reported: at
// each level the lower rule's pattern is % or the same text as the higher rule's.
func (d *DMS) noteShadowed() {
	covers := func(lo, hi *pattern) bool {
		return lo.src == hi.src || len(lo.toks) == 1 && lo.toks[0].kind == tokAny
	}
	for i := range d.renames {
		hi := &d.renames[i]
		for j := range i {
			lo := &d.renames[j]
			if lo.target != hi.target || !covers(&lo.schema, &hi.schema) ||
				lo.target >= tableLevel && !covers(&lo.table, &hi.table) ||
				lo.target == columnLevel && !covers(&lo.column, &hi.column) {
				continue
			}
			d.notef("%s (%s) never applies: %s (%s) matches every %s it matches and has the lower rule-id; DMS applies only one transformation to an object, the one with the lower rule-id",
				hi.label, hi.action, lo.label, lo.action, hi.target)
			break
		}
	}
}
