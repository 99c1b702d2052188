package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), startEddy(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Statements of one simple Query see what the ones before them created.
func TestMultiStatementQuery(t *testing.T) {
	conn := connect(t)
	ctx := context.Background()
	res, err := conn.PgConn().Exec(ctx, "CREATE TABLE m (a INT); INSERT INTO m VALUES (1), (2); SELECT sum(a) FROM m").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || string(res[2].Rows[0][0]) != "3" {
		t.Fatalf("got %+v", res)
	}
}

// An error inside a transaction fails it until ROLLBACK, as in PostgreSQL.
func TestFailedTransaction(t *testing.T) {
	conn := connect(t)
	ctx := context.Background()
	for _, q := range []string{"CREATE TABLE f (a INT PRIMARY KEY)", "BEGIN", "INSERT INTO f VALUES (1)"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := conn.Exec(ctx, "SELECT nope FROM f"); sqlState(err) != "42703" {
		t.Fatalf("want 42703, got %v", err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1"); sqlState(err) != "25P02" {
		t.Fatalf("want 25P02, got %v", err)
	}
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM f").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after rollback: n=%d err=%v", n, err)
	}
}

// A prepared point lookup with a parameter, many times, over the extended
// protocol (what pgx does by default).
func TestPreparedPointLookup(t *testing.T) {
	conn := connect(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE kv (id BIGINT PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 100) g"); err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 100; i += 7 {
		var v string
		if err := conn.QueryRow(ctx, "SELECT v FROM kv WHERE id = $1", i).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if want := "v" + itoa(i); v != want {
			t.Fatalf("id %d: got %q want %q", i, v, want)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT v FROM kv WHERE id = $1", int64(1000)).Scan(new(string)); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("missing id: %v", err)
	}
}

func itoa(i int64) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// A CancelRequest stops a running query with 57014 and the connection goes
// on: the client sends it on a second connection while the first waits.
func TestCancel(t *testing.T) {
	conn := connect(t)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Again and again: a cancel that arrives before the query runs (a
		// loaded machine) cancels nothing, and the query would run for ever.
		for {
			select {
			case <-time.After(200 * time.Millisecond):
				conn.PgConn().CancelRequest(context.Background())
			case <-done:
				return
			}
		}
	}()
	_, err := conn.Exec(context.Background(), "SELECT count(*) FROM generate_series(1, 20000000) a, generate_series(1, 100) b")
	// No cancel may be on its way when the next statement runs.
	close(done)
	wg.Wait()
	if sqlState(err) != "57014" {
		t.Fatalf("want 57014 (query_canceled), got %v", err)
	}
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after cancel: %v", err)
	}
}

// A statement that would hold more rows than --query-memory fails with
// 53200 and the session goes on.
func TestQueryMemoryLimit(t *testing.T) {
	addr := startEddyWith(t, config{queryMemory: 4 << 20})
	conn, err := pgx.Connect(context.Background(), "postgres://eddy@"+addr+"/eddy?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx := context.Background()
	for _, q := range []string{
		"SELECT g FROM generate_series(1, 1000000) g ORDER BY g DESC LIMIT 1",
		"SELECT g, count(*) FROM generate_series(1, 1000000) g GROUP BY g LIMIT 1",
		"SELECT count(*) FROM generate_series(1, 100000) a JOIN generate_series(1, 100000) b ON a = b",
	} {
		if _, err := conn.Exec(ctx, q); sqlState(err) != "53200" {
			t.Errorf("%s: want 53200, got %v", q, err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM generate_series(1, 1000)").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after the limit: n=%d err=%v", n, err)
	}
}
