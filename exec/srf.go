package exec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// srfRows computes the rows of a set-returning function for argument
// values vals (typed as the planner's args; cols are its output columns).
func (rt *runtime) srfRows(name string, vals []sql.Value, args []planner.Expr, cols []planner.Column) ([]sql.Row, error) {
	switch name {
	case "generate_series":
		if anyNull(vals) {
			return nil, nil
		}
		return rt.series(vals, args, cols[0].Type)
	case "unnest":
		// Several arrays unnest side by side, the shorter padded with NULLs;
		// a multi-dimensional array unnests all its elements in order.
		n := 0
		flat := make([][]sql.Value, len(vals))
		for j, v := range vals {
			flat[j] = flatten(v.Array(), nil)
			n = max(n, len(flat[j]))
		}
		rows := make([]sql.Row, n)
		for i := range rows {
			row := make(sql.Row, len(vals))
			for j := range vals {
				if i < len(flat[j]) {
					row[j] = flat[j][i]
				}
			}
			rows[i] = row
		}
		return rows, nil
	case "generate_subscripts":
		if vals[0].IsNull() || vals[1].IsNull() || vals[1].Int() != 1 {
			return nil, nil
		}
		n := len(vals[0].Array())
		rows := make([]sql.Row, n)
		rev := len(vals) == 3 && !vals[2].IsNull() && vals[2].Bool()
		for i := range rows {
			k := i + 1
			if rev {
				k = n - i
			}
			rows[i] = sql.Row{sql.NewInt(int64(k))}
		}
		return rows, nil
	case "_pg_expandarray":
		if vals[0].IsNull() {
			return nil, nil
		}
		a := vals[0].Array()
		rows := make([]sql.Row, len(a))
		for i, e := range a {
			rows[i] = sql.Row{sql.NewArray([]sql.Value{e, sql.NewInt(int64(i + 1))})}
		}
		return rows, nil
	case "regexp_matches":
		if anyNull(vals) {
			return nil, nil
		}
		flags := ""
		if len(vals) == 3 {
			flags = vals[2].Text()
		}
		ms, err := builtin.RegexpMatches(vals[0].Text(), vals[1].Text(), flags)
		if err != nil {
			return nil, err
		}
		rows := make([]sql.Row, len(ms))
		for i, m := range ms {
			rows[i] = sql.Row{m}
		}
		return rows, nil
	case "eddy_hop":
		// HOP's windows of one row (planner/bind_timewindow.go); a row with
		// a NULL time is in none.
		if vals[0].IsNull() {
			return nil, nil
		}
		return hopRows(vals, cols[0].Type)
	case "string_to_table":
		if vals[0].IsNull() {
			return nil, nil
		}
		var parts []string
		switch {
		case vals[1].IsNull():
			for _, r := range vals[0].Text() {
				parts = append(parts, string(r))
			}
		case vals[1].Text() == "":
			parts = []string{vals[0].Text()}
		default:
			parts = strings.Split(vals[0].Text(), vals[1].Text())
		}
		rows := make([]sql.Row, len(parts))
		for i, p := range parts {
			v := sql.NewText(p)
			if len(vals) == 3 && !vals[2].IsNull() && p == vals[2].Text() {
				v = sql.Null
			}
			rows[i] = sql.Row{v}
		}
		return rows, nil
	}
	if vals[0].IsNull() {
		return nil, nil
	}
	return jsonRows(name, vals[0].Text(), cols)
}

// hopRows yields (window_start, window_end) for each window of a HOP that
// holds vals[0]; vals[1:] are the slide, the size and the offset.
func hopRows(vals []sql.Value, t sql.Type) ([]sql.Row, error) {
	var lengths [3]int64
	for i, what := range []string{"window slide", "window size", "window offset"} {
		var err error
		if lengths[i], err = builtin.WindowLength(what, vals[1+i].Interval(), i < 2); err != nil {
			return nil, err
		}
	}
	starts, err := builtin.HopStarts(vals[0].Int(), lengths[0], lengths[1], lengths[2])
	if err != nil {
		return nil, err
	}
	mk := sql.NewTimestamp
	if t.OID == sql.OIDTimestampTZ {
		mk = sql.NewTimestampTZ
	}
	rows := make([]sql.Row, len(starts))
	for i, s := range starts {
		rows[i] = sql.Row{mk(s), mk(s + lengths[1])}
	}
	return rows, nil
}

func (rt *runtime) series(vals []sql.Value, args []planner.Expr, t sql.Type) ([]sql.Row, error) {
	var rows []sql.Row
	const limit = 10_000_000
	switch t.Kind() {
	case sql.KindInt:
		step := int64(1)
		if len(vals) == 3 {
			step = vals[2].Int()
		}
		if step == 0 {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "step size cannot equal zero")
		}
		for i := vals[0].Int(); (step > 0 && i <= vals[1].Int()) || (step < 0 && i >= vals[1].Int()); i += step {
			rows = append(rows, sql.Row{sql.NewInt(i)})
			if len(rows) > limit {
				return nil, sql.Errorf(sql.CodeProgramLimitExceeded, "generate_series in a select list produces too many rows")
			}
		}
		return rows, nil
	case sql.KindTimestamp, sql.KindTimestampTZ:
		iv := vals[2].Interval()
		if iv.Months == 0 && iv.Days == 0 && iv.Micros == 0 {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "step size cannot equal zero")
		}
		forward := iv.Months > 0 || iv.Days > 0 || iv.Micros > 0
		for cur := vals[0]; len(rows) < limit; {
			c := sql.Compare(cur, vals[1])
			if (forward && c > 0) || (!forward && c < 0) {
				break
			}
			rows = append(rows, sql.Row{cur})
			cur = addInterval(cur.Int(), iv, t.Kind() == sql.KindTimestampTZ, rt.loc(), t)
		}
		return rows, nil
	}
	step, stepT := sql.NewInt(1), sql.Int4
	if len(vals) == 3 {
		step, stepT = vals[2], args[2].Type()
	}
	s, err := rt.cast(step, stepT, t, false)
	if err != nil {
		return nil, err
	}
	zero, _ := rt.cast(sql.NewInt(0), sql.Int4, t, false)
	dir := sql.Compare(s, zero)
	if dir == 0 {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "step size cannot equal zero")
	}
	for cur := vals[0]; len(rows) < limit; {
		c := sql.Compare(cur, vals[1])
		if (dir > 0 && c > 0) || (dir < 0 && c < 0) {
			break
		}
		rows = append(rows, sql.Row{cur})
		if cur, err = addValues(cur, s, t); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// jsonRows expands a JSON document for the json(b)_array_elements,
// _object_keys and _each families.
func jsonRows(name, doc string, cols []planner.Column) ([]sql.Row, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, sql.Errorf(sql.CodeInvalidJSONText, "invalid input syntax for type json")
	}
	elem := func(x any, t sql.Type) (sql.Value, error) {
		if t.OID == sql.OIDText {
			switch y := x.(type) {
			case nil:
				return sql.Null, nil
			case string:
				return sql.NewText(y), nil
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return sql.Null, err
		}
		text := strings.TrimSpace(buf.String())
		if t.OID == sql.OIDText && strings.HasPrefix(name, "jsonb") {
			// jsonb's text form of a container has ", " and ": ".
			if v, err := sql.ParseText(text, sql.JSONB, nil); err == nil {
				return sql.NewText(v.Text()), nil
			}
		}
		if t.OID == sql.OIDText {
			return sql.NewText(text), nil
		}
		return sql.ParseText(text, t, nil)
	}
	isArray := strings.Contains(name, "array")
	switch x := v.(type) {
	case []any:
		if !isArray {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "cannot call %s on an array", name)
		}
		rows := make([]sql.Row, len(x))
		for i, e := range x {
			val, err := elem(e, cols[0].Type)
			if err != nil {
				return nil, err
			}
			rows[i] = sql.Row{val}
		}
		return rows, nil
	case map[string]any:
		if isArray {
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "cannot extract elements from an object")
		}
		// Keys in the document's order for json, jsonb's order for jsonb:
		// the normalized jsonb text already has them sorted, so reading the
		// text's order serves both.
		keys, err := objectKeys(doc)
		if err != nil {
			return nil, err
		}
		rows := make([]sql.Row, 0, len(keys))
		for _, k := range keys {
			if strings.HasSuffix(name, "object_keys") {
				rows = append(rows, sql.Row{sql.NewText(k)})
				continue
			}
			val, err := elem(x[k], cols[1].Type)
			if err != nil {
				return nil, err
			}
			rows = append(rows, sql.Row{sql.NewText(k), val})
		}
		return rows, nil
	}
	what := "a scalar"
	if v == nil {
		what = "a scalar"
	}
	if isArray {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "cannot extract elements from %s", what)
	}
	return nil, sql.Errorf(sql.CodeInvalidParameterValue, "cannot call %s on %s", name, what)
}

// objectKeys lists an object's keys in text order, each once.
func objectKeys(doc string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf("json key is not a string")
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// flatten lists the leaf elements of a (possibly nested) array.
func flatten(a []sql.Value, out []sql.Value) []sql.Value {
	for _, v := range a {
		if v.Kind() == sql.KindArray {
			out = flatten(v.Array(), out)
			continue
		}
		out = append(out, v)
	}
	return out
}
