package nexmark

import (
	"bufio"
	"context"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestLatencyLineWriter(t *testing.T) {
	var got []string
	w := &lineWriter{line: func(l []byte, _ time.Time) { got = append(got, string(l)) }}
	for _, p := range []string{"1\t1\t2024-01-01 00:00:00.005\n1\t1\t2024", "-01-01 00:00:01\n"} {
		w.Write([]byte(p))
	}
	if len(got) != 2 || got[1] != "1\t1\t2024-01-01 00:00:01" {
		t.Fatalf("lines %q", got)
	}
}

// A COPY line's date_time names the event: event n is at base + n ms.
func TestLatencyReceive(t *testing.T) {
	l := &latencyRun{warmN: 50, baseMs: DefaultBaseTime.UnixMilli()}
	l.sent = make([]atomic.Int64, 100)
	l.sent[55].Store(time.Now().Add(-time.Millisecond).UnixNano())
	r := &latencyReader{}
	for _, line := range []string{
		"0\t1\t2024-01-01 00:00:00.055", // event 55, a bid
		"0\t1\t2024-01-01 00:00:00.005", // warm-up
	} {
		ms, ok := copyLineMs([]byte(line))
		if !ok {
			t.Fatalf("%q not read", line)
		}
		l.receive(r, ms, time.Now())
	}
	if len(r.lat) != 1 || r.lat[0] < time.Millisecond || r.other != 1 || r.n[0] != 55 {
		t.Fatalf("latencies %v of %v, other %d", r.lat, r.n, r.other)
	}
	for _, line := range []string{"0\t-1\t2024-01-01 00:00:00.055", "0\t1", "0\t1\tx"} {
		if _, ok := copyLineMs([]byte(line)); ok {
			t.Errorf("%q read", line)
		}
	}
}

func TestLatencyParseArrival(t *testing.T) {
	ms, at, ok := parseArrival([]byte("1704067200055 1700000000123456789"))
	if !ok || ms != 1704067200055 || at.UnixNano() != 1700000000123456789 {
		t.Fatalf("got %d %v %v", ms, at, ok)
	}
	for _, l := range []string{"", "ready", "12", "12 x", "x 12"} {
		if _, _, ok := parseArrival([]byte(l)); ok {
			t.Errorf("%q parsed", l)
		}
	}
}

// A reader process (here the baseline consumer) says it is ready, then reports each bid of the topic
// from its start by date_time, and exits when its stdin closes.
func TestLatencyConsumerProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	prod, err := kgo.NewClient(kgo.SeedBrokers(cl.ListenAddrs()...), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	if err := CreateTopic(ctx, prod, "bid", 1); err != nil {
		t.Fatal(err)
	}
	g := NewGenerator(1, DefaultBaseTime, latencyEventRate)
	var want []int64
	for n := int64(0); len(want) < 3; n++ {
		k, v := g.Append(nil, n)
		if k != Bid {
			continue
		}
		want = append(want, DefaultBaseTime.UnixMilli()+n)
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "bid", Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	stdinR, stdinW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := readerMain(ctx, stdinR, outW, func(ctx context.Context, ready func(), got func(int64, time.Time)) error {
			return consume(ctx, cl.ListenAddrs(), ready, got)
		})
		outW.Close()
		done <- err
	}()
	sc := bufio.NewScanner(outR)
	if !sc.Scan() || sc.Text() != readerReady {
		t.Fatalf("first line %q", sc.Text())
	}
	start := time.Now()
	for i, w := range want {
		if !sc.Scan() {
			t.Fatalf("line %d: %v", i, sc.Err())
		}
		ms, at, ok := parseArrival(sc.Bytes())
		if !ok || ms != w || at.Before(start.Add(-time.Minute)) || at.After(time.Now()) {
			t.Fatalf("line %q: want bid at %d", sc.Text(), w)
		}
	}
	stdinW.Close()
	go io.Copy(io.Discard, outR)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A bid's excess pairs it with the baseline's arrival of the same bid;
// bids only one reader got, and the warm-up, do not count.
func TestLatencyExcess(t *testing.T) {
	ms := time.Millisecond
	r := &latencyReader{lat: []time.Duration{9 * ms, 5 * ms, 3 * ms, 7 * ms}, n: []int64{12, 10, 11, 3}}
	base := &latencyReader{lat: []time.Duration{1 * ms, 2 * ms, 1 * ms}, n: []int64{11, 10, 3}}
	got := excess(r, base, 5)
	if want := []time.Duration{2 * ms, 3 * ms}; !slices.Equal(got, want) {
		t.Fatalf("excess %v, want %v", got, want)
	}
}
