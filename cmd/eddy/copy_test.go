package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func copyConn(t *testing.T, conn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, q string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func copyIn(t *testing.T, c *pgx.Conn, q, data string) (int64, error) {
	t.Helper()
	tag, err := c.PgConn().CopyFrom(context.Background(), strings.NewReader(data), q)
	return tag.RowsAffected(), err
}

func copyOut(t *testing.T, c *pgx.Conn, q string) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := c.PgConn().CopyTo(context.Background(), &b, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return b.String()
}

func TestCopyFormats(t *testing.T) {
	c := copyConn(t, startEddy(t))
	mustExec(t, c, "CREATE TABLE t (id SERIAL PRIMARY KEY, a INT, b TEXT, c NUMERIC)")
	n, err := copyIn(t, c, "COPY t (a, b, c) FROM STDIN", "1\tone\t1.5\n2\t\\N\t\\N\n3\ttab\\there\\\\x\t0\n")
	if err != nil || n != 3 {
		t.Fatalf("text copy: %d %v", n, err)
	}
	n, err = copyIn(t, c, "COPY t (a, b, c) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')",
		"a;b;c\n4;\"semi;colon\";2\n5;;3\n6;\"\";4\n7;\"multi\nline\";5")
	if err != nil || n != 4 {
		t.Fatalf("csv copy: %d %v", n, err)
	}
	got := copyOut(t, c, "COPY t TO STDOUT")
	want := "1\t1\tone\t1.5\n2\t2\t\\N\t\\N\n3\t3\ttab\\there\\\\x\t0\n4\t4\tsemi;colon\t2\n5\t5\t\\N\t3\n6\t6\t\t4\n7\t7\tmulti\\nline\t5\n"
	if got != want {
		t.Errorf("copy to:\n got %q\nwant %q", got, want)
	}
	got = copyOut(t, c, "COPY (SELECT a, b FROM t WHERE a >= 4 ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)")
	want = "a,b\n4,semi;colon\n5,\n6,\"\"\n7,\"multi\nline\"\n"
	if got != want {
		t.Errorf("copy csv to:\n got %q\nwant %q", got, want)
	}
	// A bad row fails the whole COPY (autocommit, small load: one transaction).
	if _, err := copyIn(t, c, "COPY t (a, b) FROM STDIN", "8\tx\nnot-a-number\ty\n"); err == nil || !strings.Contains(err.Error(), `invalid input syntax for type integer: "not-a-number"`) {
		t.Errorf("bad row: %v", err)
	}
	if _, err := copyIn(t, c, "COPY t (a, b) FROM STDIN", "8\n"); err == nil || !strings.Contains(err.Error(), `missing data for column "b"`) {
		t.Errorf("short row: %v", err)
	}
	if _, err := copyIn(t, c, "COPY t (id, a) FROM STDIN", "1\t1\n"); err == nil || !strings.Contains(err.Error(), `duplicate key value violates unique constraint "t_pkey"`) {
		t.Errorf("duplicate: %v", err)
	}
	var count int
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&count); err != nil || count != 7 {
		t.Errorf("count after failed copies: %d %v", count, err)
	}
	// \. ends the data, as psql sends it.
	if n, err := copyIn(t, c, "COPY t (a) FROM STDIN", "9\n\\.\n"); err != nil || n != 1 {
		t.Errorf("end marker: %d %v", n, err)
	}
	// Inside a transaction the COPY rolls back with it.
	mustExec(t, c, "BEGIN")
	if n, err := copyIn(t, c, "COPY t (a) FROM STDIN", "10\n11\n"); err != nil || n != 2 {
		t.Errorf("copy in txn: %d %v", n, err)
	}
	mustExec(t, c, "ROLLBACK")
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&count); err != nil || count != 8 {
		t.Errorf("count after rollback: %d %v", count, err)
	}
}

// TestCopyMillion loads a million rows through COPY, more than one Badger
// transaction holds, into a table with a serial key and a UNIQUE column.
func TestCopyMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("large load")
	}
	const rows = 1_000_000
	c := copyConn(t, startEddy(t))
	mustExec(t, c, "CREATE TABLE big (id BIGSERIAL PRIMARY KEY, k INT UNIQUE, v TEXT)")
	var b strings.Builder
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%d\tvalue %d\n", i, i)
	}
	start := time.Now()
	n, err := copyIn(t, c, "COPY big (k, v) FROM STDIN", b.String())
	t.Logf("copy in: %v", time.Since(start))
	if err != nil || n != rows {
		t.Fatalf("copy: %d %v", n, err)
	}
	var count, maxID, sumK int64
	if err := c.QueryRow(context.Background(), "SELECT count(*), max(id), sum(k) FROM big").Scan(&count, &maxID, &sumK); err != nil {
		t.Fatal(err)
	}
	if count != rows || maxID != rows || sumK != int64(rows)*(rows-1)/2 {
		t.Errorf("got count %d max(id) %d sum(k) %d", count, maxID, sumK)
	}
	if _, err := c.Exec(context.Background(), "INSERT INTO big (k) VALUES (999999)"); err == nil || !strings.Contains(err.Error(), "big_k_key") {
		t.Errorf("unique index after load: %v", err)
	}
	start = time.Now()
	out := copyOut(t, c, "COPY big TO STDOUT")
	t.Logf("copy out: %v", time.Since(start))
	if lines := strings.Count(out, "\n"); lines != rows {
		t.Errorf("copy out: %d lines", lines)
	}
	mustExec(t, c, "TRUNCATE big")
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM big").Scan(&count); err != nil || count != 0 {
		t.Errorf("after truncate: %d %v", count, err)
	}
}

// TestCopyBinary loads through pgx's CopyFrom, which speaks COPY's binary
// format, and reads the rows back in binary.
func TestCopyBinary(t *testing.T) {
	c := copyConn(t, startEddy(t))
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE bin (id INT PRIMARY KEY, name TEXT, score FLOAT8, at TIMESTAMPTZ, tags TEXT[])")
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	rows := [][]any{{1, "one", 1.5, at, []string{"a", "b"}}, {2, nil, nil, nil, nil}, {3, "three", -2.25, at.Add(time.Hour), []string{}}}
	n, err := c.CopyFrom(ctx, pgx.Identifier{"bin"}, []string{"id", "name", "score", "at", "tags"}, pgx.CopyFromRows(rows))
	if err != nil || n != 3 {
		t.Fatalf("CopyFrom: %d %v", n, err)
	}
	var name string
	var score float64
	var got time.Time
	if err := c.QueryRow(ctx, "SELECT name, score, at FROM bin WHERE id = 3").Scan(&name, &score, &got); err != nil {
		t.Fatal(err)
	}
	if name != "three" || score != -2.25 || !got.Equal(at.Add(time.Hour)) {
		t.Errorf("row 3: %q %v %v", name, score, got)
	}
	var b bytes.Buffer
	if _, err := c.PgConn().CopyTo(ctx, &b, "COPY bin (id, name) TO STDOUT (FORMAT binary)"); err != nil {
		t.Fatal(err)
	}
	want := "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
		"\x00\x02\x00\x00\x00\x04\x00\x00\x00\x01\x00\x00\x00\x03one" +
		"\x00\x02\x00\x00\x00\x04\x00\x00\x00\x02\xff\xff\xff\xff" +
		"\x00\x02\x00\x00\x00\x04\x00\x00\x00\x03\x00\x00\x00\x05three" +
		"\xff\xff"
	if b.String() != want {
		t.Errorf("binary copy out:\n got %q\nwant %q", b.String(), want)
	}
	// The same bytes load back.
	mustExec(t, c, "CREATE TABLE bin2 (id INT, name TEXT)")
	if n, err := copyIn(t, c, "COPY bin2 FROM STDIN WITH (FORMAT binary)", want); err != nil || n != 3 {
		t.Errorf("binary copy in: %d %v", n, err)
	}
}
