package exec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// Watermarks in a dataflow. Each input declared with WATERMARK FOR col AS
// expr (a source, an APPEND ONLY table) has, in each view that reads it, a
// watermark: the greatest expr over the input rows the view has taken. It
// only grows, and it lives in the view's state, so a restart keeps it.
//
// Between an input's changes and the view's operators, an epoch drops the
// rows whose col is below the watermark as the epoch begins (late rows) and
// counts them (eddy_catalog.eddy_views); then the rows it kept raise the
// watermark. Every view over a watermarked input does this, with or without
// EMIT ON WINDOW CLOSE, so that a view always equals its query run in batch
// over the rows that arrived in time; never over a late row folded in
// after its window was treated as final. A row whose col is NULL is not
// late and does not move the watermark.
//
// Since every row from then on has col >= watermark, the planner can tell,
// for some columns of a plan, below what value their rows are final
// (planner/watermark.go). The dataflow uses that in two places:
//
//   - EMIT ON WINDOW CLOSE: the view's changes go to a buffer in its state,
//     keyed by the closing column, and move to the view's rows when the
//     bound passes them (eowcSink). The view then only grows, each row
//     appearing once its window has closed, and the buffer holds only
//     windows still open.
//   - A keyed operator whose key holds a closing column drops the state of
//     the groups that closed (keyedOp.dropClosed), which no later change
//     can touch.
//
// A new view's first epochs load what its inputs hold when it is created
// (matview.go's load): those rows are all taken as in time, the watermark
// rising over them, and windows start closing only once the load is done
// (endLoad), since the snapshot comes in no particular time order.
type flowWatermarks struct {
	inputs map[uint32]*watermarkInput
	// hold: the view is loading; no row is late and no window closes.
	hold bool
	// closeAtEnd: the epoch is the load's last. Its rows are admitted as
	// the load's (hold), but no load row follows them, so the windows the
	// load passed close at its end, where endLoad's extra epoch would
	// close them. The groups this epoch wrote in those windows then
	// reach the store as deletions only, never as records that the next
	// epoch deletes.
	closeAtEnd bool
	eowc       *eowcSink
	// closers delete the state of stateful operators' closed groups.
	closers []*groupCloser
	// cur holds the epoch's watermarks as read or raised, by input.
	cur map[uint32]sql.Value
}

// watermarkInput is one watermarked input of a view.
type watermarkInput struct {
	rel  *catalog.Relation
	col  int
	expr evalFn
	// key is where the view keeps the input's watermark and late rows.
	key []byte
}

// The view-wide entries of a view's state follow 0xff, past the operators'
// prefixes (flow.go's opPrefix), and one more byte: 0xff viewSink's copy
// counts, 0xfe the sources' offsets (flow_source.go's offsetKey), then
// these.
const (
	stateWatermark = 0xfd // input OID -> row (watermark, late rows)
	stateEOWCBuf   = 0xfc // closing value key, row -> count
	stateEOWCMark  = 0xfb // -> row (bound up to which windows were released)
	stateTopicID   = 0xfa // source OID -> ID of the topic the offsets are in (flow_source.go)
	stateAppendSeq = 0xf9 // -> an append-only view's next row number (flow_append.go)
)

func viewStateKey(view uint32, kind byte) []byte {
	return append(catalog.ObjectPrefix(catalog.PrefixState, view), 0xff, kind)
}

func watermarkKey(view, input uint32) []byte {
	return binary.BigEndian.AppendUint32(viewStateKey(view, stateWatermark), input)
}

// newWatermarks finds the view's watermarked inputs and, for EMIT ON
// WINDOW CLOSE, the column its windows close by. The keyed operators,
// built before, have registered as closers.
func (f *dataflow) newWatermarks(plan planner.Node) error {
	w := f.wm
	w.hold = f.fresh
	for oid := range f.inputs {
		rel := f.e.cat.ByOID(oid)
		if rel == nil || rel.WatermarkColumn == "" {
			continue
		}
		col, x, err := f.e.planner.WatermarkBind(rel)
		if err != nil {
			return fmt.Errorf("WATERMARK of %s: %w", rel.Name, err)
		}
		fn, err := f.rt.compile(x)
		if err != nil {
			return err
		}
		if w.inputs == nil {
			w.inputs = map[uint32]*watermarkInput{}
		}
		w.inputs[oid] = &watermarkInput{rel: rel, col: col, expr: fn, key: watermarkKey(f.rel.OID, oid)}
	}
	if f.rel.EmitOnWindowClose {
		col, b, err := planner.WindowCloseColumn(plan)
		if err != nil {
			return err
		}
		// A hidden closing column (planner.EOWCPlan) is the last; the
		// rows shown go without it.
		w.eowc = &eowcSink{col: col, typ: plan.Columns()[col].Type, bound: b, strip: plan.Columns()[col].Hidden,
			buf: viewStateKey(f.rel.OID, stateEOWCBuf), mark: viewStateKey(f.rel.OID, stateEOWCMark)}
	}
	return nil
}

// endLoad ends a new view's initial load and reports whether one more
// (empty) epoch must run to close the windows the load's rows passed:
// not when the load's last epoch closed them (lastLoadEpoch).
func (f *dataflow) endLoad() bool {
	if f.wm == nil || !f.wm.hold {
		return false
	}
	closed := f.wm.closeAtEnd
	f.wm.hold, f.wm.closeAtEnd = false, false
	return len(f.wm.inputs) > 0 && !closed
}

// lastLoadEpoch marks the next epoch as the load's last: no load row
// comes after its rows, so the windows they pass can close at its end.
func (f *dataflow) lastLoadEpoch() {
	if f.wm != nil && f.wm.hold && len(f.wm.inputs) > 0 {
		f.wm.closeAtEnd = true
	}
}

// begin starts an epoch.
func (w *flowWatermarks) begin() {
	clear(w.cur)
	if w.cur == nil {
		w.cur = map[uint32]sql.Value{}
	}
}

// load reads an input's watermark and late-row count.
func (in *watermarkInput) load(st *stateStore) (sql.Value, int64, error) {
	v, ok, err := st.get(in.key)
	if err != nil || !ok {
		return sql.Null, 0, err
	}
	r, err := sql.DecodeRow(v, nil)
	if err != nil || len(r) != 2 {
		return sql.Null, 0, fmt.Errorf("view state: watermark of %s: corrupt", in.rel.Name)
	}
	return r[0], r[1].Int(), nil
}

// admit returns an input's changes without its late rows, and raises its
// watermark over the rows it keeps.
func (f *dataflow) admit(oid uint32, b *Batch) (*Batch, error) {
	w := f.wm
	in := w.inputs[oid]
	if in == nil {
		return b, nil
	}
	wm, late, err := in.load(f.state)
	if err != nil {
		return nil, err
	}
	next, before := wm, late
	// out is b until a row is dropped, then a copy of what was kept.
	out := b
	rows := b.Rows
	if b.src.keptInTime(w.hold, wm, len(rows)) {
		// The decoders found no row late, and their greatest watermark.
		next, rows = b.src.kept.raise(next), nil
	}
	for i, r := range rows {
		d := b.Diffs[i]
		t := r[in.col]
		if !w.hold && !wm.IsNull() && !t.IsNull() && sql.Compare(t, wm) < 0 {
			late += max(d, -d)
			if out == b {
				out = &Batch{Rows: slices.Clone(b.Rows[:i]), Diffs: slices.Clone(b.Diffs[:i])}
			}
			continue
		}
		if out != b {
			out.Add(r, d)
		}
		if d <= 0 {
			continue
		}
		v, err := in.expr(r)
		if err != nil {
			return nil, fmt.Errorf("WATERMARK of %s: %w", in.rel.Name, err)
		}
		if !v.IsNull() && (next.IsNull() || sql.Compare(v, next) > 0) {
			next = v
		}
	}
	if late, next, err = b.src.admitDropped(w.hold, wm, late, next); err != nil {
		return nil, fmt.Errorf("WATERMARK of %s: %w", in.rel.Name, err)
	}
	if late != before || sql.Compare(next, wm) != 0 {
		f.state.put(in.key, sql.AppendRow(nil, sql.Row{next, sql.NewInt(late)}))
	}
	w.cur[oid] = next
	return out, nil
}

// watermark is an input's watermark in the current epoch.
func (f *dataflow) watermark(oid uint32) (sql.Value, error) {
	if v, ok := f.wm.cur[oid]; ok {
		return v, nil
	}
	in := f.wm.inputs[oid]
	if in == nil {
		return sql.Null, nil
	}
	v, _, err := in.load(f.state)
	if err != nil {
		return sql.Null, err
	}
	f.wm.cur[oid] = v
	return v, nil
}

// boundValue evaluates a bound over the current watermarks: NULL (nothing
// is final) while an input it reads has none. A bound that cannot be
// computed (the window arithmetic overflows at an infinite watermark)
// closes nothing either.
func (f *dataflow) boundValue(b *planner.Bound) (sql.Value, error) {
	least := sql.Null
	for _, t := range b.Terms {
		w, err := f.watermark(t.Input)
		if err != nil || w.IsNull() {
			return sql.Null, err
		}
		v, err := t.Eval(w)
		if err != nil {
			return sql.Null, nil
		}
		if least.IsNull() || sql.Compare(v, least) < 0 {
			least = v
		}
	}
	return least, nil
}

// closeWindows ends an epoch: with EMIT ON WINDOW CLOSE it buffers the
// view's changes and returns the rows of the windows that closed, and it
// drops the closed groups' state. Without EMIT ON WINDOW CLOSE the changes
// pass as they are.
func (f *dataflow) closeWindows(rows []sql.Row, diffs []int64) ([]sql.Row, []int64, error) {
	w := f.wm
	if w.hold && !w.closeAtEnd {
		if w.eowc != nil {
			return w.eowc.apply(f, rows, diffs, sql.Null)
		}
		return rows, diffs, nil
	}
	if w.eowc != nil {
		t, err := f.boundValue(w.eowc.bound)
		if err != nil {
			return nil, nil, err
		}
		if rows, diffs, err = w.eowc.apply(f, rows, diffs, t); err != nil {
			return nil, nil, err
		}
	}
	for _, k := range w.closers {
		t, err := f.boundValue(k.bound)
		if err != nil {
			return nil, nil, err
		}
		if !t.IsNull() {
			if err := k.dropClosed(t); err != nil {
				return nil, nil, err
			}
		}
	}
	return rows, diffs, nil
}

// eowcSink holds back the changes of a view with EMIT ON WINDOW CLOSE
// until their windows close. The buffer is ordered by the closing column,
// so releasing is a range scan from its start; since late input rows are
// dropped, no change reaches a window once it is released.
type eowcSink struct {
	col   int
	typ   sql.Type
	bound *planner.Bound
	strip bool   // the closing column is hidden: released rows drop it
	buf   []byte // closing value (key encoding), row -> count
	mark  []byte // the bound up to which windows were released
}

// errStopScan ends a state scan early.
var errStopScan = errors.New("stop scan")

// apply buffers the changes and returns the rows of the windows below t.
func (s *eowcSink) apply(f *dataflow, rows []sql.Row, diffs []int64, t sql.Value) ([]sql.Row, []int64, error) {
	st := f.state
	last, err := loadBound(st, s.mark)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		v := r[s.col]
		if v.IsNull() {
			continue // in no window, which never closes
		}
		if !last.IsNull() && sql.Compare(v, last) < 0 {
			return nil, nil, fmt.Errorf("view %s: a change reached a window that has closed", f.rel.Name)
		}
		k := sql.AppendRow(sql.AppendKey(slices.Clip(s.buf), v), r)
		var n int64
		if c, ok, err := st.get(k); err != nil {
			return nil, nil, err
		} else if ok {
			n, _ = binary.Varint(c)
		}
		n += diffs[i]
		if n == 0 {
			st.del(k)
		} else {
			st.put(k, binary.AppendVarint(nil, n))
		}
	}
	if t.IsNull() || (!last.IsNull() && sql.Compare(t, last) <= 0) {
		return nil, nil, nil
	}
	var outRows []sql.Row
	var outDiffs []int64
	var done [][]byte
	from := append(slices.Clip(s.buf), 0x01) // NULLs sort first and never close
	err = st.scan(from, func(k, c []byte) error {
		v, rest, err := sql.DecodeKey(k[len(s.buf):], s.typ)
		if err != nil {
			return fmt.Errorf("view state: %w", err)
		}
		if sql.Compare(v, t) >= 0 {
			return errStopScan
		}
		n, _ := binary.Varint(c)
		if n < 0 {
			return fmt.Errorf("view %s: %w: a row was retracted more often than it was added", f.rel.Name, errStateMismatch)
		}
		row, err := sql.DecodeRow(rest, nil)
		if err != nil {
			return fmt.Errorf("view state: %w", err)
		}
		if s.strip {
			row = row[:s.col]
		}
		outRows = append(outRows, row)
		outDiffs = append(outDiffs, n)
		done = append(done, bytes.Clone(k))
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, nil, err
	}
	for _, k := range done {
		st.del(k)
	}
	st.put(s.mark, sql.AppendRow(nil, sql.Row{t}))
	return outRows, outDiffs, nil
}

// loadBound reads a bound kept in the state (NULL when none is).
func loadBound(st *stateStore, key []byte) (sql.Value, error) {
	v, ok, err := st.get(key)
	if err != nil || !ok {
		return sql.Null, err
	}
	r, err := sql.DecodeRow(v, nil)
	if err != nil || len(r) != 1 {
		return sql.Null, fmt.Errorf("view state: corrupt bound")
	}
	return r[0], nil
}

// groupCloser deletes the state of groups whose key has closed: an
// operator keeps each input's (or each kind of) state under prefix + sub +
// the group's key, and the key's value at pos closes once the bound passes
// it (flow_watermark.go's closers).
type groupCloser struct {
	st     *stateStore
	prefix []byte
	subs   [][]byte
	types  [][]sql.Type // per sub: the key's types up to pos
	pos    int
	bound  *planner.Bound
}

// closing returns the closer of an operator whose state keeps, under
// prefix + subs[i], the groups of inputs[i] keyed by keys[i]; nil when its
// groups never close. The closer is registered with the dataflow.
func (f *dataflow) closing(prefix []byte, subs [][]byte, inputs []planner.Node, keys [][]planner.Expr) *groupCloser {
	pos, b := planner.ClosingKey(inputs, keys)
	if pos < 0 {
		return nil
	}
	c := &groupCloser{st: f.state, prefix: prefix, subs: subs, pos: pos, bound: b}
	for i := range subs {
		var ts []sql.Type
		for _, e := range keys[min(i, len(keys)-1)][:pos+1] {
			ts = append(ts, e.Type())
		}
		c.types = append(c.types, ts)
	}
	f.wm.closers = append(f.wm.closers, c)
	return c
}

// dropClosed deletes the state of the groups whose key, at the closing
// position, is below t; it remembers t so that it scans again only when t
// has moved. Groups keyed first by the closing column are a range at the
// start of each sub's state; others take a scan of it.
func (c *groupCloser) dropClosed(t sql.Value) error {
	st := c.st
	mark := append(slices.Clip(c.prefix), 0xff) // past every sub
	last, err := loadBound(st, mark)
	if err != nil {
		return err
	}
	if !last.IsNull() && sql.Compare(t, last) <= 0 {
		return nil
	}
	var done [][]byte
	for i, sub := range c.subs {
		p := append(slices.Clip(c.prefix), sub...)
		from := p
		if c.pos == 0 {
			from = append(slices.Clip(p), 0x01) // NULL keys never close
		}
		err := st.scan(from, func(sk, _ []byte) error {
			rest := sk[len(p):]
			var v sql.Value
			for _, typ := range c.types[i] {
				var err error
				if v, rest, err = sql.DecodeKey(rest, typ); err != nil {
					return fmt.Errorf("view state: %w", err)
				}
			}
			switch {
			case v.IsNull():
			case sql.Compare(v, t) < 0:
				done = append(done, bytes.Clone(sk))
			case c.pos == 0:
				return errStopScan
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopScan) {
			return err
		}
	}
	for _, sk := range done {
		st.del(sk)
	}
	st.put(mark, sql.AppendRow(nil, sql.Row{t}))
	return nil
}
