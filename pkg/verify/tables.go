package verify

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/mapping"
)

// sourceHasTable checks that a table named in Options.Tables (not a pattern) is on the source, so
// that a name that is nobody's table is the caller's error, told before anything is compared,
// like a pattern that matches nothing. all is the default schema's tables; a name that is not
// one of them (schema.table, another spelling the server folds) is looked up.
func sourceHasTable(ctx context.Context, src *Endpoint, opt Options, all []string, name string) error {
	if slices.Contains(all, name) {
		return nil
	}
	_, err := (bounded{src, opt.waits()}).Table(ctx, name)
	if !errors.Is(err, dialect.ErrNotFound) {
		return nil // found, or a failure that the compare meets again and reports
	}
	return src.errorf("", optionError("Tables", invalid(fmt.Errorf("no table %q in schema %s", name, src.DB.Schema()))))
}

// tablePair is a source table and the name it has on the target ("schema.name" or "name").
type tablePair struct{ src, tgt string }

// resolveTables expands the include patterns against the source's tables, drops excluded ones and
// those the mapping does not select, and names each on the target. A plain name must exist; a
// pattern must match something.
func resolveTables(ctx context.Context, src *Endpoint, opt Options) ([]tablePair, error) {
	all, err := (bounded{src, opt.waits()}).Tables(ctx)
	if err != nil {
		return nil, src.errorf("", err)
	}
	var names []string
	if len(opt.Tables) == 0 {
		names = all
	}
	for _, p := range opt.Tables {
		if !isPattern(p) {
			if err := sourceHasTable(ctx, src, opt, all, p); err != nil {
				return nil, err
			}
			names = append(names, p)
			continue
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, optionError("Tables", invalid(fmt.Errorf("table pattern %q: %v", p, err)))
		}
		n := 0
		for _, t := range all {
			if ok, _ := path.Match(p, t); ok {
				names = append(names, t)
				n++
			}
		}
		if n == 0 {
			return nil, src.errorf("", optionError("Tables", invalid(fmt.Errorf("no table of schema %s matches %q", src.DB.Schema(), p))))
		}
	}
	var out []tablePair
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] || excluded(n, opt.Exclude) {
			continue
		}
		seen[n] = true
		schema, table := src.DB.Schema(), n
		if s, t, ok := strings.Cut(n, "."); ok && !slices.Contains(all, n) {
			schema, table = s, t // schema.table, not a table whose name holds a dot
		}
		ts, tt, include := opt.Mapping.Table(schema, table)
		if !include {
			continue
		}
		if ts != "" {
			tt = ts + "." + tt
		}
		out = append(out, tablePair{src: n, tgt: tt})
	}
	if len(out) == 0 {
		return nil, invalid(fmt.Errorf("no tables to compare in the source schema %s", src.DB.Schema()))
	}
	return out, nil
}

func isPattern(s string) bool { return strings.ContainsAny(s, "*?[") }

func excluded(name string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok || p == name {
			return true
		}
	}
	return false
}

// withNameHint adds to a target's "table not found" the tables whose names differ only in case,
// the usual sign that a name mapping is missing.
func withNameHint(ctx context.Context, tgt bounded, name string, err error) error {
	if !errors.Is(err, dialect.ErrNotFound) {
		return err
	}
	all, lerr := tgt.Tables(ctx)
	if lerr != nil {
		return err
	}
	base := name[strings.LastIndexByte(name, '.')+1:]
	for _, t := range all {
		if strings.EqualFold(t, base) || strings.EqualFold(t, mapping.SnakeCase.Apply(base)) {
			return remedy("Mapping", fmt.Errorf("%w (the target has %s: map the names, lower case or snake_case, or rename the table)", err, t))
		}
	}
	return err
}
