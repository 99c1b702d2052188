package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// testServer is a Server with a fake engine on a loopback port. Its cleanup
// stops the server and checks that no session or result was leaked.
type testServer struct {
	addr string
	eng  *fakeEngine
	stop func() error
}

func startServer(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := New(eng, append([]Option{WithLogger(log)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	ts := &testServer{addr: ln.Addr().String(), eng: eng}
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			serr = <-done
			if n := eng.sessions.Load(); n != 0 {
				t.Errorf("%d sessions left open after Serve returned", n)
			}
			if n := eng.results.Load(); n != 0 {
				t.Errorf("%d results left open after Serve returned", n)
			}
		})
		return serr
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

func (ts *testServer) url() string {
	return fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", ts.addr)
}

// connect opens a pgx connection that cancels statements with a
// CancelRequest when their context ends, as libpq-style clients do.
func (ts *testServer) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(ts.url())
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func pgErr(t *testing.T, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PgError, got %v", err)
	}
	return pe
}

func TestConnectParameterStatus(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	pc := c.PgConn()
	for k, want := range map[string]string{
		"server_version": "15.0 (eddy)", "TimeZone": "UTC", "integer_datetimes": "on",
		"standard_conforming_strings": "on", "client_encoding": "UTF8", "session_authorization": "eddy",
	} {
		if got := pc.ParameterStatus(k); got != want {
			t.Errorf("ParameterStatus(%q) = %q, want %q", k, got, want)
		}
	}
	if pc.PID() == 0 || len(pc.SecretKey()) == 0 {
		t.Errorf("no BackendKeyData: pid %d key %d", pc.PID(), pc.SecretKey())
	}
}

func TestSimpleProtocol(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	rows, err := c.Query(ctx, "select * from gen(3)", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("got %v", got)
	}
	if tag := rows.CommandTag().String(); tag != "SELECT 3" {
		t.Errorf("tag %q", tag)
	}
	fds := rows.FieldDescriptions()
	if len(fds) != 1 || fds[0].Name != "n" || fds[0].DataTypeOID != sql.OIDInt8 || fds[0].DataTypeSize != 8 ||
		fds[0].TableOID != 16384 || fds[0].TableAttributeNumber != 1 || fds[0].Format != 0 {
		t.Errorf("field descriptions %+v", fds)
	}
}

func TestExtendedProtocolParams(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	var a int32
	var b int64
	var s string
	var ok bool
	// pgx binds int4/int8/bool in binary and asks for binary results.
	err := c.QueryRow(ctx, "echo int4 int8 text bool", int32(-42), int64(1)<<40, "héllo", true).Scan(&a, &b, &s, &ok)
	if err != nil {
		t.Fatal(err)
	}
	if a != -42 || b != 1<<40 || s != "héllo" || !ok {
		t.Errorf("got %v %v %q %v", a, b, s, ok)
	}
	// NULL parameters and text-format parameters.
	var np *int64
	var ts2 string
	if err := c.QueryRow(ctx, "echo int8 text", nil, "x").Scan(&np, &ts2); err != nil {
		t.Fatal(err)
	}
	if np != nil || ts2 != "x" {
		t.Errorf("got %v %q", np, ts2)
	}
	// Text result format, through the pgconn layer.
	res := c.PgConn().ExecParams(ctx, "echo int8", [][]byte{[]byte("12")}, nil, []int16{0}, []int16{0}).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if string(res.Rows[0][0]) != "12" || res.FieldDescriptions[0].Format != 0 {
		t.Errorf("text result %q %+v", res.Rows, res.FieldDescriptions)
	}
}

func TestBinaryResults(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	res := c.PgConn().ExecParams(ctx, "select * from gen(2)", nil, nil, nil, []int16{1}).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Rows) != 2 || fmt.Sprint(res.Rows[1][0]) != "[0 0 0 0 0 0 0 2]" || res.FieldDescriptions[0].Format != 1 {
		t.Errorf("rows %v fields %+v", res.Rows, res.FieldDescriptions)
	}
}

func TestPreparedStatementReused(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	sd, err := c.Prepare(ctx, "echo_twice", "echo int8 text")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sd.ParamOIDs) != "[20 25]" || len(sd.Fields) != 2 {
		t.Fatalf("description %+v", sd)
	}
	for i := range 10 {
		var n int64
		var s string
		if err := c.QueryRow(ctx, "echo_twice", int64(i), fmt.Sprint(i)).Scan(&n, &s); err != nil {
			t.Fatalf("execution %d: %v", i, err)
		}
		if n != int64(i) || s != fmt.Sprint(i) {
			t.Fatalf("execution %d: got %d %q", i, n, s)
		}
	}
}

func TestCancelRequest(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := c.Exec(ctx, "select pg_sleep", mode)
		cancel()
		if pe := pgErr(t, err); pe.Code != sql.CodeQueryCanceled {
			t.Fatalf("%v: got %v, want 57014", mode, err)
		}
		var n int
		if err := c.QueryRow(testCtx(t), "select 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%v: connection unusable after cancel: %v", mode, err)
		}
	}
}

func TestErrorsCarryCodeAndPosition(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		_, err := c.Exec(ctx, "selec 1", mode)
		if pe := pgErr(t, err); pe.Code != sql.CodeSyntaxError || pe.Position != 1 || pe.Severity != "ERROR" {
			t.Errorf("%v parse error: %+v", mode, pe)
		}
		_, err = c.Exec(ctx, "fail", mode)
		if pe := pgErr(t, err); pe.Code != sql.CodeDivisionByZero || pe.Position != 8 || pe.Message != "division by zero" {
			t.Errorf("%v execute error: %+v", mode, pe)
		}
	}
}

func TestMultiStatementErrorSkipsRest(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	results, err := c.PgConn().Exec(ctx, "select 1; set application_name before; fail; set application_name after").ReadAll()
	if pe := pgErr(t, err); pe.Code != sql.CodeDivisionByZero {
		t.Fatalf("got %v", err)
	}
	if len(results) < 2 || len(results) > 3 || results[0].CommandTag.String() != "SELECT 1" || results[1].CommandTag.String() != "SET" {
		t.Errorf("results %+v", results)
	}
	// The statement before the error ran and was reported; the one after did not run.
	if got := c.PgConn().ParameterStatus("application_name"); got != "before" {
		t.Errorf("application_name %q, want before", got)
	}
}

func TestEnginePanicRecovered(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	for _, q := range []string{"panic", "panicnext"} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
			_, err := c.Exec(ctx, q, mode)
			if pe := pgErr(t, err); pe.Code != sql.CodeInternal {
				t.Errorf("%s %v: got %v", q, mode, err)
			}
			var n int
			if err := c.QueryRow(ctx, "select 1", mode).Scan(&n); err != nil {
				t.Fatalf("%s %v: session unusable: %v", q, mode, err)
			}
		}
	}
}

func TestMaxConnections(t *testing.T) {
	ts := startServer(t, WithMaxConnections(1))
	ts.connect(t)
	_, err := pgx.Connect(testCtx(t), ts.url())
	if pe := pgErr(t, err); pe.Code != sql.CodeTooManyConnections || pe.Severity != "FATAL" {
		t.Fatalf("got %v", err)
	}
}

func TestConnectError(t *testing.T) {
	ts := startServer(t)
	_, err := pgx.Connect(testCtx(t), fmt.Sprintf("postgres://eddy@%s/nodb?sslmode=disable", ts.addr))
	if pe := pgErr(t, err); pe.Code != sql.CodeInvalidCatalogName || pe.Severity != "FATAL" {
		t.Fatalf("got %v", err)
	}
}

func TestSSLRequestDeclined(t *testing.T) {
	ts := startServer(t)
	// sslmode=prefer sends an SSLRequest and goes on in plaintext after 'N'.
	c, err := pgx.Connect(testCtx(t), fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=prefer", ts.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var n int
	if err := c.QueryRow(testCtx(t), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatal(err)
	}
}

func TestShutdownTerminatesSessions(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), "select pg_sleep")
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the statement start
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	if pe := pgErr(t, err); pe.Code != sql.CodeAdminShutdown || pe.Severity != "FATAL" {
		t.Fatalf("got %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	ts := startServer(t)
	var clients sync.WaitGroup
	for range 3 {
		c := ts.connect(t)
		var n int
		if err := c.QueryRow(testCtx(t), "select 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		// Leave some connections open and mid-query: Serve must end them all.
		clients.Go(func() { c.Exec(context.Background(), "select pg_sleep") })
	}
	raw, err := net.Dial("tcp", ts.addr) // one stuck in startup
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	time.Sleep(50 * time.Millisecond)
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	clients.Wait()
	// pgx's own goroutines wind down once their sockets close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		raw.Close()
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCopy(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	ctx := testCtx(t)
	var out strings.Builder
	tag, err := c.PgConn().CopyTo(ctx, &out, "copy out 3")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n2\n3\n" || tag.String() != "COPY 3" {
		t.Errorf("copy out: %q %q", out.String(), tag)
	}
	tag, err = c.PgConn().CopyFrom(ctx, strings.NewReader("a\nb\n"), "copy in")
	if err != nil || tag.String() != "COPY 2" {
		t.Errorf("copy in: %q %v", tag, err)
	}
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader("a\nbad\n"), "copy in")
	if pe := pgErr(t, err); pe.Code != sql.CodeInvalidTextRepresentation {
		t.Errorf("copy in error: %v", err)
	}
	var n int
	if err := c.QueryRow(ctx, "select 1").Scan(&n); err != nil {
		t.Fatalf("session unusable after COPY error: %v", err)
	}
}
