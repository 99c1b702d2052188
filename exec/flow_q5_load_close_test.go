package exec

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
)

// TestLoadClosesWindowsInLastEpoch: a view loading a watermarked source
// closes the windows its rows passed in the load's last epoch
// (flow_watermark.go's closeAtEnd). The source's two partitions hold
// their times in opposite orders, and the smallest state cache makes the
// load many epochs, so a window closed before the last would miss rows:
// the views must still equal the same queries over a table of the same
// rows, the EOWC view hold every window the watermark closed, and the
// closed windows' state be gone when CREATE returns.
func TestLoadClosesWindowsInLastEpoch(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "ev"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	e, err := Open("", nil, WithKafka(kc.ListenAddrs()), WithStateCache(MinStateCache))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	si, err := e.Connect(ctx, "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE TABLE evt (tm timestamp, k int, pad text)`)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pad := string(bytes.Repeat([]byte("p"), 200))
	const n = 12000 // rows per partition: 2 × 12000 × ~250 bytes, several 1 MiB load chunks
	var recs []*kgo.Record
	var values []string
	for i := 0; i < n; i++ {
		for p := int32(0); p < 2; p++ {
			sec := i // partition 0 goes forward in time, 1 backward
			if p == 1 {
				sec = n - 1 - i
			}
			tm := base.Add(time.Duration(sec) * time.Second).Format("2006-01-02 15:04:05")
			k := (i*7 + int(p)) % 13
			recs = append(recs, &kgo.Record{Topic: "ev", Partition: p,
				Value: fmt.Appendf(nil, `{"tm": "%s", "k": %d, "pad": "%s"}`, tm, k, pad)})
			values = append(values, fmt.Sprintf("('%s', %d, '%s')", tm, k, pad))
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(values); i += 1000 {
		query(t, s, "INSERT INTO evt VALUES "+joinComma(values[i:min(i+1000, len(values))]))
	}
	query(t, s, `CREATE SOURCE ev (tm timestamp, k int, pad text, WATERMARK FOR tm AS tm - INTERVAL '5 seconds')
		WITH (topic = 'ev', format = 'json')`)
	const hot = `SELECT ab.k, ab.num, ab.window_start FROM (
		SELECT k, count(*) AS num, window_start, window_end
		FROM HOP(%[1]s, tm, INTERVAL '1 minute', INTERVAL '5 minutes') GROUP BY k, window_start, window_end) ab
		JOIN (SELECT max(cb.num) AS maxn, cb.window_start FROM (
			SELECT count(*) AS num, window_start FROM HOP(%[1]s, tm, INTERVAL '1 minute', INTERVAL '5 minutes')
			GROUP BY k, window_start) cb GROUP BY cb.window_start) mb
		ON ab.window_start = mb.window_start WHERE ab.num >= mb.maxn`
	const counts = `SELECT k, window_start, count(*) AS n FROM TUMBLE(%[1]s, tm, INTERVAL '1 minute') GROUP BY k, window_start`
	query(t, s, "CREATE MATERIALIZED VIEW hot AS "+fmt.Sprintf(hot, "ev"))
	query(t, s, "CREATE MATERIALIZED VIEW counts AS "+fmt.Sprintf(counts, "ev")+" EMIT ON WINDOW CLOSE")
	sameRows(t, "hot", query(t, s, "SELECT * FROM hot"), query(t, s, fmt.Sprintf(hot, "evt")))
	// The watermark is the last second less 5 s: every minute but the
	// last has closed.
	last := base.Add((n - 1) * time.Second).Truncate(time.Minute).Format("2006-01-02 15:04:05")
	sameRows(t, "counts", query(t, s, "SELECT * FROM counts"),
		query(t, s, fmt.Sprintf(counts, "evt")+" HAVING window_start < '"+last+"'"))
	// What stays of the views' state but their rows' copy counts: the
	// open windows', and a few view-wide entries.
	for _, view := range []string{"hot", "counts"} {
		rel := e.cat.Lookup("", view)
		keys := 0
		err := e.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: catalog.ObjectPrefix(catalog.PrefixState, rel.OID)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if !bytes.HasPrefix(it.Item().Key(), newViewSink(rel).counts) {
					keys++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// 200 minutes went by, a few thousand groups; open are at most 5
		// windows of 13 keys, each with a few entries per operator.
		if keys > 400 {
			t.Errorf("%s keeps %d state keys after its load: closed windows' state stays", view, keys)
		}
	}
}

func joinComma(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
	}
	return b.String()
}
