package exec

import (
	"encoding/binary"
	"slices"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// aggDistinctOption marks, in a view's options, the layout of the
// multisets of its append-only DISTINCT aggregates: with
// aggDistinctShared, the variants of a DISTINCT over one column share a
// multiset whose members hold a mask of the variants that take them
// (aggSpec.set), and a group's record keeps its shared multisets while
// they are small (inlineSet). Views made before it keep one multiset per
// aggregate, whose members hold a count, and records without them.
const (
	aggDistinctOption = "agg_distinct"
	aggDistinctShared = "shared"
)

// aggShareMax bounds the variants of one shared multiset, so that a mask
// fits a varint's positive range.
const aggShareMax = 62

// shareDistinct sets each presence DISTINCT's multiset: its own, or with
// sharedDistinct that of the first presence DISTINCT over the same input
// column.
func (a *aggOp) shareDistinct(n *planner.Aggregate) {
	leaders := map[int]int{} // input column -> aggregate keeping its set
	for i := range a.aggs {
		s := &a.aggs[i]
		if !s.presence {
			continue
		}
		s.set, s.bit = i, 1
		col, ok := n.Aggs[i].Args[0].(*planner.ColRef)
		if a.sharedDistinct && ok {
			if l, ok := leaders[col.Idx]; ok && len(a.aggs[l].variants) < aggShareMax {
				s.set, s.bit = l, 1<<len(a.aggs[l].variants)
				a.aggs[l].variants = append(a.aggs[l].variants, i)
				continue
			}
			leaders[col.Idx] = i
		}
		s.variants = []int{i}
		if a.sharedDistinct {
			s.leader = len(a.leaders)
			a.leaders = append(a.leaders, i)
		}
	}
}

// applyPresence applies the epoch's change to a member of a presence
// multiset: the variants that take the value (c.mask) join those the
// member holds, and each variant that takes it for the first time counts
// it. A member is written only when that happens.
func (a *aggOp) applyPresence(g *aggGroup, c *setChange) error {
	st := a.rt.flow.state
	sk := append(a.setPrefix(g.key, c.id), c.key...)
	var m0 uint64
	payload := c.payload
	// Over an append-only input a group that has no record never had a
	// row, so it has no members to read; nor need one be read that the
	// cache knew (or knew absent) when the epoch met it.
	switch {
	case c.m0Known:
		m0 = c.m0
	case g.existed:
		v, ok, err := st.get(sk)
		if err != nil {
			return err
		}
		if ok {
			n, w := binary.Varint(v)
			if w <= 0 || n <= 0 {
				return errStateCorrupt
			}
			// A member of an unshared multiset holds a count.
			m0 = 1
			if a.sharedDistinct {
				m0 = uint64(n)
			}
			payload = v[w:]
		}
	}
	m1 := m0 | c.mask
	if a.inline() {
		// The member is known from now on, exactly.
		if set := g.inline[a.aggs[c.id].leader]; set.spilled {
			set.known.put(c.key, m1)
		}
	}
	if m1 == m0 {
		return nil
	}
	if payload == nil {
		return errStateCorrupt
	}
	st.put(sk, append(binary.AppendVarint(nil, int64(m1)), payload...))
	for _, j := range a.aggs[c.id].variants {
		if s := &a.aggs[j]; s.bit&(m1&^m0) != 0 {
			if err := g.accs[j].feed(s, payload, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// aggInlineMax is how many members a shared multiset keeps in its group's
// record; past it they move to keys of their own (spill). Small groups,
// such as q16's per channel and day, then cost no key per value: one
// record write per group and epoch instead of one per new value.
const aggInlineMax = 32

// inlineSet is a shared multiset kept in its group's record: its members
// by value key, or spilled to keys of their own. A set holds few members
// (it spills past aggInlineMax when its record is written), which a
// slice searched in order finds faster than a map, and encodes without
// iterating one; within an epoch that grows it further, index takes over.
type inlineSet struct {
	spilled bool
	members []inlineMember
	index   map[string]int
	// known are the members of a spilled set that the aggregate knows,
	// all of them where complete: the set spilled in this process, whose
	// members it then held. A set read spilled from the store learns its
	// members as the epochs read them. An inline set of values of an
	// 8-byte kind (known.fixed) keeps its members there too, not in
	// members: about 16 bytes each instead of 80, which lets the cache
	// hold q16's ten thousand small groups. narrow: the set's masks fit a
	// byte (memberTable).
	known    memberTable
	complete bool
	narrow   bool
}

type inlineMember struct {
	key     string
	mask    uint64
	payload []byte
}

// find returns the position of the member of key k, or -1.
func (set *inlineSet) find(k []byte) int {
	if set.index != nil {
		if i, ok := set.index[string(k)]; ok {
			return i
		}
		return -1
	}
	for i := range set.members {
		if set.members[i].key == string(k) {
			return i
		}
	}
	return -1
}

// add appends a member (not in the set) and returns its position.
func (set *inlineSet) add(m inlineMember) int {
	i := len(set.members)
	set.members = append(set.members, m)
	switch {
	case set.index != nil:
		set.index[m.key] = i
	case len(set.members) > aggInlineMax:
		set.index = make(map[string]int, 2*len(set.members))
		for j := range set.members {
			set.index[set.members[j].key] = j
		}
	}
	return i
}

// inline reports whether the view keeps small shared multisets in their
// groups' records, and so whether records carry them.
func (a *aggOp) inline() bool { return a.sharedDistinct && len(a.leaders) > 0 }

// addInline adds v, taken by variant s (aggregate i), to group g's inline
// set of s.set; it reports false when the set is spilled, and the value
// goes to the multiset's keys instead.
func (a *aggOp) addInline(g *aggGroup, i int, s *aggSpec, v sql.Value) (bool, error) {
	set := g.inline[a.aggs[s.set].leader]
	a.ibuf = sql.AppendKey(a.ibuf[:0], v)
	if set.spilled {
		a.addSpilled(g, set, s, v)
		return true, nil
	}
	if set.known.decide(v, set.narrow); set.known.fixed {
		m := set.known.get(a.ibuf)
		if m&s.bit != 0 {
			return true, nil
		}
		set.known.put(a.ibuf, m|s.bit)
		if s.kind == aggCount {
			return true, g.accs[i].feed(s, nil, 1)
		}
		return true, g.accs[i].feed(s, set.known.fixedPayload(binary.BigEndian.Uint64(a.ibuf[1:])), 1)
	}
	j := set.find(a.ibuf)
	if j < 0 {
		j = set.add(inlineMember{key: string(a.ibuf), payload: sql.AppendRow(nil, sql.Row{v})})
	}
	m := &set.members[j]
	if m.mask&s.bit != 0 {
		return true, nil
	}
	m.mask |= s.bit
	return true, g.accs[i].feed(s, m.payload, 1)
}

// addSpilled adds v, taken by variant s, to g's spilled set: a member
// known to hold s costs nothing, any other one change for applyPresence,
// which reads the member only where it is neither known nor known absent.
func (a *aggOp) addSpilled(g *aggGroup, set *inlineSet, s *aggSpec, v sql.Value) {
	set.known.decide(v, set.narrow)
	m0 := set.known.get(a.ibuf)
	if m0&s.bit != 0 {
		return
	}
	class := slices.Clone(a.ibuf)
	c := g.change(s.set, class, 1, func() []byte { return sql.AppendRow(nil, sql.Row{v}) })
	if c.mask == 0 {
		// The member as the epoch found it: what the table knows of it
		// is exact (applyPresence wrote it), and where the table is
		// complete a member it does not know is absent.
		c.m0, c.m0Known = m0, m0 != 0 || set.complete
	}
	c.class = class
	c.mask |= s.bit
	// Until applyPresence puts the member's mask, it is known to hold s:
	// another row of the epoch that brings it to s costs nothing.
	set.known.put(a.ibuf, m0|c.mask)
}

// spill moves the inline sets of g grown past aggInlineMax to keys of
// their own (as applyPresence keeps them), before the record is written.
func (a *aggOp) spill(g *aggGroup) {
	st := a.rt.flow.state
	for li, set := range g.inline {
		if set.spilled || set.size() <= set.inlineMax() {
			continue
		}
		p := a.setPrefix(g.key, a.leaders[li])
		if set.known.fixed {
			// The table stays: it knows every member.
			set.known.each(func(k []byte, m uint64, payload []byte) {
				st.put(append(slices.Clip(p), k...), append(binary.AppendVarint(nil, int64(m)), payload...))
			})
			set.spilled, set.complete = true, true
			continue
		}
		// The set knows every member it had: none is read again.
		out := &inlineSet{spilled: true, complete: true, narrow: set.narrow}
		for _, m := range set.members {
			st.put(append(slices.Clip(p), m.key...), append(binary.AppendVarint(nil, int64(m.mask)), m.payload...))
			if !out.known.decided {
				if v, err := decodeOne(m.payload); err == nil {
					out.known.decide(v, out.narrow)
				}
			}
			out.known.put([]byte(m.key), m.mask)
		}
		g.inline[li] = out
	}
}

// aggInlineFixedMax is aggInlineMax for sets of 8-byte values, which
// cost 16 bytes a member in memory (memberTable) and about 20 in a
// record, where a spilled member costs a Badger key: such sets stay
// inline longer. 64 keeps q16's small groups (per channel and day, some
// 40 bidders and auctions each at 1M events) inline, whose spilling cost
// close to a million keys, while a record that rewrites its sets each
// epoch that touches it stays under about 3 KB.
const aggInlineFixedMax = 64

func (set *inlineSet) inlineMax() int {
	if set.known.fixed {
		return aggInlineFixedMax
	}
	return aggInlineMax
}

// size is the number of members of an inline set.
func (set *inlineSet) size() int {
	if set.known.fixed {
		return set.known.len()
	}
	return len(set.members)
}

// appendInline encodes g's inline sets after its record's aggregates.
func (a *aggOp) appendInline(buf []byte, g *aggGroup) []byte {
	for _, set := range g.inline {
		if set.spilled {
			buf = binary.AppendVarint(buf, -1)
			continue
		}
		buf = binary.AppendVarint(buf, int64(set.size()))
		if set.known.fixed {
			set.known.each(func(k []byte, m uint64, payload []byte) {
				buf = append(binary.AppendVarint(buf, int64(len(k))), k...)
				buf = binary.AppendUvarint(buf, m)
				buf = appendBytes(buf, payload)
			})
			continue
		}
		for _, m := range set.members {
			buf = append(binary.AppendVarint(buf, int64(len(m.key))), m.key...) // appendBytes
			buf = binary.AppendUvarint(buf, m.mask)
			buf = appendBytes(buf, m.payload)
		}
	}
	return buf
}

// readInline decodes what appendInline wrote.
func (a *aggOp) readInline(r *stateReader, g *aggGroup) {
	g.inline = a.newInline()
	for li := range g.inline {
		n := r.varint()
		if n < 0 {
			g.inline[li].spilled = true
			continue
		}
		if n > int64(len(r.b)) {
			r.err = errStateCorrupt
		}
		if r.err != nil {
			return
		}
		set := g.inline[li]
		for j := range n {
			k := r.bytes()
			mask, w := binary.Uvarint(r.b)
			if r.err != nil || w <= 0 {
				r.err = errStateCorrupt
				return
			}
			r.b = r.b[w:]
			p := r.bytes()
			if j == 0 {
				v, err := decodeOne(p)
				if err != nil {
					r.err = err
					return
				}
				set.known.decide(v, set.narrow)
			}
			if set.known.fixed {
				if len(k) != 9 || mask == 0 {
					r.err = errStateCorrupt
					return
				}
				set.known.put(k, mask)
				continue
			}
			set.add(inlineMember{key: string(k), mask: mask, payload: slices.Clone(p)})
		}
	}
}

func (a *aggOp) newInline() []*inlineSet {
	if !a.inline() {
		return nil
	}
	out := make([]*inlineSet, len(a.leaders))
	for i, l := range a.leaders {
		out[i] = &inlineSet{narrow: len(a.aggs[l].variants) <= 8}
	}
	return out
}

// inlineBytes is about what g's inline sets hold, for the cache's count.
func (g *aggGroup) inlineBytes() int64 {
	var n int64
	for _, set := range g.inline {
		n += set.known.bytes()
		for _, m := range set.members {
			n += int64(len(m.key)+len(m.payload)) + aggCacheEntryCost
		}
	}
	return n
}
