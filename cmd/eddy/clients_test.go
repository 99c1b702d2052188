package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The client interop tests run real PostgreSQL clients against an
// in-process eddy: psycopg2, SQLAlchemy, asyncpg, pg8000, Perl's DBD::Pg,
// pgjdbc, node-postgres and postgres.js through the scripts in
// testdata/clients, and pgx here in Go. Each script prints "ok   <check>"
// or "FAIL <check>: ..." per check and exits non-zero if any failed; the expected values are what PostgreSQL 15 gives, which
//
//	go test ./cmd/eddy -run TestClients -clients-url 'postgres://root:x@127.0.0.1:5432/eddy_clients?sslmode=disable'
//
// checks by running every client against that server instead (use an empty
// database: the scripts create and drop their own tables).
//
// .ci/setup installs the clients. A client that is missing fails the test
// when CI is set (CI=true) and skips it, saying so, elsewhere.
var clientsURL = flag.String("clients-url", "", "run TestClients against this server instead of an in-process eddy")

// clientURL starts an eddy (or takes -clients-url) for one client.
func clientURL(t *testing.T) string {
	if *clientsURL != "" {
		return *clientsURL
	}
	return startEddy(t)
}

// needClient skips (locally) or fails (in CI) when a client is missing.
func needClient(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s, and CI is set: .ci/setup should have installed it", what)
	}
	t.Skipf("did not run: %s (run .ci/setup, or make test, to install it)", what)
}

func haveCommand(name string, args ...string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).Run() == nil
}

// runClient runs one client script and reports its failed checks,
// naming the known gap behind each.
func runClient(t *testing.T, client, dir string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("%s output:\n%s", client, out.String())
	failed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "FAIL ")
		if !ok {
			continue
		}
		check, _, _ := strings.Cut(rest, ":")
		failed[check] = true
		t.Errorf("%s: %s", client, line)
	}
	if err != nil && len(failed) == 0 {
		t.Errorf("%s: %s %s: %v (see the output above)", client, name, strings.Join(args, " "), err)
	}
}

func TestClients(t *testing.T) {
	clients, err := filepath.Abs("../../testdata/clients")
	if err != nil {
		t.Fatal(err)
	}
	python := "/usr/bin/python3" // Debian's python3-psycopg2 and python3-sqlalchemy live there
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}

	t.Run("psycopg2", func(t *testing.T) {
		needClient(t, haveCommand(python, "-c", "import psycopg2"), "psycopg2 is not installed for "+python+" (Debian: python3-psycopg2)")
		runClient(t, "psycopg2", clients, python, "psycopg2_test.py", clientURL(t))
	})

	t.Run("sqlalchemy", func(t *testing.T) {
		needClient(t, haveCommand(python, "-c", "import sqlalchemy, psycopg2"), "SQLAlchemy is not installed for "+python+" (Debian: python3-sqlalchemy)")
		runClient(t, "sqlalchemy", clients, python, "sqlalchemy_test.py", clientURL(t))
	})

	t.Run("asyncpg", func(t *testing.T) {
		needClient(t, haveCommand(python, "-c", "import asyncpg"), "asyncpg is not installed for "+python+" (Debian: python3-asyncpg)")
		runClient(t, "asyncpg", clients, python, "asyncpg_test.py", clientURL(t))
	})

	t.Run("pg8000", func(t *testing.T) {
		needClient(t, haveCommand(python, "-c", "import pg8000"), "pg8000 is not installed for "+python+" (Debian: python3-pg8000)")
		runClient(t, "pg8000", clients, python, "pg8000_test.py", clientURL(t))
	})

	t.Run("dbdpg", func(t *testing.T) {
		needClient(t, haveCommand("perl", "-MDBD::Pg", "-e", "1"), "Perl's DBD::Pg is not installed (Debian: libdbd-pg-perl)")
		runClient(t, "dbdpg", clients, "perl", "dbdpg_test.pl", clientURL(t))
	})

	t.Run("jdbc", func(t *testing.T) {
		const jar = "/usr/share/java/postgresql.jar"
		_, err := os.Stat(jar)
		needClient(t, err == nil, jar+" is missing (Debian: libpostgresql-jdbc-java)")
		needClient(t, haveCommand("javac", "-version") && haveCommand("java", "-version"), "javac or java is missing (Debian: default-jdk-headless)")
		classes := t.TempDir()
		if out, err := exec.Command("javac", "-d", classes, "-cp", jar, filepath.Join(clients, "JdbcTest.java")).CombinedOutput(); err != nil {
			t.Fatalf("javac: %v\n%s", err, out)
		}
		u, err := url.Parse(clientURL(t))
		if err != nil {
			t.Fatal(err)
		}
		password, _ := u.User.Password()
		args := []string{"-cp", classes + string(os.PathListSeparator) + jar, "JdbcTest",
			"jdbc:postgresql://" + u.Host + u.Path, u.User.Username()}
		if password != "" {
			args = append(args, password)
		}
		runClient(t, "jdbc", clients, "java", args...)
	})

	t.Run("node", func(t *testing.T) {
		dir := filepath.Join(clients, "node")
		needClient(t, haveCommand("node", "--version"), "node is not installed (Debian: nodejs)")
		_, err := os.Stat(filepath.Join(dir, "node_modules", "pg", "package.json"))
		needClient(t, err == nil, "node-postgres is not installed in testdata/clients/node (.ci/setup runs npm ci there)")
		runClient(t, "node", dir, "node", "pg_test.js", clientURL(t))
	})

	t.Run("postgresjs", func(t *testing.T) {
		dir := filepath.Join(clients, "node")
		needClient(t, haveCommand("node", "--version"), "node is not installed (Debian: nodejs)")
		_, err := os.Stat(filepath.Join(dir, "node_modules", "postgres", "package.json"))
		needClient(t, err == nil, "postgres.js is not installed in testdata/clients/node (.ci/setup runs npm ci there)")
		runClient(t, "postgresjs", dir, "node", "postgres_test.js", clientURL(t))
	})

	t.Run("pgx", func(t *testing.T) { testPgx(t, clientURL(t)) })
}

// pgxValues are the values the pgx test sends and reads back, one per
// type, in binary.
type pgxValues struct {
	i2   int16
	i4   int32
	i8   int64
	f4   float32
	f8   float64
	num  pgtype.Numeric
	txt  string
	byt  []byte
	b    bool
	d    time.Time
	ts   time.Time
	tstz time.Time
	iv   pgtype.Interval
	js   map[string]any
}

const pgxColumns = "i2, i4, i8, f4, f8, num, txt, byt, b, d, ts, tstz, iv, js"

var pgxColumnNames = strings.Split(pgxColumns, ", ")

var pgxTypes = []string{"int2", "int4", "int8", "float4", "float8", "numeric", "text", "bytea", "bool", "date", "timestamp", "timestamptz", "interval", "jsonb"}

func (v *pgxValues) args() []any {
	return []any{v.i2, v.i4, v.i8, v.f4, v.f8, v.num, v.txt, v.byt, v.b, v.d, v.ts, v.tstz, v.iv, v.js}
}

func (v *pgxValues) dests() []any {
	return []any{&v.i2, &v.i4, &v.i8, &v.f4, &v.f8, &v.num, &v.txt, &v.byt, &v.b, &v.d, &v.ts, &v.tstz, &v.iv, &v.js}
}

func numeric(t *testing.T, s string) pgtype.Numeric {
	t.Helper()
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		t.Fatalf("numeric %q: %v", s, err)
	}
	return n
}

func numText(n pgtype.Numeric) string {
	if n.NaN {
		return "NaN"
	}
	b, _ := n.MarshalJSON()
	return string(b)
}

func pgxSamples(t *testing.T) []pgxValues {
	utc := time.UTC
	return []pgxValues{{
		i2: 12, i4: 1234567, i8: 1234567890123, f4: 1.5, f8: 3.25,
		num: numeric(t, "12345.678"), txt: "héllo, wörld", byt: []byte{0, 1, 2, 0xfe, 0xff}, b: true,
		d:    time.Date(2024, 2, 29, 0, 0, 0, 0, utc),
		ts:   time.Date(2024, 2, 29, 13, 14, 15, 123456000, utc),
		tstz: time.Date(2024, 2, 29, 13, 14, 15, 654321000, utc),
		iv:   pgtype.Interval{Months: 14, Days: 3, Microseconds: 4*3600e6 + 5e6 + 6, Valid: true},
		js:   map[string]any{"a": []any{1.0, "two", nil}, "b": map[string]any{"c": true}},
	}, {
		i2: math.MinInt16, i4: math.MinInt32, i8: math.MinInt64, f4: -0.1, f8: math.Inf(-1),
		num: numeric(t, "-0.000000123"), txt: "", byt: []byte{}, b: false,
		d:    time.Date(1999, 12, 31, 0, 0, 0, 0, utc),
		ts:   time.Date(1970, 1, 1, 0, 0, 0, 0, utc),
		tstz: time.Date(1969, 7, 20, 20, 17, 40, 0, utc),
		iv:   pgtype.Interval{Months: -1, Days: -2, Microseconds: -3, Valid: true},
		js:   map[string]any{},
	}, {
		i2: math.MaxInt16, i4: math.MaxInt32, i8: math.MaxInt64, f4: math.MaxFloat32, f8: 1e-300,
		num: numeric(t, "123456789012345678901234567890.123456789"), txt: "quote ' and \\ and \t tab", byt: bytes.Repeat([]byte{0xab}, 300), b: true,
		d:    time.Date(2100, 1, 1, 0, 0, 0, 0, utc),
		ts:   time.Date(2038, 1, 19, 3, 14, 8, 1000, utc),
		tstz: time.Date(2262, 4, 11, 23, 47, 16, 0, utc),
		iv:   pgtype.Interval{Microseconds: 0, Valid: true},
		js:   map[string]any{"k": 1.5e10, "s": "ü\"\\"},
	}}
}

func comparePgx(t *testing.T, what string, got, want pgxValues) {
	t.Helper()
	g, w := got.args(), want.args()
	for i := range g {
		gi, wi := g[i], w[i]
		if gn, ok := gi.(pgtype.Numeric); ok {
			gi, wi = numText(gn), numText(wi.(pgtype.Numeric))
		}
		if gt, ok := gi.(time.Time); ok {
			gi, wi = gt.UTC().Format(time.RFC3339Nano), wi.(time.Time).UTC().Format(time.RFC3339Nano)
		}
		if !reflect.DeepEqual(gi, wi) {
			t.Errorf("pgx %s: %s: got %#v, want %#v", what, pgxTypes[i], gi, wi)
		}
	}
}

// testPgx round-trips every type pgx encodes in binary through parameters,
// a table, a batch and COPY FROM (binary COPY).
func testPgx(t *testing.T, conn string) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	samples := pgxSamples(t)

	// Parameters in, results out, all binary (extended protocol, described
	// statement: pgx picks binary for every type it knows).
	var casts []string
	for i, typ := range pgxTypes {
		casts = append(casts, fmt.Sprintf("$%d::%s", i+1, typ))
	}
	roundTrip := "SELECT " + strings.Join(casts, ", ")
	// pgx asks for text results of text and jsonb unless told otherwise;
	// the second pass asks for binary everywhere.
	for _, allBinary := range []bool{false, true} {
		for i, s := range samples {
			args := s.args()
			what := fmt.Sprintf("round trip %d", i)
			if allBinary {
				args = append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)
				what = fmt.Sprintf("all-binary round trip %d", i)
			}
			rows, err := c.Query(ctx, roundTrip, args...)
			if err != nil {
				t.Fatalf("pgx %s: %v", what, err)
			}
			var got pgxValues
			for rows.Next() {
				for j, fd := range rows.FieldDescriptions() {
					textOK := !allBinary && (pgxTypes[j] == "text" || pgxTypes[j] == "jsonb")
					if fd.Format != pgx.BinaryFormatCode && !textOK {
						t.Errorf("pgx %s: %s came back in format %d, want binary", what, pgxTypes[j], fd.Format)
					}
				}
				if err := rows.Scan(got.dests()...); err != nil {
					t.Fatalf("pgx %s: scan: %v", what, err)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("pgx %s: %v", what, err)
			}
			comparePgx(t, what, got, s)
		}
	}

	mustExec(t, c, "DROP TABLE IF EXISTS pgx_types")
	var cols []string
	for i, typ := range pgxTypes {
		cols = append(cols, pgxColumnNames[i]+" "+typ)
	}
	mustExec(t, c, "CREATE TABLE pgx_types (id INT PRIMARY KEY, "+strings.Join(cols, ", ")+")")
	defer mustExec(t, c, "DROP TABLE pgx_types")
	insert := "INSERT INTO pgx_types (id, " + pgxColumns + ") VALUES ($1, " + strings.Join(placeholders(2, len(pgxTypes)), ", ") + ")"
	readBack := func(what string, base int) {
		t.Helper()
		for i, s := range samples {
			var got pgxValues
			if err := c.QueryRow(ctx, "SELECT "+pgxColumns+" FROM pgx_types WHERE id = $1", base+i).Scan(got.dests()...); err != nil {
				t.Errorf("pgx %s %d: %v", what, i, err)
				continue
			}
			comparePgx(t, fmt.Sprintf("%s %d", what, i), got, s)
		}
	}

	// Table round trip through prepared INSERTs.
	for i, s := range samples {
		if _, err := c.Exec(ctx, insert, append([]any{i}, s.args()...)...); err != nil {
			t.Fatalf("pgx insert %d: %v", i, err)
		}
	}
	readBack("table", 0)

	// A batch: pipelined statements, one sync.
	b := &pgx.Batch{}
	for i, s := range samples {
		b.Queue(insert, append([]any{100 + i}, s.args()...)...)
	}
	b.Queue("SELECT count(*) FROM pgx_types WHERE id >= $1", 100)
	b.Queue("UPDATE pgx_types SET txt = txt || $1 WHERE id = $2", "!", 100)
	br := c.SendBatch(ctx, b)
	for i := range samples {
		if tag, err := br.Exec(); err != nil || tag.RowsAffected() != 1 {
			t.Errorf("pgx batch insert %d: %v, %v", i, tag, err)
		}
	}
	var n int64
	if err := br.QueryRow().Scan(&n); err != nil || n != int64(len(samples)) {
		t.Errorf("pgx batch count: %d, %v; want %d", n, err, len(samples))
	}
	if tag, err := br.Exec(); err != nil || tag.String() != "UPDATE 1" {
		t.Errorf("pgx batch update: %q, %v", tag, err)
	}
	if err := br.Close(); err != nil {
		t.Fatalf("pgx batch: %v", err)
	}
	samples[0].txt += "!"
	readBack("batch", 100)
	samples[0].txt = strings.TrimSuffix(samples[0].txt, "!")

	// CopyFrom: COPY pgx_types FROM STDIN (FORMAT binary).
	var src [][]any
	for i, s := range samples {
		src = append(src, append([]any{int32(200 + i)}, s.args()...))
	}
	copied, err := c.CopyFrom(ctx, pgx.Identifier{"pgx_types"}, append([]string{"id"}, pgxColumnNames...), pgx.CopyFromRows(src))
	if err != nil {
		t.Fatalf("pgx CopyFrom: %v", err)
	}
	if copied != int64(len(samples)) {
		t.Errorf("pgx CopyFrom: copied %d rows, want %d", copied, len(samples))
	}
	readBack("copy", 200)

	// Many rows through CopyFrom, summed on the server.
	mustExec(t, c, "DROP TABLE IF EXISTS pgx_many")
	mustExec(t, c, "CREATE TABLE pgx_many (id BIGINT PRIMARY KEY, v NUMERIC)")
	defer mustExec(t, c, "DROP TABLE pgx_many")
	const many = 5000
	copied, err = c.CopyFrom(ctx, pgx.Identifier{"pgx_many"}, []string{"id", "v"}, pgx.CopyFromSlice(many, func(i int) ([]any, error) {
		return []any{int64(i), pgtype.Numeric{Int: big.NewInt(int64(i)), Exp: -2, Valid: true}}, nil
	}))
	if err != nil || copied != many {
		t.Fatalf("pgx CopyFrom %d rows: %d, %v", many, copied, err)
	}
	var count int64
	var sum pgtype.Numeric
	if err := c.QueryRow(ctx, "SELECT count(*), sum(v) FROM pgx_many").Scan(&count, &sum); err != nil {
		t.Fatalf("pgx sum: %v", err)
	}
	if want := "124975.00"; count != many || numText(sum) != want {
		t.Errorf("pgx CopyFrom many: count %d sum %s, want %d %s", count, numText(sum), many, want)
	}

	// An array parameter, as Go code passes a slice to = ANY($1).
	var hits int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pgx_many WHERE id = ANY($1)", []int64{1, 2, 4999, 5000}).Scan(&hits); err != nil || hits != 3 {
		t.Errorf("pgx = ANY($1) with an int8[] parameter: %d, %v; want 3"+
			" (known eddy gap: server/codec.go typeForOID decodes array parameters without their element type)", hits, err)
	}
}

func placeholders(from, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("$%d", from+i))
	}
	return out
}
