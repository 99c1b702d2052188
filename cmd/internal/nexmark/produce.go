package nexmark

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// GenConfig says what to produce.
type GenConfig struct {
	Seeds      []string // Kafka brokers
	Events     int64    // how many events
	First      int64    // number of the first event (to continue a stream)
	Seed       uint64
	Base       time.Time // event time of event 0
	EventRate  float64   // events per second of event time (0: 10,000)
	Rate       float64   // events per second of wall time (0: as fast as possible)
	Partitions int32     // of each topic eddy creates
}

// Counts is how many events of each kind were produced, in Kind order.
type Counts [3]int64

// Produce creates the topics person, auction and bid (if missing) and
// writes events First .. First+Events-1 to them as JSON.
func Produce(ctx context.Context, c GenConfig) (Counts, error) {
	var counts Counts
	if c.Partitions <= 0 {
		c.Partitions = 1
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds...),
		kgo.ProducerLinger(5*time.Millisecond), kgo.ProducerBatchMaxBytes(1<<20),
		kgo.MaxBufferedRecords(200_000), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		return counts, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	for _, t := range Topics {
		if err := CreateTopic(ctx, cl, t, c.Partitions); err != nil {
			return counts, err
		}
	}
	g := NewGenerator(c.Seed, c.Base, c.EventRate)
	errc := make(chan error, 1)
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			select {
			case errc <- err:
			default:
			}
		}
	}
	start := time.Now()
	var buf []byte
	for i := range c.Events {
		n := c.First + i
		if c.Rate > 0 && i%256 == 0 {
			if ahead := time.Duration(float64(i)/c.Rate*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		var k Kind
		k, buf = g.Append(buf[:0], n)
		counts[k]++
		v := make([]byte, len(buf))
		copy(v, buf)
		cl.Produce(ctx, &kgo.Record{Topic: Topics[k], Value: v}, done)
		select {
		case err := <-errc:
			return counts, fmt.Errorf("produce: %w", err)
		default:
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return counts, fmt.Errorf("produce: %w", err)
	}
	select {
	case err := <-errc:
		return counts, fmt.Errorf("produce: %w", err)
	default:
	}
	return counts, nil
}

// CreateTopic creates topic with the given partitions unless it exists.
func CreateTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int32) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic = topic
	t.NumPartitions = partitions
	t.ReplicationFactor = -1
	req.Topics = append(req.Topics, t)
	req.TimeoutMillis = 30_000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil && err != kerr.TopicAlreadyExists {
			return fmt.Errorf("create topic %s: %w", topic, err)
		}
	}
	return nil
}

// EndOffsets returns the sum over partitions of each topic's high watermark.
func EndOffsets(ctx context.Context, cl *kgo.Client, topics ...string) (map[string]int64, error) {
	req := kmsg.NewPtrMetadataRequest()
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	meta, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	lreq := kmsg.NewPtrListOffsetsRequest()
	lreq.ReplicaID = -1
	for _, mt := range meta.Topics {
		if err := kerr.ErrorForCode(mt.ErrorCode); err != nil {
			return nil, fmt.Errorf("metadata of %s: %w", *mt.Topic, err)
		}
		lt := kmsg.NewListOffsetsRequestTopic()
		lt.Topic = *mt.Topic
		for _, p := range mt.Partitions {
			lp := kmsg.NewListOffsetsRequestTopicPartition()
			lp.Partition = p.Partition
			lp.Timestamp = -1
			lp.CurrentLeaderEpoch = -1
			lt.Partitions = append(lt.Partitions, lp)
		}
		lreq.Topics = append(lreq.Topics, lt)
	}
	resp, err := lreq.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	out := map[string]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("list offsets of %s[%d]: %w", t.Topic, p.Partition, err)
			}
			out[t.Topic] += p.Offset
		}
	}
	return out, nil
}
