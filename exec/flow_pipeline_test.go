package exec

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/sql"
)

// TestPipelinedFeedWakesWhenCommitLands: a busy feed polls Kafka under a
// context that ends when its commit in flight lands, not on a timer, and
// what it ran is in the view once it hands off.
func TestPipelinedFeedWakesWhenCommitLands(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	e, err := Open("", nil, WithKafka(kc.ListenAddrs()))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE SOURCE src (x BIGINT) WITH (topic = 't', format = 'json')`)
	query(t, s, `CREATE MATERIALIZED VIEW mv AS SELECT x FROM src`)
	src, mv := e.cat.Lookup("", "src"), e.cat.Lookup("", "mv")
	ctx := context.Background()
	if err := e.flows.mu.rlock(ctx); err != nil {
		t.Fatal(err)
	}
	f := e.flows.byOID[mv.OID]
	e.flows.mu.runlock()

	// The view's own feed reads nothing (the topic stays empty); this one
	// runs epochs as if its polls had brought them.
	p := &feedPipeline{f: f, src: src}
	epoch := func(x int64) {
		t.Helper()
		b := &Batch{}
		b.Add(sql.Row{sql.NewInt(x), sql.Null, sql.NewInt(0), sql.NewInt(x), sql.NewTimestampTZ(0)}, 1)
		if err := p.feed(ctx, b, map[int32]int64{0: x + 1}); err != nil {
			t.Fatal(err)
		}
	}
	epoch(0)
	if !p.busy() || p.flight == nil {
		t.Fatal("the epoch's commit is not in flight: the view did not pipeline")
	}
	for x := int64(1); x <= 3; x++ {
		pctx, cancel := p.pollContext(ctx)
		select {
		case <-pctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the poll did not end when the commit landed")
		}
		cancel()
		if !errors.Is(pctx.Err(), context.Canceled) {
			t.Fatalf("the poll ended with %v, want it canceled by the commit", pctx.Err())
		}
		epoch(x) // collects the landed commit, hands off this epoch
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if got := query(t, s, `SELECT count(*), max(x) FROM mv`); len(got) != 1 || got[0][0].Int() != 4 || got[0][1].Int() != 3 {
		t.Fatalf("mv: %v, want 4 rows, the last 3", got)
	}
}
