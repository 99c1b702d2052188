package planner

import (
	"fmt"
	"github.com/cockroachdb/apd/v3"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
)

// bindQuery binds any query expression; parent is the enclosing scope for
// correlated subqueries (nil at the top).
func (b *binder) bindQuery(n ast.Node, parent *scope) (Node, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		if n.With != nil {
			if err := b.pushWith(n.With, parent); err != nil {
				return nil, err
			}
			defer b.popWith()
		}
		if n.Kind == ast.SelectStmtKindValues {
			return b.bindValues(n.Lists, parent)
		}
		return b.bindSelect(n, parent)
	case *ast.SetOprStmt:
		if n.With != nil {
			if err := b.pushWith(n.With, parent); err != nil {
				return nil, err
			}
			defer b.popWith()
		}
		body, err := b.bindSetOprList(n.SelectList, parent)
		if err != nil {
			return nil, err
		}
		return b.bindOrderLimitOnOutput(body, n.OrderBy, n.Limit, parent)
	case *ast.SetOprSelectList:
		body, err := b.bindSetOprList(n, parent)
		if err != nil {
			return nil, err
		}
		return b.bindOrderLimitOnOutput(body, n.OrderBy, n.Limit, parent)
	case *ast.SubqueryExpr:
		return b.bindQuery(n.Query, parent)
	}
	return nil, errUnsupported(fmt.Sprintf("query %T", n))
}

func (b *binder) pushWith(w *ast.WithClause, parent *scope) error {
	level := map[string]*CTE{}
	b.ctes = append(b.ctes, level)
	for _, c := range w.CTEs {
		name := c.Name.O
		cte := &CTE{Name: name}
		var body Node
		var err error
		if w.IsRecursive {
			body, err = b.bindRecursiveCTE(cte, c, parent)
		} else {
			body, err = b.bindQuery(c.Query.Query, parent)
		}
		if err != nil {
			return err
		}
		if len(c.ColNameList) > 0 {
			body, err = renameColumns(body, cistrs(c.ColNameList), name)
			if err != nil {
				return err
			}
		}
		cte.Plan = body
		level[name] = cte
	}
	return nil
}

func (b *binder) popWith() { b.ctes = b.ctes[:len(b.ctes)-1] }

func (b *binder) lookupCTE(name string) *CTE {
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if c, ok := b.ctes[i][name]; ok {
			return c
		}
	}
	return nil
}

// bindRecursiveCTE binds WITH RECURSIVE name AS (base UNION [ALL] step).
func (b *binder) bindRecursiveCTE(cte *CTE, c *ast.CommonTableExpression, parent *scope) (Node, error) {
	body := c.Query.Query
	so, ok := body.(*ast.SetOprStmt)
	if !ok || len(so.SelectList.Selects) != 2 {
		b.ctes[len(b.ctes)-1][cte.Name] = nil
		return b.bindQuery(body, parent)
	}
	base, err := b.bindQuery(so.SelectList.Selects[0], parent)
	if err != nil {
		return nil, err
	}
	if len(c.ColNameList) > 0 {
		if base, err = renameColumns(base, cistrs(c.ColNameList), cte.Name); err != nil {
			return nil, err
		}
	}
	cte.Plan = base
	b.ctes[len(b.ctes)-1][cte.Name] = cte
	second := so.SelectList.Selects[1]
	var op *ast.SetOprType
	switch s := second.(type) {
	case *ast.SelectStmt:
		op = s.AfterSetOperator
	case *ast.SetOprSelectList:
		op = s.AfterSetOperator
	}
	if op == nil || (*op != ast.Union && *op != ast.UnionAll) {
		return nil, sql.Errorf(sql.CodeInvalidRecursion, "recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", cte.Name)
	}
	cte.UnionAll = *op == ast.UnionAll
	step, err := b.bindQuery(second, parent)
	if err != nil {
		return nil, err
	}
	if len(step.Columns()) != len(base.Columns()) {
		return nil, sql.Errorf(sql.CodeSyntaxError, "each UNION query must have the same number of columns")
	}
	if aggregatesOver(step, cte) {
		// Rows fed back through an aggregate never run out: every step
		// yields a new total, so the iteration would not end.
		return nil, sql.Errorf(sql.CodeInvalidRecursion, "aggregate functions are not allowed in a recursive query's recursive term")
	}
	cte.Recursive = step
	return base, nil
}

// aggregatesOver reports whether an Aggregate of n reads the recursive
// reference to cte.
func aggregatesOver(n Node, cte *CTE) bool {
	if a, ok := n.(*Aggregate); ok && refersTo(a.Input, cte) {
		return true
	}
	for _, c := range n.Children() {
		if aggregatesOver(c, cte) {
			return true
		}
	}
	return false
}

func refersTo(n Node, cte *CTE) bool {
	if r, ok := n.(*CTERef); ok && r.CTE == cte {
		return true
	}
	for _, c := range n.Children() {
		if refersTo(c, cte) {
			return true
		}
	}
	return false
}

func cistrs(cs []ast.CIStr) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.O
	}
	return out
}

// renameColumns applies a column alias list (t(a, b)) to a node's output.
func renameColumns(n Node, names []string, table string) (Node, error) {
	cols := n.Columns()
	if len(names) > len(cols) {
		return nil, sql.Errorf(sql.CodeInvalidColumnReference, "table %q has %d columns available but %d columns specified", table, len(cols), len(names))
	}
	exprs := make([]Expr, len(cols))
	out := make([]Column, len(cols))
	for i, c := range cols {
		exprs[i] = &ColRef{Idx: i, Typ: c.Type}
		out[i] = c
		if i < len(names) {
			out[i].Name = names[i]
		}
	}
	return &Project{Input: n, Exprs: exprs, Cols: out}, nil
}

// bindSetOprList binds a chain of UNION/INTERSECT/EXCEPT: INTERSECT binds
// tighter than UNION and EXCEPT, which associate to the left, as in
// PostgreSQL (the TiDB grammar hands the chain over flat).
func (b *binder) bindSetOprList(l *ast.SetOprSelectList, parent *scope) (Node, error) {
	type item struct {
		n     Node
		kind  SetOpKind
		all   bool
		hasOp bool
		// corr: the operation matches columns by name (CORRESPONDING),
		// on those of by if it is not nil.
		corr bool
		by   []string
	}
	var items []item
	for _, sel := range l.Selects {
		var op *ast.SetOprType
		switch s := sel.(type) {
		case *ast.SelectStmt:
			op = s.AfterSetOperator
		case *ast.SetOprSelectList:
			op = s.AfterSetOperator
		}
		it := item{}
		if inner, by, ok := correspondingOperand(sel); ok && op != nil {
			sel, it.corr, it.by = inner, true, by
		}
		n, err := b.bindQuery(sel, parent)
		if err != nil {
			return nil, err
		}
		it.n = n
		if op != nil {
			it.hasOp = true
			switch *op {
			case ast.Union:
			case ast.UnionAll:
				it.all = true
			case ast.Intersect:
				it.kind = Intersect
			case ast.IntersectAll:
				it.kind, it.all = Intersect, true
			case ast.Except:
				it.kind = Except
			case ast.ExceptAll:
				it.kind, it.all = Except, true
			}
		}
		items = append(items, it)
	}
	// First fold every INTERSECT into its left neighbour.
	var folded []item
	for i, it := range items {
		if i > 0 && it.hasOp && it.kind == Intersect {
			prev := &folded[len(folded)-1]
			l, r := prev.n, it.n
			if it.corr {
				var err error
				if l, r, err = corresponding(Intersect, it.by, l, r); err != nil {
					return nil, err
				}
			}
			n, err := makeSetOp(Intersect, it.all, l, r)
			if err != nil {
				return nil, err
			}
			prev.n = n
			continue
		}
		folded = append(folded, it)
	}
	acc := folded[0].n
	for _, it := range folded[1:] {
		var err error
		r := it.n
		if it.corr {
			if acc, r, err = corresponding(it.kind, it.by, acc, r); err != nil {
				return nil, err
			}
		}
		if acc, err = makeSetOp(it.kind, it.all, acc, r); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func makeSetOp(kind SetOpKind, all bool, l, r Node) (Node, error) {
	lc, rc := l.Columns(), r.Columns()
	if len(lc) != len(rc) {
		return nil, sql.Errorf(sql.CodeSyntaxError, "each %s query must have the same number of columns", strings.ToUpper(kind.String()))
	}
	cols := make([]Column, len(lc))
	lx := make([]Expr, len(lc))
	rx := make([]Expr, len(lc))
	castL, castR := false, false
	for i := range lc {
		t, ok := commonType([]sql.Type{lc[i].Type, rc[i].Type})
		if !ok {
			return nil, sql.Errorf(sql.CodeDatatypeMismatch, "%s types %s and %s cannot be matched", strings.ToUpper(kind.String()), lc[i].Type, rc[i].Type)
		}
		t = resolveUnknown(t)
		cols[i] = Column{Name: lc[i].Name, Type: t}
		lx[i] = coerce(&ColRef{Idx: i, Typ: lc[i].Type}, t)
		rx[i] = coerce(&ColRef{Idx: i, Typ: rc[i].Type}, t)
		castL = castL || !lc[i].Type.Equal(t)
		castR = castR || !rc[i].Type.Equal(t)
	}
	if castL {
		l = &Project{Input: l, Exprs: lx, Cols: cols}
	}
	if castR {
		r = &Project{Input: r, Exprs: rx, Cols: cols}
	}
	return &SetOp{Kind: kind, All: all, Left: l, Right: r, Cols: cols}, nil
}

// bindValues binds VALUES (...), (...): column types resolve like UNION.
func (b *binder) bindValues(lists []*ast.RowExpr, parent *scope) (Node, error) {
	if len(lists) == 0 {
		return nil, sql.Errorf(sql.CodeSyntaxError, "VALUES needs at least one row")
	}
	sc := &scope{parent: parent}
	width := len(lists[0].Values)
	rows := make([][]Expr, len(lists))
	for i, l := range lists {
		if len(l.Values) != width {
			return nil, sql.Errorf(sql.CodeSyntaxError, "VALUES lists must all be the same length")
		}
		rows[i] = make([]Expr, width)
		for j, v := range l.Values {
			e, err := b.bindExpr(v, sc)
			if err != nil {
				return nil, err
			}
			rows[i][j] = e
		}
	}
	return b.valuesNode(rows)
}

func (b *binder) valuesNode(rows [][]Expr) (Node, error) {
	width := len(rows[0])
	cols := make([]Column, width)
	for j := 0; j < width; j++ {
		ts := make([]sql.Type, len(rows))
		for i := range rows {
			ts[i] = rows[i][j].Type()
		}
		t, ok := commonType(ts)
		if !ok {
			return nil, sql.Errorf(sql.CodeDatatypeMismatch, "VALUES types cannot be matched")
		}
		if len(rows) > 1 {
			t = resolveUnknown(t)
		}
		for i := range rows {
			rows[i][j] = b.coerce(rows[i][j], t)
		}
		cols[j] = Column{Name: fmt.Sprintf("column%d", j+1), Type: t}
	}
	return &Values{Rows: rows, Cols: cols}, nil
}

// bindSelect binds one SELECT block: FROM, WHERE, GROUP BY, HAVING, window
// functions, the select list, DISTINCT, ORDER BY and LIMIT, in that order.
func (b *binder) bindSelect(sel *ast.SelectStmt, parent *scope) (Node, error) {
	if err := resolveWindows(sel); err != nil {
		return nil, err
	}
	var from Node
	sc := &scope{parent: parent}
	if sel.From != nil && sel.From.TableRefs != nil {
		n, cols, err := b.bindFrom(sel.From.TableRefs, sc)
		if err != nil {
			return nil, err
		}
		from, sc.cols = n, cols
	} else {
		from = &Values{Rows: [][]Expr{{}}, Cols: nil}
	}
	var whereErr error
	if sel.Where != nil {
		if hasAggregate(sel.Where) {
			return nil, sql.Errorf(sql.CodeGroupingError, "aggregate functions are not allowed in WHERE")
		}
		pred, err := b.bindBool(sel.Where, sc, "WHERE")
		if err != nil {
			// PostgreSQL reads the select list before WHERE, so an
			// error there is the one it reports: the select list
			// binds first (to fail with its own error), then this.
			whereErr = err
		} else {
			from = &Filter{Input: from, Pred: pred}
		}
	}

	// DISTINCT ON arrives as a marker in front of the select list.
	selFields := sel.Fields.Fields
	var distinctOn []ast.ExprNode
	if len(selFields) > 0 {
		if fc, ok := selFields[0].Expr.(*ast.FuncCallExpr); ok && fc.FnName.L == "eddy_distinct_on" {
			distinctOn, selFields = fc.Args, selFields[1:]
		}
	}
	// Expand the select list (stars) into fields first: ORDER BY and GROUP BY
	// may name output columns by position or alias.
	fields, err := b.expandFields(selFields, sc)
	if err != nil {
		return nil, err
	}

	grouped := sel.GroupBy != nil || sel.Having != nil
	for _, e := range distinctOn {
		grouped = grouped || hasAggregate(e)
	}
	for _, f := range fields {
		grouped = grouped || (f.expr != nil && hasAggregate(f.expr))
	}
	if sel.OrderBy != nil {
		for _, it := range sel.OrderBy.Items {
			grouped = grouped || hasAggregate(it.Expr)
		}
	}

	input := from
	rowScope := sc
	var agg *aggState
	if grouped {
		agg = &aggState{from: sc}
		if sel.GroupBy != nil {
			if err := b.bindGroupBy(sel.GroupBy.Items, sc, fields, agg); err != nil {
				if whereErr != nil {
					return nil, whereErr // GROUP BY comes after WHERE
				}
				return nil, err
			}
		}
		rowScope = &scope{parent: parent, agg: agg, cols: sc.cols}
	}

	win := &winState{}
	bindOut := func(e ast.ExprNode) (Expr, error) {
		return b.bindExprWin(e, rowScope, win)
	}

	// Select list.
	outExprs := make([]Expr, 0, len(fields))
	outCols := make([]Column, 0, len(fields))
	for _, f := range fields {
		if f.ref != nil {
			outExprs = append(outExprs, f.ref)
			outCols = append(outCols, f.col)
			continue
		}
		e, err := bindOut(f.expr)
		if err != nil {
			return nil, err
		}
		col := Column{Name: f.name, Type: e.Type()}
		switch r := e.(type) {
		case *srfRef:
			col.Fields = win.srfs[r.j].Cols[0].Fields
		case *ColRef:
			if !grouped && r.Idx < len(sc.cols) {
				col.Fields = sc.cols[r.Idx].Fields
			}
		}
		if cr, ok := e.(*ColRef); ok && !grouped && win.empty() {
			src := sc.cols[cr.Idx]
			col.TableOID, col.Attnum = src.TableOID, src.Attnum
		}
		outExprs = append(outExprs, e)
		outCols = append(outCols, col)
	}
	if whereErr != nil {
		return nil, whereErr
	}
	var having Expr
	if sel.Having != nil {
		if agg == nil {
			agg = &aggState{from: sc}
		}
		having, err = b.bindBool(sel.Having.Expr, rowScope, "HAVING")
		if err != nil {
			return nil, err
		}
	}

	// ORDER BY: output columns by position or name, else expressions over
	// the row, carried as hidden output columns.
	var keys []SortKey
	hidden := 0
	if sel.OrderBy != nil {
		for _, it := range sel.OrderBy.Items {
			expr, nullsFirst, desc := unwrapOrderItem(it)
			idx, err := b.orderTarget(expr, fields, outCols)
			if err != nil {
				return nil, err
			}
			if idx < 0 {
				e, err := bindOut(expr)
				if err != nil {
					return nil, err
				}
				idx = matchOutput(e, outExprs)
				if idx < 0 {
					if sel.Distinct {
						return nil, sql.Errorf(sql.CodeInvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
					}
					outExprs = append(outExprs, e)
					outCols = append(outCols, Column{Name: "?order?", Type: e.Type(), Hidden: true})
					idx = len(outExprs) - 1
					hidden++
				}
			}
			if nullsFirst == nil {
				nf := desc // PostgreSQL: NULLs sort as larger than any value
				nullsFirst = &nf
			}
			keys = append(keys, SortKey{Expr: &ColRef{Idx: idx, Typ: outCols[idx].Type}, Desc: desc, NullsFirst: *nullsFirst})
		}
	}

	// DISTINCT ON keys: bound like ORDER BY items and carried as hidden
	// output columns; the first row of each group in sort order survives.
	var onKeys []Expr
	for _, e := range distinctOn {
		idx, err := b.orderTarget(e, fields, outCols)
		if err != nil {
			return nil, err
		}
		if idx < 0 {
			x, err := bindOut(e)
			if err != nil {
				return nil, err
			}
			if idx = matchOutput(x, outExprs); idx < 0 {
				outExprs = append(outExprs, x)
				outCols = append(outCols, Column{Name: "?distinct?", Type: x.Type(), Hidden: true})
				idx = len(outExprs) - 1
				hidden++
			}
		}
		onKeys = append(onKeys, &ColRef{Idx: idx, Typ: outCols[idx].Type})
	}
	for i, k := range onKeys {
		if i < len(keys) && !exprEqual(keys[i].Expr, k) {
			return nil, sql.Errorf(sql.CodeInvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
		}
	}
	if agg != nil {
		input = &Aggregate{Input: input, Group: agg.group, GroupingSets: agg.sets, Aggs: agg.aggs, Cols: agg.columns()}
		if having != nil {
			input = &Filter{Input: input, Pred: having}
		}
	}
	if !win.empty() {
		base := len(input.Columns())
		input = win.node(input)
		for i := range outExprs {
			outExprs[i] = resolveWinRefs(outExprs[i], base)
		}
	}
	if len(win.srfs) > 0 {
		input = win.projectSet(input, outExprs)
	}
	var out Node = &Project{Input: input, Exprs: outExprs, Cols: outCols}
	switch {
	case onKeys != nil:
		// Sort first so that "first row of each group" is well defined.
		if keys != nil {
			out = &Sort{Input: out, Keys: keys}
		}
		out = &Distinct{Input: out, On: onKeys}
	case sel.Distinct:
		out = &Distinct{Input: out}
		if keys != nil {
			out = &Sort{Input: out, Keys: keys}
		}
	case keys != nil:
		out = &Sort{Input: out, Keys: keys}
	}
	if out, err = b.bindLimit(out, sel.Limit); err != nil {
		return nil, err
	}
	if hidden > 0 {
		n := len(outCols) - hidden
		exprs := make([]Expr, n)
		for i := range exprs {
			exprs[i] = &ColRef{Idx: i, Typ: outCols[i].Type}
		}
		out = &Project{Input: out, Exprs: exprs, Cols: outCols[:n]}
	}
	return out, nil
}

// field is one select-list entry after * expansion.
type field struct {
	expr ast.ExprNode // nil for an expanded star column
	ref  Expr         // the column of an expanded star
	col  Column
	name string
}

func (b *binder) expandFields(fs []*ast.SelectField, sc *scope) ([]field, error) {
	var out []field
	for _, f := range fs {
		if f.WildCard != nil {
			table := f.WildCard.Table.O
			if table != "" && !sc.hasTable(table) {
				return nil, sql.Errorf(sql.CodeUndefinedTable, "missing FROM-clause entry for table %q", table)
			}
			n := 0
			for i, c := range sc.cols {
				if c.Hidden || (table != "" && c.Table != table) {
					continue
				}
				out = append(out, field{ref: &ColRef{Idx: i, Typ: c.Type}, col: Column{Name: c.Name, Type: c.Type, TableOID: c.TableOID, Attnum: c.Attnum}, name: c.Name})
				n++
			}
			if n == 0 && table == "" && len(sc.cols) == 0 {
				return nil, sql.Errorf(sql.CodeSyntaxError, "SELECT * with no tables specified is not valid")
			}
			continue
		}
		name := f.AsName.O
		if name == "" {
			name = columnName(f.Expr)
		}
		out = append(out, field{expr: f.Expr, name: name})
	}
	return out, nil
}

// unwrapOrderItem strips the dialect layer's NULLS FIRST/LAST markers.
func unwrapOrderItem(it *ast.ByItem) (e ast.ExprNode, nullsFirst *bool, desc bool) {
	e = it.Expr
	if fc, ok := e.(*ast.FuncCallExpr); ok && len(fc.Args) == 1 {
		switch fc.FnName.L {
		case "eddy_nulls_first":
			t := true
			return fc.Args[0], &t, it.Desc
		case "eddy_nulls_last":
			f := false
			return fc.Args[0], &f, it.Desc
		}
	}
	return e, nil, it.Desc
}

// orderTarget resolves ORDER BY 2 and ORDER BY alias to an output column.
func (b *binder) orderTarget(e ast.ExprNode, fields []field, cols []Column) (int, error) {
	if v, ok := intLiteral(e); ok {
		if v < 1 || int(v) > len(fields) {
			return -1, sql.Errorf(sql.CodeInvalidColumnReference, "ORDER BY position %d is not in select list", v)
		}
		return int(v - 1), nil
	}
	if cn, ok := e.(*ast.ColumnNameExpr); ok && cn.Name.Table.O == "" {
		found := -1
		for i, f := range fields {
			if f.name == cn.Name.Name.O && (f.expr != nil || f.ref != nil) {
				if found >= 0 && found != i {
					// Ambiguous output name: PostgreSQL errors only if the
					// expressions differ; fall back to input columns.
					return -1, nil
				}
				found = i
			}
		}
		return found, nil
	}
	return -1, nil
}

// matchOutput finds an output expression equal to e.
func matchOutput(e Expr, outs []Expr) int {
	for i, o := range outs {
		if exprEqual(e, o) {
			return i
		}
	}
	return -1
}

// bindGroupItem binds one GROUP BY item: a position, an output alias, or an
// expression over FROM.
func (b *binder) bindGroupItem(e ast.ExprNode, sc *scope, fields []field) (Expr, string, error) {
	if v, ok := intLiteral(e); ok {
		if v < 1 || int(v) > len(fields) {
			return nil, "", sql.Errorf(sql.CodeInvalidColumnReference, "GROUP BY position %d is not in select list", v)
		}
		f := fields[v-1]
		if f.ref != nil {
			return f.ref, "", nil
		}
		e = f.expr
	} else if cn, ok := e.(*ast.ColumnNameExpr); ok && cn.Name.Table.O == "" {
		// An input column wins over an output alias, as in PostgreSQL.
		if idx, _ := sc.lookup("", cn.Name.Name.O); idx < 0 {
			for _, f := range fields {
				if f.name == cn.Name.Name.O && f.expr != nil {
					e = f.expr
					break
				}
			}
		}
	}
	if hasAggregate(e) {
		return nil, "", sql.Errorf(sql.CodeGroupingError, "aggregate functions are not allowed in GROUP BY")
	}
	x, err := b.bindExpr(e, sc)
	if err != nil {
		return nil, "", err
	}
	return x, restore(e), nil
}

// bindOrderLimitOnOutput binds ORDER BY/LIMIT of a set operation, which can
// name only output columns.
func (b *binder) bindOrderLimitOnOutput(n Node, ob *ast.OrderByClause, lim *ast.Limit, parent *scope) (Node, error) {
	if ob != nil {
		cols := n.Columns()
		sc := &scope{cols: cols, parent: parent}
		var keys []SortKey
		for _, it := range ob.Items {
			expr, nullsFirst, desc := unwrapOrderItem(it)
			var e Expr
			if v, ok := intLiteral(expr); ok {
				if v < 1 || int(v) > len(cols) {
					return nil, sql.Errorf(sql.CodeInvalidColumnReference, "ORDER BY position %d is not in select list", v)
				}
				e = &ColRef{Idx: int(v - 1), Typ: cols[v-1].Type}
			} else {
				var err error
				if e, err = b.bindExpr(expr, sc); err != nil {
					return nil, err
				}
			}
			nf := desc
			if nullsFirst != nil {
				nf = *nullsFirst
			}
			keys = append(keys, SortKey{Expr: e, Desc: desc, NullsFirst: nf})
		}
		n = &Sort{Input: n, Keys: keys}
	}
	return b.bindLimit(n, lim)
}

func (b *binder) bindLimit(n Node, lim *ast.Limit) (Node, error) {
	if lim == nil {
		return n, nil
	}
	l := &Limit{Input: n}
	sc := &scope{}
	if lim.Count != nil {
		e, err := b.bindExpr(lim.Count, sc)
		if err != nil {
			return nil, err
		}
		// The dialect layer writes OFFSET without LIMIT as the largest
		// unsigned LIMIT, which means no limit at all.
		if c, ok := e.(*Const); !ok || c.Typ.OID != sql.OIDNumeric || c.Val.Numeric().Cmp(maxInt8) <= 0 {
			l.Count = b.coerce(e, sql.Int8)
		}
	}
	if lim.Offset != nil {
		e, err := b.bindExpr(lim.Offset, sc)
		if err != nil {
			return nil, err
		}
		l.Offset = b.coerce(e, sql.Int8)
	}
	return l, nil
}

var maxInt8 = apd.New(1<<63-1, 0)
