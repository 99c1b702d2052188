package planner

import (
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// IndexRange restricts a Scan to the rows an index finds: those whose
// leading index columns each equal one of their Eq values (one for =,
// several for IN) and whose next column, when Lo or Hi is set, lies
// between them. The conditions it came from are exact (index entries are
// keyed by sql.AppendKey, under which values compare as SQL compares
// them), so the Filter keeps only the other conjuncts.
type IndexRange struct {
	Index *catalog.Relation
	Eq    [][]Expr
	Lo    *IndexBound
	Hi    *IndexBound
}

// IndexBound is one end of the range on the column after the Eq columns.
type IndexBound struct {
	Expr      Expr
	Inclusive bool
}

// maxIndexSpans caps how many point lookups the IN lists of one scan
// multiply into; beyond it the scan reads fewer columns of the index.
const maxIndexSpans = 1024

// indexScan turns Filter(col = v, col IN (...), col < v ...) over a Scan of
// a relation with indexes into an index scan, choosing the index whose
// leading columns the conjuncts fix the most.
func indexScan(n Node) (Node, bool) {
	f, ok := n.(*Filter)
	if !ok {
		return nil, false
	}
	s, ok := f.Input.(*Scan)
	if !ok || s.Key != nil || s.Index != nil || len(s.Indexes) == 0 {
		return nil, false
	}
	conj := conjuncts(f.Pred)
	var best *IndexRange
	var bestUsed []bool
	bestScore := 0
	for _, ix := range s.Indexes {
		r, used := matchIndex(s.Rel, ix, conj)
		score := 2 * len(r.Eq)
		if r.Lo != nil || r.Hi != nil {
			score++
		}
		if score > bestScore {
			best, bestUsed, bestScore = r, used, score
		}
	}
	if best == nil {
		return nil, false
	}
	var rest []Expr
	for ci, c := range conj {
		if !bestUsed[ci] {
			rest = append(rest, c)
		}
	}
	scan := *s
	scan.Index = best
	if len(rest) == 0 {
		return &scan, true
	}
	return &Filter{Input: &scan, Pred: conjoin(rest)}, true
}

// matchIndex finds the conjuncts an index can answer: equalities (or IN
// lists) on a prefix of its columns, then bounds on the next one.
func matchIndex(rel *catalog.Relation, ix *catalog.Relation, conj []Expr) (*IndexRange, []bool) {
	r := &IndexRange{Index: ix}
	used := make([]bool, len(conj))
	spans := 1
	pos := 0
	for ; pos < len(ix.IndexColumns); pos++ {
		col := ix.IndexColumns[pos]
		kind := rel.Columns[col].Type.Kind()
		var vals []Expr
		for ci, c := range conj {
			if used[ci] {
				continue
			}
			if v, ok := keyEquality(c, col); ok && indexValue(v, kind) {
				vals, used[ci] = []Expr{v}, true
				break
			}
			if l, ok := inListOf(c, col, kind); ok && spans*len(l) <= maxIndexSpans {
				vals, used[ci] = l, true
				break
			}
		}
		if vals == nil {
			break
		}
		spans *= len(vals)
		r.Eq = append(r.Eq, vals)
	}
	if pos < len(ix.IndexColumns) {
		col := ix.IndexColumns[pos]
		if kind := rel.Columns[col].Type.Kind(); ordered(kind) {
			for ci, c := range conj {
				if used[ci] {
					continue
				}
				op, v, ok := columnBound(c, col, kind)
				if !ok {
					continue
				}
				b := &IndexBound{Expr: v, Inclusive: op == OpGe || op == OpLe}
				switch {
				case (op == OpGt || op == OpGe) && r.Lo == nil:
					r.Lo, used[ci] = b, true
				case (op == OpLt || op == OpLe) && r.Hi == nil:
					r.Hi, used[ci] = b, true
				}
			}
		}
	}
	return r, used
}

// inListOf matches col IN (v, ...) with every v independent of the row.
func inListOf(e Expr, col int, kind sql.Kind) ([]Expr, bool) {
	in, ok := e.(*InList)
	if !ok || in.Not || !isColumn(in.Input, col) {
		return nil, false
	}
	for _, v := range in.List {
		if !indexValue(v, kind) {
			return nil, false
		}
	}
	return in.List, true
}

// columnBound matches col < v, v >= col and the like, returning the
// operator as seen from the column.
func columnBound(e Expr, col int, kind sql.Kind) (Op, Expr, bool) {
	b, ok := e.(*BinOp)
	if !ok || (b.Op != OpLt && b.Op != OpLe && b.Op != OpGt && b.Op != OpGe) {
		return 0, nil, false
	}
	if isColumn(b.L, col) && indexValue(b.R, kind) {
		return b.Op, b.R, true
	}
	if isColumn(b.R, col) && indexValue(b.L, kind) {
		return b.Op.Commute(), b.L, true
	}
	return 0, nil, false
}

// indexValue: a constant or parameter (possibly cast) of the column's
// kind, whose key encoding then compares as the column's values do. Outer
// references are left to the Filter, so that decorrelation, which turns
// them into join keys, never meets them inside a scan.
func indexValue(e Expr, kind sql.Kind) bool {
	if e.Type().Kind() != kind {
		return false
	}
	for {
		switch x := e.(type) {
		case *Const, *Param:
			return true
		case *Cast:
			e = x.Input
		default:
			return false
		}
	}
}

// ordered reports whether the key encoding of a kind orders its values as
// SQL does (jsonb's and arrays' keys serve equality only).
func ordered(k sql.Kind) bool {
	switch k {
	case sql.KindJSON, sql.KindArray:
		return false
	}
	return true
}

// describeIndexScan renders an index scan for EXPLAIN as PostgreSQL does:
// the index, the relation and the index condition.
func describeIndexScan(s *Scan) string {
	ix := s.Index
	var conds []string
	name := func(i int) string { return s.Rel.Columns[ix.Index.IndexColumns[i]].Name }
	for i, vals := range ix.Eq {
		if len(vals) == 1 {
			conds = append(conds, name(i)+" = "+FormatExpr(vals[0], nil))
			continue
		}
		conds = append(conds, name(i)+" IN ("+formatList(vals, nil)+")")
	}
	for _, b := range []struct {
		bound  *IndexBound
		op, eq string
	}{{ix.Lo, " > ", " >= "}, {ix.Hi, " < ", " <= "}} {
		if b.bound == nil {
			continue
		}
		op := b.op
		if b.bound.Inclusive {
			op = b.eq
		}
		conds = append(conds, name(len(ix.Eq))+op+FormatExpr(b.bound.Expr, nil))
	}
	return "Index Scan using " + ix.Index.Name + " on " + s.Rel.Name + " (" + strings.Join(conds, " AND ") + ")"
}
