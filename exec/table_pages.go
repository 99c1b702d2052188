package exec

import (
	"path/filepath"
	"time"
)

// Badger reads and writes its tables through memory maps, and a table stays
// mapped while it lives, so every page of it that a flush or compaction
// wrote or read stays resident: with a 256 MiB state cache, Nexmark q4 at
// 10M events held 1.2 GiB of such pages beside 0.6 GiB of heap. They are
// clean (synced), so the kernel would drop them under pressure, but they
// count in the process's resident set. So the engine checks every
// tablePagesInterval whether its file-backed resident memory has passed
// half the state cache, and if so asks the kernel to reclaim the tables'
// pages (pageOutTables); what is read again comes back from disk, and hot
// blocks and indexes live in Badger's caches anyway.
//
// The check reads /proc/self/status (microseconds) and does nothing below
// the budget, so how often it runs bounds how far past the budget the
// pages get, not how much is paged out: two compactors wrote up to 490 MiB
// of tables within one second, which a check a second let pile up on top
// of the budget (peak RSS 1.3 GiB at a 256 MiB cache), and a tenth of a
// second keeps that under about 50 MiB.
const tablePagesInterval = 100 * time.Millisecond

// tablePagesLoop runs until the engine closes.
func (e *Engine) tablePagesLoop(dataDir string, done chan<- struct{}) {
	defer close(done)
	dir, err := filepath.Abs(dataDir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		e.log.Warn("table pages: no absolute data directory; mapped tables stay resident", "err", err)
		return
	}
	t := time.NewTicker(tablePagesInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		if _, err := pageOutTables(dir, e.stateCache/2); err != nil {
			e.log.Warn("table pages: cannot page out mapped tables", "err", err)
			return
		}
	}
}
