package exec

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/sql"
)

// pipelineRig is an append-only view over a source at the smallest state
// cache, whose Badger transactions take about 600 KB, and a pipeline that
// runs epochs of wide rows into it as if its polls had brought them.
func pipelineRig(t *testing.T) (*Session, *feedPipeline, func(first, n int64) error) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	e, err := Open("", nil, WithKafka(kc.ListenAddrs()), WithStateCache(MinStateCache))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE SOURCE src (x BIGINT, s TEXT) WITH (topic = 't', format = 'json')`)
	query(t, s, `CREATE MATERIALIZED VIEW mv AS SELECT x, s FROM src`)
	src, mv := e.cat.Lookup("", "src"), e.cat.Lookup("", "mv")
	ctx := context.Background()
	if err := e.flows.mu.rlock(ctx); err != nil {
		t.Fatal(err)
	}
	f := e.flows.byOID[mv.OID]
	e.flows.mu.runlock()
	p := &feedPipeline{f: f, src: src}
	wide := strings.Repeat("w", 240)
	epoch := func(first, n int64) error {
		b := &Batch{}
		for x := first; x < first+n; x++ {
			b.Add(sql.Row{sql.NewInt(x), sql.NewText(wide), sql.Null, sql.NewInt(0), sql.NewInt(x), sql.NewTimestampTZ(0)}, 1)
		}
		return p.feed(ctx, b, map[int32]int64{0: first + n})
	}
	return s, p, epoch
}

// TestPipelinedEpochTooBigForOneCommit: at the smallest state cache, a
// pipelined epoch of the most rows a busy feed runs (4096 rows of 250
// bytes, about 1 MB) does not fit in one Badger transaction. It commits
// all the same (split as feedBatch splits), instead of failing the feed,
// which then retried from its offsets, ending the view's subscriptions.
func TestPipelinedEpochTooBigForOneCommit(t *testing.T) {
	s, p, epoch := pipelineRig(t)
	if err := epoch(0, pipelineMaxRows); err != nil {
		t.Fatal(err)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if got := query(t, s, `SELECT count(*) FROM mv`); got[0][0].Int() != pipelineMaxRows {
		t.Fatalf("mv has %d rows, want %d", got[0][0].Int(), pipelineMaxRows)
	}
}

// TestPipelinedEpochsPileUpWithinOneCommit: epochs that pile up behind a
// slow commit go in the next one, which must fit in one Badger
// transaction; at the smallest state cache, well under the 2 MiB the
// pipeline allowed.
func TestPipelinedEpochsPileUpWithinOneCommit(t *testing.T) {
	s, p, epoch := pipelineRig(t)
	if err := epoch(0, 1); err != nil {
		t.Fatal(err)
	}
	if p.flight == nil {
		t.Fatal("the epoch's commit is not in flight: the view did not pipeline")
	}
	// The commit stays in flight for a second: the epochs pile up until
	// the feed waits for it.
	real, held := p.flight, make(chan error, 1)
	p.flight = held
	go func() {
		err := <-real
		time.Sleep(time.Second)
		held <- err
	}()
	next := int64(1)
	for range 24 {
		if err := epoch(next, 400); err != nil {
			t.Fatalf("after %d rows: %v", next, err)
		}
		next += 400
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if got := query(t, s, `SELECT count(*) FROM mv`); got[0][0].Int() != next {
		t.Fatalf("mv has %d rows, want %d", got[0][0].Int(), next)
	}
}
