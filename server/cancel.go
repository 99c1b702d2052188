package server

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
)

// A cancel request arrives on a new connection carrying only the process id and
// secret key we gave the session in BackendKeyData; the registry maps them back
// to the session. The secret is random so that another client cannot cancel
// statements it does not own by guessing process ids.
type cancelRegistry struct {
	mu sync.Mutex
	m  map[uint32]cancelEntry
}

type cancelEntry struct {
	secret uint32
	sess   Session
}

// register returns a fresh (process id, secret) for sess.
func (r *cancelRegistry) register(sess Session) (pid, secret uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		pid = random32() &^ (1 << 31) // positive, as PostgreSQL's pids are
		if _, dup := r.m[pid]; pid != 0 && !dup {
			break
		}
	}
	secret = random32()
	r.m[pid] = cancelEntry{secret: secret, sess: sess}
	return pid, secret
}

func (r *cancelRegistry) unregister(pid uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, pid)
}

// cancel cancels the statement running in the session with this key, if any.
// It reports whether the key matched, for logging only: the client is never
// told, as in PostgreSQL.
func (r *cancelRegistry) cancel(pid, secret uint32) bool {
	r.mu.Lock()
	e, ok := r.m[pid]
	r.mu.Unlock()
	if !ok || e.secret != secret {
		return false
	}
	// Outside the lock: Cancel may take the session's own locks.
	e.sess.Cancel()
	return true
}

func random32() uint32 {
	var b [4]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead since Go 1.24)
	return binary.BigEndian.Uint32(b[:])
}
