package exec

import (
	"context"
	"errors"
	"fmt"
	"maps"
	goruntime "runtime"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// sourceScanOp is a batch read of a source: every partition from its start
// offset up to the high watermark taken when the scan starts, so that the
// answer is the topic "as it is now" even while producers keep writing.
//
// One consuming client fetches all partitions (a fetch request covers every
// partition a broker leads); decoding, the costly part, runs on one worker
// per core. The operator owns those goroutines: they end when the scan
// reaches its end offsets, fails, or when the statement's context ends
// (LIMIT, cancel, Close), and Next does not return the end before they have.
type sourceScanOp struct {
	rt    *runtime
	rel   *catalog.Relation
	cfg   sourceConfig
	stats *sourceStats

	started bool
	out     chan sizedBatch
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	errMu sync.Mutex
	err   error

	// snapEnds are the end offsets the scan reads up to, once it started.
	snapEnds map[int32]int64
	// bad, when set, takes the records that do not decode of a source with
	// on_error = 'dead_letter' (continuous readers only: dead_letter.go);
	// a batch scan skips them.
	bad func(badRecord)
	// read flags the declared columns the reader needs (nil: all);
	// newSourceDecoder.
	read []bool
	// push, when set, is a view's filter that the decoders apply
	// (source_pushdown.go).
	push *sourcePushdown
}

func (rt *runtime) buildSourceScan(n *planner.Scan) (Operator, error) {
	cfg, err := parseSourceOptions(n.Rel.Name, n.Rel.Options)
	if err != nil {
		return nil, err
	}
	scan := &sourceScanOp{rt: rt, rel: n.Rel, cfg: cfg, stats: rt.s.e.sourceStats(n.Rel.OID)}
	if rt.tail != nil {
		return rt.tail.source(scan), nil
	}
	return scan, nil
}

// sizedBatch is a batch and its rows' rowSize.
type sizedBatch struct {
	b     *Batch
	bytes int64
}

// sourceJob is a run of one partition's records for a decoding worker.
type sourceJob struct {
	partition int32
	recs      []*kgo.Record
}

func (s *sourceScanOp) Next(ctx context.Context) (*Batch, error) {
	sb, err := s.nextSized(ctx)
	return sb.b, err
}

// nextSized is Next with the batch's rowSize, which a view's load
// (dataflow.loadSource) counts its epochs by.
func (s *sourceScanOp) nextSized(ctx context.Context) (sizedBatch, error) {
	if !s.started {
		s.started = true
		if err := s.start(); err != nil {
			return sizedBatch{}, err
		}
	}
	if s.out == nil {
		return sizedBatch{}, nil
	}
	select {
	case b, ok := <-s.out:
		if ok {
			return b, nil
		}
	case <-ctx.Done():
		s.stop()
		return sizedBatch{}, ctx.Err()
	}
	s.stop()
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return sizedBatch{}, s.err
}

// stop ends the goroutines and waits for them.
func (s *sourceScanOp) stop() {
	if s.cancel != nil {
		s.cancel()
		s.wg.Wait()
		s.cancel = nil
	}
	s.out = nil
}

func (s *sourceScanOp) fail(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.errMu.Unlock()
	s.cancel()
}

func (s *sourceScanOp) start() error {
	e := s.rt.s.e
	admin, err := e.kafkaClient()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.rt.ctx, kafkaRequestTimeout)
	defer cancel()
	topic := s.cfg.topic
	parts, err := topicPartitions(ctx, admin, topic)
	if err != nil {
		return err
	}
	if parts == nil {
		return sql.Errorf(sql.CodeUndefinedObject, "topic %q of source %q does not exist", topic, s.rel.Name)
	}
	starts, err := s.cfg.startOffsets(ctx, admin, parts)
	if err != nil {
		return err
	}
	ends, err := listOffsets(ctx, admin, topic, parts, -1)
	if err != nil {
		return err
	}
	// A SUBSCRIBE tails the topic from exactly where its snapshot ends.
	s.snapEnds = maps.Clone(ends)
	assign := map[int32]kgo.Offset{}
	for _, p := range parts {
		if starts[p] < ends[p] {
			assign[p] = kgo.NewOffset().At(starts[p])
		}
	}
	if len(assign) == 0 {
		return nil
	}
	// Larger partition fetches than the 1 MiB default: a batch scan wants
	// throughput, and the whole fetch follows the state cache.
	cl, err := kgo.NewClient(e.kafka.clientOpts(append(e.scanFetchLimits(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}))...)...)
	if err != nil {
		return kafkaErr("consumer for topic "+topic, err)
	}
	runCtx, runCancel := context.WithCancel(s.rt.ctx)
	s.cancel = runCancel
	s.out = make(chan sizedBatch, 8)
	jobs := make(chan sourceJob, 16)
	workers := min(goruntime.GOMAXPROCS(0), len(assign))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cl.Close()
		defer close(jobs)
		if err := s.fetch(runCtx, cl, ends, len(assign), jobs); err != nil {
			s.fail(err)
		}
	}()
	var decoders sync.WaitGroup
	for range workers {
		decoders.Add(1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer decoders.Done()
			s.decode(runCtx, jobs)
		}()
	}
	// Closing out once every decoder is done tells Next the scan is over.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		decoders.Wait()
		close(s.out)
	}()
	return nil
}

// fetch polls until every partition has reached its end offset.
func (s *sourceScanOp) fetch(ctx context.Context, cl *kgo.Client, ends map[int32]int64, open int, jobs chan<- sourceJob) error {
	topic := s.cfg.topic
	for open > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil || fs.IsClientClosed() {
			return nil
		}
		for _, fe := range fs.Errors() {
			if errors.Is(fe.Err, context.Canceled) {
				return nil
			}
			return kafkaErr(fmt.Sprintf("fetch %s[%d]", fe.Topic, fe.Partition), fe.Err)
		}
		var finished []int32
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			end, ok := ends[p.Partition]
			if !ok || len(p.Records) == 0 {
				return
			}
			recs := p.Records
			n := len(recs)
			for n > 0 && recs[n-1].Offset >= end {
				n--
			}
			if n < len(recs) || recs[len(recs)-1].Offset == end-1 {
				delete(ends, p.Partition)
				finished = append(finished, p.Partition)
			}
			for i := 0; i < n; i += batchSize {
				select {
				case jobs <- sourceJob{partition: p.Partition, recs: recs[i:min(i+batchSize, n)]}:
				case <-ctx.Done():
					return
				}
			}
		})
		if len(finished) > 0 {
			open -= len(finished)
			// Records produced after the scan began are not ours to read.
			cl.RemoveConsumePartitions(map[string][]int32{topic: finished})
		}
	}
	return nil
}

// decode turns jobs into batches.
func (s *sourceScanOp) decode(ctx context.Context, jobs <-chan sourceJob) {
	dec := newSourceDecoder(s.cfg.format, s.rel.Columns, s.rt.loc(), s.read)
	pe := s.push.evaluator(len(s.rel.Columns) + len(catalog.SourceMetadata))
	for job := range jobs {
		b, size, err := s.decodeSized(dec, pe, job.partition, job.recs)
		if err != nil {
			s.fail(err)
			return
		}
		if b.Len() == 0 && b.src == nil {
			continue
		}
		select {
		case s.out <- sizedBatch{b, size}:
		case <-ctx.Done():
			return
		}
	}
}

// decodeRecords turns one partition's records into a batch: the declared
// columns from the value, then the metadata columns (catalog.SourceMetadata)
// from the record. It fails only when the source says on_error = 'fail'.
func (s *sourceScanOp) decodeRecords(dec recordDecoder, partition int32, recs []*kgo.Record) (*Batch, error) {
	b, _, err := s.decodeSized(dec, nil, partition, recs)
	return b, err
}

// decodeSized is decodeRecords that also returns the rows' footprint
// (rowSize), taken while the rows are in the decoding core's cache rather
// than by the reader that gathers them. With pe, only the rows pe's filter
// keeps are in the batch, and the batch's tally has the watermark values
// of those and of the others.
func (s *sourceScanOp) decodeSized(dec recordDecoder, pe *pushEval, partition int32, recs []*kgo.Record) (*Batch, int64, error) {
	ncols := len(s.rel.Columns)
	width := ncols + len(catalog.SourceMetadata)
	var b *Batch
	var slab []sql.Value
	filter := pe != nil && pe.filtering(len(recs))
	if !filter {
		b = &Batch{Rows: make([]sql.Row, 0, len(recs)), Diffs: make([]int64, 0, len(recs))}
		// One allocation for all the batch's values.
		slab = make([]sql.Value, len(recs)*width)
	} else {
		// Rows are decoded into pe.row and copied out if kept: the
		// allocations follow the rows kept, not the records read.
		n := pe.rowsFor(len(recs))
		b = &Batch{Rows: make([]sql.Row, 0, n), Diffs: make([]int64, 0, n)}
	}
	skipped := 0
	var size int64
	for i, rec := range recs {
		var row sql.Row
		if !filter {
			row = slab[:width:width]
		} else {
			row = pe.row
			clear(row)
		}
		if err := dec.decode(rec.Value, row[:ncols]); err != nil {
			msg := decodeMessage(err)
			s.stats.lastError.Store(&msg)
			if s.cfg.failOnError {
				s.stats.read.Add(int64(i + 1))
				return nil, 0, &sql.Error{Code: sql.CodeInvalidTextRepresentation,
					Message: fmt.Sprintf("source %s: cannot decode record: %s", s.rel.Name, msg),
					Detail:  fmt.Sprintf("topic %s, partition %d, offset %d", s.cfg.topic, partition, rec.Offset),
					Hint:    "Use on_error = 'skip' to skip and count records that do not decode, or 'dead_letter' to send them to a topic."}
			}
			clear(row)
			if s.cfg.deadLetter && s.bad != nil {
				s.bad(badRecord{rec: rec, msg: msg})
			} else {
				skipped++
			}
			continue
		}
		if rec.Key != nil {
			row[ncols] = sql.NewBytes(rec.Key)
		}
		row[ncols+1] = sql.NewInt(int64(rec.Partition))
		row[ncols+2] = sql.NewInt(rec.Offset)
		row[ncols+3] = sql.NewTimestampTZ(rec.Timestamp.UnixMicro())
		if filter {
			if !pe.keep(row, rec.Partition, rec.Offset) {
				continue
			}
			if len(slab) < width {
				slab = make([]sql.Value, width*pe.rowsFor(len(recs)-i))
			}
			copy(slab, row)
			row = slab[:width:width]
		}
		slab = slab[width:]
		if pe != nil {
			pe.keptRow(row)
		}
		b.Add(row, 1)
		size += rowSize(row)
	}
	s.stats.read.Add(int64(len(recs)))
	if skipped > 0 {
		s.stats.skipped.Add(int64(skipped))
	}
	if pe != nil {
		b.src = pe.take()
	}
	return b, size, nil
}

func decodeMessage(err error) string {
	var se *sql.Error
	if errors.As(err, &se) {
		return se.Message
	}
	return err.Error()
}
