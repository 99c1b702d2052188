package planner

import "github.com/eddysql/eddy/sql"

// EMIT ON WINDOW CLOSE over window functions that look a fixed number of
// rows ahead (a ROWS frame ending k FOLLOWING, lead(x, k)), as RisingWave
// has it: a row is shown once the rows its values need are known. In the
// order of the window's first ORDER BY column c (ascending, NULLs last,
// bounded by a watermark) every row still to come sorts after the rows
// below the bound; so once the k-th row after a row in its partition is
// below the bound, no row can come between them, and the row's values, its
// frame's included, are final. EOWCPlan adds that k-th row's c, lead(c, k),
// as a hidden last column that the view closes by; the view drops it from
// the rows it shows (exec/flow_watermark.go).

// EOWCPlan returns the plan a view with EMIT ON WINDOW CLOSE runs: n
// itself, or, when n has no column a watermark closes but is such a window
// (under projections and filters), n with the hidden closing column.
func EOWCPlan(n Node) Node {
	if _, _, err := WindowCloseColumn(n); err == nil {
		return n
	}
	out, ok := addClosingLead(n)
	if !ok {
		return n
	}
	return out
}

// addClosingLead adds the closing column to the Window under n's
// projections and filters, and passes it up to n's last column.
func addClosingLead(n Node) (Node, bool) {
	switch n := n.(type) {
	case *Filter:
		in, ok := addClosingLead(n.Input)
		if !ok {
			return nil, false
		}
		return &Filter{Input: in, Pred: n.Pred}, true
	case *Project:
		in, ok := addClosingLead(n.Input)
		if !ok {
			return nil, false
		}
		ic := in.Columns()
		last := len(ic) - 1
		exprs := append(append([]Expr(nil), n.Exprs...), &ColRef{Idx: last, Typ: ic[last].Type})
		cols := append(append([]Column(nil), n.Cols...), ic[last])
		return &Project{Input: in, Exprs: exprs, Cols: cols}, true
	case *Window:
		col, k := lookahead(n)
		if col < 0 {
			return nil, false
		}
		in := OutputBounds(n.Input)
		if b := in[col]; b == nil || len(b.Terms) == 0 {
			return nil, false
		}
		ic := n.Input.Columns()
		t := ic[col].Type
		call := WindowCall{Func: "lead", Partition: n.Calls[0].Partition, Type: t, Closes: true,
			Args:  []Expr{&ColRef{Idx: col, Typ: t}, &Const{Val: sql.NewInt(k), Typ: sql.Int4}},
			Order: []SortKey{{Expr: &ColRef{Idx: col, Typ: t}}}}
		calls := append(append([]WindowCall(nil), n.Calls...), call)
		cols := append(append([]Column(nil), n.Cols...), Column{Name: "?window close?", Type: t, Hidden: true})
		return &Window{Input: n.Input, Calls: calls, Cols: cols}, true
	}
	return nil, false
}

// lookahead returns the column every call of n orders by first (ascending,
// NULLs last) and the most rows after the current one that a call reads,
// when all calls share their partition and each reads a fixed number of
// rows ahead; else -1.
func lookahead(n *Window) (int, int64) {
	col, most := -1, int64(0)
	for _, c := range n.Calls {
		if len(c.Order) == 0 || len(c.Partition) != len(n.Calls[0].Partition) {
			return -1, 0
		}
		for j, p := range c.Partition {
			if !exprEqual(p, n.Calls[0].Partition[j]) {
				return -1, 0
			}
		}
		i := ascColumn(c.Order[0])
		if i < 0 || (col >= 0 && i != col) {
			return -1, 0
		}
		col = i
		k := int64(0)
		switch c.Func {
		case "row_number", "rank", "dense_rank", "lag":
		case "lead":
			k = 1
			if len(c.Args) >= 2 {
				o, ok := c.Args[1].(*Const)
				if !ok || o.Val.IsNull() || o.Val.Kind() != sql.KindInt || o.Val.Int() < 0 {
					return -1, 0
				}
				k = o.Val.Int()
			}
		case "ntile", "percent_rank", "cume_dist":
			return -1, 0
		default:
			f := c.Frame
			if f == nil || f.EndKind == CurrentRow || f.EndKind == Preceding {
				break
			}
			// Only a ROWS frame counts its FOLLOWING in rows.
			if !f.Rows || f.EndKind != Following || f.EndOff == nil || f.EndN < 0 {
				return -1, 0
			}
			if _, ok := f.EndOff.(*Const); !ok {
				return -1, 0
			}
			k = f.EndN
		}
		most = max(most, k)
	}
	if most == 0 {
		return -1, 0 // windowOrderBound closes such a window by col itself
	}
	return col, most
}

// closingLead returns the index among n's calls of the closing column
// EOWCPlan added, and the column it leads; c is -1 when there is none.
func closingLead(n *Window) (i, c int) {
	for i, call := range n.Calls {
		if call.Closes {
			if r, ok := call.Args[0].(*ColRef); ok {
				return i, r.Idx
			}
		}
	}
	return 0, -1
}
