package awsmig

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlTypeError is the YAML decoder's message for a value of the wrong type: "line 4: cannot
// unmarshal !!str `60s` into int64" (the value is quoted only for scalars).
var yamlTypeError = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")

// fieldKinds say what a field holds, by its path, where its Go type says too little.
var fieldKinds = map[string]string{
	"dns.ttl":             "a number of seconds",
	"dms.lob.max_size_kb": "a number of kilobytes",
}

// goKinds say what a Go type holds, for messages.
var goKinds = map[string]string{
	"int": "a whole number", "int64": "a whole number", "int32": "a whole number",
	"string": "a string", "[]string": "a list of strings", "map[string]string": "a mapping of names to strings",
	"time.Duration": "a duration (e.g. 30s, 5m, 4h)", "bool": "true or false",
}

// typeErrorText rewrites a YAML type error to name the field by its path and say what it
// should hold: `line 4: dns.ttl: "60s" is not a number of seconds`. ok is false for another
// message.
func typeErrorText(msg string, paths map[int][]string) (string, bool) {
	m := yamlTypeError.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	line, _ := strconv.Atoi(m[1])
	kind, value, goType := m[2], m[3], m[4]
	what := goKinds[goType]
	if what == "" {
		what = "a " + strings.TrimPrefix(goType, "awsmig.")
		if sec := sectionOf(goType); sec != "" {
			what = "a mapping (the " + sec + " section)"
		}
	}
	path := ""
	if ps := paths[line]; len(ps) > 0 {
		path = ps[0]
		if len(ps) > 1 && value != "" { // several keys on one line (flow style): the one with this value
			for _, p := range ps {
				if strings.HasSuffix(p, "\x00"+value) {
					path = p
				}
			}
		}
		path, _, _ = strings.Cut(path, "\x00")
	}
	if k, ok := fieldKinds[path]; ok {
		what = k
	}
	shown := strconv.Quote(value)
	switch kind {
	case "seq":
		shown = "a list"
	case "map":
		shown = "a mapping"
	}
	if path == "" {
		return fmt.Sprintf("line %d: %s is not %s", line, shown, what), true
	}
	return fmt.Sprintf("line %d: %s: %s is not %s", line, path, shown, what), true
}

// sectionOf is the spec section a struct type reads.
func sectionOf(goType string) string {
	switch strings.TrimPrefix(goType, "awsmig.") {
	case "SourceSpec":
		return "source"
	case "TargetSpec":
		return "target"
	case "DMSSpec":
		return "dms"
	case "DNSSpec":
		return "dns"
	case "WaitSpec":
		return "wait"
	case "LOBSpec":
		return "dms.lob"
	case "DMSCreateSpec":
		return "dms.create"
	}
	return ""
}

// valuePaths maps each line of a YAML document to the dotted paths of the values on it, each
// followed by NUL and the value's text for scalars.
func valuePaths(data []byte) map[int][]string {
	var doc yaml.Node
	out := map[int][]string{}
	if yaml.Unmarshal(data, &doc) != nil {
		return out
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			out[n.Line] = append(out[n.Line], path)
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			out[n.Line] = append(out[n.Line], path+"\x00"+n.Value)
		}
		if n.Kind == yaml.MappingNode {
			out[n.Line] = append(out[n.Line], path)
		}
	}
	walk(&doc, "")
	return out
}
