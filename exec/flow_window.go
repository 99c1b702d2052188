package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/cockroachdb/apd/v3"
	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// windowFlowOp maintains a Window whose calls share one PARTITION BY and ORDER
// BY and look only backwards, or a bounded number of rows forwards
// (windowShape): row_number, rank, dense_rank, lag, lead and running
// aggregates. Each partition's rows are kept in its order in the state,
// each with the window values it was last shown with and the running
// state after it (row and peer-group counts, accumulators). A change at
// some position recomputes the partition from there on (from a bounded
// number of rows before it, for lead), starting from the state stored with
// the row before; rows whose values stay the same emit nothing. Input that
// arrives in order thus costs, per partition and epoch, a read and a
// write of the partition's last block, where keyedOp re-reads and
// recomputes the whole partition.
//
// State, under the operator's prefix: 0x00, the partition key, then
// blocks of consecutive entries (winBlock). An entry's key is the row's
// position key (its ORDER BY values, memcomparable) then the row; its
// value is described at encodeEntry. Ties on the ORDER BY keys are broken
// by the row's encoding, as keyedOp's scan of a partition orders them
// before its stable sort, so both show the same values for tied rows.
type windowFlowOp struct {
	rt     *runtime
	in     Operator
	prefix []byte
	part   []evalFn
	order  []compiledKey
	calls  []winCall
	// lagMax and leadMax are the largest lag and lead offsets.
	lagMax, leadMax int
	out             Operator
	buf             []byte
}

type winCall struct {
	fn     string // row_number, rank, dense_rank, lag, lead; "" for an aggregate
	off    int
	arg    evalFn // lag and lead's value; an aggregate's argument (nil: count(*))
	def    evalFn // lag and lead's default
	filter evalFn
	agg    planner.AggCall
	rows   bool // a ROWS frame: the running value at the row, not at its last peer
	acc    int  // the call's accumulator, among an entry's
}

// windowFlow builds the operator for a window that windowShape accepts.
func (f *dataflow) windowFlow(rt *runtime, n *planner.Window) (Operator, error) {
	c0 := n.Calls[0]
	w := &windowFlowOp{rt: rt, prefix: f.opPrefix()}
	var err error
	if w.in, err = rt.build(n.Input); err != nil {
		return nil, err
	}
	if w.part, err = rt.compileAll(c0.Partition); err != nil {
		return nil, err
	}
	if w.order, err = rt.compileSortKeys(c0.Order); err != nil {
		return nil, err
	}
	nacc := 0
	for _, c := range n.Calls {
		wc := winCall{fn: c.Func}
		if c.Agg != nil {
			wc.fn = ""
			wc.agg = planner.AggCall{Func: c.Agg, Args: c.Args, Type: c.Type}
			wc.rows = c.Frame != nil && c.Frame.Rows
			wc.acc = nacc
			nacc++
			if c.Filter != nil {
				if wc.filter, err = rt.compile(c.Filter); err != nil {
					return nil, err
				}
			}
		}
		if len(c.Args) > 0 {
			if wc.arg, err = rt.compile(c.Args[0]); err != nil {
				return nil, err
			}
		}
		switch wc.fn {
		case "lag", "lead":
			wc.off = windowCallOffset(c)
			if len(c.Args) > 2 {
				if wc.def, err = rt.compile(c.Args[2]); err != nil {
					return nil, err
				}
			}
			if wc.fn == "lag" {
				w.lagMax = max(w.lagMax, wc.off)
			} else {
				w.leadMax = max(w.leadMax, wc.off)
			}
		}
		w.calls = append(w.calls, wc)
	}
	// A closed window's partitions go.
	f.closing(w.prefix, [][]byte{{0x00}}, []planner.Node{n.Input}, [][]planner.Expr{c0.Partition})
	return w, nil
}

func (w *windowFlowOp) Next(ctx context.Context) (*Batch, error) {
	if w.out == nil {
		rows, diffs, err := w.epoch(ctx)
		if err != nil {
			return nil, err
		}
		w.out = newDiffOp(Batch{Rows: rows, Diffs: diffs})
	}
	b, err := w.out.Next(ctx)
	if b == nil || err != nil {
		w.out = nil
	}
	return b, err
}

// winPartChanges are an epoch's changes to one partition.
type winPartChanges struct {
	prefix  []byte // the partition's state prefix
	start   []byte // the least changed position: prefix and position key
	changes map[string]*winEntry
}

// winEntry is one distinct row of a partition.
type winEntry struct {
	key    []byte // state key
	olen   int    // length of the position key, after the partition prefix
	row    sql.Row
	old, n int64  // copies before and after the epoch's changes
	oldVal []byte // the stored entry; nil for a new row
	outs   sql.Row
	val    []byte
	region bool // among the entries recomputed
}

// An entry's value: uvarint position key length, uvarint copies, uvarint
// length of meta, meta (a row: rows up to and including the entry, peer
// groups up to and including its own, the accumulators' states after it),
// then the window values of each copy, one row of len(calls) per copy
// flattened.

func (w *windowFlowOp) epoch(ctx context.Context) ([]sql.Row, []int64, error) {
	parts := map[string]*winPartChanges{}
	err := drain(ctx, w.in, func(r sql.Row, d int64) error {
		k := append(append(w.buf[:0], w.prefix...), 0x00)
		for _, f := range w.part {
			v, err := f(r)
			if err != nil {
				return err
			}
			k = sql.AppendKey(k, v)
		}
		plen := len(k)
		k, err := w.appendPosition(k, r)
		if err != nil {
			return err
		}
		olen := len(k) - plen
		k = sql.AppendRow(k, r)
		w.buf = k
		p := parts[string(k[:plen])]
		if p == nil {
			p = &winPartChanges{prefix: bytes.Clone(k[:plen]), changes: map[string]*winEntry{}}
			parts[string(p.prefix)] = p
		}
		e := p.changes[string(k)]
		if e == nil {
			e = &winEntry{key: bytes.Clone(k), olen: olen, row: r}
			p.changes[string(e.key)] = e
		}
		e.n += d
		if pos := k[:plen+olen]; p.start == nil || bytes.Compare(pos, p.start) < 0 {
			p.start = bytes.Clone(pos)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var dels, adds Batch
	for _, k := range keys {
		if err := w.partition(parts[k], &dels, &adds); err != nil {
			return nil, nil, err
		}
	}
	// Retractions first, as keyedOp's changes come.
	return append(dels.Rows, adds.Rows...), append(dels.Diffs, adds.Diffs...), nil
}

// appendPosition appends r's position key: its ORDER BY values, each
// memcomparable and complemented when descending, NULLs placed as asked.
func (w *windowFlowOp) appendPosition(k []byte, r sql.Row) ([]byte, error) {
	return appendOrderKey(k, w.order, r)
}

// parseEntry reads a stored entry's header; the slices are kept.
func parseEntry(key, val []byte, plen int) (*winEntry, error) {
	olen, n1 := binary.Uvarint(val)
	cnt, n2 := binary.Uvarint(val[max(n1, 0):])
	if n1 <= 0 || n2 <= 0 || int(olen) > len(key)-plen {
		return nil, fmt.Errorf("view state: bad window entry")
	}
	return &winEntry{key: key, olen: int(olen), old: int64(cnt), n: int64(cnt), oldVal: val}, nil
}

// meta and outs split a stored entry's value.
func entryParts(val []byte) (meta, outs []byte, err error) {
	_, n1 := binary.Uvarint(val)
	_, n2 := binary.Uvarint(val[n1:])
	ml, n3 := binary.Uvarint(val[n1+n2:])
	at := n1 + n2 + n3
	if n1 <= 0 || n2 <= 0 || n3 <= 0 || at+int(ml) > len(val) {
		return nil, nil, fmt.Errorf("view state: bad window entry")
	}
	return val[at : at+int(ml)], val[at+int(ml):], nil
}

func (e *winEntry) position(plen int) []byte { return e.key[plen : plen+e.olen] }

func (e *winEntry) decodeRow(plen int) error {
	if e.row != nil {
		return nil
	}
	r, err := sql.DecodeRow(e.key[plen+e.olen:], nil)
	if err != nil {
		return fmt.Errorf("view state: %w", err)
	}
	e.row = r
	return nil
}

// partition applies one partition's changes: it finds the rows whose
// window values may change (region) and the rows before them that those
// values read (before), recomputes region and emits what differs.
func (w *windowFlowOp) partition(p *winPartChanges, dels, adds *Batch) error {
	st := w.rt.flow.state
	plen := len(p.prefix)
	var region, before []*winEntry // both descending
	phase, lead, extended := 0, w.leadMax, false
	var beforeRows int64
	var blocks []*winBlock // descending
	visit := func(e *winEntry) bool {
		if phase == 0 {
			if bytes.Compare(e.key, p.start) >= 0 {
				e.region = true
				region = append(region, e)
				return true
			}
			phase = 1
		}
		if phase == 1 {
			// Rows up to leadMax before the first change read it with lead;
			// they and their peers are recomputed too.
			if lead > 0 {
				e.region = true
				region = append(region, e)
				lead -= int(e.old)
				extended = true
				return true
			}
			if extended && bytes.Equal(e.position(plen), region[len(region)-1].position(plen)) {
				e.region = true
				region = append(region, e)
				return true
			}
			phase = 2
		}
		before = append(before, e)
		beforeRows += e.old
		return beforeRows < int64(w.lagMax)
	}
	err := st.descend(p.prefix, func(k, v []byte) (bool, error) {
		b, err := parseBlock(p.prefix, k, v)
		if err != nil {
			return false, err
		}
		blocks = append(blocks, b)
		for i := len(b.entries) - 1; i >= 0; i-- {
			if !visit(b.entries[i]) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	slices.Reverse(region)
	slices.Reverse(before)

	// The region after the changes, in order.
	live := region
	for _, c := range p.changes {
		if c.n == 0 {
			continue
		}
		i, found := sort.Find(len(region), func(i int) int { return bytes.Compare(c.key, region[i].key) })
		if found {
			region[i].n += c.n
			region[i].row = c.row
			continue
		}
		live = append(live, c)
	}
	if len(live) > len(region) {
		slices.SortFunc(live, func(a, b *winEntry) int { return bytes.Compare(a.key, b.key) })
	}
	for _, e := range live {
		if e.n < 0 {
			return fmt.Errorf("%w: a row was retracted more often than it was added", errStateMismatch)
		}
	}

	// The running state after the row before the region.
	accs := make([]accumulator, 0, len(w.calls))
	for _, c := range w.calls {
		if c.fn != "" {
			continue
		}
		a, err := newAccumulator(c.agg, w.rt)
		if err != nil {
			return err
		}
		accs = append(accs, a)
	}
	var rowsBefore, groupsBefore int64
	if len(before) > 0 {
		metaB, _, err := entryParts(before[len(before)-1].oldVal)
		if err != nil {
			return err
		}
		meta, err := sql.DecodeRow(metaB, nil)
		if err != nil || len(meta) < 2 {
			return fmt.Errorf("view state: bad window entry: %v", err)
		}
		rowsBefore, groupsBefore = meta[0].Int(), meta[1].Int()
		rest := meta[2:]
		for _, a := range accs {
			if rest, err = restoreAcc(a, rest); err != nil {
				return err
			}
		}
	}
	// seq lists the rows, one per copy, from the rows lag reads before the
	// region to the partition's end.
	var seq []sql.Row
	if w.lagMax > 0 {
		for _, e := range before {
			if err := e.decodeRow(plen); err != nil {
				return err
			}
			for c := int64(0); c < e.old; c++ {
				seq = append(seq, e.row)
			}
		}
	}
	base := len(seq)
	for _, e := range live {
		if err := e.decodeRow(plen); err != nil {
			return err
		}
		for c := int64(0); c < e.n; c++ {
			seq = append(seq, e.row)
		}
	}

	nc := len(w.calls)
	pos := base
	one := make([]sql.Value, 1)
	for i := 0; i < len(live); {
		j := i + 1
		if live[i].n > 0 {
			for j < len(live) && (live[j].n == 0 || bytes.Equal(live[j].position(plen), live[i].position(plen))) {
				j++
			}
		}
		group := live[i:j]
		groupStart := rowsBefore
		for _, e := range group {
			e.outs = make(sql.Row, int(e.n)*nc)
			for c := int64(0); c < e.n; c++ {
				r := seq[pos]
				rowsBefore++
				outs := e.outs[int(c)*nc : int(c+1)*nc]
				for ci := range w.calls {
					wc := &w.calls[ci]
					var v sql.Value
					var err error
					switch wc.fn {
					case "row_number":
						v = sql.NewInt(rowsBefore)
					case "rank":
						v = sql.NewInt(groupStart + 1)
					case "dense_rank":
						v = sql.NewInt(groupsBefore + 1)
					case "lag", "lead":
						at := pos - wc.off
						if wc.fn == "lead" {
							at = pos + wc.off
						}
						switch {
						case at >= 0 && at < len(seq):
							v, err = wc.arg(seq[at])
						case wc.def != nil:
							v, err = wc.def(r)
						default:
							v = sql.Null
						}
					case "":
						a := accs[wc.acc]
						pass := true
						if wc.filter != nil {
							fv, ferr := wc.filter(r)
							if ferr != nil {
								return ferr
							}
							pass = !fv.IsNull() && fv.Bool()
						}
						if pass {
							var args []sql.Value
							if wc.arg != nil {
								if one[0], err = wc.arg(r); err != nil {
									return err
								}
								args = one
							}
							if err = a.add(args, r, 1); err != nil {
								return err
							}
						}
						if wc.rows {
							v, err = a.result()
						}
					}
					if err != nil {
						return err
					}
					outs[ci] = v
				}
				pos++
			}
			if e.n > 0 {
				meta := sql.Row{sql.NewInt(rowsBefore), sql.NewInt(groupsBefore + 1)}
				for _, a := range accs {
					if meta, err = saveAcc(a, meta); err != nil {
						return err
					}
				}
				e.val = encodeEntry(e, meta)
			}
		}
		// A RANGE frame ends at the current row's last peer.
		for ci, wc := range w.calls {
			if wc.fn != "" || wc.rows {
				continue
			}
			v, err := accs[wc.acc].result()
			if err != nil {
				return err
			}
			for _, e := range group {
				for c := 0; c < int(e.n); c++ {
					e.outs[c*nc+ci] = v
				}
			}
		}
		for _, e := range group {
			if e.n > 0 {
				e.val = appendOuts(e.val, e.outs)
			}
		}
		if live[i].n > 0 {
			groupsBefore++
		}
		i = j
	}

	w.layout(p.prefix, blocks, live)
	for _, e := range live {
		if e.oldVal != nil && e.n > 0 && bytes.Equal(e.oldVal, e.val) {
			continue
		}
		if e.oldVal != nil {
			_, oldOuts, err := entryParts(e.oldVal)
			if err != nil {
				return err
			}
			_, newOuts, _ := entryParts(e.val)
			same := e.n == e.old && bytes.Equal(oldOuts, newOuts)
			if !same {
				outs, err := sql.DecodeRow(oldOuts, nil)
				if err != nil || len(outs) != int(e.old)*nc {
					return fmt.Errorf("view state: bad window entry: %v", err)
				}
				for c := 0; c < int(e.old); c++ {
					dels.Add(w.output(e.row, outs[c*nc:(c+1)*nc]), -1)
				}
			}
			if e.n == 0 || same {
				continue
			}
		} else if e.n == 0 {
			continue
		}
		for c := 0; c < int(e.n); c++ {
			adds.Add(w.output(e.row, e.outs[c*nc:(c+1)*nc]), 1)
		}
	}
	return nil
}

func (w *windowFlowOp) output(r sql.Row, outs sql.Row) sql.Row {
	out := make(sql.Row, len(r)+len(outs))
	copy(out, r)
	copy(out[len(r):], outs)
	return out
}

// encodeEntry starts an entry's value: its header and meta.
func encodeEntry(e *winEntry, meta sql.Row) []byte {
	m := sql.AppendRow(nil, meta)
	v := binary.AppendUvarint(nil, uint64(e.olen))
	v = binary.AppendUvarint(v, uint64(e.n))
	v = binary.AppendUvarint(v, uint64(len(m)))
	return append(v, m...)
}

func appendOuts(v []byte, outs sql.Row) []byte { return sql.AppendRow(v, outs) }

// saveAcc appends the state of a running aggregate that windowCallShape
// accepts; restoreAcc reads it back.
func saveAcc(a accumulator, dst sql.Row) (sql.Row, error) {
	switch a := a.(type) {
	case *countAcc:
		return append(dst, sql.NewInt(a.n)), nil
	case *sumAcc:
		return appendSum(a, dst), nil
	case *avgAcc:
		return appendSum(&a.sum, dst), nil
	case *minMaxAcc:
		v, err := a.result()
		return append(dst, v), err
	}
	return nil, fmt.Errorf("exec: window state of %T", a)
}

func appendSum(a *sumAcc, dst sql.Row) sql.Row {
	dec := sql.Null
	if a.isDec {
		dec = sql.NewNumeric(a.dec)
	}
	return append(dst, sql.NewInt(a.n), sql.NewInt(a.i), dec, sql.NewFloat(a.f), sql.NewInterval(a.iv))
}

func restoreAcc(a accumulator, src sql.Row) (sql.Row, error) {
	bad := fmt.Errorf("view state: bad window accumulator")
	switch a := a.(type) {
	case *countAcc:
		if len(src) < 1 {
			return nil, bad
		}
		a.n = src[0].Int()
		return src[1:], nil
	case *sumAcc:
		return restoreSum(a, src)
	case *avgAcc:
		a.sum.typ = a.typ
		return restoreSum(&a.sum, src)
	case *minMaxAcc:
		if len(src) < 1 {
			return nil, bad
		}
		a.best, a.ok = src[0], !src[0].IsNull()
		return src[1:], nil
	}
	return nil, bad
}

func restoreSum(a *sumAcc, src sql.Row) (sql.Row, error) {
	if len(src) < 5 {
		return nil, fmt.Errorf("view state: bad window accumulator")
	}
	a.n, a.i = src[0].Int(), src[1].Int()
	if !src[2].IsNull() {
		a.isDec, a.dec = true, new(apd.Decimal).Set(src[2].Numeric())
	}
	a.f, a.iv = src[3].Float(), src[4].Interval()
	return src[5:], nil
}

// winBlockSize is how many entries a block holds at most. Rows that come
// in order go to the partition's last block, rewritten whole each epoch:
// larger blocks take fewer writes when an epoch brings a partition many
// rows, and rewrite more bytes when it brings one.
const winBlockSize = 32

// winBlock is a run of consecutive entries of a partition, stored under
// the key of its first; its value lists them, each as its key without the
// partition prefix and its value, both length-prefixed.
type winBlock struct {
	key, val []byte
	entries  []*winEntry // ascending
}

// parseBlock reads a stored block; k and v are only valid during the call.
func parseBlock(prefix, k, v []byte) (*winBlock, error) {
	b := &winBlock{key: bytes.Clone(k), val: bytes.Clone(v)}
	plen := len(prefix)
	for rest := b.val; len(rest) > 0; {
		kl, n := binary.Uvarint(rest)
		if n <= 0 || int(kl) > len(rest)-n {
			return nil, fmt.Errorf("view state: bad window block")
		}
		suffix := rest[n : n+int(kl)]
		rest = rest[n+int(kl):]
		vl, n := binary.Uvarint(rest)
		if n <= 0 || int(vl) > len(rest)-n {
			return nil, fmt.Errorf("view state: bad window block")
		}
		val := rest[n : n+int(vl) : n+int(vl)]
		rest = rest[n+int(vl):]
		key := make([]byte, plen+len(suffix))
		copy(key, prefix)
		copy(key[plen:], suffix)
		e, err := parseEntry(key, val, plen)
		if err != nil {
			return nil, err
		}
		b.entries = append(b.entries, e)
	}
	if len(b.entries) == 0 {
		return nil, fmt.Errorf("view state: empty window block")
	}
	return b, nil
}

// layout writes a partition's blocks after its entries changed: from the
// first block that holds a recomputed entry (or, when none is, the last
// block, which new rows past the end go to) the entries are laid out
// again in blocks of winBlockSize; blocks that come out the same are not
// written, and old blocks no longer used are deleted.
func (w *windowFlowOp) layout(prefix []byte, blocks []*winBlock, live []*winEntry) {
	st := w.rt.flow.state
	plen := len(prefix)
	base := -1
	for i := len(blocks) - 1; i >= 0 && base < 0; i-- {
		for _, e := range blocks[i].entries {
			if e.region {
				base = i
				break
			}
		}
	}
	if base < 0 && len(blocks) > 0 {
		base = 0
	}
	var lay []*winEntry
	old := map[string][]byte{}
	if base >= 0 {
		for i := base; i >= 0; i-- {
			old[string(blocks[i].key)] = blocks[i].val
		}
		for _, e := range blocks[base].entries {
			if !e.region {
				lay = append(lay, e)
			}
		}
	}
	for _, e := range live {
		if e.n > 0 {
			lay = append(lay, e)
		}
	}
	for len(lay) > 0 {
		chunk := lay[:min(len(lay), winBlockSize)]
		lay = lay[len(chunk):]
		size := 0
		for _, e := range chunk {
			size += 2*binary.MaxVarintLen32 + len(e.key) - plen + len(e.stored())
		}
		val := st.alloc(size)[:0]
		for _, e := range chunk {
			v := e.stored()
			val = binary.AppendUvarint(val, uint64(len(e.key)-plen))
			val = append(val, e.key[plen:]...)
			val = binary.AppendUvarint(val, uint64(len(v)))
			val = append(val, v...)
		}
		key := chunk[0].key
		prev, ok := old[string(key)]
		delete(old, string(key))
		if ok && bytes.Equal(prev, val) {
			continue
		}
		st.put(key, val)
	}
	for k := range old {
		st.del([]byte(k))
	}
}

// stored is the entry's value as it is to be stored: recomputed, or as it
// was for an entry before the recomputed ones.
func (e *winEntry) stored() []byte {
	if e.val == nil {
		return e.oldVal
	}
	return e.val
}

// descend calls f for the keys with the prefix from the greatest down,
// with the epoch's pending writes merged in, until f returns false. Keys
// and values are valid during f only.
func (s *stateStore) descend(prefix []byte, f func(k, v []byte) (bool, error)) error {
	if err := s.land(); err != nil {
		return err
	}
	end := prefixEnd(prefix)
	if end == nil {
		return fmt.Errorf("exec: no key follows state prefix %x", prefix)
	}
	// The pending writes come in chunks, so that a partition with many
	// pending keys costs only the ones read.
	const chunk = 32
	var over []stateEntry
	pivot, done, i := end, false, 0
	more := func() {
		over, i = over[:0], 0
		s.pending.DescendLessOrEqual(stateEntry{key: pivot}, func(e stateEntry) bool {
			if bytes.Equal(e.key, pivot) {
				return true
			}
			if !bytes.HasPrefix(e.key, prefix) {
				return false
			}
			over = append(over, e)
			return len(over) < chunk
		})
		if len(over) < chunk {
			done = true
		}
		if len(over) > 0 {
			pivot = over[len(over)-1].key
		}
	}
	it := s.snap.NewIterator(badger.IteratorOptions{Reverse: true, PrefetchSize: 4})
	defer it.Close()
	it.Seek(end)
	if it.Valid() && bytes.Equal(it.Item().Key(), end) {
		it.Next()
	}
	for {
		if i >= len(over) && !done {
			more()
		}
		var k []byte
		if it.Valid() && bytes.HasPrefix(it.Item().Key(), prefix) {
			k = it.Item().Key()
		}
		if i >= len(over) && k == nil {
			return nil
		}
		var cont bool
		var err error
		if i < len(over) && (k == nil || bytes.Compare(over[i].key, k) >= 0) {
			e := over[i]
			i++
			if k != nil && bytes.Equal(e.key, k) {
				it.Next()
			}
			if e.val == nil {
				continue
			}
			cont, err = f(e.key, e.val)
		} else {
			err = it.Item().Value(func(v []byte) error {
				var ferr error
				cont, ferr = f(k, v)
				return ferr
			})
			it.Next()
		}
		if err != nil || !cont {
			return err
		}
	}
}

// prefixEnd is the least key greater than every key with the prefix; nil
// when there is none.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
