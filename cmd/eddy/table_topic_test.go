package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kv is a record for produceKeyed: a nil value is a tombstone, an empty
// key no key.
type kv struct{ key, value string }

func tomb(key string) kv { return kv{key: key, value: "\x00tomb"} }

// produceKeyed writes keyed records to partition p of a topic, in order.
func produceKeyed(t testing.TB, seeds []string, topic string, p int32, recs ...kv) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	out := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		rec := &kgo.Record{Topic: topic, Partition: p}
		if r.key != "" {
			rec.Key = []byte(r.key)
		}
		if r.value != "\x00tomb" {
			rec.Value = []byte(r.value)
		}
		out[i] = rec
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, out...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func wantCode(t *testing.T, c *pgx.Conn, q, code string) *pgconn.PgError {
	t.Helper()
	_, err := c.Exec(context.Background(), q)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("%s: got %v, want SQLSTATE %s", q, err, code)
	}
	return pe
}

// TestTopicTable: a table over a topic holds the last record per key; a
// tombstone deletes; views over it follow, and a restart resumes from the
// committed offsets.
func TestTopicTable(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE TABLE person (id BIGINT PRIMARY KEY, name TEXT, city TEXT)
		WITH (topic = 'person', format = 'json', partitions = '2')`)
	mustExec(t, c, `CREATE TABLE city (name TEXT PRIMARY KEY, country TEXT)`)
	mustExec(t, c, `INSERT INTO city VALUES ('Paris', 'FR'), ('Oslo', 'NO')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW per_city AS SELECT city, count(*) AS n FROM person GROUP BY city`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW per_country AS
		SELECT c.country, count(*) AS n FROM person p JOIN city c ON c.name = p.city GROUP BY c.country`)

	produceKeyed(t, seeds, "person", 0,
		kv{`{"id": 1}`, `{"name": "ann", "city": "Paris"}`},   // key object; id from the key
		kv{`2`, `{"id": 2, "name": "bo", "city": "Oslo"}`},    // bare scalar key
		kv{``, `{"id": 3, "name": "cy", "city": "Paris"}`},    // no key: the value's id
		kv{`{"id": 1}`, `{"name": "ann", "city": "Oslo"}`},    // upsert: ann moves
		kv{`3`, `{"id": 99, "name": "cy2", "city": "Paris"}`}, // the key wins over the value's id
		tomb(`2`),                // bo is deleted
		kv{``, `not json`},       // skipped
		tomb(``),                 // a tombstone without key: skipped
		kv{`{"id": null}`, `{}`}, // a null key: skipped
	)
	produceKeyed(t, seeds, "person", 1, kv{`"4"`, `{"name": "dee", "city": "Oslo"}`}, kv{`5`, `null`})
	waitRows(t, c, `SELECT id, name, city FROM person ORDER BY id`, "1|ann|Oslo", "3|cy2|Paris", "4|dee|Oslo")
	wantRows(t, c, `SELECT name FROM person WHERE id = 3`, "cy2") // a point lookup
	waitRows(t, c, `SELECT city, n FROM per_city ORDER BY city`, "Oslo|2", "Paris|1")
	wantRows(t, c, `SELECT country, n FROM per_country ORDER BY country`, "FR|1", "NO|2")
	wantRows(t, c, `SELECT p.name, c.country FROM person p JOIN city c ON c.name = p.city ORDER BY 1`, "ann|NO", "cy2|FR", "dee|NO")
	wantRows(t, c, `SELECT records_read, records_skipped, kind FROM eddy_catalog.eddy_sources WHERE name = 'person'`, "11|3|table")
	wantRows(t, c, `SELECT relkind FROM pg_class WHERE relname = 'person'`, "114")
	wantRows(t, c, `SELECT table_type FROM information_schema.tables WHERE table_name = 'person'`, "BASE TABLE")

	// The topic is the table's only writer.
	for _, q := range []string{`INSERT INTO person VALUES (9, 'x', 'y')`, `UPDATE person SET name = 'x'`,
		`DELETE FROM person`, `TRUNCATE person`} {
		wantCode(t, c, q, "0A000")
	}
	wantCode(t, c, `CREATE TABLE nokey (a INT) WITH (topic = 'nokey')`, "42P16")
	wantCode(t, c, `CREATE TABLE tu (a INT PRIMARY KEY, b INT UNIQUE) WITH (topic = 'tu')`, "0A000")
	wantCode(t, c, `CREATE TABLE tf (a INT PRIMARY KEY) WITH (topic = 'tf', format = 'text')`, "0A000")
	wantCode(t, c, `CREATE TABLE kid (id INT PRIMARY KEY, p BIGINT REFERENCES person)`, "0A000")

	// A source over the same topic writes to the table (keyed by the value).
	mustExec(t, c, `CREATE SOURCE person_in (id BIGINT, name TEXT, city TEXT) WITH (topic = 'person', create_topic = 'false')`)
	mustExec(t, c, `INSERT INTO person_in VALUES (6, 'eve', 'Paris')`)
	waitRows(t, c, `SELECT city, n FROM per_city ORDER BY city`, "Oslo|2", "Paris|2")

	// A restart resumes from the committed offsets: nothing twice.
	stop()
	c, seeds, stop = startEddyDir(t, dir)
	produceKeyed(t, seeds, "person", 1, tomb(`4`), kv{`7`, `{"name": "fay", "city": "Paris"}`})
	waitRows(t, c, `SELECT id, name FROM person ORDER BY id`, "1|ann", "3|cy2", "6|eve", "7|fay")
	waitRows(t, c, `SELECT city, n FROM per_city ORDER BY city`, "Oslo|1", "Paris|3")
	wantRows(t, c, `SELECT records_read FROM eddy_catalog.eddy_sources WHERE name = 'person'`, "2")

	// DROP TABLE stops the ingest.
	mustExec(t, c, `DROP TABLE person CASCADE`)
	produceKeyed(t, seeds, "person", 0, kv{`8`, `{"name": "gus"}`})
	mustExec(t, c, `CREATE TABLE person (id BIGINT PRIMARY KEY, name TEXT) WITH (topic = 'person', start = 'latest')`)
	produceKeyed(t, seeds, "person", 0, kv{`9`, `{"name": "hal"}`})
	waitRows(t, c, `SELECT id, name FROM person`, "9|hal")
	stop()
}

// consumeRecords reads n records of a topic from its start.
func consumeRecords(t *testing.T, seeds []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d records from %s, want %d: %v", len(got), topic, n, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r) })
	}
	return got
}

// topicEnd is the end offset of a one-partition topic.
func topicEnd(t *testing.T, seeds []string, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for p := range int32(1) {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, -1, -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if rp.ErrorCode == 0 {
				n += rp.Offset
			}
		}
	}
	return n
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// TestDeadLetter: records that do not decode go to the dead-letter topic
// from continuous readers (a view's feed, a topic table's ingest), never
// from batch queries, which skip them.
func TestDeadLetter(t *testing.T) {
	c, seeds := startEddyKafka(t)
	wantCode(t, c, `CREATE SOURCE s0 (a INT) WITH (on_error = 'dead_letter')`, "22023")
	mustExec(t, c, `CREATE SOURCE s (id INT, v TEXT) WITH (topic = 's', on_error = 'dead_letter', dead_letter_topic = 's_dlq')`)
	produceKeyed(t, seeds, "s", 0, kv{"", `{"id": 1, "v": "a"}`}, kv{"k1", `not json`}, kv{"", `{"id": "x"}`})
	wantRows(t, c, `SELECT id, v FROM s`, "1|a")
	wantRows(t, c, `SELECT id, v FROM s`, "1|a")
	if n := topicEnd(t, seeds, "s_dlq"); n != 0 {
		t.Fatalf("batch queries dead-lettered %d records", n)
	}
	wantRows(t, c, `SELECT records_skipped, dead_lettered FROM eddy_catalog.eddy_sources WHERE name = 's'`, "4|0")

	mustExec(t, c, `CREATE MATERIALIZED VIEW sv AS SELECT count(*) AS n, sum(id) AS s FROM s`)
	produceKeyed(t, seeds, "s", 0, kv{"", `{"id": 2}`}, kv{"k2", `{"id": 99999999999}`})
	waitRows(t, c, `SELECT n, s FROM sv`, "2|3")
	waitRows(t, c, `SELECT dead_lettered FROM eddy_catalog.eddy_sources WHERE name = 's'`, "3")
	recs := consumeRecords(t, seeds, "s_dlq", 3)
	r := recs[0]
	if string(r.Key) != "k1" || string(r.Value) != "not json" || header(r, "eddy-source-topic") != "s" ||
		header(r, "eddy-source-partition") != "0" || header(r, "eddy-source-offset") != "1" ||
		header(r, "eddy-reader") != "sv" || header(r, "eddy-error") == "" {
		t.Errorf("dead letter: key %q value %q headers %v", r.Key, r.Value, r.Headers)
	}
	if string(recs[2].Key) != "k2" || header(recs[2], "eddy-source-offset") != "4" {
		t.Errorf("dead letter from the feed: key %q headers %v", recs[2].Key, recs[2].Headers)
	}

	// A topic table dead-letters what its ingest cannot use.
	mustExec(t, c, `CREATE TABLE p (id INT PRIMARY KEY, v TEXT NOT NULL)
		WITH (topic = 'p', on_error = 'dead_letter', dead_letter_topic = 'p_dlq')`)
	produceKeyed(t, seeds, "p", 0, kv{"1", `{"v": "a"}`}, kv{"2", `{}`}, tomb(""), kv{"3", `{"v": "c"}`})
	waitRows(t, c, `SELECT id, v FROM p ORDER BY id`, "1|a", "3|c")
	waitRows(t, c, `SELECT dead_lettered, records_skipped FROM eddy_catalog.eddy_sources WHERE name = 'p'`, "2|0")
	recs = consumeRecords(t, seeds, "p_dlq", 2)
	if header(recs[0], "eddy-source-offset") != "1" || !strings.Contains(header(recs[0], "eddy-error"), "not-null") ||
		header(recs[1], "eddy-source-offset") != "2" || recs[1].Value != nil {
		t.Errorf("topic table dead letters: %v / %v", recs[0].Headers, recs[1].Headers)
	}
}

// TestStartTimestamp: start = a timestamp reads from each partition's
// first record stamped at or after it.
func TestStartTimestamp(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE ev (n INT) WITH (topic = 'ev', partitions = '2')`)
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []*kgo.Record
	for i := range 10 { // hours -5 .. 4 around base, alternating partitions
		recs = append(recs, &kgo.Record{Topic: "ev", Partition: int32(i % 2), Value: []byte(fmt.Sprintf(`{"n": %d}`, i-5)),
			Timestamp: base.Add(time.Duration(i-5) * time.Hour)})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `CREATE SOURCE ev_new (n INT) WITH (topic = 'ev', create_topic = 'false', start = '2026-01-01 00:00:00+00')`)
	wantRows(t, c, `SELECT n FROM ev_new ORDER BY n`, "0", "1", "2", "3", "4")
	mustExec(t, c, fmt.Sprintf(`CREATE SOURCE ev_ms (n INT) WITH (topic = 'ev', create_topic = 'false', start = '%d')`,
		base.Add(2*time.Hour).UnixMilli()))
	wantRows(t, c, `SELECT n FROM ev_ms ORDER BY n`, "2", "3", "4")
	mustExec(t, c, `CREATE SOURCE ev_none (n INT) WITH (topic = 'ev', create_topic = 'false', start = '2030-01-01 00:00:00+00')`)
	wantRows(t, c, `SELECT count(*) FROM ev_none`, "0")
	wantCode(t, c, `CREATE SOURCE bad (n INT) WITH (topic = 'ev', start = 'yesterday-ish')`, "22023")

	// A view and a topic table start there too.
	mustExec(t, c, `CREATE MATERIALIZED VIEW ev_v AS SELECT count(*) AS c, sum(n) AS s FROM ev_new`)
	wantRows(t, c, `SELECT c, s FROM ev_v`, "5|10")
	mustExec(t, c, `CREATE TABLE ev_t (n INT PRIMARY KEY) WITH (topic = 'ev', create_topic = 'false', start = '2026-01-01 01:00:00Z')`)
	waitRows(t, c, `SELECT n FROM ev_t ORDER BY n`, "1", "2", "3", "4")
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "ev", Value: []byte(`{"n": 10}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	waitRows(t, c, `SELECT c, s FROM ev_v`, "6|20")
	waitRows(t, c, `SELECT count(*) FROM ev_t`, "5")
}

// TestCopyIntoSource: COPY FROM STDIN into a source produces its rows to
// the topic in the source's format.
func TestCopyIntoSource(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE ev (id INT, name TEXT, amount NUMERIC) WITH (topic = 'ev')`)
	n, err := copyIn(t, c, "COPY ev FROM STDIN", "1\tone\t1.5\n2\t\\N\t2\n")
	if err != nil || n != 2 {
		t.Fatalf("COPY: %d %v", n, err)
	}
	n, err = copyIn(t, c, "COPY ev (amount, id) FROM STDIN WITH (FORMAT csv)", "7,3\n")
	if err != nil || n != 1 {
		t.Fatalf("COPY csv: %d %v", n, err)
	}
	wantRows(t, c, `SELECT id, name, amount::text FROM ev ORDER BY id`, "1|one|1.5", "2|<nil>|2", "3|<nil>|7")
	got := consume(t, seeds, "ev", 3)
	if got[0] != `{"id":1,"name":"one","amount":1.5}` {
		t.Errorf("records: %q", got)
	}
	mustExec(t, c, `CREATE SOURCE lines (line TEXT) WITH (topic = 'lines', format = 'csv')`)
	if n, err := copyIn(t, c, "COPY lines FROM STDIN", "a,b\nc\n"); err != nil || n != 2 {
		t.Fatalf("COPY csv source: %d %v", n, err)
	}
	wantRows(t, c, `SELECT line FROM lines ORDER BY 1`, "a,b", "c")
	if _, err := copyIn(t, c, "COPY ev FROM STDIN", "4\tx\t1\nnope\tx\t1\n"); err == nil {
		t.Error("COPY of a bad row succeeded")
	}
	wantRows(t, c, `SELECT records_produced FROM eddy_catalog.eddy_sources WHERE name = 'ev'`, "3")
	mustExec(t, c, `CREATE TABLE tt (id INT PRIMARY KEY) WITH (topic = 'tt')`)
	if _, err := copyIn(t, c, "COPY tt FROM STDIN", "1\n"); err == nil || !strings.Contains(err.Error(), "topic table") {
		t.Errorf("COPY into a topic table: %v", err)
	}
}

// TestTopicTableChurn: many upserts and deletes over few keys, in large
// polls; the table holds each key's last record and the view over it
// equals the batch query.
func TestTopicTableChurn(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE TABLE kv (k INT PRIMARY KEY, v BIGINT) WITH (topic = 'kv', partitions = '3')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW kv_sum AS SELECT k % 5 AS g, count(*) AS n, sum(v) AS s FROM kv GROUP BY 1`)
	last := map[int]int{}
	for p := range int32(3) {
		var recs []kv
		for i := range 3000 {
			k := int(p) + 3*(i%40) // a partition owns its keys, as a keyed producer's would
			if i%7 == 3 {
				recs = append(recs, tomb(fmt.Sprint(k)))
				delete(last, k)
				continue
			}
			recs = append(recs, kv{fmt.Sprint(k), fmt.Sprintf(`{"v": %d}`, i)})
			last[k] = i
		}
		produceKeyed(t, seeds, "kv", p, recs...)
	}
	var n, s int
	for _, v := range last {
		n, s = n+1, s+v
	}
	waitRows(t, c, `SELECT count(*), sum(v)::int8 FROM kv`, fmt.Sprintf("%d|%d", n, s))
	eventually(t, c, `SELECT * FROM kv_sum ORDER BY 1`, `SELECT k % 5, count(*), sum(v) FROM kv GROUP BY 1 ORDER BY 1`)
	wantRows(t, c, `SELECT records_read, records_skipped FROM eddy_catalog.eddy_sources WHERE name = 'kv'`, "9000|0")
}
