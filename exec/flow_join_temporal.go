package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// temporalJoinOp maintains a process-time temporal join (planner.Join's
// Temporal): each change of the left side (the stream) is joined with the
// right side (the version table) as the right side stands when the change
// arrives; a change of the right side only updates what later left changes
// see. In an epoch the right side's changes apply first, so a new view
// joins the left rows with the right side's rows of its snapshot.
//
// State, under the operator's prefix:
//   - 1, join key, row: a right row's count;
//   - 0, left row (memcomparable), sequence number: d copies of a left
//     row and the right rows (with counts) they were joined with, so that
//     retracting the row retracts exactly what it showed, whatever the
//     right side holds now. An append-only left side keeps none;
//   - 2: the next sequence number.
type temporalJoinOp struct {
	rt        *runtime
	outer     bool // LEFT: a left row that matches nothing shows padded
	ins       [2]Operator
	keys      [2][]evalFn
	asNumeric []bool
	on        evalFn
	lw, rw    int
	prefix    []byte
	// appendOnly: the left side never retracts, so it needs no record.
	appendOnly bool
	out        Operator
	outGen     uint64
	scratch    sql.Row
	kbuf, buf  []byte
}

// temporalMatch is a right row a left row was joined with.
type temporalMatch struct {
	row sql.Row
	enc []byte // the row's stored form
	c   int64
}

func (f *dataflow) temporalJoin(rt *runtime, n *planner.Join) (Operator, error) {
	asNumeric, ok := incrementalJoin(n)
	if !ok {
		return nil, errUnsupported("a temporal join on keys of different kinds")
	}
	t := &temporalJoinOp{rt: rt, outer: n.Kind == planner.JoinLeft, asNumeric: asNumeric, prefix: f.opPrefix(),
		lw: len(n.Left.Columns()), rw: len(n.Right.Columns())}
	var err error
	for side, in := range []planner.Node{n.Left, n.Right} {
		if t.ins[side], err = rt.build(in); err != nil {
			return nil, err
		}
	}
	t.appendOnly = appendOnly(n.Left, noViews)
	if t.keys[0], err = rt.compileAll(n.LeftKeys); err != nil {
		return nil, err
	}
	if t.keys[1], err = rt.compileAll(n.RightKeys); err != nil {
		return nil, err
	}
	if n.On != nil {
		if t.on, err = rt.compile(n.On); err != nil {
			return nil, err
		}
	}
	t.scratch = make(sql.Row, t.lw+t.rw)
	return t, nil
}

func (t *temporalJoinOp) Next(ctx context.Context) (*Batch, error) {
	if gen := t.rt.flow.state.gen; t.out == nil || t.outGen != gen {
		// (Output left by an epoch that failed midway is dropped.)
		b, err := t.epoch(ctx)
		if err != nil {
			return nil, err
		}
		t.out, t.outGen = newDiffOp(b), gen
	}
	b, err := t.out.Next(ctx)
	if b == nil || err != nil {
		t.out = nil
	}
	return b, err
}

// key is a row's join key, or false when part of it is NULL.
func (t *temporalJoinOp) key(side int, r sql.Row) ([]byte, bool, error) {
	k := t.kbuf[:0]
	for i, f := range t.keys[side] {
		v, err := f(r)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() {
			return nil, false, nil
		}
		if t.asNumeric[i] && v.Kind() == sql.KindInt {
			v = sql.NewNumeric(apd.New(v.Int(), 0))
		}
		k = sql.AppendKey(k, v)
	}
	t.kbuf = k
	return k, true, nil
}

func (t *temporalJoinOp) sub(b byte, rest ...[]byte) []byte {
	k := append(append(t.buf[:0], t.prefix...), b)
	for _, r := range rest {
		k = append(k, r...)
	}
	t.buf = k
	return k
}

func (t *temporalJoinOp) epoch(ctx context.Context) (Batch, error) {
	var out Batch
	st := t.rt.flow.state
	err := drain(ctx, t.ins[1], func(r sql.Row, d int64) error {
		key, ok, err := t.key(1, r)
		if err != nil || !ok || d == 0 {
			return err // a NULL key matches nothing, now or later
		}
		k := t.sub(1, key, sql.AppendRow(nil, r))
		sk := st.alloc(len(k))
		copy(sk, k)
		c := int64(0)
		if v, ok, err := st.get(sk); err != nil {
			return err
		} else if ok {
			rd := &stateReader{b: v}
			if c = rd.varint(); rd.err != nil {
				return rd.err
			}
		}
		c += d
		switch {
		case c < 0:
			return fmt.Errorf("view state: %w: a temporal join's right row was retracted more than added", errStateMismatch)
		case c == 0:
			st.del(sk)
		default:
			st.put(sk, binary.AppendVarint(nil, c))
		}
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	seqLoaded := false
	var seq uint64
	err = drain(ctx, t.ins[0], func(r sql.Row, d int64) error {
		switch {
		case d > 0:
			ms, err := t.lookup(r)
			if err != nil {
				return err
			}
			t.emit(&out, r, ms, d)
			if t.appendOnly {
				return nil
			}
			if !seqLoaded {
				if seq, err = t.loadSeq(); err != nil {
					return err
				}
				seqLoaded = true
			}
			v := binary.AppendVarint(nil, d)
			v = binary.AppendVarint(v, int64(len(ms)))
			for _, m := range ms {
				v = binary.AppendVarint(v, m.c)
				v = binary.AppendVarint(v, int64(len(m.enc)))
				v = append(v, m.enc...)
			}
			k := binary.BigEndian.AppendUint64(slices.Clone(t.sub(0, t.rowKey(r))), seq)
			seq++
			st.put(k, v)
			return nil
		case d < 0:
			if t.appendOnly {
				return fmt.Errorf("view state: %w: a row was retracted from an append-only input", errStateMismatch)
			}
			return t.retract(&out, r, -d)
		}
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	if seqLoaded {
		k := slices.Clone(t.sub(2))
		st.put(k, binary.BigEndian.AppendUint64(nil, seq))
	}
	return out, nil
}

func (t *temporalJoinOp) loadSeq() (uint64, error) {
	v, ok, err := t.rt.flow.state.get(t.sub(2))
	if err != nil || !ok {
		return 0, err
	}
	if len(v) != 8 {
		return 0, errStateCorrupt
	}
	return binary.BigEndian.Uint64(v), nil
}

// rowKey is a left row's memcomparable form, the start of its records.
func (t *temporalJoinOp) rowKey(r sql.Row) []byte {
	var k []byte
	for _, v := range r {
		k = sql.AppendKey(k, v)
	}
	return k
}

// lookup returns the right rows that r matches now.
func (t *temporalJoinOp) lookup(r sql.Row) ([]temporalMatch, error) {
	key, ok, err := t.key(0, r)
	if err != nil || !ok {
		return nil, err
	}
	var ms []temporalMatch
	p := slices.Clone(t.sub(1, key))
	copy(t.scratch, r)
	err = t.rt.flow.state.scan(p, func(k, v []byte) error {
		enc := k[len(p):]
		row, err := sql.DecodeRow(enc, nil)
		if err != nil {
			return fmt.Errorf("view state: %w", err)
		}
		rd := &stateReader{b: v}
		c := rd.varint()
		if rd.err != nil {
			return rd.err
		}
		if t.on != nil {
			copy(t.scratch[t.lw:], row)
			ok, err := t.on(t.scratch)
			if err != nil {
				return err
			}
			if ok.IsNull() || !ok.Bool() {
				return nil
			}
		}
		ms = append(ms, temporalMatch{row: row, enc: slices.Clone(enc), c: c})
		return nil
	})
	return ms, err
}

// emit adds d copies of r joined with its matches (padded with NULLs when
// there are none and the join is LEFT).
func (t *temporalJoinOp) emit(out *Batch, r sql.Row, ms []temporalMatch, d int64) {
	if len(ms) == 0 {
		if t.outer {
			row := make(sql.Row, t.lw+t.rw)
			copy(row, r)
			for i := t.lw; i < len(row); i++ {
				row[i] = sql.Null
			}
			out.Add(row, d)
		}
		return
	}
	for _, m := range ms {
		row := make(sql.Row, 0, t.lw+t.rw)
		out.Add(append(append(row, r...), m.row...), d*m.c)
	}
}

// retract takes back n copies of left row r, as each was shown, oldest
// first.
func (t *temporalJoinOp) retract(out *Batch, r sql.Row, n int64) error {
	st := t.rt.flow.state
	p := slices.Clone(t.sub(0, t.rowKey(r)))
	type rec struct {
		key []byte
		c   int64
		ms  []temporalMatch
	}
	var recs []rec
	err := st.scan(p, func(k, v []byte) error {
		if len(k) != len(p)+8 {
			return nil // a longer row's records
		}
		rd := &stateReader{b: v}
		c := rd.varint()
		nm := rd.varint()
		var ms []temporalMatch
		for range nm {
			mc := rd.varint()
			enc := rd.bytes()
			if rd.err != nil {
				return rd.err
			}
			row, err := sql.DecodeRow(enc, nil)
			if err != nil {
				return fmt.Errorf("view state: %w", err)
			}
			ms = append(ms, temporalMatch{row: row, enc: slices.Clone(enc), c: mc})
		}
		if rd.err != nil {
			return rd.err
		}
		recs = append(recs, rec{key: slices.Clone(k), c: c, ms: ms})
		return nil
	})
	if err != nil {
		return err
	}
	for _, rc := range recs {
		if n == 0 {
			break
		}
		take := min(n, rc.c)
		t.emit(out, r, rc.ms, -take)
		n -= take
		if take == rc.c {
			st.del(rc.key)
			continue
		}
		v := binary.AppendVarint(nil, rc.c-take)
		v = binary.AppendVarint(v, int64(len(rc.ms)))
		for _, m := range rc.ms {
			v = binary.AppendVarint(v, m.c)
			v = binary.AppendVarint(v, int64(len(m.enc)))
			v = append(v, m.enc...)
		}
		st.put(rc.key, v)
	}
	if n > 0 {
		return fmt.Errorf("view state: %w: a temporal join's left row was retracted more than added", errStateMismatch)
	}
	return nil
}

// temporalFirst orders a new view's inputs for its load so that those read
// only as the right side of temporal joins come first: the left side's
// rows then join the right side's whole snapshot, as they would had they
// arrived after it.
func temporalFirst(plan planner.Node, oids []uint32) []uint32 {
	right, other := map[uint32]bool{}, map[uint32]bool{}
	var walk func(n planner.Node, under map[uint32]bool)
	walk = func(n planner.Node, under map[uint32]bool) {
		if s, ok := n.(*planner.Scan); ok && s.Rel != nil {
			under[s.Rel.OID] = true
		}
		if j, ok := n.(*planner.Join); ok && j.Temporal {
			walk(j.Left, under)
			walk(j.Right, right)
			return
		}
		for _, c := range n.Children() {
			walk(c, under)
		}
	}
	if plan == nil {
		return oids
	}
	walk(plan, other)
	if len(right) == 0 {
		return oids
	}
	out := make([]uint32, 0, len(oids))
	for _, oid := range oids {
		if right[oid] && !other[oid] {
			out = append(out, oid)
		}
	}
	for _, oid := range oids {
		if !right[oid] || other[oid] {
			out = append(out, oid)
		}
	}
	return out
}
