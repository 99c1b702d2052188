package exec

import (
	"encoding/json"
	"math"
	"sort"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// accumulator folds the changes of one group into an aggregate's value.
// diff is the change's multiplicity (negative retracts).
type accumulator interface {
	add(args []sql.Value, row sql.Row, diff int64) error
	result() (sql.Value, error)
}

func newAccumulator(c planner.AggCall, rt *runtime) (accumulator, error) {
	var acc accumulator
	var err error
	switch c.Func.Name {
	case "count":
		acc = &countAcc{star: len(c.Args) == 0}
	case "sum":
		acc = &sumAcc{typ: c.Type}
	case "avg":
		acc = &avgAcc{typ: c.Type}
	case "min", "max":
		acc = &minMaxAcc{max: c.Func.Name == "max"}
	case "bool_and", "every":
		acc = &boolAcc{and: true}
	case "bool_or":
		acc = &boolAcc{}
	case "bit_and", "bit_or", "bit_xor":
		acc = &bitAcc{op: c.Func.Name}
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		acc = &varAcc{name: c.Func.Name, typ: c.Type}
	case "percentile_cont", "percentile_disc", "mode":
		acc = newOrderedSetAcc(c)
	case "string_agg", "array_agg", "json_agg", "jsonb_agg":
		keys, err := rt.compileSortKeys(c.Order)
		if err != nil {
			return nil, err
		}
		acc = &collectAcc{name: c.Func.Name, typ: c.Type, argType: argType(c), keys: keys, loc: rt}
	case "first_value", "last_value": // RisingWave's aggregates (accum_firstlast.go)
		acc, err = newFirstLastAcc(c, rt)
		if err != nil {
			return nil, err
		}
	case "json_object_agg", "jsonb_object_agg":
		acc, err = newObjectAgg(c, rt)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errUnsupported("aggregate " + c.Func.Name)
	}
	if c.Distinct {
		acc = &distinctAcc{inner: acc, seen: newKeyMap[int64]()}
	}
	return acc, nil
}

func argType(c planner.AggCall) sql.Type {
	if len(c.Args) == 0 {
		return sql.Unknown
	}
	return c.Args[0].Type()
}

type countAcc struct {
	star bool
	n    int64
}

func (a *countAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	if !a.star && args[0].IsNull() {
		return nil
	}
	a.n += d
	return nil
}

func (a *countAcc) result() (sql.Value, error) { return sql.NewInt(a.n), nil }

// sumAcc sums ints exactly in an int64 while it fits, then in a decimal.
type sumAcc struct {
	typ   sql.Type
	n     int64 // non-NULL inputs, for SUM over no rows = NULL
	i     int64
	dec   *apd.Decimal
	f     float64
	iv    sql.IntervalValue
	isDec bool
}

func (a *sumAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	v := args[0]
	if v.IsNull() {
		return nil
	}
	a.n += d
	switch v.Kind() {
	case sql.KindInt:
		x := v.Int()
		if !a.isDec {
			if d == 1 {
				s := a.i + x
				if (s > a.i) == (x > 0) || x == 0 {
					a.i = s
					return nil
				}
			}
			if d == -1 { // a sliding window frame retracting a row
				s := a.i - x
				if (s < a.i) == (x > 0) || x == 0 {
					a.i = s
					return nil
				}
			}
			a.isDec = true
			a.dec = apd.New(a.i, 0)
		}
		prod := new(apd.Decimal)
		decCtx.Mul(prod, apd.New(x, 0), apd.New(d, 0))
		decCtx.Add(a.dec, a.dec, prod)
	case sql.KindFloat:
		a.f += v.Float() * float64(d)
	case sql.KindNumeric:
		if a.dec == nil {
			a.dec = new(apd.Decimal)
		}
		a.isDec = true
		prod := new(apd.Decimal)
		decCtx.Mul(prod, v.Numeric(), apd.New(d, 0))
		decCtx.Add(a.dec, a.dec, prod)
	case sql.KindInterval:
		iv := v.Interval()
		a.iv.Months += iv.Months * int32(d)
		a.iv.Days += iv.Days * int32(d)
		a.iv.Micros += iv.Micros * d
	}
	return nil
}

func (a *sumAcc) result() (sql.Value, error) {
	if a.n == 0 {
		return sql.Null, nil
	}
	switch a.typ.OID {
	case sql.OIDInt8:
		if a.isDec {
			if !a.dec.Coeff.IsInt64() || a.dec.Exponent != 0 {
				return sql.Null, sql.Errorf(sql.CodeNumericValueOutOfRange, "bigint out of range")
			}
			i, _ := a.dec.Int64()
			return sql.NewInt(i), nil
		}
		return sql.NewInt(a.i), nil
	case sql.OIDNumeric:
		if !a.isDec {
			return sql.NewNumeric(apd.New(a.i, 0)), nil
		}
		return sql.NewNumeric(new(apd.Decimal).Set(a.dec)), nil
	case sql.OIDFloat4, sql.OIDFloat8:
		return sql.NewFloat(a.f), nil
	case sql.OIDInterval:
		return sql.NewInterval(a.iv), nil
	}
	return sql.Null, errUnsupported("sum of " + a.typ.String())
}

type avgAcc struct {
	typ sql.Type
	sum sumAcc
}

func (a *avgAcc) add(args []sql.Value, r sql.Row, d int64) error {
	if a.sum.typ.OID == 0 {
		a.sum.typ = a.typ
	}
	return a.sum.add(args, r, d)
}

func (a *avgAcc) result() (sql.Value, error) {
	if a.sum.n == 0 {
		return sql.Null, nil
	}
	switch a.typ.OID {
	case sql.OIDNumeric:
		s := a.sum.dec
		if !a.sum.isDec {
			s = apd.New(a.sum.i, 0)
		}
		return numericDiv(s, apd.New(a.sum.n, 0))
	case sql.OIDFloat8:
		return sql.NewFloat(a.sum.f / float64(a.sum.n)), nil
	case sql.OIDInterval:
		return sql.NewInterval(scaleInterval(a.sum.iv, 1/float64(a.sum.n))), nil
	}
	return sql.Null, errUnsupported("avg of " + a.typ.String())
}

// minMaxAcc keeps a count per distinct value so that retracting the current
// extreme finds the next one.
type minMaxAcc struct {
	max  bool
	vals *keyMap[int64]
	best sql.Value
	ok   bool // best is valid (no retraction of it since computed)
}

func (a *minMaxAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	v := args[0]
	if v.IsNull() {
		return nil
	}
	if a.vals == nil {
		a.vals = newKeyMap[int64]()
	}
	i, _ := a.vals.upsert(sql.Row{v}, func() int64 { return 0 })
	a.vals.vals[i] += d
	if d > 0 {
		// Values can be equal yet print differently (interval '1 mon' and
		// '30 days'); PostgreSQL's interval_larger/smaller keep the newer
		// argument on a tie, so the latest equal value is the one shown.
		a.vals.keys[i] = sql.Row{v}
	}
	if d > 0 && a.ok && !a.best.IsNull() {
		c := sql.Compare(v, a.best)
		if c == 0 || (a.max && c > 0) || (!a.max && c < 0) {
			a.best = v
		}
		return nil
	}
	if d > 0 && !a.ok && a.best.IsNull() && a.vals.len() == 1 {
		a.best, a.ok = v, true
		return nil
	}
	a.ok = false
	return nil
}

func (a *minMaxAcc) result() (sql.Value, error) {
	if a.ok {
		return a.best, nil
	}
	best := sql.Null
	if a.vals != nil {
		for i, k := range a.vals.keys {
			if a.vals.vals[i] <= 0 {
				continue
			}
			if best.IsNull() {
				best = k[0]
				continue
			}
			c := sql.Compare(k[0], best)
			if c == 0 || (a.max && c > 0) || (!a.max && c < 0) {
				best = k[0]
			}
		}
	}
	a.best, a.ok = best, true
	return best, nil
}

type boolAcc struct {
	and           bool
	trues, falses int64
}

func (a *boolAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	if args[0].IsNull() {
		return nil
	}
	if args[0].Bool() {
		a.trues += d
	} else {
		a.falses += d
	}
	return nil
}

func (a *boolAcc) result() (sql.Value, error) {
	if a.trues+a.falses == 0 {
		return sql.Null, nil
	}
	if a.and {
		return sql.NewBool(a.falses == 0), nil
	}
	return sql.NewBool(a.trues > 0), nil
}

// bitAcc folds bit_and, bit_or or bit_xor. Only xor can retract: a value
// xored in twice cancels, whatever came between.
type bitAcc struct {
	op   string
	n    int64
	bits int64
}

func (a *bitAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	if args[0].IsNull() {
		return nil
	}
	x := args[0].Int()
	switch {
	case a.op == "bit_xor":
		if d%2 != 0 {
			a.bits ^= x
		}
	case d < 0:
		return errUnsupported("retracting from " + a.op)
	case a.n == 0:
		a.bits = x
	case a.op == "bit_and":
		a.bits &= x
	default:
		a.bits |= x
	}
	a.n += d
	return nil
}

func (a *bitAcc) result() (sql.Value, error) {
	if a.n == 0 {
		return sql.Null, nil
	}
	return sql.NewInt(a.bits), nil
}

// varAcc computes variance and standard deviation from count, sum and sum
// of squares, which retract as easily as they add.
//
// Over float8 it keeps the values in arrival order instead: PostgreSQL
// folds them with the Youngs-Cramer update, whose rounding depends on
// that order, and only replaying it matches PostgreSQL's last digits.
type varAcc struct {
	name       string
	typ        sql.Type
	n          int64
	sum, sumSq apd.Decimal
	floats     []float64
	fdiffs     []int64
}

func (a *varAcc) add(args []sql.Value, _ sql.Row, d int64) error {
	v := args[0]
	if v.IsNull() {
		return nil
	}
	if a.typ.OID == sql.OIDFloat8 {
		a.floats = append(a.floats, v.Float())
		a.fdiffs = append(a.fdiffs, d)
		return nil
	}
	var x apd.Decimal
	switch v.Kind() {
	case sql.KindInt:
		x.SetInt64(v.Int())
	case sql.KindFloat:
		if _, err := x.SetFloat64(v.Float()); err != nil {
			return err
		}
	case sql.KindNumeric:
		x.Set(v.Numeric())
	}
	dd := apd.New(d, 0)
	var t, sq apd.Decimal
	decCtx.Mul(&t, &x, dd)
	decCtx.Add(&a.sum, &a.sum, &t)
	decCtx.Mul(&sq, &x, &x)
	decCtx.Mul(&sq, &sq, dd)
	decCtx.Add(&a.sumSq, &a.sumSq, &sq)
	a.n += d
	return nil
}

// floatResult replays PostgreSQL's float8_accum over the values that are
// present (a retraction cancels the earliest equal value).
func (a *varAcc) floatResult(pop bool) (sql.Value, error) {
	net := map[float64]int64{}
	for i, f := range a.floats {
		if a.fdiffs[i] < 0 {
			net[f] += a.fdiffs[i]
		}
	}
	var n, sx, sxx float64
	for i, f := range a.floats {
		d := a.fdiffs[i]
		if d <= 0 {
			continue
		}
		if c := net[f]; c < 0 {
			k := min(-c, d)
			net[f] += k
			d -= k
		}
		for ; d > 0; d-- {
			n++
			sx += f
			if n > 1 {
				t := f*n - sx
				sxx += t * t / (n * (n - 1))
			} else if math.IsNaN(f) || math.IsInf(f, 0) {
				sxx = math.NaN()
			}
			if math.IsInf(sx, 0) || math.IsInf(sxx, 0) {
				sxx = math.NaN()
			}
		}
	}
	if n == 0 || (!pop && n == 1) {
		return sql.Null, nil
	}
	den := n - 1
	if pop {
		den = n
	}
	r := sxx / den
	if strings.HasPrefix(a.name, "stddev") {
		r = math.Sqrt(r)
	}
	return sql.NewFloat(r), nil
}

func (a *varAcc) result() (sql.Value, error) {
	pop := strings.HasSuffix(a.name, "_pop")
	if a.typ.OID == sql.OIDFloat8 {
		return a.floatResult(pop)
	}
	if a.n == 0 || (!pop && a.n == 1) {
		return sql.Null, nil
	}
	// (n*sumSq - sum^2) / (n*(n-1)) or / n^2.
	n := apd.New(a.n, 0)
	var num, s2, den apd.Decimal
	decCtx.Mul(&num, n, &a.sumSq)
	decCtx.Mul(&s2, &a.sum, &a.sum)
	decCtx.Sub(&num, &num, &s2)
	if pop {
		decCtx.Mul(&den, n, n)
	} else {
		decCtx.Mul(&den, n, apd.New(a.n-1, 0))
	}
	if num.Sign() <= 0 {
		// PostgreSQL's numeric_stddev_internal returns a plain 0 here.
		return sql.NewNumeric(apd.New(0, 0)), nil
	}
	v, err := numericDiv(&num, &den)
	if err != nil || !strings.HasPrefix(a.name, "stddev") {
		return v, err
	}
	// The square root keeps the quotient's scale (sqrt_var at rscale).
	r := new(apd.Decimal)
	c := *decCtx // a copy: decCtx is shared
	c.Precision = uint32(v.Numeric().NumDigits() + 10)
	if _, err := c.Sqrt(r, v.Numeric()); err != nil {
		return sql.Null, err
	}
	c.Rounding = apd.RoundHalfUp
	c.Quantize(r, r, v.Numeric().Exponent)
	return sql.NewNumeric(r), nil
}

// distinctAcc feeds its inner accumulator only the first occurrence of each
// distinct argument (and retracts it with the last).
type distinctAcc struct {
	inner accumulator
	seen  *keyMap[int64]
}

func (a *distinctAcc) add(args []sql.Value, r sql.Row, d int64) error {
	key := append(sql.Row(nil), args...)
	i, _ := a.seen.upsert(key, func() int64 { return 0 })
	before := a.seen.vals[i]
	a.seen.vals[i] += d
	after := a.seen.vals[i]
	switch {
	case before <= 0 && after > 0:
		return a.inner.add(key, r, 1)
	case before > 0 && after <= 0:
		return a.inner.add(key, r, -1)
	}
	return nil
}

func (a *distinctAcc) result() (sql.Value, error) { return a.inner.result() }

// collectAcc gathers values for string_agg, array_agg and json_agg, sorted
// by the aggregate's ORDER BY (else in arrival order).
type collectAcc struct {
	name    string
	typ     sql.Type
	argType sql.Type
	keys    []compiledKey
	loc     *runtime
	items   []collected
}

type collected struct {
	args []sql.Value
	sort sql.Row
	diff int64
}

func (a *collectAcc) add(args []sql.Value, r sql.Row, d int64) error {
	it := collected{args: append([]sql.Value(nil), args...), diff: d}
	if len(a.keys) > 0 {
		it.sort = make(sql.Row, len(a.keys))
		for i, k := range a.keys {
			v, err := k.eval(r)
			if err != nil {
				return err
			}
			it.sort[i] = v
		}
	}
	a.items = append(a.items, it)
	return nil
}

func (a *collectAcc) result() (sql.Value, error) {
	items := a.items
	if len(a.keys) > 0 {
		items = append([]collected(nil), items...)
		sort.SliceStable(items, func(i, j int) bool { return compareKeys(a.keys, items[i].sort, items[j].sort) < 0 })
	}
	switch a.name {
	case "string_agg":
		var sb strings.Builder
		n := 0
		for _, it := range items {
			if it.args[0].IsNull() {
				continue
			}
			for d := it.diff; d > 0; d-- {
				if n > 0 && !it.args[1].IsNull() {
					sb.WriteString(it.args[1].Text())
				}
				sb.WriteString(it.args[0].Text())
				n++
			}
		}
		if n == 0 {
			return sql.Null, nil
		}
		if a.typ.OID == sql.OIDBytea {
			return sql.NewBytesString(sb.String()), nil
		}
		return sql.NewText(sb.String()), nil
	case "array_agg":
		var out []sql.Value
		for _, it := range items {
			for d := it.diff; d > 0; d-- {
				out = append(out, it.args[0])
			}
		}
		if out == nil {
			return sql.Null, nil
		}
		return sql.NewArray(out), nil
	default: // json_agg, jsonb_agg
		var parts []string
		for _, it := range items {
			for d := it.diff; d > 0; d-- {
				parts = append(parts, toJSONText(it.args[0], a.argType, a.loc))
			}
		}
		if parts == nil {
			return sql.Null, nil
		}
		sep := ", "
		text := "[" + strings.Join(parts, sep) + "]"
		if a.typ.OID == sql.OIDJSONB {
			v, err := sql.ParseText(text, sql.JSONB, nil)
			if err != nil {
				return sql.Null, err
			}
			return v, nil
		}
		return sql.NewJSON(text), nil
	}
}

// toJSONText renders a value as a JSON element (to_json).
func toJSONText(v sql.Value, t sql.Type, rt *runtime) string {
	if v.IsNull() {
		return "null"
	}
	switch v.Kind() {
	case sql.KindInt, sql.KindNumeric:
		return sql.FormatText(v, t, rt.loc())
	case sql.KindFloat:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return string(sql.AppendJSONString(nil, sql.FormatText(v, t, rt.loc())))
		}
		return sql.FormatText(v, t, rt.loc())
	case sql.KindBool:
		if v.Bool() {
			return "true"
		}
		return "false"
	case sql.KindJSON:
		return v.Text()
	}
	return string(sql.AppendJSONString(nil, sql.FormatText(v, t, rt.loc())))
}

// ---- json_object_agg / jsonb_object_agg ----

// objectAggAcc collects (key, value) pairs like collectAcc and renders them
// as PostgreSQL does: json keeps every pair in order as { "k" : v, ... },
// jsonb normalizes (sorted keys, the last duplicate wins).
type objectAggAcc struct {
	*collectAcc
	keyType, valType sql.Type
}

func newObjectAgg(c planner.AggCall, rt *runtime) (accumulator, error) {
	keys, err := rt.compileSortKeys(c.Order)
	if err != nil {
		return nil, err
	}
	a := &objectAggAcc{collectAcc: &collectAcc{name: c.Func.Name, typ: c.Type, keys: keys, loc: rt}}
	if len(c.Args) == 2 {
		a.keyType, a.valType = c.Args[0].Type(), c.Args[1].Type()
	}
	return a, nil
}

func (a *objectAggAcc) add(args []sql.Value, r sql.Row, d int64) error {
	if args[0].IsNull() {
		return sql.Errorf(sql.CodeInvalidParameterValue, "field name must not be null")
	}
	return a.collectAcc.add(args, r, d)
}

func (a *objectAggAcc) result() (sql.Value, error) {
	items := a.items
	if len(a.keys) > 0 {
		items = append([]collected(nil), items...)
		sort.SliceStable(items, func(i, j int) bool { return compareKeys(a.keys, items[i].sort, items[j].sort) < 0 })
	}
	var parts []string
	for _, it := range items {
		k := jsonQuote(sql.FormatText(it.args[0], a.keyType, a.loc.loc()))
		for d := it.diff; d > 0; d-- {
			parts = append(parts, k+" : "+toJSONText(it.args[1], a.valType, a.loc))
		}
	}
	if parts == nil {
		return sql.Null, nil
	}
	text := "{ " + strings.Join(parts, ", ") + " }"
	if a.typ.OID == sql.OIDJSONB {
		return sql.ParseText(text, sql.JSONB, nil)
	}
	return sql.NewJSON(text), nil
}

func jsonQuote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
