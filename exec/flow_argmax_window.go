package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// A join of rows with the max (or min) of a TUMBLE window, by value and a
// time range around the window: Nexmark q7's shape,
//
//	SELECT ... FROM x b JOIN (
//	  SELECT max(c) AS m, window_end AS e FROM TUMBLE(x, t, size) GROUP BY window_start, window_end
//	) w ON b.c = w.m WHERE b.t BETWEEN w.e - size AND w.e
//
// Built as written, it is a join keyed by c: every row of x is stored in
// the join's state under its value, though only the rows equal to a
// window's extreme ever join. Over an append-only x a window's extreme
// only moves one way, so a row that falls short of the extreme of every
// window its time reaches can never join: windowMaxOp keeps, per window,
// its extreme and the rows that reach it, and drops the rest as they come.
//
// The row's own window (the one TUMBLE puts it in) is not always the only
// one its time range reaches: q7's BETWEEN is inclusive at both ends, so
// a row at exactly a window's end joins that window too, while its value
// counts for the next window's extreme only. The operator keeps those
// apart: a row raises the extreme of its own window, and joins each window
// whose range holds its time.
//
// State layout under the operator's prefix (new views only, marked by
// windowMaxOption):
//
//	0x00 window-start          -> extreme (a row of one value), then the
//	                              rows that reach it: count, row encoding
//	0x02                       -> the cache's stamp (cache_stamp.go)

// windowMaxOption marks, in a view's options, that its joins of rows with
// a TUMBLE window's extreme run on windowMaxOp; views made before keep
// the join (its state is the join's).
const (
	windowMaxOption  = "window_max"
	windowMaxVersion = "1"
)

// windowMaxStampSub is the sub-prefix of the cache's stamp.
const windowMaxStampSub = 0x02

// windowMaxSpan bounds how many windows a row's time range may reach.
const windowMaxSpan = 8

// windowMaxCacheWindows bounds the windows kept in memory: past it the
// cache starts again, reading windows back from the store as they come.
const windowMaxCacheWindows = 4096

// windowCond is a condition t op (window start or end) + add.
type windowCond struct {
	op  planner.Op
	end bool
	add int64 // microseconds
	// addExpr is the interval added (subtracted when sub), until fixAdds
	// evaluates it into add.
	addExpr planner.Expr
	sub     bool
}

// windowRight says what a right column of the join is.
type windowRight uint8

const (
	windowRightExtreme windowRight = iota
	windowRightStart
	windowRightEnd
)

// windowMax is what windowMaxShape finds.
type windowMax struct {
	max          bool
	arg, time    int // left columns
	size, offset int64
	tz           bool
	conds        []windowCond
	right        []windowRight
	// kLo..kHi bound the windows, counted from the row's own, that the
	// conditions can hold.
	kLo, kHi int64
}

// windowMaxShape reports whether n joins rows with a TUMBLE window's
// extreme as above.
func windowMaxShape(n *planner.Join) (windowMax, bool) {
	var w windowMax
	if n.Kind != planner.JoinInner || n.On == nil || len(n.LeftKeys) != 1 {
		return w, false
	}
	rp, ok := n.Right.(*planner.Project)
	if !ok {
		return w, false
	}
	agg, ok := rp.Input.(*planner.Aggregate)
	if !ok || agg.GroupingSets != nil || len(agg.Aggs) != 1 || len(agg.Group) == 0 {
		return w, false
	}
	a := agg.Aggs[0]
	if (a.Func.Name != "max" && a.Func.Name != "min") || len(a.Args) != 1 || a.Filter != nil || len(a.Order) != 0 {
		return w, false
	}
	w.max = a.Func.Name == "max"
	if t := a.Args[0].Type(); !keyOrdered(t) || !keyExact(t) {
		return w, false
	}
	ip, ok := agg.Input.(*planner.Project)
	if !ok {
		return w, false
	}
	// x's columns as the left side has them.
	toLeft := func(e planner.Expr) (int, bool) {
		c, ok := e.(*planner.ColRef)
		if !ok {
			return 0, false
		}
		if samePlan(n.Left, ip.Input) {
			return c.Idx, true
		}
		if lp, ok := n.Left.(*planner.Project); ok && samePlan(lp.Input, ip.Input) {
			return findExpr(lp.Exprs, c)
		}
		return 0, false
	}
	// The aggregated value.
	ac, ok := a.Args[0].(*planner.ColRef)
	if !ok || ac.Idx >= len(ip.Exprs) {
		return w, false
	}
	if w.arg, ok = toLeft(ip.Exprs[ac.Idx]); !ok {
		return w, false
	}
	// The groups: TUMBLE's start or end, of one time column and window.
	var ts planner.Expr
	var size, offset sql.Value
	kinds := make([]windowRight, len(agg.Group))
	for i, g := range agg.Group {
		gc, ok := g.(*planner.ColRef)
		if !ok || gc.Idx >= len(ip.Exprs) {
			return w, false
		}
		call, ok := ip.Exprs[gc.Idx].(*planner.Call)
		if !ok || len(call.Args) != 3 {
			return w, false
		}
		switch call.Fn.Name {
		case "eddy_tumble_start":
			kinds[i] = windowRightStart
		case "eddy_tumble_end":
			kinds[i] = windowRightEnd
		default:
			return w, false
		}
		sc, ok1 := call.Args[1].(*planner.Const)
		oc, ok2 := call.Args[2].(*planner.Const)
		if !ok1 || !ok2 || sc.Val.IsNull() || oc.Val.IsNull() {
			return w, false
		}
		if ts == nil {
			ts, size, offset = call.Args[0], sc.Val, oc.Val
		} else if !samePlan(ts, call.Args[0]) || sql.Compare(size, sc.Val) != 0 || sql.Compare(offset, oc.Val) != 0 {
			return w, false
		}
	}
	switch ts.Type().OID {
	case sql.OIDTimestamp:
	case sql.OIDTimestampTZ:
		w.tz = true
	default:
		return w, false
	}
	if w.time, ok = toLeft(ts); !ok {
		return w, false
	}
	var err error
	if w.size, err = builtin.WindowLength("window size", size.Interval(), true); err != nil {
		return w, false
	}
	if w.offset, err = builtin.WindowLength("window offset", offset.Interval(), false); err != nil {
		return w, false
	}
	// The right columns.
	for _, e := range rp.Exprs {
		c, ok := e.(*planner.ColRef)
		switch {
		case !ok || c.Idx > len(agg.Group):
			return w, false
		case c.Idx == len(agg.Group):
			w.right = append(w.right, windowRightExtreme)
		default:
			w.right = append(w.right, kinds[c.Idx])
		}
	}
	// The equi-join: the row's value equals the extreme.
	l, ok1 := n.LeftKeys[0].(*planner.ColRef)
	r, ok2 := n.RightKeys[0].(*planner.ColRef)
	if !ok1 || !ok2 || l.Idx != w.arg || r.Idx >= len(w.right) || w.right[r.Idx] != windowRightExtreme {
		return w, false
	}
	// ON: bounds on the row's time around the window.
	lw := len(n.Left.Columns())
	conj := []planner.Expr{n.On}
	if and, ok := n.On.(*planner.And); ok {
		conj = and.Args
	}
	for _, e := range conj {
		c, ok := windowBound(e, w.time, lw, w.right)
		if !ok {
			return w, false
		}
		w.conds = append(w.conds, c)
	}
	return w, true
}

// fixAdds evaluates the conditions' intervals and works out the windows
// they reach; ok is false unless each is of a fixed length (a day is not
// 24 hours across a time zone's change, nor a month any length at all)
// and the windows are few.
func (w *windowMax) fixAdds(rt *runtime) (bool, error) {
	for i := range w.conds {
		c := &w.conds[i]
		if c.addExpr == nil {
			continue
		}
		fn, err := rt.compile(c.addExpr)
		if err != nil {
			return false, err
		}
		v, err := fn(nil)
		if err != nil || v.IsNull() {
			return false, nil
		}
		iv := v.Interval()
		if iv.Months != 0 || iv.Days != 0 || iv.Micros > windowMaxAdd || iv.Micros < -windowMaxAdd {
			return false, nil
		}
		c.add = iv.Micros
		if c.sub {
			c.add = -c.add
		}
	}
	return w.span(), nil
}

// windowBound reads a condition t op (start or end) [± interval], t the
// left column time, into a windowCond.
func windowBound(e planner.Expr, time, lw int, right []windowRight) (windowCond, bool) {
	var c windowCond
	b, ok := e.(*planner.BinOp)
	if !ok {
		return c, false
	}
	op, l, r := b.Op, b.L, b.R
	if lc, ok := l.(*planner.ColRef); !ok || lc.Idx != time {
		op, l, r = op.Commute(), r, l
	}
	if lc, ok := l.(*planner.ColRef); !ok || lc.Idx != time {
		return c, false
	}
	switch op {
	case planner.OpLt, planner.OpLe, planner.OpGt, planner.OpGe:
	default:
		return c, false
	}
	c.op = op
	if a, ok := r.(*planner.BinOp); ok && (a.Op == planner.OpAdd || a.Op == planner.OpSub) {
		// An interval literal (a cast of one), which windowMaxJoin
		// evaluates as the join would.
		k := a.R
		if cast, ok := k.(*planner.Cast); ok {
			k = cast.Input
		}
		if _, ok := k.(*planner.Const); !ok || a.R.Type().OID != sql.OIDInterval {
			return c, false
		}
		c.addExpr, c.sub = a.R, a.Op == planner.OpSub
		r = a.L
	}
	rc, ok := r.(*planner.ColRef)
	if !ok || rc.Idx < lw || rc.Idx-lw >= len(right) || right[rc.Idx-lw] == windowRightExtreme {
		return c, false
	}
	c.end = right[rc.Idx-lw] == windowRightEnd
	return c, true
}

// windowMaxAdd bounds the intervals added to a window's bounds (about 100
// years), far from overflowing a timestamp's microseconds.
const windowMaxAdd = 100 * 366 * 24 * 3600 * 1e6

// span works out which windows, counted from a row's own (k = 0, the one
// starting at s0 <= t < s0 + size), the conditions can hold: it needs a
// bound on each side, and few windows between.
func (w *windowMax) span() bool {
	lo, hi, haveLo, haveHi := int64(0), int64(0), false, false
	for _, c := range w.conds {
		e := c.add
		if c.end {
			e += w.size
		}
		switch c.op {
		case planner.OpLe, planner.OpLt:
			// t <= s + e: s >= t - e > s0 - e - size, k*size > -e - size.
			k := floorDiv64(-e, w.size) - 1
			if !haveLo || k > lo {
				lo, haveLo = k, true
			}
		default:
			// t >= s + e: s <= t - e < s0 + size - e, k*size < size - e.
			k := floorDiv64(w.size-e, w.size) + 1
			if !haveHi || k < hi {
				hi, haveHi = k, true
			}
		}
	}
	if !haveLo || !haveHi || hi < lo || hi-lo > windowMaxSpan {
		return false
	}
	w.kLo, w.kHi = lo, hi
	return true
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// holds reports whether the conditions hold for time t and the window
// starting at s.
func (w *windowMax) holds(t, s int64) bool {
	for _, c := range w.conds {
		v := s + c.add
		if c.end {
			v += w.size
		}
		var ok bool
		switch c.op {
		case planner.OpLt:
			ok = t < v
		case planner.OpLe:
			ok = t <= v
		case planner.OpGt:
			ok = t > v
		default:
			ok = t >= v
		}
		if !ok {
			return false
		}
	}
	return true
}

// windowMaxJoin builds windowMaxOp for a join of a new view's that
// windowMaxShape recognizes; ok is false for any other.
func (f *dataflow) windowMaxJoin(rt *runtime, n *planner.Join) (Operator, bool, error) {
	if f.rel.Options[windowMaxOption] != windowMaxVersion || !appendOnly(n.Left, noViews) {
		return nil, false, nil
	}
	w, ok := windowMaxShape(n)
	if !ok {
		return nil, false, nil
	}
	if ok, err := w.fixAdds(rt); !ok || err != nil {
		return nil, false, err
	}
	op := &windowMaxOp{rt: rt, w: w, prefix: f.opPrefix(), stamp: newCacheStamp(), wins: map[int64]*windowState{}}
	op.stampKey = append(slices.Clip(op.prefix), windowMaxStampSub)
	var err error
	if op.in, err = rt.build(n.Left); err != nil {
		return nil, true, err
	}
	return op, true, nil
}

// windowMaxOp maintains a join that windowMaxShape recognized, over an
// append-only left side.
type windowMaxOp struct {
	rt       *runtime
	in       Operator
	w        windowMax
	prefix   []byte
	stampKey []byte
	// wins caches windows' states between epochs; the stamp tells whether
	// the epochs that filled it took effect.
	stamp  cacheStamp
	wins   map[int64]*windowState
	out    Operator
	outGen uint64
	kbuf   []byte
}

// windowState is a window's extreme and the rows that reach it.
type windowState struct {
	ext  sql.Value // NULL: no row of the window has a value yet
	rows []windowRow
	// As the epoch found it: its output rows are the old ones. touched
	// marks the epoch's first change.
	touched bool
	oldExt  sql.Value
	oldRows []windowRow
	pruned  int // rows when last pruned
}

// windowRow is a row that reaches (or passes) its window's extreme.
type windowRow struct {
	row   sql.Row
	arg   sql.Value
	count int64
}

func (o *windowMaxOp) Next(ctx context.Context) (*Batch, error) {
	if gen := o.rt.flow.state.gen; o.out == nil || o.outGen != gen {
		b, err := o.epoch(ctx)
		if err != nil {
			return nil, err
		}
		o.out, o.outGen = newDiffOp(b), gen
	}
	b, err := o.out.Next(ctx)
	if b == nil || err != nil {
		o.out = nil
	}
	return b, err
}

func (o *windowMaxOp) epoch(ctx context.Context) (Batch, error) {
	w := &o.w
	begun := false
	var touched []int64
	// get returns a window's state, read from the store at its first
	// change in the epoch if the cache lacks it.
	get := func(s int64) (*windowState, error) {
		if !begun {
			begun = true
			keep, err := o.stamp.advance(o.rt.flow.state, o.stampKey)
			if err != nil {
				return nil, err
			}
			if !keep || len(o.wins) > windowMaxCacheWindows {
				clear(o.wins)
			}
		}
		ws := o.wins[s]
		if ws == nil {
			var err error
			if ws, err = o.load(s); err != nil {
				return nil, err
			}
			o.wins[s] = ws
		}
		if !ws.touched {
			ws.touched = true
			ws.oldExt, ws.oldRows = ws.ext, slices.Clone(ws.rows)
			touched = append(touched, s)
		}
		return ws, nil
	}
	var last *windowState
	lastS := int64(0)
	err := drain(ctx, o.in, func(r sql.Row, d int64) error {
		tv, arg := r[w.time], r[w.arg]
		if tv.IsNull() || arg.IsNull() {
			return nil // in no window, or equal to no extreme
		}
		if d < 0 {
			return fmt.Errorf("view state: %w: a row was retracted from an append-only input", errStateMismatch)
		}
		t := tv.Int()
		s0, err := builtin.TumbleStart(t, w.size, w.offset)
		if err != nil {
			return err
		}
		for k := w.kLo; k <= w.kHi; k++ {
			s := s0 + k*w.size
			own := k == 0
			if !own && !w.holds(t, s) {
				continue
			}
			var ws *windowState
			if last != nil && lastS == s {
				ws = last
			} else {
				if ws, err = get(s); err != nil {
					return err
				}
				last, lastS = ws, s
			}
			if own && (ws.ext.IsNull() || o.beyond(arg, ws.ext)) {
				ws.ext = arg
				if len(ws.rows) > 2*ws.pruned+16 {
					o.prune(ws)
				}
			}
			if (own && !w.holds(t, s)) || (!ws.ext.IsNull() && o.beyond(ws.ext, arg)) {
				continue
			}
			ws.rows = append(ws.rows, windowRow{row: r, arg: arg, count: d})
		}
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	slices.Sort(touched)
	var cs changeSet
	for _, s := range touched {
		ws := o.wins[s]
		ws.touched = false
		o.prune(ws)
		o.emit(&cs, s, ws.oldExt, ws.oldRows, -1)
		o.emit(&cs, s, ws.ext, ws.rows, 1)
		ws.oldRows = nil
		o.rt.flow.state.put(o.windowKey(s), o.encode(ws))
	}
	rows, diffs := cs.result()
	return Batch{Rows: rows, Diffs: diffs}, nil
}

// beyond reports whether a passes b in the extreme's direction.
func (o *windowMaxOp) beyond(a, b sql.Value) bool {
	c := sql.Compare(a, b)
	if o.w.max {
		return c > 0
	}
	return c < 0
}

// prune drops the rows that fall short of the window's extreme, and merges
// equal rows.
func (o *windowMaxOp) prune(ws *windowState) {
	kept := ws.rows[:0]
	var idx map[string]int
	var buf []byte
	for _, r := range ws.rows {
		if !ws.ext.IsNull() && o.beyond(ws.ext, r.arg) {
			continue
		}
		buf = sql.AppendRow(buf[:0], r.row)
		if idx == nil {
			idx = map[string]int{}
		}
		if i, ok := idx[string(buf)]; ok {
			kept[i].count += r.count
			continue
		}
		idx[string(buf)] = len(kept)
		kept = append(kept, r)
	}
	clear(ws.rows[len(kept):])
	ws.rows = kept
	ws.pruned = len(kept)
}

// emit adds the join's rows of a window, with extreme ext and rows rows,
// at diff d.
func (o *windowMaxOp) emit(cs *changeSet, s int64, ext sql.Value, rows []windowRow, d int64) {
	if ext.IsNull() {
		return
	}
	for _, r := range rows {
		if sql.Compare(r.arg, ext) != 0 {
			continue
		}
		out := make(sql.Row, len(r.row), len(r.row)+len(o.w.right))
		copy(out, r.row)
		for _, c := range o.w.right {
			switch c {
			case windowRightExtreme:
				out = append(out, ext)
			case windowRightStart:
				out = append(out, o.timestamp(s))
			default:
				out = append(out, o.timestamp(s+o.w.size))
			}
		}
		cs.add(out, d*r.count)
	}
}

func (o *windowMaxOp) timestamp(us int64) sql.Value {
	if o.w.tz {
		return sql.NewTimestampTZ(us)
	}
	return sql.NewTimestamp(us)
}

func (o *windowMaxOp) windowKey(s int64) []byte {
	k := append(slices.Clip(o.prefix), 0x00)
	o.kbuf = sql.AppendKey(o.kbuf[:0], sql.NewInt(s))
	return append(k, o.kbuf...)
}

// encode writes a window's state: its extreme, then its rows.
func (o *windowMaxOp) encode(ws *windowState) []byte {
	buf := appendBytes(nil, sql.AppendRow(nil, sql.Row{ws.ext}))
	for _, r := range ws.rows {
		buf = binary.AppendVarint(buf, r.count)
		buf = appendBytes(buf, sql.AppendRow(nil, r.row))
	}
	return buf
}

// load reads a window's state from the store (empty when it has none).
func (o *windowMaxOp) load(s int64) (*windowState, error) {
	ws := &windowState{}
	v, ok, err := o.rt.flow.state.get(o.windowKey(s))
	if err != nil || !ok {
		return ws, err
	}
	rd := &stateReader{b: v}
	ext, err := sql.DecodeRow(rd.bytes(), nil)
	if rd.err != nil || err != nil || len(ext) != 1 {
		return nil, fmt.Errorf("view state: window extreme: %w", errStateCorrupt)
	}
	ws.ext = ext[0]
	for len(rd.b) > 0 {
		n := rd.varint()
		enc := rd.bytes()
		if rd.err != nil || n <= 0 {
			return nil, errStateCorrupt
		}
		row, err := sql.DecodeRow(bytes.Clone(enc), nil)
		if err != nil {
			return nil, fmt.Errorf("view state: %w", err)
		}
		if o.w.arg >= len(row) {
			return nil, errStateCorrupt
		}
		ws.rows = append(ws.rows, windowRow{row: row, arg: row[o.w.arg], count: n})
	}
	ws.pruned = len(ws.rows)
	return ws, nil
}
