package server

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
)

// Wire tests as message scripts: send frontend messages, then read backend
// messages up to a ReadyForQuery (or the end of the connection) and compare
// them, summarized one per line, with what PostgreSQL would answer.

type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, ts *testServer) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(pgproto3.NewChunkReader(nc), nc)}
}

// startup opens a session and discards the greeting.
func (c *rawClient) startup() {
	c.t.Helper()
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "eddy", "database": "eddy"}})
	c.until()
}

func (c *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		if err := c.fe.Send(m); err != nil {
			c.t.Fatalf("send %T: %v", m, err)
		}
	}
}

// until reads messages up to and including a ReadyForQuery, or to the end of
// the stream, and returns their summaries.
func (c *rawClient) until() string {
	c.t.Helper()
	var out []string
	for {
		m, err := c.fe.Receive()
		if err != nil {
			out = append(out, "EOF")
			return strings.Join(out, "\n")
		}
		out = append(out, summarize(m))
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return strings.Join(out, "\n")
		}
	}
}

// read reads exactly n messages, for exchanges that do not end in ReadyForQuery.
func (c *rawClient) read(n int) string {
	c.t.Helper()
	var out []string
	for range n {
		m, err := c.fe.Receive()
		if err != nil {
			c.t.Fatalf("after %q: %v", out, err)
		}
		out = append(out, summarize(m))
	}
	return strings.Join(out, "\n")
}

func summarize(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.RowDescription:
		var f []string
		for _, fd := range m.Fields {
			f = append(f, fmt.Sprintf("%s:%d:%d:%d", fd.Name, fd.DataTypeOID, fd.DataTypeSize, fd.Format))
		}
		return "RowDescription " + strings.Join(f, " ")
	case *pgproto3.DataRow:
		var v []string
		for _, b := range m.Values {
			if b == nil {
				v = append(v, "NULL")
			} else {
				v = append(v, fmt.Sprintf("%q", b))
			}
		}
		return "DataRow " + strings.Join(v, " ")
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("ErrorResponse %s %s %s", m.Severity, m.Code, m.Message)
	case *pgproto3.NoticeResponse:
		return fmt.Sprintf("NoticeResponse %s %s %s", m.Severity, m.Code, m.Message)
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	case *pgproto3.ParameterStatus:
		return fmt.Sprintf("ParameterStatus %s=%s", m.Name, m.Value)
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3.")
}

func expect(t *testing.T, got, want string) {
	t.Helper()
	want = strings.TrimSpace(strings.ReplaceAll(want, "\t", ""))
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestScriptPortalSuspended also checks the tags PostgreSQL gives a portal
// read in chunks: each counts the rows of the Execute that ended it.
func TestScriptPortalSuspended(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts)
	c.startup()
	c.send(&pgproto3.Parse{Query: "select * from gen(5)"},
		&pgproto3.Bind{},
		&pgproto3.Execute{MaxRows: 2},
		&pgproto3.Flush{})
	expect(t, c.read(5), `
		ParseComplete
		BindComplete
		DataRow "1"
		DataRow "2"
		PortalSuspended`)
	c.send(&pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Sync{})
	expect(t, c.until(), `
		DataRow "3"
		DataRow "4"
		PortalSuspended
		DataRow "5"
		CommandComplete SELECT 1
		ReadyForQuery I`)
	// Sync outside a transaction closed the portal.
	c.send(&pgproto3.Execute{}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ErrorResponse ERROR 34000 portal "" does not exist
		ReadyForQuery I`)
	// Inside a transaction the portal outlives Sync.
	c.send(&pgproto3.Query{String: "begin"})
	c.until()
	// (The Query dropped the unnamed statement, as in PostgreSQL.)
	c.send(&pgproto3.Parse{Query: "select * from gen(5)"}, &pgproto3.Bind{DestinationPortal: "p"},
		&pgproto3.Execute{Portal: "p", MaxRows: 4}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ParseComplete
		BindComplete
		DataRow "1"
		DataRow "2"
		DataRow "3"
		DataRow "4"
		PortalSuspended
		ReadyForQuery T`)
	c.send(&pgproto3.Execute{Portal: "p", MaxRows: 1}, &pgproto3.Execute{Portal: "p", MaxRows: 1}, &pgproto3.Sync{})
	expect(t, c.until(), `
		DataRow "5"
		PortalSuspended
		CommandComplete SELECT 0
		ReadyForQuery T`)
}

func TestScriptErrorSkipsToSync(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts)
	c.startup()
	c.send(&pgproto3.Parse{Query: "fail"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "select 1"}, // skipped
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
		&pgproto3.Parse{Query: "select 1"}, // after Sync: runs
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Sync{})
	expect(t, c.until(), `
		ParseComplete
		BindComplete
		ErrorResponse ERROR 22012 division by zero
		ReadyForQuery I`)
	expect(t, c.until(), `
		ParseComplete
		BindComplete
		DataRow "1"
		CommandComplete SELECT 1
		ReadyForQuery I`)
	// Protocol-level checks.
	c.send(&pgproto3.Parse{Query: "select 1; select 1"}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ErrorResponse ERROR 42601 cannot insert multiple commands into a prepared statement
		ReadyForQuery I`)
	c.send(&pgproto3.Parse{Name: "e", Query: "echo int8"},
		&pgproto3.Bind{PreparedStatement: "e"}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ParseComplete
		ErrorResponse ERROR 08P01 bind message supplies 0 parameters, but prepared statement "e" requires 1
		ReadyForQuery I`)
	c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: [][]byte{[]byte("x")}}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ErrorResponse ERROR 22P02 invalid input syntax for type bigint: "x"
		ReadyForQuery I`)
	c.send(&pgproto3.Bind{PreparedStatement: "nope"}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ErrorResponse ERROR 26000 prepared statement "nope" does not exist
		ReadyForQuery I`)
	c.send(&pgproto3.Parse{Name: "e", Query: "select 1"}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ErrorResponse ERROR 42P05 prepared statement "e" already exists
		ReadyForQuery I`)
}

func TestScriptDescribeAndClose(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts)
	c.startup()
	c.send(&pgproto3.Parse{Name: "s", Query: "echo int4 text", ParameterOIDs: []uint32{0, 0}},
		&pgproto3.Describe{ObjectType: 'S', Name: "s"},
		&pgproto3.Bind{PreparedStatement: "s", DestinationPortal: "p",
			Parameters: [][]byte{{0, 0, 0, 7}, []byte("hi")}, ParameterFormatCodes: []int16{1, 0},
			ResultFormatCodes: []int16{1, 0}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"},
		&pgproto3.Execute{Portal: "p"},
		&pgproto3.Parse{Name: "i", Query: "insert"},
		&pgproto3.Describe{ObjectType: 'S', Name: "i"},
		&pgproto3.Parse{Name: "empty", Query: ""},
		&pgproto3.Describe{ObjectType: 'S', Name: "empty"},
		&pgproto3.Bind{PreparedStatement: "empty"},
		&pgproto3.Execute{},
		&pgproto3.Close{ObjectType: 'S', Name: "s"},
		&pgproto3.Close{ObjectType: 'P', Name: "p"},
		&pgproto3.Close{ObjectType: 'P', Name: "never-existed"},
		&pgproto3.Sync{})
	expect(t, c.until(), `
		ParseComplete
		ParameterDescription [23 25]
		RowDescription c1:23:4:0 c2:25:-1:0
		BindComplete
		RowDescription c1:23:4:1 c2:25:-1:0
		DataRow "\x00\x00\x00\a" "hi"
		CommandComplete SELECT 1
		ParseComplete
		ParameterDescription []
		NoData
		ParseComplete
		ParameterDescription []
		NoData
		BindComplete
		EmptyQueryResponse
		CloseComplete
		CloseComplete
		CloseComplete
		ReadyForQuery I`)
	c.send(&pgproto3.Describe{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{})
	expect(t, c.until(), `
		ErrorResponse ERROR 26000 prepared statement "s" does not exist
		ReadyForQuery I`)
}

func TestScriptSimpleQuery(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts)
	c.startup()
	c.send(&pgproto3.Query{String: ""})
	expect(t, c.until(), `
		EmptyQueryResponse
		ReadyForQuery I`)
	c.send(&pgproto3.Query{String: "begin; notice; set TimeZone Europe/Paris; insert"})
	expect(t, c.until(), `
		CommandComplete BEGIN
		NoticeResponse NOTICE 00000 just so you know
		RowDescription x:23:4:0
		DataRow "7"
		CommandComplete SELECT 1
		CommandComplete SET
		ParameterStatus TimeZone=Europe/Paris
		CommandComplete INSERT 0 1
		ReadyForQuery T`)
	c.send(&pgproto3.Query{String: "stream 3; commit"})
	expect(t, c.until(), `
		RowDescription n:20:8:0
		DataRow "0"
		DataRow "1"
		DataRow "2"
		CommandComplete SELECT 3
		CommandComplete COMMIT
		ReadyForQuery I`)
	c.send(&pgproto3.Terminate{})
	expect(t, c.until(), "EOF")
}

// rawBytes writes b after a valid startup and returns the replies.
func rawBytes(t *testing.T, ts *testServer, b []byte) string {
	c := dialRaw(t, ts)
	c.startup()
	if _, err := c.nc.Write(b); err != nil {
		t.Fatal(err)
	}
	return c.until()
}

func TestScriptMalformed(t *testing.T) {
	ts := startServer(t, WithMaxMessageSize(1<<20))
	// Unknown message type: the framing is lost, so the connection ends.
	expect(t, rawBytes(t, ts, []byte{'!', 0, 0, 0, 4}), `
		ErrorResponse FATAL 08P01 invalid frontend message: unknown message type: !
		EOF`)
	// A length shorter than the length field itself.
	expect(t, rawBytes(t, ts, []byte{'Q', 0, 0, 0, 2}), `
		ErrorResponse FATAL 08P01 invalid frontend message: invalid message with negative body length received
		EOF`)
	// A length beyond the limit is refused before anything is allocated.
	expect(t, rawBytes(t, ts, []byte{'Q', 0x7f, 0, 0, 0}), `
		ErrorResponse FATAL 08P01 invalid frontend message: message too large: 2130706428 bytes, limit 1048576
		EOF`)
	// A well-framed body that does not decode: reported, and the session goes
	// on; being an extended-protocol message, the rest waits for Sync.
	c := dialRaw(t, ts)
	c.startup()
	c.nc.Write([]byte{'B', 0, 0, 0, 6, 'x', 'y'}) // portal name without its terminator
	c.send(&pgproto3.Execute{}, &pgproto3.Sync{}, &pgproto3.Query{String: "select 1"})
	expect(t, c.until(), `
		ErrorResponse ERROR 08P01 invalid message format: Bind body is invalid
		ReadyForQuery I`)
	expect(t, c.until(), `
		RowDescription ?column?:23:4:0
		DataRow "1"
		CommandComplete SELECT 1
		ReadyForQuery I`)
	// The same in a simple-protocol message, and a decoder that panics
	// (pgproto3's CopyFail on an empty body).
	c.nc.Write([]byte{'f', 0, 0, 0, 4})
	c.nc.Write([]byte{'Q', 0, 0, 0, 6, 'x', 'y'})
	expect(t, c.until(), `
		ErrorResponse ERROR 08P01 invalid message format: decoding message 'f': runtime error: slice bounds out of range [:-1]
		ReadyForQuery I`)
	expect(t, c.until(), `
		ErrorResponse ERROR 08P01 invalid message format: Query body is invalid
		ReadyForQuery I`)
	c.send(&pgproto3.Query{String: "select 1"})
	expect(t, c.until(), `
		RowDescription ?column?:23:4:0
		DataRow "1"
		CommandComplete SELECT 1
		ReadyForQuery I`)
	// A startup packet with another protocol version.
	c = dialRaw(t, ts)
	c.nc.Write([]byte{0, 0, 0, 8, 0, 2, 0, 0})
	expect(t, c.until(), `
		ErrorResponse FATAL 0A000 unsupported frontend protocol 2.0: server supports 3.0 to 3.0
		EOF`)
	// No user.
	c = dialRaw(t, ts)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"database": "x"}})
	expect(t, c.until(), `
		ErrorResponse FATAL 28000 no PostgreSQL user name specified in startup packet
		EOF`)
}

func TestRandomBytesDoNotDisturbOthers(t *testing.T) {
	ts := startServer(t, WithMaxMessageSize(1<<16))
	pg := ts.connect(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				nc, err := net.Dial("tcp", ts.addr)
				if err != nil {
					t.Error(err)
					return
				}
				nc.SetDeadline(time.Now().Add(2 * time.Second))
				go drain(nc)
				if j%2 == 1 { // half of them get past startup first
					m, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
						Parameters: map[string]string{"user": "x"}}).Encode(nil)
					nc.Write(m)
				}
				b := make([]byte, rng.IntN(512))
				for k := range b {
					b[k] = byte(rng.Uint32())
				}
				if len(b) > 5 && rng.IntN(2) == 0 { // plausible type and length
					b[0] = "QPBEDCSHXdcf"[rng.IntN(12)]
					binary.BigEndian.PutUint32(b[1:], uint32(rng.IntN(len(b))))
				}
				nc.Write(b)
				nc.Close()
			}
		})
	}
	ctx := testCtx(t)
	for i := range 50 {
		var n int64
		if err := pg.QueryRow(ctx, "echo int8", int64(i)).Scan(&n); err != nil || n != int64(i) {
			t.Fatalf("query %d: %v (got %d)", i, err, n)
		}
	}
	close(stop)
	wg.Wait()
}

func drain(nc net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := nc.Read(buf); err != nil {
			return
		}
	}
}

func TestScriptCopyFail(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts)
	c.startup()
	c.send(&pgproto3.Query{String: "copy in"})
	expect(t, c.read(1), "CopyInResponse")
	c.send(&pgproto3.CopyData{Data: []byte("a\n")}, &pgproto3.CopyFail{Message: "user gave up"})
	expect(t, c.until(), `
		ErrorResponse ERROR 57014 COPY from stdin failed: user gave up
		ReadyForQuery I`)
	// Copy messages after the COPY ended are ignored.
	c.send(&pgproto3.CopyData{Data: []byte("late")}, &pgproto3.CopyDone{}, &pgproto3.Query{String: "copy out 1"})
	expect(t, c.until(), `
		CopyOutResponse
		CopyData
		CopyDone
		CommandComplete COPY 1
		ReadyForQuery I`)
}

func TestClientGoneCancelsStatement(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts)
	c.startup()
	c.send(&pgproto3.Query{String: "select pg_sleep"})
	time.Sleep(20 * time.Millisecond)
	c.nc.Close()
	// The reader sees EOF and cancels the statement's context; the session
	// then closes without waiting for server shutdown.
	deadline := time.Now().Add(5 * time.Second)
	for ts.eng.sessions.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("statement of a vanished client still running")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
