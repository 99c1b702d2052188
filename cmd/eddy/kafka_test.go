package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runEddy starts run() with cfg and returns what it bound; the instance stops
// at cleanup or when the returned stop is called, whichever comes first.
func runEddy(t *testing.T, cfg config) (ep endpoints, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan endpoints, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("eddy: %v", err)
		}
	}
	select {
	case ep = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("eddy did not start: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatal("eddy did not start in 90s")
	}
	t.Cleanup(stop)
	return ep, stop
}

// startError runs eddy expecting startup to fail, and returns the error.
func startError(t *testing.T, cfg config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ready := make(chan endpoints, 1)
	err := run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready)
	if err == nil {
		t.Fatal("eddy started and stopped without error; want a startup error")
	}
	return err
}

func produce(t *testing.T, seeds []string, topic string, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, v := range values {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("produce %q: %v", v, err)
		}
	}
}

// consume reads n records of topic from the start.
func consume(t *testing.T, seeds []string, topic string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var got []string
	for len(got) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %q from %s, want %d records: %v", got, topic, n, ctx.Err())
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Errorf("fetch %s/%d: %v", topic, p, err)
		})
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

func TestEmbeddedKafka(t *testing.T) {
	dir := t.TempDir()
	cfg := config{dataDir: dir, listen: "127.0.0.1:0", kafkaListen: "127.0.0.1:0"}
	ep, stop := runEddy(t, cfg)
	if len(ep.Kafka) != 1 || strings.HasSuffix(ep.Kafka[0], ":0") {
		t.Fatalf("embedded broker seeds = %v, want one bound address", ep.Kafka)
	}
	produce(t, ep.Kafka, "t", "one")
	if got := consume(t, ep.Kafka, "t", 1); got[0] != "one" {
		t.Fatalf("consumed %q, want [one]", got)
	}

	// A second eddy pointed at the first one's broker checks it and
	// does not start its own.
	ep2, _ := runEddy(t, config{dataDir: t.TempDir(), listen: "127.0.0.1:0", kafka: strings.Join(ep.Kafka, ",")})
	if strings.Join(ep2.Kafka, ",") != strings.Join(ep.Kafka, ",") {
		t.Fatalf("with --kafka, seeds = %v, want %v", ep2.Kafka, ep.Kafka)
	}

	// The broker's log lives under the data directory and outlives eddy.
	stop()
	if _, err := os.Stat(dir + "/kafka"); err != nil {
		t.Fatalf("no broker state under the data directory: %v", err)
	}
	ep, _ = runEddy(t, cfg)
	if got := consume(t, ep.Kafka, "t", 1); got[0] != "one" {
		t.Fatalf("after restart consumed %q, want [one]", got)
	}
}

// TestKcat is interop with a real Kafka client outside Go: CI installs kcat.
func TestKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("did not run: kcat is not installed (CI installs it)")
	}
	ep, _ := runEddy(t, config{dataDir: t.TempDir(), listen: "127.0.0.1:0", kafkaListen: "127.0.0.1:0"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcat, "-b", ep.Kafka[0], "-t", "t", "-P")
	cmd.Stdin = strings.NewReader("from kcat\nsecond\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	got := consume(t, ep.Kafka, "t", 2)
	if strings.Join(got, "|") != "from kcat|second" {
		t.Fatalf("consumed %q, want [from kcat second]", got)
	}
}

func TestKafkaStartupErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = startError(t, config{dataDir: t.TempDir(), listen: "127.0.0.1:0", kafkaListen: taken.Addr().String()})
	if !strings.Contains(err.Error(), "--kafka-listen") || !strings.Contains(err.Error(), "in use") {
		t.Errorf("port taken: error %q should say it is in use and name --kafka-listen", err)
	}

	// A port that was just free: nothing answers there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	err = startError(t, config{dataDir: t.TempDir(), listen: "127.0.0.1:0", kafka: dead})
	if !strings.Contains(err.Error(), "not reachable") || !strings.Contains(err.Error(), "--kafka") {
		t.Errorf("unreachable cluster: error %q should say so and name --kafka", err)
	}
}
