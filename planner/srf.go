package planner

import (
	"strings"

	"github.com/eddysql/eddy/sql"
)

// SRFCall is a set-returning function call: in FROM (TableFunc, FuncJoin)
// or in a select list (ProjectSet).
type SRFCall struct {
	Name string
	Args []Expr
	Cols []Column
	// Plan, for a set-returning SQL function in a select list, is its
	// body, which reads the calling row as its outer row (its arguments
	// are in it, and Args is empty); it runs once per row.
	Plan Node
}

var srfNames = map[string]bool{
	"generate_series": true, "unnest": true, "generate_subscripts": true, "string_to_table": true,
	"jsonb_array_elements": true, "jsonb_array_elements_text": true, "json_array_elements": true,
	"json_array_elements_text": true, "jsonb_object_keys": true, "json_object_keys": true,
	"jsonb_each": true, "jsonb_each_text": true, "json_each": true, "json_each_text": true,
	"_pg_expandarray": true, "regexp_matches": true,
}

// IsSRF reports whether name is a set-returning function eddy knows.
func IsSRF(name string) bool { return srfNames[srfName(name)] }

func srfName(name string) string {
	return strings.TrimPrefix(strings.TrimPrefix(name, "pg_catalog."), "information_schema.")
}

// resolveSRF types a set-returning function call and its output columns.
func (b *binder) resolveSRF(name string, args []Expr) (*SRFCall, error) {
	name = srfName(name)
	argTypes := func() string {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = a.Type().String()
		}
		return strings.Join(ts, ", ")
	}
	noFunc := func() error {
		return &sql.Error{Code: sql.CodeUndefinedFunction, Message: "function " + name + "(" + argTypes() + ") does not exist",
			Hint: "No function matches the given name and argument types. You might need to add explicit type casts."}
	}
	one := func(t sql.Type) []Column { return []Column{{Name: name, Type: t}} }
	switch name {
	case "generate_series":
		if len(args) < 2 || len(args) > 3 {
			return nil, noFunc()
		}
		ts := []sql.Type{args[0].Type(), args[1].Type()}
		if len(args) == 3 && category(args[2].Type()) == catNumeric {
			ts = append(ts, args[2].Type())
		}
		t, ok := commonType(ts)
		if !ok {
			return nil, noFunc()
		}
		switch {
		case t.OID == sql.OIDUnknown || t.OID == sql.OIDInt2:
			t = sql.Int4
		case t.OID == sql.OIDDate:
			// date has no series of its own: PostgreSQL picks the
			// timestamptz one, the preferred type of its category.
			t = sql.TimestampTZ
		}
		if category(t) != catNumeric && t.OID != sql.OIDTimestamp && t.OID != sql.OIDTimestampTZ || numericRank(t.OID) == 0 {
			return nil, noFunc()
		}
		args[0], args[1] = b.coerce(args[0], t), b.coerce(args[1], t)
		if len(args) == 3 {
			st := t
			if t.OID == sql.OIDTimestamp || t.OID == sql.OIDTimestampTZ {
				st = sql.Interval
			}
			args[2] = b.coerce(args[2], st)
		} else if t.OID == sql.OIDTimestamp || t.OID == sql.OIDTimestampTZ {
			return nil, noFunc()
		}
		return &SRFCall{Name: name, Args: args, Cols: one(t)}, nil
	case "unnest":
		if len(args) == 0 {
			return nil, noFunc()
		}
		var cols []Column
		for i := range args {
			if args[i].Type().OID == sql.OIDUnknown {
				args[i] = b.coerce(args[i], sql.ArrayOf(sql.Text))
			}
			at := args[i].Type()
			if !at.IsArray() {
				return nil, noFunc()
			}
			cols = append(cols, Column{Name: "unnest", Type: *at.Elem})
		}
		return &SRFCall{Name: name, Args: args, Cols: cols}, nil
	case "generate_subscripts":
		if len(args) < 2 || !args[0].Type().IsArray() {
			return nil, noFunc()
		}
		args[1] = b.coerce(args[1], sql.Int4)
		if len(args) == 3 {
			args[2] = b.coerce(args[2], sql.Bool)
		}
		return &SRFCall{Name: name, Args: args, Cols: one(sql.Int4)}, nil
	case "_pg_expandarray":
		// information_schema._pg_expandarray(anyarray) returns (x, n): each
		// element with its position. Drivers (pgjdbc) call it for index keys.
		if len(args) != 1 || !args[0].Type().IsArray() {
			return nil, noFunc()
		}
		fields := []Column{{Name: "x", Type: *args[0].Type().Elem}, {Name: "n", Type: sql.Int4}}
		return &SRFCall{Name: name, Args: args, Cols: []Column{{Name: name, Type: sql.Record, Fields: fields}}}, nil
	case "regexp_matches":
		if len(args) < 2 || len(args) > 3 {
			return nil, noFunc()
		}
		for i := range args {
			if t := args[i].Type(); t.OID != sql.OIDUnknown && category(t) != category(sql.Text) {
				return nil, noFunc()
			}
			args[i] = b.coerce(args[i], sql.Text)
		}
		return &SRFCall{Name: name, Args: args, Cols: one(sql.ArrayOf(sql.Text))}, nil
	case "string_to_table":
		if len(args) < 2 || len(args) > 3 {
			return nil, noFunc()
		}
		for i := range args {
			args[i] = b.coerce(args[i], sql.Text)
		}
		return &SRFCall{Name: name, Args: args, Cols: one(sql.Text)}, nil
	}
	// The JSON functions take one json or jsonb document.
	jt := sql.JSONB
	if strings.HasPrefix(name, "json_") {
		jt = sql.JSON
	}
	if len(args) != 1 {
		return nil, noFunc()
	}
	if at := args[0].Type(); at.OID != sql.OIDUnknown && at.OID != jt.OID {
		return nil, noFunc()
	}
	args[0] = b.coerce(args[0], jt)
	switch name {
	case "jsonb_array_elements", "json_array_elements":
		return &SRFCall{Name: name, Args: args, Cols: []Column{{Name: "value", Type: jt}}}, nil
	case "jsonb_array_elements_text", "json_array_elements_text":
		return &SRFCall{Name: name, Args: args, Cols: []Column{{Name: "value", Type: sql.Text}}}, nil
	case "jsonb_object_keys", "json_object_keys":
		return &SRFCall{Name: name, Args: args, Cols: one(sql.Text)}, nil
	case "jsonb_each", "json_each":
		return &SRFCall{Name: name, Args: args, Cols: []Column{{Name: "key", Type: sql.Text}, {Name: "value", Type: jt}}}, nil
	case "jsonb_each_text", "json_each_text":
		return &SRFCall{Name: name, Args: args, Cols: []Column{{Name: "key", Type: sql.Text}, {Name: "value", Type: sql.Text}}}, nil
	}
	return nil, noFunc()
}
