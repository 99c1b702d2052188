package exec

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A dataflow maintains one materialized view: the view's query built from
// the batch operators where they are stateless (filter, project, set-
// returning functions) and from incremental ones where they are not
// (flow_keyed.go), fed each epoch with the changes of its inputs. An
// epoch's state changes and the view's new rows are flushed into the
// transaction that commits the epoch: for a plain table, the transaction
// of the DML that changed it, so that a view is never behind the tables
// it reads (read-your-writes comes for free) and a crash can split nothing.
type dataflow struct {
	e   *Engine
	rel *catalog.Relation
	// mu is held from an epoch's start until its transaction commits or
	// fails: the state snapshot is then the latest.
	mu    viewMutex
	rt    *runtime
	root  Operator
	state *stateStore
	// inputs are the scans of each relation the view reads, rebuilt with
	// the operators (under mu); reads are those relations, fixed, for
	// whoever holds flowSet.mu instead.
	inputs map[uint32][]*deltaOp
	reads  map[uint32]bool
	plan   planner.Node
	// stale: the last epoch failed midway, so the operators are rebuilt.
	stale bool
	// fresh: built by CREATE MATERIALIZED VIEW in this process, so its first
	// epoch is the view's first (constant rows are emitted then, once).
	fresh  bool
	nextOp uint16
	sink   *viewSink
	// appendOnly: the view's changes are insertions only (flow_append.go),
	// so an epoch's output needs no consolidation.
	appendOnly bool
	// epochRows is the last append-only epoch's row count, to size the next.
	epochRows int
	// readCols are the columns of its sources that the view reads
	// (flow_columns.go), by source OID; a source not there is read whole.
	readCols map[uint32][]bool
	// wm drops late input rows and closes windows (flow_watermark.go).
	wm *flowWatermarks
	// broken is why the view cannot be maintained (its query no longer
	// plans after a restart); changes to its inputs then fail.
	broken error
	// feedStop stops the goroutines that tail the view's sources and
	// waits for them (flow_source.go); nil when none run.
	feedStop func()
	// subs are the subscriptions to the view's changes (flow_subscribe.go).
	subs subscribers
	// sinks queue the view's changes for Kafka (sink.go); guarded by mu.
	sinks []*topicSink
	// topN holds the windows that topNOp maintains, with their N
	// (flow_topn.go).
	topN map[*planner.Window]int64
	// temporal runs the epochs that the clock starts (temporal_filter.go);
	// nil without temporal filters.
	temporal *temporalClock
}

// newDataflow builds the operators of a view's query.
func (e *Engine) newDataflow(rel *catalog.Relation, plan planner.Node, fresh bool) (*dataflow, error) {
	if err := planner.CheckContinuous(plan); err != nil {
		return nil, err
	}
	f := &dataflow{e: e, rel: rel, plan: plan, mu: newViewMutex(), state: newStateStore(e.db), fresh: fresh}
	if err := f.buildOperators(); err != nil {
		return nil, err
	}
	f.reads = map[uint32]bool{}
	for oid := range f.inputs {
		f.reads[oid] = true
	}
	f.sink = newViewSink(rel)
	f.sink.idx = newViewIndexes(e.cat, rel)
	f.readCols = f.sourceColumns()
	f.appendOnly = appendOnly(plan, func(oid uint32) bool {
		up := e.flows.byOID[oid]
		return up != nil && up.appendOnly
	}) && f.temporal == nil // the clock retracts rows
	// A new view chooses its layout; one that exists keeps the layout it
	// was created with.
	layout := fresh && f.appendOnly && rel.PrimaryKey == nil
	if !fresh && rel.PrimaryKey == nil {
		var err error
		if layout, err = hasAppendLayout(e.db, rel.OID); err != nil {
			return nil, err
		}
	}
	if layout {
		f.sink.appendLayout(fresh)
	} else if err := f.sink.keyedLayout(fresh, plan, f.topN); err != nil {
		return nil, err
	}
	return f, nil
}

// buildOperators (re)builds the view's operators from its plan. Between
// epochs they hold nothing that is not in the state store, so after an
// epoch that failed midway (an operator may hold part of its changes) the
// dataflow starts again from fresh operators and loses nothing.
func (f *dataflow) buildOperators() error {
	s := newSession(f.e, f.rel.Owner, "eddy", nil)
	// The view runs with its creator's settings (viewSettings).
	for k, v := range f.rel.Options {
		if layoutOption(k) {
			continue
		}
		if err := s.set(k, v); err != nil {
			return err
		}
	}
	f.inputs, f.wm, f.nextOp = map[uint32][]*deltaOp{}, &flowWatermarks{}, 0
	f.topN = nil
	if f.operators() >= operatorsTopN {
		f.topN = topNShapes(f.plan)
	}
	f.rt = s.newRuntime(context.Background(), nil, nil)
	f.rt.flow = f
	root, err := f.rt.build(f.plan)
	if err != nil {
		return err
	}
	f.root = root
	return f.newWatermarks(f.plan)
}

// build builds the continuous form of the nodes that differ from batch; it
// returns false for stateless nodes, which the batch builders handle.
func (f *dataflow) build(rt *runtime, n planner.Node) (Operator, bool, error) {
	switch n := n.(type) {
	case *planner.Scan:
		op, err := f.input(rt, n)
		return op, true, err
	case *planner.Filter:
		return f.temporalFilter(rt, n)
	case *planner.Sort:
		// A view's rows have no order; a Sort under a Limit or DISTINCT ON
		// is rebuilt inside their keyed operator.
		op, err := rt.build(n.Input)
		return op, true, err
	case *planner.Values, *planner.TableFunc:
		op, err := f.constant(rt, n)
		return op, true, err
	case *planner.CTERef:
		// Each reference maintains its own copy of the CTE.
		op, err := rt.build(n.CTE.Plan)
		return op, true, err
	case *planner.SetOp:
		if n.Kind == planner.Union && n.All {
			return nil, false, nil // concatOp, as in batch
		}
		all := func(c []planner.Column) []planner.Expr { return columnRefs(c) }
		op, err := f.keyed(rt, n, []planner.Node{n.Left, n.Right}, [][]planner.Expr{all(n.Left.Columns()), all(n.Right.Columns())})
		return op, true, err
	case *planner.Aggregate:
		op, err := f.aggregate(rt, n)
		return op, true, err
	case *planner.Join:
		if f.operators() >= operatorsTopN && !n.Temporal && !n.Asof {
			if op, ok, err := f.windowMaxJoin(rt, n); ok || err != nil {
				return op, true, err
			}
			if m, ok := maxJoinShape(n); ok {
				op, err := f.maxJoinOp(rt, n, m)
				return op, true, err
			}
		}
		op, err := f.join(rt, n)
		return op, true, err
	case *planner.Distinct:
		key := n.On
		if key == nil {
			key = columnRefs(n.Input.Columns())
		}
		op, err := f.keyed(rt, n, []planner.Node{n.Input}, [][]planner.Expr{key})
		return op, true, err
	case *planner.Window:
		if keep, ok := f.topN[n]; ok {
			op, err := f.topNWindow(rt, n, keep)
			return op, true, err
		}
		if f.windowOps() && windowShape(n) {
			op, err := f.windowFlow(rt, n)
			return op, true, err
		}
		op, err := f.keyed(rt, n, []planner.Node{n.Input}, [][]planner.Expr{planner.WindowKey(n)})
		return op, true, err
	case *planner.Limit:
		if f.operators() >= operatorsTopN {
			if op, ok, err := f.topNLimit(rt, n); ok || err != nil {
				return op, true, err
			}
		}
		op, err := f.keyed(rt, n, []planner.Node{n.Input}, [][]planner.Expr{nil})
		return op, true, err
	}
	return nil, false, nil
}

// keyed builds a keyedOp for n whose inputs are children keyed by keys.
// The output of a node with one input (an aggregate, a window, LIMIT,
// DISTINCT ON) may depend on the order of its input, and keeps it (feedOf);
// that of a join or a set operation does not.
func (f *dataflow) keyed(rt *runtime, n planner.Node, children []planner.Node, keys [][]planner.Expr) (Operator, error) {
	k := &keyedOp{rt: rt, node: n, prefix: f.opPrefix()}
	for i, c := range children {
		feed, chain, whole := stripSorts(c), []planner.Node(nil), false
		if len(children) == 1 {
			feed, chain, whole = feedOf(c)
		}
		if whole {
			keys[i] = nil
		}
		if err := temporalAbove(c, feed); err != nil {
			return nil, err
		}
		in, err := rt.build(feed)
		if err != nil {
			return nil, err
		}
		fns, err := rt.compileAll(keys[i])
		if err != nil {
			return nil, err
		}
		steps, err := rt.compileChain(chain)
		if err != nil {
			return nil, err
		}
		k.feeds = append(k.feeds, feed)
		k.ins = append(k.ins, in)
		k.keys = append(k.keys, fns)
		k.chains = append(k.chains, steps)
	}
	k.touchAll = f.fresh && len(keys[0]) == 0
	subs := make([][]byte, len(keys))
	for i := range subs {
		subs[i] = []byte{byte(i)}
	}
	f.closing(k.prefix, subs, k.feeds, keys)
	return k, nil
}

// feedOf finds what a keyed operator arranges of its input c. Where c's
// rows come in an order, that order is part of the batch operator's
// answer (a LIMIT or DISTINCT ON over sorted rows, string_agg over a
// sorted subquery), so the Sort, and the nodes above it that keep its
// order (filters, projections, LIMIT, DISTINCT [ON], windows), stay in the
// batch part, which re-sorts the rows it is fed; the keyed operator
// arranges the Sort's input, and chain lists the nodes from c down to the
// Sort, through which it finds each row's key. A stateful node among them
// spans keys: whole then asks for a single group, and the chain is not
// needed. Without a Sort the feed is c and the chain empty.
func feedOf(c planner.Node) (feed planner.Node, chain []planner.Node, whole bool) {
	var above []planner.Node
	for n := c; ; {
		switch x := n.(type) {
		case *planner.Sort:
			if whole {
				above = nil
			}
			return stripSorts(n), above, whole
		case *planner.Project:
			above = append(above, x)
			n = x.Input
		case *planner.Filter:
			above = append(above, x)
			n = x.Input
		case *planner.Limit, *planner.Distinct, *planner.Window:
			whole = true
			n = x.Children()[0]
		default:
			return c, nil, false
		}
	}
}

// stripSorts returns n without the Sorts on top of it.
func stripSorts(n planner.Node) planner.Node {
	for {
		s, ok := n.(*planner.Sort)
		if !ok {
			return n
		}
		n = s.Input
	}
}

// opPrefix allocates the state prefix of the next stateful operator. The
// numbering follows the plan, so a restart that plans the same query
// finds the same state.
func (f *dataflow) opPrefix() []byte {
	p := catalog.ObjectPrefix(catalog.PrefixState, f.rel.OID)
	p = append(p, byte(f.nextOp>>8), byte(f.nextOp))
	f.nextOp++
	return p
}

func columnRefs(cols []planner.Column) []planner.Expr {
	out := make([]planner.Expr, len(cols))
	for i, c := range cols {
		out[i] = &planner.ColRef{Idx: i, Typ: c.Type}
	}
	return out
}

// input is a scan of a stored relation or source: each epoch it yields the
// relation's changes.
func (f *dataflow) input(rt *runtime, n *planner.Scan) (Operator, error) {
	d := &deltaOp{}
	f.inputs[n.Rel.OID] = append(f.inputs[n.Rel.OID], d)
	return rt.filterChanges(n, d)
}

// filterChanges applies to a relation's changes the conditions that the
// optimizer moved into its scan: a point lookup it made of WHERE pk =
// const, an index range it made of conditions on indexed columns.
func (rt *runtime) filterChanges(n *planner.Scan, in Operator) (Operator, error) {
	if n.Index != nil {
		spans, err := rt.compileIndexRange(n.Rel, n.Index)
		if err != nil {
			return nil, err
		}
		in = &indexFilterOp{in: in, spans: spans}
	}
	if n.Key == nil {
		return in, nil
	}
	key, err := rt.compileAll(n.Key)
	if err != nil {
		return nil, err
	}
	return &keyFilterOp{in: in, key: key, cols: n.Rel.PrimaryKey}, nil
}

// constant yields the rows of VALUES or a table function in a new view's
// first epoch, and nothing after.
func (f *dataflow) constant(rt *runtime, n planner.Node) (Operator, error) {
	if !f.fresh {
		return &deltaOp{}, nil
	}
	brt := *rt
	brt.flow = nil
	op, err := brt.build(n)
	if err != nil {
		return nil, err
	}
	return &onceOp{in: op}, nil
}

// deltaOp yields the changes the dataflow hands it for the epoch, in
// batches of batchSize: the operators above allocate per batch, and small
// batches keep that memory small and in cache however large the epoch.
type deltaOp struct {
	rows  []sql.Row
	diffs []int64
}

func (d *deltaOp) set(rows []sql.Row, diffs []int64) {
	d.rows, d.diffs = rows, diffs
}

func (d *deltaOp) Next(ctx context.Context) (*Batch, error) {
	if len(d.rows) == 0 {
		return nil, nil
	}
	n := min(len(d.rows), batchSize)
	b := &Batch{Rows: d.rows[:n:n], Diffs: d.diffs[:n:n]}
	d.rows, d.diffs = d.rows[n:], d.diffs[n:]
	return b, nil
}

// onceOp passes its input through in the first epoch only.
type onceOp struct {
	in       Operator
	finished bool
}

func (o *onceOp) Next(ctx context.Context) (*Batch, error) {
	if o.finished {
		return nil, nil
	}
	b, err := o.in.Next(ctx)
	if b == nil || err != nil {
		o.finished = true
	}
	return b, err
}

// keyFilterOp keeps the changes whose key columns equal key.
type keyFilterOp struct {
	in   Operator
	key  []evalFn
	cols []int
	b    Batch
}

func (k *keyFilterOp) Next(ctx context.Context) (*Batch, error) {
	vals := make([]sql.Value, len(k.key))
	for i, f := range k.key {
		v, err := f(nil)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	for {
		b, err := k.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		k.b.reset()
		for i, r := range b.Rows {
			match := true
			for j, c := range k.cols {
				match = match && !vals[j].IsNull() && !r[c].IsNull() && sql.Equal(r[c], vals[j])
			}
			if match {
				k.b.Add(r, b.Diffs[i])
			}
		}
		if k.b.Len() > 0 {
			return &k.b, nil
		}
	}
}

// epoch runs one epoch over the inputs' changes (by relation OID), writes
// the view's new rows into the state and returns the view's changes.
func (f *dataflow) epoch(ctx context.Context, changes map[uint32]*Batch) (*Batch, error) {
	if f.broken != nil {
		return nil, f.broken
	}
	if f.stale {
		if err := f.buildOperators(); err != nil {
			return nil, fmt.Errorf("maintain %s: %w", f.rel.Name, err)
		}
		f.stale = false
	}
	f.stale = true // until the epoch succeeds
	f.wm.begin()
	for oid, ins := range f.inputs {
		b := changes[oid]
		if b != nil {
			var err error
			if b, err = f.admit(oid, b); err != nil {
				return nil, fmt.Errorf("maintain %s: %w", f.rel.Name, err)
			}
		}
		for _, d := range ins {
			if b == nil {
				d.set(nil, nil)
			} else {
				d.set(b.Rows, b.Diffs)
			}
		}
	}
	f.rt.ctx = ctx
	f.rt.txn = f.state.snap
	rows, diffs, err := f.drainEpoch(ctx)
	f.fresh = false
	if err != nil {
		return nil, fmt.Errorf("maintain %s: %w", f.rel.Name, err)
	}
	if rows, diffs, err = f.closeWindows(rows, diffs); err != nil {
		return nil, fmt.Errorf("maintain %s: %w", f.rel.Name, err)
	}
	if f.sink != nil { // nil for a sink's dataflow, which stores no rows (sink_flow.go)
		if err := f.sink.apply(f.state, rows, diffs); err != nil {
			return nil, fmt.Errorf("maintain %s: %w", f.rel.Name, err)
		}
	}
	for _, s := range f.sinks {
		if err := s.enqueue(f.state, rows, diffs); err != nil {
			return nil, fmt.Errorf("maintain %s: sink %s: %w", f.rel.Name, s.rel.Name, err)
		}
	}
	f.stale = false
	return &Batch{Rows: rows, Diffs: diffs}, nil
}

// drainEpoch runs the operators over the epoch's changes. The changes of
// an append-only view are its new rows as they come; any other view's are
// consolidated, retractions first.
func (f *dataflow) drainEpoch(ctx context.Context) ([]sql.Row, []int64, error) {
	if f.appendOnly {
		rows := make([]sql.Row, 0, f.epochRows)
		diffs := make([]int64, 0, f.epochRows)
		for {
			b, err := f.root.Next(ctx)
			if err != nil || b == nil {
				f.epochRows = len(rows)
				return rows, diffs, err
			}
			rows = append(rows, b.Rows...)
			diffs = append(diffs, b.Diffs...)
		}
	}
	var out changeSet
	err := drain(ctx, f.root, func(r sql.Row, d int64) error {
		out.add(r, d)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	rows, diffs := out.result()
	return rows, diffs, nil
}

// flowSet holds the running dataflows.
type flowSet struct {
	// mu: CREATE and DROP of views take it to write; a commit that feeds
	// views takes it to read, so no view starts between a transaction's
	// writes and its commit without seeing them.
	mu    viewRWMutex
	byOID map[uint32]*dataflow
	// watched counts the views that read each relation directly. It is
	// replaced, never changed, so that writers read it without the lock
	// (a transaction may hold mu to read while it logs more changes).
	watched atomic.Pointer[map[uint32]int]
}

// isWatched reports whether a view reads oid.
func (fs *flowSet) isWatched(oid uint32) bool {
	w := fs.watched.Load()
	return w != nil && (*w)[oid] > 0
}

// readers lists the dataflows that read oid directly.
func (fs *flowSet) readers(oid uint32) []*dataflow {
	var out []*dataflow
	for _, f := range fs.byOID {
		if f.reads[oid] {
			out = append(out, f)
		}
	}
	return out
}

// closure lists the dataflows that oids feed, directly or through other
// views, in OID order, which is an order in which every view comes after
// the views it reads (a view is created after its inputs).
func (fs *flowSet) closure(oids []uint32) []*dataflow {
	seen := map[uint32]*dataflow{}
	var visit func(oid uint32)
	visit = func(oid uint32) {
		for _, f := range fs.readers(oid) {
			if seen[f.rel.OID] == nil {
				seen[f.rel.OID] = f
				visit(f.rel.OID)
			}
		}
	}
	for _, o := range oids {
		visit(o)
	}
	out := make([]*dataflow, 0, len(seen))
	for _, f := range seen {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel.OID < out[j].rel.OID })
	return out
}
