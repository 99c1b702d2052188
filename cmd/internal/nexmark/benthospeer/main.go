// Command benthospeer is the Benthos peer of `eddy nexmark bench --peer
// benthos`: Nexmark q2 (testdata/nexmark/q2.sql) as a topic-to-topic
// filter in a Benthos stream. Core Benthos has no Kafka components, so
// this program registers a franz-go input and output of its own with
// Benthos's public plugin API; the filter and projection are Bloblang,
// as a Benthos user would write them.
//
// It is a module of its own so that eddy's go.mod does not require
// Benthos: the bench builds it when it can reach the module proxy, and
// says so plainly when it cannot.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"

	// Bloblang and the pure processors (mapping).
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
)

// q2 keeps the bids of every 123rd auction, as auction and price.
const q2 = `root = if this.auction % 123 == 0 { {"auction": this.auction, "price": this.price} } else { deleted() }`

func main() {
	kafka := flag.String("kafka", "127.0.0.1:9092", "Kafka brokers, comma-separated")
	in := flag.String("in", "bid", "topic to read, from its start")
	out := flag.String("out", "q2_benthos", "topic to write")
	threads := flag.Int("threads", 0, "pipeline threads (0: one per core)")
	flag.Parse()
	if err := run(strings.Split(*kafka, ","), *in, *out, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "benthospeer:", err)
		os.Exit(1)
	}
}

func run(seeds []string, in, out string, threads int) error {
	env := service.NewEnvironment()
	if err := env.RegisterBatchInput("franz_in", service.NewConfigSpec(),
		func(*service.ParsedConfig, *service.Resources) (service.BatchInput, error) {
			return &franzInput{seeds: seeds, topic: in}, nil
		}); err != nil {
		return err
	}
	if err := env.RegisterBatchOutput("franz_out", service.NewConfigSpec(),
		func(*service.ParsedConfig, *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			return &franzOutput{seeds: seeds, topic: out}, service.BatchPolicy{}, 4, nil
		}); err != nil {
		return err
	}
	b := env.NewStreamBuilder()
	if threads > 0 {
		b.SetThreads(threads)
	}
	if err := b.SetYAML(`
input:
  franz_in: {}
pipeline:
  processors:
    - mapping: '` + q2 + `'
output:
  franz_out: {}
logger:
  level: WARN
metrics:
  none: {}
`); err != nil {
		return fmt.Errorf("stream config: %w", err)
	}
	stream, err := b.Build()
	if err != nil {
		return fmt.Errorf("build stream: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := stream.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// franzInput reads every partition of a topic from its start, a poll's
// records a batch. It commits nothing: the bench reads the topic once.
type franzInput struct {
	seeds []string
	topic string
	cl    *kgo.Client
}

func (f *franzInput) Connect(context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.seeds...), kgo.ConsumeTopics(f.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxPartitionBytes(8<<20), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return err
	}
	f.cl = cl
	return nil
}

func (f *franzInput) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	for {
		fs := f.cl.PollFetches(ctx)
		if fs.IsClientClosed() {
			return nil, nil, service.ErrEndOfInput
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err := fs.Err0(); err != nil {
			return nil, nil, err
		}
		batch := make(service.MessageBatch, 0, fs.NumRecords())
		fs.EachRecord(func(r *kgo.Record) {
			batch = append(batch, service.NewMessage(r.Value))
		})
		if len(batch) > 0 {
			return batch, func(context.Context, error) error { return nil }, nil
		}
	}
}

func (f *franzInput) Close(context.Context) error {
	if f.cl != nil {
		f.cl.Close()
	}
	return nil
}

// franzOutput produces each batch's messages and waits for the acks.
type franzOutput struct {
	seeds []string
	topic string
	cl    *kgo.Client
}

func (f *franzOutput) Connect(context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.seeds...), kgo.DefaultProduceTopic(f.topic),
		kgo.ProducerLinger(0))
	if err != nil {
		return err
	}
	f.cl = cl
	return nil
}

func (f *franzOutput) WriteBatch(ctx context.Context, b service.MessageBatch) error {
	recs := make([]*kgo.Record, 0, len(b))
	for _, m := range b {
		v, err := m.AsBytes()
		if err != nil {
			return err
		}
		recs = append(recs, &kgo.Record{Value: v})
	}
	return f.cl.ProduceSync(ctx, recs...).FirstErr()
}

func (f *franzOutput) Close(context.Context) error {
	if f.cl != nil {
		f.cl.Close()
	}
	return nil
}
