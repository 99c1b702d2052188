package exec

import (
	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
)

// sourceColumns finds, for each source a view reads, which of its declared
// columns the view's query (or the source's WATERMARK) reads; a source
// missing from the answer has every column read. The feeds' decoders
// build only those values and only check the others (jsonDecoder.unused),
// so a record is accepted or refused exactly as when every column is read.
// The analysis follows filters and projections down to the scans, and
// counts every column as read under any other node, or where an
// expression holds a subquery (whose outer references are not ColRefs).
func (f *dataflow) sourceColumns() map[uint32][]bool {
	out := map[uint32][]bool{}
	all := map[uint32]bool{}
	var visit func(n planner.Node, need []bool)
	visit = func(n planner.Node, need []bool) {
		switch n := n.(type) {
		case *planner.Scan:
			if n.Rel.Kind != catalog.KindSource || all[n.Rel.OID] {
				return
			}
			if need == nil {
				all[n.Rel.OID] = true
				delete(out, n.Rel.OID)
				return
			}
			read := out[n.Rel.OID]
			if read == nil {
				read = make([]bool, len(n.Rel.Columns))
				out[n.Rel.OID] = read
			}
			for i := range read {
				read[i] = read[i] || (i < len(need) && need[i])
			}
		case *planner.Project:
			visit(n.Input, columnsRead(make([]bool, len(n.Input.Columns())), n.Exprs...))
		case *planner.Filter:
			if need != nil {
				need = columnsRead(padTo(need, len(n.Input.Columns())), n.Pred)
			}
			visit(n.Input, need)
		default:
			for _, c := range n.Children() {
				visit(c, nil)
			}
		}
	}
	visit(f.plan, nil)
	for oid, read := range out {
		rel := f.e.cat.ByOID(oid)
		if rel == nil || rel.WatermarkColumn == "" {
			continue
		}
		col, x, err := f.e.planner.WatermarkBind(rel)
		if err != nil {
			delete(out, oid) // the feed reports the error; decode everything
			continue
		}
		if wm := columnsRead(read, x); wm != nil && col < len(wm) {
			wm[col] = true
			out[oid] = wm
		} else {
			delete(out, oid)
		}
	}
	return out
}

// columnsRead adds to read (one flag per input column, changed in place)
// the columns that exprs read; nil when it cannot tell which.
func columnsRead(read []bool, exprs ...planner.Expr) []bool {
	width := len(read)
	known := true
	for _, e := range exprs {
		planner.Walk(e, func(x planner.Expr) {
			switch x := x.(type) {
			case *planner.ColRef:
				if x.Idx < width {
					read[x.Idx] = true
				} else {
					known = false
				}
			case *planner.Subquery:
				known = false
			case *planner.OuterRef, *planner.Const, *planner.Param, *planner.Cast, *planner.Call,
				*planner.BinOp, *planner.Neg, *planner.BitNot, *planner.And, *planner.Or, *planner.Not,
				*planner.IsNull, *planner.IsBool, *planner.Case, *planner.Coalesce, *planner.MinMax,
				*planner.InList, *planner.Like, *planner.ArrayCmp, *planner.ArrayLit, *planner.RowLit,
				*planner.FieldSelect:
			default:
				// An expression this analysis does not know may read
				// columns in ways it cannot see.
				known = false
			}
		})
	}
	if !known {
		return nil
	}
	return read
}

// padTo returns need as long as width, the columns past its end unread.
func padTo(need []bool, width int) []bool {
	out := make([]bool, width)
	copy(out, need)
	return out
}
