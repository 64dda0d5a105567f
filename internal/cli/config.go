package cli

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	// go.yaml.in/yaml/v3 is the YAML organisation's maintained continuation of gopkg.in/yaml.v3
	// (archived): its Node type keeps each key's line, which the errors name. sigs.k8s.io/yaml
	// goes through JSON and loses them; urfave/cli's altsrc ignores keys it does not know.
	"go.yaml.in/yaml/v3"
)

// configFlag is --config: a YAML file of flag values.
func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Usage: "read flag values from a YAML `FILE` (keys are the flags' long names; ${VAR} expanded; the command line and DBVERIFY_* variables win)", EnvVars: []string{"DBVERIFY_CONFIG"}}
}

// configHelp is the part of the commands' help about --config.
const configHelp = `Config file: --config dbverify.yaml sets flags from YAML, keyed by their long names, with
compare:/watch: sections and ${VAR} expanded; the command line wins. For example:
  source: mysql://app@old-db:3306/shop
  target: postgres://app@new-db/shop?sslmode=verify-full&sslrootcert=${CA}
  source-password-file: /run/secrets/old-db
  tables: [orders, "order_*"]
  workers: 8
  compare: {repair: fix.sql}`

// configCommands are the commands that take --config, whose names may head a section of the
// file that applies to that command only.
var configCommands = []string{"compare", "watch"}

// loadConfig sets, from the --config file, each flag the command line did not set: first the
// keys of the command's own section (compare:, watch:), then the top-level ones. A key that is
// no flag, or a value of the wrong type, is bad usage naming the file, the line and the key.
func loadConfig(c *cli.Context) error {
	path := c.String("config")
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return usage("--config: %v", err)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return usage("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return usage("%s:%d: want a mapping of flag names to values", path, root.Line)
	}
	flags := map[string]map[string]cli.Flag{} // command -> long name -> flag
	for _, cmd := range c.App.Commands {
		if slices.Contains(configCommands, cmd.Name) {
			flags[cmd.Name] = longNames(cmd.Flags)
		}
	}
	own := flags[c.Command.Name]
	var top, section []*yaml.Node // key, value, key, value ...
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if _, ok := flags[k.Value]; ok && v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if err := checkKey(path, v.Content[j], v.Content[j+1], flags[k.Value], k.Value); err != nil {
					return err
				}
			}
			if k.Value == c.Command.Name {
				section = v.Content
			}
			continue
		}
		known := false
		for _, fs := range flags {
			if _, ok := fs[k.Value]; ok {
				known = true
				if err := checkKey(path, k, v, fs, ""); err != nil {
					return err
				}
			}
		}
		if !known {
			return usage("%s:%d: unknown key %q (keys are the long names of the flags of %s)", path, k.Line, k.Value, strings.Join(configCommands, " and "))
		}
		top = append(top, k, v)
	}
	for _, kv := range [][]*yaml.Node{section, top} {
		for i := 0; i+1 < len(kv); i += 2 {
			k, v := kv[i], kv[i+1]
			f, ok := own[k.Value]
			if !ok || c.IsSet(k.Value) {
				continue // another command's flag, or set on the command line (or by a section)
			}
			vals, err := values(path, k, v, f)
			if err != nil {
				return err
			}
			for _, s := range vals {
				if err := c.Set(k.Value, s); err != nil {
					return usage("%s:%d: %s: %v", path, v.Line, k.Value, err)
				}
			}
		}
	}
	return nil
}

// longNames maps each flag's long name to the flag; --config and --help are not file keys.
func longNames(fl []cli.Flag) map[string]cli.Flag {
	m := map[string]cli.Flag{}
	for _, f := range fl {
		if n := f.Names()[0]; n != "config" && n != "help" {
			m[n] = f
		}
	}
	return m
}

// checkKey checks that key names a flag of fs and that its value has the flag's type.
func checkKey(path string, k, v *yaml.Node, fs map[string]cli.Flag, section string) error {
	f, ok := fs[k.Value]
	if !ok {
		return usage("%s:%d: unknown key %q in section %s:", path, k.Line, k.Value, section)
	}
	_, err := values(path, k, v, f)
	return err
}

// envRef is ${NAME} in a value.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// values are the strings to set flag f to from the YAML value v of key k, environment
// variables expanded; a value of the wrong type is an error naming the file, line and key.
func values(path string, k, v *yaml.Node, f cli.Flag) ([]string, error) {
	bad := func(want string) error {
		return usage("%s:%d: %s: want %s, not %s", path, v.Line, k.Value, want, describe(v))
	}
	var items []*yaml.Node
	switch {
	case isList(f):
		switch v.Kind {
		case yaml.SequenceNode:
			items = v.Content
		case yaml.ScalarNode:
			items = []*yaml.Node{v}
		default:
			return nil, bad("a list or a comma-separated string")
		}
		for _, it := range items {
			if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
				return nil, bad("a list of strings")
			}
		}
	default:
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return nil, bad("one value")
		}
		items = []*yaml.Node{v}
	}
	var out []string
	for _, it := range items {
		switch f.(type) {
		case *cli.BoolFlag:
			if it.Tag != "!!bool" {
				return nil, bad("true or false")
			}
		case *cli.IntFlag, *cli.Int64Flag:
			if it.Tag != "!!int" {
				return nil, bad("an integer")
			}
		case *cli.DurationFlag:
			if it.Tag != "!!str" {
				return nil, bad("a duration such as 30s, 5m or 1h30m")
			}
		}
		var missing []string
		s := envRef.ReplaceAllStringFunc(it.Value, func(ref string) string {
			name := ref[2 : len(ref)-1]
			val, ok := os.LookupEnv(name)
			if !ok {
				missing = append(missing, name)
			}
			return val
		})
		if len(missing) > 0 {
			return nil, usage("%s:%d: %s: environment variable %s is not set", path, it.Line, k.Value, strings.Join(missing, ", "))
		}
		if _, ok := f.(*cli.DurationFlag); ok {
			if _, err := time.ParseDuration(s); err != nil {
				return nil, bad("a duration such as 30s, 5m or 1h30m")
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// describe names a YAML value's kind for an error, without quoting more than a short scalar
// (a value may be a DSN with a password).
func describe(v *yaml.Node) string {
	switch v.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch v.Tag {
	case "!!null":
		return "nothing"
	case "!!bool", "!!int", "!!float":
		return v.Value
	}
	return fmt.Sprintf("%.40q", v.Value)
}

// isList reports whether f takes several values: a list flag, or --where (repeatable, each value
// whole: a YAML list gives one condition per item, a string one condition).
func isList(f cli.Flag) bool {
	switch f := f.(type) {
	case *cli.StringSliceFlag:
		return true
	case *cli.GenericFlag:
		_, ok := f.Value.(*whereList)
		return ok
	}
	return false
}
