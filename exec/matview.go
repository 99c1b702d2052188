package exec

import (
	"context"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// viewOperatorsOption records in a view's descriptor which operators
// maintain it, so that a restart builds those whose state it finds:
// viewOperatorsIncremental for the specialized ones where they apply
// (flow_agg.go, flow_join.go) and keyedOp elsewhere; without it (views
// created before the specialized operators existed, or under
// WithKeyedViews), keyedOp everywhere.
const (
	viewOperatorsOption      = "operators"
	viewOperatorsIncremental = "incremental"
)

// snapshotChunk is how many input rows one epoch of a new view's initial
// load takes: the load runs in bounded memory, as a stream of epochs.
const snapshotChunk = 65536

func (s *Session) createMatView(ctx context.Context, n *sql.CreateView) (string, error) {
	if err := s.checkSchema(n.Name); err != nil {
		return "", err
	}
	if n.OrReplace {
		return "", sql.Errorf(sql.CodeSyntaxError, "syntax error at or near \"MATERIALIZED\"")
	}
	if s.txn != nil {
		return "", sql.Errorf("25001", "CREATE MATERIALIZED VIEW cannot run inside a transaction block")
	}
	name := n.Name.Name
	if s.e.cat.Lookup(n.Name.Schema, name) != nil {
		if n.IfNotExists {
			return "CREATE MATERIALIZED VIEW", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
	}
	q, err := s.planner().PlanQuery(n.Query.AST, nil)
	if err != nil {
		return "", err
	}
	if err := s.refuseTemp(q.Access, "materialized views"); err != nil {
		return "", err
	}
	if q.Plan, err = planner.Continuous(q.Plan); err != nil {
		return "", err
	}
	if err := s.checkAccess(q.Access); err != nil {
		return "", err
	}
	rel := &catalog.Relation{Schema: schemaOf(n.Name), Name: name, Kind: catalog.KindMatView, Owner: s.user, SQL: n.Query.Text,
		EmitOnWindowClose: n.EmitOnWindowClose}
	if n.EmitOnWindowClose {
		q.Plan = planner.EOWCPlan(q.Plan)
		if _, _, err := planner.WindowCloseColumn(q.Plan); err != nil {
			return "", err
		}
	}
	rel.Options = s.viewSettings()
	s.keepPath(rel)
	if !s.e.keyedViews {
		if rel.Options == nil {
			rel.Options = map[string]string{}
		}
		rel.Options[viewOperatorsOption] = viewOperatorsPruned
		rel.Options[aggDistinctOption] = aggDistinctShared
		rel.Options[windowOpOption] = windowOpVersion
		rel.Options[joinBlocksOption] = joinBlocksVersion
		rel.Options[topNTiesOption] = topNTiesGrow
		rel.Options[windowMaxOption] = windowMaxVersion
		q.Plan, _ = planner.Prune(q.Plan)
	}
	seen := map[string]bool{}
	for i, c := range columnsOf(q.Plan.Columns()) {
		cn := c.Name
		if i < len(n.Columns) {
			cn = n.Columns[i]
		}
		if seen[cn] {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cn)
		}
		seen[cn] = true
		rel.Columns = append(rel.Columns, catalog.Column{Name: cn, Type: c.Type})
	}
	if len(n.Columns) > len(rel.Columns) {
		return "", sql.Errorf(sql.CodeSyntaxError, "too many column names were specified")
	}
	rel.DependsOn = queryDependencies(q)
	rel.DependsOnFunctions = q.Functions
	rel.PrimaryKey = planner.UniqueKey(q.Plan)

	rows, err := s.e.startView(ctx, rel, q.Plan)
	if err != nil {
		return "", err
	}
	s.e.startFeeds()
	return fmt.Sprintf("SELECT %d", rows), nil
}

// startView loads a new view and starts maintaining it, holding flows.mu
// so that no commit that feeds views runs meanwhile.
func (e *Engine) startView(ctx context.Context, rel *catalog.Relation, plan planner.Node) (int64, error) {
	if err := e.flows.mu.lock(ctx); err != nil {
		return 0, err
	}
	defer e.flows.mu.unlock()
	if e.cat.Lookup(rel.Schema, rel.Name) != nil {
		return 0, sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", rel.Name)
	}
	var err error
	if rel.OID, err = e.cat.AllocOIDs(1); err != nil {
		return 0, err
	}
	f, err := e.newDataflow(rel, plan, true)
	if err != nil {
		return 0, err
	}
	rows, err := f.load(ctx)
	if err != nil {
		// What the load wrote is unreachable without the descriptor; drop it.
		_ = catalog.DeletePrefixes(e.db, catalog.ObjectPrefix(catalog.PrefixRows, rel.OID), catalog.ObjectPrefix(catalog.PrefixState, rel.OID))
		return 0, err
	}
	if err := e.cat.Put(rel); err != nil {
		return 0, err
	}
	e.flows.register(f)
	return rows, nil
}

// viewSettings are the session's settings that expressions read (the
// time zone of timestamptz, the styles of dates and intervals as text) where
// they differ from a new session's: a view keeps those it was created
// with, so that it is maintained as its creator's batch query would run.
func (s *Session) viewSettings() map[string]string {
	var out map[string]string
	for _, k := range []string{"timezone", "datestyle", "intervalstyle", "extra_float_digits"} {
		if v := s.settings[k]; v != defaultSettings[k] {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// load runs a new view's first epochs over the current contents of its
// inputs and returns how many rows the view holds. The caller holds
// flows.mu, so no transaction that writes the inputs commits meanwhile
// (commits that feed views take it to read; others fail if a view started
// to read what they wrote).
func (f *dataflow) load(ctx context.Context) (_ int64, rerr error) {
	snap := f.e.db.NewTransaction(false)
	defer snap.Discard()
	oids := make([]uint32, 0, len(f.reads))
	for oid := range f.reads {
		oids = append(oids, oid)
	}
	sort.Slice(oids, func(i, j int) bool { return oids[i] < oids[j] })
	oids = temporalFirst(f.plan, oids)
	var total int64
	// The last epoch's commit lands before the load ends, failed or not.
	defer func() {
		if err := f.state.landFlight(); err != nil && rerr == nil {
			rerr = fmt.Errorf("load %s: %w", f.rel.Name, err)
		}
	}()
	run := func(changes map[uint32]*Batch) error {
		f.state.begin()
		defer f.state.end()
		out, err := f.epoch(ctx, changes)
		if err != nil {
			return err
		}
		for _, d := range out.Diffs {
			total += d
		}
		if f.state.mayHandOff() && len(f.sinks) == 0 {
			if err := f.e.disk.check(); err != nil {
				return err
			}
			// Committed while the next epoch runs (flow_commit_ahead.go).
			return f.state.handOff()
		}
		if err := f.state.landFlight(); err != nil {
			return err
		}
		wb := f.e.db.NewWriteBatch()
		// Each pending transaction holds its entries in the heap; more
		// than two in flight gained nothing but memory.
		wb.SetMaxPendingTxns(2)
		defer wb.Cancel()
		if err := f.state.flushTo(wb); err != nil {
			return fmt.Errorf("load %s: %w", f.rel.Name, err)
		}
		if err := f.e.disk.check(); err != nil {
			return err
		}
		return wb.Flush()
	}
	ran := false
	for i, oid := range oids {
		rel := f.e.cat.ByOID(oid)
		if rel == nil {
			return 0, fmt.Errorf("load %s: input %d vanished", f.rel.Name, oid)
		}
		if rel.Kind == catalog.KindSource {
			ran = true
			runSource := func(changes map[uint32]*Batch, end bool) error {
				if end && i == len(oids)-1 {
					// No load row follows: windows may close.
					f.lastLoadEpoch()
				}
				return run(changes)
			}
			if err := f.loadSource(ctx, rel, runSource); err != nil {
				return 0, err
			}
			continue
		}
		err := scanRelation(ctx, snap, rel, func(b *Batch) error {
			ran = true
			return run(map[uint32]*Batch{oid: b})
		})
		if err != nil {
			return 0, err
		}
	}
	if !ran {
		if err := run(nil); err != nil {
			return 0, err
		}
	}
	// Windows that the loaded rows' watermarks passed close now
	// (flow_watermark.go).
	if f.endLoad() {
		if err := run(nil); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// scanRelation reads a stored relation's rows in chunks of snapshotChunk.
func scanRelation(ctx context.Context, txn *badger.Txn, rel *catalog.Relation, f func(*Batch) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: catalog.ObjectPrefix(catalog.PrefixRows, rel.OID), PrefetchValues: true})
	defer it.Close()
	width := len(rel.Columns)
	var b Batch
	blocks := blockLayout(rel)
	for it.Rewind(); it.Valid(); it.Next() {
		var row sql.Row
		err := it.Item().Value(func(v []byte) error {
			if blocks {
				return addBlockRows(&b, v, width)
			}
			var err error
			row, err = sql.DecodeRow(v, make(sql.Row, 0, width))
			return err
		})
		if err != nil {
			return fmt.Errorf("scan %s: %w", rel.Name, err)
		}
		if !blocks {
			b.Add(padRow(row, width), 1)
		}
		if b.Len() >= snapshotChunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := f(&b); err != nil {
				return err
			}
			b = Batch{}
		}
	}
	if b.Len() > 0 {
		return f(&b)
	}
	return nil
}

// startFlows resumes maintaining the materialized views after a restart,
// from their durable state: nothing is recomputed.
func (e *Engine) startFlows() {
	var views []*catalog.Relation
	for _, r := range e.cat.Relations() {
		if r.Kind == catalog.KindMatView || isFlowSink(r) {
			views = append(views, r)
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].OID < views[j].OID })
	defer e.startIngests()
	defer e.startSinks()
	defer e.startFeeds()
	if err := e.flows.mu.lock(context.Background()); err != nil {
		e.log.Error("materialized views not started", "err", err)
		return
	}
	defer e.flows.mu.unlock()
	for _, rel := range views {
		f, err := e.resumeFlow(rel)
		if err != nil {
			// Changes to its inputs will fail rather than leave it stale.
			e.log.Error("materialized view cannot be maintained", "view", rel.Name, "err", err)
			f = &dataflow{e: e, rel: rel, mu: newViewMutex(), state: newStateStore(e.db), inputs: map[uint32][]*deltaOp{}, reads: map[uint32]bool{},
				broken: sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "%s %s cannot be maintained: %v", relationKindWord(rel), rel.Name, err)}
			for _, oid := range rel.DependsOn {
				f.reads[oid] = true
			}
		}
		e.flows.register(f)
	}
	e.attachSinks()
	e.ingests.mu.Lock()
	e.ingests.ready = true
	e.ingests.mu.Unlock()
}

func (e *Engine) resumeFlow(rel *catalog.Relation) (*dataflow, error) {
	if rel.Kind == catalog.KindSink {
		return e.resumeSinkFlow(rel)
	}
	q, err := e.planner.PlanStored(rel, prunedPlan(rel.Options))
	if err != nil {
		return nil, err
	}
	return e.newDataflow(rel, q.Plan, false)
}

// refreshMatView accepts REFRESH MATERIALIZED VIEW, which BI tools and
// PostgreSQL habits send: eddy's views are always fresh, so there is
// nothing to do but check the name.
func (s *Session) refreshMatView(n *sql.RefreshMaterializedView) (string, error) {
	if err := s.checkSchema(n.Name); err != nil {
		return "", err
	}
	rel := s.e.cat.Lookup(n.Name.Schema, n.Name.Name)
	if rel == nil {
		return "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.Name.Name)
	}
	if rel.Kind != catalog.KindMatView {
		return "", sql.Errorf(sql.CodeWrongObjectType, "%q is not a materialized view", n.Name.Name)
	}
	return "REFRESH MATERIALIZED VIEW", nil
}
