package exec

import (
	"reflect"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Which windows windowFlowOp (flow_window.go) maintains, and building it.

// windowOpOption marks, in a view's options, a view created to maintain
// the windows that windowShape accepts with windowFlowOp. Views created before
// keep keyedOp's state layout for their windows, so they plan as before.
const (
	windowOpOption  = "eddy_window_op"
	windowOpVersion = "1"
)

// maxWindowOffset bounds the offsets of lag and lead that windowFlowOp takes:
// it reads that many rows around a change, where keyedOp reads the
// partition whatever the offset.
const maxWindowOffset = 1000

// windowOps reports whether the view was created with windowFlowOp.
func (f *dataflow) windowOps() bool {
	return f.rel.Options[windowOpOption] == windowOpVersion
}

// windowShape reports whether windowFlowOp maintains n: every call shares one
// PARTITION BY and one non-empty ORDER BY over ordered key types, and is
// row_number, rank, dense_rank, lag or lead with a constant offset, or
// count, sum, avg, min or max over the frame from the partition's start to
// the current row (or its last peer). Each output row then depends only on
// the rows before it and a bounded number after it, so a change needs only
// the suffix of its partition from the change on.
func windowShape(n *planner.Window) bool {
	if len(n.Calls) == 0 || ordered(n.Input) {
		return false
	}
	c0 := n.Calls[0]
	if len(c0.Order) == 0 {
		return false
	}
	for _, k := range c0.Order {
		if !keyOrdered(k.Expr.Type()) {
			return false
		}
	}
	for _, e := range c0.Partition {
		if !keyOrdered(e.Type()) {
			return false
		}
	}
	for _, c := range n.Calls {
		if !reflect.DeepEqual(c.Partition, c0.Partition) || !reflect.DeepEqual(c.Order, c0.Order) {
			return false
		}
		if !windowCallShape(c) {
			return false
		}
	}
	return true
}

func windowCallShape(c planner.WindowCall) bool {
	if c.Agg == nil {
		if c.Filter != nil {
			return false
		}
		switch c.Func {
		case "row_number", "rank", "dense_rank":
			return len(c.Args) == 0
		case "lag", "lead":
			if len(c.Args) < 1 || len(c.Args) > 3 {
				return false
			}
			if len(c.Args) > 1 {
				off, ok := constInt(c.Args[1])
				return ok && off >= 0 && off <= maxWindowOffset
			}
			return true
		}
		return false
	}
	if fr := c.Frame; fr != nil {
		if fr.Groups || fr.StartKind != planner.UnboundedPreceding || fr.EndKind != planner.CurrentRow ||
			fr.Exclude != planner.ExcludeNoOthers {
			return false
		}
	}
	switch c.Agg.Name {
	case "count":
		return len(c.Args) <= 1
	case "sum", "avg":
		if len(c.Args) != 1 {
			return false
		}
		switch c.Args[0].Type().Kind() {
		case sql.KindInt, sql.KindNumeric, sql.KindFloat, sql.KindInterval:
			return true
		}
	case "min", "max":
		// Equal values are then identical, so which of them a running
		// extreme shows does not matter.
		return len(c.Args) == 1 && keyExact(c.Args[0].Type())
	}
	return false
}

// windowCallOffset is the constant offset of a lag or lead call.
func windowCallOffset(c planner.WindowCall) int {
	if len(c.Args) > 1 {
		off, _ := constInt(c.Args[1])
		return int(off)
	}
	return 1
}
