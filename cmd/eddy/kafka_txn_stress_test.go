package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestEmbeddedKafkaTxnStress: transactions of one transactional id,
// committed and aborted in random order, some right after an abort of the
// same producer (a sink's abortLeftOpen), across clean restarts of the
// embedded broker and crashes (kill -9: its files as they are) with a
// transaction open. A read_committed consumer running alongside, and one
// reading from the start after each restart, get exactly the committed
// records, in order.
func TestEmbeddedKafkaTxnStress(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	cfg := config{dataDir: dir, kafkaListen: "127.0.0.1:0"}
	seeds, stop, err := startKafka(ctx, cfg, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	createTopic(t, seeds, "crash_txn")
	var committed []string
	n := 0
	for round := 0; round < 6; round++ {
		// A reader running alongside, from the start.
		var wg sync.WaitGroup
		rctx, rcancel := context.WithCancel(ctx)
		var mu sync.Mutex
		var live []string
		liveLen := func() int {
			mu.Lock()
			defer mu.Unlock()
			return len(live)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, _ := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics("crash_txn"),
				kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
			defer cl.Close()
			for rctx.Err() == nil {
				pctx, c := context.WithTimeout(rctx, 200*time.Millisecond)
				fs := cl.PollFetches(pctx)
				mu.Lock()
				fs.EachRecord(func(r *kgo.Record) { live = append(live, string(r.Value)) })
				mu.Unlock()
				c()
			}
		}()
		for step := 0; step < 15; step++ {
			// Each transaction has a client of its own, as a sink's
			// abortLeftOpen does: aborting and then committing with one
			// client sometimes fails the commit's produce with
			// OUT_OF_ORDER_SEQUENCE_NUMBER, which eddy never meets.
			if rng.IntN(3) == 0 {
				a := txnProducer(t, seeds)
				txn(t, a, kgo.TryAbort, "abort")
				a.Close()
			}
			if rng.IntN(4) == 0 {
				continue
			}
			var vs []string
			for range 1 + rng.IntN(4) {
				n++
				vs = append(vs, fmt.Sprint(n))
			}
			p := txnProducer(t, seeds)
			txn(t, p, kgo.TryCommit, vs...)
			p.Close()
			committed = append(committed, vs...)
		}
		p := txnProducer(t, seeds)
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		produceValues(t, p, "open", "open")
		crash := rng.IntN(2) == 0
		next := dir
		if crash {
			next = filepath.Join(t.TempDir(), "crashed")
			if err := os.CopyFS(next, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
		} else if err := p.EndTransaction(ctx, kgo.TryAbort); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for liveLen() < len(committed) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		rcancel()
		wg.Wait()
		if !slices.Equal(live, committed) {
			t.Fatalf("round %d: live reader got %v, want %v", round, live, committed)
		}
		p.Close()
		stop()
		dir = next
		cfg.dataDir = dir
		if seeds, stop, err = startKafka(ctx, cfg, nil, log); err != nil {
			t.Fatal(err)
		}
		if got := readCommittedValues(t, seeds, len(committed)); !slices.Equal(got, committed) {
			t.Fatalf("round %d (crash %v): read_committed got %v, want %v", round, crash, got, committed)
		}
	}
	stop()
}
