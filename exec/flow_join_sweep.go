package exec

import (
	"bytes"
	"errors"
	"math"
	"slices"
)

// joinSweep is one side's whole state, read by a single scan when an epoch
// would otherwise read it key by key: each read opens a Badger iterator
// and seeks, some microseconds even when the key holds nothing, so an
// epoch that changes thousands of keys on one side (a view's load; the
// bids of q7, each with a price of its own, against a handful of maxima)
// pays more for the seeks than for reading a small side through. The
// sweep gives up, and the keys are read one by one, once the side proves
// larger than a few entries per key to read (joinSweepPerKey) or than
// joinSweepBytes.
//
// It holds the state as it was when the epoch began its keys: joinKey
// reads a key's rows before it writes them and is called once per key, so
// no read of the sweep comes after a write it should see.
type joinSweep struct {
	// keys are the entries' keys past the side's prefix (join key, then
	// row or sequence number), in order, and vals their values.
	keys, vals [][]byte
	slab       []byte
}

const (
	joinSweepPerKey = 4
	joinSweepBytes  = 8 << 20
)

// sweep reads the side's state if it holds at most joinSweepPerKey entries
// per key of probes to read, or returns nil. An append-only side never
// shrinks, so once a sweep of it gave up, the next tries only with more
// probes than it had entries then (or never, past joinSweepBytes): q9's
// auctions, read for each epoch's bids, were read up to the limit in
// every epoch of the load and dropped.
func (j *joinFlowOp) sweep(side, probes int) (*joinSweep, error) {
	limit, size := joinSweepPerKey*probes, 0
	if j.appendOnly[side] && limit <= j.sweepTooBig[side] {
		return nil, nil
	}
	p := append(slices.Clip(j.prefix), byte(side))
	s := &joinSweep{}
	err := j.rt.flow.state.scan(p, func(k, v []byte) error {
		size += len(k) - len(p) + len(v)
		if len(s.keys) >= limit || size > joinSweepBytes {
			return errStopScan
		}
		s.keys = append(s.keys, s.copy(k[len(p):]))
		s.vals = append(s.vals, s.copy(v))
		return nil
	})
	if errors.Is(err, errStopScan) {
		j.sweepTooBig[side] = len(s.keys)
		if size > joinSweepBytes {
			j.sweepTooBig[side] = math.MaxInt
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *joinSweep) copy(b []byte) []byte {
	if len(s.slab)+len(b) > cap(s.slab) {
		s.slab = make([]byte, 0, max(64<<10, len(b)))
	}
	s.slab = append(s.slab, b...)
	return s.slab[len(s.slab)-len(b) : len(s.slab) : len(s.slab)]
}

// each calls f with the rest of each entry's key past the join key, and
// its value, for the entries of one join key, in key order.
func (s *joinSweep) each(key []byte, f func(enc, v []byte) error) error {
	i, _ := slices.BinarySearchFunc(s.keys, key, bytes.Compare)
	for ; i < len(s.keys) && bytes.HasPrefix(s.keys[i], key); i++ {
		if err := f(s.keys[i][len(key):], s.vals[i]); err != nil {
			return err
		}
	}
	return nil
}
