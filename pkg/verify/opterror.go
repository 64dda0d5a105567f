package verify

// OptionError is an error about one of the Options: a name in Tables that matches no table, a
// row filter the servers refuse, a column that cannot be compared under Strict. Its message says
// what is wrong in the library's terms; a caller with flags of its own (the dbverify command)
// adds which of its flags to change. Errors wrap it; find it with errors.As.
type OptionError struct {
	// Option is the Options field the error is about: "Tables", "Where", "TableWhere",
	// "Columns", "IgnoreColumns", "ColumnFloatDigits", "ColumnTimePrecision", "Strict", "Mode",
	// "ChunkLimit" or "Mapping".
	Option string
	// Remedy is set when the error is not in Option but changing it would avoid the error
	// (IgnoreColumns for a column that only one side has).
	Remedy bool
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }

func (e *OptionError) Unwrap() error { return e.Err }

// optionError is err about option (see OptionError).
func optionError(option string, err error) error {
	return &OptionError{Option: option, Err: err}
}

// remedy is err, which changing option would avoid.
func remedy(option string, err error) error {
	return &OptionError{Option: option, Remedy: true, Err: err}
}
