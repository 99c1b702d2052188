package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A temporal filter (planner/temporal_filter.go) keeps a row in the view
// while its conditions on now() hold at the wall clock. Each row's
// conditions are monotone in the time, so the times at which it is visible
// form one interval [lo, hi): the operator emits the row if it is visible
// at the epoch's time, and keeps the changes the clock will make to it
// (its insertion at lo, its retraction at hi) in its state, keyed by the
// time they are due and the row. A deletion adds the opposite changes,
// which cancel those pending. The view's clock (temporalClock) runs an
// epoch without input when the first pending change falls due; since the
// pending changes are state, a restart applies those that fell due
// meanwhile in its first such epoch.

// temporalOp is a temporal filter over in.
type temporalOp struct {
	f     *dataflow
	in    Operator
	conds []temporalCond
	// now is the time the conditions are evaluated at; evaluating a
	// condition at another time sets it (the conditions are compiled with
	// a function context of their own).
	now    *time.Time
	prefix []byte
	// epoch is the current epoch's time; zero between epochs.
	epoch int64
	// last is the time of the last epoch.
	last int64
	key  []byte
}

type temporalCond struct {
	pred, row, nowSide evalFn
	lower              bool
}

const (
	tMin = math.MinInt64
	tMax = math.MaxInt64
)

// temporalFilter builds n as a temporal filter when it has temporal
// conjuncts; ok is false otherwise.
func (f *dataflow) temporalFilter(rt *runtime, n *planner.Filter) (Operator, bool, error) {
	temporal, rest := planner.SplitTemporal(n.Pred)
	if len(temporal) == 0 {
		return nil, false, nil
	}
	var in Operator
	var err error
	if len(rest) > 0 {
		in, err = rt.build(&planner.Filter{Input: n.Input, Pred: planner.Conjoin(rest)})
	} else {
		in, err = rt.build(n.Input)
	}
	if err != nil {
		return nil, true, err
	}
	// The conditions read a clock of their own.
	crt := *rt
	fctx := *rt.fctx
	crt.fctx, crt.cse = &fctx, nil
	op := &temporalOp{f: f, in: in, now: &fctx.Now, prefix: f.opPrefix()}
	for _, t := range temporal {
		var c temporalCond
		if c.pred, err = crt.compile(t.Pred); err != nil {
			return nil, true, err
		}
		if c.row, err = crt.compile(t.Row); err != nil {
			return nil, true, err
		}
		if c.nowSide, err = crt.compile(t.Now); err != nil {
			return nil, true, err
		}
		c.lower = t.Lower
		op.conds = append(op.conds, c)
	}
	f.temporalClock().addPrefix(op.prefix)
	return op, true, nil
}

func isTemporalFilter(f *planner.Filter) bool {
	t, _ := planner.SplitTemporal(f.Pred)
	return len(t) > 0
}

// temporalAbove refuses a temporal filter between a keyed operator's input
// c and what it arranges of it, feed: those nodes run in batch, where now()
// is one time.
func temporalAbove(c, feed planner.Node) error {
	for n := c; n != feed && n != nil; {
		if flt, ok := n.(*planner.Filter); ok {
			if t, _ := planner.SplitTemporal(flt.Pred); len(t) > 0 {
				return sql.Errorf(sql.CodeFeatureNotSupported, "a temporal filter (now() in WHERE) over ORDER BY under LIMIT, DISTINCT ON or a window is not supported in a materialized view")
			}
		}
		ch := n.Children()
		if len(ch) != 1 {
			break
		}
		n = ch[0]
	}
	return nil
}

func (o *temporalOp) Next(ctx context.Context) (*Batch, error) {
	if o.epoch == 0 {
		// An epoch never runs at an earlier time than the last (the wall
		// clock may step back), or a row could be retracted twice.
		o.epoch = max(time.Now().UnixMicro(), o.last)
		o.last = o.epoch
		if due, err := o.due(); err != nil || due != nil {
			return due, err
		}
	}
	for {
		b, err := o.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			err := o.endEpoch()
			return nil, err
		}
		out := &Batch{}
		for i, r := range b.Rows {
			if err := o.add(out, r, b.Diffs[i]); err != nil {
				return nil, err
			}
		}
		if out.Len() > 0 {
			return out, nil
		}
	}
}

// add applies one input change at the epoch's time.
func (o *temporalOp) add(out *Batch, r sql.Row, d int64) error {
	lo, hi, err := o.interval(r)
	if err != nil || lo >= hi || o.epoch >= hi {
		return err
	}
	if o.epoch < lo {
		if err := o.pend(lo, r, d); err != nil {
			return err
		}
	} else {
		out.Add(r, d)
	}
	if hi == tMax {
		return nil
	}
	return o.pend(hi, r, -d)
}

// interval is when r is visible: from lo on, before hi.
func (o *temporalOp) interval(r sql.Row) (lo, hi int64, err error) {
	lo, hi = tMin, tMax
	for i := range o.conds {
		c := &o.conds[i]
		t, err := o.boundary(c, r)
		if err != nil {
			return 0, 0, err
		}
		if c.lower {
			lo = max(lo, t)
		} else {
			hi = min(hi, t)
		}
	}
	return lo, hi, nil
}

// boundary is the first time at which c's condition on r changes: becomes
// true for a lower bound, stops being true for an upper one (tMax when
// never). A condition that is never true (a NULL) gives an empty interval.
func (o *temporalOp) boundary(c *temporalCond, r sql.Row) (int64, error) {
	// changed reports whether the condition has changed by time t.
	changed := func(t int64) (bool, error) {
		*o.now = time.UnixMicro(t)
		v, err := c.pred(r)
		if err != nil {
			return false, err
		}
		holds := !v.IsNull() && v.Bool()
		return holds == c.lower, nil
	}
	// The estimate: the now side moves with the clock, so the condition
	// changes about when it reaches the row side.
	guess := o.epoch
	*o.now = time.UnixMicro(o.epoch)
	x, err := c.row(r)
	if err != nil {
		return 0, err
	}
	if x.IsNull() {
		if c.lower {
			return tMax, nil
		}
		return tMin, nil
	}
	n, err := c.nowSide(r)
	if err != nil {
		return 0, err
	}
	if isTimestamp(x) && isTimestamp(n) {
		guess = satAdd(o.epoch, satSub(x.Int(), n.Int()))
	}
	// Confirm it, or search around it (intervals of months, time zones).
	at, err := changed(guess)
	if err != nil {
		return 0, err
	}
	before := false
	if guess > tMin {
		if before, err = changed(guess - 1); err != nil {
			return 0, err
		}
	}
	if at && !before {
		return guess, nil
	}
	// lo has not changed, hi has.
	lo, hi := guess, guess
	for step := int64(time.Second / time.Microsecond); ; step *= 2 {
		if at {
			lo = satSub(hi, step)
			if lo == tMin {
				break
			}
			c, err := changed(lo)
			if err != nil {
				return 0, err
			}
			if !c {
				break
			}
			hi = lo
		} else {
			hi = satAdd(lo, step)
			c, err := changed(hi)
			if err != nil {
				return 0, err
			}
			if c {
				break
			}
			if hi == tMax {
				return tMax, nil
			}
			lo = hi
		}
	}
	if at && lo == tMin {
		if c0, err := changed(tMin); err != nil || c0 {
			return tMin, err
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		c, err := changed(mid)
		if err != nil {
			return 0, err
		}
		if c {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

func isTimestamp(v sql.Value) bool {
	return v.Kind() == sql.KindTimestamp || v.Kind() == sql.KindTimestampTZ
}

func satAdd(a, b int64) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		if b > 0 {
			return tMax
		}
		return tMin
	}
	return s
}

func satSub(a, b int64) int64 {
	if b == tMin {
		return satAdd(satAdd(a, tMax), 1)
	}
	return satAdd(a, -b)
}

// pendKey is the key of r's change due at t: times order as unsigned.
func (o *temporalOp) pendKey(t int64, r sql.Row) []byte {
	o.key = append(o.key[:0], o.prefix...)
	o.key = binary.BigEndian.AppendUint64(o.key, uint64(t)^(1<<63))
	o.key = sql.AppendRow(o.key, r)
	return o.key
}

// pend adds d to r's change due at t.
func (o *temporalOp) pend(t int64, r sql.Row, d int64) error {
	st := o.f.state
	k := o.pendKey(t, r)
	v, ok, err := st.get(k)
	if err != nil {
		return err
	}
	if ok {
		n, _ := binary.Varint(v)
		d += n
	}
	key := st.alloc(len(k))
	copy(key, k)
	if d == 0 {
		st.del(key)
		return nil
	}
	st.put(key, binary.AppendVarint(nil, d))
	return nil
}

var errTemporalDone = errors.New("temporal: past the epoch's time")

// due takes out the changes due by the epoch's time, nil when none.
func (o *temporalOp) due() (*Batch, error) {
	st := o.f.state
	var b *Batch
	var keys [][]byte
	err := st.scan(o.prefix, func(k, v []byte) error {
		rest := k[len(o.prefix):]
		if len(rest) < 8 {
			return fmt.Errorf("temporal filter: bad state key")
		}
		if int64(binary.BigEndian.Uint64(rest)^(1<<63)) > o.epoch {
			return errTemporalDone
		}
		r, err := sql.DecodeRow(rest[8:], nil)
		if err != nil {
			return fmt.Errorf("temporal filter: %w", err)
		}
		d, _ := binary.Varint(v)
		if b == nil {
			b = &Batch{}
		}
		b.Add(r, d)
		keys = append(keys, bytes.Clone(k))
		return nil
	})
	if err != nil && !errors.Is(err, errTemporalDone) {
		return nil, err
	}
	for _, k := range keys {
		st.del(k)
	}
	return b, nil
}

// endEpoch tells the view's clock when this operator's next change is due.
func (o *temporalOp) endEpoch() error {
	o.epoch = 0
	k, _, ok, err := o.f.state.first(o.prefix)
	if err != nil {
		return err
	}
	next := int64(tMax)
	if ok && len(k) >= len(o.prefix)+8 {
		next = int64(binary.BigEndian.Uint64(k[len(o.prefix):]) ^ (1 << 63))
	}
	o.f.temporalClock().setNext(o.prefix, next)
	return nil
}

// temporalClock runs the epochs of a view with temporal filters that no
// input starts: when the clock reaches a pending change.
type temporalClock struct {
	mu sync.Mutex
	// next is each temporal filter's first pending time after its last
	// epoch, by state prefix. An epoch that was rolled back may leave it
	// later than the committed state says, so the clock also reads that.
	next     map[string]int64
	wake     chan struct{}
	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan struct{}
}

// temporalClock returns the view's clock, made on first use.
func (f *dataflow) temporalClock() *temporalClock {
	if f.temporal == nil {
		f.temporal = &temporalClock{next: map[string]int64{}, wake: make(chan struct{}, 1)}
	}
	return f.temporal
}

func (c *temporalClock) addPrefix(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.next[string(p)]; !ok {
		c.next[string(p)] = tMin // unknown: look at once
	}
}

func (c *temporalClock) setNext(p []byte, t int64) {
	c.mu.Lock()
	c.next[string(p)] = t
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// hint is the first pending time the operators know of.
func (c *temporalClock) hint() (int64, [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := int64(tMax)
	var ps [][]byte
	for p, n := range c.next {
		t = min(t, n)
		ps = append(ps, []byte(p))
	}
	return t, ps
}

// temporalPoll bounds how long the clock trusts its operators' hint
// without reading the committed state.
const temporalPoll = 250 * time.Millisecond

// startTemporalClock starts the clock of a view that has temporal filters.
func (f *dataflow) startTemporalClock() {
	c := f.temporal
	if c == nil || c.cancel != nil || f.broken != nil {
		return
	}
	ctx, cancel := context.WithCancel(f.e.ctx)
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		f.runTemporalClock(ctx, c)
	}()
}

// stop stops the clock and waits for its epoch, if one runs.
func (c *temporalClock) stop() {
	if c == nil || c.cancel == nil {
		return
	}
	c.stopOnce.Do(func() {
		c.cancel()
		<-c.done
	})
}

func (f *dataflow) runTemporalClock(ctx context.Context, c *temporalClock) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
		next, prefixes := c.hint()
		if committed, err := f.e.committedTemporal(prefixes); err == nil {
			next = min(next, committed)
		}
		now := time.Now().UnixMicro()
		wait := temporalPoll
		if next <= now {
			if err := f.e.temporalEpoch(ctx, f); err != nil {
				if ctx.Err() != nil {
					return
				}
				f.e.log.Warn("materialized view's temporal filter failed; retrying", "view", f.rel.Name, "err", err)
				wait = time.Second
			} else if after, _ := c.hint(); after > now {
				// Look again at once: the clock may have reached the next.
				wait = 0
			}
		} else if d := time.Duration(next-now) * time.Microsecond; d < wait {
			wait = d
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

// committedTemporal is the first pending time in the committed state.
func (e *Engine) committedTemporal(prefixes [][]byte) (int64, error) {
	next := int64(tMax)
	err := e.db.View(func(txn *badger.Txn) error {
		for _, p := range prefixes {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchSize: 1})
			it.Seek(p)
			if it.Valid() {
				if k := it.Item().Key(); len(k) >= len(p)+8 {
					next = min(next, int64(binary.BigEndian.Uint64(k[len(p):])^(1<<63)))
				}
			}
			it.Close()
		}
		return nil
	})
	return next, err
}

// temporalEpoch runs an epoch of f, and of the views downstream of it,
// with no input: the clock's changes only.
func (e *Engine) temporalEpoch(ctx context.Context, f *dataflow) error {
	v := &viewTxn{e: e}
	defer v.end()
	if err := v.run(ctx, f, 0, nil); err != nil {
		return err
	}
	return e.commitFeed(f, v)
}
