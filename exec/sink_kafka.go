package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Record headers that tie a sink's records to its queue.
const (
	sinkHeader    = "eddy-sink" // the sink's OID
	sinkSeqHeader = "eddy-seq"  // the queue entry the record comes from
)

// sinkBatchRecords bounds how many records one Kafka transaction carries.
const sinkBatchRecords = 16384

// errAppendRetraction stops an append sink for good.
var errAppendRetraction = errors.New("retraction")

// run produces the queue until ctx ends, retrying after errors from where
// Kafka says the sink got to.
func (s *topicSink) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.serve(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		s.setErr(err)
		if errors.Is(err, errAppendRetraction) {
			s.e.log.Error("sink stopped", "sink", s.rel.Name, "err", err)
			return
		}
		s.e.log.Warn("sink failed; retrying", "sink", s.rel.Name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(feedRetry):
		}
	}
}

func (s *topicSink) serve(ctx context.Context) error {
	if s.e.kafka == nil {
		return sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "Kafka is not available")
	}
	if err := s.abortLeftOpen(ctx); err != nil {
		return err
	}
	cl, err := kgo.NewClient(s.e.kafka.clientOpts(
		kgo.TransactionalID(s.transactionalID()),
		kgo.DefaultProduceTopic(s.cfg.topic),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerLinger(0))...)
	if err != nil {
		return kafkaErr("producer for sink "+s.rel.Name, err)
	}
	defer cl.Close()
	// Initializing the transactional id fences an earlier incarnation of
	// the sink and aborts the transaction it left open.
	ictx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	_, _, err = cl.ProducerID(ictx)
	cancel()
	if err != nil {
		return kafkaErr("init producer of sink "+s.rel.Name, err)
	}
	done, err := s.produced(ctx)
	if err != nil {
		return err
	}
	if err := s.trim(done); err != nil {
		return err
	}
	s.setErr(nil)
	for {
		entries, last, err := s.pending(done)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-s.wake:
			case <-time.After(progressInterval):
			}
			continue
		}
		if err := s.produce(ctx, cl, entries); err != nil {
			return err
		}
		done = last
		if err := s.trim(done); err != nil {
			return err
		}
	}
}

func (s *topicSink) transactionalID() string { return fmt.Sprintf("eddy-sink-%d", s.rel.OID) }

// abortLeftOpen ends, with an abort marker in every partition of the topic,
// any transaction an earlier incarnation of the sink left open.
//
// A Kafka broker aborts it when the transactional id is initialized again.
// The embedded broker (kfake) does not after it restarts itself (after a
// kill -9 of eddy): it forgets that the transaction was open, so its
// records stay pending without a marker, and the next commit of the same
// producer commits them along with its own: the queue entries they carry,
// which the sink produces again since it saw no commit for them, reached
// read_committed consumers twice (TestKill9Views found it). An aborted
// transaction of one record in each partition, produced by the same
// transactional id, closes whatever was open with a marker. (When kfake's
// recovery does know them aborted, it writes no marker either, and this
// one marker would not do: a consumer pops one aborted transaction per
// marker, and then skipped the producer's later, committed records; the
// embedded broker writes their markers itself when it starts,
// cmd/eddy/kafka_recover.go.) The records carry the sink's header and no
// sequence number; only read_uncommitted consumers, who see aborted
// records anyway, ever see them.
func (s *topicSink) abortLeftOpen(ctx context.Context) error {
	admin, err := s.e.kafkaClient()
	if err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	parts, err := topicPartitions(lctx, admin, s.cfg.topic)
	if err != nil {
		return err
	}
	if parts == nil {
		return fmt.Errorf("sink %s: topic %q does not exist", s.rel.Name, s.cfg.topic)
	}
	cl, err := kgo.NewClient(s.e.kafka.clientOpts(
		kgo.TransactionalID(s.transactionalID()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0))...)
	if err != nil {
		return kafkaErr("producer for sink "+s.rel.Name, err)
	}
	defer cl.Close()
	if err := cl.BeginTransaction(); err != nil {
		return kafkaErr("begin transaction of sink "+s.rel.Name, err)
	}
	header := []kgo.RecordHeader{{Key: sinkHeader, Value: []byte(strconv.FormatUint(uint64(s.rel.OID), 10))}}
	var recs []*kgo.Record
	for _, p := range parts {
		recs = append(recs, &kgo.Record{Topic: s.cfg.topic, Partition: p, Headers: header})
	}
	perr := produceAll(lctx, cl, recs)
	if err := cl.EndTransaction(lctx, kgo.TryAbort); err != nil {
		return kafkaErr("abort the open transaction of sink "+s.rel.Name, err)
	}
	if perr != nil {
		return kafkaErr("abort the open transaction of sink "+s.rel.Name, perr)
	}
	return nil
}

// sinkEntry is one queued epoch of changes.
type sinkEntry struct {
	seq     uint64
	changes *Batch
}

// pending reads the queue after seq done, up to about a batch of records.
func (s *topicSink) pending(done uint64) ([]sinkEntry, uint64, error) {
	txn := s.e.db.NewTransaction(false)
	defer txn.Discard()
	prefix := s.queuePrefix()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	var out []sinkEntry
	n := 0
	last := done
	for it.Seek(s.queueKey(done + 1)); it.Valid() && n < sinkBatchRecords; it.Next() {
		seq := binary.BigEndian.Uint64(it.Item().Key()[len(prefix):])
		var b *Batch
		err := it.Item().Value(func(v []byte) error {
			var err error
			b, err = decodeChanges(v, len(s.view.Columns))
			return err
		})
		if err != nil {
			return nil, 0, fmt.Errorf("sink %s: read queue: %w", s.rel.Name, err)
		}
		out = append(out, sinkEntry{seq: seq, changes: b})
		n += b.Len()
		last = seq
	}
	return out, last, nil
}

// trim deletes the queue up to seq done, which Kafka holds.
func (s *topicSink) trim(done uint64) error {
	if done == 0 {
		return nil
	}
	txn := s.e.db.NewTransaction(false)
	prefix := s.queuePrefix()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	var keys [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().KeyCopy(nil)
		if binary.BigEndian.Uint64(k[len(prefix):]) > done {
			break
		}
		keys = append(keys, k)
	}
	it.Close()
	txn.Discard()
	if len(keys) == 0 {
		return nil
	}
	wb := s.e.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// produce writes entries to the topic in one Kafka transaction.
func (s *topicSink) produce(ctx context.Context, cl *kgo.Client, entries []sinkEntry) error {
	var recs []*kgo.Record
	for _, en := range entries {
		rs, err := s.records(en)
		if err != nil {
			return err
		}
		recs = append(recs, rs...)
	}
	if err := cl.BeginTransaction(); err != nil {
		return kafkaErr("begin transaction of sink "+s.rel.Name, err)
	}
	perr := produceAll(ctx, cl, recs)
	if ctx.Err() != nil {
		// Stopping (DROP SINK, shutdown): abort rather than leave the
		// transaction open, which would hold read_committed consumers of
		// the topic back until it timed out. If that fails, the next start
		// fences (aborts) it.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if cl.AbortBufferedRecords(actx) == nil {
			_ = cl.EndTransaction(actx, kgo.TryAbort)
		}
		return ctx.Err()
	}
	commit := kgo.TryCommit
	if perr != nil {
		commit = kgo.TryAbort
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kafkaRequestTimeout)
	defer cancel()
	if err := cl.EndTransaction(ectx, commit); err != nil {
		return kafkaErr("commit transaction of sink "+s.rel.Name, err)
	}
	if perr != nil {
		return kafkaErr("produce to topic "+s.cfg.topic, perr)
	}
	return nil
}

// produceAll produces recs and waits for all of them, or for ctx to end.
func produceAll(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error {
	errs := make(chan error, len(recs))
	for _, r := range recs {
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) { errs <- err })
	}
	var first error
	for range recs {
		select {
		case err := <-errs:
			if first == nil {
				first = err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return first
}

// records turns a queued epoch into records of the sink's envelope.
func (s *topicSink) records(en sinkEntry) ([]*kgo.Record, error) {
	headers := []kgo.RecordHeader{
		{Key: sinkHeader, Value: []byte(strconv.FormatUint(uint64(s.rel.OID), 10))},
		{Key: sinkSeqHeader, Value: []byte(strconv.FormatUint(en.seq, 10))},
	}
	cols := s.view.Columns
	enc := newRecordEncoder(s.cfg.format, cols, time.UTC)
	var out []*kgo.Record
	add := func(key, val []byte) {
		out = append(out, &kgo.Record{Key: key, Value: val, Headers: headers})
	}
	b := en.changes
	if s.cfg.envelope == "append" {
		for i, r := range b.Rows {
			if b.Diffs[i] < 0 {
				return nil, fmt.Errorf("sink %s: %s retracted a row, which envelope append cannot express; the sink stopped (drop it and use envelope upsert or debezium): %w", s.rel.Name, s.source(), errAppendRetraction)
			}
			v, err := enc.encode(r)
			if err != nil {
				return nil, err
			}
			for range b.Diffs[i] {
				add(nil, v)
			}
		}
		return out, nil
	}
	key := s.view.PrimaryKey
	if key == nil {
		// debezium without a key: each change on its own.
		for i, r := range b.Rows {
			v, err := s.debezium(enc, b.Diffs[i] < 0, r, b.Diffs[i] > 0, r)
			if err != nil {
				return nil, err
			}
			for range max(b.Diffs[i], -b.Diffs[i]) {
				add(nil, v)
			}
		}
		return out, nil
	}
	// Group the changes by key, in order of appearance: at most a
	// retraction and an insertion each (the key is unique).
	type change struct {
		key         []byte
		before, aft sql.Row
	}
	var order []*change
	byKey := map[string]*change{}
	for i, r := range b.Rows {
		k := appendJSONKey(nil, cols, key, r)
		c := byKey[string(k)]
		if c == nil {
			c = &change{key: k}
			byKey[string(k)] = c
			order = append(order, c)
		}
		if b.Diffs[i] < 0 {
			c.before = r
		} else {
			c.aft = r
		}
	}
	for _, c := range order {
		if s.cfg.envelope == "upsert" {
			if c.aft == nil {
				add(c.key, nil) // tombstone
				continue
			}
			v, err := enc.encode(c.aft)
			if err != nil {
				return nil, err
			}
			add(c.key, v)
			continue
		}
		v, err := s.debezium(enc, c.before != nil, c.before, c.aft != nil, c.aft)
		if err != nil {
			return nil, err
		}
		add(c.key, v)
	}
	return out, nil
}

// debezium encodes {"before": ..., "after": ..., "op": "c"|"u"|"d"}.
func (s *topicSink) debezium(enc *recordEncoder, hasBefore bool, before sql.Row, hasAfter bool, after sql.Row) ([]byte, error) {
	out := []byte(`{"before":`)
	row := func(ok bool, r sql.Row) error {
		if !ok {
			out = append(out, "null"...)
			return nil
		}
		v, err := enc.encode(r)
		out = append(out, v...)
		return err
	}
	if err := row(hasBefore, before); err != nil {
		return nil, err
	}
	out = append(out, `,"after":`...)
	if err := row(hasAfter, after); err != nil {
		return nil, err
	}
	op := "u"
	switch {
	case !hasBefore:
		op = "c"
	case !hasAfter:
		op = "d"
	}
	return append(out, `,"op":"`+op+`"}`...), nil
}

// appendJSONKey encodes a row's key columns as a JSON object.
func appendJSONKey(out []byte, cols []catalog.Column, key []int, r sql.Row) []byte {
	out = append(out, '{')
	for i, c := range key {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, cols[c].Name)
		out = append(out, ':')
		out = appendJSONValue(out, r[c], cols[c].Type, time.UTC)
	}
	return append(out, '}')
}

// sinkTailWindow is how many records back from the end of each partition
// the sink first looks for its last sequence number.
const sinkTailWindow = 256

// produced returns the highest queue sequence number the topic holds
// committed records of: it reads the last records of each partition, with
// read_committed, going further back until it finds one of the sink's.
func (s *topicSink) produced(ctx context.Context) (uint64, error) {
	admin, err := s.e.kafkaClient()
	if err != nil {
		return 0, err
	}
	lctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	parts, err := topicPartitions(lctx, admin, s.cfg.topic)
	if err != nil {
		return 0, err
	}
	if parts == nil {
		return 0, fmt.Errorf("sink %s: topic %q does not exist", s.rel.Name, s.cfg.topic)
	}
	ends, err := listCommittedEnds(lctx, admin, s.cfg.topic, parts)
	if err != nil {
		return 0, err
	}
	var best uint64
	for _, p := range parts {
		end := ends[p]
		for window := int64(sinkTailWindow); end > 0; window *= 8 {
			start := max(0, end-window)
			seq, found, err := s.lastSeq(ctx, p, start, end)
			if err != nil {
				return 0, err
			}
			if found {
				best = max(best, seq)
				break
			}
			if start == 0 {
				break
			}
		}
	}
	return best, nil
}

// lastSeq reads partition p from start to end (exclusive) for the highest
// sequence number of the sink in a committed record.
//
// It reads uncommitted and tells committed records itself from the
// transaction markers: a transactional record counts once a commit marker
// of its producer follows it below end (abortLeftOpen has ended whatever
// an earlier incarnation left open with a marker). A read_committed reader
// would filter aborted records for us, but then it cannot tell when it has
// read up to end: when the last records below end are aborted ones, it
// waits for a record at end-1 that never comes, and the sink retried that
// for ever after a kill -9 of eddy with the embedded broker.
func (s *topicSink) lastSeq(ctx context.Context, p int32, start, end int64) (uint64, bool, error) {
	cl, err := kgo.NewClient(s.e.kafka.clientOpts(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.topic: {p: kgo.NewOffset().At(start)}}),
		kgo.KeepControlRecords(),
		kgo.FetchMaxWait(progressInterval))...)
	if err != nil {
		return 0, false, kafkaErr("consumer for topic "+s.cfg.topic, err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	oid := []byte(strconv.FormatUint(uint64(s.rel.OID), 10))
	var best uint64
	found := false
	// open holds, per producer, the highest sequence number of its records
	// since its last marker.
	open := map[int64]uint64{}
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, false, kafkaErr(fmt.Sprintf("read the end of %s[%d]", s.cfg.topic, p), err)
		}
		for _, fe := range fs.Errors() {
			return 0, false, kafkaErr(fmt.Sprintf("fetch %s[%d]", fe.Topic, fe.Partition), fe.Err)
		}
		reached := false
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end-1 {
				reached = true
			}
			if r.Offset >= end {
				return
			}
			if r.Attrs.IsControl() {
				// The key is version (int16) and type (int16): 1 commits.
				if seq, ok := open[r.ProducerID]; ok && len(r.Key) >= 4 && r.Key[2] == 0 && r.Key[3] == 1 {
					best = max(best, seq)
					found = true
				}
				delete(open, r.ProducerID)
				return
			}
			var mine bool
			var seq uint64
			for _, h := range r.Headers {
				switch h.Key {
				case sinkHeader:
					mine = bytes.Equal(h.Value, oid)
				case sinkSeqHeader:
					seq, _ = strconv.ParseUint(string(h.Value), 10, 64)
				}
			}
			if !mine {
				return
			}
			if !r.Attrs.IsTransactional() {
				best = max(best, seq)
				found = true
				return
			}
			open[r.ProducerID] = max(open[r.ProducerID], seq)
		})
		if reached {
			return best, found, nil
		}
	}
}

// listCommittedEnds returns each partition's last stable offset: the end
// of what read_committed consumers can see.
func listCommittedEnds(ctx context.Context, cl *kgo.Client, topic string, parts []int32) (map[int32]int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	req.IsolationLevel = 1
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = topic
	for _, p := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.Timestamp = -1
		rp.CurrentLeaderEpoch = -1
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	out := map[int32]int64{}
	for _, sh := range cl.RequestSharded(ctx, req) {
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
	return out, nil
}
