package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// aggOp maintains an aggregate incrementally, in work proportional to the
// changes rather than to the groups they touch (keyedOp's way). Each
// group keeps one record in the dataflow's state: its number of rows, its
// values, and per aggregate a running state that retracts exactly
// (flow_agg_state.go): counts, sums, true and false counts, and for min
// and max the current extreme. Each min or max also keeps the multiset of
// its group's values, ordered under memcomparable keys (sql.AppendKey),
// so that when the extreme leaves, the next one is the first key under a
// prefix; count, sum and avg of DISTINCT keep the multiset of distinct
// values and feed their running state when a value comes or goes. Per
// epoch each touched group is read once, changed in memory and written
// back, and emits its old row's retraction and its new row.
//
// Results go through the batch accumulators' result() (accum.go), so a
// view's types, numeric scales and avg's precision are those of its query.
// Where values compare equal yet print differently (1.0 and 1.00, '1 mon'
// and '30 days'), the key keeps the exact value too, so groups and
// extremes show a value that is present; which of several equal ones is
// shown may differ from a batch query, which shows the first it meets.
// A float sum is exact (exactSum), so it can differ from a batch query's
// running sum in the last digit, but never drifts.
//
// State layout under the operator's prefix:
//
//	0x00 group-key                     -> group record
//	0x01 group-key set-id sort-key     -> count, payload
//	0x02                               -> the cache's stamp (flow_agg_cache.go)
//
// where set-id is an aggregate's index (its extremes or distinct values)
// or repSet (the exact forms of the group's values, when they differ).
// Over an append-only input a DISTINCT's member only records presence,
// and in views marked aggDistinctShared the variants of a DISTINCT share
// its members, which small groups keep in their record
// (flow_agg_distinct.go).
type aggOp struct {
	rt     *runtime
	in     Operator
	group  []evalFn
	aggs   []aggSpec
	prefix []byte
	// lossyKey: some group column's key does not keep its exact form,
	// so the group's representations are kept in repSet.
	lossyKey bool
	// touchAll makes the first epoch of a new view emit the row of an
	// ungrouped aggregate even over no input.
	touchAll bool
	// appendOnly: the input never retracts a row (flow_topn_plan.go's
	// appendOnly), so an extreme never leaves and min and max keep no
	// multiset, only the extreme in the group's record.
	appendOnly bool
	// hop: the input is HOP's, whose rows are counted by slide before
	// they reach their windows' groups (flow_agg_hop.go); in is then
	// HOP's input.
	hop *aggHop
	// cache holds the groups and distinct values of the epochs that took
	// effect (flow_agg_cache.go).
	cache    *aggCache
	stampKey []byte
	// sharedDistinct: the view shares one multiset among the variants of
	// an append-only DISTINCT (aggSpec.set); its members hold a mask of
	// variants where views made before kept one multiset per aggregate.
	sharedDistinct bool
	// fres holds the row's FILTER results by aggregate (see pass).
	fres []uint8
	// leaders are the aggregates whose multisets are shared (with
	// sharedDistinct), kept in their groups' records while small
	// (inlineSet).
	leaders []int
	ibuf    []byte
	out     Operator
	outGen  uint64 // the state generation out was computed in
	kbuf    []byte
	vbuf    sql.Row
	// obuf and nbuf hold a group's old and new rows encoded, and rbuf
	// its values, reused from group to group.
	obuf, nbuf, rbuf []byte
}

const repSet = 0xffff

type aggKind uint8

const (
	aggCount aggKind = iota
	aggSum
	aggAvg
	aggMin
	aggMax
	aggBool
)

type aggSpec struct {
	call   planner.AggCall
	kind   aggKind
	arg    evalFn // nil for count(*)
	filter evalFn
	// sameFilter is an earlier aggregate whose FILTER is the same
	// expression, so that a row evaluates it once (q15's price bands
	// filter a count, two count(DISTINCT)s and more); -1: none.
	sameFilter int
	// distinct: count, sum or avg of DISTINCT (for the others DISTINCT
	// changes nothing).
	distinct bool
	// lossy: a min or max whose argument's key loses its exact form.
	lossy bool
	// presence: a DISTINCT over an append-only input whose values' keys
	// are exact. A value once present stays, so its multiset member only
	// says so: it is written when the value first comes and never again
	// (its count stays what it was written with; views made before this
	// kept counting, which reads the same).
	presence bool
	// set is the multiset a presence DISTINCT keeps its values in: its own
	// index, or with sharedDistinct the first of the DISTINCTs over the
	// same column (count(DISTINCT x) FILTER (...) in several variants),
	// whose members say by a mask of bits which variants hold them. A
	// value then costs one member however many variants take it.
	set int
	bit uint64
	// variants are the aggregates that share this one's set, and leader
	// its index in aggOp.leaders (with sharedDistinct).
	variants []int
	leader   int
}

// incrementalAggregate reports whether aggOp can maintain n.
func incrementalAggregate(n *planner.Aggregate) bool {
	if n.GroupingSets != nil {
		return false
	}
	for _, c := range n.Aggs {
		if len(c.Args) > 1 {
			return false
		}
		var arg sql.Type
		if len(c.Args) == 1 {
			arg = c.Args[0].Type()
		}
		switch c.Func.Name {
		case "count", "bool_and", "bool_or", "every":
		case "sum", "avg":
			if len(c.Args) != 1 {
				return false
			}
			switch arg.Kind() {
			case sql.KindInt, sql.KindFloat, sql.KindNumeric, sql.KindInterval, sql.KindNull:
			default:
				return false
			}
			switch c.Type.OID {
			case sql.OIDInt8, sql.OIDNumeric, sql.OIDFloat4, sql.OIDFloat8, sql.OIDInterval:
			default:
				return false
			}
		case "min", "max":
			if len(c.Args) != 1 || !keyOrdered(arg) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// keyOrdered reports whether sql.AppendKey orders values of t as Compare
// does (jsonb's order is not its key's).
func keyOrdered(t sql.Type) bool {
	if t.OID == sql.OIDRecord {
		return false
	}
	if t.Elem != nil {
		return keyOrdered(*t.Elem)
	}
	return t.Kind() != sql.KindJSON
}

// keyExact reports whether equal keys of values of t mean identical values.
func keyExact(t sql.Type) bool {
	switch t.Kind() {
	case sql.KindBool, sql.KindInt, sql.KindDate, sql.KindTime, sql.KindTimestamp, sql.KindTimestampTZ,
		sql.KindText, sql.KindBytes, sql.KindNull:
		return true
	}
	return false
}

// aggregate builds the operator that maintains n: aggOp where it can,
// else a keyedOp.
func (f *dataflow) aggregate(rt *runtime, n *planner.Aggregate) (Operator, error) {
	if !f.incremental() || !incrementalAggregate(n) {
		return f.keyed(rt, n, []planner.Node{n.Input}, [][]planner.Expr{planner.GroupKey(n)})
	}
	a := &aggOp{rt: rt, prefix: f.opPrefix(), touchAll: f.fresh && len(n.Group) == 0,
		appendOnly: f.operators() >= operatorsTopN && appendOnly(n.Input, noViews)}
	// Windowed groups close: their record and value sets go, and the
	// cache forgets them as it sees the closer's mark move (pruneClosed).
	closer := f.closing(a.prefix, [][]byte{{0x00}, {0x01}}, []planner.Node{n.Input}, [][]planner.Expr{n.Group})
	var budget int64 = DefaultStateCache
	if f.e != nil {
		budget = f.e.stateCache
	}
	a.cache = newAggCache(budget)
	a.cache.closer = closer
	a.cache.complete = f.fresh
	a.stampKey = append(slices.Clip(a.prefix), aggStampSub)
	in, hop, err := hopAggregate(rt, n)
	if err != nil {
		return nil, err
	}
	if a.hop = hop; hop == nil {
		in = n.Input
	}
	if a.in, err = rt.build(in); err != nil {
		return nil, err
	}
	if a.group, err = rt.compileAll(n.Group); err != nil {
		return nil, err
	}
	for _, g := range n.Group {
		a.lossyKey = a.lossyKey || !keyExact(g.Type())
	}
	for _, c := range n.Aggs {
		s := aggSpec{call: c, sameFilter: -1}
		switch c.Func.Name {
		case "count":
			s.kind, s.distinct = aggCount, c.Distinct
		case "sum":
			s.kind, s.distinct = aggSum, c.Distinct
		case "avg":
			s.kind, s.distinct = aggAvg, c.Distinct
		case "min":
			s.kind = aggMin
		case "max":
			s.kind = aggMax
		default:
			s.kind = aggBool
		}
		if len(c.Args) == 1 {
			if s.arg, err = rt.compile(c.Args[0]); err != nil {
				return nil, err
			}
			s.lossy = !keyExact(c.Args[0].Type())
		}
		s.presence = s.distinct && a.appendOnly && !s.lossy
		if c.Filter != nil {
			if s.filter, err = rt.compile(c.Filter); err != nil {
				return nil, err
			}
			for j, o := range n.Aggs[:len(a.aggs)] {
				if o.Filter != nil && a.aggs[j].sameFilter < 0 && reflect.DeepEqual(o.Filter, c.Filter) {
					s.sameFilter = j
					break
				}
			}
		}
		a.aggs = append(a.aggs, s)
	}
	a.fres = make([]uint8, len(a.aggs))
	a.sharedDistinct = f.rel.Options[aggDistinctOption] == aggDistinctShared
	a.shareDistinct(n)
	return a, nil
}

// incremental reports whether the view was created to be maintained by
// the specialized operators; views created before them keep keyedOp's
// state layout (matview.go records the choice).
func (f *dataflow) incremental() bool {
	return f.operators() >= operatorsIncremental
}

// aggGroup is one touched group during an epoch.
type aggGroup struct {
	key     string // the group's key (memcomparable)
	existed bool   // it had a record
	rows    int64
	vals    sql.Row
	accs    []aggAcc
	old     sql.Row // the output row before the epoch; nil: none
	sets    map[string]*setChange
	// row is the output row after the epoch, and cached the bytes the
	// group counts for in the cache (aggCache.putGroup).
	row    sql.Row
	cached int64
	// win is, where groups close, the key of the group's closing value
	// (aggCache.closingKey), once the cache has held it; winNull: that
	// value is NULL.
	win     string
	winNull bool
	// inline are the group's shared multisets, by aggOp.leaders.
	inline []*inlineSet
}

// aggAcc is one aggregate's running state in a group. It is kept small,
// as the group cache (aggCache) holds one per aggregate of every cached
// group: parts that few aggregates need sit behind pointers set on first
// use (sumState.w, ord).
type aggAcc struct {
	n             int64    // count (of distinct values); min/max's non-NULL values
	sum           sumState // sum and avg
	ext           []byte   // min/max: the extreme, sql.AppendRow'd; nil: none
	trues, falses int64
	// ord caches, for an append-only min or max, ext's comparable form.
	ord *extOrder
}

// extOrder is ext's sort key, computed once per epoch where an append-only
// min or max of a lossy key compares values with it; where the key is
// exact, val is ext decoded (once), compared as values are, which costs no
// key per row.
type extOrder struct {
	key    []byte
	val    sql.Value
	hasVal bool
}

func (acc *aggAcc) order() *extOrder {
	if acc.ord == nil {
		acc.ord = &extOrder{}
	}
	return acc.ord
}

// memBytes is the heap the state holds beyond its own struct.
func (acc *aggAcc) memBytes() int64 {
	n := int64(cap(acc.ext)) + acc.sum.memBytes()
	if o := acc.ord; o != nil {
		n += int64(unsafe.Sizeof(extOrder{})) + int64(cap(o.key))
		// The decoded extreme's text or bytes are its own copy.
		n += int64(len(o.val.BytesString()))
	}
	return n
}

// setChange is the epoch's net change to one member of a multiset.
type setChange struct {
	id      int
	key     []byte // the sort key (complemented for max)
	class   []byte // DISTINCT: the value's key, a prefix of key
	d       int64
	payload []byte // the exact value, sql.AppendRow'd
	c1      int64  // the member's count after the epoch
	// mask: the variants of a presence DISTINCT that take the value.
	mask uint64
	// m0 is the variants that held it before the epoch, when m0Known.
	m0      uint64
	m0Known bool
}

func (a *aggOp) Next(ctx context.Context) (*Batch, error) {
	if gen := a.rt.flow.state.gen; a.out == nil || a.outGen != gen {
		// (Output left by an epoch that failed midway is dropped.)
		rows, diffs, err := a.epoch(ctx)
		if err != nil {
			return nil, err
		}
		a.out, a.outGen = newDiffOp(Batch{Rows: rows, Diffs: diffs}), gen
	}
	b, err := a.out.Next(ctx)
	if b == nil || err != nil {
		a.out = nil
	}
	return b, err
}

func (a *aggOp) recordKey(gk string) []byte {
	return append(append(slices.Clip(a.prefix), 0x00), gk...)
}

func (a *aggOp) setPrefix(gk string, id int) []byte {
	p := append(append(slices.Clip(a.prefix), 0x01), gk...)
	return binary.BigEndian.AppendUint16(p, uint16(id))
}

func (a *aggOp) epoch(ctx context.Context) ([]sql.Row, []int64, error) {
	groups := map[string]*aggGroup{}
	first := a.touchAll
	begun := false
	begin := func() error {
		begun = true
		if a.cache == nil {
			return nil
		}
		return a.cache.begin(a.rt.flow.state, a.stampKey)
	}
	if first {
		a.touchAll = false
		if err := begin(); err != nil {
			return nil, nil, err
		}
		g, err := a.load("", nil, true)
		if err != nil {
			return nil, nil, err
		}
		groups[""] = g
	}
	group := func(vals sql.Row) (*aggGroup, error) {
		key := a.kbuf[:0]
		for _, v := range vals {
			key = sql.AppendKey(key, v)
		}
		a.kbuf = key
		g := groups[string(key)]
		if g == nil {
			if !begun {
				if err := begin(); err != nil {
					return nil, err
				}
			}
			var err error
			if g, err = a.load(string(key), vals, first); err != nil {
				return nil, err
			}
			groups[g.key] = g
		}
		return g, nil
	}
	var err error
	if a.hop != nil {
		err = a.drainHop(ctx, group)
	} else {
		err = drain(ctx, a.in, func(r sql.Row, d int64) error {
			vals := a.vbuf[:0]
			for _, f := range a.group {
				v, err := f(r)
				if err != nil {
					return err
				}
				vals = append(vals, v)
			}
			a.vbuf = vals
			g, err := group(vals)
			if err != nil {
				return err
			}
			return a.add(g, vals, r, d)
		})
	}
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var rows []sql.Row
	var diffs []int64
	for _, k := range keys {
		g := groups[k]
		if err := a.finish(g); err != nil {
			return nil, nil, err
		}
		var row sql.Row
		if g.rows > 0 || len(a.group) == 0 {
			if row, err = a.output(g); err != nil {
				return nil, nil, err
			}
		}
		if a.cache != nil {
			g.row = row
			a.cache.putGroup(g)
		}
		if g.old != nil && row != nil {
			// Equal encodings: the same values in the same forms.
			a.obuf, a.nbuf = sql.AppendRow(a.obuf[:0], g.old), sql.AppendRow(a.nbuf[:0], row)
			if bytes.Equal(a.obuf, a.nbuf) {
				continue
			}
		}
		if g.old != nil {
			rows, diffs = append(rows, g.old), append(diffs, -1)
		}
		if row != nil {
			rows, diffs = append(rows, row), append(diffs, 1)
		}
	}
	return rows, diffs, nil
}

// load reads a group's record; a group without one starts empty, with
// vals (copied) as its values.
func (a *aggOp) load(gk string, vals sql.Row, first bool) (*aggGroup, error) {
	if a.cache != nil {
		if g := a.cache.group(gk); g != nil {
			return g, nil
		}
	}
	g := &aggGroup{key: gk, accs: make([]aggAcc, len(a.aggs)), inline: a.newInline()}
	var rec []byte
	var ok bool
	var err error
	if a.cache == nil || !a.cache.knows(gk) {
		if rec, ok, err = a.rt.flow.state.get(a.recordKey(gk)); err != nil {
			return nil, err
		}
	}
	if !ok {
		g.vals = append(sql.Row(nil), vals...)
		if len(a.group) == 0 && !first {
			// An ungrouped aggregate's row over no rows.
			if g.old, err = a.output(g); err != nil {
				return nil, err
			}
		}
		return g, nil
	}
	g.existed = true
	if err := a.decode(g, rec); err != nil {
		return nil, err
	}
	if g.old, err = a.output(g); err != nil {
		return nil, err
	}
	return g, nil
}

func (a *aggOp) decode(g *aggGroup, rec []byte) error {
	r := &stateReader{b: rec}
	g.rows = r.varint()
	vb := r.bytes()
	if r.err == nil {
		var err error
		if g.vals, err = sql.DecodeRow(vb, nil); err != nil {
			return errStateCorrupt
		}
	}
	for i, s := range a.aggs {
		acc := &g.accs[i]
		switch s.kind {
		case aggCount:
			acc.n = r.varint()
		case aggSum, aggAvg:
			acc.sum.read(r)
		case aggMin, aggMax:
			acc.n = r.varint()
			if ext := r.bytes(); len(ext) > 0 {
				acc.ext = slices.Clone(ext)
			}
		case aggBool:
			acc.trues, acc.falses = r.varint(), r.varint()
		}
	}
	if a.inline() {
		a.readInline(r, g)
	}
	if r.err != nil || len(r.b) != 0 {
		return errStateCorrupt
	}
	return nil
}

func (a *aggOp) encode(g *aggGroup) []byte {
	a.rbuf = sql.AppendRow(a.rbuf[:0], g.vals)
	buf := make([]byte, 0, 16+len(a.rbuf)+16*len(a.aggs))
	buf = binary.AppendVarint(buf, g.rows)
	buf = appendBytes(buf, a.rbuf)
	for i, s := range a.aggs {
		acc := &g.accs[i]
		switch s.kind {
		case aggCount:
			buf = binary.AppendVarint(buf, acc.n)
		case aggSum, aggAvg:
			buf = acc.sum.append(buf)
		case aggMin, aggMax:
			buf = binary.AppendVarint(buf, acc.n)
			buf = appendBytes(buf, acc.ext)
		case aggBool:
			buf = binary.AppendVarint(buf, acc.trues)
			buf = binary.AppendVarint(buf, acc.falses)
		}
	}
	if a.inline() {
		buf = a.appendInline(buf, g)
	}
	return buf
}

// add folds one change into its group.
func (a *aggOp) add(g *aggGroup, vals, r sql.Row, d int64) error {
	g.rows += d
	if a.lossyKey {
		g.change(repSet, sql.AppendRow(nil, vals), d, nil)
	}
	clear(a.fres)
	for i := range a.aggs {
		s := &a.aggs[i]
		if s.filter != nil {
			ok, err := a.pass(i, r)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		v := sql.Null
		if s.arg != nil {
			var err error
			if v, err = s.arg(r); err != nil {
				return err
			}
			if v.IsNull() {
				continue
			}
		}
		acc := &g.accs[i]
		switch {
		case s.presence:
			if d < 0 {
				return fmt.Errorf("view state: %w: a row was retracted from an append-only input", errStateMismatch)
			}
			if a.inline() {
				ok, err := a.addInline(g, i, s, v)
				if err != nil {
					return err
				}
				if ok {
					continue
				}
			}
			var m0 uint64
			known := false
			if a.cache != nil {
				k := a.cache.memberKey(g.key, s.set, v)
				if m0 = a.cache.member(k); m0&s.bit != 0 {
					continue
				}
				known = a.cache.knows(g.key)
				// Held once the epoch takes effect, which the stamp
				// vouches for.
				a.cache.addMember(k, s.bit)
			}
			class := sql.AppendKey(nil, v)
			c := g.change(s.set, class, d, func() []byte { return sql.AppendRow(nil, sql.Row{v}) })
			if c.mask == 0 {
				// The member as the epoch found it, where the cache
				// holds every member (applyPresence then reads none).
				c.m0, c.m0Known = m0, known
			}
			c.class = class
			c.mask |= s.bit
		case s.distinct:
			class := sql.AppendKey(nil, v)
			key := class
			if s.lossy {
				key = sql.AppendRow(slices.Clip(class), sql.Row{v})
			}
			c := g.change(i, key, d, func() []byte { return sql.AppendRow(nil, sql.Row{v}) })
			c.class = class
		case s.kind == aggCount:
			acc.n += d
		case s.kind == aggSum || s.kind == aggAvg:
			acc.sum.add(v, d)
		case (s.kind == aggMin || s.kind == aggMax) && a.appendOnly:
			if d < 0 {
				return fmt.Errorf("view state: %w: a row was retracted from an append-only input", errStateMismatch)
			}
			acc.n += d
			if err := acc.offer(s, v); err != nil {
				return err
			}
		case s.kind == aggMin || s.kind == aggMax:
			acc.n += d
			g.change(i, s.sortKey(v), d, func() []byte { return sql.AppendRow(nil, sql.Row{v}) })
		default:
			if v.Bool() {
				acc.trues += d
			} else {
				acc.falses += d
			}
		}
	}
	return nil
}

// pass evaluates aggregate i's FILTER over r, once per row among the
// aggregates that share it.
func (a *aggOp) pass(i int, r sql.Row) (bool, error) {
	if j := a.aggs[i].sameFilter; j >= 0 {
		i = j
	}
	switch a.fres[i] {
	case 1:
		return true, nil
	case 2:
		return false, nil
	}
	v, err := a.aggs[i].filter(r)
	if err != nil {
		return false, err
	}
	ok := !v.IsNull() && v.Bool()
	a.fres[i] = 2
	if ok {
		a.fres[i] = 1
	}
	return ok, nil
}

// offer makes v the extreme of an append-only min or max if it comes
// first in the order of the multiset it does without.
func (acc *aggAcc) offer(s *aggSpec, v sql.Value) error {
	o := acc.order()
	if !s.lossy {
		// Exact keys order as sql.Compare does (keyOrdered), and equal
		// ones are the same value.
		if acc.ext != nil && !o.hasVal {
			cur, err := decodeOne(acc.ext)
			if err != nil {
				return err
			}
			o.val, o.hasVal = cur, true
		}
		if acc.ext != nil {
			c := sql.Compare(v, o.val)
			if s.kind == aggMax {
				c = -c
			}
			if c >= 0 {
				return nil
			}
		}
		// The extreme outlives the row, so it is the decoded copy of
		// its own encoding, not v, whose bytes may be the input's.
		acc.ext = sql.AppendRow(nil, sql.Row{v})
		cur, err := decodeOne(acc.ext)
		if err != nil {
			return err
		}
		o.val, o.hasVal = cur, true
		return nil
	}
	if acc.ext != nil && o.key == nil {
		cur, err := decodeOne(acc.ext)
		if err != nil {
			return err
		}
		o.key = s.sortKey(cur)
	}
	k := s.sortKey(v)
	if acc.ext == nil || bytes.Compare(k, o.key) < 0 {
		acc.ext, o.key = sql.AppendRow(nil, sql.Row{v}), k
	}
	return nil
}

// sortKey is where a min or max keeps v in its multiset: the memcomparable
// key (followed by the exact value where the key loses it), complemented
// for max so that the first key is the extreme either way (the keys are
// prefix-free, so complementing reverses their order).
func (s *aggSpec) sortKey(v sql.Value) []byte {
	k := sql.AppendKey(nil, v)
	if s.lossy {
		k = sql.AppendRow(k, sql.Row{v})
	}
	if s.kind == aggMax {
		for i := range k {
			k[i] = ^k[i]
		}
	}
	return k
}

// change records a change to member key of multiset id; payload, if not
// nil, gives the member's exact value when the member is new.
func (g *aggGroup) change(id int, key []byte, d int64, payload func() []byte) *setChange {
	if g.sets == nil {
		g.sets = map[string]*setChange{}
	}
	mk := string(binary.BigEndian.AppendUint16(nil, uint16(id))) + string(key)
	c := g.sets[mk]
	if c == nil {
		c = &setChange{id: id, key: key}
		g.sets[mk] = c
	}
	c.d += d
	if c.payload == nil && d > 0 && payload != nil {
		c.payload = payload()
	}
	return c
}

// finish applies a group's multiset changes to the state, settles its
// extremes and distinct values, and writes its record.
func (a *aggOp) finish(g *aggGroup) error {
	st := a.rt.flow.state
	if g.rows < 0 {
		return fmt.Errorf("view state: %w: a row was retracted more often than it was added", errStateMismatch)
	}
	var changes []*setChange
	if len(g.sets) > 0 {
		changes = make([]*setChange, 0, len(g.sets))
	}
	for _, c := range g.sets {
		if c.d != 0 {
			changes = append(changes, c)
		}
	}
	if len(changes) > 1 {
		slices.SortFunc(changes, func(x, y *setChange) int {
			if x.id != y.id {
				return x.id - y.id
			}
			return bytes.Compare(x.key, y.key)
		})
	}
	for i := 0; i < len(changes); {
		// The changes to one distinct value are together. Where its key
		// loses the exact form, the value is represented by its first
		// exact form present, which a change can replace.
		c := changes[i]
		j := i + 1
		var spec *aggSpec
		if c.id != repSet && a.aggs[c.id].distinct {
			spec = &a.aggs[c.id]
		}
		var before []byte
		if spec != nil && spec.lossy {
			for j < len(changes) && changes[j].id == c.id && bytes.Equal(changes[j].class, c.class) {
				j++
			}
			var err error
			if before, err = a.firstPayload(g.key, c.id, c.class); err != nil {
				return err
			}
		}
		for _, c := range changes[i:j] {
			if spec != nil && spec.presence {
				if err := a.applyPresence(g, c); err != nil {
					return err
				}
				continue
			}
			c0, err := a.applyChange(g.key, c)
			if err != nil {
				return err
			}
			if spec == nil || spec.lossy {
				continue
			}
			// A distinct value that comes or goes feeds the aggregate.
			switch {
			case c0 == 0 && c.c1 > 0:
				err = g.accs[c.id].feed(spec, c.payload, 1)
			case c0 > 0 && c.c1 == 0:
				err = g.accs[c.id].feed(spec, c.payload, -1)
			}
			if err != nil {
				return err
			}
		}
		if spec != nil && spec.lossy {
			after, err := a.firstPayload(g.key, c.id, c.class)
			if err != nil {
				return err
			}
			if !bytes.Equal(before, after) {
				if before != nil {
					if err := g.accs[c.id].feed(spec, before, -1); err != nil {
						return err
					}
				}
				if after != nil {
					if err := g.accs[c.id].feed(spec, after, 1); err != nil {
						return err
					}
				}
			}
		}
		i = j
	}
	for i := range a.aggs {
		if k := a.aggs[i].kind; (k == aggMin || k == aggMax) && !a.appendOnly {
			acc := &g.accs[i]
			var cur []byte
			if acc.ext != nil {
				v, err := decodeOne(acc.ext)
				if err != nil {
					return err
				}
				cur = a.aggs[i].sortKey(v)
			}
			ext, err := a.settle(g, i, cur, acc.ext, changes)
			if err != nil {
				return err
			}
			acc.ext = ext
		}
	}
	if a.lossyKey && g.rows > 0 {
		cur := sql.AppendRow(nil, g.vals)
		if !g.existed {
			cur = nil
		}
		key, err := a.settle(g, repSet, cur, cur, changes)
		if err != nil {
			return err
		}
		if g.vals, err = sql.DecodeRow(key, nil); err != nil {
			return errStateCorrupt
		}
	}
	if a.inline() && g.rows > 0 {
		a.spill(g)
	}
	rk := a.recordKey(g.key)
	switch {
	case g.rows > 0:
		st.put(rk, a.encode(g))
	case g.existed:
		st.del(rk)
	}
	return nil
}

// applyChange applies the net change of one multiset member to the state
// and returns the member's count before it.
func (a *aggOp) applyChange(gk string, c *setChange) (int64, error) {
	st := a.rt.flow.state
	sk := append(a.setPrefix(gk, c.id), c.key...)
	var c0 int64
	v, ok, err := st.get(sk)
	if err != nil {
		return 0, err
	}
	if ok {
		n, w := binary.Varint(v)
		if w <= 0 {
			return 0, errStateCorrupt
		}
		c0 = n
		c.payload = slices.Clone(v[w:])
	}
	c.c1 = c0 + c.d
	switch {
	case c.c1 < 0:
		return 0, fmt.Errorf("view state: %w: a value was retracted more often than it was added", errStateMismatch)
	case c.c1 == 0:
		st.del(sk)
	default:
		st.put(sk, append(binary.AppendVarint(nil, c.c1), c.payload...))
	}
	return c0, nil
}

// firstPayload returns the exact form of the first member of multiset id
// under prefix sub, or nil.
func (a *aggOp) firstPayload(gk string, id int, sub []byte) ([]byte, error) {
	_, v, ok, err := a.rt.flow.state.first(append(a.setPrefix(gk, id), sub...))
	if err != nil || !ok {
		return nil, err
	}
	_, w := binary.Varint(v)
	if w <= 0 {
		return nil, errStateCorrupt
	}
	return slices.Clone(v[w:]), nil
}

// feed adds (d = 1) or removes (-1) a distinct value, in its exact form.
func (acc *aggAcc) feed(s *aggSpec, payload []byte, d int64) error {
	if s.kind == aggCount {
		// A count needs no value: the payload is not even decoded.
		acc.n += d
		return nil
	}
	v, err := decodeOne(payload)
	if err != nil {
		return err
	}
	acc.sum.add(v, d)
	return nil
}

// settle returns the payload of multiset id's first member after the
// epoch's changes, given the first before them (cur, its key; nil when
// the multiset was empty). A group's representations (repSet) are their
// own keys.
func (a *aggOp) settle(g *aggGroup, id int, cur, curPayload []byte, changes []*setChange) ([]byte, error) {
	bestKey, best := cur, curPayload
	for _, c := range changes {
		if c.id != id {
			continue
		}
		if cur != nil && bytes.Equal(c.key, cur) && c.c1 == 0 {
			// The first member left: the next one is in the state.
			p := a.setPrefix(g.key, id)
			if id != repSet {
				return a.firstPayload(g.key, id, nil)
			}
			k, _, ok, err := a.rt.flow.state.first(p)
			if err != nil || !ok {
				return nil, err
			}
			return slices.Clone(k[len(p):]), nil
		}
	}
	for _, c := range changes {
		if c.id == id && c.c1 > 0 && (bestKey == nil || bytes.Compare(c.key, bestKey) < 0) {
			bestKey, best = c.key, c.payload
			if id == repSet {
				best = c.key
			}
		}
	}
	return best, nil
}

func decodeOne(b []byte) (sql.Value, error) {
	row, err := sql.DecodeRow(b, nil)
	if err != nil || len(row) != 1 {
		return sql.Null, errStateCorrupt
	}
	return row[0], nil
}

// output is a group's row: its values, then each aggregate's result.
func (a *aggOp) output(g *aggGroup) (sql.Row, error) {
	row := make(sql.Row, 0, len(g.vals)+len(a.aggs))
	row = append(row, g.vals...)
	for i := range a.aggs {
		s, acc := &a.aggs[i], &g.accs[i]
		var v sql.Value
		var err error
		switch s.kind {
		case aggCount:
			v = sql.NewInt(acc.n)
		case aggSum, aggAvg:
			var sa *sumAcc
			if sa, err = acc.sum.acc(s.call.Type); err != nil {
				return nil, err
			}
			if s.kind == aggSum {
				v, err = sa.result()
			} else {
				v, err = (&avgAcc{typ: s.call.Type, sum: *sa}).result()
			}
		case aggMin, aggMax:
			v = sql.Null
			switch {
			case acc.ord != nil && acc.ord.hasVal:
				v = acc.ord.val
			case acc.ext != nil:
				v, err = decodeOne(acc.ext)
			}
		default:
			v, err = (&boolAcc{and: s.call.Func.Name != "bool_or", trues: acc.trues, falses: acc.falses}).result()
		}
		if err != nil {
			return nil, err
		}
		row = append(row, v)
	}
	return row, nil
}
