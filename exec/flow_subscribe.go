package exec

import (
	"context"
	"sync"
	"time"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// subscriptionBacklog is how many committed epochs a subscription to a view
// may have waiting before it is ended: a client that stops reading must not
// make eddy hold its changes without bound.
const subscriptionBacklog = 4096

// subscribers are the subscriptions to one view's changes.
type subscribers struct {
	mu   sync.Mutex
	subs map[*viewSub]bool
}

type viewSub struct {
	ch chan []*Batch
	// behind is set when the backlog overflowed; the subscription ends.
	behind bool
	// ended, when set before ch closes, is why the subscription ended.
	ended error
}

// publish hands a committed transaction's changes of the view to every
// subscription, without ever blocking the commit.
func (f *dataflow) publish(outs []*Batch) {
	f.subs.mu.Lock()
	defer f.subs.mu.Unlock()
	for s := range f.subs.subs {
		select {
		case s.ch <- outs:
		default:
			s.behind = true
			delete(f.subs.subs, s)
			close(s.ch)
		}
	}
}

// endSubscriptions ends the subscriptions of the views that this
// transaction published changes to, with err.
func (v *viewTxn) endSubscriptions(err error) {
	for f := range v.outs {
		f.subs.mu.Lock()
		for s := range f.subs.subs {
			s.ended = sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "subscription to %s ended: it was sent changes that then failed to commit: %v", f.rel.Name, err)
			delete(f.subs.subs, s)
			close(s.ch)
		}
		f.subs.mu.Unlock()
	}
	v.outs = nil
}

func (f *dataflow) unsubscribe(s *viewSub) {
	f.subs.mu.Lock()
	defer f.subs.mu.Unlock()
	if f.subs.subs[s] {
		delete(f.subs.subs, s)
		close(s.ch)
	}
}

// viewTailOp is a subscription's scan of a materialized view: the view's
// rows as of the moment it subscribes (when asked for), then each committed
// change of the view, an epoch each.
type viewTailOp struct {
	rt      *runtime
	rel     *catalog.Relation
	t       *subscribeTail
	f       *dataflow
	sub     *viewSub
	pending []*Batch
	snap    []*Batch
	started bool
	// epochDone: the epoch's batches are out, so the next Next ends it.
	epochDone bool
	// idle ends an epoch when the view has none for progressInterval; one
	// timer for the subscription, not one per epoch waited for (an unstopped
	// timer is collected with the op since Go 1.23).
	idle *time.Timer
}

func (rt *runtime) buildViewTail(n *planner.Scan) (Operator, error) {
	o := &viewTailOp{rt: rt, rel: n.Rel, t: rt.tail}
	rt.tail.mu.Lock()
	rt.tail.views = append(rt.tail.views, o)
	rt.tail.mu.Unlock()
	return rt.filterChanges(n, o)
}

// start subscribes and reads the snapshot under the view's lock, so that
// no epoch falls between the two.
func (o *viewTailOp) start(ctx context.Context) error {
	e := o.rt.s.e
	if err := e.flows.mu.rlock(ctx); err != nil {
		return err
	}
	f := e.flows.byOID[o.rel.OID]
	e.flows.mu.runlock()
	if f == nil || f.broken != nil {
		return sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "materialized view %s is not being maintained", o.rel.Name)
	}
	if err := f.mu.lock(ctx); err != nil {
		return err
	}
	defer f.mu.unlock()
	o.f = f
	o.sub = &viewSub{ch: make(chan []*Batch, subscriptionBacklog)}
	f.subs.mu.Lock()
	if f.subs.subs == nil {
		f.subs.subs = map[*viewSub]bool{}
	}
	f.subs.subs[o.sub] = true
	f.subs.mu.Unlock()
	if !o.t.snapshot {
		return nil
	}
	txn := e.db.NewTransaction(false)
	defer txn.Discard()
	return scanRelation(ctx, txn, o.rel, func(b *Batch) error {
		o.snap = append(o.snap, &Batch{Rows: b.Rows, Diffs: b.Diffs})
		return nil
	})
}

func (o *viewTailOp) Next(ctx context.Context) (*Batch, error) {
	if !o.started {
		o.started = true
		if o.sub == nil { // not started by subscribeTail.begin
			if err := o.start(ctx); err != nil {
				return nil, err
			}
		}
		o.pending = o.snap
		o.snap = nil
		if len(o.pending) == 0 {
			return nil, nil // the snapshot epoch, empty
		}
	}
	if len(o.pending) > 0 {
		b := o.pending[0]
		o.pending = o.pending[1:]
		o.epochDone = len(o.pending) == 0
		return b, nil
	}
	if o.epochDone {
		o.epochDone = false
		return nil, nil
	}
	// An idle view still ends an epoch now and then, so that the
	// subscription can report progress and notices cancellation.
	if o.idle == nil {
		o.idle = time.NewTimer(progressInterval)
	} else {
		// Since Go 1.23 Reset discards a fire not yet received.
		o.idle.Reset(progressInterval)
	}
	select {
	case outs, ok := <-o.sub.ch:
		if !ok {
			if o.sub.ended != nil {
				return nil, o.sub.ended
			}
			return nil, sql.Errorf("53000", "subscription to %s ended: the client fell more than %d transactions behind", o.rel.Name, subscriptionBacklog)
		}
		o.t.ts = max(o.t.ts, time.Now().UnixMilli())
		o.pending = outs
		return o.Next(ctx)
	case <-o.idle.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (o *viewTailOp) close() {
	if o.f != nil && o.sub != nil {
		o.f.unsubscribe(o.sub)
		o.sub = nil
	}
}
