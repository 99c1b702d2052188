package exec

import (
	"context"
	"sync"

	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// LISTEN, NOTIFY and UNLISTEN as PostgreSQL has them: a transaction's
// notifications and its LISTEN and UNLISTEN take effect when it commits
// and vanish when it rolls back; a notification goes to every session
// listening on its channel then, the notifier included; identical
// notifications of one transaction are sent once. The server delivers a
// session's notifications (server.Listener) when it is idle outside a
// transaction: before ReadyForQuery and while it waits for the client.

// Limits of PostgreSQL 15 (NAMEDATALEN and NOTIFY_PAYLOAD_MAX_LENGTH).
const (
	maxChannelLen = 63
	maxPayloadLen = 7999
)

// notifyHub knows which sessions listen on which channel.
type notifyHub struct {
	mu       sync.Mutex
	channels map[string]map[*Session]struct{}
}

// notification is one pending NOTIFY of a transaction.
type notification struct{ channel, payload string }

// listenAction is a LISTEN or UNLISTEN waiting for its transaction to
// commit; all is UNLISTEN *.
type listenAction struct {
	channel string
	listen  bool
	all     bool
}

// sessionNotify is a session's part: what its open transaction (or
// autocommit statement) will do at commit, the channels it listens on,
// and the notifications that have reached it but not the client yet.
type sessionNotify struct {
	pending []notification
	seen    map[notification]struct{} // pending, for folding duplicates
	actions []listenAction
	// listening is the committed set; only the session's goroutine
	// changes it, under the hub's lock.
	listening map[string]struct{}

	mu    sync.Mutex
	inbox []server.Notification
	wake  chan struct{}
}

func init() {
	builtin.Register(&builtin.Func{Name: "pg_notify", Args: []sql.Type{sql.Text, sql.Text}, Ret: sql.Void, Volatile: true, NonStrict: true,
		Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
			if ctx == nil || ctx.Notify == nil {
				return sql.Null, sql.Errorf(sql.CodeFeatureNotSupported, "pg_notify is not available here")
			}
			var ch, payload string
			if !a[0].IsNull() {
				ch = a[0].Text()
			}
			if !a[1].IsNull() {
				payload = a[1].Text()
			}
			return sql.Null, ctx.Notify(ch, payload)
		}})
}

// queueNotify queues a notification for the commit of the session's
// transaction, folding it into an identical one already queued.
func (s *Session) queueNotify(channel, payload string) error {
	switch {
	case channel == "":
		return sql.Errorf(sql.CodeInvalidParameterValue, "channel name cannot be empty")
	case len(channel) > maxChannelLen:
		return sql.Errorf(sql.CodeInvalidParameterValue, "channel name too long")
	case len(payload) > maxPayloadLen:
		return sql.Errorf(sql.CodeInvalidParameterValue, "payload string too long")
	}
	n := &s.notify
	k := notification{channel, payload}
	if _, dup := n.seen[k]; dup {
		return nil
	}
	if n.seen == nil {
		n.seen = map[notification]struct{}{}
	}
	n.seen[k] = struct{}{}
	n.pending = append(n.pending, k)
	return nil
}

// listenStmt prepares LISTEN, UNLISTEN or NOTIFY.
func (s *Session) listenStmt(st sql.Stmt) (*statement, bool) {
	switch n := st.(type) {
	case *sql.Listen:
		return s.simple(func(context.Context) (string, error) {
			s.notify.actions = append(s.notify.actions, listenAction{channel: n.Channel, listen: true})
			return "LISTEN", nil
		}), true
	case *sql.Unlisten:
		return s.simple(func(context.Context) (string, error) {
			s.notify.actions = append(s.notify.actions, listenAction{channel: n.Channel, all: n.All})
			return "UNLISTEN", nil
		}), true
	case *sql.Notify:
		return s.simple(func(context.Context) (string, error) {
			return "NOTIFY", s.queueNotify(n.Channel, n.Payload)
		}), true
	}
	return nil, false
}

// txnEnded ends what lasts as long as a transaction (an explicit one,
// or an autocommit statement's) other than its writes.
func (s *Session) txnEnded(committed bool) {
	s.notifyEnd(committed)
	s.advisoryEnd()
}

// notifyEnd ends the transaction's part in notifications: at a commit its
// LISTEN and UNLISTEN apply and then its notifications go out, so that a
// transaction that listens and notifies hears itself, as in PostgreSQL.
func (s *Session) notifyEnd(committed bool) {
	n := &s.notify
	if committed && (len(n.actions) > 0 || len(n.pending) > 0) {
		h := &s.e.notify
		h.mu.Lock()
		for _, a := range n.actions {
			h.apply(s, a)
		}
		for _, p := range n.pending {
			for l := range h.channels[p.channel] {
				l.deliver(server.Notification{PID: s.pid, Channel: p.channel, Payload: p.payload})
			}
		}
		h.mu.Unlock()
	}
	n.truncate(0, 0)
}

// truncate drops the pending notifications and actions after the first
// np and na, as ROLLBACK TO SAVEPOINT does.
func (n *sessionNotify) truncate(np, na int) {
	if np < len(n.pending) {
		for _, p := range n.pending[np:] {
			delete(n.seen, p)
		}
		clear(n.pending[np:])
		n.pending = n.pending[:np]
	}
	if na < len(n.actions) {
		n.actions = n.actions[:na]
	}
}

// apply carries out one committed LISTEN or UNLISTEN; h.mu is held.
func (h *notifyHub) apply(s *Session, a listenAction) {
	n := &s.notify
	drop := func(ch string) {
		delete(n.listening, ch)
		if m := h.channels[ch]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.channels, ch)
			}
		}
	}
	switch {
	case a.all:
		for ch := range n.listening {
			drop(ch)
		}
	case a.listen:
		if n.listening == nil {
			n.listening = map[string]struct{}{}
		}
		n.listening[a.channel] = struct{}{}
		if h.channels == nil {
			h.channels = map[string]map[*Session]struct{}{}
		}
		m := h.channels[a.channel]
		if m == nil {
			m = map[*Session]struct{}{}
			h.channels[a.channel] = m
		}
		m[s] = struct{}{}
	default:
		drop(a.channel)
	}
}

// unlistenAll stops the session listening, as its end does.
func (s *Session) unlistenAll() {
	if len(s.notify.listening) == 0 {
		return
	}
	h := &s.e.notify
	h.mu.Lock()
	h.apply(s, listenAction{all: true})
	h.mu.Unlock()
}

// deliver hands a notification to the session and wakes its connection.
func (s *Session) deliver(n server.Notification) {
	s.notify.mu.Lock()
	s.notify.inbox = append(s.notify.inbox, n)
	s.notify.mu.Unlock()
	select {
	case s.notify.wake <- struct{}{}:
	default:
	}
}

// NotifyReady implements server.Listener.
func (s *Session) NotifyReady() <-chan struct{} { return s.notify.wake }

// TakeNotifications implements server.Listener.
func (s *Session) TakeNotifications(buf []server.Notification) []server.Notification {
	s.notify.mu.Lock()
	defer s.notify.mu.Unlock()
	buf = append(buf, s.notify.inbox...)
	clear(s.notify.inbox)
	s.notify.inbox = s.notify.inbox[:0]
	return buf
}

// discardAll is DISCARD ALL's UNLISTEN * and pg_advisory_unlock_all(),
// which poolers (PgBouncer, pgjdbc's pools) send between clients. PostgreSQL
// refuses DISCARD ALL in a transaction block, so it takes effect at once.
func (s *Session) discardAll() {
	s.unlistenAll()
	s.e.advisory.releaseAll(s, false)
}
