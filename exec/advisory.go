package exec

import (
	"sort"
	"sync"
	"time"

	"github.com/eddysql/eddy/catalog/pgcatalog"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Advisory locks as PostgreSQL has them (pg_advisory_lock and the rest):
// a lock is exclusive or shared, held at session level (until unlocked
// or the session ends) or transaction level (until the transaction, or
// the autocommit statement, ends), and re-entrant: each hold counts and
// each unlock releases one. A session never conflicts with itself. A
// request also waits behind an earlier waiter it conflicts with, as in
// PostgreSQL's lock manager, so that shared holders cannot starve an
// exclusive waiter. Waits end with the statement (cancel, statement
// timeout) or with 40P01 when they would close a cycle of waits.

// codeDeadlockDetected is SQLSTATE deadlock_detected.
const codeDeadlockDetected = "40P01"

// advisoryKey identifies a lock as pg_locks does: the bigint form's
// value split in two with sub 1, or the (int, int) form's halves with
// sub 2, so that the two forms never name the same lock.
type advisoryKey struct {
	hi, lo uint32
	sub    int16
}

func makeAdvisoryKey(key int64, pair bool) advisoryKey {
	k := advisoryKey{hi: uint32(uint64(key) >> 32), lo: uint32(key), sub: 1}
	if pair {
		k.sub = 2
	}
	return k
}

// holds counts one session's holds of one lock.
type holds struct{ sessEx, sessSh, xactEx, xactSh int }

func (h *holds) ex() bool   { return h.sessEx+h.xactEx > 0 }
func (h *holds) sh() bool   { return h.sessSh+h.xactSh > 0 }
func (h *holds) none() bool { return !h.ex() && !h.sh() }
func (h *holds) add(shared, xact bool, n int) {
	switch {
	case shared && xact:
		h.xactSh += n
	case shared:
		h.sessSh += n
	case xact:
		h.xactEx += n
	default:
		h.sessEx += n
	}
}

type advisoryWaiter struct {
	s      *Session
	shared bool
	since  time.Time
}

type advisoryLock struct {
	holders map[*Session]*holds
	waiters []*advisoryWaiter
	// changed is closed, and replaced, whenever a hold is released or a
	// waiter leaves: the waiters then look again.
	changed chan struct{}
}

// advisoryTable is the engine's advisory locks.
type advisoryTable struct {
	mu    sync.Mutex
	locks map[advisoryKey]*advisoryLock
	// waiting is the key each waiting session waits for, for finding
	// cycles of waits.
	waiting map[*Session]advisoryKey
}

// sessionAdvisory is a session's part: the keys it holds something of,
// touched only by its own goroutine (and under the table's lock).
type sessionAdvisory struct {
	keys map[advisoryKey]struct{}
	xact bool // some transaction-level hold is taken
}

// conflicts reports whether s may not take the lock in the mode asked
// now: another session holds it in a conflicting mode, or a waiter
// queued before me (all of them when me is nil) wants a conflicting mode.
func (l *advisoryLock) conflicts(s *Session, shared bool, me *advisoryWaiter) bool {
	for o, h := range l.holders {
		if o != s && (h.ex() || (!shared && h.sh())) {
			return true
		}
	}
	for _, w := range l.waiters {
		if w == me {
			break
		}
		if w.s != s && (!shared || !w.shared) {
			return true
		}
	}
	return false
}

func (t *advisoryTable) grant(l *advisoryLock, key advisoryKey, s *Session, shared, xact bool) {
	h := l.holders[s]
	if h == nil {
		h = &holds{}
		l.holders[s] = h
	}
	h.add(shared, xact, 1)
	if s.advisory.keys == nil {
		s.advisory.keys = map[advisoryKey]struct{}{}
	}
	s.advisory.keys[key] = struct{}{}
	if xact {
		s.advisory.xact = true
	}
}

// lock takes key for s; see builtin.AdvisoryLocker.
func (t *advisoryTable) lock(done <-chan struct{}, s *Session, key advisoryKey, shared, xact, try bool) (bool, error) {
	t.mu.Lock()
	if t.locks == nil {
		t.locks = map[advisoryKey]*advisoryLock{}
		t.waiting = map[*Session]advisoryKey{}
	}
	l := t.locks[key]
	if l == nil {
		l = &advisoryLock{holders: map[*Session]*holds{}, changed: make(chan struct{})}
		t.locks[key] = l
	}
	if !l.conflicts(s, shared, nil) {
		t.grant(l, key, s, shared, xact)
		t.mu.Unlock()
		return true, nil
	}
	if try {
		t.forgetIfUnused(key, l)
		t.mu.Unlock()
		return false, nil
	}
	w := &advisoryWaiter{s: s, shared: shared, since: time.Now()}
	l.waiters = append(l.waiters, w)
	t.waiting[s] = key
	defer func() {
		// Leaving the queue may unblock those behind.
		for i, x := range l.waiters {
			if x == w {
				l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
				break
			}
		}
		delete(t.waiting, s)
		close(l.changed)
		l.changed = make(chan struct{})
		t.forgetIfUnused(key, l)
		t.mu.Unlock()
	}()
	for {
		if !l.conflicts(s, shared, w) {
			t.grant(l, key, s, shared, xact)
			return true, nil
		}
		if t.deadlocked(s) {
			return false, sql.Errorf(codeDeadlockDetected, "deadlock detected")
		}
		ch := l.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-done:
			t.mu.Lock()
			return false, sql.Errorf(sql.CodeQueryCanceled, "canceling statement due to user request")
		}
		t.mu.Lock()
	}
}

// deadlocked reports whether s, waiting, waits through others' holds on
// itself. PostgreSQL looks after deadlock_timeout (1s); looking at every
// wake-up is cheaper than a timer here, as only advisory locks wait.
func (t *advisoryTable) deadlocked(s *Session) bool {
	seen := map[*Session]bool{}
	var visit func(x *Session) bool
	visit = func(x *Session) bool {
		key, ok := t.waiting[x]
		if !ok || seen[x] {
			return false
		}
		seen[x] = true
		l := t.locks[key]
		if l == nil {
			return false
		}
		for o := range l.holders {
			if o == x {
				continue
			}
			if o == s || visit(o) {
				return true
			}
		}
		return false
	}
	return visit(s)
}

func (t *advisoryTable) forgetIfUnused(key advisoryKey, l *advisoryLock) {
	if len(l.holders) == 0 && len(l.waiters) == 0 {
		delete(t.locks, key)
	}
}

// release drops holds of key by s as f says, which reports whether it
// dropped any; t.mu is held.
func (t *advisoryTable) release(s *Session, key advisoryKey, f func(h *holds) bool) bool {
	l := t.locks[key]
	if l == nil {
		return false
	}
	h := l.holders[s]
	if h == nil || !f(h) {
		return false
	}
	if h.none() {
		delete(l.holders, s)
		delete(s.advisory.keys, key)
	}
	close(l.changed)
	l.changed = make(chan struct{})
	t.forgetIfUnused(key, l)
	return true
}

func (t *advisoryTable) unlock(s *Session, key advisoryKey, shared bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.release(s, key, func(h *holds) bool {
		if shared && h.sessSh > 0 {
			h.sessSh--
			return true
		}
		if !shared && h.sessEx > 0 {
			h.sessEx--
			return true
		}
		return false
	})
}

// releaseAll drops the session's session-level holds (all) or its
// transaction-level ones (xact).
func (t *advisoryTable) releaseAll(s *Session, xact bool) {
	if len(s.advisory.keys) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for key := range s.advisory.keys {
		t.release(s, key, func(h *holds) bool {
			if xact {
				if h.xactEx+h.xactSh == 0 {
					return false
				}
				h.xactEx, h.xactSh = 0, 0
			} else {
				if h.sessEx+h.sessSh == 0 {
					return false
				}
				h.sessEx, h.sessSh = 0, 0
			}
			return true
		})
	}
}

// advisoryEnd releases the transaction-level holds as a transaction ends.
func (s *Session) advisoryEnd() {
	if s.advisory.xact {
		s.advisory.xact = false
		s.e.advisory.releaseAll(s, true)
	}
}

// rows are pg_locks' advisory rows, holders (one row per mode) then
// waiters, in key order.
func (t *advisoryTable) rows() []pgcatalog.Lock {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]advisoryKey, 0, len(t.locks))
	for k := range t.locks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.hi != b.hi {
			return a.hi < b.hi
		}
		if a.lo != b.lo {
			return a.lo < b.lo
		}
		return a.sub < b.sub
	})
	var out []pgcatalog.Lock
	row := func(k advisoryKey, s *Session, mode string) pgcatalog.Lock {
		return pgcatalog.Lock{Type: "advisory", ClassID: k.hi, ObjID: k.lo, ObjSubID: k.sub,
			VirtualTransaction: s.virtualXID(), PID: s.pid, Mode: mode, Granted: true}
	}
	for _, k := range keys {
		l := t.locks[k]
		for s, h := range l.holders {
			if h.ex() {
				out = append(out, row(k, s, "ExclusiveLock"))
			}
			if h.sh() {
				out = append(out, row(k, s, "ShareLock"))
			}
		}
		for _, w := range l.waiters {
			r := row(k, w.s, "ExclusiveLock")
			if w.shared {
				r.Mode = "ShareLock"
			}
			r.Granted, r.WaitStart = false, w.since
			out = append(out, r)
		}
	}
	return out
}

// blockers are the process IDs of the sessions that s waits for
// (pg_blocking_pids).
func (t *advisoryTable) blockers(s *Session) []uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	key, ok := t.waiting[s]
	if !ok {
		return nil
	}
	l := t.locks[key]
	var me *advisoryWaiter
	for _, w := range l.waiters {
		if w.s == s {
			me = w
		}
	}
	if me == nil {
		return nil
	}
	var out []uint32
	for o, h := range l.holders {
		if o != s && (h.ex() || (!me.shared && h.sh())) {
			out = append(out, o.pid)
		}
	}
	for _, w := range l.waiters {
		if w == me {
			break
		}
		if w.s != s && (!me.shared || !w.shared) {
			out = append(out, w.s.pid)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// advisoryLocker is a session's builtin.AdvisoryLocker.
type advisoryLocker struct{ s *Session }

func (a advisoryLocker) Lock(done <-chan struct{}, key int64, pair, shared, xact, try bool) (bool, error) {
	s := a.s
	if !try {
		s.activity.setWaiting(true)
		defer s.activity.setWaiting(false)
	}
	return s.e.advisory.lock(done, s, makeAdvisoryKey(key, pair), shared, xact, try)
}

func (a advisoryLocker) Unlock(key int64, pair, shared bool) (bool, error) {
	return a.s.e.advisory.unlock(a.s, makeAdvisoryKey(key, pair), shared), nil
}

func (a advisoryLocker) UnlockAll() { a.s.e.advisory.releaseAll(a.s, false) }

func (a advisoryLocker) Blockers(pid int64) []int64 {
	if pid <= 0 || pid > 1<<32-1 {
		return nil
	}
	v, ok := a.s.e.backends.Load(uint32(pid))
	if !ok {
		return nil
	}
	var out []int64
	for _, p := range a.s.e.advisory.blockers(v.(backend).s) {
		out = append(out, int64(p))
	}
	return out
}

func init() {
	type variant struct {
		name                  string
		shared, xact, try, un bool
	}
	var fs []*builtin.Func
	for _, v := range []variant{
		{"pg_advisory_lock", false, false, false, false},
		{"pg_advisory_lock_shared", true, false, false, false},
		{"pg_advisory_xact_lock", false, true, false, false},
		{"pg_advisory_xact_lock_shared", true, true, false, false},
		{"pg_try_advisory_lock", false, false, true, false},
		{"pg_try_advisory_lock_shared", true, false, true, false},
		{"pg_try_advisory_xact_lock", false, true, true, false},
		{"pg_try_advisory_xact_lock_shared", true, true, true, false},
		{"pg_advisory_unlock", false, false, false, true},
		{"pg_advisory_unlock_shared", true, false, false, true},
	} {
		v := v
		ret := sql.Bool
		if !v.try && !v.un {
			ret = sql.Void
		}
		eval := func(pair bool) func(*builtin.Context, []sql.Value) (sql.Value, error) {
			return func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				if ctx == nil || ctx.Advisory == nil {
					return sql.Null, sql.Errorf(sql.CodeFeatureNotSupported, "%s is not available here", v.name)
				}
				key := a[0].Int()
				if pair {
					key = a[0].Int()<<32 | int64(uint32(a[1].Int()))
				}
				var ok bool
				var err error
				if v.un {
					ok, err = ctx.Advisory.Unlock(key, pair, v.shared)
				} else {
					ok, err = ctx.Advisory.Lock(ctx.Done, key, pair, v.shared, v.xact, v.try)
				}
				if err != nil {
					return sql.Null, err
				}
				if ret == sql.Void {
					return sql.Null, nil
				}
				return sql.NewBool(ok), nil
			}
		}
		fs = append(fs,
			&builtin.Func{Name: v.name, Args: []sql.Type{sql.Int8}, Ret: ret, Volatile: true, Eval: eval(false)},
			&builtin.Func{Name: v.name, Args: []sql.Type{sql.Int4, sql.Int4}, Ret: ret, Volatile: true, Eval: eval(true)})
	}
	fs = append(fs, &builtin.Func{Name: "pg_advisory_unlock_all", Ret: sql.Void, Volatile: true,
		Eval: func(ctx *builtin.Context, _ []sql.Value) (sql.Value, error) {
			if ctx != nil && ctx.Advisory != nil {
				ctx.Advisory.UnlockAll()
			}
			return sql.Null, nil
		}})
	// pgAdmin's dashboard shows pg_blocking_pids(pid) of every session.
	fs = append(fs, &builtin.Func{Name: "pg_blocking_pids", Args: []sql.Type{sql.Int4}, Ret: sql.ArrayOf(sql.Int4), Volatile: true,
		Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
			vs := []sql.Value{}
			if ctx != nil && ctx.Advisory != nil {
				for _, p := range ctx.Advisory.Blockers(a[0].Int()) {
					vs = append(vs, sql.NewInt(p))
				}
			}
			return sql.NewArray(vs), nil
		}})
	builtin.Register(fs...)
}
