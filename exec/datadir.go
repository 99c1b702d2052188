package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
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
