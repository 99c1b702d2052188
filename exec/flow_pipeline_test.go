package exec

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// pipelineHarness is a view mv over a source src whose own feed reads
// nothing (the topic stays empty), and a feedPipeline that runs epochs as
// if its polls had brought them: epoch x holds the row x at offset x.
type pipelineHarness struct {
	t  *testing.T
	e  *Engine
	s  *Session
	f  *dataflow
	mv *catalog.Relation
	p  *feedPipeline
}

func newPipelineHarness(t *testing.T) *pipelineHarness {
	t.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	e, err := Open("", nil, WithKafka(kc.ListenAddrs()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE SOURCE src (x BIGINT) WITH (topic = 't', format = 'json')`)
	query(t, s, `CREATE MATERIALIZED VIEW mv AS SELECT x FROM src`)
	src, mv := e.cat.Lookup("", "src"), e.cat.Lookup("", "mv")
	if err := e.flows.mu.rlock(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := e.flows.byOID[mv.OID]
	e.flows.mu.runlock()
	return &pipelineHarness{t: t, e: e, s: s, f: f, mv: mv, p: &feedPipeline{f: f, src: src}}
}

func (h *pipelineHarness) epoch(x int64) {
	h.t.Helper()
	b := &Batch{}
	b.Add(sql.Row{sql.NewInt(x), sql.Null, sql.NewInt(0), sql.NewInt(x), sql.NewTimestampTZ(0)}, 1)
	if err := h.p.feed(context.Background(), b, map[int32]int64{0: x + 1}); err != nil {
		h.t.Fatal(err)
	}
}

// waitPoll waits for the busy feed's poll context to end, and returns why.
func (h *pipelineHarness) waitPoll() error {
	h.t.Helper()
	pctx, cancel := h.p.pollContext(context.Background())
	defer cancel()
	select {
	case <-pctx.Done():
	case <-time.After(10 * time.Second):
		h.t.Fatal("the busy feed's poll did not end")
	}
	return pctx.Err()
}

// checkpoint reads, in one snapshot, the view's rows and the source
// offsets stored with them.
func (h *pipelineHarness) checkpoint() (rows, next int64) {
	h.t.Helper()
	txn := h.e.db.NewTransaction(false)
	defer txn.Discard()
	err := scanRelation(context.Background(), txn, h.mv, func(b *Batch) error {
		rows += int64(b.Len())
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	offs, err := committedOffsets(txn, h.mv.OID, h.p.src.OID)
	if err != nil {
		h.t.Fatal(err)
	}
	return rows, offs[0]
}

// TestPipelinedFeedWakesWhenCommitLands: a busy feed polls Kafka under a
// context that ends when its commit in flight lands, not on a timer, and
// what it ran is in the view once it hands off.
func TestPipelinedFeedWakesWhenCommitLands(t *testing.T) {
	h := newPipelineHarness(t)
	h.p.every = time.Nanosecond // hand off whenever the disk is free
	h.epoch(0)
	if !h.p.busy() || h.p.flight == nil {
		t.Fatal("the epoch's commit is not in flight: the view did not pipeline")
	}
	for x := int64(1); x <= 3; x++ {
		if err := h.waitPoll(); !errors.Is(err, context.Canceled) {
			t.Fatalf("the poll ended with %v, want it canceled by the commit", err)
		}
		h.epoch(x) // collects the landed commit, hands off this epoch
	}
	if err := h.p.finish(); err != nil {
		t.Fatal(err)
	}
	if got := query(t, h.s, `SELECT count(*), max(x) FROM mv`); len(got) != 1 || got[0][0].Int() != 4 || got[0][1].Int() != 3 {
		t.Fatalf("mv: %v, want 4 rows, the last 3", got)
	}
}

// TestPipelinedFeedGroupsCommits: epochs that run within
// pipelineCommitEvery of a hand-off reach the subscriptions at once but
// commit together; until then a pull query and the stored checkpoint show
// the last committed epoch, rows and offsets alike, never a part of the
// group.
func TestPipelinedFeedGroupsCommits(t *testing.T) {
	h := newPipelineHarness(t)
	h.p.every = time.Hour
	sub := &viewSub{ch: make(chan []*Batch, 16)}
	h.f.subs.mu.Lock()
	h.f.subs.subs = map[*viewSub]bool{sub: true}
	h.f.subs.mu.Unlock()

	h.epoch(0) // the first epoch after a quiet spell commits at once
	if h.p.flight == nil || h.p.handoffs != 1 {
		t.Fatalf("first epoch: %d hand-offs, in flight %v; want it handed off at once", h.p.handoffs, h.p.flight != nil)
	}
	if err := h.waitPoll(); !errors.Is(err, context.Canceled) {
		t.Fatalf("the poll ended with %v, want it canceled by the commit", err)
	}
	for x := int64(1); x <= 5; x++ {
		h.epoch(x)
	}
	if h.p.handoffs != 1 || !h.p.dirty {
		t.Fatalf("%d hand-offs (dirty %v) after 5 more epochs within the commit interval, want them held", h.p.handoffs, h.p.dirty)
	}
	if len(sub.ch) != 6 {
		t.Fatalf("the subscription has %d epochs, want all 6 published as they ran", len(sub.ch))
	}
	if rows, next := h.checkpoint(); rows != 1 || next != 1 {
		t.Fatalf("checkpoint before the grouped commit: %d rows, next offset %d; want 1 and 1", rows, next)
	}
	if got := query(t, h.s, `SELECT count(*) FROM mv`); got[0][0].Int() != 1 {
		t.Fatalf("a pull query sees %v rows, want only the committed epoch's 1", got[0][0])
	}
	// Not due yet: the feed sleeps until the interval ends, not on a timer.
	pctx, cancel := h.p.pollContext(context.Background())
	if dl, ok := pctx.Deadline(); !ok || time.Until(dl) < 30*time.Minute {
		t.Fatalf("the poll's deadline is %v (set %v), want the end of the commit interval", dl, ok)
	}
	cancel()

	h.p.every = time.Nanosecond // the interval is over
	if err := h.p.advance(false); err != nil {
		t.Fatal(err)
	}
	if h.p.handoffs != 2 {
		t.Fatalf("%d hand-offs once due, want the held epochs handed off in one", h.p.handoffs)
	}
	if err := h.p.finish(); err != nil {
		t.Fatal(err)
	}
	if rows, next := h.checkpoint(); rows != 6 || next != 6 {
		t.Fatalf("checkpoint after the grouped commit: %d rows, next offset %d; want 6 and 6", rows, next)
	}
	if h.p.handoffs != 2 {
		t.Fatalf("%d hand-offs in all, want 2", h.p.handoffs)
	}

	// A group that grows large goes before the interval ends, without
	// waiting for the disk.
	h.p.every = time.Hour
	for x := int64(6); x < 6+pipelineMaxPending/4; x++ {
		h.epoch(x)
		if !h.p.busy() {
			t.Fatalf("the feed let the view go at epoch %d", x)
		}
	}
	if h.p.handoffs < 3 {
		t.Fatalf("%d hand-offs after %d more epochs within the interval, want the large group handed off", h.p.handoffs, pipelineMaxPending/4)
	}
	if err := h.p.finish(); err != nil {
		t.Fatal(err)
	}
	if rows, next := h.checkpoint(); rows != 6+pipelineMaxPending/4 || next != rows {
		t.Fatalf("after the large group: %d rows, next offset %d; want %d", rows, next, 6+pipelineMaxPending/4)
	}
}

// TestPipelinedFeedFinishCommitsHeld: epochs held for the next grouped
// commit are committed when the feed ends (finish).
func TestPipelinedFeedFinishCommitsHeld(t *testing.T) {
	h := newPipelineHarness(t)
	h.p.every = time.Hour
	h.epoch(0)
	h.epoch(1)
	h.epoch(2)
	if rows, _ := h.checkpoint(); rows > 1 {
		t.Fatalf("%d rows committed before the interval ended, want at most the first epoch's", rows)
	}
	if err := h.p.finish(); err != nil {
		t.Fatal(err)
	}
	if h.p.busy() {
		t.Fatal("the feed still holds the view after finish")
	}
	if rows, next := h.checkpoint(); rows != 3 || next != 3 {
		t.Fatalf("after finish: %d rows, next offset %d; want 3 and 3", rows, next)
	}
}

// TestPipelinedFeedYieldsToWaiters: a busy feed keeps the view past
// pipelineHold when no one else wants it, renewing its snapshot under the
// epochs it holds (which must survive the renewal), and lets the view go,
// everything committed, when a subscription's start or DDL waits (not
// before it has held the view for pipelineHold).
func TestPipelinedFeedYieldsToWaiters(t *testing.T) {
	for _, waiter := range []string{"subscription", "ddl"} {
		t.Run(waiter, func(t *testing.T) {
			h := newPipelineHarness(t)
			h.p.every = time.Hour
			h.epoch(0)
			if err := h.waitPoll(); !errors.Is(err, context.Canceled) {
				t.Fatalf("the poll ended with %v, want it canceled by the commit", err)
			}
			h.epoch(1)
			h.epoch(2) // held
			h.p.since = time.Now().Add(-pipelineHold)
			if err := h.p.advance(false); err != nil {
				t.Fatal(err)
			}
			if !h.p.busy() || h.p.renewed != 1 || h.p.handoffs != 1 {
				t.Fatalf("after pipelineHold with no waiter: busy %v, %d renewals, %d hand-offs; want it busy, renewed once, nothing handed off",
					h.p.busy(), h.p.renewed, h.p.handoffs)
			}
			h.epoch(3) // runs over the renewed snapshot and the held epochs
			if rows, next := h.checkpoint(); rows != 1 || next != 1 {
				t.Fatalf("checkpoint while held: %d rows, next offset %d; want 1 and 1", rows, next)
			}

			got := make(chan error, 1)
			ctx := context.Background()
			var contended func() bool
			switch waiter {
			case "subscription":
				contended = h.f.mu.contended
				go func() {
					err := h.f.mu.lock(ctx)
					if err == nil {
						h.f.mu.unlock()
					}
					got <- err
				}()
			case "ddl":
				contended = h.e.flows.mu.writerWaiting
				go func() {
					err := h.e.flows.mu.lock(ctx)
					if err == nil {
						h.e.flows.mu.unlock()
					}
					got <- err
				}()
			}
			for deadline := time.Now().Add(10 * time.Second); !contended(); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the waiter does not show")
				}
			}
			h.p.locked = time.Now()
			if err := h.p.advance(false); err != nil {
				t.Fatal(err)
			}
			if !h.p.busy() {
				t.Fatal("the feed let the view go to a waiter before holding it for pipelineHold")
			}
			h.p.locked = time.Now().Add(-pipelineHold)
			if err := h.p.advance(false); err != nil {
				t.Fatal(err)
			}
			if h.p.busy() {
				t.Fatal("the feed holds the view while another waits for it")
			}
			select {
			case err := <-got:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the waiter did not get the lock")
			}
			if rows, next := h.checkpoint(); rows != 4 || next != 4 {
				t.Fatalf("after yielding: %d rows, next offset %d; want 4 and 4", rows, next)
			}
			if got := query(t, h.s, `SELECT count(DISTINCT x), min(x), max(x) FROM mv`); got[0][0].Int() != 4 || got[0][1].Int() != 0 || got[0][2].Int() != 3 {
				t.Fatalf("mv: %v, want the 4 rows 0..3", got)
			}
		})
	}
}
