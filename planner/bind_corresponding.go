package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
)

// correspondingOperand recognizes the dialect layer's form of a set
// operation's right operand with CORRESPONDING [BY (cols)]:
// SELECT * FROM (operand) AS "eddy_corresponding<sep>c1<sep>c2". It returns
// the operand, the BY list (nil without BY) and whether sel is one.
func correspondingOperand(sel ast.Node) (ast.ResultSetNode, []string, bool) {
	s, ok := sel.(*ast.SelectStmt)
	if !ok || s.From == nil || s.From.TableRefs == nil || s.From.TableRefs.Right != nil || s.Where != nil {
		return nil, nil, false
	}
	ts, ok := s.From.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil, nil, false
	}
	name := ts.AsName.O
	if name != sql.CorrespondingAlias && !strings.HasPrefix(name, sql.CorrespondingAlias+aliasSep) {
		return nil, nil, false
	}
	var by []string
	if name != sql.CorrespondingAlias {
		by = strings.Split(strings.TrimPrefix(name, sql.CorrespondingAlias+aliasSep), aliasSep)
	}
	return ts.Source, by, true
}

// corresponding projects the operands of a set operation with
// CORRESPONDING onto the columns they match by name: those of BY in its
// order, or else the left's columns that the right also has, in the left's
// order (SQL:2016 7.17; PostgreSQL has no CORRESPONDING).
func corresponding(kind SetOpKind, by []string, l, r Node) (Node, Node, error) {
	op := strings.ToUpper(kind.String())
	index := func(cols []Column, side string) (map[string]int, error) {
		m := make(map[string]int, len(cols))
		for i, c := range cols {
			if _, dup := m[c.Name]; dup {
				return nil, sql.Errorf(sql.CodeSyntaxError, "column name %q appears more than once in the %s side of %s CORRESPONDING", c.Name, side, op)
			}
			m[c.Name] = i
		}
		return m, nil
	}
	lc, rc := l.Columns(), r.Columns()
	lm, err := index(lc, "left")
	if err != nil {
		return nil, nil, err
	}
	rm, err := index(rc, "right")
	if err != nil {
		return nil, nil, err
	}
	names := by
	if names == nil {
		for _, c := range lc {
			if _, ok := rm[c.Name]; ok {
				names = append(names, c.Name)
			}
		}
		if len(names) == 0 {
			return nil, nil, sql.Errorf(sql.CodeSyntaxError, "%s CORRESPONDING needs a column name that both sides have", op)
		}
	}
	seen := map[string]bool{}
	var lx, rx []int
	for _, n := range names {
		li, lok := lm[n]
		ri, rok := rm[n]
		if !lok || !rok {
			return nil, nil, sql.Errorf(sql.CodeUndefinedColumn, "column name %q in CORRESPONDING BY is not found in a side of the %s", n, op)
		}
		if seen[n] {
			return nil, nil, sql.Errorf(sql.CodeSyntaxError, "column name %q appears more than once in CORRESPONDING BY", n)
		}
		seen[n] = true
		lx, rx = append(lx, li), append(rx, ri)
	}
	return pick(l, lx), pick(r, rx), nil
}

// pick projects n onto its columns idx, or returns n if that is all of them
// in order.
func pick(n Node, idx []int) Node {
	cols := n.Columns()
	if len(idx) == len(cols) {
		same := true
		for i, j := range idx {
			same = same && i == j
		}
		if same {
			return n
		}
	}
	exprs := make([]Expr, len(idx))
	out := make([]Column, len(idx))
	for i, j := range idx {
		exprs[i] = &ColRef{Idx: j, Typ: cols[j].Type}
		out[i] = cols[j]
	}
	return &Project{Input: n, Exprs: exprs, Cols: out}
}
