package awsmigtest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The fake's answers are the SDK's own output structs, rendered to each protocol by
// reflection: toNode turns a struct into a small tree (objects keep field order, lists know
// their members' element name), and jsonValue, cborValue and writeXMLFields render it.

// object is a struct's set fields, in order.
type object []field

type field struct {
	name string
	val  any // string, bool, int64, float64, time.Time, object or list
}

// list is a slice; member is its element's XML name (the element type's name: DBSnapshot,
// Tag, ResourceRecordSet, ...), as the AWS XML protocols name list members.
type list struct {
	member string
	items  []any
}

// blob is a []byte member (a KMS ciphertext): base64 text in JSON and XML, a byte string in
// CBOR.
type blob []byte

var timeType = reflect.TypeOf(time.Time{})

// toNode converts an SDK value; ok=false for an absent one (nil pointer, nil slice).
func toNode(v any) any {
	n, _ := nodeOf(reflect.ValueOf(v))
	return n
}

func nodeOf(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return nodeOf(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			return t, !t.IsZero()
		}
		var o object
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			if n, ok := nodeOf(v.Field(i)); ok {
				o = append(o, field{f.Name, n})
			}
		}
		return o, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return blob(v.Bytes()), true
		}
		et := v.Type().Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		l := list{member: "member"}
		if et.Kind() == reflect.Struct && et != timeType {
			l.member = et.Name()
		}
		for i := range v.Len() {
			if n, ok := nodeOf(v.Index(i)); ok {
				l.items = append(l.items, n)
			}
		}
		return l, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		var o object
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			if n, ok := nodeOf(v.MapIndex(k)); ok {
				o = append(o, field{k.String(), n})
			}
		}
		return o, true
	case reflect.String:
		return v.String(), v.String() != ""
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}

// jsonValue renders a node for encoding/json, as AWS JSON 1.1 wants it: timestamps as
// epoch seconds.
func jsonValue(n any) any {
	switch n := n.(type) {
	case object:
		m := make(map[string]any, len(n))
		for _, f := range n {
			m[f.name] = jsonValue(f.val)
		}
		return m
	case list:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = jsonValue(it)
		}
		return l
	case time.Time:
		return float64(n.UnixMilli()) / 1000
	case blob:
		return base64.StdEncoding.EncodeToString(n)
	}
	return n
}

// cborValue renders a node in CBOR, as Smithy RPC v2 wants it: timestamps as tag 1 around
// epoch seconds.
func cborValue(n any) cbor.Value {
	switch n := n.(type) {
	case object:
		m := make(cbor.Map, len(n))
		for _, f := range n {
			m[f.name] = cborValue(f.val)
		}
		return m
	case list:
		l := make(cbor.List, len(n.items))
		for i, it := range n.items {
			l[i] = cborValue(it)
		}
		return l
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(n.UnixMilli()) / 1000)}
	case string:
		return cbor.String(n)
	case bool:
		return cbor.Bool(n)
	case int64:
		if n < 0 {
			return cbor.NegInt(uint64(-n))
		}
		return cbor.Uint(uint64(n))
	case float64:
		return cbor.Float64(n)
	case blob:
		return cbor.Slice(n)
	}
	return &cbor.Nil{}
}

// writeXMLFields writes an object's fields as XML elements, as the AWS query and REST XML
// protocols do: lists wrap their members, timestamps are ISO 8601.
func writeXMLFields(b *strings.Builder, n any) {
	o, _ := n.(object)
	for _, f := range o {
		writeXML(b, f.name, f.val)
	}
}

func writeXML(b *strings.Builder, name string, n any) {
	fmt.Fprintf(b, "<%s>", name)
	switch n := n.(type) {
	case object:
		writeXMLFields(b, n)
	case list:
		for _, it := range n.items {
			writeXML(b, n.member, it)
		}
	case time.Time:
		b.WriteString(n.UTC().Format("2006-01-02T15:04:05.000Z"))
	case float64:
		b.WriteString(strconv.FormatFloat(n, 'g', -1, 64))
	case blob:
		b.WriteString(base64.StdEncoding.EncodeToString(n))
	default:
		b.WriteString(xmlText(fmt.Sprint(n)))
	}
	fmt.Fprintf(b, "</%s>", name)
}

// xmlText escapes text for XML.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// listKey matches the form keys of one list member: Name.Member.N, then the rest.
var listKey = regexp.MustCompile(`^([^.]+)\.(\d+)(\..*)?$`)

// decodeForm fills an SDK input struct from AWS query form values: Name=v for scalars,
// Name.Member.N=v for lists of scalars, Name.Member.N.Field=v for lists of structs,
// Name.Field=v for nested structs. Keys under prefix belong to this struct.
func decodeForm(form url.Values, prefix string, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key := prefix + f.Name
		fv := v.Field(i)
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Slice:
			idx := map[int]bool{}
			for k := range form {
				rest, ok := strings.CutPrefix(k, key+".")
				if !ok {
					continue
				}
				if m := listKey.FindStringSubmatch(rest); m != nil {
					n, _ := strconv.Atoi(m[2])
					idx[n] = true
				}
			}
			if len(idx) == 0 {
				continue
			}
			member := ""
			for k := range form {
				if rest, ok := strings.CutPrefix(k, key+"."); ok {
					member = rest[:strings.IndexByte(rest, '.')]
					break
				}
			}
			slice := reflect.MakeSlice(ft, len(idx), len(idx))
			for n := 1; n <= len(idx); n++ {
				if !idx[n] {
					return fmt.Errorf("%s: list member %d missing", key, n)
				}
				el := slice.Index(n - 1)
				itemKey := fmt.Sprintf("%s.%s.%d", key, member, n)
				if ft.Elem().Kind() == reflect.Struct {
					if err := decodeForm(form, itemKey+".", el.Addr().Interface()); err != nil {
						return err
					}
				} else if err := setScalar(el, form.Get(itemKey)); err != nil {
					return fmt.Errorf("%s: %w", itemKey, err)
				}
			}
			fv.Set(slice)
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && ft.Elem() != timeType:
			has := false
			for k := range form {
				has = has || strings.HasPrefix(k, key+".")
			}
			if has {
				p := reflect.New(ft.Elem())
				if err := decodeForm(form, key+".", p.Interface()); err != nil {
					return err
				}
				fv.Set(p)
			}
		default:
			s, ok := form[key]
			if !ok || len(s) == 0 {
				continue
			}
			target := fv
			if ft.Kind() == reflect.Pointer {
				target = reflect.New(ft.Elem()).Elem()
			}
			if err := setScalar(target, s[0]); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			if ft.Kind() == reflect.Pointer {
				p := reflect.New(ft.Elem())
				p.Elem().Set(target)
				fv.Set(p)
			}
		}
	}
	return nil
}

// setScalar parses s into a string, bool, integer, float or time.
func setScalar(v reflect.Value, s string) error {
	if v.Type() == timeType {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			return fmt.Errorf("not a number: %q", s)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("cannot decode a %s", v.Type())
	}
	return nil
}
