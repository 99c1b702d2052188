package planner

import (
	"fmt"

	"github.com/eddysql/eddy/sql"
)

// Decorrelation replaces the subqueries of expressions by joins and
// aggregates. Exec runs a subquery per outer row (re-running a correlated
// one's plan with the row as its outer row), which an incrementally
// maintained view cannot do: it can only keep joins and aggregates up to
// date. So a materialized view's plan goes through Decorrelate, and what it
// cannot rewrite exactly is refused with the construct named.
//
// The rewrite runs bottom-up: a subquery's own plan is decorrelated first,
// so when a subquery is moved its plan holds no subqueries, only outer
// references. hoist then pulls every conjunct that reads the outer row up
// to the top of that plan, leaving a plan that no longer depends on the
// outer row plus the conjuncts, which become the join's condition. The
// shapes:
//
//   - [NOT] EXISTS and x [NOT] IN / op ANY / op ALL as a WHERE conjunct
//     become semi and anti joins. Their NULL rules are kept exactly: NOT IN
//     drops an outer row when some subquery row compares as unknown, which
//     is an anti join on (x = y) IS NOT FALSE, or, when it can use hash
//     keys, an anti join against the subquery's row counts followed by one
//     on x = y.
//   - A scalar subquery over an aggregate without GROUP BY becomes a LEFT
//     JOIN against the aggregate grouped by the correlation keys. An outer
//     row that no group matches reads NULLs, which is each aggregate's value
//     over no rows except count's, so counts are read through coalesce(c, 0).
//   - Any other scalar subquery is moved only when it returns at most one
//     row per outer row by construction (a lookup by a unique key, LIMIT 1,
//     an aggregate), since a join cannot raise "more than one row returned
//     by a subquery" the way per-row evaluation does.
//   - A LEFT JOIN in a subquery whose condition reads the outer row reads
//     it from the outer relation's distinct values joined to the join's
//     left input instead (hoistDomain), correlated by IS NOT DISTINCT FROM.
//   - EXISTS elsewhere (under OR, in a select list, in an aggregate) is the
//     scalar subquery count(*) > 0; IN and NOT IN elsewhere read a count of
//     rows, a count of non-NULL rows and whether a row equals x from two
//     left joins. Both need the correlation to be equalities.
//
// A rewritten plan evaluates the subquery's own conditions over all of its
// rows, not only those some outer row asks for, so an expression that fails
// (a division by zero) may fail where per-row evaluation never reached it,
// as after PostgreSQL's own pull-up of EXISTS into a semi join.

// Decorrelate returns a plan equal to n in which no expression holds a
// subquery, or an error (SQLSTATE 0A000) that names the first construct it
// cannot rewrite. n is not changed.
func Decorrelate(n Node) (Node, error) {
	if !HasSubquery(n) && !hasLateral(n) {
		return n, nil
	}
	d := &decorrelator{ctes: map[*CTE]*CTE{}}
	return d.node(n)
}

// HasSubquery reports whether an expression of n, of a node under it or of
// a CTE it reads holds a subquery.
func HasSubquery(n Node) bool { return hasSubqueryIn(n, map[*CTE]bool{}) }

func hasSubqueryIn(n Node, seen map[*CTE]bool) bool {
	for _, e := range nodeExprs(n) {
		if exprHasSubquery(e) {
			return true
		}
	}
	if r, ok := n.(*CTERef); ok && !seen[r.CTE] {
		seen[r.CTE] = true
		if hasSubqueryIn(r.CTE.Plan, seen) || (r.CTE.Recursive != nil && hasSubqueryIn(r.CTE.Recursive, seen)) {
			return true
		}
	}
	for _, c := range n.Children() {
		if hasSubqueryIn(c, seen) {
			return true
		}
	}
	return false
}

func errNotInView(format string, args ...any) error {
	return sql.Errorf(sql.CodeFeatureNotSupported, "%s is not supported in a materialized view", fmt.Sprintf(format, args...))
}

type decorrelator struct {
	// ctes maps each CTE to its rewritten copy, so that all references to
	// one CTE (and a recursive CTE's reference to itself) share one again.
	ctes map[*CTE]*CTE
	// outer is the relation whose row a subquery being hoisted reads as
	// its outer row of level 1 (see hoistFrom).
	outer Node
	// hints are the correlated conjuncts of the Filter right above the
	// node being hoisted, over that node's row (see hoistDomain).
	hints []Expr
}

// node rewrites n and everything under it.
func (d *decorrelator) node(n Node) (Node, error) {
	var err error
	n = withChildren(n, func(c Node) Node {
		if err != nil {
			return c
		}
		c2, e := d.node(c)
		if e != nil {
			err = e
			return c
		}
		return c2
	})
	if err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case *Filter:
		return d.filter(x)
	case *Project:
		return d.project(x)
	case *Aggregate:
		return d.aggregate(x)
	case *LateralJoin:
		if !exprHasSubquery(x.On) {
			return d.lateral(x)
		}
	case *Join:
		if j, sub := splitJoinSubqueries(x); j != nil {
			return d.filter(&Filter{Input: j, Pred: conjoin(sub)})
		}
	case *CTERef:
		c, err := d.cte(x.CTE)
		if err != nil {
			return nil, err
		}
		if c != x.CTE {
			r := *x
			r.CTE = c
			return &r, nil
		}
		return n, nil
	case *WorkTable:
		c, err := d.cte(x.CTE)
		if err != nil {
			return nil, err
		}
		if c != x.CTE {
			w := *x
			w.CTE = c
			return &w, nil
		}
		return n, nil
	}
	for _, e := range nodeExprs(n) {
		if exprHasSubquery(e) {
			return nil, errNotInView("%s", subqueryPosition(n))
		}
	}
	return n, nil
}

// splitJoinSubqueries takes the conjuncts that hold subqueries out of an
// inner join's condition, where the optimizer moves WHERE conjuncts: they
// are a filter over the join's output. j is nil when there are none.
func splitJoinSubqueries(x *Join) (j *Join, sub []Expr) {
	if x.Kind != JoinInner || !exprHasSubquery(x.On) {
		return nil, nil
	}
	var keep []Expr
	for _, c := range conjuncts(x.On) {
		if exprHasSubquery(c) {
			sub = append(sub, c)
		} else {
			keep = append(keep, c)
		}
	}
	c := *x
	c.On = conjoin(keep)
	return &c, sub
}

// cte returns c rewritten; a CTE without subqueries stays itself.
func (d *decorrelator) cte(c *CTE) (*CTE, error) {
	if m, ok := d.ctes[c]; ok {
		return m, nil
	}
	seen := map[*CTE]bool{c: true}
	if !hasSubqueryIn(c.Plan, seen) && (c.Recursive == nil || !hasSubqueryIn(c.Recursive, seen)) && !hasLateral(c.Plan) {
		d.ctes[c] = c
		return c, nil
	}
	m := &CTE{Name: c.Name, UnionAll: c.UnionAll}
	d.ctes[c] = m // before the bodies, which may refer to c
	var err error
	if m.Plan, err = d.node(c.Plan); err != nil {
		return nil, fmt.Errorf("WITH %s: %w", c.Name, err)
	}
	if c.Recursive != nil {
		if m.Recursive, err = d.node(c.Recursive); err != nil {
			return nil, fmt.Errorf("WITH %s: %w", c.Name, err)
		}
	}
	return m, nil
}

// filter rewrites the subqueries of a WHERE (or HAVING) clause: conjuncts
// that are EXISTS, IN, ANY or ALL become semi and anti joins of the input,
// and the subqueries elsewhere in the clause become columns of left joins.
func (d *decorrelator) filter(f *Filter) (Node, error) {
	conj := conjuncts(f.Pred)
	if !anyHasSubquery(conj) {
		return f, nil
	}
	// Every join keeps the input's columns first, at their places, so the
	// conjuncts and the subqueries' outer references read them unchanged.
	cur := f.Input
	var rest []Expr
	for _, c := range conj {
		if !exprHasSubquery(c) {
			rest = append(rest, c)
			continue
		}
		j, ok, err := d.predicate(cur, c)
		if err != nil {
			return nil, err
		}
		if ok {
			cur = j
			continue
		}
		var v Expr
		if cur, v, err = d.values(cur, c, "inside an expression in WHERE"); err != nil {
			return nil, err
		}
		rest = append(rest, v)
	}
	var out Node = cur
	if len(rest) > 0 {
		out = &Filter{Input: cur, Pred: conjoin(rest)}
	}
	return keepColumns(out, f.Input.Columns()), nil
}

// project rewrites the subqueries of a select list into columns of left
// joins under the projection.
func (d *decorrelator) project(p *Project) (Node, error) {
	if !anyHasSubquery(p.Exprs) {
		return p, nil
	}
	cur := p.Input
	exprs := make([]Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		var err error
		if cur, exprs[i], err = d.values(cur, e, "in a select list"); err != nil {
			return nil, err
		}
	}
	return &Project{Input: cur, Exprs: exprs, Cols: p.Cols}, nil
}

// aggregate rewrites the subqueries of GROUP BY and of aggregates'
// arguments and filters into columns of left joins under the aggregate:
// its output does not change, since it has only its groups and aggregates.
func (d *decorrelator) aggregate(a *Aggregate) (Node, error) {
	if !anyHasSubquery(nodeExprs(a)) {
		return a, nil
	}
	cur := a.Input
	var err error
	value := func(e Expr) Expr {
		if err != nil || e == nil || !exprHasSubquery(e) {
			return e
		}
		var v Expr
		cur, v, err = d.values(cur, e, "in an aggregate")
		return v
	}
	out := &Aggregate{Group: make([]Expr, len(a.Group)), GroupingSets: a.GroupingSets, Aggs: make([]AggCall, len(a.Aggs)), Cols: a.Cols}
	for i, g := range a.Group {
		out.Group[i] = value(g)
	}
	for i, c := range a.Aggs {
		c.Args = append([]Expr(nil), c.Args...)
		for j := range c.Args {
			c.Args[j] = value(c.Args[j])
		}
		c.Filter = value(c.Filter)
		c.Order = append([]SortKey(nil), c.Order...)
		for j := range c.Order {
			c.Order[j].Expr = value(c.Order[j].Expr)
		}
		out.Aggs[i] = c
	}
	if err != nil {
		return nil, err
	}
	out.Input = cur
	return out, nil
}

// keepColumns projects n back to its first len(cols) columns when joins
// added more.
func keepColumns(n Node, cols []Column) Node {
	if len(n.Columns()) == len(cols) {
		return n
	}
	exprs := make([]Expr, len(cols))
	for i, c := range cols {
		exprs[i] = &ColRef{Idx: i, Typ: c.Type}
	}
	return &Project{Input: n, Exprs: exprs, Cols: cols}
}

// predicate turns a WHERE conjunct that is [NOT] EXISTS or [NOT] x op
// ANY|ALL (subquery) into a semi or anti join of cur; ok is false for any
// other conjunct.
func (d *decorrelator) predicate(cur Node, c Expr) (Node, bool, error) {
	neg := false
	if n, ok := c.(*Not); ok {
		c, neg = n.Input, true
	}
	s, ok := c.(*Subquery)
	if !ok {
		return nil, false, nil
	}
	switch s.Kind {
	case SubqueryExists:
		j, err := d.exists(cur, s, s.Not != neg)
		return j, err == nil, err
	case SubqueryAny, SubqueryAll:
		j, err := d.quantified(cur, s, neg)
		return j, err == nil, err
	}
	return nil, false, nil
}

// exists joins cur with the subquery's rows: a semi join keeps the outer
// rows some row matches, an anti join (not) those none matches.
func (d *decorrelator) exists(cur Node, s *Subquery, not bool) (Node, error) {
	p, err := d.node(s.Plan)
	if err != nil {
		return nil, err
	}
	p, cs, err := d.hoistFrom(cur, stripForSemi(p, false), true)
	if err != nil {
		return nil, err
	}
	kind := JoinSemi
	if not {
		kind = JoinAnti
	}
	nl := len(cur.Columns())
	if len(cs) == 0 {
		// Uncorrelated: whether the subquery has rows is one count, so
		// the join reads one row instead of all of them per outer row.
		p = &Filter{Input: countRows(p), Pred: positive(&ColRef{Idx: 0, Typ: sql.Int8})}
	}
	return newJoin(kind, cur, p, conjoin(toJoinRow(cs, nl)), cur.Columns()), nil
}

// quantified joins cur with the subquery's rows for [NOT] x op ANY|ALL
// (subquery). In WHERE only a true result keeps a row, so (NOT) ANY keeps
// an outer row when some row makes x op y true (none makes it true or
// unknown), and (NOT) ALL when none makes it false or unknown (some makes
// it false): a semi join or an anti join on that test of x op y.
func (d *decorrelator) quantified(cur Node, s *Subquery, neg bool) (Node, error) {
	if exprHasSubquery(s.Left) {
		return nil, errNotInView("a subquery on the left of IN, ANY or ALL")
	}
	p, err := d.node(s.Plan)
	if err != nil {
		return nil, err
	}
	// The values compared are the select list's expressions over the rows
	// under it, which may read the outer row too.
	body := stripForSemi(p, true)
	vals := []Expr{&ColRef{Idx: 0, Typ: body.Columns()[0].Type}}
	if top, ok := body.(*Project); ok {
		body, vals = top.Input, top.Exprs[:1]
	}
	left := []Expr{s.Left}
	if r, ok := s.Left.(*RowLit); ok {
		// (a, b) IN (SELECT x, y ...): the binder packs the subquery's
		// columns into one record; compared field by field, a NULL field
		// makes the row comparison unknown as SQL says.
		fields, ok := vals[0].(*RowLit)
		if !ok || len(fields.Elems) != len(r.Elems) {
			return nil, errNotInView("a row comparison with a subquery")
		}
		left, vals = r.Elems, fields.Elems
	}
	body, cs, err := d.hoistFrom(cur, body, true)
	if err != nil {
		return nil, err
	}
	all := s.Kind == SubqueryAll
	if len(left) == 1 && readsOnly(vals[0], false) && ((!all && neg && s.Op == OpEq) || (all && !neg && s.Op == OpNe)) {
		if j, ok := notIn(cur, left[0], body, vals[0], cs); ok {
			return j, nil
		}
	}
	nl := len(cur.Columns())
	rvals := toJoinRow(vals, nl)
	cmps := make([]Expr, len(left))
	for i, x := range left {
		cmps[i] = &BinOp{Op: s.Op, L: x, R: rvals[i], Typ: sql.Bool}
	}
	cmp := conjoin(cmps)
	kind, match := JoinSemi, cmp
	switch {
	case !all && neg:
		kind, match = JoinAnti, &IsBool{Input: cmp, Val: false, Not: true}
	case all && !neg:
		kind, match = JoinAnti, &IsBool{Input: cmp, Val: true, Not: true}
	case all && neg:
		match = &IsBool{Input: cmp, Val: false}
	}
	cond := append(toJoinRow(cs, nl), match)
	return newJoin(kind, cur, body, conjoin(cond), cur.Columns()), nil
}

// notIn rewrites x NOT IN (subquery) into joins on hash keys when the
// subquery's correlation is equalities: an outer row goes when its
// subquery has rows and one of them is NULL or x is NULL (an anti join
// against the row counts per correlation key), or when some row equals x
// (an anti join on x = y). y is over p's row. ok is false when the
// correlation has other conjuncts.
func notIn(cur Node, x Expr, p Node, y Expr, cs []Expr) (Node, bool) {
	inner, outer, ok := splitEqualities(cs)
	if !ok {
		return nil, false
	}
	nl, k := len(cur.Columns()), len(inner)
	cols := make([]Column, 0, k+2)
	rkeys := make([]Expr, k)
	for i, e := range inner {
		cols = append(cols, Column{Name: fmt.Sprintf("key%d", i+1), Type: e.Type()})
		rkeys[i] = &ColRef{Idx: i, Typ: e.Type()}
	}
	cols = append(cols, Column{Name: "count", Type: sql.Int8}, Column{Name: "count", Type: sql.Int8})
	counts := &Aggregate{Input: p, Group: inner, Aggs: []AggCall{countStar(), {Func: &AggFunc{Name: "count"}, Args: []Expr{y}, Type: sql.Int8}}, Cols: cols}
	n, nn := &ColRef{Idx: nl + k, Typ: sql.Int8}, &ColRef{Idx: nl + k + 1, Typ: sql.Int8}
	lkeys := toJoinRow(outer, nl)
	nulls := &Join{Kind: JoinAnti, Left: cur, Right: counts, LeftKeys: lkeys, RightKeys: rkeys, Cols: cur.Columns(),
		On: &And{Args: []Expr{positive(n), &Or{Args: []Expr{&BinOp{Op: OpGt, L: n, R: nn, Typ: sql.Bool}, &IsNull{Input: x}}}}}}
	equal := &Join{Kind: JoinAnti, Left: nulls, Right: p, Cols: cur.Columns(),
		LeftKeys: append(append([]Expr(nil), lkeys...), x), RightKeys: append(append([]Expr(nil), inner...), y)}
	return equal, true
}

func countStar() AggCall { return AggCall{Func: &AggFunc{Name: "count"}, Type: sql.Int8} }

// countRows is SELECT count(*) FROM n: always exactly one row.
func countRows(n Node) Node {
	return &Aggregate{Input: n, Aggs: []AggCall{countStar()}, Cols: []Column{{Name: "count", Type: sql.Int8}}}
}

func positive(e Expr) Expr {
	return &BinOp{Op: OpGt, L: e, R: &Const{Val: sql.NewInt(0), Typ: sql.Int8}, Typ: sql.Bool}
}

// stripForSemi drops what does not change which rows a subquery has when
// only their existence counts (or, with value, the set of its first
// column's values): ordering, duplicate removal, a LIMIT of at least one
// row, and for EXISTS the select list.
func stripForSemi(p Node, value bool) Node {
	for {
		switch x := p.(type) {
		case *Sort:
			p = x.Input
			continue
		case *Distinct:
			if x.On == nil || !value {
				p = x.Input
				continue
			}
		case *Limit:
			if !value && limitAtLeastOne(x) {
				p = x.Input
				continue
			}
		case *Project:
			if !value {
				p = x.Input
				continue
			}
			if s, ok := x.Input.(*Sort); ok {
				c := *x
				c.Input = s.Input
				p = &c
				continue
			}
		}
		return p
	}
}

func limitAtLeastOne(l *Limit) bool {
	if l.Offset != nil {
		return false
	}
	if l.Count == nil {
		return true
	}
	c, ok := l.Count.(*Const)
	return ok && !c.Val.IsNull() && c.Val.Kind() == sql.KindInt && c.Val.Int() >= 1
}

// values replaces the subqueries of e, an expression over cur's row, by
// columns that left joins append to cur. where names e's place for errors.
func (d *decorrelator) values(cur Node, e Expr, where string) (Node, Expr, error) {
	if err := checkValueSubqueries(e, where); err != nil {
		return nil, nil, err
	}
	var err error
	out := mapExpr(e, func(x Expr) Expr {
		s, ok := x.(*Subquery)
		if !ok || err != nil {
			return x
		}
		var v Expr
		switch s.Kind {
		case SubqueryScalar:
			cur, v, err = d.scalar(cur, s.Plan, "a scalar subquery")
		case SubqueryExists:
			cur, v, err = d.existsValue(cur, s)
		case SubqueryAny, SubqueryAll:
			cur, v, err = d.inValue(cur, s)
		case SubqueryArray:
			cur, v, err = d.scalar(cur, arrayAsAggregate(s), "ARRAY(subquery)")
		}
		if err != nil {
			return x
		}
		return v
	})
	if err != nil {
		return nil, nil, err
	}
	return cur, out, nil
}

// checkValueSubqueries refuses the subqueries values cannot turn into a
// column: ANY and ALL other than IN and NOT IN anywhere but as a WHERE
// conjunct (whether some row compares as unknown needs the comparison per
// outer row, which no join on keys can count).
func checkValueSubqueries(e Expr, where string) error {
	switch x := e.(type) {
	case *Subquery:
		switch x.Kind {
		case SubqueryAny, SubqueryAll:
			if isIn(x) {
				return nil
			}
			if where == "under OR" {
				return errNotInView("a subquery under OR (ANY or ALL other than IN)")
			}
			return errNotInView("ANY or ALL other than IN with a subquery %s", where)
		}
		return nil
	case *Or:
		where = "under OR"
	case *Not:
		if where != "under OR" {
			where = "under NOT"
		}
	case *Case:
		if where != "under OR" {
			where = "inside CASE"
		}
	}
	for _, c := range exprChildren(e) {
		if err := checkValueSubqueries(c, where); err != nil {
			return err
		}
	}
	return nil
}

// isIn reports whether s is x IN (subquery) or x <> ALL (subquery), which
// is NOT IN, of one column.
func isIn(s *Subquery) bool {
	_, row := s.Left.(*RowLit)
	return !row && ((s.Kind == SubqueryAny && s.Op == OpEq) || (s.Kind == SubqueryAll && s.Op == OpNe))
}

// inValue is x IN (subquery) as a value (under OR, in a select list):
// true when some row equals x, else false when there are no rows, else
// NULL when x or some row is NULL, else false. Two left joins on the
// correlation keys read the counts of rows and of non-NULL rows, and
// whether a row equals x; x <> ALL is its negation.
func (d *decorrelator) inValue(cur Node, s *Subquery) (Node, Expr, error) {
	p, err := d.node(s.Plan)
	if err != nil {
		return nil, nil, err
	}
	body := stripForSemi(p, true)
	y := Expr(&ColRef{Idx: 0, Typ: body.Columns()[0].Type})
	if top, ok := body.(*Project); ok {
		body, y = top.Input, top.Exprs[0]
	}
	body, cs, err := d.hoistFrom(cur, body, true)
	if err != nil {
		return nil, nil, err
	}
	inner, outer, ok := splitEqualities(cs)
	if !ok || !readsOnly(y, false) {
		return nil, nil, errNotInView("IN with a subquery outside a WHERE conjunct, correlated by anything but equalities")
	}
	nl, k := len(cur.Columns()), len(inner)
	lkeys := toJoinRow(outer, nl)
	keyCols := make([]Column, k)
	rkeys := make([]Expr, k)
	for i, e := range inner {
		keyCols[i] = Column{Name: fmt.Sprintf("key%d", i+1), Type: e.Type()}
		rkeys[i] = &ColRef{Idx: i, Typ: e.Type()}
	}
	counts := &Aggregate{Input: body, Group: inner, Cols: append(append([]Column(nil), keyCols...), Column{Name: "count", Type: sql.Int8}, Column{Name: "count", Type: sql.Int8}),
		Aggs: []AggCall{countStar(), {Func: &AggFunc{Name: "count"}, Args: []Expr{y}, Type: sql.Int8}}}
	j1 := &Join{Kind: JoinLeft, Left: cur, Right: counts, LeftKeys: lkeys, RightKeys: rkeys, Cols: concatColumns(cur, counts)}
	// The distinct (keys, y) pairs: at most one matches an outer row.
	values := &Aggregate{Input: body, Group: append(append([]Expr(nil), inner...), y), Cols: append(append([]Column(nil), keyCols...), Column{Name: "value", Type: y.Type()})}
	x := s.Left
	j2 := &Join{Kind: JoinLeft, Left: j1, Right: values, Cols: concatColumns(j1, values),
		LeftKeys: append(append([]Expr(nil), lkeys...), x), RightKeys: append(append([]Expr(nil), rkeys...), &ColRef{Idx: k, Typ: y.Type()})}
	n, nn := &ColRef{Idx: nl + k, Typ: sql.Int8}, &ColRef{Idx: nl + k + 1, Typ: sql.Int8}
	found := &ColRef{Idx: nl + 2*k + 2, Typ: y.Type()}
	zero := &Const{Val: sql.NewInt(0), Typ: sql.Int8}
	v := Expr(&Case{Typ: sql.Bool, Else: &Const{Val: sql.NewBool(false), Typ: sql.Bool}, Whens: []When{
		{Cond: &IsNull{Input: found, Not: true}, Result: &Const{Val: sql.NewBool(true), Typ: sql.Bool}},
		{Cond: &BinOp{Op: OpEq, L: &Coalesce{Args: []Expr{n, zero}, Typ: sql.Int8}, R: zero, Typ: sql.Bool}, Result: &Const{Val: sql.NewBool(false), Typ: sql.Bool}},
		{Cond: &Or{Args: []Expr{&IsNull{Input: x}, &BinOp{Op: OpGt, L: n, R: nn, Typ: sql.Bool}}}, Result: &Const{Val: sql.Null, Typ: sql.Bool}},
	}})
	if s.Kind == SubqueryAll {
		v = &Not{Input: v}
	}
	return j2, v, nil
}

// existsValue is EXISTS as a value (under OR, in a select list): the scalar
// subquery (SELECT count(*) > 0 FROM ...).
func (d *decorrelator) existsValue(cur Node, s *Subquery) (Node, Expr, error) {
	p, err := d.node(s.Plan)
	if err != nil {
		return nil, nil, err
	}
	q := &Project{Input: countRows(stripForSemi(p, false)), Exprs: []Expr{positive(&ColRef{Idx: 0, Typ: sql.Int8})},
		Cols: []Column{{Name: "exists", Type: sql.Bool}}}
	var v Expr
	if !planReaches(q, 0) {
		nl := len(cur.Columns())
		cur, v = &Join{Kind: JoinLeft, Left: cur, Right: q, Cols: concatColumns(cur, q)}, &ColRef{Idx: nl, Typ: sql.Bool}
	} else if cur, v, _, err = d.scalarAggregate(cur, q, "EXISTS used as a value"); err != nil {
		return nil, nil, err
	}
	if s.Not {
		v = &Not{Input: v}
	}
	return cur, v, nil
}

// scalar left-joins cur with a scalar subquery and returns the expression
// over the joined row that is its value.
func (d *decorrelator) scalar(cur Node, plan Node, what string) (Node, Expr, error) {
	p, err := d.node(plan)
	if err != nil {
		return nil, nil, err
	}
	nl := len(cur.Columns())
	if !planReaches(p, 0) {
		if !atMostOneRow(p) {
			return nil, nil, errNotInView("%s that may return more than one row", what)
		}
		j := &Join{Kind: JoinLeft, Left: cur, Right: p, Cols: concatColumns(cur, p)}
		return j, &ColRef{Idx: nl, Typ: p.Columns()[0].Type}, nil
	}
	if j, v, ok, err := d.scalarAggregate(cur, p, what+" over an aggregate"); ok || err != nil {
		return j, v, err
	}
	p, cs, err := d.hoistFrom(cur, p, false)
	if err != nil {
		return nil, nil, err
	}
	if !uniquelyBound(p, cs) {
		return nil, nil, errNotInView("%s that is neither an aggregate nor a lookup by a unique key", what)
	}
	j := newJoin(JoinLeft, cur, p, conjoin(toJoinRow(cs, nl)), concatColumns(cur, p))
	return j, &ColRef{Idx: nl, Typ: p.Columns()[0].Type}, nil
}

// scalarAggregate rewrites a correlated scalar subquery over an aggregate
// without GROUP BY (under projections and a HAVING): the aggregate grouped
// by the correlation keys, left-joined on them. ok is false for other
// shapes; what names the subquery in errors.
func (d *decorrelator) scalarAggregate(cur Node, p Node, what string) (Node, Expr, bool, error) {
	val := Expr(&ColRef{Idx: 0, Typ: p.Columns()[0].Type})
	n := p
	for {
		pr, ok := n.(*Project)
		if !ok {
			break
		}
		val, n = substitute(val, pr.Exprs), pr.Input
	}
	var having Expr
	if f, ok := n.(*Filter); ok {
		having, n = f.Pred, f.Input
	}
	agg, ok := n.(*Aggregate)
	if !ok || len(agg.Group) > 0 || agg.GroupingSets != nil {
		return nil, nil, false, nil
	}
	in, cs, err := d.hoistFrom(cur, agg.Input, false)
	if err != nil {
		return nil, nil, true, err
	}
	inner, outer, ok := splitEqualities(cs)
	if !ok {
		return nil, nil, true, errNotInView("%s correlated by anything but equalities", what)
	}
	k := len(inner)
	cols := make([]Column, 0, k+len(agg.Cols))
	rkeys := make([]Expr, k)
	for i, e := range inner {
		cols = append(cols, Column{Name: fmt.Sprintf("key%d", i+1), Type: e.Type()})
		rkeys[i] = &ColRef{Idx: i, Typ: e.Type()}
	}
	grouped := &Aggregate{Input: in, Group: inner, Aggs: agg.Aggs, Cols: append(cols, agg.Cols...)}
	if planReaches(grouped, 0) {
		return nil, nil, true, errNotInView("an outer reference inside an aggregate of %s", what)
	}
	nl := len(cur.Columns())
	j := &Join{Kind: JoinLeft, Left: cur, Right: grouped, LeftKeys: toJoinRow(outer, nl), RightKeys: rkeys, Cols: concatColumns(cur, grouped)}
	// An outer row that no group matches reads NULL in every aggregate
	// column: the value over no rows of every aggregate but count.
	read := func(x Expr) Expr {
		switch x := x.(type) {
		case *ColRef:
			c := &ColRef{Idx: nl + k + x.Idx, Typ: x.Typ}
			if k > 0 && agg.Aggs[x.Idx].Func.Name == "count" {
				return &Coalesce{Args: []Expr{c, &Const{Val: sql.NewInt(0), Typ: x.Typ}}, Typ: x.Typ}
			}
			return c
		case *OuterRef:
			return fromOuter(x)
		}
		return x
	}
	v := mapExpr(val, read)
	if having != nil {
		v = &Case{Whens: []When{{Cond: mapExpr(having, read), Result: v}}, Typ: v.Type()}
	}
	return j, v, true, nil
}

func concatColumns(l, r Node) []Column {
	return append(append([]Column(nil), l.Columns()...), r.Columns()...)
}

// substitute replaces each column reference of e by the expression it
// names: e read through a projection.
func substitute(e Expr, exprs []Expr) Expr {
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			return exprs[c.Idx]
		}
		return x
	})
}

// toJoinRow moves conjuncts over a subquery's row (ColRef) and its outer
// row (OuterRef level 1) onto the row of a join whose left input, nl
// columns wide, is that outer row: the subquery's columns follow it, and
// references further out lose the level the subquery had added.
func toJoinRow(es []Expr, nl int) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = mapExpr(e, func(x Expr) Expr {
			switch x := x.(type) {
			case *ColRef:
				return &ColRef{Idx: x.Idx + nl, Typ: x.Typ}
			case *OuterRef:
				return fromOuter(x)
			}
			return x
		})
	}
	return out
}

// fromOuter is an outer reference of a subquery seen from the query that
// contained it: level 1 is that query's own row.
func fromOuter(r *OuterRef) Expr {
	if r.Level == 1 {
		return &ColRef{Idx: r.Idx, Typ: r.Typ}
	}
	return &OuterRef{Level: r.Level - 1, Idx: r.Idx, Typ: r.Typ}
}

// splitEqualities splits correlation conjuncts that are all inner = outer
// equalities into their inner sides (over the subquery's row) and outer
// sides (over outer rows only). ok is false if one is anything else.
func splitEqualities(cs []Expr) (inner, outer []Expr, ok bool) {
	for _, c := range cs {
		b, isOp := c.(*BinOp)
		if !isOp || b.Op != OpEq {
			return nil, nil, false
		}
		switch {
		case readsOnly(b.L, false) && readsOnly(b.R, true):
			inner, outer = append(inner, b.L), append(outer, b.R)
		case readsOnly(b.R, false) && readsOnly(b.L, true):
			inner, outer = append(inner, b.R), append(outer, b.L)
		default:
			return nil, nil, false
		}
	}
	return inner, outer, true
}

// readsOnly reports whether e reads only outer rows (outer) or only its
// own row, with no subquery or volatile call.
func readsOnly(e Expr, outer bool) bool {
	ok := true
	walkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef:
			ok = ok && !outer
		case *OuterRef:
			ok = ok && outer
		case *Subquery:
			ok = false
		case *Call:
			ok = ok && !x.Fn.Volatile
		}
		return ok
	})
	return ok
}

func exprHasSubquery(e Expr) bool {
	found := false
	walkExpr(e, func(x Expr) bool {
		if _, ok := x.(*Subquery); ok {
			found = true
		}
		return !found
	})
	return found
}

func anyHasSubquery(es []Expr) bool {
	for _, e := range es {
		if exprHasSubquery(e) {
			return true
		}
	}
	return false
}

// exprReaches reports whether e, evaluated depth subquery levels below
// some query, reads that query's row or one further out.
func exprReaches(e Expr, depth int) bool {
	found := false
	walkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *OuterRef:
			found = found || x.Level > depth
		case *Subquery:
			found = found || planReaches(x.Plan, depth+1)
		}
		return !found
	})
	return found
}

// planReaches is exprReaches for a plan: with depth 0, whether n is
// correlated to a query containing it. A CTE is computed once per
// statement, outside every row, so its plan is not looked at.
func planReaches(n Node, depth int) bool {
	for _, e := range nodeExprs(n) {
		if exprReaches(e, depth) {
			return true
		}
	}
	if l, ok := n.(*LateralJoin); ok {
		return planReaches(l.Left, depth) || planReaches(l.Right, depth+1)
	}
	for _, c := range n.Children() {
		if planReaches(c, depth) {
			return true
		}
	}
	return false
}

// nodeExprs lists the expressions n evaluates itself.
func nodeExprs(n Node) []Expr {
	var out []Expr
	add := func(es ...Expr) {
		for _, e := range es {
			if e != nil {
				out = append(out, e)
			}
		}
	}
	addKeys := func(ks []SortKey) {
		for _, k := range ks {
			add(k.Expr)
		}
	}
	switch x := n.(type) {
	case *Scan:
		add(x.Key...)
	case *Values:
		for _, r := range x.Rows {
			add(r...)
		}
	case *Filter:
		add(x.Pred)
	case *Project:
		add(x.Exprs...)
	case *Aggregate:
		add(x.Group...)
		for _, a := range x.Aggs {
			add(a.Args...)
			add(a.Filter)
			addKeys(a.Order)
		}
	case *Join:
		add(x.LeftKeys...)
		add(x.RightKeys...)
		add(x.On)
	case *Sort:
		addKeys(x.Keys)
	case *Limit:
		add(x.Count, x.Offset)
	case *Distinct:
		add(x.On...)
	case *Window:
		for _, c := range x.Calls {
			add(c.Args...)
			add(c.Partition...)
			addKeys(c.Order)
			add(c.Filter)
			if f := c.Frame; f != nil {
				add(f.StartOff, f.EndOff, f.StartVal, f.EndVal, f.RangeKey)
			}
		}
	case *TableFunc:
		add(x.Args...)
	case *ProjectSet:
		for _, c := range x.Calls {
			add(c.Args...)
		}
	case *FuncJoin:
		add(x.Call.Args...)
		add(x.On)
	case *LateralJoin:
		add(x.On)
	}
	return out
}

// subqueryPosition names, for an error, the place of a subquery in n's own
// expressions, where it cannot be rewritten.
func subqueryPosition(n Node) string {
	switch n.(type) {
	case *Values:
		return "a subquery in VALUES"
	case *Aggregate:
		return "a subquery in an aggregate's argument or GROUP BY"
	case *Join, *LateralJoin:
		return "a subquery in the condition of an outer or lateral join"
	case *Sort:
		return "a subquery in ORDER BY"
	case *Limit:
		return "a subquery in LIMIT or OFFSET"
	case *Distinct:
		return "a subquery in DISTINCT ON"
	case *Window:
		return "a subquery in a window function"
	case *TableFunc, *ProjectSet, *FuncJoin:
		return "a subquery in a set-returning function's argument"
	}
	return fmt.Sprintf("a subquery in %T", n)
}
