package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/dbverify/dbverify/pkg/dialect"
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
