package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// topNOp maintains the first rows of each partition of its input in an
// order: row_number() OVER (PARTITION BY p ORDER BY o) under a filter that
// keeps rn <= N (a TopN; N = 1 deduplicates), and ORDER BY o LIMIT n
// OFFSET m (one partition). keyedOp would re-sort a touched partition's
// rows twice per epoch; this operator keeps each partition's rows ordered
// in the state and, beside them, a record of the partition's current top,
// so that an epoch reads one record per touched partition and a row that
// lands past the top costs one write. Only a retraction from the top of a
// partition with rows past it re-reads the partition, and then only its
// first N rows.
//
// Rows are ordered by a memcomparable key of the ORDER BY values (NULLs
// placed by NULLS FIRST/LAST, DESC complemented), then by the row's exact
// encoding: the order keyedOp's batch run gives, since it feeds the
// window's stable sort the rows in that encoding's order. Equal rows take
// consecutive positions. The output is the window's (the input row and
// its row number) or the limit's (the input row) for positions below N,
// and a change emits only the positions whose row changed.
//
// Over an append-only input (sources, APPEND ONLY tables, and inner
// joins and stateless nodes over them) a row pushed past the top can never
// come back, so only the records are kept.
//
// State layout under the operator's prefix:
//
//	0x00 partition-key                       -> record: size, top entries
//	0x01 partition-key order-key row         -> count, order key's length
type topNOp struct {
	rt    *runtime
	in    Operator
	part  []evalFn
	order []compiledKey
	skip  int64 // positions before it are not output (OFFSET)
	n     int64 // positions kept: rows at positions skip..n-1 are output
	rn    bool  // output rows carry their row number
	// appendOnly: the input never retracts a row, so a row that falls
	// past the top never comes back and only the record is kept.
	appendOnly bool
	// ties: the top is every row tied with the first on the order key,
	// however many (n is unused), and none when that key is NULL: the rows
	// that a join with their partition's max or min keeps (flow_argmax.go).
	// Each output row is followed by its columns at extra. Rows with a
	// NULL partition value, which join nothing, are dropped.
	ties  bool
	extra []int
	// grow: ties over maxima that never fall (flow_topn_grow.go), which
	// keep only the records.
	grow   bool
	prefix []byte
	out    Operator
	outGen uint64
	kbuf   []byte
	// pkbuf builds a position key, which is then copied into kslab: the
	// epoch's position keys share a few allocations.
	pkbuf, kslab []byte
	vals         []sql.Value // output rows with row numbers are carved from it
	ents         []topEntry  // an append-only input's entries are carved from it
	// cache holds partitions' records between epochs (flow_topn_cache.go);
	// nil when partitions close. stampKey is where its stamp is written.
	cache    *topNCache
	stampKey []byte
	// known are the partitions with a record, for a new view's operator
	// (flow_join_known.go): a partition it never stored costs no read.
	known *knownKeys
	// view: the tops are kept in the view's rows, not in records
	// (flow_topn_view.go).
	view *topNView
}

func (t *topNOp) Next(ctx context.Context) (*Batch, error) {
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

// topEntry is one distinct row of a partition: its position key (order
// key then row encoding; klen is the order key's length) and count.
type topEntry struct {
	key   []byte
	klen  int
	count int64
	row   sql.Row // decoded on demand
	// owned: key is the entry's own, not scratch of an epoch or of the
	// store (topNCache keeps such keys).
	owned bool
}

func (e *topEntry) decode() (sql.Row, error) {
	if e.row == nil {
		r, err := sql.DecodeRow(e.key[e.klen:], nil)
		if err != nil {
			return nil, fmt.Errorf("view state: %w", err)
		}
		e.row = r
	}
	return e.row, nil
}

// topPart is one touched partition during an epoch.
type topPart struct {
	key     string
	changes map[string]*topEntry // by position key; count is the net change
	// added are an append-only input's rows, as they came: equal rows are
	// merged after sorting, which partition does anyway.
	added []*topEntry
	// top is the record's top as the epoch found it, read as the
	// partition's first change comes (grow mode: flow_topn_grow.go).
	top []*topEntry
}

func (t *topNOp) epoch(ctx context.Context) (Batch, error) {
	parts := map[string]*topPart{}
	begun := false
	begin := func() error {
		if begun || t.cache == nil {
			return nil
		}
		begun = true
		return t.cache.begin(t.rt.flow.state, t.stampKey)
	}
	// Over an append-only input, a row that sorts after the last of a
	// full top, as the cache knows it before the epoch, is gone for good.
	screen := t.appendOnly && !t.ties && t.cache != nil
	err := drain(ctx, t.in, func(r sql.Row, d int64) error {
		pk := t.kbuf[:0]
		for _, f := range t.part {
			v, err := f(r)
			if err != nil {
				return err
			}
			if v.IsNull() && t.ties {
				return nil
			}
			pk = sql.AppendKey(pk, v)
		}
		t.kbuf = pk
		// okLen: t.pkbuf holds r's order key already, of this length.
		okLen := -1
		if screen && d > 0 {
			if err := begin(); err != nil {
				return err
			}
			if c := t.cache.parts[string(pk)]; c != nil && c.inTop >= t.n && len(c.top) > 0 {
				ok, err := appendOrderKey(t.pkbuf[:0], t.order, r)
				if err != nil {
					return err
				}
				t.pkbuf = ok
				last := c.top[len(c.top)-1]
				if bytes.Compare(ok, last.key[:last.klen]) > 0 {
					return nil
				}
				okLen = len(ok)
			}
		}
		p := parts[string(pk)]
		if p == nil {
			p = &topPart{key: string(pk)}
			if !t.appendOnly {
				p.changes = map[string]*topEntry{}
			}
			parts[p.key] = p
			if t.grow {
				if err := t.growBegin(p, begin); err != nil {
					return err
				}
			}
		}
		if t.grow {
			if below, err := t.growBelow(p, r); below || err != nil {
				return err
			}
		}
		key, klen, err := t.positionKey(r, okLen)
		if err != nil {
			return err
		}
		if t.appendOnly {
			if d != 0 {
				e := t.newEntry()
				e.key, e.klen, e.row, e.count = key, klen, r, d
				p.added = append(p.added, e)
			}
			return nil
		}
		c := p.changes[string(key)]
		if c == nil {
			c = &topEntry{key: key, klen: klen, row: r}
			p.changes[string(key)] = c
		}
		c.count += d
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	// In order, without a lookup in parts per partition (a cache miss
	// each, over tens of thousands in a load's epoch).
	type keyed struct {
		key string
		p   *topPart
	}
	keys := make([]keyed, 0, len(parts))
	for k, p := range parts {
		keys = append(keys, keyed{k, p})
	}
	slices.SortFunc(keys, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	if len(keys) > 0 {
		if err := begin(); err != nil {
			return Batch{}, err
		}
	}
	var dels, adds Batch
	for _, k := range keys {
		if err := t.partition(k.p, &dels, &adds); err != nil {
			return Batch{}, err
		}
	}
	if !t.rn && (t.ties || t.n-t.skip > 1) {
		// Without row numbers a row that moved within the kept positions
		// is no change. (With one position there is no moving: a
		// partition retracts and inserts rows that differ, and rows of
		// two partitions differ in their partition's values.)
		var cs changeSet
		for i, r := range dels.Rows {
			cs.add(r, dels.Diffs[i])
		}
		for i, r := range adds.Rows {
			cs.add(r, adds.Diffs[i])
		}
		rows, diffs := cs.result()
		return Batch{Rows: rows, Diffs: diffs}, nil
	}
	// Retractions first, as keyedOp's changes come.
	dels.Rows = append(dels.Rows, adds.Rows...)
	dels.Diffs = append(dels.Diffs, adds.Diffs...)
	return dels, nil
}

// newEntry returns a zeroed topEntry from the current chunk: an epoch's
// entries share a few allocations. (The cache copies those it keeps.)
func (t *topNOp) newEntry() *topEntry {
	if len(t.ents) == 0 {
		t.ents = make([]topEntry, 256)
	}
	e := &t.ents[0]
	t.ents = t.ents[1:]
	return e
}

// positionKey is where row r sorts in its partition; the key is the
// operator's until the epoch ends (it may go in the record). okLen >= 0:
// t.pkbuf starts with r's order key, of that length.
func (t *topNOp) positionKey(r sql.Row, okLen int) ([]byte, int, error) {
	k := t.pkbuf[:max(okLen, 0)]
	if okLen < 0 {
		var err error
		if k, err = appendOrderKey(k, t.order, r); err != nil {
			return nil, 0, err
		}
	}
	klen := len(k)
	k = sql.AppendRow(k, r)
	t.pkbuf = k
	if len(k) > cap(t.kslab)-len(t.kslab) {
		t.kslab = make([]byte, 0, max(32<<10, len(k)))
	}
	n := len(t.kslab)
	t.kslab = append(t.kslab, k...)
	return t.kslab[n:len(t.kslab):len(t.kslab)], klen, nil
}

func (t *topNOp) recordKey(pk string) []byte {
	return append(append(slices.Clip(t.prefix), 0x00), pk...)
}

func (t *topNOp) setPrefix(pk string) []byte {
	return append(append(slices.Clip(t.prefix), 0x01), pk...)
}

// partition applies one partition's changes and emits the changes of its
// output positions.
func (t *topNOp) partition(p *topPart, dels, adds *Batch) error {
	if t.grow {
		return t.growPartition(p, dels, adds)
	}
	st := t.rt.flow.state
	size, top, err := t.record(p.key)
	if err != nil {
		return err
	}
	var inTop int64 // rows the record lists; the rest lie past them
	for _, e := range top {
		inTop += e.count
	}
	full := len(top) > 0 && (t.ties || inTop >= t.n)
	// The top's entries, copied, by key: a small top is searched instead,
	// which costs no map nor key strings per partition.
	var byKey map[string]*topEntry
	if !t.appendOnly || len(top) > topNSearchMax {
		byKey = make(map[string]*topEntry, len(top))
	}
	copies := make([]topEntry, len(top), len(top)+len(p.added))
	next := make([]*topEntry, 0, len(top)+len(p.changes)+len(p.added))
	for i, e := range top {
		copies[i] = *e
		c := &copies[i]
		if byKey != nil {
			byKey[string(e.key)] = c
		}
		next = append(next, c)
	}
	if t.appendOnly {
		// Sorted, equal rows merged.
		changes := p.added
		slices.SortFunc(changes, func(a, b *topEntry) int { return bytes.Compare(a.key, b.key) })
		merged := changes[:0]
		for _, c := range changes {
			if n := len(merged); n > 0 && bytes.Equal(merged[n-1].key, c.key) {
				merged[n-1].count += c.count
				continue
			}
			merged = append(merged, c)
		}
		return t.appendPartition(p.key, top, byKey, next, merged, full, dels, adds)
	}
	changes := make([]*topEntry, 0, len(p.changes))
	for _, c := range p.changes {
		if c.count != 0 {
			changes = append(changes, c)
		}
	}
	slices.SortFunc(changes, func(a, b *topEntry) int { return bytes.Compare(a.key, b.key) })
	// The top changes without a re-read unless it loses a row while rows
	// wait past it: ones there before the epoch (size0 > inTop) or ones
	// this epoch added past it.
	size0, lost, passed := size, false, false
	sp := t.setPrefix(p.key)
	for _, c := range changes {
		sk := append(slices.Clip(sp), c.key...)
		var c0 int64
		e := byKey[string(c.key)]
		switch {
		case e != nil:
			c0 = e.count
		case size0 == inTop:
			// Every row was in the top: this one is new.
		default:
			v, ok, err := st.get(sk)
			if err != nil {
				return err
			}
			if ok {
				n, w := binary.Varint(v)
				if w <= 0 {
					return errStateCorrupt
				}
				c0 = n
			}
		}
		c1 := c0 + c.count
		if c1 < 0 {
			return fmt.Errorf("view state: %w: a row was retracted more often than it was added", errStateMismatch)
		}
		if c1 == 0 {
			st.del(sk)
		} else {
			st.put(sk, binary.AppendVarint(binary.AppendVarint(nil, c1), int64(c.klen)))
		}
		size += c.count
		switch {
		case e != nil:
			e.count = c1
			lost = lost || c.count < 0
		case c.count < 0:
			// It was past the top.
		case t.admits(top, full, c):
			next = append(next, &topEntry{key: c.key, klen: c.klen, count: c1, row: c.row})
		default:
			passed = true
		}
	}
	refill := lost && (size0 > inTop || passed)
	if size < 0 {
		return fmt.Errorf("view state: %w: a partition lost more rows than it held", errStateMismatch)
	}
	if refill {
		if next, err = t.scanTop(sp); err != nil {
			return err
		}
	} else {
		next = t.firstN(next)
	}
	rk := t.recordKey(p.key)
	if size == 0 {
		st.del(rk)
	} else {
		st.put(rk, t.encodeRecord(size, next))
		t.known.addString(p.key)
	}
	if err := t.emit(top, next, dels, adds); err != nil {
		return err
	}
	if t.cache != nil {
		t.cache.put(p.key, size, next)
	}
	return nil
}

// record returns a partition's size and top, from the cache or the store.
func (t *topNOp) record(pk string) (int64, []*topEntry, error) {
	if t.cache != nil {
		if size, top, ok := t.cache.get(pk); ok {
			return size, top, nil
		}
	}
	if t.known.absentString(pk) {
		return 0, nil, nil
	}
	if t.view != nil {
		return t.loadViewTop(pk)
	}
	return t.loadRecord(pk)
}

// topNSearchMax is the largest top that an append-only partition
// searches rather than maps by key.
const topNSearchMax = 16

// appendPartition is partition for an append-only input: a new row
// enters the top or is gone for good, so nothing but the record is read
// or written. next starts with the top's copies; byKey maps them by key,
// or is nil and they are searched.
func (t *topNOp) appendPartition(pk string, top []*topEntry, byKey map[string]*topEntry, next, changes []*topEntry,
	full bool, dels, adds *Batch) error {
	changed := false
	for _, c := range changes {
		if c.count < 0 {
			return fmt.Errorf("view state: %w: a row was retracted from an append-only input", errStateMismatch)
		}
		var e *topEntry
		if byKey != nil {
			e = byKey[string(c.key)]
		} else {
			for _, x := range next[:len(top)] {
				if bytes.Equal(x.key, c.key) {
					e = x
					break
				}
			}
		}
		switch {
		case e != nil:
			e.count += c.count
			changed = changed || c.count != 0
		case t.admits(top, full, c):
			next = append(next, c) // the epoch's own, as merged
			changed = true
		}
	}
	if !changed {
		// Every new row fell past the top, for good: the record stands.
		if t.cache != nil && len(top) > 0 {
			if _, _, ok := t.cache.get(pk); !ok {
				var size int64
				for _, e := range top {
					size += e.count
				}
				t.cache.put(pk, size, top)
			}
		}
		return nil
	}
	next = t.firstN(next)
	var size int64
	for _, e := range next {
		size += e.count
	}
	if size > 0 {
		if t.view == nil {
			t.rt.flow.state.put(t.recordKey(pk), t.encodeRecord(size, next))
		}
		t.known.addString(pk)
	}
	if err := t.emit(top, next, dels, adds); err != nil {
		return err
	}
	if t.cache != nil {
		t.cache.put(pk, size, next)
	}
	return nil
}

// admits reports whether a new row c, not in the top, enters it: the top
// holds every row (it is not full), or c sorts before its last row (with
// ties: not after its first row's order key).
func (t *topNOp) admits(top []*topEntry, full bool, c *topEntry) bool {
	switch {
	case !full:
		return true
	case t.ties:
		return bytes.Compare(c.key[:c.klen], top[0].key[:top[0].klen]) <= 0
	}
	return bytes.Compare(c.key, top[len(top)-1].key) < 0
}

// within reports whether an entry after seen positions, of which first is
// the first, belongs to the top.
func (t *topNOp) within(first, e *topEntry, seen int64) bool {
	if t.ties {
		return first == nil || bytes.Equal(e.key[:e.klen], first.key[:first.klen])
	}
	return seen < t.n
}

// firstN sorts entries and keeps those that start within the first N
// positions (with ties: those tied with the first).
func (t *topNOp) firstN(next []*topEntry) []*topEntry {
	slices.SortFunc(next, func(a, b *topEntry) int { return bytes.Compare(a.key, b.key) })
	kept, seen := next[:0], int64(0)
	var first *topEntry
	for _, e := range next {
		if e.count > 0 && t.within(first, e, seen) {
			if first == nil {
				first = e
			}
			kept = append(kept, e)
			seen += e.count
		}
	}
	return kept
}

// emit compares the positions of the old and new tops and emits the rows
// of the positions that changed.
func (t *topNOp) emit(old, cur []*topEntry, dels, adds *Batch) error {
	if t.ties {
		for _, x := range []struct {
			top []*topEntry
			b   *Batch
			d   int64
		}{{old, dels, -1}, {cur, adds, 1}} {
			if len(x.top) == 0 || x.top[0].key[0] != 0x01 {
				continue // no rows, or a NULL extreme, which nothing equals
			}
			for _, e := range x.top {
				r, err := t.output(e, 0)
				if err != nil {
					return err
				}
				x.b.Add(r, x.d*e.count)
			}
		}
		return nil
	}
	var oi, ci int   // entries
	var oc, cc int64 // copies of the current entries already placed
	for pos := int64(0); pos < t.n; pos++ {
		var o, c *topEntry
		if oi < len(old) {
			o = old[oi]
		}
		if ci < len(cur) {
			c = cur[ci]
		}
		if o == nil && c == nil {
			break
		}
		if pos >= t.skip && (o == nil || c == nil || !bytes.Equal(o.key, c.key)) {
			if o != nil {
				r, err := t.output(o, pos)
				if err != nil {
					return err
				}
				dels.Add(r, -1)
			}
			if c != nil {
				r, err := t.output(c, pos)
				if err != nil {
					return err
				}
				adds.Add(r, 1)
			}
		}
		if o != nil {
			if oc++; oc == o.count {
				oi, oc = oi+1, 0
			}
		}
		if c != nil {
			if cc++; cc == c.count {
				ci, cc = ci+1, 0
			}
		}
	}
	return nil
}

// output is the operator's row for an entry at a position.
func (t *topNOp) output(e *topEntry, pos int64) (sql.Row, error) {
	r, err := e.decode()
	if err != nil {
		return nil, err
	}
	if t.extra != nil {
		out := make(sql.Row, len(r), len(r)+len(t.extra))
		copy(out, r)
		for _, c := range t.extra {
			out = append(out, r[c])
		}
		return out, nil
	}
	if !t.rn {
		return r, nil
	}
	w := len(r) + 1
	if len(t.vals) < w {
		t.vals = make([]sql.Value, w*max(64, 4096/w))
	}
	out := t.vals[:w:w]
	t.vals = t.vals[w:]
	copy(out, r)
	out[len(r)] = sql.NewInt(pos + 1)
	return out, nil
}

// scanTop reads a partition's first rows, up to N positions.
func (t *topNOp) scanTop(sp []byte) ([]*topEntry, error) {
	var out []*topEntry
	var seen int64
	err := t.rt.flow.state.scan(sp, func(k, v []byte) error {
		r := &stateReader{b: v}
		n, klen := r.varint(), r.varint()
		key := k[len(sp):]
		if r.err != nil || n <= 0 || klen < 0 || klen > int64(len(key)) {
			return errStateCorrupt
		}
		e := &topEntry{key: key, klen: int(klen), count: n}
		var first *topEntry
		if len(out) > 0 {
			first = out[0]
		}
		if !t.within(first, e, seen) {
			return errStopScan
		}
		e.key, e.owned = slices.Clone(key), true
		out = append(out, e)
		seen += n
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, err
	}
	return out, nil
}

// loadRecord reads a partition's size and top.
func (t *topNOp) loadRecord(pk string) (int64, []*topEntry, error) {
	v, ok, err := t.rt.flow.state.get(t.recordKey(pk))
	if err != nil || !ok {
		return 0, nil, err
	}
	r := &stateReader{b: v}
	size := r.varint()
	n := r.varint()
	if r.err != nil || n < 0 || n > int64(len(r.b)) {
		return 0, nil, errStateCorrupt
	}
	top := make([]*topEntry, n)
	for i := range top {
		e := &topEntry{count: r.varint()}
		e.klen = int(r.varint())
		// The value is a copy of its own, or a pending write, which
		// nothing changes: its keys need no copy.
		e.key = r.bytes()
		if r.err != nil || e.count <= 0 || e.klen < 0 || e.klen > len(e.key) {
			return 0, nil, errStateCorrupt
		}
		top[i] = e
	}
	if len(r.b) != 0 {
		return 0, nil, errStateCorrupt
	}
	return size, top, nil
}

func (t *topNOp) encodeRecord(size int64, top []*topEntry) []byte {
	n := 2 * binary.MaxVarintLen64
	for _, e := range top {
		n += 3*binary.MaxVarintLen64 + len(e.key)
	}
	buf := t.rt.flow.state.alloc(n)[:0]
	buf = binary.AppendVarint(buf, size)
	buf = binary.AppendVarint(buf, int64(len(top)))
	for _, e := range top {
		buf = binary.AppendVarint(buf, e.count)
		buf = binary.AppendVarint(buf, int64(e.klen))
		buf = appendBytes(buf, e.key)
	}
	return buf
}

// appendOrderKey appends r's ORDER BY values to k so that the keys sort as
// the rows do: each value memcomparable (complemented when descending)
// after a byte that places NULLs first or last.
func appendOrderKey(k []byte, order []compiledKey, r sql.Row) ([]byte, error) {
	for _, o := range order {
		v, err := o.eval(r)
		if err != nil {
			return nil, err
		}
		switch {
		case v.IsNull() && o.nullsFirst:
			k = append(k, 0x00)
		case v.IsNull():
			k = append(k, 0x02)
		default:
			k = append(k, 0x01)
			start := len(k)
			k = sql.AppendKey(k, v)
			if o.desc {
				// Memcomparable keys are prefix-free, so complementing
				// them reverses their order.
				for i := start; i < len(k); i++ {
					k[i] = ^k[i]
				}
			}
		}
	}
	return k, nil
}
