package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cancelingConn opens another connection to the same eddy whose context
// cancellation sends a CancelRequest, as psql's Ctrl-C does, instead of
// cutting the connection: the tests check that it stays usable.
func cancelingConn(t *testing.T, c *pgx.Conn) *pgx.Conn {
	t.Helper()
	cc := c.Config()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://eddy@%s:%d/eddy?sslmode=disable", cc.Host, cc.Port))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, CancelRequestDelay: 0, DeadlineDelay: 10 * time.Second}
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func evRecords(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf(`{"id": %d, "name": "n%d", "sent": %d}`, i, i, time.Now().UnixNano()))
	}
	return out
}

// produceAsync is produceTo for goroutines other than the test's.
func produceAsync(t *testing.T, seeds []string, partitions int32, values ...string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Error(err)
		return
	}
	defer cl.Close()
	for i, v := range values {
		r := &kgo.Record{Topic: "ev", Partition: int32(i) % partitions, Value: []byte(v)}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Errorf("produce: %v", err)
		}
	}
}

// readSub reads n rows of a subscription as "diff|col|col" strings (the
// timestamp is checked, not returned: it must be set and never decrease).
// A subscription never ends by itself: rows that do not come fail the
// test after a minute rather than hang it until go test's -timeout, which
// would print nothing of it.
func readSub(t *testing.T, rs pgx.Rows, n int) []string {
	t.Helper()
	defer readDeadline(rs, time.Minute)()
	var out []string
	last := int64(0)
	for len(out) < n && rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		ts, ok := vals[0].(int64)
		if !ok || ts < last || ts < time.Now().Add(-time.Hour).UnixMilli() {
			t.Fatalf("eddy_timestamp %v after %d", vals[0], last)
		}
		last = ts
		parts := make([]string, 0, len(vals)-1)
		for _, v := range vals[1:] {
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if len(out) < n {
		t.Fatalf("subscription ended after %d rows: %v", len(out), rs.Err())
	}
	return out
}

func TestSubscribe(t *testing.T) {
	c0, seeds := startEddyKafka(t)
	c := cancelingConn(t, c0)
	mustExec(t, c0, `CREATE SOURCE ev (id BIGINT, name TEXT, sent BIGINT) WITH (topic = 'ev', partitions = '2')`)
	mustExec(t, c0, `CREATE TABLE acct (id BIGINT PRIMARY KEY, name TEXT)`)
	mustExec(t, c0, `INSERT INTO acct VALUES (1, 'a'), (2, 'b')`)
	produceTo(t, seeds, "ev", 2, evRecords(1, 4)...)
	simple := pgx.QueryExecModeSimpleProtocol

	t.Run("snapshot then live, cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs, err := c.Query(ctx, `SUBSCRIBE ev`, simple)
		if err != nil {
			t.Fatal(err)
		}
		if got := rs.FieldDescriptions(); got[0].Name != "eddy_timestamp" || got[1].Name != "eddy_diff" || got[2].Name != "id" {
			t.Fatalf("columns %v", got)
		}
		snap := readSub(t, rs, 4)
		slices.Sort(snap)
		if want := "1|1|n1"; !strings.HasPrefix(snap[0], want) {
			t.Errorf("snapshot %q", snap)
		}
		go produceAsync(t, seeds, 2, evRecords(5, 7)...)
		live := readSub(t, rs, 3)
		slices.Sort(live)
		for i, r := range live {
			if want := fmt.Sprintf("1|%d|n%d|", i+5, i+5); !strings.HasPrefix(r, want) {
				t.Errorf("live row %q, want %s...", r, want)
			}
		}
		cancel()
		for rs.Next() {
		}
		rs.Close()
		var pe *pgconn.PgError
		if err := rs.Err(); err == nil || (!errors.As(err, &pe) && !errors.Is(err, context.Canceled)) {
			t.Errorf("after cancel: %v", err)
		}
		wantRows(t, c, `SELECT count(*) FROM ev`, "7")
	})

	t.Run("filter and projection", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs, err := c.Query(ctx, `SUBSCRIBE TO (SELECT id * 10 AS x, upper(name) FROM ev WHERE id % 2 = 0) WITH (snapshot = false)`, simple)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(200 * time.Millisecond)
			produceAsync(t, seeds, 1, evRecords(8, 11)...)
		}()
		got := readSub(t, rs, 2)
		slices.Sort(got)
		if want := []string{"1|100|N10", "1|80|N8"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		cancel()
		rs.Close()
		wantRows(t, c, `SELECT 1`, "1")
	})

	t.Run("refusals and tables", func(t *testing.T) {
		for q, code := range map[string]string{
			`SUBSCRIBE (SELECT name, count(*) FROM ev GROUP BY name)`: "0A000",
			`SUBSCRIBE (SELECT * FROM ev ORDER BY id)`:                "0A000",
			`SUBSCRIBE acct WITH (snapshot = false)`:                  "0A000",
			`SUBSCRIBE nope`:                                          "42P01",
		} {
			_, err := c.Exec(context.Background(), q, simple)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != code {
				t.Errorf("%s: got %v, want %s", q, err, code)
			} else if strings.Contains(q, "GROUP BY") && !strings.Contains(pe.Message, "GROUP BY") {
				t.Errorf("%s: message %q does not name GROUP BY", q, pe.Message)
			}
		}
		// A table's subscription is its snapshot: changes to tables are not
		// captured yet.
		rs, err := c.Query(context.Background(), `SUBSCRIBE acct`, simple)
		if err != nil {
			t.Fatal(err)
		}
		got := readSub(t, rs, 2)
		if rs.Next() {
			t.Error("a table's subscription did not end after its snapshot")
		}
		rs.Close()
		if slices.Sort(got); !slices.Equal(got, []string{"1|1|a", "1|2|b"}) {
			t.Errorf("table snapshot %q", got)
		}
	})

	t.Run("declare fetch", func(t *testing.T) {
		mustExec(t, c, `BEGIN`)
		mustExec(t, c, `DECLARE cur CURSOR FOR SUBSCRIBE (SELECT id FROM ev WHERE id > 10)`)
		got := queryRows(t, c, `FETCH 100 cur`)
		if len(got) != 1 || !strings.HasSuffix(got[0], "|1|11") {
			t.Errorf("FETCH of the snapshot: %q", got)
		}
		go func() {
			time.Sleep(200 * time.Millisecond)
			produceAsync(t, seeds, 1, evRecords(12, 12)...)
		}()
		got = queryRows(t, c, `FETCH 100 cur`)
		if len(got) != 1 || !strings.HasSuffix(got[0], "|1|12") {
			t.Errorf("FETCH of a live row: %q", got)
		}
		mustExec(t, c, `COMMIT`)
	})

	t.Run("copy", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		w := &lineWriter{lines: make(chan string, 100)}
		done := make(chan error, 1)
		go func() {
			_, err := c.PgConn().CopyTo(ctx, w, `COPY (SUBSCRIBE (SELECT id FROM ev WHERE id >= 12)) TO STDOUT`)
			done <- err
		}()
		for _, want := range []string{"12", "13"} {
			if want == "13" {
				produceTo(t, seeds, "ev", 1, evRecords(13, 13)...)
			}
			select {
			case l := <-w.lines:
				if f := strings.Split(l, "\t"); len(f) != 3 || f[1] != "1" || f[2] != want {
					t.Errorf("COPY line %q, want id %s", l, want)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("no COPY line for %s", want)
			}
		}
		cancel()
		select {
		case err := <-done:
			if err == nil {
				t.Error("cancelled COPY succeeded")
			}
		case <-time.After(60 * time.Second):
			t.Fatal("cancel did not end COPY (SUBSCRIBE)")
		}
		wantRows(t, c, `SELECT count(*) FROM ev`, "13")
	})

	t.Run("extended protocol", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs, err := c.Query(ctx, `SUBSCRIBE (SELECT id, name FROM ev WHERE id = 3)`)
		if err != nil {
			t.Fatal(err)
		}
		if got := readSub(t, rs, 1); got[0] != "1|3|n3" {
			t.Errorf("got %q", got)
		}
		cancel()
		rs.Close()
		wantRows(t, c, `SELECT 2`, "2")
	})

	t.Run("progress", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs, err := c.Query(ctx, `SUBSCRIBE (SELECT id FROM ev WHERE id < 0) WITH (snapshot = false, progress = true)`, simple)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().UnixMilli()
		for range 2 {
			if !rs.Next() {
				t.Fatalf("no progress row: %v", rs.Err())
			}
			vals := rs.RawValues()
			if vals[0] == nil || vals[1] != nil || vals[2] != nil {
				t.Fatalf("progress row %q", vals)
			}
		}
		var ts int64
		if err := rs.Scan(&ts, nil, nil); err != nil || ts < start {
			t.Errorf("progress timestamp %d (started at %d): %v", ts, start, err)
		}
		cancel()
		rs.Close()
	})

	t.Run("release", func(t *testing.T) {
		// Every subscription ended, by cancel or by the client going away,
		// gives back its goroutines (the Kafka clients' among them).
		settle := func(limit int) int {
			n := runtime.NumGoroutine()
			for deadline := time.Now().Add(60 * time.Second); n > limit && time.Now().Before(deadline); n = runtime.NumGoroutine() {
				time.Sleep(50 * time.Millisecond)
			}
			return n
		}
		base := runtime.NumGoroutine()
		d := cancelingConn(t, c0)
		for i := range 3 {
			ctx, cancel := context.WithCancel(context.Background())
			rs, err := d.Query(ctx, `SUBSCRIBE ev`, simple)
			if err != nil {
				t.Fatal(err)
			}
			readSub(t, rs, 5)
			if i < 2 {
				cancel()
				rs.Close()
				continue
			}
			d.Close(context.Background()) // hang up mid-stream
			cancel()
		}
		if n := settle(base + 2); n > base+2 {
			t.Errorf("%d goroutines after the subscriptions ended, %d before", n, base)
		} else {
			t.Logf("goroutines: %d before, %d after", base, n)
		}
	})

	t.Run("latency", func(t *testing.T) {
		if testing.Short() {
			t.Skip("latency measurement")
		}
		measureSubscribeLatency(t, c, seeds)
	})

	t.Run("set-returning function", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rs, err := c.Query(ctx, `SUBSCRIBE (SELECT id, unnest(ARRAY[id, id + 100]) FROM ev WHERE id = 9999) WITH (snapshot = false)`, simple)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(200 * time.Millisecond)
			produceAsync(t, seeds, 1, evRecords(9999, 9999)...)
		}()
		got := readSub(t, rs, 2)
		slices.Sort(got)
		if want := []string{"1|9999|10099", "1|9999|9999"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		cancel()
		rs.Close()
		wantRows(t, c, `SELECT 1`, "1")
	})
}

// lineWriter hands each complete line written to it to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		l, err := w.buf.ReadString('\n')
		if err == io.EOF {
			w.buf.WriteString(l)
			return len(p), nil
		}
		w.lines <- strings.TrimSuffix(l, "\n")
	}
}

// measureSubscribeLatency produces records one at a time, each stamped with
// its send time, and logs the produce-to-row latency.
func measureSubscribeLatency(t *testing.T, c *pgx.Conn, seeds []string) {
	const n = 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs, err := c.Query(ctx, `SUBSCRIBE (SELECT sent FROM ev WHERE id >= 1000) WITH (snapshot = false)`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	// Cancel first: closing pgx's rows reads them to the end, which a
	// subscription never reaches.
	defer func() { cancel(); rs.Close() }()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	go func() {
		for i := range n {
			time.Sleep(5 * time.Millisecond)
			if ctx.Err() != nil {
				return
			}
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "ev", Value: []byte(fmt.Sprintf(`{"id": %d, "sent": %d}`, 1000+i, time.Now().UnixNano()))}).FirstErr(); err != nil {
				if ctx.Err() == nil {
					t.Errorf("produce: %v", err)
				}
				return
			}
		}
	}()
	var lat []time.Duration
	defer readDeadline(rs, 2*time.Minute)()
	for len(lat) < n && rs.Next() {
		var ts, diff, sent int64
		if err := rs.Scan(&ts, &diff, &sent); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Duration(time.Now().UnixNano()-sent))
	}
	if len(lat) < n {
		t.Fatalf("got %d rows: %v", len(lat), rs.Err())
	}
	slices.Sort(lat)
	t.Logf("produce-to-SUBSCRIBE-row latency over %d records: median %v, p99 %v, max %v",
		n, lat[n/2], lat[n*99/100], lat[n-1])
}

func TestSubscribePrivileges(t *testing.T) {
	addr := startEddyWith(t, config{password: "su"})
	url := func(user, pw string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/eddy?sslmode=disable", user, pw, addr)
	}
	su := connectURL(t, url("eddy", "su"))
	execAll(t, su, "CREATE ROLE alice LOGIN PASSWORD 'a'", "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	alice := connectURL(t, url("alice", "a"))
	wantDenied(t, alice, "SUBSCRIBE t", "permission denied for table t")
	wantDenied(t, alice, "SUBSCRIBE (SELECT id + 1 FROM t)", "permission denied for table t")
	wantDenied(t, alice, "COPY (SUBSCRIBE t) TO STDOUT", "permission denied for table t")
	wantDenied(t, alice, "DECLARE c CURSOR WITH HOLD FOR SUBSCRIBE t", "permission denied for table t")
	execAll(t, su, "GRANT SELECT ON t TO alice")
	// A table's subscription ends after its snapshot, so it reads like a query.
	if got := queryRows(t, alice, "SUBSCRIBE (SELECT id + 1 FROM t)"); len(got) != 1 || !strings.HasSuffix(got[0], "|1|2") {
		t.Errorf("after GRANT: %q", got)
	}
}
