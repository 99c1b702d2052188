package builtin

import (
	"math"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/sql"
)

// SQLSTATEs that package sql has no name for.
const (
	codeInvalidArgumentForLog   = "2201E"
	codeInvalidArgumentForPower = "2201F"
	codeSubstringError          = "22011"
	codeInvalidDatetimeFormat   = "22007"
)

// fn builds a strict, stable overload; most registrations are one line.
func fn(name string, args []sql.Type, ret sql.Type, eval func(*Context, []sql.Value) (sql.Value, error)) *Func {
	return &Func{Name: name, Args: args, Ret: ret, Eval: eval}
}

func types(ts ...sql.Type) []sql.Type { return ts }

// argsFree marks f's Eval as keeping no reference to its arguments: its
// Prepare gives every call site Eval itself, and the call site one
// argument slice for all rows instead of one per row.
func argsFree(f *Func) *Func {
	eval := f.Eval
	f.Prepare = func([]sql.Value, []bool) EvalFunc { return eval }
	return f
}

func loc(ctx *Context) *time.Location {
	if ctx == nil || ctx.Loc == nil {
		return time.UTC
	}
	return ctx.Loc
}

// kindType is the type a value's kind most likely stands for, for arguments
// declared Any whose resolved type the Eval path does not see.
func kindType(v sql.Value) sql.Type {
	switch v.Kind() {
	case sql.KindBool:
		return sql.Bool
	case sql.KindInt:
		return sql.Int8
	case sql.KindFloat:
		return sql.Float8
	case sql.KindNumeric:
		return sql.Numeric
	case sql.KindBytes:
		return sql.Bytea
	case sql.KindDate:
		return sql.Date
	case sql.KindTime:
		return sql.Time
	case sql.KindTimestamp:
		return sql.Timestamp
	case sql.KindTimestampTZ:
		return sql.TimestampTZ
	case sql.KindInterval:
		return sql.Interval
	case sql.KindJSON:
		return sql.JSONB
	case sql.KindArray:
		for _, e := range v.Array() {
			if !e.IsNull() {
				et := kindType(e)
				if et.IsArray() {
					return et
				}
				return sql.ArrayOf(et)
			}
		}
		return sql.ArrayOf(sql.Text)
	}
	return sql.Text
}

// textOf renders a value of any kind as its text output, for functions
// declared over Any (concat, format, array_to_string).
func textOf(ctx *Context, v sql.Value) string {
	return sql.FormatText(v, kindType(v), loc(ctx))
}

// numCtx is an arithmetic context for intermediate results that need prec
// significant digits; it never traps, callers check the result's form.
func numCtx(prec uint32) *apd.Context {
	c := *sql.DecimalCtx
	c.Precision = prec
	c.Traps = 0
	return &c
}

// decScale is a finite decimal's display scale (digits after the point).
func decScale(d *apd.Decimal) int32 {
	if d.Form != apd.Finite || d.Exponent >= 0 {
		return 0
	}
	return -d.Exponent
}

// decWeight is the decimal exponent of d's leading digit (0 for 1..9, -1 for
// 0.1..0.9); zero has weight 0.
func decWeight(d *apd.Decimal) int64 {
	if d.IsZero() {
		return 0
	}
	return d.NumDigits() + int64(d.Exponent) - 1
}

// roundScale rounds d to scale digits after the point, half away from zero,
// with a non-negative exponent afterwards as PostgreSQL's numeric has.
func roundScale(d *apd.Decimal, scale int32, mode apd.Rounder) (*apd.Decimal, error) {
	if d.Form != apd.Finite {
		return d, nil
	}
	c := numCtx(uint32(max(int64(d.NumDigits())+int64(d.Exponent)+int64(scale)+2, 1)))
	c.Rounding = mode
	r := new(apd.Decimal)
	if _, err := c.Quantize(r, d, -scale); err != nil || r.Form != apd.Finite {
		return nil, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	if r.Exponent > 0 {
		if _, err := c.Quantize(r, r, 0); err != nil {
			return nil, sql.Errorf(sql.CodeNumericValueOutOfRange, "value overflows numeric format")
		}
	}
	if r.IsZero() {
		r.Negative = false
	}
	return r, nil
}

func decFloat(d *apd.Decimal) float64 {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return math.NaN()
	case apd.Infinite:
		if d.Negative {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, _ := strconv.ParseFloat(d.Text('e'), 64)
	return f
}

func decFromFloat(f float64) *apd.Decimal {
	d, err := sql.NumericFromFloat(f)
	if err != nil {
		return &apd.Decimal{Form: apd.NaN}
	}
	return d
}

func numVal(d *apd.Decimal) sql.Value {
	if d.Form == apd.Finite && d.IsZero() {
		d.Negative = false
	}
	return sql.NewNumeric(d)
}

func isNaN(d *apd.Decimal) bool { return d.Form == apd.NaN || d.Form == apd.NaNSignaling }

// textOfT is textOf with the argument's resolved type when the caller has it
// (EvalTyped), so that float4 prints with float4's digits.
func textOfT(ctx *Context, v sql.Value, t sql.Type) string {
	switch t.OID {
	case 0, OIDAny, OIDAnyElement, OIDAnyArray, sql.OIDUnknown:
		return textOf(ctx, v)
	}
	if (v.Kind() == sql.KindArray) != t.IsArray() {
		return textOf(ctx, v)
	}
	return sql.FormatText(v, t, loc(ctx))
}
