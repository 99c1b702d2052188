package exec

import (
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/catalog/pgcatalog"
)

// activity is what pg_stat_activity shows of a session. Other sessions
// read it, so it has its own lock; the session's goroutine writes it as
// the server reports statements starting and the session going idle
// (server.ActivityReporter).
type activity struct {
	mu                                 sync.Mutex
	backendStart                       time.Time
	xactStart, queryStart, stateChange time.Time
	state, query, appName              string
	clientAddr                         string
	clientPort                         int
	backendID                          int   // the N of virtualtransaction N/M
	localXID                           int64 // the M: counts the session's transactions
	waiting                            atomic.Bool
}

var backendIDs atomic.Int64

// ReportActive implements server.ActivityReporter.
func (s *Session) ReportActive(query string) {
	now := time.Now()
	a := &s.activity
	a.mu.Lock()
	if s.txn == nil {
		// The statement is its own transaction.
		a.xactStart = now
		a.localXID++
	} else if a.xactStart.IsZero() {
		a.xactStart = s.txTime
	}
	a.state, a.query, a.queryStart, a.stateChange = "active", query, now, now
	a.appName = s.settings["application_name"]
	a.mu.Unlock()
}

// ReportIdle implements server.ActivityReporter.
func (s *Session) ReportIdle() {
	now := time.Now()
	a := &s.activity
	a.mu.Lock()
	switch s.TxStatus() {
	case 'I':
		a.state, a.xactStart = "idle", time.Time{}
	case 'T':
		a.state = "idle in transaction"
		if a.xactStart.IsZero() || a.xactStart.Before(s.txTime) {
			a.xactStart = s.txTime
		}
	default:
		a.state = "idle in transaction (aborted)"
	}
	a.stateChange = now
	a.appName = s.settings["application_name"]
	a.mu.Unlock()
}

// SetClientAddr implements server.ClientAddrUser.
func (s *Session) SetClientAddr(addr net.Addr) {
	a := &s.activity
	a.mu.Lock()
	defer a.mu.Unlock()
	switch x := addr.(type) {
	case *net.TCPAddr:
		a.clientAddr, a.clientPort = x.IP.String(), x.Port
	case *net.UnixAddr:
		a.clientPort = -1
	}
}

func (a *activity) setWaiting(on bool) { a.waiting.Store(on) }

// virtualXID is the session's virtual transaction ID as pg_locks shows it.
func (s *Session) virtualXID() string {
	s.activity.mu.Lock()
	defer s.activity.mu.Unlock()
	return fmt.Sprintf("%d/%d", s.activity.backendID, s.activity.localXID)
}

// sessions are the open sessions that have a process ID, in PID order.
func (e *Engine) sessions() []*Session {
	var out []*Session
	e.backends.Range(func(_, v any) bool {
		out = append(out, v.(backend).s)
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

// stats is the session's view of the server for pgcatalog.
type stats struct{ s *Session }

func (st stats) Backends() []pgcatalog.Backend {
	viewer := st.s
	super := viewer.isSuperuser()
	var out []pgcatalog.Backend
	for _, s := range viewer.e.sessions() {
		a := &s.activity
		a.mu.Lock()
		b := pgcatalog.Backend{PID: s.pid, User: s.user, AppName: a.appName, ClientAddr: a.clientAddr, ClientPort: a.clientPort,
			BackendStart: a.backendStart, XactStart: a.xactStart, QueryStart: a.queryStart, StateChange: a.stateChange,
			State: a.state, Query: a.query, Hidden: !super && s.user != viewer.user}
		a.mu.Unlock()
		if a.waiting.Load() {
			b.WaitEventType, b.WaitEvent = "Lock", "advisory"
		}
		out = append(out, b)
	}
	return out
}

// Locks are each session's virtualxid lock while it is in a transaction
// or running a statement, which PostgreSQL always shows, and the
// advisory locks.
func (st stats) Locks() []pgcatalog.Lock {
	var out []pgcatalog.Lock
	for _, s := range st.s.e.sessions() {
		a := &s.activity
		a.mu.Lock()
		busy := a.state != "idle" && a.state != ""
		a.mu.Unlock()
		if busy {
			v := s.virtualXID()
			out = append(out, pgcatalog.Lock{Type: "virtualxid", VirtualXID: v, VirtualTransaction: v, PID: s.pid,
				Mode: "ExclusiveLock", Granted: true, Fastpath: true})
		}
	}
	return append(out, st.s.e.advisory.rows()...)
}

// Table counts a table's rows for n_live_tup, one key each, reading keys
// only; eddy keeps no scan or write counters, so the rest are 0. Other
// relations (views keep state, sources live in Kafka) show 0.
func (st stats) Table(r *catalog.Relation) (pgcatalog.TableStat, bool) {
	if r.Kind != catalog.KindTable {
		return pgcatalog.TableStat{}, true
	}
	var n int64
	prefix := catalog.ObjectPrefix(catalog.PrefixRows, r.OID)
	err := st.s.e.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			n++
		}
		return nil
	})
	return pgcatalog.TableStat{Live: n}, err == nil
}

// isSuperuser reports whether the session's role is a superuser; with no
// roles yet everyone is the bootstrap superuser.
func (s *Session) isSuperuser() bool {
	if len(s.e.cat.Roles()) == 0 {
		return true
	}
	r := s.e.cat.Role(s.user)
	return r != nil && r.Superuser
}
