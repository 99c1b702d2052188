package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestPortalMove checks that MOVE and FETCH name a portal bound over the
// extended protocol, as in PostgreSQL, where portals and cursors are one
// namespace: asyncpg's Cursor.forward sends MOVE on the portal it reads
// with Execute.
func TestPortalMove(t *testing.T) {
	exchange, check := portalWire(t)
	check("begin", exchange(&pgproto3.Query{String: "BEGIN"}), "[BEGIN]")
	check("execute 3", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 10) AS g"},
		&pgproto3.Bind{DestinationPortal: "p1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 3},
		&pgproto3.Sync{}), "1 2 3 suspended")
	check("move", exchange(&pgproto3.Query{String: `MOVE FORWARD 2 "p1"`}), "[MOVE 2]")
	check("fetch", exchange(&pgproto3.Query{String: `FETCH 1 FROM p1`}), "6 [FETCH 1]")
	// PostgreSQL's tag counts this Execute's rows, not the portal's.
	check("execute rest", exchange(&pgproto3.Execute{Portal: "p1"}, &pgproto3.Sync{}), "7 8 9 10 [SELECT 4]")
	check("move at end", exchange(&pgproto3.Query{String: `MOVE 5 p1`}), "[MOVE 0]")
	// A portal not yet executed starts at its first row.
	check("move before execute", exchange(
		&pgproto3.Parse{Query: "SELECT generate_series(1, 3)"},
		&pgproto3.Bind{DestinationPortal: "p2"},
		&pgproto3.Sync{}), "")
	check("move before execute", exchange(&pgproto3.Query{String: `MOVE 1 p2`}), "[MOVE 1]")
	check("execute after move", exchange(&pgproto3.Execute{Portal: "p2"}, &pgproto3.Sync{}), "2 3 [SELECT 2]")
	check("no such portal", exchange(&pgproto3.Query{String: `MOVE 1 p3`}), "error 34000")
	check("rollback", exchange(&pgproto3.Query{String: "ROLLBACK"}), "[ROLLBACK]")
	// The portals went with their transaction.
	check("portal closed", exchange(&pgproto3.Query{String: `FETCH 1 p1`}), "error 34000")
}

// TestBackendPID checks that pg_backend_pid() is the process ID the client
// got in BackendKeyData, as tools that cancel or look up sessions assume.
func TestBackendPID(t *testing.T) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, clientURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var pid int32
	if err := c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if uint32(pid) != c.PgConn().PID() || pid == 0 {
		t.Errorf("pg_backend_pid() = %d, BackendKeyData said %d", pid, c.PgConn().PID())
	}
}

// portalWire connects to the server under test and returns exchange, which
// sends protocol messages and summarizes the replies up to ReadyForQuery
// (data rows' first values, [command tags], "suspended", "error CODE"),
// and check, which compares a summary.
func portalWire(t *testing.T) (exchange func(msgs ...pgproto3.FrontendMessage) string, check func(what, got, want string)) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, clientURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	pc := c.PgConn()
	fe := pc.Frontend()
	exchange = func(msgs ...pgproto3.FrontendMessage) string {
		t.Helper()
		for _, m := range msgs {
			fe.Send(m)
		}
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var out []string
		for {
			m, err := pc.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch m := m.(type) {
			case *pgproto3.DataRow:
				out = append(out, string(m.Values[0]))
			case *pgproto3.CommandComplete:
				out = append(out, "["+string(m.CommandTag)+"]")
			case *pgproto3.PortalSuspended:
				out = append(out, "suspended")
			case *pgproto3.ErrorResponse:
				out = append(out, "error "+m.Code)
			case *pgproto3.ReadyForQuery:
				return strings.Join(out, " ")
			}
		}
	}
	check = func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %q, want %q", what, got, want)
		}
	}
	return exchange, check
}
