package exec

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
)

// A table index is registered (its descriptor stored) before its build,
// so that writers from then on maintain its entries, and the build's last
// commit writes its completion marker (index.go). A crash in between left
// a descriptor over part of the entries: scans ignore such an index, but
// a UNIQUE one checked new rows against the entries it had, letting in
// duplicates of the rows it never reached, and it stayed that way for
// good. So the descriptor is stored marked as building, and when the
// engine opens, an index still marked without its completion marker is a
// build a crash cut off: it is dropped, as PostgreSQL leaves no index of a
// CREATE INDEX that did not commit. One with the marker has completed and
// loses the mark. Indexes stored before the mark existed carry none and
// are left alone (they were built before being registered).

// indexBuildingOption marks, in rel.Options, a table index whose build
// has not been seen to complete.
const indexBuildingOption = "eddy.index_building"

// markIndexBuilding marks idx, not yet stored, as building.
func markIndexBuilding(idx *catalog.Relation) {
	if idx.Options == nil {
		idx.Options = map[string]string{}
	}
	idx.Options[indexBuildingOption] = "1"
}

// settleIndexBuilds drops the indexes whose build a crash cut off and
// unmarks the completed ones. It runs when the engine opens, before any
// session can build an index.
func settleIndexBuilds(db *badger.DB, cat *catalog.Catalog, log *slog.Logger) error {
	var cut []uint32
	var names []string
	for _, r := range cat.Relations() {
		if r.Kind != catalog.KindIndex || r.Options[indexBuildingOption] == "" {
			continue
		}
		complete := true
		err := db.View(func(txn *badger.Txn) error {
			_, err := txn.Get(catalog.ObjectPrefix(catalog.PrefixIndex, r.OID))
			if errors.Is(err, badger.ErrKeyNotFound) {
				complete = false
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("recover index %s: %w", r.Name, err)
		}
		if !complete {
			cut = append(cut, r.OID)
			names = append(names, r.Schema+"."+r.Name)
			continue
		}
		done := *r
		done.Options = maps.Clone(r.Options)
		delete(done.Options, indexBuildingOption)
		if len(done.Options) == 0 {
			done.Options = nil
		}
		if err := cat.Put(&done); err != nil {
			return fmt.Errorf("recover index %s: %w", r.Name, err)
		}
	}
	if len(cut) == 0 {
		return nil
	}
	if err := cat.Delete(cut...); err != nil {
		return fmt.Errorf("drop the indexes a crash cut off: %w", err)
	}
	log.Warn("dropped the indexes whose CREATE INDEX a crash cut off", "indexes", fmt.Sprint(names))
	return nil
}
