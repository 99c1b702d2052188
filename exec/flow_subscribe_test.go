package exec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// TestSubscriptionEndsWhenCommitFails: a source-fed epoch reaches the
// subscriptions before its commit; if the commit then fails, they end with
// an error rather than see the epoch's changes again when it is retried.
func TestSubscriptionEndsWhenCommitFails(t *testing.T) {
	f := &dataflow{rel: &catalog.Relation{Name: "v"}}
	sub := &viewSub{ch: make(chan []*Batch, 4)}
	f.subs.subs = map[*viewSub]bool{sub: true}
	b := &Batch{Rows: []sql.Row{{sql.NewInt(1)}}, Diffs: []int64{1}}
	v := &viewTxn{outs: map[*dataflow][]*Batch{f: {b}}}
	v.publishSubscribers()
	v.endSubscriptions(errors.New("disk full"))
	if len(f.subs.subs) != 0 {
		t.Fatal("subscription still registered")
	}
	o := &viewTailOp{rel: f.rel, t: &subscribeTail{}, sub: sub, started: true}
	got, err := o.Next(context.Background())
	if err != nil || got != b {
		t.Fatalf("first Next = %v, %v; want the published batch", got, err)
	}
	if got, err := o.Next(context.Background()); got != nil || err != nil {
		t.Fatalf("second Next = %v, %v; want the end of the epoch", got, err)
	}
	_, err = o.Next(context.Background())
	var se *sql.Error
	if !errors.As(err, &se) || !strings.Contains(se.Message, "failed to commit") || !strings.Contains(se.Message, "disk full") {
		t.Fatalf("third Next error = %v; want the failed commit", err)
	}
}
