package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// subscribeTail is what a subscription's source scans share with the
// subscription: the current epoch's timestamp, and the clients to release.
type subscribeTail struct {
	snapshot bool
	ts       int64 // eddy_timestamp of the current epoch; never decreases

	mu    sync.Mutex
	tops  []*sourceTailOp
	views []*viewTailOp
}

// source makes scan endless: its snapshot (when asked for) is the first
// epoch, then every fetch from the topic is one more.
func (t *subscribeTail) source(scan *sourceScanOp) Operator {
	o := &sourceTailOp{t: t, scan: scan}
	t.mu.Lock()
	t.tops = append(t.tops, o)
	t.mu.Unlock()
	return o
}

// begin fixes where the subscription starts, as the statement runs: the
// server sends the columns before it asks for the first row, and a client
// may take them for the subscription having started. A change made after
// that must be in it, so the start cannot wait for the first row: the
// ends of the topics when there is no snapshot (with one, the snapshot has
// whatever comes before its scan), and the subscription to each view (with
// its snapshot).
func (t *subscribeTail) begin(ctx context.Context) error {
	t.mu.Lock()
	tops, views := slices.Clone(t.tops), slices.Clone(t.views)
	t.mu.Unlock()
	if !t.snapshot {
		for _, o := range tops {
			if err := o.startLive(ctx); err != nil {
				return err
			}
		}
	}
	for _, v := range views {
		if err := v.start(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (t *subscribeTail) progressTS() int64 {
	t.ts = max(t.ts, time.Now().UnixMilli())
	return t.ts
}

// close stops the scans' goroutines and clients.
func (t *subscribeTail) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.tops {
		o.scan.stop()
		if o.cl != nil {
			o.cl.Close()
			o.cl = nil
		}
	}
	t.tops = nil
	for _, v := range t.views {
		v.close()
	}
	t.views = nil
}

// sourceTailOp reads a source's snapshot through the batch scan, then tails
// the topic with one client of its own, consuming the partitions directly
// (no group: a subscription is one reader, and must start exactly where its
// snapshot ended). Fetching and decoding run in Next, on the caller's
// goroutine: a live fetch is small, and a hop to a worker would only add
// latency.
type sourceTailOp struct {
	t    *subscribeTail
	scan *sourceScanOp
	live bool
	cl   *kgo.Client
	dec  recordDecoder
	// epochDone: the epoch's batch is out, so the next Next ends the epoch.
	epochDone bool
}

func (o *sourceTailOp) Next(ctx context.Context) (*Batch, error) {
	if !o.live {
		if o.t.snapshot {
			b, err := o.scan.Next(ctx)
			if err != nil || b != nil {
				return b, err
			}
		}
		if o.dec == nil { // not started by begin
			if err := o.startLive(ctx); err != nil {
				return nil, err
			}
		}
		o.live = true
		return nil, nil
	}
	if o.epochDone {
		o.epochDone = false
		return nil, nil
	}
	// An idle topic still ends an epoch now and then, so that the
	// subscription can report progress and notices cancellation.
	pctx, cancel := context.WithTimeout(ctx, progressInterval)
	fs := o.cl.PollFetches(pctx)
	cancel()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, fe := range fs.Errors() {
		if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
			continue
		}
		return nil, kafkaErr(fmt.Sprintf("fetch %s[%d]", fe.Topic, fe.Partition), fe.Err)
	}
	var out *Batch
	var newest int64
	var err error
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 || err != nil {
			return
		}
		var b *Batch
		if b, err = o.scan.decodeRecords(o.dec, p.Partition, p.Records); err != nil {
			return
		}
		for _, r := range p.Records {
			newest = max(newest, r.Timestamp.UnixMilli())
		}
		if out == nil {
			out = b
		} else {
			out.Rows = append(out.Rows, b.Rows...)
			out.Diffs = append(out.Diffs, b.Diffs...)
		}
	})
	if err != nil {
		return nil, err
	}
	if out == nil || out.Len() == 0 {
		return nil, nil
	}
	o.t.ts = max(o.t.ts, newest)
	o.epochDone = true
	return out, nil
}

// startLive opens the tailing client at the snapshot's end offsets, or at
// the topic's current end when there was no snapshot.
func (o *sourceTailOp) startLive(ctx context.Context) error {
	s := o.scan
	e := s.rt.s.e
	ends := s.snapEnds
	if ends == nil {
		admin, err := e.kafkaClient()
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
			return fmt.Errorf("topic %q of source %q does not exist", s.cfg.topic, s.rel.Name)
		}
		if ends, err = listOffsets(lctx, admin, s.cfg.topic, parts, -1); err != nil {
			return err
		}
	}
	assign := make(map[int32]kgo.Offset, len(ends))
	for p, off := range ends {
		assign[p] = kgo.NewOffset().At(off)
	}
	cl, err := kgo.NewClient(e.kafka.clientOpts(append(e.tailFetchLimits(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.topic: assign}),
		// A fetch returns as soon as one record is there; the wait bounds
		// only how long an idle fetch is held open.
		kgo.FetchMaxWait(progressInterval))...)...)
	if err != nil {
		return kafkaErr("consumer for topic "+s.cfg.topic, err)
	}
	o.t.mu.Lock()
	o.cl = cl
	o.t.mu.Unlock()
	o.dec = newRecordDecoder(s.cfg.format, s.rel.Columns, s.rt.loc())
	return nil
}
