package exec

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// kafkaConn is the engine's link to Kafka. Its one long-lived client serves
// metadata, offsets and produce requests for every session; scans make their
// own consuming clients because direct partition assignment is per client.
type kafkaConn struct {
	seeds []string
	// opts reach a secured cluster (SASL, TLS); every client gets them.
	opts []kgo.Opt
	log  *slog.Logger

	mu sync.Mutex
	cl *kgo.Client
}

// kafkaRequestTimeout bounds metadata, offset and topic requests, which a
// healthy cluster answers in milliseconds: a statement should fail with a
// message rather than hang while a broker is unreachable.
const kafkaRequestTimeout = 15 * time.Second

func (k *kafkaConn) client() (*kgo.Client, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cl == nil {
		cl, err := kgo.NewClient(k.clientOpts(
			kgo.ProducerLinger(0), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))...)
		if err != nil {
			return nil, err
		}
		k.cl = cl
	}
	return k.cl, nil
}

// clientOpts are the options of a client of the cluster: its seeds and
// security, then extra.
func (k *kafkaConn) clientOpts(extra ...kgo.Opt) []kgo.Opt {
	out := append([]kgo.Opt{kgo.SeedBrokers(k.seeds...)}, k.opts...)
	return append(out, extra...)
}

func (k *kafkaConn) close() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cl != nil {
		k.cl.Close()
		k.cl = nil
	}
}

func (e *Engine) kafkaClient() (*kgo.Client, error) {
	if e.kafka == nil {
		return nil, sql.Errorf(sql.CodeObjectNotInPrerequisiteState,
			"Kafka is not available: eddy was started with no --kafka and an empty --kafka-listen")
	}
	return e.kafka.client()
}

// topicPartitions returns the partition ids of topic, or nil when it does
// not exist.
func topicPartitions(ctx context.Context, cl *kgo.Client, topic string) ([]int32, error) {
	parts, _, err := topicMetadata(ctx, cl, topic)
	return parts, err
}

// topicID is a Kafka topic ID (KIP-516): a topic deleted and created
// again under the same name gets a new one. Brokers before Kafka 2.8
// answer the zero ID, which identifies nothing.
type topicID [16]byte

// String is the ID as Kafka's tools print it.
func (id topicID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// topicMetadata returns the partition ids of topic (nil when it does not
// exist) and its topic ID.
func topicMetadata(ctx context.Context, cl *kgo.Client, topic string) ([]int32, topicID, error) {
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, topicID{}, kafkaErr("metadata of topic "+topic, err)
	}
	if len(resp.Topics) != 1 {
		return nil, topicID{}, fmt.Errorf("metadata of topic %s: %d topics in the answer", topic, len(resp.Topics))
	}
	rt := resp.Topics[0]
	if rt.ErrorCode == kerr.UnknownTopicOrPartition.Code {
		return nil, topicID{}, nil
	}
	if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
		return nil, topicID{}, kafkaErr("metadata of topic "+topic, err)
	}
	ps := make([]int32, len(rt.Partitions))
	for i, p := range rt.Partitions {
		ps[i] = p.Partition
	}
	return ps, topicID(rt.TopicID), nil
}

func createTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int32) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic = topic
	t.NumPartitions = partitions
	t.ReplicationFactor = -1 // the cluster's default
	req.Topics = append(req.Topics, t)
	req.TimeoutMillis = int32(kafkaRequestTimeout / time.Millisecond)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return kafkaErr("create topic "+topic, err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil && err != kerr.TopicAlreadyExists {
			return kafkaErr("create topic "+topic, err)
		}
	}
	return nil
}

// listOffsets returns each partition's offset at time ts (-2 earliest,
// -1 the high watermark).
func listOffsets(ctx context.Context, cl *kgo.Client, topic string, parts []int32, ts int64) (map[int32]int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = topic
	for _, p := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.Timestamp = ts
		rp.CurrentLeaderEpoch = -1
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	// The client splits the request by partition leader and merges the
	// answers.
	shards := cl.RequestSharded(ctx, req)
	out := make(map[int32]int64, len(parts))
	for _, sh := range shards {
		if sh.Err != nil {
			return nil, kafkaErr("list offsets of topic "+topic, sh.Err)
		}
		for _, rt := range sh.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, rp := range rt.Partitions {
				if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
					return nil, kafkaErr(fmt.Sprintf("list offsets of %s[%d]", topic, rp.Partition), err)
				}
				out[rp.Partition] = rp.Offset
			}
		}
	}
	if len(out) != len(parts) {
		return nil, fmt.Errorf("list offsets of topic %s: %d of %d partitions answered", topic, len(out), len(parts))
	}
	return out, nil
}

func kafkaErr(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		// The usual face of a cluster that is down or unreachable: the
		// client retried until the request's deadline.
		return &sql.Error{Code: "58000",
			Message: fmt.Sprintf("Kafka did not answer within %s: %s", kafkaRequestTimeout, what),
			Hint:    "Check that the Kafka brokers (--kafka, or the embedded broker) are up and reachable."}
	}
	return &sql.Error{Code: "58000", Message: fmt.Sprintf("Kafka: %s: %v", what, err)}
}

// sourceConfig is a source's WITH options, checked.
type sourceConfig struct {
	topicOpts
	latest      bool // start = 'latest'
	failOnError bool // on_error = 'fail'
	createTopic bool
	// startAt, when set, is start = a timestamp, in Kafka's milliseconds
	// since the epoch: reading begins at each partition's first record
	// stamped at or after it.
	startAt *int64
	// deadLetter is on_error = 'dead_letter': continuous readers produce
	// records that do not decode to deadLetterTopic (dead_letter.go).
	deadLetter      bool
	deadLetterTopic string
}

var sourceFormats = map[string]bool{"json": true, "csv": true, "text": true, "bytes": true}

// topicOpts are the options every object over a topic has.
type topicOpts struct {
	topic      string
	format     string // json, csv, text, bytes
	partitions int32  // for a topic that eddy creates
}

// set parses one of them; bad reports a value that is not allowed.
func (o *topicOpts) set(k, v string, bad func(k, v, want string) error) error {
	switch k {
	case "topic":
		if v == "" {
			return bad(k, v, "a topic name")
		}
		o.topic = v
	case "format":
		if !sourceFormats[strings.ToLower(v)] {
			return bad(k, v, "json, csv, text or bytes")
		}
		o.format = strings.ToLower(v)
	case "partitions":
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 1 {
			return bad(k, v, "a positive number")
		}
		o.partitions = int32(n)
	}
	return nil
}

func parseSourceOptions(name string, opts map[string]string) (sourceConfig, error) {
	c := sourceConfig{topicOpts: topicOpts{topic: name, format: "json", partitions: 1}, createTopic: true}
	bad := func(k, v, want string) error {
		return sql.Errorf(sql.CodeInvalidParameterValue, "invalid value for source option %s: %q (want %s)", k, v, want)
	}
	for k, v := range opts {
		switch k {
		case "topic", "format", "partitions":
			if err := c.topicOpts.set(k, v, bad); err != nil {
				return c, err
			}
		case "start":
			switch strings.ToLower(v) {
			case "earliest":
			case "latest":
				c.latest = true
			default:
				ms, err := parseStartTime(v)
				if err != nil {
					return c, bad(k, v, "earliest, latest, a timestamp with time zone or milliseconds since 1970")
				}
				c.startAt = &ms
			}
		case "on_error":
			switch strings.ToLower(v) {
			case "skip":
			case "fail":
				c.failOnError = true
			case "dead_letter":
				c.deadLetter = true
			default:
				return c, bad(k, v, "skip, fail or dead_letter")
			}
		case "dead_letter_topic":
			if v == "" {
				return c, bad(k, v, "a topic name")
			}
			c.deadLetterTopic = v
		case "create_topic":
			b, ok := map[string]bool{"true": true, "on": true, "false": false, "off": false}[strings.ToLower(v)]
			if !ok {
				return c, bad(k, v, "true or false")
			}
			c.createTopic = b
		default:
			return c, sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized source option %q", k)
		}
	}
	if c.deadLetter && c.deadLetterTopic == "" {
		return c, &sql.Error{Code: sql.CodeInvalidParameterValue,
			Message: "on_error = 'dead_letter' needs a dead_letter_topic option",
			Hint:    "Add dead_letter_topic = 'name' to the WITH options."}
	}
	if c.deadLetterTopic != "" && !c.deadLetter {
		return c, sql.Errorf(sql.CodeInvalidParameterValue, "dead_letter_topic is only for on_error = 'dead_letter'")
	}
	if c.deadLetterTopic == c.topic && c.deadLetter {
		return c, sql.Errorf(sql.CodeInvalidParameterValue, "the dead_letter_topic cannot be the source's own topic %q", c.topic)
	}
	return c, nil
}

// ensureDeadLetterTopic creates the dead-letter topic of cfg when it does
// not exist, with one partition.
func ensureDeadLetterTopic(ctx context.Context, cl *kgo.Client, cfg sourceConfig) error {
	if !cfg.deadLetter {
		return nil
	}
	parts, err := topicPartitions(ctx, cl, cfg.deadLetterTopic)
	if err != nil || parts != nil {
		return err
	}
	return createTopic(ctx, cl, cfg.deadLetterTopic, 1)
}

// parseStartTime reads start = a timestamp: milliseconds since 1970 (as
// Kafka stamps records), or a timestamp with time zone in PostgreSQL's
// input syntax (UTC when it names no zone).
func parseStartTime(v string) (int64, error) {
	if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if ms < 0 {
			return 0, fmt.Errorf("negative time")
		}
		return ms, nil
	}
	ts, err := sql.ParseText(v, sql.TimestampTZ, time.UTC)
	if err != nil || ts.IsNull() {
		return 0, fmt.Errorf("not a timestamp")
	}
	us := ts.Int()
	if us < 0 {
		return 0, fmt.Errorf("before 1970")
	}
	// Round up: the first record at or after a sub-millisecond time is
	// stamped in the next millisecond.
	return (us + 999) / 1000, nil
}

// startOffsets returns where a reader of the topic begins in each
// partition: the log start, the end (start = 'latest') or the first
// offset stamped at or after start = a timestamp (the end when none is).
func (c sourceConfig) startOffsets(ctx context.Context, cl *kgo.Client, parts []int32) (map[int32]int64, error) {
	switch {
	case c.latest:
		return listOffsets(ctx, cl, c.topic, parts, -1)
	case c.startAt == nil:
		return listOffsets(ctx, cl, c.topic, parts, -2)
	}
	offs, err := listOffsets(ctx, cl, c.topic, parts, *c.startAt)
	if err != nil {
		return nil, err
	}
	var none []int32
	for p, o := range offs {
		if o < 0 {
			none = append(none, p)
		}
	}
	if len(none) > 0 {
		ends, err := listOffsets(ctx, cl, c.topic, none, -1)
		if err != nil {
			return nil, err
		}
		maps.Copy(offs, ends)
	}
	return offs, nil
}

func (s *Session) createSource(ctx context.Context, n *sql.CreateSource) (string, error) {
	const tag = "CREATE SOURCE"
	if err := s.checkSchema(n.Name); err != nil {
		return "", err
	}
	name := n.Name.Name
	if s.e.cat.Lookup(n.Name.Schema, name) != nil {
		if n.IfNotExists {
			return tag, nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
	}
	opts := map[string]string{}
	for _, o := range n.With {
		opts[o.Key] = o.Value
	}
	cfg, err := parseSourceOptions(name, opts)
	if err != nil {
		return "", err
	}
	if len(n.Constraints) > 0 {
		return "", errUnsupported("constraints on a source")
	}
	rel := &catalog.Relation{Schema: schemaOf(n.Name), Name: name, Kind: catalog.KindSource, Owner: s.user, Options: opts}
	for _, cd := range n.Columns {
		if rel.ColumnIndex(cd.Name) >= 0 {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cd.Name)
		}
		for _, m := range catalog.SourceMetadata {
			if m.Name == cd.Name {
				return "", sql.Errorf(sql.CodeDuplicateColumn,
					"column name %q is reserved for the Kafka record's metadata of every source", cd.Name)
			}
		}
		// A record is whatever was produced, so constraints could only be
		// checked by dropping records; say so rather than pretend.
		if cd.NotNull || cd.PrimaryKey || cd.Unique || cd.Serial || len(cd.Checks) > 0 || cd.References != nil || cd.Generated != nil {
			return "", errUnsupported("column constraints on a source")
		}
		col := catalog.Column{Name: cd.Name, Type: cd.Type}
		if cd.Default != nil {
			col.Default = cd.Default.Text
		}
		rel.Columns = append(rel.Columns, col)
	}
	switch cfg.format {
	case "text", "bytes":
		if len(rel.Columns) != 1 || (cfg.format == "bytes" && rel.Columns[0].Type.OID != sql.OIDBytea) {
			want := "one column"
			if cfg.format == "bytes" {
				want = "one bytea column"
			}
			return "", sql.Errorf(sql.CodeInvalidTableDefinition, "a source with format %s has exactly %s", cfg.format, want)
		}
	default:
		if len(rel.Columns) == 0 {
			return "", sql.Errorf(sql.CodeInvalidTableDefinition, "a source with format %s needs at least one column", cfg.format)
		}
	}
	if wm := n.Watermark; wm != nil {
		rel.WatermarkColumn, rel.WatermarkExpr = wm.Column, wm.Expr.Text
		if _, _, err := s.e.planner.WatermarkBind(rel); err != nil {
			return "", err
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
		if !cfg.createTopic {
			return "", sql.Errorf(sql.CodeUndefinedObject, "topic %q does not exist (and create_topic is false)", cfg.topic)
		}
		if err := createTopic(kctx, cl, cfg.topic, cfg.partitions); err != nil {
			return "", err
		}
	}
	if err := ensureDeadLetterTopic(kctx, cl, cfg); err != nil {
		return "", err
	}
	if rel.OID, err = s.e.cat.AllocOIDs(1); err != nil {
		return "", err
	}
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	return tag, nil
}

// sourceStats count, since eddy started, what scans and inserts did with a
// source's records.
type sourceStats struct {
	read, skipped, produced atomic.Int64
	// deadLettered counts records sent to the dead-letter topic.
	deadLettered atomic.Int64
	lastError    atomic.Pointer[string]
}

func (e *Engine) sourceStats(oid uint32) *sourceStats {
	if v, ok := e.sources.Load(oid); ok {
		return v.(*sourceStats)
	}
	v, _ := e.sources.LoadOrStore(oid, &sourceStats{})
	return v.(*sourceStats)
}

// eddyCatalog is the schema of eddy's own system relations.
const eddyCatalog = "eddy_catalog"

var eddySourcesColumns = []planner.Column{
	{Name: "name", Type: sql.Text}, {Name: "topic", Type: sql.Text}, {Name: "format", Type: sql.Text},
	{Name: "records_read", Type: sql.Int8}, {Name: "records_skipped", Type: sql.Int8},
	{Name: "records_produced", Type: sql.Int8}, {Name: "last_error", Type: sql.Text},
	{Name: "dead_lettered", Type: sql.Int8}, {Name: "kind", Type: sql.Text},
}

// eddyRelations adds eddy_catalog's relations to the system relations.
type eddyRelations struct{ systemRelations }

func (r eddyRelations) Columns(schema, name string) ([]planner.Column, bool) {
	if strings.EqualFold(schema, eddyCatalog) {
		if strings.EqualFold(name, "eddy_sources") {
			return eddySourcesColumns, true
		}
		if strings.EqualFold(name, "eddy_views") {
			return eddyViewsColumns, true
		}
		if strings.EqualFold(name, "eddy_view_sources") {
			return eddyViewSourcesColumns, true
		}
		if strings.EqualFold(name, "eddy_sinks") {
			return eddySinksColumns, true
		}
		return nil, false
	}
	return r.systemRelations.Columns(schema, name)
}

func (s *Session) eddyCatalogRows(name string) ([]sql.Row, error) {
	if strings.EqualFold(name, "eddy_views") {
		return s.eddyViewsRows()
	}
	if strings.EqualFold(name, "eddy_view_sources") {
		return s.eddyViewSourcesRows(context.Background())
	}
	if strings.EqualFold(name, "eddy_sinks") {
		return s.eddySinksRows()
	}
	if !strings.EqualFold(name, "eddy_sources") {
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation \"%s.%s\" does not exist", eddyCatalog, name)
	}
	var rows []sql.Row
	for _, r := range s.e.cat.Relations() {
		kind := "source"
		if isTopicTable(r) {
			kind = "table"
		} else if r.Kind != catalog.KindSource {
			continue
		}
		cfg, _ := parseSourceOptions(r.Name, r.Options)
		st := s.e.sourceStats(r.OID)
		last := sql.Null
		if p := st.lastError.Load(); p != nil {
			last = sql.NewText(*p)
		}
		rows = append(rows, sql.Row{sql.NewText(r.Name), sql.NewText(cfg.topic), sql.NewText(cfg.format),
			sql.NewInt(st.read.Load()), sql.NewInt(st.skipped.Load()), sql.NewInt(st.produced.Load()), last,
			sql.NewInt(st.deadLettered.Load()), sql.NewText(kind)})
	}
	return rows, nil
}

// prepareSourceInsert plans INSERT INTO source: the rows are produced to the
// topic and the statement ends when Kafka has acknowledged all of them. The
// records are not part of any transaction (a ROLLBACK does not take them
// back), as in Materialize and RisingWave.
func (s *Session) prepareSourceInsert(plan *planner.Insert) (*statement, error) {
	if plan.OnConflict != nil {
		return nil, errUnsupported("ON CONFLICT on a source")
	}
	if plan.Returning.Returning != nil {
		return nil, errUnsupported("RETURNING on a source")
	}
	rel := plan.Table
	cfg, err := parseSourceOptions(rel.Name, rel.Options)
	if err != nil {
		return nil, err
	}
	st := &statement{s: s, params: plan.Params, access: plan.Access}
	st.run = func(ctx context.Context, params []sql.Value) (server.Result, error) {
		txn, discard := s.readTxn()
		defer discard()
		rows, err := s.newRuntime(ctx, txn, params).collect(ctx, plan.Source, -1)
		if err != nil {
			return nil, err
		}
		n, err := s.produceRows(ctx, rel, cfg, rows)
		if err != nil {
			return nil, err
		}
		return &tagResult{tag: fmt.Sprintf("INSERT 0 %d", n)}, nil
	}
	return st, nil
}

// produceRows encodes rows of a source in its format and produces them to
// its topic, returning when Kafka has acknowledged them all (INSERT, COPY).
func (s *Session) produceRows(ctx context.Context, rel *catalog.Relation, cfg sourceConfig, rows []sql.Row) (int, error) {
	cl, err := s.e.kafkaClient()
	if err != nil {
		return 0, err
	}
	enc := newRecordEncoder(cfg.format, rel.Columns, s.loc)
	recs := make([]*kgo.Record, len(rows))
	for i, r := range rows {
		v, err := enc.encode(r)
		if err != nil {
			return 0, err
		}
		recs[i] = &kgo.Record{Topic: cfg.topic, Value: v}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return 0, kafkaErr("produce to topic "+cfg.topic, err)
	}
	s.e.sourceStats(rel.OID).produced.Add(int64(len(recs)))
	return len(recs), nil
}
