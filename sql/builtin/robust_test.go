package builtin

import (
	"fmt"
	"testing"
	"time"

	"github.com/eddysql/eddy/sql"
)

// samples are awkward values per type: empty, zero, negative, extreme,
// infinite. Every overload is called with every combination of them for its
// first arguments; any result or SQL error is fine, a panic or a non-SQL
// error is not.
var samples = map[uint32][]string{
	sql.OIDInt2:        {"0", "-1", "32767", "-32768"},
	sql.OIDInt4:        {"0", "-1", "2", "2147483647", "-2147483648"},
	sql.OIDInt8:        {"0", "-1", "9223372036854775807", "-9223372036854775808"},
	sql.OIDFloat8:      {"0", "-1.5", "NaN", "Infinity", "-Infinity", "1e308", "5e-324"},
	sql.OIDFloat4:      {"0", "1.1"},
	sql.OIDNumeric:     {"0", "-1.5", "NaN", "Infinity", "1e100", "0.000001"},
	sql.OIDText:        {"", "a", "é,x", "%s%", "[", `\`, "YYYY FMDD th", "9,999.99S", "epoch", "{a,-1}", "1"},
	sql.OIDBool:        {"true", "false"},
	sql.OIDBytea:       {`\x`, `\x00ff`},
	sql.OIDDate:        {"2020-02-29", "infinity", "-infinity", "4713-01-01 BC"},
	sql.OIDTime:        {"00:00", "23:59:59.999999"},
	sql.OIDTimestamp:   {"2020-02-29 12:00", "infinity", "-infinity", "4713-01-01 BC"},
	sql.OIDTimestampTZ: {"2020-02-29 12:00+00", "infinity", "-infinity"},
	sql.OIDInterval:    {"0", "-1 mon 1 day -00:00:01", "178000000 years"},
	sql.OIDJSON:        {`{}`, `[1,"a",null]`, `"s"`, `{"a":{"b":[1]}}`},
	sql.OIDJSONB:       {`{}`, `[1,"a",null]`, `"s"`, `{"a":{"b":[1]}}`},
	sql.OIDOid:         {"0", "23", "1007"},
	sql.OIDName:        {"x"},
	sql.OIDRegclass:    {"0", "16384"},
}

func sampleValues(t *testing.T, typ sql.Type) []sql.Value {
	if typ.IsArray() {
		var out []sql.Value
		for _, s := range []string{"{}", "{1,NULL}", "{{1,2},{3,4}}"} {
			v, err := sql.ParseText(s, sql.ArrayOf(sql.Int4), nil)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		if typ.Elem.OID == sql.OIDText {
			v, _ := sql.ParseText(`{a,"",NULL}`, typ, nil)
			out = append(out, v)
		}
		return out
	}
	var strs []string
	switch typ.OID {
	case OIDAny, OIDAnyElement:
		return []sql.Value{sql.NewInt(1), sql.NewText("x"), sql.NewFloat(1.5), sql.NewJSON(`{"a":1}`), sql.NewArray([]sql.Value{sql.NewInt(1)})}
	case OIDAnyArray:
		return sampleValues(t, sql.ArrayOf(sql.Int4))
	default:
		strs = samples[typ.OID]
	}
	if strs == nil {
		t.Fatalf("no samples for %v", typ)
	}
	out := []sql.Value{sql.Null}
	for _, s := range strs {
		v, err := sql.ParseText(s, typ, testLoc)
		if err != nil {
			t.Fatalf("sample %q for %v: %v", s, typ, err)
		}
		out = append(out, v)
	}
	return out
}

var calls int

func TestNoPanics(t *testing.T) {
	ctx := testCtx()
	// Functions that wait (pg_sleep with huge arguments) see a statement
	// that is already cancelled, and must return at once.
	cancelled := make(chan struct{})
	close(cancelled)
	ctx.Done = cancelled
	defer func() { t.Logf("%d calls", calls) }()
	for _, name := range Names() {
		for _, f := range Lookup(name) {
			args := f.Args
			if f.Variadic && len(args) > 0 {
				args = append(append([]sql.Type{}, args...), args[len(args)-1])
			}
			vals := make([][]sql.Value, len(args))
			for i, a := range args {
				vals[i] = sampleValues(t, a)
			}
			// Limit the combinations: full product over the first three
			// arguments, the first sample for the rest.
			var rec func(i int, cur []sql.Value)
			rec = func(i int, cur []sql.Value) {
				if i == len(args) {
					call(t, ctx, f, args, cur)
					return
				}
				vs := vals[i]
				if i >= 3 {
					vs = vs[1:2]
				}
				for _, v := range vs {
					rec(i+1, append(cur, v))
				}
			}
			rec(0, nil)
		}
	}
}

func call(t *testing.T, ctx *Context, f *Func, ts []sql.Type, args []sql.Value) {
	if !f.NonStrict {
		for _, a := range args {
			if a.IsNull() {
				return
			}
		}
	}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s%s panicked: %v", f.Name, fmtArgs(args), r)
		}
	}()
	calls++
	start := time.Now()
	v, err := f.Call(ctx, args, ts)
	// A runaway (a huge allocation, a loop over a pathological argument)
	// takes seconds; the bound is loose because the machines are shared,
	// and a zone lookup reads from disk.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("%s%s took %v", f.Name, fmtArgs(args), d)
	}
	if err != nil {
		if _, ok := err.(*sql.Error); !ok {
			t.Errorf("%s%s: non-SQL error %v", f.Name, fmtArgs(args), err)
		}
		return
	}
	_ = sql.FormatText(v, f.ResultType(ts), ctx.Loc)
}

func fmtArgs(args []sql.Value) string {
	s := "("
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(a)
	}
	return s + ")"
}
