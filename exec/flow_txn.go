package exec

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/eddysql/eddy/sql"
)

// feedChunk is how many logged changes a transaction gathers before it
// runs them through the views it feeds: the log stays small and each
// epoch's work incremental, whatever the size of the transaction.
const feedChunk = 1024

// changeLog gathers a transaction's changes to the relations that views
// read, until they are fed to the views.
type changeLog struct {
	changes []tableChange
	// unlogged are relations written while no view read them: if one
	// starts to before the commit, the commit must fail (flowSet.mu).
	unlogged map[uint32]bool
}

type tableChange struct {
	oid uint32
	row sql.Row
	d   int64
}

// add logs one change to rel if a view reads it.
func (l *changeLog) add(e *Engine, oid uint32, row sql.Row, d int64) {
	if !e.flows.isWatched(oid) {
		l.skip(oid)
		return
	}
	l.changes = append(l.changes, tableChange{oid: oid, row: row, d: d})
}

// skip notes a change to oid that no view read when it was made.
func (l *changeLog) skip(oid uint32) {
	if l.unlogged == nil {
		l.unlogged = map[uint32]bool{}
	}
	l.unlogged[oid] = true
}

func (l *changeLog) reset() {
	l.changes = l.changes[:0]
	l.unlogged = nil
}

// viewTxn is the part of a transaction that maintains views: the
// dataflows it has run epochs of, locked, with their pending state, until
// the transaction commits or fails.
type viewTxn struct {
	e      *Engine
	flows  []*dataflow
	locked map[uint32]bool
	// rlocked: the transaction holds flowSet.mu to read (from its first
	// epoch, or from the commit) so that no view starts or stops under it.
	rlocked bool
	// outs are each view's changes, for its subscribers once committed.
	outs map[*dataflow][]*Batch
	// readTs is the Badger read timestamp of the transaction's snapshot.
	readTs uint64
}

// feed runs the logged changes through every view they reach and empties
// the log.
func (v *viewTxn) feed(ctx context.Context, l *changeLog) error {
	if len(l.changes) == 0 {
		return nil
	}
	if !v.rlocked {
		if err := v.e.flows.mu.rlock(ctx); err != nil {
			return err
		}
		v.rlocked = true
	}
	byRel := map[uint32]*Batch{}
	var oids []uint32
	for _, c := range l.changes {
		b := byRel[c.oid]
		if b == nil {
			b = &Batch{}
			byRel[c.oid] = b
			oids = append(oids, c.oid)
		}
		b.Add(c.row, c.d)
	}
	l.changes = l.changes[:0]
	flows := v.e.flows.closure(oids)
	if err := v.lock(ctx, flows); err != nil {
		return err
	}
	return v.epochs(ctx, flows, byRel, nil, nil)
}

// run runs one epoch of root over a batch of one of its sources (which
// only root reads this way: every view tails its sources itself), and of
// the views downstream of root over root's changes.
func (v *viewTxn) run(ctx context.Context, root *dataflow, source uint32, b *Batch) error {
	if !v.rlocked {
		if err := v.e.flows.mu.rlock(ctx); err != nil {
			return err
		}
		v.rlocked = true
	}
	if v.e.flows.byOID[root.rel.OID] != root {
		return fmt.Errorf("materialized view %s was dropped", root.rel.Name)
	}
	flows := append([]*dataflow{root}, v.e.flows.closure([]uint32{root.rel.OID})...)
	if err := v.lock(ctx, flows); err != nil {
		return err
	}
	return v.epochs(ctx, flows, map[uint32]*Batch{}, root, map[uint32]*Batch{source: b})
}

// lock locks and begins the flows not yet locked by this transaction.
func (v *viewTxn) lock(ctx context.Context, flows []*dataflow) error {
	if v.locked == nil {
		v.locked = map[uint32]bool{}
	}
	for _, f := range flows {
		if v.locked[f.rel.OID] {
			continue
		}
		// Flows are locked in OID order; one that this transaction reaches
		// only in a later chunk may come out of order, and then waiting
		// could deadlock.
		if n := len(v.flows); n > 0 && v.flows[n-1].rel.OID > f.rel.OID {
			if !f.mu.tryLock() {
				return sql.Errorf("40P01", "deadlock detected: materialized view %s is being maintained by another transaction", f.rel.Name)
			}
		} else if err := f.mu.lock(ctx); err != nil {
			return err
		}
		v.locked[f.rel.OID] = true
		v.flows = append(v.flows, f)
		f.state.begin()
	}
	return nil
}

// epochs runs an epoch of each flow in order; each view's changes join
// byRel for the views after it. rootOnly changes go to root alone.
func (v *viewTxn) epochs(ctx context.Context, flows []*dataflow, byRel map[uint32]*Batch, root *dataflow, rootOnly map[uint32]*Batch) error {
	for _, f := range flows {
		changes := byRel
		if f == root {
			changes = maps.Clone(byRel)
			maps.Copy(changes, rootOnly)
		}
		out, err := f.epoch(ctx, changes)
		if errors.Is(err, errStateMismatch) && f.state.snap.ReadTs() > v.readTs {
			// The view moved on since the transaction's snapshot: its
			// changes were computed from rows another commit changed.
			return sql.Errorf("40001", "could not serialize access due to concurrent update")
		}
		if err != nil {
			return err
		}
		if out.Len() > 0 {
			byRel[f.rel.OID] = out
			if v.outs == nil {
				v.outs = map[*dataflow][]*Batch{}
			}
			v.outs[f] = append(v.outs[f], out)
		}
	}
	return nil
}

// published tells the views' subscribers what the committed transaction
// changed; it runs after the commit, before the views are unlocked, so a
// subscriber that took its snapshot under the view's lock misses nothing.
func (v *viewTxn) published() {
	v.publishSubscribers()
	v.notifySinks()
}

// publishSubscribers hands the views' changes to their subscriptions.
func (v *viewTxn) publishSubscribers() {
	for f, outs := range v.outs {
		f.publish(outs)
	}
}

// notifySinks wakes the sinks of the views that changed; their changes
// must be durable by then. It ends the publication.
func (v *viewTxn) notifySinks() {
	for f := range v.outs {
		for _, s := range f.sinks {
			s.notify()
		}
	}
	v.outs = nil
}

// commit feeds what is left in the log, checks that no view started to
// read a relation the transaction wrote unlogged, and flushes the views'
// state with set and del (into the transaction about to commit).
func (v *viewTxn) commit(ctx context.Context, l *changeLog, set func(k, val []byte) error, del func(k []byte) error) error {
	if len(l.unlogged) > 0 && !v.rlocked {
		if err := v.e.flows.mu.rlock(ctx); err != nil {
			return err
		}
		v.rlocked = true
	}
	for oid := range l.unlogged {
		if v.e.flows.isWatched(oid) {
			name := fmt.Sprint(oid)
			if rel := v.e.cat.ByOID(oid); rel != nil {
				name = rel.Name
			}
			return sql.Errorf("40001", "could not serialize access: a materialized view over %s was created during the transaction", name)
		}
	}
	if err := v.feed(ctx, l); err != nil {
		return err
	}
	for _, f := range v.flows {
		if err := f.state.flush(set, del); err != nil {
			return fmt.Errorf("maintain %s: %w", f.rel.Name, err)
		}
	}
	return nil
}

// pending is how many state writes the views hold for the commit, and
// their bytes.
func (v *viewTxn) pending() (n, bytes int) {
	for _, f := range v.flows {
		fn, fb := f.state.size()
		n, bytes = n+fn, bytes+fb
	}
	return n, bytes
}

// restart begins the views' next epoch after a step of the transaction
// committed their state (writer.step): they read it afresh, and stay locked.
func (v *viewTxn) restart(readTs uint64) {
	for _, f := range v.flows {
		f.state.end()
		f.state.begin()
	}
	v.readTs = readTs
}

// end releases the views after the commit, or after its failure: their
// pending state is then dropped, so a view never shows an epoch that did
// not commit. The dataflows hold no other state between epochs.
func (v *viewTxn) end() {
	for _, f := range v.flows {
		f.state.end()
		f.mu.unlock()
	}
	v.flows, v.locked, v.outs = nil, nil, nil
	if v.rlocked {
		v.e.flows.mu.runlock()
		v.rlocked = false
	}
}

// register starts maintaining a view; the caller holds flows.mu to write.
func (fs *flowSet) register(f *dataflow) {
	if fs.byOID == nil {
		fs.byOID = map[uint32]*dataflow{}
	}
	fs.byOID[f.rel.OID] = f
	fs.recount()
	f.startTemporalClock()
}

// recount rebuilds watched from the running views.
func (fs *flowSet) recount() {
	w := map[uint32]int{}
	for _, f := range fs.byOID {
		for oid := range f.reads {
			w[oid]++
		}
	}
	fs.watched.Store(&w)
}

// forget stops maintaining the views among oids; the caller holds mu.
func (fs *flowSet) forget(oids []uint32) {
	for _, oid := range oids {
		delete(fs.byOID, oid)
	}
	fs.recount()
}

// dropRelations is deleteRelations for a session's DROP, which must wait
// for the views' maintenance in flight; one that this session's own open
// transaction holds would never end.
func (s *Session) dropRelations(ctx context.Context, oids ...uint32) error {
	if s.views.rlocked {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cannot drop a relation in a transaction that has fed materialized views: commit or roll back first")
	}
	return s.e.deleteRelations(ctx, oids...)
}

// deleteRelations drops relations from the catalog and stops the views
// among them.
func (e *Engine) deleteRelations(ctx context.Context, oids ...uint32) error {
	e.stopIngests(oids, false)
	e.stopSinks(oids, false)
	// Feeds take the lock to commit, so they stop before it is taken.
	if err := e.flows.mu.rlock(ctx); err != nil {
		return err
	}
	var stops []func()
	for _, oid := range oids {
		if f := e.flows.byOID[oid]; f != nil && f.feedStop != nil {
			stops = append(stops, f.feedStop)
		}
		if f := e.flows.byOID[oid]; f != nil && f.temporal != nil {
			stops = append(stops, f.temporal.stop)
		}
	}
	e.flows.mu.runlock()
	for _, stop := range stops {
		stop()
	}
	if err := e.flows.mu.lock(ctx); err != nil {
		return err
	}
	defer e.flows.mu.unlock()
	// Wait for epochs in flight on the views being dropped.
	for _, oid := range oids {
		if f := e.flows.byOID[oid]; f != nil {
			if err := f.mu.lock(ctx); err != nil {
				return err
			}
			defer f.mu.unlock()
		}
	}
	e.flows.forget(oids)
	return e.cat.Delete(oids...)
}
