package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startEddyKafka runs eddy with the embedded broker on a free port, all in
// memory, and returns a connection and the broker's address.
func startEddyKafka(t testing.TB) (*pgx.Conn, []string) {
	t.Helper()
	c, seeds, _ := startEddyConfig(t, config{})
	return c, seeds
}

// produceTo writes values to a topic's partitions round-robin.
func produceTo(t testing.TB, seeds []string, topic string, partitions int32, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: int32(i) % partitions, Value: []byte(v)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// queryRows returns the query's rows as "a|b" strings.
func queryRows(t testing.TB, c *pgx.Conn, q string) []string {
	t.Helper()
	rs, err := c.Query(context.Background(), q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func wantRows(t testing.TB, c *pgx.Conn, q string, want ...string) {
	t.Helper()
	got := queryRows(t, c, q)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", q, got, want)
	}
}

func TestSourceBatch(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price NUMERIC, channel TEXT,
		date_time TIMESTAMP, extra JSONB, WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
		WITH (topic = 'bid', format = 'json', partitions = '4')`)
	var recs []string
	for i := 1; i <= 100; i++ {
		recs = append(recs, fmt.Sprintf(`{"auction": %d, "bidder": %d, "price": %d.25, "channel": "c%d",
			"date_time": "2024-01-01 00:00:%02d", "extra": {"n": [%d]}, "ignored": {"deep": [1, "x"]}}`, i%5, i, i, i%3, i%60, i))
	}
	produceTo(t, seeds, "bid", 4, recs...)

	wantRows(t, c, `SELECT count(*), sum(price)::text, min(date_time), max(auction) FROM bid`,
		"100|5075.00|2024-01-01 00:00:00 +0000 UTC|4")
	wantRows(t, c, `SELECT auction, count(*) FROM bid WHERE price > 50 GROUP BY auction ORDER BY auction`,
		"0|11", "1|10", "2|10", "3|10", "4|10")
	wantRows(t, c, `SELECT bidder, price::text, channel, extra->'n' FROM bid WHERE bidder = 7`, "7|7.25|c1|[7]")
	// SELECT * shows only declared columns; metadata answers to its name.
	wantRows(t, c, `SELECT * FROM bid WHERE bidder = 3`,
		"3|3|{325 -2 false finite true}|c0|2024-01-01 00:00:03 +0000 UTC|map[n:[3]]")
	wantRows(t, c, `SELECT count(DISTINCT _partition), min(_offset), max(_offset), count(_key), count(_timestamp) FROM bid`,
		"4|0|24|0|100")
	wantRows(t, c, `SELECT b._partition, count(*) FROM bid b GROUP BY 1 ORDER BY 1`, "0|25", "1|25", "2|25", "3|25")
	// LIMIT abandons the scan midway; its goroutines must not outlive it.
	wantRows(t, c, `SELECT count(*) FROM (SELECT _offset FROM bid LIMIT 3) x`, "3")
	wantRows(t, c, `SELECT 1 FROM bid LIMIT 1`, "1")

	// A join between a source and a table, in batch.
	mustExec(t, c, `CREATE TABLE auction (id BIGINT PRIMARY KEY, name TEXT)`)
	mustExec(t, c, `INSERT INTO auction VALUES (1, 'one'), (2, 'two')`)
	wantRows(t, c, `SELECT a.name, count(*), sum(b.price)::text FROM bid b JOIN auction a ON a.id = b.auction GROUP BY a.name ORDER BY 1`,
		"one|20|975.00", "two|20|995.00")

	wantRows(t, c, `SHOW SOURCES`, "bid")
	wantRows(t, c, `SELECT relname, relkind FROM pg_class WHERE relname = 'bid'`, "bid|114")
	wantRows(t, c, `SELECT name, topic, format, records_skipped FROM eddy_catalog.eddy_sources`, "bid|bid|json|0")
}

// TestSourceTimeWindows runs TUMBLE and HOP over a source in batch.
func TestSourceTimeWindows(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP,
		WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
		WITH (topic = 'bid', format = 'json', partitions = '2')`)
	var recs []string
	for i := 1; i <= 100; i++ {
		recs = append(recs, fmt.Sprintf(`{"auction": %d, "price": %d, "date_time": "2024-01-01 00:00:%02d"}`, i%5, i, i%60))
	}
	produceTo(t, seeds, "bid", 2, recs...)

	// Seconds 1-59 then 0-40: 19 rows in [0, 10), 11 in [40, 50).
	wantRows(t, c, `SELECT extract(second FROM window_start)::int, count(*) FROM TUMBLE(bid, date_time, INTERVAL '10 seconds') GROUP BY 1 ORDER BY 1`,
		"0|19", "10|20", "20|20", "30|20", "40|11", "50|10")
	wantRows(t, c, `SELECT count(*), count(DISTINCT window_start) FROM HOP(bid, date_time, INTERVAL '5 seconds', INTERVAL '10 seconds')`, "200|13")
	// * leaves out the record's metadata; it is still there by name.
	wantRows(t, c, `SELECT * FROM TUMBLE(bid, date_time, INTERVAL '1 minute') WHERE price = 7`,
		"2|7|2024-01-01 00:00:07 +0000 UTC|2024-01-01 00:00:00 +0000 UTC|2024-01-01 00:01:00 +0000 UTC")
	wantRows(t, c, `SELECT count(DISTINCT w._partition) FROM HOP(bid, date_time, INTERVAL '30 seconds', INTERVAL '1 minute') w`, "2")
}

func TestSourceMalformed(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE s (id INT, v TEXT) WITH (topic = 's')`)
	mustExec(t, c, `CREATE SOURCE s_strict (id INT, v TEXT) WITH (topic = 's', on_error = 'fail', create_topic = 'false')`)
	produceTo(t, seeds, "s", 1,
		`{"id": 1, "v": "a"}`, `not json`, `{"id": "x"}`, `{"id": 99999999999}`, `{"id": 2, "v": "b\u00e9\n"}`,
		`null`, `[1]`, `{"id": 3}`)
	wantRows(t, c, `SELECT id, v FROM s ORDER BY id`, "1|a", "2|bé\n", "3|<nil>", "<nil>|<nil>")
	wantRows(t, c, `SELECT records_read, records_skipped FROM eddy_catalog.eddy_sources WHERE name = 's'`, "8|4")

	_, err := c.Exec(context.Background(), `SELECT count(*) FROM s_strict`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "22P02" || !strings.Contains(pe.Detail, "partition 0, offset 1") {
		t.Fatalf("on_error = 'fail': got %v (%+v), want 22P02 at partition 0, offset 1", err, pe)
	}

	if _, err := c.Exec(context.Background(), `CREATE SOURCE nope (a INT) WITH (topic = 'missing', create_topic = 'false')`); err == nil {
		t.Error("CREATE SOURCE over a missing topic with create_topic = false succeeded")
	}
	if _, err := c.Exec(context.Background(), `CREATE SOURCE bad (_offset INT) WITH (topic = 'x')`); err == nil {
		t.Error("a column named _offset was accepted")
	}
	mustExec(t, c, `DROP SOURCE s_strict`)
	mustExec(t, c, `DROP SOURCE IF EXISTS s_strict`)
	wantRows(t, c, `SHOW SOURCES`, "s")
}

func TestSourceInsert(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE ev (id INT, name TEXT, at TIMESTAMPTZ, amount NUMERIC, tags JSONB, ok BOOLEAN)
		WITH (topic = 'ev', partitions = '4')`)
	mustExec(t, c, `INSERT INTO ev VALUES (1, 'a "q"', '2024-05-01 10:00:00+00', 1.50, '{"k": [1, 2]}', true),
		(2, NULL, NULL, 'NaN', NULL, false)`)
	mustExec(t, c, `INSERT INTO ev (id, name) SELECT g, 'g' || g FROM generate_series(3, 10) g`)
	wantRows(t, c, `SELECT id, name, at, amount::text, tags->>'k', ok FROM ev WHERE id <= 2 ORDER BY id`,
		`1|a "q"|2024-05-01 10:00:00 +0000 UTC|1.50|[1, 2]|true`, "2|<nil>|<nil>|NaN|<nil>|false")
	wantRows(t, c, `SELECT count(*), sum(id) FROM ev`, "10|55")
	// The records are plain JSON objects for other consumers.
	got := consume(t, seeds, "ev", 10)
	found := false
	for _, v := range got {
		if v == `{"id":3,"name":"g3","at":null,"amount":null,"tags":null,"ok":null}` {
			found = true
		}
	}
	if !found {
		t.Errorf("records on the topic: %q", got)
	}
	// Text and CSV sources read what is produced to them.
	mustExec(t, c, `CREATE SOURCE lines (line TEXT) WITH (topic = 'lines', format = 'text')`)
	mustExec(t, c, `INSERT INTO lines VALUES ('hello'), ('world')`)
	wantRows(t, c, `SELECT line FROM lines ORDER BY line`, "hello", "world")
	mustExec(t, c, `CREATE SOURCE pts (x INT, label TEXT) WITH (topic = 'pts', format = 'csv')`)
	mustExec(t, c, `INSERT INTO pts VALUES (1, 'a,b'), (2, NULL)`)
	wantRows(t, c, `SELECT x, label FROM pts ORDER BY x`, "1|a,b", "2|<nil>")
}

func TestSourceKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("did not run: kcat is not installed (CI installs it)")
	}
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE k (a INT, b TEXT) WITH (topic = 'k')`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcat, "-b", seeds[0], "-t", "k", "-P", "-K", ":")
	cmd.Stdin = strings.NewReader("k1:{\"a\": 1, \"b\": \"x\"}\nk2:{\"a\": 2, \"b\": \"y\"}\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	wantRows(t, c, `SELECT a, b, encode(_key, 'escape') FROM k ORDER BY a`, "1|x|k1", "2|y|k2")
}

func TestSourceWithoutKafka(t *testing.T) {
	c, err := pgx.Connect(context.Background(), startEddy(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	_, err = c.Exec(context.Background(), `CREATE SOURCE s (a INT) WITH (topic = 's')`)
	if err == nil || !strings.Contains(err.Error(), "Kafka is not available") {
		t.Fatalf("CREATE SOURCE without Kafka: %v", err)
	}
}
