package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestNotifyWire checks when NotificationResponse reaches the client, on
// the wire as psql sees it: at once while the session idles, only before
// ReadyForQuery while a pipeline of the extended protocol has not synced,
// and after COMMIT while a transaction is open.
func TestNotifyWire(t *testing.T) {
	ctx := context.Background()
	url := clientURL(t)
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	other := connectN(t, url, 1)[0]
	pc := c.PgConn()
	fe := pc.Frontend()

	// read summarizes the messages that arrive within d, or up to
	// ReadyForQuery: "note:payload", "[tag]", "ready:I".
	read := func(d time.Duration) string {
		t.Helper()
		var out []string
		for {
			rctx, cancel := context.WithTimeout(ctx, d)
			m, err := pc.ReceiveMessage(rctx)
			cancel()
			if err != nil {
				if rctx.Err() != nil {
					return strings.Join(out, " ")
				}
				t.Fatal(err)
			}
			switch m := m.(type) {
			case *pgproto3.NotificationResponse:
				out = append(out, "note:"+m.Payload)
			case *pgproto3.CommandComplete:
				out = append(out, "["+string(m.CommandTag)+"]")
			case *pgproto3.ErrorResponse:
				out = append(out, "error "+m.Code)
			case *pgproto3.ReadyForQuery:
				return strings.Join(append(out, "ready:"+string(m.TxStatus)), " ")
			}
		}
	}
	send := func(msgs ...pgproto3.FrontendMessage) {
		t.Helper()
		for _, m := range msgs {
			fe.Send(m)
		}
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %q, want %q", what, got, want)
		}
	}

	send(&pgproto3.Query{String: "LISTEN wire"})
	expect("listen", read(5*time.Second), "[LISTEN] ready:I")
	exec1(t, other, "NOTIFY wire, 'idle'")
	expect("idle delivery", read(2*time.Second), "note:idle")

	// A notifier that listens hears itself before its ReadyForQuery.
	send(&pgproto3.Query{String: "NOTIFY wire, 'self'"})
	expect("self", read(5*time.Second), "[NOTIFY] note:self ready:I")

	// Mid-pipeline the implicit transaction is open: the notification
	// waits for Sync.
	send(&pgproto3.Parse{Query: "SELECT 1"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{})
	expect("pipeline", read(500*time.Millisecond), "[SELECT 1]")
	exec1(t, other, "NOTIFY wire, 'synced'")
	expect("pipeline, notified", read(300*time.Millisecond), "")
	send(&pgproto3.Sync{})
	expect("sync", read(5*time.Second), "note:synced ready:I")

	// Inside a transaction block: after it ends.
	send(&pgproto3.Query{String: "BEGIN"})
	expect("begin", read(5*time.Second), "[BEGIN] ready:T")
	exec1(t, other, "NOTIFY wire, 'after'")
	expect("in transaction", read(300*time.Millisecond), "")
	send(&pgproto3.Query{String: "COMMIT"})
	expect("commit", read(5*time.Second), "[COMMIT] note:after ready:I")
}
