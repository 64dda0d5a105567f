package cli

import (
	"errors"
	"fmt"

	"github.com/dbverify/dbverify/pkg/verify"
)

// optionFlags are the flags that set each of verify.Options' fields that errors name.
var optionFlags = map[string]string{
	"Tables":              "--tables",
	"Where":               "--where",
	"TableWhere":          "--where TABLE:CONDITION",
	"Columns":             "--columns",
	"IgnoreColumns":       "--ignore-columns",
	"Strict":              "--strict",
	"ColumnFloatDigits":   "--float-digits",
	"ColumnTimePrecision": "--time-precision",
	"ChunkLimit":          "--chunk-limit",
	"Mode":                "--mode auto",
	"Mapping":             "--map lower|snake_case or --rename-table",
}

// flagHint adds to a library error about one of its options the flag that sets it: the library
// says what is wrong, the command line says which flag to change.
func flagHint(err error) error {
	var oe *verify.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	flag, ok := optionFlags[oe.Option]
	switch {
	case !ok:
		return err
	case oe.Option == "Strict":
		return fmt.Errorf("%w (refused under --strict; without it such a column is skipped and the report says so, or leave it out with --ignore-columns TABLE.COLUMN)", err)
	case oe.Remedy && oe.Option == "IgnoreColumns":
		return fmt.Errorf("%w; leave it out with %s TABLE.COLUMN", err, flag)
	case oe.Remedy:
		return fmt.Errorf("%w (%s)", err, flag)
	}
	return fmt.Errorf("%w (%s)", err, flag)
}
