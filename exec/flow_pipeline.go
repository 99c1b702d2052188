package exec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eddysql/eddy/catalog"
)

// A feed commits each epoch with an fsync, which on a busy disk takes tens
// of milliseconds; a feed that waited for it before reading on would make
// every record that arrives meanwhile wait too. For an append-only view
// that only sources feed (no downstream views, no sinks), the feed instead
// hands the commit to Badger and goes on: it keeps the view locked, runs
// the next epochs over the state still pending (their reads see the
// in-flight epoch's writes: the row number, the watermark), publishes them
// to the subscriptions, and commits them together once the previous commit
// has succeeded. Commits stay in order and one at a time, so a later
// epoch's offsets are never durable without the rows before them.
//
// The view stays locked while epochs are in flight, for as long as no one
// else waits for it: when a subscription, DDL or another feed of the view
// does, the feed waits for the disk and lets go, once it has held the view
// for pipelineHold (so that two feeds of one view do not take turns at
// every epoch, each turn an fsync). It does not let go on a timer when no
// one waits: that wait for the disk (an fsync, 10 ms on average and up to
// 50 on the shared development machine) stalls the feed, and every record
// that arrives meanwhile, which made the tail of the view's latency (a
// stall every 200 ms is 5% of the records delayed by the fsync).
//
// The state's Badger snapshot is renewed every pipelineHold instead, when
// no commit is in flight: the snapshot then holds every epoch handed off,
// and the pending writes (the keys written again at every hand-off) are
// kept over it, so reads are unchanged. A snapshot held for long would
// keep Badger from forgetting what commits meanwhile wrote (conflict
// detection keeps each commit's keys until the oldest reader is done).

// pipelineHold is the oldest a busy feed's state snapshot gets, and how
// long a feed keeps the view, at least, when another waits for it.
const pipelineHold = 200 * time.Millisecond

// pipelineMaxRows is the largest poll a busy feed runs as a pipelined
// epoch; larger ones go through feedBatch, which splits what does not fit
// in one Badger transaction.
const pipelineMaxRows = 4096

// pipelineMaxPending and pipelineMaxBytes bound the writes that wait for
// the commit in flight.
const (
	pipelineMaxPending = 16384
	pipelineMaxBytes   = 2 << 20
)

// pipelinePoll is how long a busy feed with no commit due or in flight
// polls before it looks again (pollContext).
const pipelinePoll = time.Millisecond

// pipelineCommitEvery is the least time between two hand-offs of a busy
// feed. At low rates each poll holds a handful of records, and a commit
// per poll would cost each of them a Badger commit (a WAL write and its
// msync, and half a dozen goroutine wake-ups inside Badger): the epochs
// are published to the subscriptions as they run, and committed together
// at most this often. What waits is only what pull queries see (they read
// committed epochs) and what a crash recomputes from Kafka; the first
// epoch after a quiet spell commits at once.
const pipelineCommitEvery = 10 * time.Millisecond

// feedPipeline is a feed's epochs in flight.
type feedPipeline struct {
	f   *dataflow
	src *catalog.Relation
	// v holds the view's locks and its state transaction while busy.
	v *viewTxn
	// since is when the state's snapshot was taken; locked, when the feed
	// locked the view.
	since, locked time.Time
	// flight receives the result of the commit in flight; nil when none.
	flight chan error
	// landed ends when the commit in flight does (or the feed's context);
	// land ends it.
	landed context.Context
	land   context.CancelFunc
	// ctx is the feed's, which commits in flight derive landed from.
	ctx context.Context
	// dirty: epochs were run and published since the last hand-off.
	dirty bool
	// handedOff is when the last hand-off began; the next waits until
	// pipelineCommitEvery after it.
	handedOff time.Time
	// every is the least time between hand-offs; 0 is pipelineCommitEvery.
	every time.Duration
	// handoffs and renewed count the commits begun and the snapshots
	// renewed, for tests.
	handoffs, renewed int
}

// busy reports whether the feed holds the view.
func (p *feedPipeline) busy() bool { return p.v != nil }

// pollContext is what a busy feed polls Kafka under: it ends when the
// feed may hand off the epochs it ran (pipelineCommitEvery after the last
// hand-off, and once the commit in flight has landed) or, with nothing to
// hand off, when the commit in flight lands and the view may go. It wakes
// the feed at those moments only, not on a timer that ticks while the disk
// is slow: each wake-up is a goroutine hand-off that competes with the
// subscribers for the cores.
func (p *feedPipeline) pollContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.dirty {
		if due := p.due(); time.Now().Before(due) {
			return context.WithDeadline(ctx, due)
		}
	}
	if p.flight == nil {
		return context.WithTimeout(ctx, pipelinePoll)
	}
	return p.landed, func() {}
}

// due is when the feed may hand off next.
func (p *feedPipeline) due() time.Time {
	every := p.every
	if every == 0 {
		every = pipelineCommitEvery
	}
	return p.handedOff.Add(every)
}

// contended reports whether another waits for the view or for the set of
// views (DDL).
func (p *feedPipeline) contended() bool {
	return p.f.mu.contended() || p.f.e.flows.mu.writerWaiting()
}

// large reports whether the writes held for the next hand-off are a
// quarter of what may wait for a commit in flight: they go then, before
// the feed would have to wait for the disk to hand them off (feed).
func (p *feedPipeline) large() bool {
	n, bytes := p.f.state.size()
	return n > pipelineMaxPending/4 || bytes > pipelineMaxBytes/4
}

// renew takes a new snapshot of the state under the pending writes; no
// commit may be in flight.
func (p *feedPipeline) renew() {
	st := p.f.state
	st.snap.Discard()
	st.snap = st.db.NewTransaction(false)
	p.since = time.Now()
	p.renewed++
}

// landedFlight forgets the commit in flight, whose result was received.
func (p *feedPipeline) landedFlight() {
	p.land()
	p.flight, p.landed, p.land = nil, nil, nil
}

// pipelinable reports whether v's epoch may leave its commit in flight:
// the view alone (nothing downstream), append-only, stored by number (a
// sink's dataflow stores nothing and so never is), fed
// by sources only, with no sinks.
func (p *feedPipeline) pipelinable(v *viewTxn) bool {
	f := p.f
	if len(v.flows) != 1 || !f.appendOnly || f.sink == nil || f.sink.seq == nil || len(f.sinks) > 0 || f.wm.eowc != nil {
		return false
	}
	for oid := range f.reads {
		if rel := f.e.cat.ByOID(oid); rel == nil || rel.Kind != catalog.KindSource {
			return false
		}
	}
	return true
}

// mayPipeline tells, before running an epoch, whether it will likely be
// pipelinable; pipelinable decides once the view is locked. Those that
// will not be go through feedBatch, which splits an epoch too large for
// one transaction.
func (p *feedPipeline) mayPipeline(ctx context.Context) bool {
	f := p.f
	if !f.appendOnly || f.sink == nil || f.sink.seq == nil {
		return false
	}
	if err := f.e.flows.mu.rlock(ctx); err != nil {
		return false
	}
	defer f.e.flows.mu.runlock()
	return len(f.e.flows.readers(f.rel.OID)) == 0
}

// feed runs one poll's records as an epoch: pipelined when it can be,
// else through feedBatch.
func (p *feedPipeline) feed(ctx context.Context, b *Batch, next map[int32]int64) error {
	f := p.f
	p.ctx = ctx
	if p.busy() && b.Len() > pipelineMaxRows {
		if err := p.finish(); err != nil {
			return err
		}
	}
	// Only a busy pipeline holds the view: otherwise another source's
	// feed may be changing its state, so its size is not read.
	if p.busy() {
		if n, bytes := f.state.size(); n > pipelineMaxPending || bytes > pipelineMaxBytes || !p.fits(0.5) {
			// Epochs that piled up behind a slow commit go in the next one:
			// keep it well inside what one Badger transaction takes.
			if err := p.advance(true); err != nil {
				return err
			}
		}
	}
	if !p.busy() {
		if b.Len() > pipelineMaxRows || !p.mayPipeline(ctx) {
			return f.feedBatch(ctx, p.src, b, next)
		}
		v := &viewTxn{e: f.e}
		if err := v.run(ctx, f, p.src.OID, b); err != nil {
			v.end()
			return err
		}
		if !p.pipelinable(v) {
			// Commit as feedSource does.
			defer v.end()
			f.putOffsets(p.src.OID, next)
			return f.e.commitFeed(f, v)
		}
		if !p.fits(0.9) {
			// Too big for one transaction (a small state cache makes
			// Badger's small): run it again through feedBatch, which
			// splits it.
			v.end()
			return f.feedBatch(ctx, p.src, b, next)
		}
		p.v, p.since = v, time.Now()
		p.locked = p.since
	} else {
		saved := f.state.save()
		if err := p.v.epochs(ctx, []*dataflow{f}, map[uint32]*Batch{}, f, map[uint32]*Batch{p.src.OID: b}); err != nil {
			f.state.restore(saved)
			return errors.Join(err, p.finish())
		}
		if !p.fits(0.9) {
			// With this epoch the next hand-off would not fit in one
			// transaction: commit those before it, and run it again.
			f.state.restore(saved)
			p.v.outs = nil
			if err := p.finish(); err != nil {
				return err
			}
			return p.feed(ctx, b, next)
		}
	}
	f.putOffsets(p.src.OID, next)
	p.v.publishSubscribers()
	p.v.outs = nil
	p.dirty = true
	return p.advance(false)
}

// fits reports whether the writes pending take less than share of what one
// Badger transaction takes. Badger's limits follow its memtables: at the
// smallest state cache a transaction takes about 600 KB, less than an
// epoch of pipelineMaxRows wide rows or than pipelineMaxBytes, and such a
// hand-off failed the feed, which then ran again from its offsets.
func (p *feedPipeline) fits(share float64) bool {
	n, bytes := p.f.state.size()
	db := p.f.e.db
	// Badger counts each entry's metadata besides its key and value.
	return float64(n) < share*float64(db.MaxBatchCount()) && float64(bytes+16*n) < share*float64(db.MaxBatchSize())
}

// advance collects the commit in flight if it is done (waiting for it when
// wait), hands off what ran since, and lets the view go when nothing is
// left or the feed held it for pipelineHold.
func (p *feedPipeline) advance(wait bool) error {
	if !p.busy() {
		return nil
	}
	if p.flight != nil {
		var err error
		if wait {
			err = <-p.flight
		} else {
			select {
			case err = <-p.flight:
			default:
				return nil
			}
		}
		p.landedFlight()
		if err != nil {
			return p.fail(diskErr(fmt.Errorf("commit %s: %w", p.f.rel.Name, err)))
		}
	}
	if !p.dirty {
		p.release()
		return nil
	}
	yield := wait || time.Since(p.locked) >= pipelineHold && p.contended()
	if !yield && time.Since(p.since) >= pipelineHold {
		p.renew()
	}
	if !yield && time.Now().Before(p.due()) && !p.large() {
		return nil
	}
	if err := p.f.e.disk.check(); err != nil {
		return p.fail(err)
	}
	txn := p.f.e.db.NewTransaction(true)
	if err := p.f.state.flushTo(txn); err != nil {
		txn.Discard()
		return p.fail(fmt.Errorf("maintain %s: %w", p.f.rel.Name, err))
	}
	p.dirty = false
	p.handedOff = time.Now()
	p.handoffs++
	if yield {
		err := txn.Commit()
		if err != nil {
			return p.fail(diskErr(fmt.Errorf("commit %s: %w", p.f.rel.Name, err)))
		}
		p.release()
		return nil
	}
	// The rows handed off are not read again; what stays pending (the row
	// number, the watermark, the offsets) is written again, unchanged or
	// newer, with the next hand-off.
	p.f.state.dropFresh()
	done := make(chan error, 1)
	landed, land := context.WithCancel(p.ctx)
	txn.CommitWith(func(err error) {
		done <- err
		land()
	})
	// CommitWith discards the transaction itself except when it refuses
	// it at once; discarding here, not in the callback (which runs on
	// Badger's goroutine), covers that case without a race.
	txn.Discard()
	p.flight, p.landed, p.land = done, landed, land
	return nil
}

// finish commits everything that ran and lets the view go.
func (p *feedPipeline) finish() error {
	for p.busy() {
		if err := p.advance(true); err != nil {
			return err
		}
	}
	return nil
}

// fail ends the subscriptions that saw epochs which will not commit, and
// lets the view go with their writes dropped.
func (p *feedPipeline) fail(err error) error {
	if p.flight != nil {
		<-p.flight
		p.landedFlight()
	}
	p.v.outs = map[*dataflow][]*Batch{p.f: nil}
	p.v.endSubscriptions(err)
	p.dirty = false
	p.release()
	return err
}

func (p *feedPipeline) release() {
	p.v.end()
	p.v = nil
}
