package exec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A view without a primary key whose rows can be retracted stores each
// copy of a row under the whole encoded row and a copy number, and the
// number of copies beside it (viewSink.apply): every output change reads
// the count, and every row's key is as long as the row. A TopN view (a
// row_number() window under a filter keeping rn <= N, flow_topn.go) has a
// key the planner does not see: its partition columns and its row number,
// or the partition columns alone when N is 1. Views created since
// keyedRowsOption existed, when their query has such a key among its
// output columns, store one row per key under
//
//	rows prefix + AppendKey(key columns...) -> sql.AppendRow(row)
//
// which every reader of view rows understands already, since they read
// the rows from the values (the rows of a primary-keyed view are laid out
// so). An epoch's consolidated changes hold, per key, at most one
// retraction and one insertion (the view's contents before and after are
// both unique on the key), so the sink applies every retraction of the
// epoch as a blind delete before any insertion as a blind put: a key whose
// row was replaced ends with the new row, whatever order the changes came
// in, and no write reads what is stored.

// keyedRowsOption marks, in a view's descriptor, a view whose rows are
// stored under the listed output columns (comma-separated indexes); views
// created before it keep the copy-count layout.
const keyedRowsOption = "keyed_rows"

// keyedLayout chooses the rows layout of a view that is neither keyed by
// the planner nor append-only: fresh views derive a key from their plan
// and record it; existing ones read what they recorded.
func (v *viewSink) keyedLayout(fresh bool, plan planner.Node, topN map[*planner.Window]int64) error {
	if v.rel.Kind != catalog.KindMatView || v.rel.PrimaryKey != nil {
		return nil
	}
	if fresh {
		key := topNViewKey(plan, topN)
		if key == nil {
			return nil
		}
		parts := make([]string, len(key))
		for i, c := range key {
			parts[i] = strconv.Itoa(c)
		}
		if v.rel.Options == nil {
			v.rel.Options = map[string]string{}
		}
		v.rel.Options[keyedRowsOption] = strings.Join(parts, ",")
	}
	s, ok := v.rel.Options[keyedRowsOption]
	if !ok {
		return nil
	}
	key, err := parseKeyedRows(s, len(v.rel.Columns))
	if err != nil {
		return fmt.Errorf("view %s: %w", v.rel.Name, err)
	}
	v.keyCols = key
	return nil
}

func parseKeyedRows(s string, width int) ([]int, error) {
	var key []int
	for _, p := range strings.Split(s, ",") {
		c, err := strconv.Atoi(p)
		if err != nil || c < 0 || c >= width {
			return nil, sql.Errorf(sql.CodeDataCorrupted, "bad %s option %q", keyedRowsOption, s)
		}
		key = append(key, c)
	}
	return key, nil
}

// topNViewKey finds output columns of plan that no two of its rows share
// because of a TopN that topNOp maintains (topN, from topNShapes): the
// partition columns and the row number, passed up unchanged through
// Projects and Filters. It returns nil when it finds none.
func topNViewKey(plan planner.Node, topN map[*planner.Window]int64) []int {
	switch n := plan.(type) {
	case *planner.Project:
		in := topNViewKey(n.Input, topN)
		if in == nil {
			return nil
		}
		key := make([]int, 0, len(in))
		for _, c := range in {
			found := -1
			for j, e := range n.Exprs {
				if r, ok := e.(*planner.ColRef); ok && r.Idx == c {
					found = j
					break
				}
			}
			if found < 0 {
				return nil
			}
			key = append(key, found)
		}
		return key
	case *planner.Filter:
		if key := topNFilterKey(n, topN); key != nil {
			return key
		}
		return topNViewKey(n.Input, topN)
	}
	return nil
}

// topNFilterKey is the key of a filter over a TopN window, in the filter's
// columns: the partition columns and the row number, whose column may be
// left out when the filter keeps one row per partition.
func topNFilterKey(f *planner.Filter, topN map[*planner.Window]int64) []int {
	w, rn := windowBelow(f.Input)
	if w == nil {
		return nil
	}
	keep, ok := topN[w]
	if !ok {
		return nil
	}
	// The window's columns: its input's, then the row number.
	width := len(w.Input.Columns())
	cols := w.Input.Columns()
	var key []int
	for _, p := range w.Calls[0].Partition {
		r, ok := p.(*planner.ColRef)
		if !ok || r.Idx >= width || !keyIdentity(cols[r.Idx].Type) {
			return nil
		}
		key = append(key, r.Idx)
	}
	if keep > 1 {
		key = append(key, width)
	}
	// Up through the Projects between the window and the filter.
	var projs []*planner.Project
	for n := f.Input; ; {
		p, ok := n.(*planner.Project)
		if !ok {
			break
		}
		projs = append(projs, p)
		n = p.Input
	}
	for i := len(projs) - 1; i >= 0; i-- {
		for k, c := range key {
			found := -1
			for j, e := range projs[i].Exprs {
				if r, ok := e.(*planner.ColRef); ok && r.Idx == c {
					found = j
					break
				}
			}
			if found < 0 {
				return nil
			}
			key[k] = found
		}
	}
	if keep > 1 && (len(key) == 0 || key[len(key)-1] != rn) {
		return nil
	}
	if len(key) == 0 {
		// One row in all: no column to key it by.
		return nil
	}
	return key
}

// keyIdentity reports whether values of a type that are equal have equal
// key encodings and the reverse, so that a partition is one key.
func keyIdentity(t sql.Type) bool {
	switch t.OID {
	case sql.OIDInt2, sql.OIDInt4, sql.OIDInt8, sql.OIDText, sql.OIDVarchar, sql.OIDName, sql.OIDBool,
		sql.OIDDate, sql.OIDTimestamp, sql.OIDTimestampTZ, sql.OIDUUID, sql.OIDBytea, sql.OIDOid:
		return true
	}
	return false
}

// applyKeyed writes an epoch's consolidated changes to a view keyed by
// keyCols: retractions as blind deletes, then insertions as blind puts.
func (v *viewSink) applyKeyed(st *stateStore, rows []sql.Row, diffs []int64) error {
	indexed := v.idx != nil && len(v.idx.list) > 0
	for pass := int64(-1); pass <= 1; pass += 2 {
		for i, r := range rows {
			d := diffs[i]
			if d != pass && d != -pass {
				return fmt.Errorf("view %s: %w: a key changed %d times at once", v.rel.Name, errStateMismatch, d)
			}
			if d != pass {
				continue
			}
			v.key = append(v.key[:0], v.rows...)
			for _, c := range v.keyCols {
				v.key = sql.AppendKey(v.key, r[c])
			}
			k := st.alloc(len(v.key))
			copy(k, v.key)
			if d < 0 {
				st.del(k)
				if indexed {
					v.idx.del(st, k, r)
				}
				continue
			}
			st.put(k, st.encodeRow(r))
			if indexed {
				v.idx.put(st, k, r)
			}
		}
	}
	return nil
}
