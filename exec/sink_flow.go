package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A sink of anything but a materialized view (a table, a topic table, a
// source, a view, a query) runs a dataflow of its own: the operators,
// epochs and checkpoints of a materialized view, registered among the
// views under the sink's OID, so that DML commits and source feeds drive
// it as they drive views, and its epochs queue its changes for Kafka in the
// transaction that commits them (sink.go). It stores no rows: a sink of a
// source costs the queue and the source's offsets, and a sink of a query
// the state of the query's operators. The sink's descriptor keeps the
// query (SQL), its columns and unique key, and, under flowSettingPrefix
// among its options, the settings it runs with (those a materialized view
// keeps in its options).

// flowSettingPrefix marks the options that are a sink dataflow's settings
// rather than WITH options.
const flowSettingPrefix = "flow."

// A sink dataflow's queue lives among the view-wide entries of its state,
// after 0xff (flow_watermark.go lists the others), apart from the
// operators' prefixes, which a materialized view's sink queue (a prefix of
// its own) need not avoid.
const (
	stateSinkQueue = 0xf0 // seq -> changes
	stateSinkSeq   = 0xf1 // -> last seq
)

func flowSinkQueueKey(sink uint32, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(viewStateKey(sink, stateSinkQueue), seq)
}

func flowSinkSeqKey(sink uint32) []byte { return viewStateKey(sink, stateSinkSeq) }

// isFlowSink reports whether a sink runs its own dataflow; a sink of a
// materialized view keeps no query.
func isFlowSink(rel *catalog.Relation) bool {
	return rel.Kind == catalog.KindSink && rel.SQL != ""
}

// sinkFlowRelation is the relation a sink's dataflow maintains: the sink,
// with the settings it runs with as its options, as a view keeps them.
func sinkFlowRelation(rel *catalog.Relation) *catalog.Relation {
	fr := *rel
	fr.Options = nil
	for k, v := range rel.Options {
		if name, ok := strings.CutPrefix(k, flowSettingPrefix); ok {
			if fr.Options == nil {
				fr.Options = map[string]string{}
			}
			fr.Options[name] = v
		}
	}
	return &fr
}

// source names what the sink writes the changes of, for errors.
func (s *topicSink) source() string {
	if s.flow {
		return "the query of sink " + s.rel.Name
	}
	return "materialized view " + s.view.Name
}

// createRelationSink creates a sink of a table, a source or a view: of
// SELECT * from it.
func (s *Session) createRelationSink(ctx context.Context, qn sql.ObjectName, from *catalog.Relation, opts map[string]string, cfg sinkConfig) error {
	name := qn.Name
	quote := func(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
	// Only a relation outside public needs its schema: unqualified names
	// resolve there (and the sinks' query text is what users read).
	text := `SELECT * FROM ` + quote(from.Name)
	if from.Schema != "public" {
		text = `SELECT * FROM ` + quote(from.Schema) + `.` + quote(from.Name)
	}
	stmts, err := sql.Parse(text)
	if err != nil {
		return err
	}
	if len(stmts) != 1 || stmts[0].AST == nil {
		return fmt.Errorf("sink %s: %q is not a query", name, text)
	}
	return s.createFlowSink(ctx, qn, text, stmts[0].AST, opts, cfg)
}

// createFlowSink creates a sink of a query, which runs its own dataflow.
func (s *Session) createFlowSink(ctx context.Context, qn sql.ObjectName, text string, stmt ast.StmtNode, opts map[string]string, cfg sinkConfig) error {
	name := qn.Name
	q, err := s.planner().PlanQuery(stmt, nil)
	if err != nil {
		return err
	}
	if q.Plan, err = planner.Continuous(q.Plan); err != nil {
		return err
	}
	if err := planner.CheckContinuous(q.Plan); err != nil {
		return err
	}
	if err := s.checkAccess(q.Access); err != nil {
		return err
	}
	rel := &catalog.Relation{Schema: schemaOf(qn), Name: name, Kind: catalog.KindSink, Owner: s.user, SQL: text,
		Options: map[string]string{}}
	for k, v := range opts {
		rel.Options[k] = v
	}
	if v := s.storedPath(false); v != "" {
		// Kept among the dataflow's settings, not the sink's WITH options.
		rel.Options[flowSettingPrefix+planner.SearchPathOption] = v
	}
	seen := map[string]bool{}
	for _, c := range columnsOf(q.Plan.Columns()) {
		if seen[c.Name] {
			// Each becomes a field of the records' JSON objects.
			return sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once: name the sink's columns apart (AS)", c.Name)
		}
		seen[c.Name] = true
		rel.Columns = append(rel.Columns, catalog.Column{Name: c.Name, Type: c.Type})
	}
	rel.DependsOn = queryDependencies(q)
	rel.DependsOnFunctions = q.Functions
	rel.PrimaryKey = planner.UniqueKey(q.Plan)
	what := "the query of sink " + name
	switch cfg.envelope {
	case "append":
		if err := s.e.appendOnlyPlan(what, q.Plan); err != nil {
			return err
		}
	case "upsert":
		if rel.PrimaryKey == nil {
			return sql.Errorf(sql.CodeFeatureNotSupported, "envelope upsert needs a key, and %s has none: sink a table with a primary key, or a query that groups by or selects one (or use envelope debezium)", what)
		}
	}
	for k, v := range s.viewSettings() {
		rel.Options[flowSettingPrefix+k] = v
	}
	if !s.e.keyedViews {
		rel.Options[flowSettingPrefix+viewOperatorsOption] = sinkOperatorsPruned
		q.Plan, _ = planner.Prune(q.Plan)
	}
	if err := s.e.ensureSinkTopic(ctx, cfg); err != nil {
		return err
	}
	if err := s.e.startFlowSink(ctx, rel, q.Plan, cfg); err != nil {
		return err
	}
	s.e.startFeeds()
	return nil
}

// startFlowSink creates a sink's dataflow and queues its first epochs
// (the query's answer over what its inputs hold now: a source's records
// from where its start option says) for the sink, holding flows.mu so that
// no commit that feeds views runs meanwhile; then the sink runs.
func (e *Engine) startFlowSink(ctx context.Context, rel *catalog.Relation, plan planner.Node, cfg sinkConfig) error {
	if err := e.flows.mu.lock(ctx); err != nil {
		return err
	}
	defer e.flows.mu.unlock()
	if e.cat.Lookup(rel.Schema, rel.Name) != nil {
		return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", rel.Name)
	}
	var err error
	if rel.OID, err = e.cat.AllocOIDs(1); err != nil {
		return err
	}
	f, err := e.newSinkFlow(rel, plan, true)
	if err != nil {
		return err
	}
	s := &topicSink{e: e, rel: rel, view: f.rel, flow: true, cfg: cfg, wake: make(chan struct{}, 1)}
	if !e.sinks.claim(s) {
		return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", rel.Name)
	}
	f.sinks = []*topicSink{s}
	fail := func(err error) error {
		e.sinks.release(s)
		// What the load queued is unreachable without the descriptor.
		_ = catalog.DeletePrefixes(e.db, catalog.ObjectPrefix(catalog.PrefixState, rel.OID))
		return err
	}
	if _, err := f.load(ctx); err != nil {
		return fail(err)
	}
	if err := e.cat.Put(rel); err != nil {
		return fail(err)
	}
	e.flows.register(f)
	e.runSinks()
	return nil
}

// newSinkFlow builds a sink's dataflow, which writes no rows.
func (e *Engine) newSinkFlow(rel *catalog.Relation, plan planner.Node, fresh bool) (*dataflow, error) {
	f, err := e.newDataflow(sinkFlowRelation(rel), plan, fresh)
	if err != nil {
		return nil, err
	}
	f.sink = nil
	return f, nil
}

// resumeSinkFlow rebuilds a sink's dataflow after a restart from its
// durable state; the sink attaches to it (attachSinks) before it runs.
func (e *Engine) resumeSinkFlow(rel *catalog.Relation) (*dataflow, error) {
	fr := sinkFlowRelation(rel)
	q, err := e.planner.PlanStored(fr, prunedPlan(fr.Options))
	if err != nil {
		return nil, err
	}
	if n := len(columnsOf(q.Plan.Columns())); n != len(rel.Columns) {
		return nil, fmt.Errorf("sink %s: its query now yields %d columns, not %d", rel.Name, n, len(rel.Columns))
	}
	return e.newSinkFlow(rel, q.Plan, false)
}
