package exec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// A view over a source reads the topic itself, as its own consumer (no
// group): a sourceFeed goroutine per source the view reads polls records,
// decodes them and commits an epoch in which the view's state, its rows,
// the views downstream of it and the next offset of each partition are one
// Badger transaction. After a crash the view resumes from those offsets:
// no record is lost or counted twice.

// offsetKey is where a view keeps the next offset of a source partition.
func offsetKey(view, source uint32, partition int32) []byte {
	k := append(catalog.ObjectPrefix(catalog.PrefixState, view), 0xff, 0xfe)
	k = binary.BigEndian.AppendUint32(k, source)
	return binary.BigEndian.AppendUint32(k, uint32(partition))
}

// sourceOffsets reads the offsets a view has committed for a source. It
// reads Badger directly, not the dataflow's stateStore: each source of a
// view has its own feed, and another feed's epoch may be using the store.
func (f *dataflow) sourceOffsets(source uint32) (map[int32]int64, error) {
	var out map[int32]int64
	err := f.e.db.View(func(txn *badger.Txn) error {
		var err error
		out, err = committedOffsets(txn, f.rel.OID, source)
		return err
	})
	return out, err
}

// committedOffsets reads the next offset of each partition of source that
// view has committed.
func committedOffsets(txn *badger.Txn, view, source uint32) (map[int32]int64, error) {
	prefix := offsetKey(view, source, 0)
	prefix = prefix[:len(prefix)-4]
	out := map[int32]int64{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Seek(prefix); it.Valid(); it.Next() {
		k := it.Item().Key()
		err := it.Item().Value(func(v []byte) error {
			out[int32(binary.BigEndian.Uint32(k[len(prefix):]))] = int64(binary.BigEndian.Uint64(v))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// topicIDKey is where a reader (owner: a view, or a topic table reading
// its own topic) keeps the ID of the topic its offsets are in. A topic
// deleted and created again under the same name gets a new ID, so the
// reader can tell that its offsets no longer apply even when the new
// topic holds as many records as it had read.
func topicIDKey(owner, source uint32) []byte {
	return binary.BigEndian.AppendUint32(viewStateKey(owner, stateTopicID), source)
}

// storedTopicID reads the topic ID kept under key; ok is false when none is.
func (e *Engine) storedTopicID(key []byte) (id topicID, ok bool, err error) {
	err = e.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if len(v) != len(id) {
				return fmt.Errorf("topic id: bad length %d", len(v))
			}
			ok = copy(id[:], v) > 0
			return nil
		})
	})
	return id, ok, err
}

func (f *dataflow) putOffsets(source uint32, offs map[int32]int64) {
	for p, o := range offs {
		f.state.put(offsetKey(f.rel.OID, source, p), binary.BigEndian.AppendUint64(nil, uint64(o)))
	}
}

// sources lists the sources a view reads directly.
func (f *dataflow) sources() []*catalog.Relation {
	var out []*catalog.Relation
	for oid := range f.reads {
		if rel := f.e.cat.ByOID(oid); rel != nil && rel.Kind == catalog.KindSource {
			out = append(out, rel)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// loadSource feeds a new view the source's records up to the end offsets
// of this moment, in epochs, and stores where the view goes on reading.
func (f *dataflow) loadSource(ctx context.Context, src *catalog.Relation, run func(changes map[uint32]*Batch, end bool) error) error {
	// The topic's ID is taken before its records are read: should the
	// topic be recreated meanwhile, the view refuses to go on rather than
	// read the new topic from the old one's offsets.
	cfg, err := parseSourceOptions(src.Name, src.Options)
	if err != nil {
		return err
	}
	admin, err := f.e.kafkaClient()
	if err != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	_, id, err := topicMetadata(mctx, admin, cfg.topic)
	cancel()
	if err != nil {
		return err
	}
	s := newSession(f.e, f.rel.Owner, "eddy", nil)
	rt := s.newRuntime(ctx, nil, nil)
	op, err := rt.buildSourceScan(&planner.Scan{Rel: src})
	if err != nil {
		return err
	}
	scan := op.(*sourceScanOp)
	scan.read = f.readCols[src.OID]
	// The load's rows are never late (flow_watermark.go's hold), so the
	// dropped records' watermarks need not be kept one by one.
	if scan.push, err = f.sourcePushdown(ctx, src, false); err != nil {
		return err
	}
	defer scan.stop()
	// The load is the view's first read of these records, so what does not
	// decode is dead-lettered (from the decoding workers, hence the lock).
	var badMu sync.Mutex
	var bad []badRecord
	scan.bad = func(b badRecord) {
		badMu.Lock()
		bad = append(bad, b)
		badMu.Unlock()
	}
	ahead := startLoadAhead(ctx, scan, snapshotChunkBytes(f.e.stateCache))
	defer ahead.close()
	for {
		chunk, end, ok, err := ahead.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := run(map[uint32]*Batch{src.OID: &chunk.Batch}, end); err != nil {
			return err
		}
	}
	// The offsets commit after the state they follow.
	if err := f.state.landFlight(); err != nil {
		return err
	}
	ends := scan.snapEnds
	if ends == nil {
		// start = 'latest': the view begins at the topic's end.
		lctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
		defer cancel()
		parts, err := topicPartitions(lctx, admin, scan.cfg.topic)
		if err != nil {
			return err
		}
		if ends, err = listOffsets(lctx, admin, scan.cfg.topic, parts, -1); err != nil {
			return err
		}
	}
	if err := f.e.deadLetter(ctx, scan.cfg, scan.stats, src.Name, f.rel.Name, bad); err != nil {
		return err
	}
	f.state.begin()
	defer f.state.end()
	f.putOffsets(src.OID, ends)
	if id != (topicID{}) {
		f.state.put(topicIDKey(f.rel.OID, src.OID), id[:])
	}
	wb := f.e.db.NewWriteBatch()
	defer wb.Cancel()
	if err := f.state.flushTo(wb); err != nil {
		return err
	}
	if err := f.e.disk.check(); err != nil {
		return err
	}
	return wb.Flush()
}

// tailConsumer opens a client that reads every partition of topic from
// the committed offsets, or from the start of a partition that has none
// (one added since the reader began), as continuous readers do. idKey is
// where the reader keeps the ID of the topic its offsets are in
// (topicIDKey): a reader that has none yet (one from before eddy kept
// them) adopts the topic's.
func (e *Engine) tailConsumer(ctx context.Context, topic, of string, idKey []byte, offs map[int32]int64) (*kgo.Client, error) {
	admin, err := e.kafkaClient()
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	parts, id, err := topicMetadata(lctx, admin, topic)
	cancel()
	if err != nil {
		return nil, err
	}
	if parts == nil {
		return nil, fmt.Errorf("topic %q of %s does not exist", topic, of)
	}
	if err := e.checkTopicID(topic, of, idKey, id); err != nil {
		return nil, err
	}
	if err := checkOffsets(ctx, admin, topic, of, parts, offs); err != nil {
		return nil, err
	}
	assign := map[int32]kgo.Offset{}
	for _, p := range parts {
		if o, ok := offs[p]; ok {
			assign[p] = kgo.NewOffset().At(o)
		} else {
			assign[p] = kgo.NewOffset().AtStart()
		}
	}
	cl, err := kgo.NewClient(e.kafka.clientOpts(append(e.tailFetchLimits(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}),
		// An offset out of range means the topic was recreated or cut
		// under the reader: fail (and find out why at the retry) rather
		// than silently start over.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
		kgo.FetchMaxWait(progressInterval))...)...)
	if err != nil {
		return nil, kafkaErr("consumer for topic "+topic, err)
	}
	return cl, nil
}

// checkTopicID refuses to read on in a topic that is not the one the
// reader's offsets are in: it was deleted and created again. The offsets
// may well lie within the new topic, and reading on would count its
// records as if they followed the old ones'. The reader stops and says
// why until an operator drops it (and creates it again over the new
// topic). A reader with no ID stored, or a broker that gives none, is not
// checked; the former stores the topic's now.
func (e *Engine) checkTopicID(topic, of string, idKey []byte, id topicID) error {
	if id == (topicID{}) {
		return nil
	}
	had, ok, err := e.storedTopicID(idKey)
	if err != nil {
		return err
	}
	if !ok {
		return e.db.Update(func(txn *badger.Txn) error { return txn.Set(idKey, id[:]) })
	}
	if had != id {
		return &sql.Error{Code: sql.CodeObjectNotInPrerequisiteState,
			Message: fmt.Sprintf("topic %q of %s was deleted and created again since it was read: its offsets do not apply to the new topic", topic, of),
			Detail:  fmt.Sprintf("The topic ID is %s, and was %s.", id, had),
			Hint:    "Drop what reads the topic (the materialized view, or the topic table) and create it again to read the new topic from its start."}
	}
	return nil
}

// checkOffsets refuses committed offsets that the topic no longer holds:
// past its end (the topic was deleted and created again) or before its
// start (records were deleted before they were read). Reading on would
// count the new topic's records as if they followed the old ones, or skip
// records unseen; either gives wrong answers, so the reader stops and says
// why until an operator drops it (or restores the topic).
func checkOffsets(ctx context.Context, admin *kgo.Client, topic, of string, parts []int32, offs map[int32]int64) error {
	if len(offs) == 0 {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	starts, err := listOffsets(lctx, admin, topic, parts, -2)
	if err != nil {
		return err
	}
	ends, err := listOffsets(lctx, admin, topic, parts, -1)
	if err != nil {
		return err
	}
	for p, o := range offs {
		end, ok := ends[p]
		switch {
		case !ok:
			return sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "topic %q of %s lost partition %d, which it had read up to offset %d: the topic was recreated", topic, of, p, o)
		case o > end:
			return sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "topic %q of %s ends at offset %d in partition %d, but it had read up to %d: the topic was recreated or truncated", topic, of, end, p, o)
		case o < starts[p]:
			return sql.Errorf(sql.CodeObjectNotInPrerequisiteState, "topic %q of %s starts at offset %d in partition %d, but it had read only up to %d: records were deleted unread", topic, of, starts[p], p, o)
		}
	}
	return nil
}

// feedKey names the feed of a view (first) from a source.
type feedKey [2]uint32

// feedRetry is how long a failing feed waits before it tries again.
const feedRetry = time.Second

// startFeeds starts a feed for every source of every view that has none;
// it runs when views start and when Kafka is configured.
func (e *Engine) startFeeds() {
	if e.kafka == nil {
		return
	}
	_ = e.flows.mu.rlock(context.Background())
	defer e.flows.mu.runlock()
	for _, f := range e.flows.byOID {
		if f.broken != nil || f.feedStop != nil {
			continue
		}
		srcs := f.sources()
		if len(srcs) == 0 {
			continue
		}
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan struct{}, len(srcs))
		f.feedStop = func() {
			cancel()
			for range srcs {
				<-done
			}
		}
		for _, src := range srcs {
			go func() {
				defer func() { done <- struct{}{} }()
				f.feed(ctx, src)
			}()
		}
	}
}

// feed tails one source for a view until ctx ends, retrying after errors
// (a broker that is down, a topic being recreated) from the last committed
// offsets.
func (f *dataflow) feed(ctx context.Context, src *catalog.Relation) {
	defer f.e.feedErrs.Delete(feedKey{f.rel.OID, src.OID})
	var last string
	for ctx.Err() == nil {
		err := f.tail(ctx, src)
		if err == nil || ctx.Err() != nil {
			return
		}
		f.e.feedErrs.Store(feedKey{f.rel.OID, src.OID}, err)
		// Said once, not at every retry: a recreated topic fails the same
		// way until an operator acts.
		if msg := err.Error(); msg != last {
			last = msg
			var se *sql.Error
			if errors.As(err, &se) && (se.Code == sql.CodeObjectNotInPrerequisiteState || se.Code == sql.CodeDiskFull) {
				f.e.log.Error("materialized view cannot read its source; it keeps its last state and retries", "view", f.rel.Name, "source", src.Name,
					"sqlstate", se.Code, "err", err, "detail", se.Detail)
			} else {
				f.e.log.Warn("materialized view feed failed; retrying", "view", f.rel.Name, "source", src.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(feedRetry):
		}
	}
}

func (f *dataflow) tail(ctx context.Context, src *catalog.Relation) error {
	cfg, err := parseSourceOptions(src.Name, src.Options)
	if err != nil {
		return err
	}
	offs, err := f.sourceOffsets(src.OID)
	if err != nil {
		return err
	}
	cl, err := f.e.tailConsumer(ctx, cfg.topic, "source "+src.Name, topicIDKey(f.rel.OID, src.OID), offs)
	if err != nil {
		return err
	}
	defer cl.Close()
	s := newSession(f.e, f.rel.Owner, "eddy", nil)
	scan := &sourceScanOp{rt: s.newRuntime(ctx, nil, nil), rel: src, cfg: cfg, stats: f.e.sourceStats(src.OID)}
	var bad []badRecord
	scan.bad = func(b badRecord) { bad = append(bad, b) }
	dec := newSourceDecoder(cfg.format, src.Columns, time.UTC, f.readCols[src.OID])
	push, err := f.sourcePushdown(ctx, src, true)
	if err != nil {
		return err
	}
	pe := push.evaluator(len(src.Columns) + len(catalog.SourceMetadata))
	// An epoch takes what the polls bring within the epoch interval: with
	// none, each poll is an epoch (a fetch already holds whatever arrived,
	// so epochs grow with the load); a longer one trades freshness for
	// fewer, larger commits.
	interval := time.Duration(f.e.epochInterval.Load())
	var b Batch
	next := map[int32]int64{}
	var opened time.Time
	// With no interval, epochs may commit in the background
	// (flow_pipeline.go); what is in flight commits before the feed ends.
	p := &feedPipeline{f: f, src: src}
	defer func() {
		if err := p.finish(); err != nil {
			f.e.log.Warn("materialized view feed could not commit its last epochs", "view", f.rel.Name, "source", src.Name, "err", err)
		}
	}()
	for {
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if len(next) > 0 {
			pctx, cancel = context.WithDeadline(ctx, opened.Add(interval))
		} else if p.busy() {
			pctx, cancel = p.pollContext(ctx)
		}
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		for _, fe := range fs.Errors() {
			if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
				continue
			}
			return kafkaErr(fmt.Sprintf("fetch %s[%d]", fe.Topic, fe.Partition), fe.Err)
		}
		var derr error
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 || derr != nil {
				return
			}
			pb, _, err := scan.decodeSized(dec, pe, p.Partition, p.Records)
			if err != nil {
				derr = err
				return
			}
			if len(next) == 0 {
				opened = time.Now()
			}
			b.Rows = append(b.Rows, pb.Rows...)
			b.Diffs = append(b.Diffs, pb.Diffs...)
			b.src = b.src.merge(pb.src)
			next[p.Partition] = p.Records[len(p.Records)-1].Offset + 1
		})
		if derr != nil {
			return derr
		}
		if len(next) == 0 {
			// Caught up, and nothing failed: the feed is well again.
			f.e.feedErrs.Delete(feedKey{f.rel.OID, src.OID})
		}
		if len(next) == 0 || (interval > 0 && time.Since(opened) < interval && b.Len() < snapshotChunk) {
			if err := p.advance(false); err != nil {
				return err
			}
			continue
		}
		// What did not decode is in the dead-letter topic before the
		// offsets past it commit.
		if err := f.e.deadLetter(ctx, cfg, scan.stats, src.Name, f.rel.Name, bad); err != nil {
			return err
		}
		bad = bad[:0]
		if interval > 0 {
			err = f.feedBatch(ctx, src, &b, next)
		} else {
			err = p.feed(ctx, &b, next)
		}
		if err != nil {
			return err
		}
		f.e.feedErrs.Delete(feedKey{f.rel.OID, src.OID})
		b, next = Batch{}, map[int32]int64{}
	}
}

// feedBatch commits one poll's records as one epoch or, when the epoch's
// state changes do not fit in one Badger transaction, as two halves
// (recursively). Without the split a large poll would fail the same way
// after every retry, and the view would never move again.
func (f *dataflow) feedBatch(ctx context.Context, src *catalog.Relation, b *Batch, next map[int32]int64) error {
	err := f.e.feedSource(ctx, f, src.OID, b, next)
	if !errors.Is(err, badger.ErrTxnTooBig) || b.Len() < 2 {
		return err
	}
	half := b.Len() / 2
	first := &Batch{Rows: b.Rows[:half], Diffs: b.Diffs[:half]}
	// The first half's next offsets follow its last rows, by their
	// _partition and _offset metadata columns.
	ncols := len(src.Columns)
	firstNext := map[int32]int64{}
	for _, r := range first.Rows {
		p, o := int32(r[ncols+1].Int()), r[ncols+2].Int()+1
		firstNext[p] = max(firstNext[p], o)
	}
	// So do the records a pushed-down filter dropped, by their offsets.
	var rest *wmTally
	if b.src != nil {
		var dropped *wmTally
		if dropped, rest, err = b.src.dropped.split(firstNext); err != nil {
			return err
		}
		first.src = &sourceTally{dropped: dropped}
	}
	if err := f.feedBatch(ctx, src, first, firstNext); err != nil {
		return err
	}
	return f.feedBatch(ctx, src, &Batch{Rows: b.Rows[half:], Diffs: b.Diffs[half:], src: &sourceTally{dropped: rest}}, next)
}

// feedSource commits one epoch of a view fed by a source: the view, the
// views downstream of it and the source's next offsets, atomically.
func (e *Engine) feedSource(ctx context.Context, f *dataflow, source uint32, b *Batch, next map[int32]int64) error {
	v := &viewTxn{e: e}
	defer v.end()
	if err := v.run(ctx, f, source, b); err != nil {
		return err
	}
	f.putOffsets(source, next)
	return e.commitFeed(f, v)
}

// commitFeed commits the epoch that v ran, f's and its downstream views'.
func (e *Engine) commitFeed(f *dataflow, v *viewTxn) error {
	txn := e.db.NewTransaction(true)
	defer txn.Discard()
	for _, fl := range v.flows {
		if err := fl.state.flushTo(txn); err != nil {
			return fmt.Errorf("maintain %s: %w", fl.rel.Name, err)
		}
	}
	if err := e.disk.check(); err != nil {
		return err
	}
	// Subscriptions see the epoch before the commit waits for the disk
	// (fsync, tens of milliseconds on some disks): what they see was
	// computed from records that stay in Kafka, so a crash before the
	// commit loses nothing that would not be computed again, and a crash
	// ends the subscriptions anyway. The views stay locked meanwhile, so no
	// later epoch overtakes this one. A commit that fails ends the
	// subscriptions that saw it: the epoch will run again, and they would
	// see its changes twice. Pull queries and sinks, which must not see an
	// epoch that may yet be lost, see it once it is committed.
	v.publishSubscribers()
	if err := txn.Commit(); err != nil {
		err = diskErr(fmt.Errorf("commit %s: %w", f.rel.Name, err))
		v.endSubscriptions(err)
		return err
	}
	v.notifySinks()
	return nil
}

var _ = maps.Clone[map[int32]int64]
