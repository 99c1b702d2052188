package exec

import (
	"encoding/binary"

	"github.com/eddysql/eddy/planner"
)

// aggDistinctOption marks, in a view's options, the layout of the
// multisets of its append-only DISTINCT aggregates: with
// aggDistinctShared, the variants of a DISTINCT over one column share a
// multiset whose members hold a mask of the variants that take them
// (aggSpec.set). Views made before it keep one multiset per aggregate,
// whose members hold a count.
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
	// row, so it has no members to read.
	if g.existed {
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
