package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
)

// eddyMarkerKey marks a Badger database as eddy's: Open refuses one that
// holds keys but not this one (another program's database), rather than
// mix its catalog into it.
var eddyMarkerKey = []byte{catalog.PrefixMeta, 'e', 'd', 'd', 'y'}

// dataDirOwnEntries are the names eddy itself puts beside Badger's files.
var dataDirOwnEntries = map[string]bool{"kafka": true}

// checkDataDir refuses a directory that holds files but no Badger
// database: a mistyped --data-dir pointing at someone's home or project
// must not be turned into a database.
func checkDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir %q: %w", dir, err)
	}
	var foreign []string
	for _, e := range entries {
		if e.Name() == "MANIFEST" {
			return nil // Badger's; whose, markEddy tells
		}
		if !dataDirOwnEntries[e.Name()] {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) == 0 {
		return nil
	}
	sort.Strings(foreign)
	if len(foreign) > 3 {
		foreign = append(foreign[:3], "...")
	}
	return fmt.Errorf("data dir %q is not an eddy data directory: it holds %s and no database; "+
		"give --data-dir an empty or new directory, or the one eddy created", dir, strings.Join(foreign, ", "))
}

// markEddy checks that the Badger database is eddy's, and marks a new one.
// A database from before the marker is recognized by the keys eddy always
// writes (the bootstrap role).
func markEddy(db *badger.DB, dir string) error {
	return db.Update(func(txn *badger.Txn) error {
		if _, err := txn.Get(eddyMarkerKey); err == nil {
			return nil
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{})
		it.Rewind()
		empty, eddy := !it.Valid(), false
		for ; it.Valid() && !eddy; it.Next() {
			k := it.Item().Key()
			eddy = len(k) > 0 && (k[0] == catalog.PrefixRole || k[0] == catalog.PrefixCatalog)
		}
		it.Close()
		if !empty && !eddy {
			return fmt.Errorf("data dir %q holds a Badger database that is not eddy's; "+
				"give --data-dir an empty or new directory, or the one eddy created", dir)
		}
		return txn.Set(eddyMarkerKey, []byte{1})
	})
}

// valueLogGCInterval is how often the engine asks Badger to rewrite value
// log files that are mostly garbage (dropped views' state, deleted rows,
// replaced operator state): without it the value log only grows.
const valueLogGCInterval = 5 * time.Minute

// gcLoop runs Badger's value-log GC until the engine closes.
func (e *Engine) gcLoop(done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(valueLogGCInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		// Each call rewrites at most one file; go on while it finds work.
		for e.ctx.Err() == nil && e.db.RunValueLogGC(0.5) == nil {
		}
	}
}

// dropOrphans deletes, when the engine opens, the data that DDL cut off by
// a crash left behind: a materialized view's or sink's first epochs
// written before its descriptor, a dropped object's data after its
// descriptor was deleted (catalog/orphans.go). Nothing reads it, so it is
// only space; it goes before any new DDL can write under a fresh OID.
func dropOrphans(cat *catalog.Catalog, log *slog.Logger) error {
	dropped, err := cat.DropOrphans()
	if err != nil {
		return fmt.Errorf("recover data dir: %w", err)
	}
	if len(dropped) == 0 {
		return nil
	}
	oids := map[uint32]bool{}
	for _, p := range dropped {
		oids[binary.BigEndian.Uint32(p[1:5])] = true
	}
	list := make([]uint32, 0, len(oids))
	for oid := range oids {
		list = append(list, oid)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	log.Warn("deleted the data of objects that a crash left half created or half dropped", "oids", fmt.Sprint(list))
	return nil
}

// removeEmptyLogs deletes the empty memtable and value log files of the
// data directory. Badger creates such a file, then sizes it and writes
// its header; a kill -9 in between (which restarts make likely: Badger
// creates both at every open) leaves it empty, and Badger's Open then
// fails on it with "Create a new file" (dgraph-io/badger#2207). Empty, it
// holds nothing, and Badger creates it again when it needs it. It takes
// the lock Badger takes on the directory, so as never to remove a file
// that a live process has just created: then it leaves the files alone,
// and Badger's Open says who holds the directory.
func removeEmptyLogs(dir string, log *slog.Logger) error {
	d, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir %q: %w", dir, err)
	}
	defer d.Close() // releases the lock
	if syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return nil
	}
	entries, err := d.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("data dir %q: %w", dir, err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".mem") && !strings.HasSuffix(e.Name(), ".vlog") {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Size() != 0 {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove the empty file a crash left in the data dir: %w", err)
		}
		log.Warn("removed an empty file that a crash left in the data dir", "file", path)
	}
	return nil
}
