package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The tests of LISTEN/NOTIFY, advisory locks and pg_stat_activity run
// pgx against an in-process eddy, or with -clients-url against
// PostgreSQL 15, whose behaviour they encode.

func connectN(t *testing.T, url string, n int) []*pgx.Conn {
	t.Helper()
	ctx := context.Background()
	out := make([]*pgx.Conn, n)
	for i := range out {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		out[i] = c
	}
	return out
}

func exec1(t *testing.T, c *pgx.Conn, q string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// waitNote waits up to d for a notification; nil when none came.
func waitNote(t *testing.T, c *pgx.Conn, d time.Duration) *pgconn.Notification {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	n, err := c.WaitForNotification(ctx)
	if err != nil {
		if ctx.Err() == nil {
			t.Fatalf("WaitForNotification: %v", err)
		}
		return nil
	}
	return n
}

// expectNotes checks that the next notifications are exactly want
// (payloads on channel, from pid), and that no other follows at once.
func expectNotes(t *testing.T, c *pgx.Conn, channel string, pid uint32, want ...string) {
	t.Helper()
	for _, w := range want {
		n := waitNote(t, c, 5*time.Second)
		if n == nil {
			t.Fatalf("no notification, want %q", w)
		}
		if n.Channel != channel || n.Payload != w || n.PID != pid {
			t.Fatalf("notification %q %q from %d, want %q %q from %d", n.Channel, n.Payload, n.PID, channel, w, pid)
		}
	}
	if n := waitNote(t, c, 150*time.Millisecond); n != nil {
		t.Fatalf("unexpected notification %q %q", n.Channel, n.Payload)
	}
}

func TestNotify(t *testing.T) {
	cs := connectN(t, clientURL(t), 2)
	a, b := cs[0], cs[1]
	bp := b.PgConn().PID()

	exec1(t, a, "LISTEN ch")
	exec1(t, b, "NOTIFY ch, 'one'")
	expectNotes(t, a, "ch", bp, "one")

	// A transaction's notifications go out at commit, duplicates once;
	// pg_notify is NOTIFY as a function.
	exec1(t, b, "BEGIN")
	exec1(t, b, "NOTIFY ch, 'x'")
	exec1(t, b, "NOTIFY ch, 'x'")
	exec1(t, b, "SELECT pg_notify('ch', 'y')")
	exec1(t, b, "NOTIFY ch")
	if n := waitNote(t, a, 200*time.Millisecond); n != nil {
		t.Fatalf("notification %q before commit", n.Payload)
	}
	exec1(t, b, "COMMIT")
	expectNotes(t, a, "ch", bp, "x", "y", "")

	// Rolled back: none; rolled back to a savepoint: those after it none.
	exec1(t, b, "BEGIN")
	exec1(t, b, "NOTIFY ch, 'gone'")
	exec1(t, b, "ROLLBACK")
	exec1(t, b, "BEGIN")
	exec1(t, b, "NOTIFY ch, 'kept'")
	exec1(t, b, "SAVEPOINT s")
	exec1(t, b, "NOTIFY ch, 'undone'")
	exec1(t, b, "ROLLBACK TO SAVEPOINT s")
	exec1(t, b, "COMMIT")
	expectNotes(t, a, "ch", bp, "kept")

	// A failed autocommit statement sends nothing.
	if _, err := b.Exec(context.Background(), "SELECT pg_notify('ch', 'failed'), 1/0"); sqlState(err) != "22012" {
		t.Fatalf("1/0: %v", err)
	}
	expectNotes(t, a, "ch", bp)

	// The notifier hears itself when it listens.
	ap := a.PgConn().PID()
	exec1(t, a, "NOTIFY ch, 'self'")
	expectNotes(t, a, "ch", ap, "self")

	// Quoted channel names keep their case; pg_notify takes the name as is.
	exec1(t, a, `LISTEN "Mixed"`)
	exec1(t, b, "SELECT pg_notify('Mixed', 'm')")
	expectNotes(t, a, "Mixed", bp, "m")

	// LISTEN in a rolled back transaction does not listen; UNLISTEN stops.
	exec1(t, a, "BEGIN")
	exec1(t, a, "LISTEN other")
	exec1(t, a, "ROLLBACK")
	exec1(t, b, "NOTIFY other, 'no'")
	exec1(t, a, "UNLISTEN ch")
	exec1(t, b, "NOTIFY ch, 'no'")
	expectNotes(t, a, "ch", bp)
	exec1(t, a, "UNLISTEN *")
	exec1(t, b, `NOTIFY "Mixed"`)
	expectNotes(t, a, "Mixed", bp)

	// Notifications wait while the listener is in a transaction.
	exec1(t, a, "LISTEN ch")
	exec1(t, a, "BEGIN")
	exec1(t, b, "NOTIFY ch, 'later'")
	time.Sleep(100 * time.Millisecond)
	exec1(t, a, "SELECT 1")
	if n := waitNote(t, a, 150*time.Millisecond); n != nil {
		t.Fatalf("notification %q inside a transaction", n.Payload)
	}
	exec1(t, a, "COMMIT")
	expectNotes(t, a, "ch", bp, "later")

	// Limits: a payload of 8000 bytes or more, an empty or long channel.
	for _, q := range []string{"SELECT pg_notify('ch', repeat('x', 8000))", "SELECT pg_notify('', 'x')",
		"SELECT pg_notify(repeat('c', 64), 'x')", "SELECT pg_notify(NULL, 'x')"} {
		if _, err := b.Exec(context.Background(), q); sqlState(err) != "22023" {
			t.Errorf("%s: got %v, want 22023", q, err)
		}
	}
	exec1(t, b, "SELECT pg_notify('ch', repeat('x', 7999))")
	exec1(t, b, "SELECT pg_notify('ch', NULL)")
	expectNotes(t, a, "ch", bp, strings.Repeat("x", 7999), "")
}

// lockState is pg_locks' advisory row of pid for objid, "" when none.
func lockState(t *testing.T, c *pgx.Conn, pid uint32, objid int64) string {
	t.Helper()
	var mode string
	var granted bool
	err := c.QueryRow(context.Background(), `SELECT mode, granted FROM pg_locks
		WHERE locktype = 'advisory' AND pid = $1 AND objid = $2 AND objsubid = 1`, int32(pid), objid).Scan(&mode, &granted)
	if err == pgx.ErrNoRows {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	if !granted {
		return mode + " waiting"
	}
	return mode
}

func tryLock(t *testing.T, c *pgx.Conn, q string) bool {
	t.Helper()
	var ok bool
	if err := c.QueryRow(context.Background(), q).Scan(&ok); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return ok
}

// waitFor polls until cond holds, for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestAdvisoryLocks(t *testing.T) {
	ctx := context.Background()
	cs := connectN(t, clientURL(t), 3)
	a, b, c := cs[0], cs[1], cs[2]
	ap, bp := a.PgConn().PID(), b.PgConn().PID()

	exec1(t, a, "SELECT pg_advisory_lock(42)")
	if tryLock(t, b, "SELECT pg_try_advisory_lock(42)") || tryLock(t, b, "SELECT pg_try_advisory_lock_shared(42)") {
		t.Fatal("b took a lock a holds")
	}
	// (int, int) keys are apart from bigint ones.
	if !tryLock(t, b, "SELECT pg_try_advisory_lock(0, 42)") || !tryLock(t, b, "SELECT pg_advisory_unlock(0, 42)") {
		t.Fatal("(0, 42) is not free")
	}
	if got := lockState(t, c, ap, 42); got != "ExclusiveLock" {
		t.Fatalf("pg_locks of a: %q", got)
	}

	// A blocked lock waits, shows in pg_locks and pg_stat_activity, and
	// is granted when a releases.
	done := make(chan error, 1)
	go func() { _, err := b.Exec(ctx, "SELECT pg_advisory_lock(42)"); done <- err }()
	waitFor(t, "b to wait", func() bool { return lockState(t, c, bp, 42) == "ExclusiveLock waiting" })
	var wtype, wevent string
	if err := c.QueryRow(ctx, "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = $1", int32(bp)).Scan(&wtype, &wevent); err != nil || wtype != "Lock" || wevent != "advisory" {
		t.Fatalf("wait event of a waiting session: %q %q %v", wtype, wevent, err)
	}
	var blockers string
	if err := c.QueryRow(ctx, "SELECT array_to_string(pg_blocking_pids($1), ',')", int32(bp)).Scan(&blockers); err != nil || blockers != itoa(int64(ap)) {
		t.Fatalf("pg_blocking_pids of the waiter: %q %v, want %d", blockers, err, ap)
	}
	if !tryLock(t, a, "SELECT pg_advisory_unlock(42)") {
		t.Fatal("unlock of a held lock: false")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := lockState(t, c, bp, 42); got != "ExclusiveLock" {
		t.Fatalf("pg_locks of b after the grant: %q", got)
	}

	// statement_timeout and cancel end a wait with 57014.
	exec1(t, a, "SET statement_timeout = 200")
	if _, err := a.Exec(ctx, "SELECT pg_advisory_lock(42)"); sqlState(err) != "57014" {
		t.Fatalf("lock wait past statement_timeout: %v", err)
	}
	exec1(t, a, "SET statement_timeout = 0")
	go func() { _, err := a.Exec(ctx, "SELECT pg_advisory_lock_shared(42)"); done <- err }()
	waitFor(t, "a to wait", func() bool { return lockState(t, c, ap, 42) == "ShareLock waiting" })
	if !tryLock(t, c, "SELECT pg_cancel_backend("+itoa(int64(ap))+")") {
		t.Fatal("pg_cancel_backend: false")
	}
	if err := <-done; sqlState(err) != "57014" {
		t.Fatalf("cancelled lock wait: %v", err)
	}
	if got := lockState(t, c, ap, 42); got != "" {
		t.Fatalf("pg_locks of a after the cancel: %q", got)
	}
	exec1(t, b, "SELECT pg_advisory_unlock_all()")

	// Re-entrant: two locks need two unlocks; unlocking what one does not
	// hold is false.
	exec1(t, a, "SELECT pg_advisory_lock(12), pg_advisory_lock(12)")
	tryLock(t, a, "SELECT pg_advisory_unlock(12)")
	if tryLock(t, b, "SELECT pg_try_advisory_lock(12)") {
		t.Fatal("lock 12 free after one of two unlocks")
	}
	tryLock(t, a, "SELECT pg_advisory_unlock(12)")
	if !tryLock(t, b, "SELECT pg_try_advisory_lock(12)") || !tryLock(t, b, "SELECT pg_advisory_unlock(12)") {
		t.Fatal("lock 12 not free after two unlocks")
	}
	if tryLock(t, a, "SELECT pg_advisory_unlock(12)") {
		t.Fatal("unlock of a lock not held: true")
	}

	// Transaction-level locks end with the transaction, or with the
	// autocommit statement; pg_advisory_unlock does not release them.
	exec1(t, a, "BEGIN")
	exec1(t, a, "SELECT pg_advisory_xact_lock(7)")
	if tryLock(t, a, "SELECT pg_advisory_unlock(7)") {
		t.Fatal("pg_advisory_unlock released a transaction-level lock")
	}
	if tryLock(t, b, "SELECT pg_try_advisory_lock(7)") {
		t.Fatal("b took 7 inside a's transaction")
	}
	exec1(t, a, "COMMIT")
	if !tryLock(t, b, "SELECT pg_try_advisory_xact_lock(7)") {
		t.Fatal("7 still held after commit")
	}
	exec1(t, a, "BEGIN")
	exec1(t, a, "SELECT pg_advisory_xact_lock_shared(8)")
	exec1(t, a, "ROLLBACK")
	if !tryLock(t, b, "SELECT pg_try_advisory_xact_lock(8)") {
		t.Fatal("8 still held after rollback")
	}

	// Shared locks share; an exclusive one waits for them.
	exec1(t, a, "SELECT pg_advisory_lock_shared(9)")
	if !tryLock(t, b, "SELECT pg_try_advisory_lock_shared(9)") || tryLock(t, c, "SELECT pg_try_advisory_lock(9)") {
		t.Fatal("shared locks do not share, or exclude an exclusive one")
	}
	exec1(t, a, "SELECT pg_advisory_unlock_all()")
	exec1(t, b, "SELECT pg_advisory_unlock_all()")
	if !tryLock(t, c, "SELECT pg_try_advisory_lock(9)") {
		t.Fatal("9 held after pg_advisory_unlock_all")
	}
	exec1(t, c, "SELECT pg_advisory_unlock_all()")

	// A cycle of waits fails one of them with 40P01.
	exec1(t, a, "SELECT pg_advisory_lock(20)")
	exec1(t, b, "SELECT pg_advisory_lock(21)")
	go func() { _, err := a.Exec(ctx, "SELECT pg_advisory_lock(21)"); done <- err }()
	waitFor(t, "a to wait", func() bool { return lockState(t, c, ap, 21) == "ExclusiveLock waiting" })
	// PostgreSQL fails the first waiter, whose deadlock_timeout ends
	// first; eddy fails the one that closes the cycle. The other waits on
	// until the failed one lets go.
	doneB := make(chan error, 1)
	go func() { _, err := b.Exec(ctx, "SELECT pg_advisory_lock(20)"); doneB <- err }()
	var errA, errB error
	select {
	case errA = <-done:
		if sqlState(errA) != "40P01" {
			t.Fatalf("a in a deadlock: %v", errA)
		}
		exec1(t, a, "SELECT pg_advisory_unlock_all()")
		errB = <-doneB
	case errB = <-doneB:
		if sqlState(errB) != "40P01" {
			t.Fatalf("b in a deadlock: %v", errB)
		}
		exec1(t, b, "SELECT pg_advisory_unlock_all()")
		errA = <-done
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock not detected in 10s")
	}
	if sqlState(errA) == "40P01" && sqlState(errB) == "40P01" {
		t.Fatal("both sides of the deadlock failed")
	}
	exec1(t, a, "SELECT pg_advisory_unlock_all()")
	exec1(t, b, "SELECT pg_advisory_unlock_all()")
}

func TestStatActivity(t *testing.T) {
	ctx := context.Background()
	url := clientURL(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = "tool-a"
	a, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b := connectN(t, url, 1)[0]
	ap := a.PgConn().PID()

	type row struct {
		datname, usename, app, state, query, btype string
		addr, wait                                 *string
		backendStart, xactStart                    *time.Time
	}
	get := func() row {
		t.Helper()
		var r row
		err := b.QueryRow(ctx, `SELECT datname, usename, application_name, state, query, backend_type,
			client_addr::text, wait_event, backend_start, xact_start FROM pg_stat_activity WHERE pid = $1`, int32(ap)).Scan(
			&r.datname, &r.usename, &r.app, &r.state, &r.query, &r.btype, &r.addr, &r.wait, &r.backendStart, &r.xactStart)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	exec1(t, a, "SELECT 41 + 1")
	r := get()
	if r.datname != cfg.Database || r.usename != cfg.User || r.app != "tool-a" || r.state != "idle" ||
		r.query != "SELECT 41 + 1" || r.btype != "client backend" || r.backendStart == nil || r.xactStart != nil {
		t.Fatalf("idle session: %+v", r)
	}
	if r.addr == nil || !strings.HasPrefix(*r.addr, "127.0.0.1") {
		t.Errorf("client_addr: %v", r.addr)
	}
	exec1(t, a, "BEGIN")
	exec1(t, a, "SELECT 2")
	if r := get(); r.state != "idle in transaction" || r.xactStart == nil || r.query != "SELECT 2" {
		t.Fatalf("idle in transaction: %+v", r)
	}
	exec1(t, a, "ROLLBACK")

	// A running statement shows as active, and pg_cancel_backend on the
	// pid that pg_stat_activity gives cancels it.
	done := make(chan error, 1)
	go func() { _, err := a.Exec(ctx, "SELECT pg_sleep(30)"); done <- err }()
	waitFor(t, "a to be active", func() bool { r := get(); return r.state == "active" && strings.Contains(r.query, "pg_sleep") })
	// The session shows active from the moment its query arrives, which
	// may be before there is a statement to cancel: cancel until it ends.
	for cancelled := false; !cancelled; {
		var ok bool
		if err := b.QueryRow(ctx, `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
			WHERE application_name = 'tool-a' AND state = 'active'`).Scan(&ok); err != nil || !ok {
			t.Fatalf("pg_cancel_backend from pg_stat_activity: %v %v", ok, err)
		}
		select {
		case err := <-done:
			if sqlState(err) != "57014" {
				t.Fatalf("cancelled: %v", err)
			}
			cancelled = true
		case <-time.After(100 * time.Millisecond):
		}
	}

	// The querying session sees itself active.
	var state, query string
	if err := b.QueryRow(ctx, "SELECT state, query FROM pg_stat_activity WHERE pid = pg_backend_pid()").Scan(&state, &query); err != nil ||
		state != "active" || !strings.Contains(query, "pg_backend_pid()") {
		t.Fatalf("own row: %q %q %v", state, query, err)
	}

	// Every table has a row in the table statistics views.
	exec1(t, b, "DROP TABLE IF EXISTS stat_t")
	exec1(t, b, "CREATE TABLE stat_t (id int PRIMARY KEY)")
	defer b.Exec(ctx, "DROP TABLE IF EXISTS stat_t")
	for _, v := range []string{"pg_stat_user_tables", "pg_stat_all_tables", "pg_statio_user_tables", "pg_statio_all_tables"} {
		var n int
		if err := b.QueryRow(ctx, "SELECT count(*) FROM "+v+" WHERE relname = 'stat_t' AND schemaname = current_schema() AND relid = 'stat_t'::regclass").Scan(&n); err != nil || n != 1 {
			t.Errorf("%s rows for stat_t: %d, %v", v, n, err)
		}
	}
	var seq, idx int64
	var vacuumed *time.Time
	if err := b.QueryRow(ctx, "SELECT seq_scan, idx_scan, last_vacuum FROM pg_stat_user_tables WHERE relname = 'stat_t'").Scan(&seq, &idx, &vacuumed); err != nil || vacuumed != nil {
		t.Errorf("pg_stat_user_tables counters: %v, last_vacuum %v", err, vacuumed)
	}
	if *clientsURL == "" {
		// PostgreSQL counts live rows when its statistics are flushed,
		// up to a second later; eddy counts them when asked.
		exec1(t, b, "INSERT INTO stat_t VALUES (1), (2), (3)")
		exec1(t, b, "DELETE FROM stat_t WHERE id = 2")
		var live int64
		if err := b.QueryRow(ctx, "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'stat_t'").Scan(&live); err != nil || live != 2 {
			t.Errorf("n_live_tup: %d, %v; want 2", live, err)
		}
	}
}

// DISCARD ALL, which poolers send between clients, stops listening and
// releases the session's advisory locks.
func TestDiscardAll(t *testing.T) {
	cs := connectN(t, clientURL(t), 2)
	a, b := cs[0], cs[1]
	exec1(t, a, "LISTEN pooled")
	exec1(t, a, "SELECT pg_advisory_lock(99)")
	exec1(t, a, "BEGIN")
	if _, err := a.Exec(context.Background(), "DISCARD ALL"); sqlState(err) != "25001" {
		t.Fatalf("DISCARD ALL in a transaction: %v", err)
	}
	exec1(t, a, "ROLLBACK")
	exec1(t, a, "DISCARD ALL")
	exec1(t, b, "NOTIFY pooled")
	if n := waitNote(t, a, 200*time.Millisecond); n != nil {
		t.Fatalf("notification %q after DISCARD ALL", n.Channel)
	}
	if !tryLock(t, b, "SELECT pg_try_advisory_lock(99)") {
		t.Fatal("lock 99 held after DISCARD ALL")
	}
}
