package exec

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Common subexpressions. A view like Nexmark's q21 filters on
// regexp_match(url, p)[2] and projects the same expression; q14 compares
// extract(hour FROM date_time) four times in one CASE. A cseScope lets the
// expressions of one operator (a filter's predicate and the projection
// over it, fused into one projectOp; or a projection's or filter's
// expressions alone) share the value of an expression that occurs more
// than once, per row.
//
// The sharing is a memo, not a rewrite: an occurrence evaluates its
// expression unless another occurrence already did on this row. So no
// expression is evaluated that the plain evaluation would not evaluate (a
// CASE branch not taken, an AND after a false), and an error surfaces
// where it did. Only expressions whose value is a function of the row are
// shared: no volatile function, subquery or outer reference. The plan is
// unchanged, and with it every operator's state.

// cseScope is the memo of one operator.
type cseScope struct {
	// row numbers the row being evaluated; the operator advances it
	// before each row, which invalidates every memo at once.
	row uint64
	// keys gives each shareable expression node its structural key.
	keys map[planner.Expr]string
	// slots are the keys that occur more than once, with their memo.
	slots map[string]*cseSlot
	// cols gives, for each projected expression that is a plain column,
	// its index (-1 for the others): nextCSE copies those without a call.
	cols []int
}

type cseSlot struct {
	fn        evalFn // the memoizing evaluation, once compiled
	compiling bool
}

// newCSEScope finds the subexpressions that occur more than once in exprs
// (nil entries are skipped), or returns nil when none does.
func newCSEScope(exprs ...planner.Expr) *cseScope {
	c := &cseScope{row: 1, keys: map[planner.Expr]string{}}
	count := map[string]int{}
	for _, e := range exprs {
		if e != nil {
			c.walk(e, count)
		}
	}
	for k, n := range count {
		if n > 1 {
			if c.slots == nil {
				c.slots = map[string]*cseSlot{}
			}
			c.slots[k] = &cseSlot{}
		}
	}
	if c.slots == nil {
		return nil
	}
	return c
}

// maxCSEKey bounds a key's length, so that a huge expression (a long IN
// list) costs no quadratic time; such an expression is just not shared.
const maxCSEKey = 4096

// walk computes the keys of e and its subexpressions, counting those
// worth a memo: those that read the row and are more than a column or a
// parameter. ok is false when e cannot be shared; varies when it reads the
// row.
func (c *cseScope) walk(e planner.Expr, count map[string]int) (key string, ok, varies bool) {
	var b []byte
	var kids []planner.Expr
	leaf := false
	switch e := e.(type) {
	case *planner.ColRef:
		b = fmt.Appendf(b, "col %d ", e.Idx)
		b = appendTypeKey(b, e.Typ)
		leaf, varies = true, true
	case *planner.Param:
		b = fmt.Appendf(b, "param %d ", e.Idx)
		b = appendTypeKey(b, e.Typ)
		leaf, varies = true, true
	case *planner.Const:
		b = append(b, "const "...)
		b = appendTypeKey(b, e.Typ)
		b = sql.AppendRow(b, sql.Row{e.Val})
		leaf = true
	case *planner.Cast:
		b = fmt.Appendf(b, "cast %t ", e.Explicit)
		b = appendTypeKey(b, e.Typ)
		kids = []planner.Expr{e.Input}
	case *planner.Call:
		if e.Fn.Volatile || len(e.Args) == 0 {
			return "", false, false
		}
		b = fmt.Appendf(b, "call %p ", e.Fn)
		b = appendTypeKey(b, e.Typ)
		kids = e.Args
	case *planner.BinOp:
		b = fmt.Appendf(b, "binop %d ", e.Op)
		b = appendTypeKey(b, e.Typ)
		kids = []planner.Expr{e.L, e.R}
	case *planner.Neg:
		b, kids = append(b, "neg"...), []planner.Expr{e.Input}
	case *planner.BitNot:
		b, kids = append(b, "bitnot"...), []planner.Expr{e.Input}
	case *planner.Not:
		b, kids = append(b, "not"...), []planner.Expr{e.Input}
	case *planner.And:
		b, kids = append(b, "and"...), e.Args
	case *planner.Or:
		b, kids = append(b, "or"...), e.Args
	case *planner.IsNull:
		b, kids = fmt.Appendf(b, "isnull %t", e.Not), []planner.Expr{e.Input}
	case *planner.IsBool:
		b, kids = fmt.Appendf(b, "isbool %t %t", e.Val, e.Not), []planner.Expr{e.Input}
	case *planner.Case:
		b = append(b, "case "...)
		b = appendTypeKey(b, e.Typ)
		for _, w := range e.Whens {
			kids = append(kids, w.Cond, w.Result)
		}
		if e.Else != nil {
			b = append(b, " else"...)
			kids = append(kids, e.Else)
		}
	case *planner.Coalesce:
		b = append(b, "coalesce "...)
		b = appendTypeKey(b, e.Typ)
		kids = e.Args
	case *planner.MinMax:
		b = fmt.Appendf(b, "minmax %t ", e.Greatest)
		b = appendTypeKey(b, e.Typ)
		kids = e.Args
	case *planner.InList:
		b = fmt.Appendf(b, "in %t", e.Not)
		kids = append([]planner.Expr{e.Input}, e.List...)
	case *planner.Like:
		b = fmt.Appendf(b, "like %t %t %t", e.CaseInsensitive, e.Not, e.Escape != nil)
		kids = []planner.Expr{e.Input, e.Pattern}
		if e.Escape != nil {
			kids = append(kids, e.Escape)
		}
	case *planner.FieldSelect:
		b = fmt.Appendf(b, "field %d ", e.Idx)
		b = appendTypeKey(b, e.Typ)
		kids = []planner.Expr{e.Input}
	case *planner.ArrayCmp:
		b = fmt.Appendf(b, "arraycmp %d %t", e.Op, e.All)
		kids = []planner.Expr{e.Left, e.Array}
	default:
		// Subqueries and outer references depend on more than the row;
		// other nodes are not worth a memo.
		return "", false, false
	}
	ok = true
	for _, k := range kids {
		kk, kok, kv := c.walk(k, count)
		if !kok {
			ok = false
			continue // the other children may still be shared
		}
		varies = varies || kv
		b = binary.AppendUvarint(b, uint64(len(kk)))
		b = append(b, kk...)
	}
	if !ok || len(b) > maxCSEKey {
		return "", false, false
	}
	key = string(b)
	if !leaf && varies {
		c.keys[e] = key
		count[key]++
	}
	return key, true, varies
}

func appendTypeKey(b []byte, t sql.Type) []byte {
	b = fmt.Appendf(b, "%d/%d", t.OID, t.Mod)
	if t.Elem != nil {
		b = append(b, '[')
		b = appendTypeKey(b, *t.Elem)
		b = append(b, ']')
	}
	return b
}

// compile returns the shared evaluation of e when e occurs more than once
// in the scope; ok is false otherwise.
func (c *cseScope) compile(rt *runtime, e planner.Expr) (f evalFn, ok bool, err error) {
	key, found := c.keys[e]
	if !found {
		return nil, false, nil
	}
	s := c.slots[key]
	if s == nil || s.compiling {
		return nil, false, nil
	}
	if s.fn != nil {
		return s.fn, true, nil
	}
	s.compiling = true
	inner, err := rt.compile(e)
	s.compiling = false
	if err != nil {
		return nil, true, err
	}
	var seen uint64 // the row val belongs to; 0 is none, rows start at 1
	var val sql.Value
	row := &c.row
	s.fn = func(r sql.Row) (sql.Value, error) {
		if seen == *row {
			return val, nil
		}
		v, err := inner(r)
		if err != nil {
			return v, err
		}
		val, seen = v, *row
		return v, nil
	}
	return s.fn, true, nil
}

// compileShared compiles exprs and qual with the scope active (nil scope: plainly).
func (rt *runtime) compileShared(scope *cseScope, exprs []planner.Expr, qual planner.Expr) ([]evalFn, evalFn, error) {
	prev := rt.cse
	rt.cse = scope
	defer func() { rt.cse = prev }()
	fs, err := rt.compileAll(exprs)
	if err != nil || qual == nil {
		return fs, nil, err
	}
	pred, err := rt.compileQual(qual)
	return fs, pred, err
}

// buildProjectCSE builds a projection whose expressions, with those of a
// filter right below it, share a repeated subexpression: one projectOp
// that filters and projects each row in turn, so that a row's memo serves
// both. ok is false when nothing repeats; the plain operators are built.
func (rt *runtime) buildProjectCSE(n *planner.Project) (op Operator, ok bool, err error) {
	input := n.Input
	var qual planner.Expr
	if f, isFilter := n.Input.(*planner.Filter); isFilter {
		// A view's temporal filter is an operator of its own.
		if _, fed := rt.feed[f]; !fed && !(rt.flow != nil && isTemporalFilter(f)) {
			input, qual = f.Input, f.Pred
		}
	}
	scope := newCSEScope(append([]planner.Expr{qual}, n.Exprs...)...)
	if scope == nil {
		return nil, false, nil
	}
	in, err := rt.build(input)
	if err != nil {
		return nil, true, err
	}
	fs, pred, err := rt.compileShared(scope, n.Exprs, qual)
	if err != nil {
		return nil, true, err
	}
	scope.cols = make([]int, len(n.Exprs))
	for i, e := range n.Exprs {
		scope.cols[i] = -1
		if c, isCol := e.(*planner.ColRef); isCol {
			scope.cols[i] = c.Idx
		}
	}
	return &projectOp{in: in, exprs: fs, pred: pred, cse: scope}, true, nil
}

// buildFilterCSE builds a filter whose predicate repeats a subexpression.
func (rt *runtime) buildFilterCSE(n *planner.Filter) (op Operator, ok bool, err error) {
	scope := newCSEScope(n.Pred)
	if scope == nil {
		return nil, false, nil
	}
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, true, err
	}
	_, pred, err := rt.compileShared(scope, nil, n.Pred)
	if err != nil {
		return nil, true, err
	}
	return &filterOp{in: in, pred: pred, cse: scope}, true, nil
}

// nextCSE is projectOp.Next for a projection with a memo, and a fused
// filter when pred is set.
func (p *projectOp) nextCSE(ctx context.Context) (*Batch, error) {
	for {
		b, err := p.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		p.b.reset()
		w := len(p.exprs)
		var vals []sql.Value
		cols := p.cse.cols
		for i, r := range b.Rows {
			p.cse.row++
			if p.pred != nil {
				v, err := p.pred(r)
				if err != nil {
					return nil, err
				}
				if v.IsNull() || !v.Bool() {
					continue
				}
			}
			if len(vals) < w {
				// Rows are carved from chunks: one allocation for many,
				// without sizing for rows the filter drops.
				vals = make([]sql.Value, w*min(b.Len()-i, 128))
			}
			out := vals[:w:w]
			vals = vals[w:]
			for j, f := range p.exprs {
				if c := cols[j]; c >= 0 {
					out[j] = r[c]
					continue
				}
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				out[j] = v
			}
			p.b.Add(out, b.Diffs[i])
		}
		// The filter a fused projection replaces returned no empty batch.
		if p.b.Len() > 0 || p.pred == nil {
			return &p.b, nil
		}
	}
}
