package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// A topic table (CREATE TABLE ... PRIMARY KEY ... WITH (topic = ...)) is an
// upsert view of a topic: the last record per key wins, and a tombstone (a
// null value) deletes the key. Its rows live in Badger like a plain table's
// (PrefixRows, keyed by the primary key), so batch SELECT, point lookups,
// joins and materialized views read it as they read any table. The topic is
// its only writer: an ingest goroutine owned by the engine tails the topic
// and commits each poll's upserts, the changes they make to the views that
// read the table (the same changeLog and viewTxn that DML uses), and the
// next offset of each partition in one Badger transaction. After a restart
// the ingest resumes from those offsets; nothing is lost or applied twice.
//
// Keys. A record's key, when it has one, names the row: a JSON object with
// the primary key columns ({"id": 7}), or, for a single-column primary key,
// that column's value alone: a JSON scalar (7, "ann") or else the bytes as
// the column type's text input (ann). The key's values override the primary
// key fields of the value. A record without a key (null or empty) is keyed
// by the primary key fields of its value, and a tombstone without a key
// cannot say what to delete: it is a bad record. Records that do not decode,
// whose key columns are NULL or that break a NOT NULL are handled by
// on_error like a source's.

// ingestPoll bounds the records one ingest epoch takes.
const ingestPoll = 1000

// isTopicTable reports whether rel is a table fed by a topic.
func isTopicTable(r *catalog.Relation) bool {
	return r.Kind == catalog.KindTable && r.Options["topic"] != ""
}

// tableOffsetKey is where a topic table keeps the next offset of a
// partition.
func tableOffsetKey(table uint32, partition int32) []byte {
	return offsetKey(table, table, partition)
}

func (e *Engine) tableOffsets(table uint32) (map[int32]int64, error) {
	prefix := tableOffsetKey(table, 0)
	prefix = prefix[:len(prefix)-4]
	out := map[int32]int64{}
	err := e.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			err := it.Item().Value(func(v []byte) error {
				out[int32(binary.BigEndian.Uint32(k[len(prefix):]))] = int64(binary.BigEndian.Uint64(v))
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func putTableOffsets(set func(k, v []byte) error, table uint32, offs map[int32]int64) error {
	for p, o := range offs {
		if err := set(tableOffsetKey(table, p), binary.BigEndian.AppendUint64(nil, uint64(o))); err != nil {
			return err
		}
	}
	return nil
}

// topicTableConfig checks the WITH options of CREATE TABLE and the table
// they go with.
func topicTableConfig(rel *catalog.Relation, opts map[string]string) (sourceConfig, error) {
	cfg, err := parseSourceOptions(rel.Name, opts)
	if err != nil {
		return cfg, err
	}
	if opts["topic"] == "" {
		return cfg, sql.Errorf(sql.CodeInvalidParameterValue, "a topic table needs the topic option")
	}
	if cfg.format != "json" && cfg.format != "csv" {
		return cfg, errUnsupported("format " + cfg.format + " for a topic table (json and csv are)")
	}
	return cfg, nil
}

// errTopicTableWrite refuses DML on a topic table. Its topic is its only
// writer: a row written here would be overwritten by the next record for
// its key, or vanish on a restart that re-reads nothing, and producing the
// write instead would make it visible only once the ingest reads it back,
// outside the transaction that wrote it. Produce to the topic instead.
func errTopicTableWrite(rel *catalog.Relation, verb string) error {
	return &sql.Error{Code: sql.CodeFeatureNotSupported,
		Message: fmt.Sprintf("cannot %s topic table %q", verb, rel.Name),
		Detail:  fmt.Sprintf("The rows of %s come from topic %q: the last record per key, a null value deleting it.", rel.Name, rel.Options["topic"]),
		Hint:    "Produce records to the topic (for example INSERT INTO a source over the same topic)."}
}

// setupTopicTable checks a new topic table, creates its topic when
// missing and stores where its ingest starts: the start offsets are taken
// now, so that a restart before the first record does not move them.
func (s *Session) setupTopicTable(ctx context.Context, rel *catalog.Relation) error {
	cfg, err := topicTableConfig(rel, rel.Options)
	if err != nil {
		return err
	}
	if rel.PrimaryKey == nil {
		return &sql.Error{Code: sql.CodeInvalidTableDefinition,
			Message: fmt.Sprintf("topic table %q needs a primary key", rel.Name),
			Detail:  "The last record for each key is the row; the key comes from the record key or the value's key columns."}
	}
	if rel.AppendOnly {
		return errUnsupported("APPEND ONLY on a topic table (its records are upserts)")
	}
	for _, c := range rel.Constraints {
		if c.Type != 'p' {
			// The records are whatever was produced: a constraint could be
			// kept only by dropping records, so say so rather than pretend.
			return errUnsupported("UNIQUE, CHECK and FOREIGN KEY constraints on a topic table")
		}
	}
	for _, c := range rel.Columns {
		if c.Default != "" || c.Serial {
			return errUnsupported("DEFAULT and serial columns on a topic table")
		}
	}
	cl, err := s.e.kafkaClient()
	if err != nil {
		return err
	}
	kctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	parts, id, err := topicMetadata(kctx, cl, cfg.topic)
	if err != nil {
		return err
	}
	if parts == nil {
		if !cfg.createTopic {
			return sql.Errorf(sql.CodeUndefinedObject, "topic %q does not exist (and create_topic is false)", cfg.topic)
		}
		if err := createTopic(kctx, cl, cfg.topic, cfg.partitions); err != nil {
			return err
		}
		if parts, id, err = topicMetadata(kctx, cl, cfg.topic); err != nil {
			return err
		}
		if parts == nil {
			// Metadata may trail the creation: the new partitions are
			// numbered from 0.
			for p := range cfg.partitions {
				parts = append(parts, p)
			}
		}
	}
	if err := ensureDeadLetterTopic(kctx, cl, cfg); err != nil {
		return err
	}
	starts, err := cfg.startOffsets(kctx, cl, parts)
	if err != nil {
		return err
	}
	wb := s.e.db.NewWriteBatch()
	defer wb.Cancel()
	if err := putTableOffsets(wb.Set, rel.OID, starts); err != nil {
		return err
	}
	if id != (topicID{}) {
		if err := wb.Set(topicIDKey(rel.OID, rel.OID), id[:]); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// upsertDecoder turns a record into a row key and the row (nil for a
// tombstone).
type upsertDecoder struct {
	rel  *catalog.Relation
	json bool
	val  recordDecoder
	key  recordDecoder // JSON objects over the primary key columns
	loc  *time.Location
	buf  []byte
}

func newUpsertDecoder(rel *catalog.Relation, cfg sourceConfig) *upsertDecoder {
	pk := make([]catalog.Column, len(rel.PrimaryKey))
	for i, c := range rel.PrimaryKey {
		pk[i] = rel.Columns[c]
	}
	return &upsertDecoder{rel: rel, json: cfg.format == "json", loc: time.UTC,
		val: newRecordDecoder(cfg.format, rel.Columns, time.UTC), key: newRecordDecoder("json", pk, time.UTC)}
}

func (d *upsertDecoder) decode(rec *kgo.Record) ([]byte, sql.Row, error) {
	rel := d.rel
	row := make(sql.Row, len(rel.Columns))
	tomb := rec.Value == nil || (d.json && string(bytes.TrimSpace(rec.Value)) == "null")
	if !tomb {
		if err := d.val.decode(rec.Value, row); err != nil {
			return nil, nil, err
		}
	}
	if len(rec.Key) > 0 {
		kv, err := d.decodeKey(rec.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("key: %w", err)
		}
		for i, c := range rel.PrimaryKey {
			row[c] = kv[i]
		}
	} else if tomb {
		return nil, nil, errors.New("a tombstone without a key")
	}
	for _, c := range rel.PrimaryKey {
		if row[c].IsNull() {
			return nil, nil, fmt.Errorf("key column %s is null", rel.Columns[c].Name)
		}
	}
	key := rowKey(rel, row, 0)
	if tomb {
		return key, nil, nil
	}
	for i, c := range rel.Columns {
		if c.NotNull && row[i].IsNull() {
			return nil, nil, fmt.Errorf("null value in column %s violates not-null constraint", c.Name)
		}
	}
	return key, row, nil
}

// decodeKey reads a record key: an object of the key columns, or for a
// one-column key a JSON scalar or the column's text input.
func (d *upsertDecoder) decodeKey(k []byte) (sql.Row, error) {
	pk := d.rel.PrimaryKey
	out := make(sql.Row, len(pk))
	t := bytes.TrimSpace(k)
	if len(t) > 0 && t[0] == '{' {
		if err := d.key.decode(t, out); err != nil {
			return nil, err
		}
		return out, nil
	}
	if len(pk) != 1 {
		return nil, fmt.Errorf("want a JSON object with the %d key columns", len(pk))
	}
	col := d.rel.Columns[pk[0]]
	d.buf = appendJSONString(append(d.buf[:0], '{'), col.Name)
	d.buf = append(append(append(d.buf, ':'), t...), '}')
	if err := d.key.decode(d.buf, out); err == nil {
		return out, nil
	}
	v, err := sql.ParseText(string(k), col.Type, d.loc)
	if err != nil {
		return nil, err
	}
	out[0] = v
	return out, nil
}

// ingestSet holds the goroutines that feed the topic tables.
type ingestSet struct {
	mu sync.Mutex
	// ready: the views are running (startFlows), so ingests may start;
	// before that their changes would miss the views.
	ready bool
	stop  map[uint32]func()
}

// startIngests starts an ingest for every topic table that has none.
func (e *Engine) startIngests() {
	if e.kafka == nil {
		return
	}
	e.ingests.mu.Lock()
	defer e.ingests.mu.Unlock()
	if !e.ingests.ready {
		return
	}
	if e.ingests.stop == nil {
		e.ingests.stop = map[uint32]func(){}
	}
	for _, r := range e.cat.Relations() {
		if !isTopicTable(r) || e.ingests.stop[r.OID] != nil {
			continue
		}
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan struct{})
		e.ingests.stop[r.OID] = func() { cancel(); <-done }
		go func() {
			defer close(done)
			e.ingest(ctx, r)
		}()
	}
}

// stopIngests stops the ingests of the tables among oids (all of them
// when all) and waits for them.
func (e *Engine) stopIngests(oids []uint32, all bool) {
	e.ingests.mu.Lock()
	var stops []func()
	for oid, stop := range e.ingests.stop {
		if all || containsOID(oids, oid) {
			stops = append(stops, stop)
			delete(e.ingests.stop, oid)
		}
	}
	e.ingests.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

func containsOID(oids []uint32, oid uint32) bool {
	for _, o := range oids {
		if o == oid {
			return true
		}
	}
	return false
}

// ingest tails a topic table's topic until ctx ends, starting again from
// the committed offsets after an error (a broker that is down, a record
// that fails with on_error = 'fail').
func (e *Engine) ingest(ctx context.Context, rel *catalog.Relation) {
	var last string
	for ctx.Err() == nil {
		err := e.ingestTail(ctx, rel)
		if err == nil || ctx.Err() != nil {
			return
		}
		msg := err.Error()
		e.sourceStats(rel.OID).lastError.Store(&msg)
		// Said once, not at every retry (a recreated topic fails the same
		// way until an operator acts).
		if msg != last {
			last = msg
			e.log.Warn("topic table ingest failed; retrying", "table", rel.Name, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(feedRetry):
		}
	}
}

func (e *Engine) ingestTail(ctx context.Context, rel *catalog.Relation) error {
	cfg, err := topicTableConfig(rel, rel.Options)
	if err != nil {
		return err
	}
	offs, err := e.tableOffsets(rel.OID)
	if err != nil {
		return err
	}
	cl, err := e.tailConsumer(ctx, cfg.topic, "table "+rel.Name, topicIDKey(rel.OID, rel.OID), offs)
	if err != nil {
		return err
	}
	defer cl.Close()
	dec := newUpsertDecoder(rel, cfg)
	stats := e.sourceStats(rel.OID)
	for {
		fs := cl.PollRecords(ctx, ingestPoll)
		if ctx.Err() != nil {
			return nil
		}
		for _, fe := range fs.Errors() {
			if errors.Is(fe.Err, context.Canceled) {
				return nil
			}
			return kafkaErr(fmt.Sprintf("fetch %s[%d]", fe.Topic, fe.Partition), fe.Err)
		}
		recs := fs.Records()
		if len(recs) == 0 {
			continue
		}
		var ups []upsert
		var bad []badRecord
		for _, rec := range recs {
			key, row, err := dec.decode(rec)
			if err != nil {
				msg := decodeMessage(err)
				stats.lastError.Store(&msg)
				switch {
				case cfg.failOnError:
					return &sql.Error{Code: sql.CodeInvalidTextRepresentation,
						Message: fmt.Sprintf("table %s: cannot decode record: %s", rel.Name, msg),
						Detail:  fmt.Sprintf("topic %s, partition %d, offset %d", cfg.topic, rec.Partition, rec.Offset)}
				case cfg.deadLetter:
					bad = append(bad, badRecord{rec: rec, msg: msg})
				default:
					stats.skipped.Add(1)
				}
				key = nil
			}
			ups = append(ups, upsert{partition: rec.Partition, offset: rec.Offset, key: key, row: row})
		}
		if err := e.deadLetter(ctx, cfg, stats, rel.Name, rel.Name, bad); err != nil {
			return err
		}
		if err := e.applyUpserts(ctx, rel, ups); err != nil {
			return err
		}
		// Counted once committed, so that a reader who sees the count
		// also sees the records' effect on the table.
		stats.read.Add(int64(len(recs)))
	}
}

// upsert is one record's effect on a topic table: row replaces the row
// under key, nil deletes it; a nil key (a bad record) changes nothing but
// the offset.
type upsert struct {
	partition int32
	offset    int64
	key       []byte
	row       sql.Row
}

// applyUpserts commits ups, in order, with the views that read the table
// and the offsets past them; a batch too large for one Badger transaction
// commits in halves.
func (e *Engine) applyUpserts(ctx context.Context, rel *catalog.Relation, ups []upsert) error {
	err := e.commitUpserts(ctx, rel, ups)
	if errors.Is(err, badger.ErrTxnTooBig) && len(ups) > 1 {
		if err := e.applyUpserts(ctx, rel, ups[:len(ups)/2]); err != nil {
			return err
		}
		return e.applyUpserts(ctx, rel, ups[len(ups)/2:])
	}
	return err
}

func (e *Engine) commitUpserts(ctx context.Context, rel *catalog.Relation, ups []upsert) error {
	txn := e.db.NewTransaction(true)
	defer txn.Discard()
	views := &viewTxn{e: e}
	defer views.end()
	log := &changeLog{}
	next := map[int32]int64{}
	var buf []byte
	width := len(rel.Columns)
	// The table's indexes, kept as a writer keeps them (index_entry.go).
	if _, err := txn.Get(indexesChangedKey(rel.OID)); err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	if err := txn.Set(rowsWrittenKey(rel.OID), nil); err != nil {
		return err
	}
	var indexes []secondaryIndex
	for _, ix := range e.cat.Indexes(rel.OID) {
		indexes = append(indexes, newSecondaryIndex(rel, ix))
	}
	for _, u := range ups {
		next[u.partition] = u.offset + 1
		if u.key == nil {
			continue
		}
		var old []byte
		item, err := txn.Get(u.key)
		switch {
		case err == nil:
			if old, err = item.ValueCopy(nil); err != nil {
				return err
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		if u.row != nil {
			buf = sql.AppendRow(buf[:0], u.row)
			if old != nil && bytes.Equal(old, buf) {
				continue // the same row again changes nothing
			}
		}
		if old != nil {
			oldRow, err := sql.DecodeRow(old, make(sql.Row, 0, width))
			if err != nil {
				return fmt.Errorf("table %s: %w", rel.Name, err)
			}
			if u.row == nil {
				if err := txn.Delete(u.key); err != nil {
					return err
				}
			}
			oldRow = padRow(oldRow, width)
			for _, ix := range indexes {
				k, _ := ix.entry(u.key, oldRow)
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			log.add(e, rel.OID, oldRow, -1)
		}
		if u.row != nil {
			if err := txn.Set(u.key, bytes.Clone(buf)); err != nil {
				return err
			}
			for _, ix := range indexes {
				if err := txn.Set(ix.entry(u.key, u.row)); err != nil {
					return err
				}
			}
			log.add(e, rel.OID, u.row, 1)
		}
		if len(log.changes) >= feedChunk {
			if err := views.feed(ctx, log); err != nil {
				return err
			}
		}
	}
	if err := putTableOffsets(txn.Set, rel.OID, next); err != nil {
		return err
	}
	if err := views.commit(ctx, log, txn.Set, txn.Delete); err != nil {
		return err
	}
	if err := e.disk.check(); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return diskErr(fmt.Errorf("commit %s: %w", rel.Name, err))
	}
	views.published()
	return nil
}
