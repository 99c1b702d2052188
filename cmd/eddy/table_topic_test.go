package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"
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
