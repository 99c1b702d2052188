package server

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
)

func encodeAll(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b, _ = m.Encode(b)
	}
	return b
}

// FuzzBackendMessages feeds arbitrary bytes, after a valid startup, as a
// client's stream into one connection. The server must neither panic nor hang:
// the connection must end by itself, or at the latest when the server shuts
// down.
func FuzzBackendMessages(f *testing.F) {
	f.Add(encodeAll(&pgproto3.Query{String: "select 1"}))
	f.Add(encodeAll(&pgproto3.Query{String: "begin; select * from gen(3); fail; commit"}))
	f.Add(encodeAll(&pgproto3.Parse{Name: "s", Query: "echo int4 text"},
		&pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{{0, 0, 0, 1}, nil}, ParameterFormatCodes: []int16{1, 0}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(encodeAll(&pgproto3.Parse{Query: "select * from gen(10)"}, &pgproto3.Bind{ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{MaxRows: 3}, &pgproto3.Flush{}, &pgproto3.Execute{}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Sync{}))
	f.Add(encodeAll(&pgproto3.Query{String: "panicnext"}, &pgproto3.Parse{Query: "panic"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Add(encodeAll(&pgproto3.Query{String: "select pg_sleep"}))
	f.Add(encodeAll(&pgproto3.CopyData{Data: []byte("x")}, &pgproto3.CopyDone{}, &pgproto3.Terminate{}))
	f.Add([]byte{'Q', 0, 0, 0, 4})
	f.Add([]byte{'f', 0, 0, 0, 4})

	startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "fuzz"}}).Encode(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := New(&fakeEngine{}, WithMaxMessageSize(1<<16))
		server, client := net.Pipe()
		ctx, shutdown := context.WithCancelCause(context.Background())
		defer shutdown(nil)
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.serveConn(ctx, server, true)
		}()
		go drain(client)
		go func() {
			// net.Pipe is unbuffered: these writes fail once the server has
			// closed its end, so this goroutine cannot outlive the test by much.
			client.Write(startup)
			client.Write(data)
			// A well-framed stream then ends by itself, quickly.
			client.Write(encodeAll(&pgproto3.Sync{}, &pgproto3.Terminate{}))
		}()
		defer client.Close()
		select {
		case <-done:
			return
		case <-time.After(50 * time.Millisecond):
		}
		// Still running, typically waiting for more input or in pg_sleep:
		// shutting down must end it.
		shutdown(errShutdown)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("connection did not end after shutdown")
		}
	})
}

func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed; this interop test needs it on PATH")
	}
	ts := startServer(t)
	host, port, _ := net.SplitHostPort(ts.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// psql's default sslmode=prefer also exercises the declined SSLRequest.
	cmd := exec.CommandContext(ctx, psql, "-X", "-w", "-h", host, "-p", port, "-U", "eddy", "-d", "eddy",
		"-c", "select 1", "-c", "select * from gen(3)")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	want := ` ?column? 
----------
        1
(1 row)

 n 
---
 1
 2
 3
(3 rows)
`
	if got := strings.ReplaceAll(string(out), "\r", ""); strings.TrimSpace(got) != strings.TrimSpace(want) {
		t.Errorf("psql output:\n%s\nwant:\n%s", got, want)
	}
}
