package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// aliasSep separates a FROM alias from its column aliases in the identifier
// the dialect layer emits for "AS t(a, b)".
const aliasSep = "\x1f"

// bindFrom binds a FROM tree and returns its plan and columns. sc is the
// scope being built (its parent serves LATERAL and correlated references).
func (b *binder) bindFrom(n ast.ResultSetNode, sc *scope) (Node, []Column, error) {
	switch n := n.(type) {
	case *ast.Join:
		if n.Right == nil {
			return b.bindFrom(n.Left, sc)
		}
		return b.bindJoin(n, sc)
	case *ast.TableSource:
		alias, colAliases := splitAlias(n.AsName.O)
		if alias == sql.TemporalAlias {
			return nil, nil, errTemporalPlace
		}
		colAliases = append(colAliases, cistrs(n.ColumnNames)...)
		var node Node
		var err error
		defaultAlias := ""
		scalarFunc := false // a user function returning one column, named after the alias
		switch src := n.Source.(type) {
		case *ast.TableName:
			node, err = b.bindTableName(src)
			defaultAlias = src.Name.O
		case *ast.SelectStmt:
			if tf, ok := tableFunction(src); ok {
				fname := tableFunctionName(tf)
				defaultAlias = fname
				if isTimeWindow(fname) {
					node, alias, err = b.bindTimeWindow(tf, alias, sc)
					break
				}
				if u, ok, uerr := b.resolveUserSRF(tf, sc); ok || uerr != nil {
					if err = uerr; err == nil {
						node, err = b.bindUserSRF(u, sc, true)
						scalarFunc = len(u.fn.Table) == 0
					}
					break
				}
				if node, ok, err = b.bindScalarInFrom(tf, sc); ok || err != nil {
					scalarFunc = true
					break
				}
				node, err = b.bindTableFunction(tf, sc)
				break
			}
			node, err = b.bindQuery(src, sc.parent)
		case *ast.SetOprStmt:
			node, err = b.bindQuery(src, sc.parent)
		default:
			return nil, nil, errUnsupported(fmt.Sprintf("FROM item %T", src))
		}
		if err != nil {
			return nil, nil, err
		}
		if err := sc.addFromName(firstNonEmpty(alias, defaultAlias)); err != nil {
			return nil, nil, err
		}
		if alias == "" {
			alias = defaultAlias
		} else if tf, ok := node.(*TableFunc); len(colAliases) == 0 && (scalarFunc || ok && len(tf.Cols)-btoi(tf.Ordinality) == 1) {
			// A function returning a scalar names its column after the alias.
			colAliases = []string{alias}
		}
		cols := node.Columns()
		out := make([]Column, len(cols))
		for i, c := range cols {
			out[i] = c
			out[i].Table = alias
			if i < len(colAliases) {
				out[i].Name = colAliases[i]
			}
		}
		node = qualifyScan(node, alias)
		if len(colAliases) > len(cols) {
			return nil, nil, sql.Errorf(sql.CodeInvalidColumnReference, "table %q has %d columns available but %d columns specified", alias, len(cols), len(colAliases))
		}
		return node, out, nil
	case *ast.TableName:
		node, err := b.bindTableName(n)
		if err != nil {
			return nil, nil, err
		}
		if err := sc.addFromName(n.Name.O); err != nil {
			return nil, nil, err
		}
		cols := append([]Column(nil), node.Columns()...)
		for i := range cols {
			cols[i].Table = n.Name.O
		}
		return node, cols, nil
	}
	return nil, nil, errUnsupported(fmt.Sprintf("FROM item %T", n))
}

// qualifyScan returns a Scan whose columns are qualified by alias, and any
// other node as it is. Qualified names make EXPLAIN readable; they change
// nothing else.
func qualifyScan(n Node, alias string) Node {
	sc, ok := n.(*Scan)
	if !ok {
		return n
	}
	q := *sc
	q.Cols = make([]Column, len(sc.Cols))
	for i, c := range sc.Cols {
		q.Cols[i] = c
		q.Cols[i].Table = alias
	}
	return &q
}

func splitAlias(s string) (string, []string) {
	if !strings.Contains(s, aliasSep) {
		return s, nil
	}
	parts := strings.Split(s, aliasSep)
	return parts[0], parts[1:]
}

// bindTableName resolves a relation name: a CTE, a system relation, or a
// catalog relation (a view is expanded in place).
func (b *binder) bindTableName(tn *ast.TableName) (Node, error) {
	schema, name := tn.Schema.O, tn.Name.O
	if schema == "" {
		if cte := b.lookupCTE(name); cte != nil {
			return &CTERef{CTE: cte, Cols: cte.Plan.Columns()}, nil
		}
	}
	if b.p.Virtual != nil {
		if cols, ok := b.p.Virtual.Columns(schema, name); ok {
			s := schema
			if s == "" {
				s = "pg_catalog"
			}
			return &VirtualScan{Name: s + "." + name, Cols: cols}, nil
		}
	}
	if schema == "pg_catalog" || schema == "information_schema" {
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
	}
	rel := b.p.lookup(schema, name)
	if rel != nil && rel.Kind == catalog.KindSeq {
		return b.bindSequence(rel), nil
	}
	if rel == nil || !rel.IsQueryable() {
		if schema != "" {
			return nil, sql.Errorf(sql.CodeUndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
		}
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", name)
	}
	b.need(rel, catalog.PrivSelect)
	return b.bindRelation(rel)
}

func (b *binder) bindRelation(rel *catalog.Relation) (Node, error) {
	if rel.Kind == catalog.KindView {
		stmts, err := sql.Parse(rel.SQL)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", rel.Name, err)
		}
		if len(stmts) != 1 || stmts[0].AST == nil {
			return nil, sql.Errorf(sql.CodeDataCorrupted, "view %s: stored query is not a single SELECT", rel.Name)
		}
		vb := b.p.ForStored(rel).newBinder(nil)
		vb.view = rel.OID
		n, err := vb.bindQuery(stmts[0].AST, nil)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", rel.Name, err)
		}
		b.access = append(b.access, vb.access...)
		n = finalizeOutput(n)
		names := make([]string, len(rel.Columns))
		for i, c := range rel.Columns {
			names[i] = c.Name
		}
		return renameColumns(n, names, rel.Name)
	}
	cols := make([]Column, len(rel.Columns))
	for i, c := range rel.Columns {
		cols[i] = Column{Name: c.Name, Type: c.Type, TableOID: rel.OID, Attnum: int16(i + 1)}
	}
	if rel.Kind == catalog.KindSource {
		// The scan of a source also produces the record's metadata.
		for _, c := range catalog.SourceMetadata {
			cols = append(cols, Column{Name: c.Name, Type: c.Type, Hidden: true})
		}
	}
	scan := &Scan{Rel: rel, Cols: cols}
	if rel.Kind == catalog.KindMatView || rel.Kind == catalog.KindTable {
		scan.Indexes = b.p.Cat.Indexes(rel.OID)
	}
	return scan, nil
}

// bindJoin binds JOIN ... ON/USING/NATURAL, including the dialect layer's
// FULL JOIN markers on a LEFT JOIN.
func (b *binder) bindJoin(j *ast.Join, sc *scope) (Node, []Column, error) {
	left, lcols, err := b.bindFrom(j.Left, sc)
	if err != nil {
		return nil, nil, err
	}
	if n, cols, ok, err := b.bindLateralFunc(j, left, lcols, sc); ok || err != nil {
		return n, cols, err
	}
	if n, cols, ok, err := b.bindLateralQuery(j, left, lcols, sc); ok || err != nil {
		return n, cols, err
	}
	rightNode, temporal, err := temporalRight(j)
	if err != nil {
		return nil, nil, err
	}
	right, rcols, err := b.bindFrom(rightNode, sc)
	if err != nil {
		return nil, nil, err
	}
	kind := JoinInner
	switch j.Tp {
	case ast.LeftJoin:
		kind = JoinLeft
	case ast.RightJoin:
		kind = JoinRight
	}
	var onExpr ast.ExprNode
	if j.On != nil {
		onExpr = j.On.Expr
	}
	using := make([]string, 0, len(j.Using))
	for _, u := range j.Using {
		using = append(using, u.Name.O)
	}
	natural := j.NaturalJoin
	asof := false
	if fc, ok := onExpr.(*ast.FuncCallExpr); ok {
		switch fc.FnName.L {
		case "eddy_full_join":
			// The dialect layer writes one argument; a user may write any.
			if len(fc.Args) != 1 {
				return nil, nil, sql.Errorf(sql.CodeSyntaxError, "syntax error at or near \"ON\"")
			}
			kind = JoinFull
			onExpr = fc.Args[0]
		case "eddy_full_join_using":
			kind = JoinFull
			onExpr = nil
			for _, a := range fc.Args {
				cn, ok := a.(*ast.ColumnNameExpr)
				if !ok {
					return nil, nil, sql.Errorf(sql.CodeSyntaxError, "USING needs column names")
				}
				using = append(using, cn.Name.Name.O)
			}
		case "eddy_full_join_natural":
			kind = JoinFull
			onExpr = nil
			natural = true
		case sql.AsofMarker:
			if len(fc.Args) != 1 {
				return nil, nil, sql.Errorf(sql.CodeSyntaxError, "syntax error at or near \"ON\"")
			}
			asof = true
			onExpr = fc.Args[0]
		}
	}
	if natural {
		for _, lc := range lcols {
			for _, rc := range rcols {
				if lc.Name == rc.Name && !lc.Hidden {
					using = append(using, lc.Name)
				}
			}
		}
	}
	cols := append(append([]Column(nil), lcols...), rcols...)
	js := &scope{cols: cols, parent: sc.parent}
	var conds []Expr
	var outCols []Column
	var outExprs []Expr
	if len(using) > 0 || natural {
		// USING merges each pair into one column, first in the output.
		usedL := map[int]bool{}
		usedR := map[int]bool{}
		for _, name := range using {
			li, err := (&scope{cols: lcols}).lookup("", name)
			if err != nil {
				return nil, nil, err
			}
			ri, err := (&scope{cols: rcols}).lookup("", name)
			if err != nil {
				return nil, nil, err
			}
			if li < 0 || ri < 0 {
				side := "left"
				if li >= 0 {
					side = "right"
				}
				return nil, nil, sql.Errorf(sql.CodeUndefinedColumn, "column %q specified in USING clause does not exist in %s table", name, side)
			}
			l := Expr(&ColRef{Idx: li, Typ: lcols[li].Type})
			r := Expr(&ColRef{Idx: len(lcols) + ri, Typ: rcols[ri].Type})
			eq, err := b.compare(OpEq, l, r)
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, eq)
			usedL[li], usedR[ri] = true, true
			t, _ := commonType([]sql.Type{lcols[li].Type, rcols[ri].Type})
			var merged Expr
			switch kind {
			case JoinRight:
				merged = b.coerce(r, t)
			case JoinFull:
				merged = &Coalesce{Args: []Expr{b.coerce(l, t), b.coerce(r, t)}, Typ: t}
			default:
				merged = b.coerce(l, t)
			}
			outExprs = append(outExprs, merged)
			outCols = append(outCols, Column{Name: name, Type: t})
		}
		for i, c := range lcols {
			if !usedL[i] {
				outExprs = append(outExprs, &ColRef{Idx: i, Typ: c.Type})
				outCols = append(outCols, c)
			}
		}
		for i, c := range rcols {
			if !usedR[i] {
				outExprs = append(outExprs, &ColRef{Idx: len(lcols) + i, Typ: c.Type})
				outCols = append(outCols, c)
			}
		}
		// The merged columns are still reachable by qualified name through
		// the hidden originals.
		for i, c := range lcols {
			if usedL[i] {
				c.Hidden = true
				outExprs = append(outExprs, &ColRef{Idx: i, Typ: c.Type})
				outCols = append(outCols, c)
			}
		}
		for i, c := range rcols {
			if usedR[i] {
				c.Hidden = true
				outExprs = append(outExprs, &ColRef{Idx: len(lcols) + i, Typ: c.Type})
				outCols = append(outCols, c)
			}
		}
	}
	if onExpr != nil {
		e, err := b.bindBool(onExpr, js, "JOIN/ON")
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, e)
	}
	if j.Tp == ast.CrossJoin && onExpr == nil && len(conds) == 0 {
		kind = JoinInner
	}
	join := newJoin(kind, left, right, conjoin(conds), cols)
	if temporal {
		if kind != JoinInner && kind != JoinLeft {
			return nil, nil, sql.Errorf(sql.CodeFeatureNotSupported, "FOR SYSTEM_TIME AS OF PROCTIME() takes an inner, cross or left join only")
		}
		join.Temporal = true
	}
	if asof {
		if err := checkAsof(join); err != nil {
			return nil, nil, err
		}
		join.Asof = true
	}
	if outExprs != nil {
		for i := range outCols {
			if outCols[i].Table == "" {
				outCols[i].Table = ""
			}
		}
		return &Project{Input: join, Exprs: outExprs, Cols: outCols}, outCols, nil
	}
	return join, cols, nil
}

// newJoin builds a Join, pulling equality conjuncts between the two sides
// out of the condition as hash keys.
func newJoin(kind JoinKind, left, right Node, cond Expr, cols []Column) *Join {
	j := &Join{Kind: kind, Left: left, Right: right, Cols: cols}
	nl := len(left.Columns())
	var rest []Expr
	for _, c := range conjuncts(cond) {
		if be, ok := c.(*BinOp); ok && be.Op == OpEq {
			ls, rs := exprSide(be.L, nl), exprSide(be.R, nl)
			if ls == sideLeft && rs == sideRight {
				j.LeftKeys = append(j.LeftKeys, be.L)
				j.RightKeys = append(j.RightKeys, shiftCols(be.R, -nl))
				continue
			}
			if ls == sideRight && rs == sideLeft {
				j.LeftKeys = append(j.LeftKeys, be.R)
				j.RightKeys = append(j.RightKeys, shiftCols(be.L, -nl))
				continue
			}
		}
		rest = append(rest, c)
	}
	j.On = conjoin(rest)
	return j
}

func conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if a, ok := e.(*And); ok {
		var out []Expr
		for _, x := range a.Args {
			out = append(out, conjuncts(x)...)
		}
		return out
	}
	return []Expr{e}
}

func conjoin(es []Expr) Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &And{Args: es}
}

const (
	sideNone  = 0
	sideLeft  = 1
	sideRight = 2
	sideBoth  = 3
)

// exprSide says which join input(s) an expression reads; expressions with
// outer references or subqueries count as both, so they stay in On.
func exprSide(e Expr, nl int) int {
	side := sideNone
	ok := true
	walkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef:
			if x.Idx < nl {
				side |= sideLeft
			} else {
				side |= sideRight
			}
		case *Subquery, *OuterRef:
			ok = false
		case *Call:
			if x.Fn.Volatile {
				ok = false
			}
		}
		return true
	})
	if !ok {
		return sideBoth
	}
	return side
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bindLateralFunc binds a function in FROM whose arguments read earlier FROM
// items (PostgreSQL makes functions in FROM implicitly LATERAL). ok is false
// when j is not such a join.
func (b *binder) bindLateralFunc(j *ast.Join, left Node, lcols []Column, sc *scope) (Node, []Column, bool, error) {
	ts, ok := j.Right.(*ast.TableSource)
	if !ok {
		return nil, nil, false, nil
	}
	sel, ok := ts.Source.(*ast.SelectStmt)
	if !ok {
		return nil, nil, false, nil
	}
	fc, ok := tableFunction(sel)
	if !ok || isTimeWindow(tableFunctionName(fc)) || j.NaturalJoin || len(j.Using) > 0 || j.Tp == ast.RightJoin {
		return nil, nil, false, nil
	}
	if n, cols, ok, err := b.bindLateralUserSRF(j, fc, left, lcols, sc); ok || err != nil {
		return n, cols, ok, err
	}
	lat := &scope{cols: lcols, parent: sc.parent}
	var args []Expr
	for _, a := range fc.Args[1:] {
		x, err := b.bindExpr(a, lat)
		if err != nil {
			return nil, nil, true, err
		}
		args = append(args, x)
	}
	readsLeft := false
	for _, a := range args {
		walkExpr(a, func(x Expr) bool {
			if _, ok := x.(*ColRef); ok {
				readsLeft = true
			}
			return true
		})
	}
	if !readsLeft {
		return nil, nil, false, nil
	}
	call, err := b.resolveSRF(tableFunctionName(fc), args)
	if err != nil {
		return nil, nil, true, err
	}
	ordinality := fc.FnName.L == "eddy_table_function_ordinality"
	alias, colAliases := splitAlias(ts.AsName.O)
	colAliases = append(colAliases, cistrs(ts.ColumnNames)...)
	if alias == "" {
		alias = call.Name
	} else if len(colAliases) == 0 && len(call.Cols) == 1 {
		colAliases = []string{alias}
	}
	fcols := append([]Column(nil), call.Cols...)
	if ordinality {
		fcols = append(fcols, Column{Name: "ordinality", Type: sql.Int8})
	}
	if len(colAliases) > len(fcols) {
		return nil, nil, true, sql.Errorf(sql.CodeInvalidColumnReference, "table %q has %d columns available but %d columns specified", alias, len(fcols), len(colAliases))
	}
	for i := range fcols {
		fcols[i].Table = alias
		if i < len(colAliases) {
			fcols[i].Name = colAliases[i]
		}
	}
	cols := append(append([]Column(nil), lcols...), fcols...)
	fj := &FuncJoin{Left: left, Call: *call, Ordinality: ordinality, Outer: j.Tp == ast.LeftJoin, Cols: cols}
	if j.On != nil {
		on := j.On.Expr
		if fcall, ok := on.(*ast.FuncCallExpr); ok && fcall.FnName.L == "eddy_full_join" {
			return nil, nil, true, errUnsupported("FULL JOIN with a lateral function")
		}
		pred, err := b.bindBool(on, &scope{cols: cols, parent: sc.parent}, "JOIN/ON")
		if err != nil {
			return nil, nil, true, err
		}
		fj.On = pred
	}
	return fj, cols, true, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// bindLateralQuery binds JOIN LATERAL (subquery): the subquery sees the
// left side's columns as its outer row. ok is false when j is not one.
func (b *binder) bindLateralQuery(j *ast.Join, left Node, lcols []Column, sc *scope) (Node, []Column, bool, error) {
	ts, ok := j.Right.(*ast.TableSource)
	if !ok || !ts.Lateral || j.Tp == ast.RightJoin || j.NaturalJoin || len(j.Using) > 0 {
		return nil, nil, false, nil
	}
	switch src := ts.Source.(type) {
	case *ast.SelectStmt:
		if fc, ok := tableFunction(src); ok && isTimeWindow(tableFunctionName(fc)) {
			// LATERAL changes nothing for a time window function.
			return nil, nil, false, nil
		}
	case *ast.SetOprStmt:
	default:
		return nil, nil, false, nil
	}
	lat := &scope{cols: lcols, parent: sc.parent}
	right, err := b.bindQuery(ts.Source, lat)
	if err != nil {
		return nil, nil, true, err
	}
	right = finalizeOutput(right)
	alias, colAliases := splitAlias(ts.AsName.O)
	colAliases = append(colAliases, cistrs(ts.ColumnNames)...)
	if err := sc.addFromName(alias); err != nil {
		return nil, nil, true, err
	}
	lj, cols, err := b.lateralJoin(j, sc, left, right, lcols, alias, colAliases, "FULL JOIN LATERAL")
	return lj, cols, true, err
}

// lateralJoin joins left to a right side that reads left's columns, named
// alias (and colAliases), with j's ON condition; full names the FULL JOIN
// it refuses.
func (b *binder) lateralJoin(j *ast.Join, sc *scope, left, right Node, lcols []Column, alias string, colAliases []string, full string) (Node, []Column, error) {
	rcols := append([]Column(nil), right.Columns()...)
	if len(colAliases) > len(rcols) {
		return nil, nil, sql.Errorf(sql.CodeInvalidColumnReference, "table %q has %d columns available but %d columns specified", alias, len(rcols), len(colAliases))
	}
	for i := range rcols {
		rcols[i].Table = alias
		rcols[i].TableOID, rcols[i].Attnum = 0, 0
		if i < len(colAliases) {
			rcols[i].Name = colAliases[i]
		}
	}
	cols := append(append([]Column(nil), lcols...), rcols...)
	lj := &LateralJoin{Left: left, Right: right, Outer: j.Tp == ast.LeftJoin, Cols: cols}
	if j.On != nil {
		if fc, ok := j.On.Expr.(*ast.FuncCallExpr); ok && strings.HasPrefix(fc.FnName.L, "eddy_full_join") {
			return nil, nil, errUnsupported(full)
		}
		pred, err := b.bindBool(j.On.Expr, &scope{cols: cols, parent: sc.parent}, "JOIN/ON")
		if err != nil {
			return nil, nil, err
		}
		lj.On = pred
	}
	return lj, cols, nil
}
