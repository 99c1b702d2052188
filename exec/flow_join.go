package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// joinFlowOp maintains a join incrementally. Each side is arranged by its
// equi-join key in the dataflow's state (side, key, row -> count), and an
// epoch's changes join against the other side's rows of the same key:
// ΔL ⋈ R_old, then ΔL applied, then L_new ⋈ ΔR, then ΔR applied, the
// residual ON condition evaluated on each joined pair, so the work is the
// changes times the rows they match rather than keyedOp's re-run of every
// touched key. Rows with a NULL in their key never match and are not kept.
// Views created with joinBlocksOption keep an append-only side's rows in
// blocks per key and epoch (flow_join_block.go) and a cache of the keys'
// rows (flow_join_cache.go); an epoch of many keys reads a small other
// side whole (flow_join_sweep.go).
//
// The outer joins, and semi and anti joins (EXISTS, NOT EXISTS), keep per
// row of a preserved side the number of rows it matches on the other side
// (counted with multiplicity, after ON): a row's padded form (or, for
// semi and anti joins, the row itself) is present while that count is 0
// (semi: above 0), so a change emits it or retracts it when the count
// crosses 0. Output equals the batch join's (op_join.go).
type joinFlowOp struct {
	rt   *runtime
	kind planner.JoinKind
	ins  [2]Operator
	keys [2][]evalFn
	// asNumeric[i]: key i compares an integer side with a numeric one; its
	// integers are keyed as numerics, so that equal values share a key.
	asNumeric []bool
	on        evalFn
	// onCols[side]: the side's columns that on reads, copied into scratch
	// for each pair (all of them when columnsRead cannot tell).
	onCols [2][]int
	// sweeps[side]: the side's state read whole for the epoch's keys, when
	// many would read it and it is small (flow_join_sweep.go); nil: read
	// per key.
	sweeps [2]*joinSweep
	// sweepTooBig[side]: the entries an append-only side held when a
	// sweep last gave up on it (flow_join_sweep.go).
	sweepTooBig [2]int
	// cache holds the rows of keys read in full by the epochs that took
	// effect (flow_join_cache.go); nil for views created before blocks
	// and where keys close. stampKey is its stamp's key.
	cache    *joinCache
	stampKey []byte
	// known[side]: the join keys under which the side has stored rows,
	// for a new view's operator (flow_join_known.go): a key the side never
	// stored (the bids of a new auction in q9) costs no read.
	known [2]*knownKeys
	// fill: the epoch is small enough to fill the cache with what it
	// reads (joinCacheFillKey).
	fill   bool
	lw, rw int
	prefix []byte
	// counts[side]: the side's rows keep their number of matches.
	counts [2]bool
	// appendOnly[side]: the side never retracts a row (an inner join's
	// input that topNOp's appendOnly accepts), so each of its rows is
	// stored under a key of its own, followed by a sequence number
	// (seqKey), and arranging it reads nothing.
	appendOnly [2]bool
	// blocks: the append-only sides keep an epoch's rows of a key in one
	// block (flow_join_block.go), as views created with joinBlocksOption do.
	blocks    bool
	seq       uint64 // the next sequence number, loaded per epoch
	seqLoaded bool
	out       Operator
	outGen    uint64 // the state generation out was computed in
	kbuf      []byte
	scratch   sql.Row
	// jrs and vals are carved into an epoch's joinRows and output rows,
	// so that neither costs an allocation of its own; pbuf and ebuf build
	// a side's prefix and a state key.
	jrs        []joinRow
	vals       []sql.Value
	pbuf, ebuf []byte
	// dvals holds the rows decoded from blocks, bbuf builds a block.
	dvals []sql.Value
	bbuf  []byte
}

// newRow returns a zeroed joinRow from the current chunk.
func (j *joinFlowOp) newRow() *joinRow {
	if len(j.jrs) == 0 {
		j.jrs = make([]joinRow, 256)
	}
	jr := &j.jrs[0]
	j.jrs = j.jrs[1:]
	return jr
}

// incrementalJoin reports whether joinFlowOp can maintain n: its keys must
// compare by their memcomparable encoding, which holds for keys of one kind
// (and for integers against numerics, keyed alike).
func incrementalJoin(n *planner.Join) ([]bool, bool) {
	asNumeric := make([]bool, len(n.LeftKeys))
	for i := range n.LeftKeys {
		l, r := n.LeftKeys[i].Type().Kind(), n.RightKeys[i].Type().Kind()
		switch {
		case l == r, l == sql.KindNull, r == sql.KindNull:
		case (l == sql.KindInt && r == sql.KindNumeric) || (l == sql.KindNumeric && r == sql.KindInt):
			asNumeric[i] = true
		default:
			return nil, false
		}
	}
	return asNumeric, true
}

// join builds the operator that maintains n: joinFlowOp where it can, else
// a keyedOp.
func (f *dataflow) join(rt *runtime, n *planner.Join) (Operator, error) {
	if n.Temporal {
		return f.temporalJoin(rt, n)
	}
	if n.Asof {
		// Each key's output is the batch join of its rows.
		return f.keyed(rt, n, []planner.Node{n.Left, n.Right}, [][]planner.Expr{n.LeftKeys, n.RightKeys})
	}
	asNumeric, ok := incrementalJoin(n)
	if !f.incremental() || !ok {
		return f.keyed(rt, n, []planner.Node{n.Left, n.Right}, [][]planner.Expr{n.LeftKeys, n.RightKeys})
	}
	j := &joinFlowOp{rt: rt, kind: n.Kind, asNumeric: asNumeric, prefix: f.opPrefix(),
		lw: len(n.Left.Columns()), rw: len(n.Right.Columns()),
		blocks: f.rel.Options[joinBlocksOption] == joinBlocksVersion}
	switch n.Kind {
	case planner.JoinLeft, planner.JoinSemi, planner.JoinAnti:
		j.counts[0] = true
	case planner.JoinRight:
		j.counts[1] = true
	case planner.JoinFull:
		j.counts = [2]bool{true, true}
	}
	var err error
	for side, in := range []planner.Node{n.Left, n.Right} {
		if j.ins[side], err = rt.build(in); err != nil {
			return nil, err
		}
		j.appendOnly[side] = n.Kind == planner.JoinInner && f.operators() >= operatorsTopN && appendOnly(in, noViews)
	}
	if j.keys[0], err = rt.compileAll(n.LeftKeys); err != nil {
		return nil, err
	}
	if j.keys[1], err = rt.compileAll(n.RightKeys); err != nil {
		return nil, err
	}
	if n.On != nil {
		if j.on, err = rt.compile(n.On); err != nil {
			return nil, err
		}
		read := columnsRead(make([]bool, j.lw+j.rw), n.On)
		for i := range j.lw + j.rw {
			if read == nil || read[i] {
				if i < j.lw {
					j.onCols[0] = append(j.onCols[0], i)
				} else {
					j.onCols[1] = append(j.onCols[1], i-j.lw)
				}
			}
		}
	}
	j.scratch = make(sql.Row, j.lw+j.rw)
	var budget int64 = DefaultStateCache
	if f.e != nil {
		budget = f.e.stateCache
	}
	for side := range j.known {
		j.known[side] = newKnownKeys(f.fresh, budget/joinCacheShare/2)
	}
	// Each side's rows of a closed window go (as keyedOp's do), under the
	// cache's feet, so such a join keeps none.
	if f.closing(j.prefix, [][]byte{{0}, {1}}, []planner.Node{n.Left, n.Right}, [][]planner.Expr{n.LeftKeys, n.RightKeys}) == nil && j.blocks {
		j.cache = newJoinCache(budget)
		j.stampKey = append(slices.Clip(j.prefix), joinStampSub)
	}
	return j, nil
}

func (j *joinFlowOp) Next(ctx context.Context) (*Batch, error) {
	if gen := j.rt.flow.state.gen; j.out == nil || j.outGen != gen {
		// (Output left by an epoch that failed midway is dropped.)
		b, err := j.epoch(ctx)
		if err != nil {
			return nil, err
		}
		j.out, j.outGen = newDiffOp(b), gen
	}
	b, err := j.out.Next(ctx)
	if b == nil || err != nil {
		j.out = nil
	}
	return b, err
}

// key is a row's join key, or false when part of it is NULL; the slice
// is valid until the next call.
func (j *joinFlowOp) key(side int, r sql.Row) ([]byte, bool, error) {
	k := j.kbuf[:0]
	for i, f := range j.keys[side] {
		v, err := f(r)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() {
			return nil, false, nil
		}
		if j.asNumeric[i] && v.Kind() == sql.KindInt {
			v = sql.NewNumeric(apd.New(v.Int(), 0))
		}
		k = sql.AppendKey(k, v)
	}
	j.kbuf = k
	return k, true, nil
}

// joinRow is a row of one side with a key touched in the epoch: its count
// and number of matches before (c0, m0) and after (c1, m1) the epoch.
type joinRow struct {
	row            sql.Row
	enc            []byte
	d              int64 // the epoch's net change
	c0, m0, c1, m1 int64
}

// joinKeyChanges are the epoch's changes of one key, per side: by row
// (its encoding) for a side that retracts, as they came for an
// append-only side, whose rows each take a key of their own anyway.
type joinKeyChanges struct {
	byRow [2]map[string]*joinRow
	added [2][]*joinRow
}

// changed reports whether the key has changes on a side.
func (kc *joinKeyChanges) changed(side int) bool {
	return len(kc.byRow[side]) > 0 || len(kc.added[side]) > 0
}

// joinEpochKey is a key an epoch changes, with its changes.
type joinEpochKey struct {
	key string
	kc  *joinKeyChanges
}

func (j *joinFlowOp) epoch(ctx context.Context) (Batch, error) {
	var out Batch
	byKey := map[string]*joinKeyChanges{}
	j.seqLoaded = false
	for side := range j.ins {
		err := drain(ctx, j.ins[side], func(r sql.Row, d int64) error {
			if d < 0 && j.appendOnly[side] {
				return fmt.Errorf("view state: %w: a row was retracted from an append-only input", errStateMismatch)
			}
			key, ok, err := j.key(side, r)
			if err != nil {
				return err
			}
			if !ok {
				// It matches nothing, now or later.
				if j.counts[side] {
					j.emitOwn(&out, side, r, j.shown(d, 0))
				}
				return nil
			}
			kc := byKey[string(key)]
			if kc == nil {
				kc = &joinKeyChanges{}
				byKey[string(key)] = kc
			}
			if j.appendOnly[side] {
				if d != 0 {
					jr := j.newRow()
					jr.row, jr.d = r, d
					kc.added[side] = append(kc.added[side], jr)
				}
				return nil
			}
			if kc.byRow[side] == nil {
				kc.byRow[side] = map[string]*joinRow{}
			}
			j.ebuf = sql.AppendRow(j.ebuf[:0], r)
			jr := kc.byRow[side][string(j.ebuf)]
			if jr == nil {
				jr = j.newRow()
				jr.row, jr.enc = r, slices.Clone(j.ebuf)
				kc.byRow[side][string(jr.enc)] = jr
			}
			jr.d += d
			return nil
		})
		if err != nil {
			return Batch{}, err
		}
	}
	// The keys in order with their changes: a lookup in byKey per key,
	// of tens of thousands in a load's epoch, costs a cache miss each.
	keys := make([]joinEpochKey, 0, len(byKey))
	var changed [2]int
	for k, kc := range byKey {
		keys = append(keys, joinEpochKey{k, kc})
		for side := range changed {
			if kc.changed(side) {
				changed[side]++
			}
		}
	}
	slices.SortFunc(keys, func(a, b joinEpochKey) int { return strings.Compare(a.key, b.key) })
	j.fill = j.cache != nil && len(keys) <= j.cache.fillKeys
	if j.cache != nil && len(keys) > 0 {
		if err := j.cache.begin(j.rt.flow.state, j.stampKey); err != nil {
			return Batch{}, err
		}
	}
	for side := range j.sweeps {
		// A side's rows are read for each key the other side changes.
		j.sweeps[side] = nil
		if changed[1-side] >= joinProbeMany {
			var err error
			if j.sweeps[side], err = j.sweep(side, changed[1-side]); err != nil {
				return Batch{}, err
			}
		}
	}
	defer func() { j.sweeps = [2]*joinSweep{} }()
	for _, k := range keys {
		if err := j.joinKey(&out, k.key, k.kc); err != nil {
			return Batch{}, err
		}
	}
	if j.seqLoaded {
		j.rt.flow.state.put(j.seqKey(), binary.BigEndian.AppendUint64(nil, j.seq))
	}
	return out, nil
}

// emitOwn emits d copies of a counting side's row in its own form: the
// row itself for semi and anti joins, padded with NULLs for outer joins.
func (j *joinFlowOp) emitOwn(out *Batch, side int, r sql.Row, d int64) {
	switch {
	case d == 0:
	case j.kind == planner.JoinSemi || j.kind == planner.JoinAnti:
		out.Add(r, d)
	case side == 0:
		out.Add(j.concat(r, nil), d)
	default:
		out.Add(j.concat(nil, r), d)
	}
}

// shown is how many times a counting side's row appears in the output on
// its own (padded, or as itself) with count c and m matches.
func (j *joinFlowOp) shown(c, m int64) int64 {
	if j.kind == planner.JoinSemi {
		if m > 0 {
			return c
		}
		return 0
	}
	if m == 0 {
		return c
	}
	return 0
}

func (j *joinFlowOp) concat(l, r sql.Row) sql.Row {
	w := j.lw + j.rw
	if len(j.vals) < w {
		j.vals = make([]sql.Value, w*max(64, 4096/w))
	}
	out := j.vals[:w:w]
	j.vals = j.vals[w:]
	copy(out, l)
	copy(out[j.lw:], r)
	return out
}

// load returns the rows of one side and key that the epoch needs: all of
// them when full, else those that change; the changed rows get their
// counts after the epoch. p is the side's prefix for the key.
func (j *joinFlowOp) load(side int, p []byte, kc *joinKeyChanges, full bool) ([]*joinRow, error) {
	st := j.rt.flow.state
	changes := kc.byRow[side]
	var rows []*joinRow
	// Nothing stored: the rows are the epoch's own.
	none := j.known[side].absent(p[len(j.prefix)+1:])
	decode := func(jr *joinRow, v []byte) error {
		r := &stateReader{b: v}
		jr.c0 = r.varint()
		if j.counts[side] {
			jr.m0 = r.varint()
		}
		if r.err != nil {
			return errStateCorrupt
		}
		jr.c1, jr.m1 = jr.c0, jr.m0
		return nil
	}
	if full {
		each := func(enc, v []byte) error {
			var jr *joinRow
			if j.appendOnly[side] && j.blocks {
				// A block of earlier epochs' rows: never one of this
				// epoch's changes, nor written again.
				if len(enc) < 8 {
					return errStateCorrupt
				}
				w := j.lw
				if side == 1 {
					w = j.rw
				}
				return j.decodeJoinBlock(v, w, func(row sql.Row, c int64) {
					jr := j.newRow()
					jr.row, jr.c0, jr.c1 = row, c, c
					rows = append(rows, jr)
				})
			}
			if j.appendOnly[side] {
				// Its own key: never one of this epoch's changes, nor
				// written again, so its key is not kept.
				if len(enc) < 8 {
					return errStateCorrupt
				}
				row, err := sql.DecodeRow(enc[:len(enc)-8], nil)
				if err != nil {
					return fmt.Errorf("view state: %w", err)
				}
				jr = j.newRow()
				jr.row = row
				rows = append(rows, jr)
				return decode(jr, v)
			}
			jr = changes[string(enc)]
			if jr == nil {
				row, err := sql.DecodeRow(enc, nil)
				if err != nil {
					return fmt.Errorf("view state: %w", err)
				}
				jr = j.newRow()
				jr.row, jr.enc = row, slices.Clone(enc)
			}
			rows = append(rows, jr)
			return decode(jr, v)
		}
		var err error
		key := p[len(j.prefix)+1:]
		e := j.cachedKey(side, key)
		switch {
		case e != nil:
			j.loadCached(side, e, changes, &rows)
		case none:
		case j.sweeps[side] != nil:
			err = j.sweeps[side].each(key, each)
		default:
			err = st.scan(p, func(k, v []byte) error { return each(k[len(p):], v) })
		}
		if err != nil {
			return nil, err
		}
	}
	if j.appendOnly[side] {
		// New rows, each to go under a key of its own.
		for _, jr := range kc.added[side] {
			jr.c1 = jr.d
			rows = append(rows, jr)
		}
		return rows, nil
	}
	encs := make([]string, 0, len(changes))
	for enc := range changes {
		encs = append(encs, enc)
	}
	slices.Sort(encs)
	for _, enc := range encs {
		jr := changes[enc]
		if jr.d == 0 {
			// Added and removed within the epoch: no change (if it was
			// there before, a full load met it as an unchanged row).
			continue
		}
		if !full && !none {
			v, ok, err := st.get(append(slices.Clip(p), jr.enc...))
			if err != nil {
				return nil, err
			}
			if ok {
				if err := decode(jr, v); err != nil {
					return nil, err
				}
			}
		}
		if !full || jr.c0 == 0 {
			rows = append(rows, jr) // else met in the scan
		}
		jr.c1 = jr.c0 + jr.d
		if jr.c1 < 0 {
			return nil, fmt.Errorf("view state: %w: a row was retracted more often than it was added", errStateMismatch)
		}
	}
	return rows, nil
}

// seqKey holds the next sequence number of the append-only sides' rows.
func (j *joinFlowOp) seqKey() []byte {
	return append(slices.Clip(j.prefix), 0xfe)
}

// nextSeq hands out the next sequence number; the epoch writes back the
// last one it handed out.
func (j *joinFlowOp) nextSeq() (uint64, error) {
	if !j.seqLoaded {
		v, ok, err := j.rt.flow.state.get(j.seqKey())
		if err != nil {
			return 0, err
		}
		j.seq = 0
		if ok {
			if len(v) != 8 {
				return 0, errStateCorrupt
			}
			j.seq = binary.BigEndian.Uint64(v)
		}
		j.seqLoaded = true
	}
	j.seq++
	return j.seq, nil
}

// joinProbeMany is the number of keys an epoch changes on one side past
// which it tries to read the other side whole (joinSweep).
const joinProbeMany = 16

// set puts the columns of a side's row that the residual condition reads
// into the pair that match evaluates: the row that stays while the loop
// runs over the other side once, the other per pair.
func (j *joinFlowOp) set(side int, r sql.Row) {
	if j.on == nil {
		return
	}
	s := j.scratch
	if side == 1 {
		s = s[j.lw:]
	}
	for _, c := range j.onCols[side] {
		s[c] = r[c]
	}
}

// match reports whether the pair that set made satisfies the residual
// condition.
func (j *joinFlowOp) match() (bool, error) {
	if j.on == nil {
		return true, nil
	}
	v, err := j.on(j.scratch)
	if err != nil {
		return false, err
	}
	return !v.IsNull() && v.Bool(), nil
}

// joinKey emits the output changes of one key and updates its state.
func (j *joinFlowOp) joinKey(out *Batch, key string, kc *joinKeyChanges) error {
	// The other side in full wherever a side changes; a counting side's
	// rows in full when the other changes, since their matches do.
	j.pbuf = append(append(append(j.pbuf[:0], j.prefix...), 0), key...)
	ls, err := j.load(0, j.pbuf, kc, kc.changed(1))
	if err != nil {
		return err
	}
	j.pbuf[len(j.prefix)] = 1
	rs, err := j.load(1, j.pbuf, kc, kc.changed(0))
	if err != nil {
		return err
	}
	inner := j.kind != planner.JoinSemi && j.kind != planner.JoinAnti
	// ΔL ⋈ R_old; the changed left rows' matches are counted afresh
	// against R_new, and the right rows' matches move by ΔL.
	for _, l := range ls {
		if l.d == 0 {
			continue
		}
		if j.counts[0] {
			l.m1 = 0
		}
		j.set(0, l.row)
		for _, r := range rs {
			j.set(1, r.row)
			ok, err := j.match()
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if inner && r.c0 > 0 {
				out.Add(j.concat(l.row, r.row), l.d*r.c0)
			}
			if j.counts[0] {
				l.m1 += r.c1
			}
			if j.counts[1] {
				r.m1 += l.d
			}
		}
	}
	// L_new ⋈ ΔR; the changed right rows' matches are counted afresh, the
	// unchanged left rows' move by ΔR.
	for _, r := range rs {
		if r.d == 0 {
			continue
		}
		if j.counts[1] {
			r.m1 = 0
		}
		j.set(1, r.row)
		for _, l := range ls {
			j.set(0, l.row)
			ok, err := j.match()
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if inner && l.c1 > 0 {
				out.Add(j.concat(l.row, r.row), l.c1*r.d)
			}
			if j.counts[1] {
				r.m1 += l.c1
			}
			if j.counts[0] && l.d == 0 {
				l.m1 += r.d
			}
		}
	}
	st := j.rt.flow.state
	for side, rows := range [2][]*joinRow{ls, rs} {
		j.pbuf[len(j.prefix)] = byte(side)
		if kc.changed(side) {
			j.known[side].addString(key)
		}
		if j.appendOnly[side] && j.blocks {
			if err := j.putBlocks(rows); err != nil {
				return err
			}
			continue
		}
		for _, jr := range rows {
			if jr.c1 == jr.c0 && jr.m1 == jr.m0 {
				continue
			}
			if jr.m1 < 0 {
				return fmt.Errorf("view state: a join row matched fewer rows than none")
			}
			if j.counts[side] {
				j.emitOwn(out, side, jr.row, j.shown(jr.c1, jr.m1)-j.shown(jr.c0, jr.m0))
			}
			j.ebuf = append(j.ebuf[:0], j.pbuf...)
			if j.appendOnly[side] {
				// A new row under a key of its own.
				seq, err := j.nextSeq()
				if err != nil {
					return err
				}
				j.ebuf = binary.BigEndian.AppendUint64(sql.AppendRow(j.ebuf, jr.row), seq)
			} else {
				j.ebuf = append(j.ebuf, jr.enc...)
			}
			sk := st.alloc(len(j.ebuf))
			copy(sk, j.ebuf)
			if jr.c1 == 0 {
				st.del(sk)
				continue
			}
			j.ebuf = binary.AppendVarint(j.ebuf[:0], jr.c1)
			if j.counts[side] {
				j.ebuf = binary.AppendVarint(j.ebuf, jr.m1)
			}
			v := st.alloc(len(j.ebuf))
			copy(v, j.ebuf)
			st.put(sk, v)
		}
	}
	if j.cache != nil {
		// What the epoch read in full it keeps; a side it changed
		// without reading it all is no longer known.
		for side, rows := range [2][]*joinRow{ls, rs} {
			switch {
			case kc.changed(1-side) && j.fill:
				j.cache.put(side, key, rows)
			case kc.changed(0) || kc.changed(1):
				j.cache.drop(side, key)
			}
		}
	}
	return nil
}

// putBlocks writes the new rows of an append-only side, the key's rows
// whose count changed, in blocks under j.pbuf (the side's prefix for the
// key) followed by a sequence number. An inner join's side keeps no
// matches, and its old rows never change.
func (j *joinFlowOp) putBlocks(rows []*joinRow) error {
	st := j.rt.flow.state
	put := func() error {
		seq, err := j.nextSeq()
		if err != nil {
			return err
		}
		k := st.alloc(len(j.pbuf) + 8)
		binary.BigEndian.PutUint64(k[copy(k, j.pbuf):], seq)
		v := st.alloc(len(j.bbuf))
		copy(v, j.bbuf)
		st.put(k, v)
		j.bbuf = j.bbuf[:0]
		return nil
	}
	j.bbuf = j.bbuf[:0]
	for _, jr := range rows {
		if jr.c1 == jr.c0 {
			continue
		}
		if jr.c0 != 0 || jr.c1 < 0 {
			return fmt.Errorf("view state: %w: an append-only join side changed a stored row", errStateMismatch)
		}
		j.ebuf = sql.AppendRow(j.ebuf[:0], jr.row)
		j.bbuf = appendJoinBlockRow(j.bbuf, jr.c1, j.ebuf)
		if len(j.bbuf) >= joinBlockMax {
			if err := put(); err != nil {
				return err
			}
		}
	}
	if len(j.bbuf) > 0 {
		return put()
	}
	return nil
}

// cachedKey returns the cache's entry for a key's rows on a side, or nil.
func (j *joinFlowOp) cachedKey(side int, key []byte) *joinCached {
	if j.cache == nil {
		return nil
	}
	return j.cache.get(side, string(key))
}

// loadCached adds a key's cached rows to rows as a full read adds those it
// reads: a row that the epoch changes is its change's joinRow.
func (j *joinFlowOp) loadCached(side int, e *joinCached, changes map[string]*joinRow, rows *[]*joinRow) {
	for i := range e.rows {
		cr := &e.rows[i]
		var jr *joinRow
		if !j.appendOnly[side] {
			jr = changes[string(cr.enc)]
		}
		if jr == nil {
			jr = j.newRow()
			jr.row, jr.enc = cr.row, cr.enc
		}
		jr.c0, jr.m0 = cr.c, cr.m
		jr.c1, jr.m1 = cr.c, cr.m
		*rows = append(*rows, jr)
	}
}
