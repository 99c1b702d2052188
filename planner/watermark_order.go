package planner

// Bounds through operators ordered by a bounded column (RisingWave's
// watermark forwarding through TopN and OVER windows, which lets EMIT ON
// WINDOW CLOSE take their output). Every row that can still come has the
// column at or above the bound, so in an ascending order with NULLs last
// it comes after every row whose column is below the bound. A row below
// the bound keeps its place in the TopN and its rank, and a window frame
// that ends at the current row or before it sees no new row.

// topNOrderBound returns the output column of a Limit over a Sort whose
// first key is that column ascending with NULLs last: a row below the
// column's bound that is in the top N stays there (the rows that come sort
// after it), and one that is not never enters. It returns -1 otherwise.
func topNOrderBound(n *Limit) int {
	s, ok := n.Input.(*Sort)
	if !ok || len(s.Keys) == 0 {
		return -1
	}
	return ascColumn(s.Keys[0])
}

// windowOrderBound returns the column that every call of n orders by first,
// ascending with NULLs last, when no call looks past the current row's
// peers: ranking by position (row_number, rank, dense_rank, lag) or a frame
// that ends at the current row or before it. A row below the column's bound
// then keeps its values, as the rows that come sort after it. It returns -1
// otherwise (lead, ntile, percent_rank and cume_dist see later rows, and so
// does a frame with FOLLOWING).
func windowOrderBound(n *Window) int {
	col := -1
	for _, c := range n.Calls {
		if len(c.Order) == 0 {
			return -1
		}
		i := ascColumn(c.Order[0])
		if i < 0 || (col >= 0 && i != col) {
			return -1
		}
		col = i
		switch c.Func {
		case "row_number", "rank", "dense_rank", "lag":
			continue
		case "lead", "ntile", "percent_rank", "cume_dist":
			return -1
		}
		// first_value, last_value, nth_value and aggregates read the frame.
		if f := c.Frame; f != nil && f.EndKind != CurrentRow && f.EndKind != Preceding {
			return -1
		}
	}
	return col
}

// ascColumn is the input column of an ascending, NULLs-last sort key on a
// plain column, or -1.
func ascColumn(k SortKey) int {
	c, ok := k.Expr.(*ColRef)
	if !ok || k.Desc || k.NullsFirst {
		return -1
	}
	return c.Idx
}
