package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startEddyDir runs eddy with the embedded broker over a data directory
// that outlives it; stop shuts it down (as a clean restart does).
func startEddyDir(t testing.TB, dir string) (c *pgx.Conn, seeds []string, stop func()) {
	t.Helper()
	return startEddyConfig(t, config{dataDir: dir})
}

// startEddyConfig is startEddyDir with more of the configuration.
func startEddyConfig(t testing.TB, cfg config) (c *pgx.Conn, seeds []string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan endpoints, 1)
	done := make(chan error, 1)
	cfg.listen, cfg.kafkaListen, cfg.maxConnections = "127.0.0.1:0", "127.0.0.1:0", 100
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	var ep endpoints
	select {
	case ep = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("eddy did not start: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatal("eddy did not start in 90s")
	}
	c, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", ep.SQL))
	if err != nil {
		cancel()
		<-done
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		c.Close(context.Background())
		cancel()
		if err := <-done; err != nil {
			t.Errorf("eddy: %v", err)
		}
	}
	t.Cleanup(stop)
	return c, ep.Kafka, stop
}

// bids produces n JSON bids starting at id from, over 3 partitions.
func bids(t *testing.T, seeds []string, from, n int) {
	vals := make([]string, n)
	for i := range vals {
		id := from + i
		vals[i] = fmt.Sprintf(`{"auction": %d, "price": %d}`, id%7, id)
	}
	produceTo(t, seeds, "bid", 3, vals...)
}

// eventually waits until the view's rows equal the batch query's.
func eventually(t *testing.T, c *pgx.Conn, view, batch string) {
	t.Helper()
	// Generous: a loaded machine (CI shares its cores) is slow to catch up.
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, want := queryRows(t, c, view), queryRows(t, c, batch)
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("view never caught up:\n got %q\nwant %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const bidView = `SELECT auction, count(*), sum(price), max(price) FROM bid GROUP BY auction`

func TestViewOverSource(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 300)
	mustExec(t, c, `CREATE MATERIALIZED VIEW hot AS `+bidView)
	mustExec(t, c, `CREATE TABLE names (id BIGINT PRIMARY KEY, name TEXT)`)
	mustExec(t, c, `INSERT INTO names VALUES (1, 'one'), (2, 'two')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW named AS SELECT h.auction, n.name, h.count FROM hot h LEFT JOIN names n ON n.id = h.auction`)
	bids(t, seeds, 300, 300)
	mustExec(t, c, `INSERT INTO bid VALUES (100, 1)`)
	eventually(t, c, `SELECT * FROM hot ORDER BY 1`, bidView+` ORDER BY 1`)
	eventually(t, c, `SELECT * FROM named ORDER BY 1`,
		`SELECT h.auction, n.name, h.count FROM (`+bidView+`) h LEFT JOIN names n ON n.id = h.auction ORDER BY 1`)
	wantRows(t, c, `SELECT count(*), sum(count)::int8 FROM hot`, "8|601")
}

// TestViewOverSourceRestart: after a restart a view goes on from the
// offsets it committed, so no record is lost or counted twice.
func TestViewOverSourceRestart(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 200)
	mustExec(t, c, `CREATE MATERIALIZED VIEW hot AS `+bidView)
	bids(t, seeds, 200, 200)
	eventually(t, c, `SELECT * FROM hot ORDER BY 1`, bidView+` ORDER BY 1`)
	stop()
	c, seeds, _ = startEddyDir(t, dir)
	wantRows(t, c, `SELECT sum(count)::int8 FROM hot`, "400")
	bids(t, seeds, 400, 200)
	eventually(t, c, `SELECT * FROM hot ORDER BY 1`, bidView+` ORDER BY 1`)
	wantRows(t, c, `SELECT sum(count)::int8 FROM hot`, "600")
}

// TestSubscribeView: a subscription to a view gets its rows, then each
// committed change, retractions included.
func TestSubscribeView(t *testing.T) {
	dir := t.TempDir()
	c, _, _ := startEddyDir(t, dir)
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'a', 10), (2, 'b', 5)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW tot AS SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp`)
	ctx := context.Background()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DECLARE cur CURSOR FOR SUBSCRIBE (SELECT grp, s FROM tot WHERE grp = 'a')`); err != nil {
		t.Fatal(err)
	}
	fetch := func(n int) []string {
		rows, err := tx.Query(ctx, fmt.Sprintf("FETCH %d cur", n))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var ts, diff int64
			var grp string
			var s int64
			if err := rows.Scan(&ts, &diff, &grp, &s); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d %s %d", diff, grp, s))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := fetch(1); strings.Join(got, ",") != "1 a 10" {
		t.Fatalf("snapshot: %q", got)
	}
	other := connectAgain(t, c)
	mustExec(t, other, `UPDATE acct SET bal = 15 WHERE id = 1`)
	mustExec(t, other, `UPDATE acct SET bal = 1 WHERE id = 2`)
	if got := fetch(2); strings.Join(got, ",") != "-1 a 10,1 a 15" {
		t.Fatalf("change: %q", got)
	}
}

// connectAgain opens a second connection to the eddy behind c.
func connectAgain(t *testing.T, c *pgx.Conn) *pgx.Conn {
	cfg := c.Config()
	o, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://eddy@%s:%d/eddy?sslmode=disable", cfg.Host, cfg.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(context.Background()) })
	return o
}

// TestViewAfterFailedEpoch: a statement whose changes fail in a view (a
// division by zero in its query) leaves nothing behind in the view's
// operators, so the next statement's changes are all there.
func TestViewAfterFailedEpoch(t *testing.T) {
	c, _, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE t (g INT, x INT)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW v AS SELECT g, sum(100 / x)::int8 AS s FROM t GROUP BY g`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW w AS SELECT DISTINCT 100 / x AS q FROM t`)
	mustExec(t, c, `INSERT INTO t VALUES (1, 5), (2, 10)`)
	if _, err := c.Exec(context.Background(), `INSERT INTO t VALUES (1, 0), (3, 4)`); sqlState(err) != "22012" {
		t.Fatalf("division by zero: got %v", err)
	}
	mustExec(t, c, `INSERT INTO t VALUES (1, 20), (3, 4)`)
	wantRows(t, c, `SELECT * FROM v ORDER BY 1`, "1|25", "2|10", "3|25")
	wantRows(t, c, `SELECT * FROM w ORDER BY 1`, "5", "10", "20", "25")
}

// TestViewOverSourceLargePoll: a poll of records whose epoch changes more
// state than one Badger transaction holds (each record falls in 60 sliding
// windows) is committed in parts rather than failing, and retrying, for
// ever.
func TestViewOverSourceLargePoll(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE ev (k BIGINT, tm TIMESTAMP) WITH (topic = 'ev', partitions = '1')`)
	const q = `SELECT k, window_start, count(*) AS n FROM HOP(ev, tm, INTERVAL '1 second', INTERVAL '60 seconds') GROUP BY k, window_start`
	mustExec(t, c, `CREATE MATERIALIZED VIEW w AS `+q)
	vals := make([]string, 2_500)
	for i := range vals {
		vals[i] = fmt.Sprintf(`{"k": %d, "tm": "2024-01-01 00:%02d:%02d"}`, i%10, i/60%60, i%60)
	}
	produceTo(t, seeds, "ev", 1, vals...)
	eventually(t, c, `SELECT count(*), sum(n) FROM w`, `SELECT count(*), sum(n) FROM (`+q+`) q`)
}

// TestViewOverSourceEpochInterval: with an epoch interval a view gathers
// several fetches into one commit, and still takes every record once.
func TestViewOverSourceEpochInterval(t *testing.T) {
	c, seeds, _ := startEddyConfig(t, config{dataDir: t.TempDir(), epochInterval: 200 * time.Millisecond})
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW hot AS `+bidView)
	for i := 0; i < 5; i++ {
		bids(t, seeds, i*100, 100)
	}
	eventually(t, c, `SELECT * FROM hot ORDER BY 1`, bidView+` ORDER BY 1`)
	wantRows(t, c, `SELECT sum(count)::int8 FROM hot`, "500")
}

// TestViewOverRecreatedTopic: when a view's topic is deleted and created
// again, the view does not read the new records as if they followed the
// old ones: it stops, and says why, rather than serve a wrong answer.
func TestViewOverRecreatedTopic(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '1')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW n AS SELECT count(*) FROM bid`)
	one := func(n int) {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf(`{"auction": %d, "price": 1}`, i)
		}
		produceTo(t, seeds, "bid", 1, vals...)
	}
	one(5)
	eventually(t, c, `SELECT * FROM n`, `SELECT 5::int8`)

	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TopicNames = []string{"bid"}
	dt := kmsg.NewDeleteTopicsRequestTopic()
	dt.Topic = kmsg.StringPtr("bid")
	req.Topics = append(req.Topics, dt)
	req.TimeoutMillis = 5000
	if _, err := req.RequestWith(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	// A second source over the same name creates the topic anew.
	mustExec(t, c, `CREATE SOURCE bid2 (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '1')`)
	one(2)
	// The feed notices at its next fetch or retry (feedRetry is 1s).
	time.Sleep(4 * time.Second)
	wantRows(t, c, `SELECT * FROM n`, "5")
	wantRows(t, c, `SELECT count(*) FROM bid`, "2")
}

// TestRecreatedTopicWithMoreRecords: a topic deleted and created again
// that already holds more records than a reader had read is told apart by
// its topic ID, which offsets alone cannot do. The view and the topic
// table keep their last state, say why they stopped (with the SQLSTATE)
// in eddy_catalog, and still refuse after a restart.
func TestRecreatedTopicWithMoreRecords(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '1')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW n AS SELECT count(*) FROM bid`)
	mustExec(t, c, `CREATE TABLE tt (id BIGINT PRIMARY KEY, v BIGINT) WITH (topic = 'tt', format = 'json', partitions = '1')`)
	produce := func(topic string, from, n int) {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf(`{"id": %d, "auction": %d, "price": 1, "v": 1}`, from+i, from+i)
		}
		produceTo(t, seeds, topic, 1, vals...)
	}
	produce("bid", 0, 5)
	produce("tt", 0, 3)
	eventually(t, c, `SELECT * FROM n`, `SELECT 5::int8`)
	eventually(t, c, `SELECT count(*) FROM tt`, `SELECT 3::int8`)

	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	del := kmsg.NewPtrDeleteTopicsRequest()
	for _, topic := range []string{"bid", "tt"} {
		dt := kmsg.NewDeleteTopicsRequestTopic()
		dt.Topic = kmsg.StringPtr(topic)
		del.Topics = append(del.Topics, dt)
		del.TopicNames = append(del.TopicNames, topic)
	}
	del.TimeoutMillis = 5000
	if _, err := del.RequestWith(ctx, cl); err != nil {
		t.Fatal(err)
	}
	create := kmsg.NewPtrCreateTopicsRequest()
	for _, topic := range []string{"bid", "tt"} {
		ct := kmsg.NewCreateTopicsRequestTopic()
		ct.Topic, ct.NumPartitions, ct.ReplicationFactor = topic, 1, 1
		create.Topics = append(create.Topics, ct)
	}
	create.TimeoutMillis = 5000
	resp, err := create.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			t.Fatalf("create %s: %v", rt.Topic, err)
		}
	}
	// More records than were read: every offset the readers hold is in
	// the new topics.
	produce("bid", 100, 8)
	produce("tt", 100, 6)

	check := func() {
		t.Helper()
		const want = "was deleted and created again since it was read"
		deadline := time.Now().Add(60 * time.Second)
		for {
			views := queryRows(t, c, `SELECT coalesce(error, '') FROM eddy_catalog.eddy_view_sources WHERE name = 'n'`)
			tables := queryRows(t, c, `SELECT coalesce(last_error, '') FROM eddy_catalog.eddy_sources WHERE name = 'tt'`)
			if len(views) == 1 && strings.Contains(views[0], want) && strings.Contains(views[0], "SQLSTATE 55000") &&
				len(tables) == 1 && strings.Contains(tables[0], want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no error shown for the recreated topics: view %q, table %q", views, tables)
			}
			time.Sleep(100 * time.Millisecond)
		}
		wantRows(t, c, `SELECT * FROM n`, "5")
		wantRows(t, c, `SELECT count(*) FROM tt`, "3")
		wantRows(t, c, `SELECT count(*) FROM bid`, "8")
	}
	check()
	stop()
	c, _, _ = startEddyDir(t, dir)
	check()
}
