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

// A sink writes a materialized view's changes to a Kafka topic, exactly
// once for read_committed consumers. The view's epochs append their
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

// topicSink is a running sink.
type topicSink struct {
	e    *Engine
	rel  *catalog.Relation
	view *catalog.Relation
	cfg  sinkConfig
	// failed: the view retracted a row an append sink cannot express; the
	// sink stops queuing (its goroutine stops at that entry). Read and
	// written under the view's lock.
	failed bool
	// wake is signalled when an epoch that queued changes commits.
	wake chan struct{}
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
	if v, ok, err := st.get(sinkSeqKey(s.rel.OID)); err != nil {
		return err
	} else if ok {
		seq = binary.BigEndian.Uint64(v)
	}
	seq++
	st.put(sinkSeqKey(s.rel.OID), binary.BigEndian.AppendUint64(nil, seq))
	st.put(sinkQueueKey(s.rel.OID, seq), encodeChanges(rows, diffs))
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

// sinkSet holds the running sinks.
type sinkSet struct {
	mu    sync.Mutex
	byOID map[uint32]*topicSink
}

func (s *Session) createSink(ctx context.Context, n *sql.CreateSink) (string, error) {
	const tag = "CREATE SINK"
	if err := checkSchema(n.Name); err != nil {
		return "", err
	}
	if s.txn != nil {
		return "", sql.Errorf("25001", "CREATE SINK cannot run inside a transaction block")
	}
	if s.e.cat.Lookup("", n.Name.Name) != nil {
		if n.IfNotExists {
			return tag, nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", n.Name.Name)
	}
	if n.Query != nil {
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "CREATE SINK FROM a query is not supported: create a materialized view of the query and sink it")
	}
	if err := checkSchema(n.From); err != nil {
		return "", err
	}
	view := s.e.cat.Lookup(n.From.Schema, n.From.Name)
	if view == nil {
		return "", sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", n.From.Name)
	}
	if view.Kind != catalog.KindMatView {
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "a sink reads a materialized view, and %q is not one: create a materialized view over it and sink that", view.Name)
	}
	if err := s.checkAccess([]planner.Access{{Rel: view.OID, Priv: catalog.PrivSelect}}); err != nil {
		return "", err
	}
	opts := map[string]string{}
	for _, o := range n.With {
		opts[o.Key] = o.Value
	}
	cfg, err := parseSinkOptions(n.Name.Name, opts)
	if err != nil {
		return "", err
	}
	switch cfg.envelope {
	case "append":
		if err := s.e.appendOnly(view); err != nil {
			return "", err
		}
	case "upsert":
		if view.PrimaryKey == nil {
			return "", sql.Errorf(sql.CodeFeatureNotSupported, "envelope upsert needs a key, and materialized view %s has none (group by or select a table's primary key)", view.Name)
		}
	}
	cl, err := s.e.kafkaClient()
	if err != nil {
		return "", err
	}
	kctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	parts, err := topicPartitions(kctx, cl, cfg.topic)
	if err != nil {
		return "", err
	}
	if parts == nil {
		if err := createTopic(kctx, cl, cfg.topic, cfg.partitions); err != nil {
			return "", err
		}
	}
	rel := &catalog.Relation{Schema: "public", Name: n.Name.Name, Kind: catalog.KindSink, Owner: s.user,
		Options: opts, DependsOn: []uint32{view.OID}}
	if rel.OID, err = s.e.cat.AllocOIDs(1); err != nil {
		return "", err
	}
	if err := s.e.startSink(ctx, rel, true); err != nil {
		return "", err
	}
	return tag, nil
}

// appendOnly checks that a view never retracts a row: its query filters
// and projects sources (or views that do).
func (e *Engine) appendOnly(view *catalog.Relation) error {
	q, err := e.planner.PlanStored(view)
	if err != nil {
		return err
	}
	var walk func(n planner.Node) error
	walk = func(n planner.Node) error {
		switch n := n.(type) {
		case *planner.Filter:
			return walk(n.Input)
		case *planner.Project:
			return walk(n.Input)
		case *planner.Scan:
			switch n.Rel.Kind {
			case catalog.KindSource:
				return nil
			case catalog.KindMatView:
				return e.appendOnly(n.Rel)
			}
			return sql.Errorf(sql.CodeFeatureNotSupported, "envelope append needs an append-only materialized view, and %s reads %s, whose rows can be updated or deleted (use envelope upsert or debezium)", view.Name, n.Rel.Name)
		}
		return sql.Errorf(sql.CodeFeatureNotSupported, "envelope append needs an append-only materialized view (filters and projections of sources), and %s can retract rows (use envelope upsert or debezium)", view.Name)
	}
	return walk(q.Plan)
}

// startSink attaches a sink to its view and starts its goroutine. A new
// sink (fresh) first queues the view's rows, under the view's lock, so
// that every later epoch comes after them and none is missed or doubled.
func (e *Engine) startSink(ctx context.Context, rel *catalog.Relation, fresh bool) error {
	cfg, err := parseSinkOptions(rel.Name, rel.Options)
	if err != nil {
		return err
	}
	if len(rel.DependsOn) != 1 {
		return fmt.Errorf("sink %s: no view", rel.Name)
	}
	_ = e.flows.mu.rlock(context.Background())
	defer e.flows.mu.runlock()
	f := e.flows.byOID[rel.DependsOn[0]]
	if f == nil {
		return fmt.Errorf("sink %s: materialized view %d is not running", rel.Name, rel.DependsOn[0])
	}
	s := &topicSink{e: e, rel: rel, view: f.rel, cfg: cfg, wake: make(chan struct{}, 1)}
	_ = f.mu.lock(context.Background())
	defer f.mu.unlock()
	if fresh {
		if err := s.queueSnapshot(ctx); err != nil {
			_ = e.db.DropPrefix(catalog.ObjectPrefix(catalog.PrefixState, rel.OID))
			return err
		}
		if err := e.cat.Put(rel); err != nil {
			_ = e.db.DropPrefix(catalog.ObjectPrefix(catalog.PrefixState, rel.OID))
			return err
		}
	}
	f.sinks = append(f.sinks, s)
	sctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	s.stop = func() {
		cancel()
		<-done
	}
	e.sinks.mu.Lock()
	if e.sinks.byOID == nil {
		e.sinks.byOID = map[uint32]*topicSink{}
	}
	e.sinks.byOID[rel.OID] = s
	e.sinks.mu.Unlock()
	go func() {
		defer close(done)
		s.run(sctx)
	}()
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
		return wb.Set(sinkQueueKey(s.rel.OID, seq), encodeChanges(b.Rows, b.Diffs))
	})
	if err != nil {
		return err
	}
	if err := wb.Set(sinkSeqKey(s.rel.OID), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return err
	}
	if err := s.e.disk.check(); err != nil {
		return err
	}
	return wb.Flush()
}

// startSinks resumes the sinks that do not run, once the views run and
// Kafka is configured (after a restart, either may come first).
func (e *Engine) startSinks() {
	if e.kafka == nil {
		return
	}
	_ = e.flows.mu.rlock(context.Background())
	started := e.flows.byOID != nil
	e.flows.mu.runlock()
	if !started {
		return
	}
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
		if err := e.startSink(e.ctx, rel, false); err != nil {
			e.log.Error("sink cannot run", "sink", rel.Name, "err", err)
		}
	}
}

// stopSinks stops the goroutines of the sinks among oids and detaches
// them from their views (DROP, and Close with nil meaning all).
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
		s.stop()
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
