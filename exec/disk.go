package exec

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/eddysql/eddy/sql"
)

// A full disk must fail the writes that find it, with disk_full, and
// nothing else: no committed data lost, no restart needed once space
// returns. Badger cannot promise that on its own. It writes its
// write-ahead log and value log through memory maps of files it creates
// sparse, so running out of blocks there is a SIGBUS that kills the
// process, not an error; only table flushes and syncs see ENOSPC. So eddy
// keeps a reserve: while the data directory's file system has less free
// space than that, every commit that would grow the database (statements,
// view epochs, loads, topic table ingests) fails with 53100 before Badger
// writes, and Badger's own writes (memtable flushes, compactions) still
// have room. DROP is not refused: it is how space comes back (DELETE and
// TRUNCATE write tombstones, which give space back only at compaction,
// so they wait like other writes). Writes that do reach ENOSPC anyway report 53100 too (diskErr).

// DefaultDiskReserve is the free space eddy keeps on the data directory's
// file system when not told otherwise: room for Badger's memtable log,
// the flush of a full memtable and a compaction, with the default
// options.
const DefaultDiskReserve = 256 << 20

// diskCheckInterval is how long a measure of the free space holds: a
// statfs per commit would cost more than a small commit.
const diskCheckInterval = 100 * time.Millisecond

// diskGuard measures the free space of the data directory's file system.
type diskGuard struct {
	dir string
	// free returns the bytes available to eddy; tests replace it.
	free func() (uint64, error)

	mu      sync.Mutex
	reserve uint64
	at      time.Time // when avail was measured
	avail   uint64
}

func newDiskGuard(dir string) *diskGuard {
	g := &diskGuard{dir: dir, reserve: DefaultDiskReserve}
	g.free = func() (uint64, error) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(g.dir, &st); err != nil {
			return 0, err
		}
		return st.Bavail * uint64(st.Bsize), nil
	}
	return g
}

// check fails with disk_full while the free space is below the reserve.
// A nil guard (an in-memory engine) never fails.
func (g *diskGuard) check() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reserve == 0 {
		return nil
	}
	if now := time.Now(); now.Sub(g.at) >= diskCheckInterval {
		avail, err := g.free()
		if err != nil {
			// Unknown is not full: Badger's own errors still stop a write.
			return nil
		}
		g.at, g.avail = now, avail
	}
	if g.avail >= g.reserve {
		return nil
	}
	return &sql.Error{Code: sql.CodeDiskFull,
		Message: fmt.Sprintf("could not write to the data directory %s: %s free on its file system, less than the %s eddy keeps in reserve",
			g.dir, formatBytes(g.avail), formatBytes(g.reserve)),
		Detail: "Nothing was written; what committed before is intact, and writes go on once there is space again.",
		Hint:   "Free space on that file system (DROP what is not needed), or lower --disk-reserve."}
}

// setReserve changes the reserve (0 turns the guard off) and forgets the
// last measure.
func (g *diskGuard) setReserve(n uint64) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.reserve, g.at = n, time.Time{}
	g.mu.Unlock()
}

// diskErr turns a write that failed for want of space into disk_full.
func diskErr(err error) error {
	if err != nil && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		return &sql.Error{Code: sql.CodeDiskFull, Message: fmt.Sprintf("could not write to the data directory: %v", err),
			Hint: "Free space on the data directory's file system; writes go on once there is space again."}
	}
	return err
}

func formatBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
