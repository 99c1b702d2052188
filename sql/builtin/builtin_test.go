package builtin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/sql"
)

// tc is one call: a function name, typed arguments given as text (parsed with
// sql.ParseText; "NULL" is NULL), and the expected result text or "ERROR
// <sqlstate>".
type tc struct {
	name string
	args []arg
	want string
}

type arg struct {
	t sql.Type
	s string
}

func a(t sql.Type, s string) arg { return arg{t, s} }

func i4(s string) arg  { return arg{sql.Int4, s} }
func i8(s string) arg  { return arg{sql.Int8, s} }
func f8(s string) arg  { return arg{sql.Float8, s} }
func num(s string) arg { return arg{sql.Numeric, s} }
func txt(s string) arg { return arg{sql.Text, s} }

var testLoc = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.FixedZone("EST", -5*3600)
	}
	return l
}()

func testCtx() *Context {
	return &Context{
		Loc:      testLoc,
		Now:      time.Date(2024, 3, 15, 12, 30, 45, 123456000, time.UTC),
		User:     "alice",
		Database: "shop",
		Setting: func(name string) (string, bool) {
			switch name {
			case "datestyle":
				return "ISO, MDY", true
			case "timezone":
				return "America/New_York", true
			}
			return "", false
		},
	}
}

// resolve finds the overload whose declared types match the argument types,
// treating the pseudo-types as wildcards, the way the planner would after
// casting.
func resolve(t *testing.T, name string, ts []sql.Type) *Func {
	t.Helper()
	for _, f := range Lookup(name) {
		if matches(f, ts) {
			return f
		}
	}
	t.Fatalf("no overload %s%v", name, ts)
	return nil
}

func matches(f *Func, ts []sql.Type) bool {
	n := len(f.Args)
	if f.Variadic {
		if len(ts) < n-1 {
			return false
		}
	} else if len(ts) != n {
		return false
	}
	for i, t := range ts {
		d := f.Args[min(i, n-1)]
		switch d.OID {
		case OIDAny, OIDAnyElement:
			continue
		case OIDAnyArray:
			if t.IsArray() {
				continue
			}
			return false
		}
		if d.OID != t.OID || d.IsArray() != t.IsArray() {
			return false
		}
	}
	return true
}

func run(t *testing.T, cases []tc) {
	t.Helper()
	for _, c := range cases {
		ts := make([]sql.Type, len(c.args))
		vs := make([]sql.Value, len(c.args))
		hasNull := false
		for i, ar := range c.args {
			ts[i] = ar.t
			if ar.s == "NULL" {
				vs[i] = sql.Null
				hasNull = true
				continue
			}
			v, err := sql.ParseText(ar.s, ar.t, testLoc)
			if err != nil {
				t.Fatalf("%s: arg %q: %v", c.name, ar.s, err)
			}
			vs[i] = v
		}
		f := resolve(t, c.name, ts)
		var got string
		if hasNull && !f.NonStrict {
			got = "NULL"
		} else {
			v, err := f.Call(testCtx(), vs, ts)
			got = resultText(t, c, f, ts, v, err)
		}
		if got != c.want {
			t.Errorf("%s%v = %q, want %q", c.name, c.args, got, c.want)
		}
		if f.Prepare == nil || (hasNull && !f.NonStrict) {
			continue
		}
		// Every call site shape (each subset of the arguments constant)
		// must answer as Eval does.
		for mask := 1; mask < 1<<len(vs); mask++ {
			isConst := make([]bool, len(vs))
			consts := make([]sql.Value, len(vs))
			for i := range vs {
				if mask&(1<<i) != 0 {
					isConst[i], consts[i] = true, vs[i]
				}
			}
			ev := f.Prepare(consts, isConst)
			if ev == nil {
				continue
			}
			for range 2 { // a prepared call site serves many rows
				v, err := ev(testCtx(), append([]sql.Value(nil), vs...))
				if p := resultText(t, c, f, ts, v, err); p != got {
					t.Errorf("%s%v prepared with constants %v = %q, Eval gives %q", c.name, c.args, isConst, p, got)
				}
			}
		}
	}
}

func resultText(t *testing.T, c tc, f *Func, ts []sql.Type, v sql.Value, err error) string {
	t.Helper()
	if err != nil {
		var e *sql.Error
		if !errors.As(err, &e) {
			t.Errorf("%s%v: non-SQL error %v", c.name, c.args, err)
			return "non-SQL error"
		}
		got := "ERROR " + e.Code
		if !strings.HasPrefix(c.want, "ERROR") {
			got += " " + e.Message
		}
		return got
	}
	if v.IsNull() {
		return "NULL"
	}
	return sql.FormatText(v, f.ResultType(ts), testLoc)
}

func TestRegistryWellFormed(t *testing.T) {
	for _, name := range Names() {
		for _, f := range Lookup(name) {
			if f.Eval == nil && f.EvalTyped == nil {
				t.Errorf("%s has no implementation", name)
			}
		}
	}
}
