package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A sink writes a relation's changes to a Kafka topic, exactly once for
// read_committed consumers. A sink of a materialized view is fed by the
// view's dataflow; a sink of anything else runs a dataflow of its own
// (sink_flow.go). The dataflow's epochs append their
// output to a durable queue of the sink (under the sink's state prefix) in
// the same Badger transaction that commits the epoch, so a change is
// queued if and only if it committed. A goroutine per sink (sink_kafka.go)
// produces the queue in order, in Kafka transactions whose records carry
// the queue's sequence number, and deletes what committed. After a crash
// between the Kafka commit and the delete, the sink reads the last
// sequence number in its topic and skips the entries already there.

// sinkConfig is a sink's WITH options, checked.
type sinkConfig struct {
	topicOpts        // format: json; csv, text and bytes with envelope append only
	envelope  string // append, upsert, debezium
}

func parseSinkOptions(name string, opts map[string]string) (sinkConfig, error) {
	c := sinkConfig{topicOpts: topicOpts{topic: name, format: "json", partitions: 1}, envelope: "append"}
	bad := func(k, v, want string) error {
		return sql.Errorf(sql.CodeInvalidParameterValue, "invalid value for sink option %s: %q (want %s)", k, v, want)
	}
	for k, v := range opts {
		switch k {
		case "topic", "format", "partitions":
			if err := c.topicOpts.set(k, v, bad); err != nil {
				return c, err
			}
		case "envelope":
			switch strings.ToLower(v) {
			case "append", "upsert", "debezium":
				c.envelope = strings.ToLower(v)
			default:
				return c, bad(k, v, "append, upsert or debezium")
			}
		default:
			return c, sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized sink option %q", k)
		}
	}
	if c.envelope != "append" && c.format != "json" {
		return c, sql.Errorf(sql.CodeFeatureNotSupported, "envelope %s needs format json", c.envelope)
	}
	return c, nil
}

// topicSink is a sink attached to the dataflow that feeds it.
type topicSink struct {
	e   *Engine
	rel *catalog.Relation
	// view is the relation whose changes the sink writes: the materialized
	// view it reads, or its own dataflow's relation (sinkFlowRelation).
	view *catalog.Relation
	// flow: the sink has its own dataflow, whose state shares the sink's
	// prefix, and keeps its queue apart from the operators' (sink_flow.go).
	flow bool
	cfg  sinkConfig
	// failed: the view retracted a row an append sink cannot express; the
	// sink stops queuing (its goroutine stops at that entry). Read and
	// written under the view's lock.
	failed bool
	// wake is signalled when an epoch that queued changes commits.
	wake chan struct{}
	// stop stops the goroutine that produces the queue; nil until it runs
	// (it needs Kafka, while the queue fills from the start). Guarded by
	// the engine's sinks.mu.
	stop func()

	mu  sync.Mutex
	err error // the last error of the goroutine, for SHOW SINKS
}

// sinkQueueKey is where entry seq of a sink's queue lives; sinkSeqKey holds
// the last sequence number allocated.
func sinkQueueKey(sink uint32, seq uint64) []byte {
	k := append(catalog.ObjectPrefix(catalog.PrefixState, sink), 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func sinkSeqKey(sink uint32) []byte {
	return append(catalog.ObjectPrefix(catalog.PrefixState, sink), 1)
}

// queueKey is where entry seq of the sink's queue lives.
func (s *topicSink) queueKey(seq uint64) []byte {
	if s.flow {
		return flowSinkQueueKey(s.rel.OID, seq)
	}
	return sinkQueueKey(s.rel.OID, seq)
}

// queuePrefix is the prefix of every entry of the sink's queue.
func (s *topicSink) queuePrefix() []byte {
	k := s.queueKey(0)
	return k[:len(k)-8]
}

// seqKey holds the last sequence number of the sink's queue.
func (s *topicSink) seqKey() []byte {
	if s.flow {
		return flowSinkSeqKey(s.rel.OID)
	}
	return sinkSeqKey(s.rel.OID)
}

// encodeChanges is the queue's encoding of an epoch's changes.
func encodeChanges(rows []sql.Row, diffs []int64) []byte {
	var out []byte
	for i, r := range rows {
		out = binary.AppendVarint(out, diffs[i])
		enc := sql.AppendRow(nil, r)
		out = binary.AppendUvarint(out, uint64(len(enc)))
		out = append(out, enc...)
	}
	return out
}

func decodeChanges(b []byte, width int) (*Batch, error) {
	var out Batch
	for len(b) > 0 {
		d, w := binary.Varint(b)
		if w <= 0 {
			return nil, fmt.Errorf("corrupt sink queue entry")
		}
		b = b[w:]
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return nil, fmt.Errorf("corrupt sink queue entry")
		}
		r, err := sql.DecodeRow(b[w:w+int(n)], nil)
		if err != nil {
			return nil, err
		}
		b = b[w+int(n):]
		out.Add(padRow(r, width), d)
	}
	return &out, nil
}

// enqueue appends an epoch's changes of the view to the sink's queue, in
// the epoch's state writes; the caller holds the view's lock.
func (s *topicSink) enqueue(st *stateStore, rows []sql.Row, diffs []int64) error {
	if len(rows) == 0 || s.failed {
		return nil
	}
	if s.cfg.envelope == "append" {
		for _, d := range diffs {
			if d < 0 {
				// Queued all the same: the goroutine stops there with an
				// error, after producing everything before it.
				s.failed = true
				break
			}
		}
	}
	var seq uint64
	if v, ok, err := st.get(s.seqKey()); err != nil {
		return err
	} else if ok {
		seq = binary.BigEndian.Uint64(v)
	}
	seq++
	st.put(s.seqKey(), binary.BigEndian.AppendUint64(nil, seq))
	st.put(s.queueKey(seq), encodeChanges(rows, diffs))
	return nil
}

func (s *topicSink) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *topicSink) setErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// sinkSet holds the sinks attached to their dataflows.
type sinkSet struct {
	mu    sync.Mutex
	byOID map[uint32]*topicSink
}

// claim registers s unless a sink of its OID is registered already.
func (ss *sinkSet) claim(s *topicSink) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byOID[s.rel.OID] != nil {
		return false
	}
	if ss.byOID == nil {
		ss.byOID = map[uint32]*topicSink{}
	}
	ss.byOID[s.rel.OID] = s
	return true
}

// release forgets s, which never ran (its creation failed).
func (ss *sinkSet) release(s *topicSink) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byOID[s.rel.OID] == s {
		delete(ss.byOID, s.rel.OID)
	}
}

// sinkOptions are a sink's WITH options, without what eddy keeps among
// them for itself (sink_flow.go).
func sinkOptions(rel *catalog.Relation) map[string]string {
	out := make(map[string]string, len(rel.Options))
	for k, v := range rel.Options {
		if !strings.HasPrefix(k, flowSettingPrefix) {
			out[k] = v
		}
	}
	return out
}

func (s *Session) createSink(ctx context.Context, n *sql.CreateSink) (string, error) {
	const tag = "CREATE SINK"
	if err := s.checkSchema(n.Name); err != nil {
		return "", err
	}
	if s.txn != nil {
		return "", sql.Errorf("25001", "CREATE SINK cannot run inside a transaction block")
	}
	if s.e.cat.Lookup(n.Name.Schema, n.Name.Name) != nil {
		if n.IfNotExists {
			return tag, nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", n.Name.Name)
	}
	opts := map[string]string{}
	for _, o := range n.With {
		opts[o.Key] = o.Value
	}
	cfg, err := parseSinkOptions(n.Name.Name, opts)
	if err != nil {
		return "", err
	}
	if n.Query != nil {
		return tag, s.createFlowSink(ctx, n.Name, n.Query.Text, n.Query.AST, opts, cfg)
	}
	if err := s.checkSchema(n.From); err != nil {
		return "", err
	}
	from := s.lookupRel(n.From)
	if from == nil {
		return "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.From.Name)
	}
	switch from.Kind {
	case catalog.KindMatView:
		return tag, s.createViewSink(ctx, n.Name, from, opts, cfg)
	case catalog.KindTable, catalog.KindView, catalog.KindSource:
		return tag, s.createRelationSink(ctx, n.Name, from, opts, cfg)
	}
	return "", sql.Errorf(sql.CodeWrongObjectType, "cannot sink %s %q: a sink reads a table, a source, a view, a materialized view or a query", relationKindWord(from), from.Name)
}

// createViewSink creates a sink fed by a materialized view's dataflow.
func (s *Session) createViewSink(ctx context.Context, qn sql.ObjectName, view *catalog.Relation, opts map[string]string, cfg sinkConfig) error {
	name := qn.Name
	if err := s.checkAccess([]planner.Access{{Rel: view.OID, Priv: catalog.PrivSelect}}); err != nil {
		return err
	}
	switch cfg.envelope {
	case "append":
		if err := s.e.appendOnly(view); err != nil {
			return err
		}
	case "upsert":
		if view.PrimaryKey == nil {
			return sql.Errorf(sql.CodeFeatureNotSupported, "envelope upsert needs a key, and materialized view %s has none (group by or select a table's primary key)", view.Name)
		}
	}
	if err := s.e.ensureSinkTopic(ctx, cfg); err != nil {
		return err
	}
	rel := &catalog.Relation{Schema: schemaOf(qn), Name: name, Kind: catalog.KindSink, Owner: s.user,
		Options: opts, DependsOn: []uint32{view.OID}}
	var err error
	if rel.OID, err = s.e.cat.AllocOIDs(1); err != nil {
		return err
	}
	return s.e.startViewSink(ctx, rel, cfg)
}

// ensureSinkTopic creates the sink's topic unless it exists.
func (e *Engine) ensureSinkTopic(ctx context.Context, cfg sinkConfig) error {
	cl, err := e.kafkaClient()
	if err != nil {
		return err
	}
	kctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	parts, err := topicPartitions(kctx, cl, cfg.topic)
	if err != nil {
		return err
	}
	if parts == nil {
		return createTopic(kctx, cl, cfg.topic, cfg.partitions)
	}
	return nil
}

// appendOnly checks that a view never retracts a row.
func (e *Engine) appendOnly(view *catalog.Relation) error {
	q, err := e.planner.PlanStored(view, prunedPlan(view.Options))
	if err != nil {
		return err
	}
	return e.appendOnlyPlan("materialized view "+view.Name, q.Plan)
}

// appendOnlyPlan checks that a query (what names it) never retracts a
// row, by the rule that chooses a view's append-only layout (appendOnly);
// the error names the first relation it reads whose rows can change.
func (e *Engine) appendOnlyPlan(what string, plan planner.Node) error {
	views := func(oid uint32) bool {
		rel := e.cat.ByOID(oid)
		return rel != nil && e.appendOnly(rel) == nil
	}
	if appendOnly(plan, views) {
		return nil
	}
	var bad *catalog.Relation
	var find func(n planner.Node)
	find = func(n planner.Node) {
		if s, ok := n.(*planner.Scan); ok && bad == nil && !appendOnly(s, views) {
			bad = s.Rel
		}
		for _, c := range n.Children() {
			find(c)
		}
	}
	find(plan)
	if bad != nil {
		return sql.Errorf(sql.CodeFeatureNotSupported, "envelope append needs an append-only relation, and %s reads %s %s, whose rows can be updated or deleted (use envelope upsert or debezium)", what, relationKindWord(bad), bad.Name)
	}
	return sql.Errorf(sql.CodeFeatureNotSupported, "envelope append needs an append-only relation (filters, projections, inner joins and UNION ALL of sources and append-only tables), and %s can retract rows (use envelope upsert or debezium)", what)
}

// startViewSink attaches a new sink to its materialized view and starts
// it. It first queues the view's rows, under the view's lock, so that
// every later epoch comes after them and none is missed or doubled.
func (e *Engine) startViewSink(ctx context.Context, rel *catalog.Relation, cfg sinkConfig) error {
	if err := e.flows.mu.rlock(ctx); err != nil {
		return err
	}
	defer e.flows.mu.runlock()
	f := e.flows.byOID[rel.DependsOn[0]]
	if f == nil {
		return fmt.Errorf("sink %s: materialized view %d is not running", rel.Name, rel.DependsOn[0])
	}
	s := &topicSink{e: e, rel: rel, view: f.rel, cfg: cfg, wake: make(chan struct{}, 1)}
	if !e.sinks.claim(s) {
		return sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", rel.Name)
	}
	if err := f.mu.lock(ctx); err != nil {
		e.sinks.release(s)
		return err
	}
	defer f.mu.unlock()
	fail := func(err error) error {
		e.sinks.release(s)
		_ = catalog.DeletePrefixes(e.db, catalog.ObjectPrefix(catalog.PrefixState, rel.OID))
		return err
	}
	if err := s.queueSnapshot(ctx); err != nil {
		return fail(err)
	}
	if err := e.cat.Put(rel); err != nil {
		return fail(err)
	}
	f.sinks = append(f.sinks, s)
	e.runSinks()
	return nil
}

// queueSnapshot queues the view's rows as inserts, in chunks.
func (s *topicSink) queueSnapshot(ctx context.Context) error {
	txn := s.e.db.NewTransaction(false)
	defer txn.Discard()
	wb := s.e.db.NewWriteBatch()
	defer wb.Cancel()
	var seq uint64
	err := scanRelation(ctx, txn, s.view, func(b *Batch) error {
		seq++
		return wb.Set(s.queueKey(seq), encodeChanges(b.Rows, b.Diffs))
	})
	if err != nil {
		return err
	}
	if err := wb.Set(s.seqKey(), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return err
	}
	if err := s.e.disk.check(); err != nil {
		return err
	}
	return wb.Flush()
}

// attachSinks attaches the sinks of the catalog that are not attached to
// the dataflows that feed them. It runs when the dataflows start, before
// any epoch, so that no change of a restarted view escapes its sinks,
// whether Kafka is there yet or not; the caller holds flows.mu.
func (e *Engine) attachSinks() {
	var sinks []*catalog.Relation
	e.sinks.mu.Lock()
	for _, r := range e.cat.Relations() {
		if r.Kind == catalog.KindSink && e.sinks.byOID[r.OID] == nil {
			sinks = append(sinks, r)
		}
	}
	e.sinks.mu.Unlock()
	sort.Slice(sinks, func(i, j int) bool { return sinks[i].OID < sinks[j].OID })
	for _, rel := range sinks {
		if err := e.attachSink(rel); err != nil {
			e.log.Error("sink cannot run", "sink", rel.Name, "err", err)
		}
	}
}

// attachSink attaches an existing sink to its dataflow: its materialized
// view's, or its own.
func (e *Engine) attachSink(rel *catalog.Relation) error {
	cfg, err := parseSinkOptions(rel.Name, sinkOptions(rel))
	if err != nil {
		return err
	}
	oid := rel.OID
	if !isFlowSink(rel) {
		if len(rel.DependsOn) != 1 {
			return fmt.Errorf("sink %s: no view", rel.Name)
		}
		oid = rel.DependsOn[0]
	}
	f := e.flows.byOID[oid]
	if f == nil {
		return fmt.Errorf("sink %s: its dataflow %d is not running", rel.Name, oid)
	}
	s := &topicSink{e: e, rel: rel, view: f.rel, flow: isFlowSink(rel), cfg: cfg, wake: make(chan struct{}, 1)}
	if !e.sinks.claim(s) {
		return nil
	}
	_ = f.mu.lock(context.Background())
	f.sinks = append(f.sinks, s)
	f.mu.unlock()
	return nil
}

// startSinks attaches the sinks that are not attached and starts
// producing their queues, once the dataflows run and Kafka is configured
// (after a restart, either may come first).
func (e *Engine) startSinks() {
	if e.kafka == nil {
		return
	}
	_ = e.flows.mu.rlock(context.Background())
	started := e.flows.byOID != nil
	if started {
		e.attachSinks()
	}
	e.flows.mu.runlock()
	if started {
		e.runSinks()
	}
}

// runSinks starts the goroutine of every attached sink that has none,
// when Kafka is configured.
func (e *Engine) runSinks() {
	if e.kafka == nil {
		return
	}
	e.sinks.mu.Lock()
	defer e.sinks.mu.Unlock()
	for _, s := range e.sinks.byOID {
		if s.stop != nil {
			continue
		}
		sctx, cancel := context.WithCancel(e.ctx)
		done := make(chan struct{})
		s.stop = func() {
			cancel()
			<-done
		}
		go func() {
			defer close(done)
			s.run(sctx)
		}()
	}
}

// stopSinks stops the goroutines of the sinks among oids and detaches
// them from their dataflows (DROP, and Close with nil meaning all).
func (e *Engine) stopSinks(oids []uint32, all bool) {
	e.sinks.mu.Lock()
	var stopping []*topicSink
	if all {
		for _, s := range e.sinks.byOID {
			stopping = append(stopping, s)
		}
		e.sinks.byOID = nil
	} else {
		for _, oid := range oids {
			if s := e.sinks.byOID[oid]; s != nil {
				stopping = append(stopping, s)
				delete(e.sinks.byOID, oid)
			}
		}
	}
	e.sinks.mu.Unlock()
	for _, s := range stopping {
		if s.stop != nil {
			s.stop()
		}
	}
	if all || len(stopping) == 0 {
		return
	}
	_ = e.flows.mu.rlock(context.Background())
	defer e.flows.mu.runlock()
	for _, s := range stopping {
		f := e.flows.byOID[s.view.OID]
		if f == nil {
			continue
		}
		_ = f.mu.lock(context.Background())
		kept := f.sinks[:0]
		for _, o := range f.sinks {
			if o != s {
				kept = append(kept, o)
			}
		}
		f.sinks = kept
		f.mu.unlock()
	}
}
