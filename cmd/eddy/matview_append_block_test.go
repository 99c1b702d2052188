package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAppendBlockViewReaders: an append-only view whose rows fill several
// blocks (append_block.go) gives them all, once each, to a SUBSCRIBE's
// snapshot and to an append sink created after them, then its new rows as
// changes.
func TestAppendBlockViewReaders(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	const first, more = 4000, 500
	bids(t, seeds, 0, first)
	mustExec(t, c, `CREATE MATERIALIZED VIEW even AS SELECT auction, price FROM bid WHERE price % 2 = 0`)
	eventually(t, c, `SELECT * FROM even ORDER BY 2`, `SELECT auction, price FROM bid WHERE price % 2 = 0 ORDER BY 2`)
	mustExec(t, c, `CREATE SINK even_out FROM even WITH (topic = 'even', envelope = 'append')`)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := &lineWriter{lines: make(chan string, first+more)}
	done := make(chan error, 1)
	sub := connectAgain(t, c)
	go func() {
		_, err := sub.PgConn().CopyTo(ctx, w, `COPY (SUBSCRIBE even) TO STDOUT`)
		done <- err
	}()
	seen := map[string]int{}
	read := func(want int) {
		t.Helper()
		for n := 0; n < want; n++ {
			select {
			case l := <-w.lines:
				f := strings.Split(l, "\t")
				if len(f) != 4 || f[1] != "1" {
					t.Fatalf("line %q", l)
				}
				seen[f[3]]++
			case err := <-done:
				t.Fatalf("COPY ended: %v", err)
			case <-ctx.Done():
				t.Fatalf("%d rows of %d", n, want)
			}
		}
	}
	read(first / 2)
	bids(t, seeds, first, more)
	read(more / 2)
	for id := 0; id < first+more; id += 2 {
		if k := fmt.Sprint(id); seen[k] != 1 {
			t.Fatalf("price %s seen %d times", k, seen[k])
		}
	}
	appendValues(t, seeds, "even", evenBids(0, first+more))
}
