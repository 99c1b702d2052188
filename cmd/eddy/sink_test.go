package main

import (
	"context"
	"encoding/json"
	"fmt"
	osexec "os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// topicRecord is a record read back from a sink's topic.
type topicRecord struct {
	key, value string
	tombstone  bool
}

// waitTopic reads topic with read_committed until check accepts all the
// records read so far, and returns them.
func waitTopic(t *testing.T, seeds []string, topic string, check func([]topicRecord) bool) []topicRecord {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []topicRecord
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) {
			recs = append(recs, topicRecord{key: string(r.Key), value: string(r.Value), tombstone: r.Value == nil})
		})
		if check(recs) {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s never matched; read %d records: %v", topic, len(recs), recs)
		}
	}
}

// compacted is what a compacted topic keeps: the last value of each key,
// without the tombstoned keys, as sorted "key=value" strings.
func compacted(recs []topicRecord) []string {
	last := map[string]topicRecord{}
	for _, r := range recs {
		last[r.key] = r
	}
	var out []string
	for k, r := range last {
		if !r.tombstone {
			out = append(out, k+"="+r.value)
		}
	}
	sort.Strings(out)
	return out
}

// upsertView renders a view's (grp, s) rows as the upsert sink writes them.
func upsertView(t *testing.T, c *pgx.Conn) []string {
	var out []string
	for _, r := range queryRows(t, c, `SELECT grp, s FROM tot`) {
		grp, s, _ := strings.Cut(r, "|")
		out = append(out, fmt.Sprintf(`{"grp":%q}={"grp":%q,"s":%s}`, grp, grp, s))
	}
	sort.Strings(out)
	return out
}

func TestSinkUpsert(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'a', 10), (2, 'b', 5), (3, 'c', 7)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW tot AS SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp`)
	mustExec(t, c, `CREATE SINK tot_out FROM tot WITH (topic = 'tot', format = 'json', envelope = 'upsert', partitions = '3')`)
	wantRows(t, c, `SHOW SINKS`, "tot_out")
	mustExec(t, c, `UPDATE acct SET bal = 15 WHERE id = 1`)
	mustExec(t, c, `DELETE FROM acct WHERE id = 2`)
	mustExec(t, c, `INSERT INTO acct VALUES (4, 'd', 1), (5, 'a', 2)`)
	mustExec(t, c, `BEGIN`)
	mustExec(t, c, `UPDATE acct SET grp = 'e' WHERE id = 3`)
	mustExec(t, c, `INSERT INTO acct VALUES (6, 'b', 100)`)
	mustExec(t, c, `COMMIT`)
	mustExec(t, c, `BEGIN`)
	mustExec(t, c, `INSERT INTO acct VALUES (7, 'z', 100)`)
	mustExec(t, c, `ROLLBACK`)
	want := upsertView(t, c)
	recs := waitTopic(t, seeds, "tot", func(r []topicRecord) bool {
		return strings.Join(compacted(r), "\n") == strings.Join(want, "\n")
	})
	var tombstones int
	for _, r := range recs {
		if r.tombstone {
			tombstones++
		}
	}
	if tombstones != 2 { // b (deleted, then back) and c
		t.Errorf("tombstones: %d in %v", tombstones, recs)
	}

	if _, err := c.Exec(context.Background(), `DROP MATERIALIZED VIEW tot`); err == nil || !strings.Contains(err.Error(), "2BP01") {
		t.Errorf("drop view with a sink: %v", err)
	}
	if _, err := c.Exec(context.Background(), `CREATE SINK bad FROM tot WITH (envelope = 'append')`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Errorf("append sink over an aggregate: %v", err)
	}
	mustExec(t, c, `CREATE MATERIALIZED VIEW raw AS SELECT grp, bal FROM acct`)
	if _, err := c.Exec(context.Background(), `CREATE SINK bad FROM raw WITH (envelope = 'upsert')`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Errorf("upsert sink over a view with no key: %v", err)
	}
	mustExec(t, c, `DROP SINK tot_out`)
	mustExec(t, c, `DROP SINK IF EXISTS tot_out`)
	mustExec(t, c, `DROP MATERIALIZED VIEW tot`)
	wantRows(t, c, `SHOW SINKS`)
}

func TestSinkDebezium(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'a', 10)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW tot AS SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp`)
	mustExec(t, c, `CREATE SINK tot_cdc FROM tot WITH (topic = 'cdc', envelope = 'debezium')`)
	mustExec(t, c, `UPDATE acct SET bal = 15 WHERE id = 1`)
	mustExec(t, c, `DELETE FROM acct`)
	want := []string{
		`{"grp":"a"} {"before":null,"after":{"grp":"a","s":10},"op":"c"}`,
		`{"grp":"a"} {"before":{"grp":"a","s":10},"after":{"grp":"a","s":15},"op":"u"}`,
		`{"grp":"a"} {"before":{"grp":"a","s":15},"after":null,"op":"d"}`,
	}
	var got []string
	waitTopic(t, seeds, "cdc", func(recs []topicRecord) bool {
		got = got[:0]
		for _, r := range recs {
			got = append(got, r.key+" "+r.value)
		}
		return len(got) >= len(want)
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("debezium records:\n got %q\nwant %q", got, want)
	}
	for _, g := range got {
		var v map[string]any
		if err := json.Unmarshal([]byte(strings.SplitN(g, " ", 2)[1]), &v); err != nil {
			t.Errorf("not JSON: %s: %v", g, err)
		}
	}
}

// appendValues checks that the topic holds each of want exactly once
// (and nothing else) and returns what it holds once it does, or fails.
func appendValues(t *testing.T, seeds []string, topic string, want []string) {
	t.Helper()
	sort.Strings(want)
	var got []string
	waitTopic(t, seeds, topic, func(recs []topicRecord) bool {
		got = got[:0]
		for _, r := range recs {
			got = append(got, r.value)
		}
		sort.Strings(got)
		return len(got) >= len(want)
	})
	// Anything late (a duplicate) would show up now.
	time.Sleep(300 * time.Millisecond)
	recs := waitTopic(t, seeds, topic, func(recs []topicRecord) bool { return len(recs) >= len(want) })
	got = got[:0]
	for _, r := range recs {
		got = append(got, r.value)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("topic %s: %d records, want %d:\n got %q\nwant %q", topic, len(got), len(want), got, want)
	}
}

// evenBids is what an append sink of bids with even prices holds.
func evenBids(from, to int) []string {
	var out []string
	for id := from; id < to; id++ {
		if id%2 == 0 {
			out = append(out, fmt.Sprintf(`{"auction":%d,"price":%d}`, id%7, id))
		}
	}
	return out
}

func TestSinkAppend(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 100)
	mustExec(t, c, `CREATE MATERIALIZED VIEW even AS SELECT auction, price FROM bid WHERE price % 2 = 0`)
	mustExec(t, c, `CREATE SINK even_out FROM even WITH (topic = 'even', envelope = 'append')`)
	bids(t, seeds, 100, 100)
	appendValues(t, seeds, "even", evenBids(0, 200))
}

// TestSinkRestart: across restarts, with changes flowing, the topic holds
// every change exactly once.
func TestSinkRestart(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 200)
	mustExec(t, c, `CREATE MATERIALIZED VIEW even AS SELECT auction, price FROM bid WHERE price % 2 = 0`)
	mustExec(t, c, `CREATE SINK even_out FROM even WITH (topic = 'even', envelope = 'append', partitions = '2')`)
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW tot AS SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp`)
	mustExec(t, c, `CREATE SINK tot_out FROM tot WITH (topic = 'tot', envelope = 'upsert')`)
	for i := 0; i < 20; i++ {
		mustExec(t, c, fmt.Sprintf(`INSERT INTO acct VALUES (%d, 'g%d', %d)`, i, i%3, i))
	}
	bids(t, seeds, 200, 200)
	// Stop while the sinks are likely still producing.
	stop()
	c, seeds, stop = startEddyDir(t, dir)
	for i := 20; i < 40; i++ {
		mustExec(t, c, fmt.Sprintf(`INSERT INTO acct VALUES (%d, 'g%d', %d)`, i, i%3, i))
	}
	bids(t, seeds, 400, 100)
	stop()
	c, seeds, _ = startEddyDir(t, dir)
	bids(t, seeds, 500, 100)
	mustExec(t, c, `DELETE FROM acct WHERE grp = 'g1'`)
	appendValues(t, seeds, "even", evenBids(0, 600))
	want := upsertView(t, c)
	recs := waitTopic(t, seeds, "tot", func(r []topicRecord) bool {
		return strings.Join(compacted(r), "\n") == strings.Join(want, "\n")
	})
	// One record per committed change of the view: 40 inserts (the first
	// of each group creates it, the others update it), one delete.
	if len(recs) != 41 {
		t.Errorf("upsert topic: %d records, want 41: %v", len(recs), recs)
	}
}

// TestSinkKcat: kcat, an external consumer reading committed records only,
// sees the sink's upserts: the last value per key is the view.
func TestSinkKcat(t *testing.T) {
	kcat, err := osexec.LookPath("kcat")
	if err != nil {
		t.Skip("did not run: kcat is not installed (CI installs it)")
	}
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'a', 10), (2, 'b', 5)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW tot AS SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp`)
	mustExec(t, c, `CREATE SINK tot_out FROM tot WITH (topic = 'tot', envelope = 'upsert')`)
	mustExec(t, c, `UPDATE acct SET bal = 12 WHERE id = 1`)
	kcatLast(t, kcat, seeds, "tot", map[string]string{`{"grp":"a"}`: `{"grp":"a","s":12}`, `{"grp":"b"}`: `{"grp":"b","s":5}`})
}

// TestSinkKcatFromTable: kcat reads the committed upserts of a sink of a
// table, with no view in between: the last value per key is the table.
func TestSinkKcatFromTable(t *testing.T) {
	kcat, err := osexec.LookPath("kcat")
	if err != nil {
		t.Skip("did not run: kcat is not installed (CI installs it)")
	}
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'a', 10), (2, 'b', 5), (3, 'c', 1)`)
	mustExec(t, c, `CREATE SINK acct_out FROM acct WITH (topic = 'acct', envelope = 'upsert', partitions = '2')`)
	mustExec(t, c, `UPDATE acct SET bal = 12 WHERE id = 1`)
	mustExec(t, c, `DELETE FROM acct WHERE id = 3`)
	kcatLast(t, kcat, seeds, "acct", map[string]string{
		`{"id":1}`: `{"id":1,"grp":"a","bal":12}`, `{"id":2}`: `{"id":2,"grp":"b","bal":5}`})
}

// kcatLast reads topic with kcat (read_committed) until the last value of
// each key, without the tombstoned keys, is want.
func kcatLast(t *testing.T, kcat string, seeds []string, topic string, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := osexec.CommandContext(ctx, kcat, "-b", seeds[0], "-t", topic, "-C", "-e", "-q", "-Z",
			"-X", "isolation.level=read_committed", "-f", "%k\t%s\n").CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("kcat -C: %v\n%s", err, out)
		}
		last := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if k, v, ok := strings.Cut(line, "\t"); ok {
				if v == "NULL" {
					delete(last, k) // a tombstone (-Z prints it as NULL)
					continue
				}
				last[k] = strings.ReplaceAll(v, " ", "")
			}
		}
		if fmt.Sprint(last) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kcat read %q, want the last values %v", out, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitValues reads topic until it holds as many records as want, then
// checks that it holds exactly want (key and value), in order.
func waitValues(t *testing.T, seeds []string, topic string, want []string) {
	t.Helper()
	render := func(recs []topicRecord) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r.key+" "+r.value)
		}
		return out
	}
	recs := waitTopic(t, seeds, topic, func(recs []topicRecord) bool { return len(recs) >= len(want) })
	// Anything late (a duplicate) would show up now.
	time.Sleep(300 * time.Millisecond)
	recs = waitTopic(t, seeds, topic, func(r []topicRecord) bool { return len(r) >= len(recs) })
	if got := render(recs); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("topic %s:\n got %q\nwant %q", topic, got, want)
	}
}

// TestSinkFromTable: a sink of a plain table writes its rows, then each
// committed change, under the table's primary key; a rolled back
// transaction writes nothing.
func TestSinkFromTable(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'a', 10), (2, 'b', 5)`)
	mustExec(t, c, `CREATE SINK acct_up FROM acct WITH (topic = 'acct_up', envelope = 'upsert')`)
	mustExec(t, c, `CREATE SINK acct_cdc FROM acct WITH (topic = 'acct_cdc', envelope = 'debezium')`)
	wantRows(t, c, `SHOW SINKS`, "acct_cdc", "acct_up")
	mustExec(t, c, `UPDATE acct SET bal = 15 WHERE id = 1`)
	mustExec(t, c, `DELETE FROM acct WHERE id = 2`)
	mustExec(t, c, `BEGIN`)
	mustExec(t, c, `INSERT INTO acct VALUES (3, 'c', 7)`)
	mustExec(t, c, `UPDATE acct SET grp = 'z' WHERE id = 3`)
	mustExec(t, c, `COMMIT`)
	mustExec(t, c, `BEGIN`)
	mustExec(t, c, `INSERT INTO acct VALUES (4, 'd', 1)`)
	mustExec(t, c, `ROLLBACK`)
	waitValues(t, seeds, "acct_cdc", []string{
		`{"id":1} {"before":null,"after":{"id":1,"grp":"a","bal":10},"op":"c"}`,
		`{"id":2} {"before":null,"after":{"id":2,"grp":"b","bal":5},"op":"c"}`,
		`{"id":1} {"before":{"id":1,"grp":"a","bal":10},"after":{"id":1,"grp":"a","bal":15},"op":"u"}`,
		`{"id":2} {"before":{"id":2,"grp":"b","bal":5},"after":null,"op":"d"}`,
		`{"id":3} {"before":null,"after":{"id":3,"grp":"z","bal":7},"op":"c"}`,
	})
	waitValues(t, seeds, "acct_up", []string{
		`{"id":1} {"id":1,"grp":"a","bal":10}`,
		`{"id":2} {"id":2,"grp":"b","bal":5}`,
		`{"id":1} {"id":1,"grp":"a","bal":15}`,
		`{"id":2} `,
		`{"id":3} {"id":3,"grp":"z","bal":7}`,
	})

	waitRows(t, c, `SELECT name, reads, topic, format, envelope, coalesce(key, '-'), queued, coalesce(last_error, '-') FROM eddy_catalog.eddy_sinks`,
		`acct_cdc|SELECT * FROM "acct"|acct_cdc|json|debezium|id|0|-`,
		`acct_up|SELECT * FROM "acct"|acct_up|json|upsert|id|0|-`)
	// A sink holds no rows a client could read.
	if _, err := c.Exec(context.Background(), `SELECT * FROM acct_up`); err == nil || !strings.Contains(err.Error(), "42P01") {
		t.Errorf("select from a sink: %v", err)
	}
	for _, q := range []string{
		`CREATE SINK bad FROM acct WITH (envelope = 'append')`, // a table's rows change
		`CREATE TABLE nokey (a INT)`,
		`CREATE SINK bad FROM nokey WITH (envelope = 'upsert')`, // no key
	} {
		_, err := c.Exec(context.Background(), q)
		if strings.HasPrefix(q, "CREATE TABLE") {
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "0A000") {
			t.Errorf("%s: %v", q, err)
		}
	}
	// An append-only table can only grow, so envelope append takes it.
	mustExec(t, c, `CREATE TABLE ev (a INT) APPEND ONLY`)
	mustExec(t, c, `CREATE SINK ev_out FROM ev WITH (topic = 'ev_out')`)
	mustExec(t, c, `INSERT INTO ev VALUES (1), (2)`)
	waitValues(t, seeds, "ev_out", []string{` {"a":1}`, ` {"a":2}`})

	if _, err := c.Exec(context.Background(), `DROP TABLE acct`); err == nil || !strings.Contains(err.Error(), "2BP01") {
		t.Errorf("drop a table a sink reads: %v", err)
	}
	mustExec(t, c, `DROP SINK acct_cdc`)
	mustExec(t, c, `DROP TABLE acct CASCADE`)
	wantRows(t, c, `SHOW SINKS`, "ev_out")
	// The table's changes go nowhere now.
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1)`)
}

// TestSinkFromSource: a sink of a source writes each record once, from
// the start of the topic, and those that arrive later.
func TestSinkFromSource(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 100)
	mustExec(t, c, `CREATE SINK bid_out FROM bid WITH (topic = 'bid_out', envelope = 'append', partitions = '2')`)
	mustExec(t, c, `CREATE SINK even_out FROM (SELECT auction, price FROM bid WHERE price % 2 = 0) WITH (topic = 'even', envelope = 'append')`)
	bids(t, seeds, 100, 100)
	var all []string
	for id := 0; id < 200; id++ {
		all = append(all, fmt.Sprintf(`{"auction":%d,"price":%d}`, id%7, id))
	}
	appendValues(t, seeds, "bid_out", all)
	appendValues(t, seeds, "even", evenBids(0, 200))
	// A sink of a source reports its progress as views do.
	wantRows(t, c, `SELECT name, sum("offset")::int8, sum(lag)::int8 FROM eddy_catalog.eddy_view_sources WHERE name LIKE '%out' GROUP BY name ORDER BY name`,
		"bid_out|200|0", "even_out|200|0")
	if _, err := c.Exec(context.Background(), `CREATE SINK bad FROM (SELECT auction, count(*) FROM bid GROUP BY auction) WITH (envelope = 'append')`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Errorf("append sink of an aggregate: %v", err)
	}
	// A union of what only grows only grows.
	mustExec(t, c, `CREATE TABLE ev (auction BIGINT, price BIGINT) APPEND ONLY`)
	mustExec(t, c, `CREATE SINK both_out FROM (SELECT auction, price FROM bid WHERE price < 3 UNION ALL SELECT * FROM ev) WITH (topic = 'both')`)
	mustExec(t, c, `INSERT INTO ev VALUES (7, 7)`)
	appendValues(t, seeds, "both", []string{`{"auction":0,"price":0}`, `{"auction":1,"price":1}`, `{"auction":2,"price":2}`, `{"auction":7,"price":7}`})
	mustExec(t, c, `DROP SINK both_out`)
	if _, err := c.Exec(context.Background(), `DROP SOURCE bid`); err == nil || !strings.Contains(err.Error(), "2BP01") {
		t.Errorf("drop a source a sink reads: %v", err)
	}
	mustExec(t, c, `DROP SINK bid_out`)
	mustExec(t, c, `DROP SOURCE bid CASCADE`)
	wantRows(t, c, `SHOW SINKS`)
}

// TestSinkFromQuery: a sink of a join with an aggregate writes the
// query's answer under its GROUP BY key, kept up to date; sinks of a view
// and of a topic table do the same for theirs.
func TestSinkFromQuery(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp INT, bal INT)`)
	mustExec(t, c, `CREATE TABLE grps (id INT PRIMARY KEY, name TEXT)`)
	mustExec(t, c, `INSERT INTO grps VALUES (1, 'one'), (2, 'two')`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 1, 10), (2, 2, 5), (3, 1, 1)`)
	const q = `SELECT g.name, sum(a.bal)::int8 AS s, count(*) AS n FROM acct a JOIN grps g ON a.grp = g.id GROUP BY g.name`
	mustExec(t, c, `CREATE SINK tot FROM (`+q+`) WITH (topic = 'tot', envelope = 'upsert')`)
	mustExec(t, c, `CREATE VIEW rich AS SELECT id, bal FROM acct WHERE bal >= 5`)
	mustExec(t, c, `CREATE SINK rich_out FROM rich WITH (topic = 'rich', envelope = 'upsert')`)
	if _, err := c.Exec(context.Background(), `CREATE SINK bad FROM (SELECT grp, bal FROM acct) WITH (envelope = 'upsert')`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Errorf("upsert sink of a query with no key: %v", err)
	}
	if _, err := c.Exec(context.Background(), `CREATE SINK bad FROM (`+q+`) WITH (envelope = 'append')`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Errorf("append sink of an aggregate: %v", err)
	}
	if _, err := c.Exec(context.Background(), `CREATE OR REPLACE VIEW rich AS SELECT id, bal FROM acct WHERE bal >= 6`); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Errorf("replace a view a sink reads: %v", err)
	}
	mustExec(t, c, `UPDATE acct SET bal = bal + 1`)
	mustExec(t, c, `INSERT INTO grps VALUES (3, 'three')`)
	mustExec(t, c, `INSERT INTO acct VALUES (4, 3, 100), (5, 2, 2)`)
	mustExec(t, c, `DELETE FROM acct WHERE id = 2`)
	mustExec(t, c, `UPDATE grps SET name = 'uno' WHERE id = 1`)

	// The upsert records the query's rows make, rendered by format from
	// the rows' "a|b|c" text.
	upserts := func(query string, format func(f []string) string) []string {
		var out []string
		for _, r := range queryRows(t, c, query) {
			out = append(out, format(strings.Split(r, "|")))
		}
		sort.Strings(out)
		return out
	}
	tot := func(f []string) string {
		return fmt.Sprintf(`{"name":%q}={"name":%q,"s":%s,"n":%s}`, f[0], f[0], f[1], f[2])
	}
	rich := func(f []string) string {
		return fmt.Sprintf(`{"id":%s}={"id":%s,"bal":%s}`, f[0], f[0], f[1])
	}
	for _, tc := range []struct {
		topic, query string
		format       func([]string) string
	}{
		{"tot", q, tot},
		{"rich", `SELECT * FROM rich`, rich},
	} {
		want := upserts(tc.query, tc.format)
		if len(want) == 0 {
			t.Fatalf("%s: no rows", tc.query)
		}
		waitTopic(t, seeds, tc.topic, func(r []topicRecord) bool {
			return strings.Join(compacted(r), "\n") == strings.Join(want, "\n")
		})
	}

	// A topic table's changes, and a query over a materialized view.
	mustExec(t, c, `CREATE TABLE person (id BIGINT PRIMARY KEY, name TEXT) WITH (topic = 'person', format = 'json')`)
	mustExec(t, c, `CREATE SINK person_cdc FROM person WITH (topic = 'person_cdc', envelope = 'debezium')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW big AS SELECT id, bal FROM acct WHERE bal > 3`)
	const bigQ = `SELECT g.name, sum(b.bal)::int8 AS s FROM big b JOIN acct a USING (id) JOIN grps g ON g.id = a.grp GROUP BY g.name`
	mustExec(t, c, `CREATE SINK big_out AS `+bigQ+` WITH (topic = 'big', envelope = 'upsert')`)
	// The topic table commits what its polls bring at once: one change per
	// step here.
	var cdc []string
	for _, step := range []struct {
		rec  kv
		want string
	}{
		{kv{`1`, `{"name": "ann"}`}, `{"id":1} {"before":null,"after":{"id":1,"name":"ann"},"op":"c"}`},
		{kv{`2`, `{"name": "bo"}`}, `{"id":2} {"before":null,"after":{"id":2,"name":"bo"},"op":"c"}`},
		{kv{`1`, `{"name": "ana"}`}, `{"id":1} {"before":{"id":1,"name":"ann"},"after":{"id":1,"name":"ana"},"op":"u"}`},
		{tomb(`2`), `{"id":2} {"before":{"id":2,"name":"bo"},"after":null,"op":"d"}`},
	} {
		produceKeyed(t, seeds, "person", 0, step.rec)
		cdc = append(cdc, step.want)
		waitValues(t, seeds, "person_cdc", cdc)
	}
	mustExec(t, c, `UPDATE acct SET bal = 50 WHERE id = 5`)
	big := func(f []string) string {
		return fmt.Sprintf(`{"name":%q}={"name":%q,"s":%s}`, f[0], f[0], f[1])
	}
	want := upserts(bigQ, big)
	waitTopic(t, seeds, "big", func(r []topicRecord) bool {
		return strings.Join(compacted(r), "\n") == strings.Join(want, "\n")
	})
	// Constant rows appear once: envelope append takes them.
	mustExec(t, c, `CREATE SINK hello FROM (VALUES (1, 'hi')) WITH (topic = 'hello')`)
	waitValues(t, seeds, "hello", []string{` {"column1":1,"column2":"hi"}`})

	mustExec(t, c, `CREATE INDEX acct_bal ON acct (bal)`)
	for q, code := range map[string]string{
		`CREATE SINK bad FROM acct_bal WITH (topic = 'x')`:                                  "42809",
		`CREATE SINK bad FROM hello WITH (topic = 'x')`:                                     "42809",
		`CREATE SINK bad FROM nothing WITH (topic = 'x')`:                                   "42P01",
		`CREATE SINK bad FROM (SELECT a.id, g.id FROM acct a, grps g) WITH (topic = 'x')`:   "42701",
		`CREATE SINK bad FROM (SELECT id FROM acct) WITH (topic = 'x', envelope = 'upsrt')`: "22023",
		`CREATE SINK tot FROM acct WITH (topic = 'x')`:                                      "42P07",
	} {
		wantCode(t, c, q, code)
	}
	mustExec(t, c, `CREATE SINK IF NOT EXISTS tot FROM acct WITH (topic = 'x')`)
	if _, err := c.Exec(context.Background(), `DROP MATERIALIZED VIEW big`); err == nil || !strings.Contains(err.Error(), "2BP01") {
		t.Errorf("drop a view a sink reads: %v", err)
	}
	// A sink has no rows to show in the catalogs, though it keeps columns.
	wantRows(t, c, `SELECT count(*) FROM pg_class WHERE relname IN ('tot', 'big_out')`, "0")
	wantRows(t, c, `SELECT count(*) FROM information_schema.columns WHERE table_name IN ('tot', 'big_out')`, "0")
	mustExec(t, c, `DROP MATERIALIZED VIEW big CASCADE`)
	wantCode(t, c, `DROP VIEW rich`, "2BP01")
	wantCode(t, c, `DROP TABLE grps`, "2BP01")
	wantRows(t, c, `SHOW SINKS`, "hello", "person_cdc", "rich_out", "tot")
	mustExec(t, c, `CREATE MATERIALIZED VIEW mv AS SELECT grp, count(*) AS n FROM acct GROUP BY grp`)
	mustExec(t, c, `CREATE SINK mv_out FROM mv WITH (envelope = 'upsert')`)
	waitRows(t, c, `SELECT name, reads, topic, envelope, coalesce(key, '-'), queued FROM eddy_catalog.eddy_sinks WHERE name IN ('mv_out', 'hello')`,
		`hello|VALUES (1, 'hi')|hello|append|-|0`, `mv_out|mv|mv_out|upsert|grp|0`)
}

// TestSinkFromQueryRestart: sinks with dataflows of their own (of a
// source, of a table, of a query over both) go on across restarts, with
// changes flowing, and their topics hold every change exactly once.
func TestSinkFromQueryRestart(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	bids(t, seeds, 0, 200)
	mustExec(t, c, `CREATE SINK even_out FROM (SELECT auction, price FROM bid WHERE price % 2 = 0) WITH (topic = 'even', envelope = 'append', partitions = '2')`)
	mustExec(t, c, `CREATE TABLE acct (id INT PRIMARY KEY, grp TEXT, bal INT)`)
	mustExec(t, c, `CREATE SINK acct_out FROM acct WITH (topic = 'acct', envelope = 'debezium')`)
	mustExec(t, c, `CREATE SINK tot_out FROM (SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp) WITH (topic = 'tot', envelope = 'upsert')`)
	for i := 0; i < 20; i++ {
		mustExec(t, c, fmt.Sprintf(`INSERT INTO acct VALUES (%d, 'g%d', %d)`, i, i%3, i))
	}
	bids(t, seeds, 200, 200)
	// Stop while the sinks are likely still producing.
	stop()
	c, seeds, stop = startEddyDir(t, dir)
	for i := 20; i < 40; i++ {
		mustExec(t, c, fmt.Sprintf(`INSERT INTO acct VALUES (%d, 'g%d', %d)`, i, i%3, i))
	}
	bids(t, seeds, 400, 100)
	stop()
	c, seeds, _ = startEddyDir(t, dir)
	bids(t, seeds, 500, 100)
	mustExec(t, c, `DELETE FROM acct WHERE grp = 'g1'`)
	appendValues(t, seeds, "even", evenBids(0, 600))

	mustExec(t, c, `CREATE MATERIALIZED VIEW tot AS SELECT grp, sum(bal)::int8 AS s FROM acct GROUP BY grp`)
	want := upsertView(t, c)
	recs := waitTopic(t, seeds, "tot", func(r []topicRecord) bool {
		return strings.Join(compacted(r), "\n") == strings.Join(want, "\n")
	})
	// One record per committed change of the answer: 40 inserts (the
	// first of each group creates it, the others update it), one delete.
	if len(recs) != 41 {
		t.Errorf("upsert topic: %d records, want 41: %v", len(recs), recs)
	}
	// The table's sink: each insert and each delete once.
	var cdc []string
	for i := 0; i < 40; i++ {
		cdc = append(cdc, fmt.Sprintf(`{"id":%d} {"before":null,"after":{"id":%d,"grp":"g%d","bal":%d},"op":"c"}`, i, i, i%3, i))
	}
	for i := 1; i < 40; i += 3 {
		cdc = append(cdc, fmt.Sprintf(`{"id":%d} {"before":{"id":%d,"grp":"g1","bal":%d},"after":null,"op":"d"}`, i, i, i))
	}
	waitValues(t, seeds, "acct", cdc)
}
