package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
)

// An autocommit statement too large for one Badger transaction (a bulk
// COPY or INSERT ... SELECT) commits in steps (dmlTxn.step). Each step is
// durable when it commits, so a crash in the middle of the statement used
// to leave its first steps in the table: a COPY killed half way was half
// there after the restart, where PostgreSQL has none of it.
//
// So before each step commits, the statement journals what the step
// overwrites: for every key it wrote, the value the key held before (or
// that it held none), read after the writes and before the commit, outside
// the statement's transaction. The final commit carries a done marker.
// When the engine opens, a journal without its marker belongs to a
// statement that a crash cut off: its steps are undone, newest first, by
// putting the old values back, and the journal goes. A statement that
// fails after some steps undoes them the same way before it returns, so
// that it is wholly absent then too.
//
// Statements whose changes feed materialized views are left out: their
// steps commit the views' changes with them, which sinks may have sent on
// and subscribers seen, so undoing them would take back what the world
// saw; their steps stay, as before, with every view equal to its query
// over the committed rows.
//
// Keys: PrefixMeta 'u' 'n' 'd' + statement id (8 bytes) + 0x00 + step
// (4 bytes) + chunk (4 bytes) -> entries; the same prefix + 0x01 is the done
// marker.

var journalPrefix = []byte{catalog.PrefixMeta, 'u', 'n', 'd'}

// journalChunk bounds one journal value, well below what one Badger
// transaction holds.
const journalChunk = 512 << 10

// stepJournal is one statement's journal.
type stepJournal struct {
	id    uint64
	steps uint32
	// keys are the keys written in the open step, each preceded by its
	// length (uvarint), in one buffer: no allocation per write.
	keys []byte
	// off: a step journaled earlier fed views after all (feedsViews turned
	// true), so the journal was closed and the rest goes unjournaled.
	off bool
}

func newStepJournal() *stepJournal { return &stepJournal{id: rand.Uint64()} }

func journalStmtPrefix(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), journalPrefix...), id)
}

func journalDoneKey(id uint64) []byte { return append(journalStmtPrefix(id), 1) }

// note records that the open step wrote k.
func (j *stepJournal) note(k []byte) {
	if j == nil || j.off {
		return
	}
	j.keys = binary.AppendUvarint(j.keys, uint64(len(k)))
	j.keys = append(j.keys, k...)
}

// reset forgets the keys of a step that committed unjournaled (the
// transaction holds no writes yet, or the statement feeds views).
func (j *stepJournal) reset() {
	if j != nil {
		j.keys = j.keys[:0]
	}
}

// write journals the open step before its commit: the old value of each
// key it wrote, read from the committed state. It is durable when write
// returns (the store syncs its writes).
func (j *stepJournal) write(db *badger.DB) error {
	if j == nil || j.off {
		return nil
	}
	defer j.reset()
	if len(j.keys) == 0 {
		return nil
	}
	step := j.steps
	j.steps++
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	rtxn := db.NewTransaction(false)
	defer rtxn.Discard()
	var chunk []byte
	var n uint32
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		k := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(append(journalStmtPrefix(j.id), 0), step), n)
		n++
		err := wb.Set(k, chunk)
		chunk = nil
		return err
	}
	for rest := j.keys; len(rest) > 0; {
		l, m := binary.Uvarint(rest)
		k := rest[m : m+int(l)]
		rest = rest[m+int(l):]
		chunk = binary.AppendUvarint(chunk, uint64(len(k)))
		chunk = append(chunk, k...)
		item, err := rtxn.Get(k)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
			chunk = append(chunk, 0)
		case err != nil:
			return fmt.Errorf("journal step: %w", err)
		default:
			chunk = append(chunk, 1)
			if err := item.Value(func(v []byte) error {
				chunk = binary.AppendUvarint(chunk, uint64(len(v)))
				chunk = append(chunk, v...)
				return nil
			}); err != nil {
				return fmt.Errorf("journal step: %w", err)
			}
		}
		if len(chunk) >= journalChunk {
			if err := flush(); err != nil {
				return fmt.Errorf("journal step: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("journal step: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("journal step: %w", err)
	}
	return nil
}

// close stops journaling a statement that turned out to feed views: its
// journaled steps are marked done (they stay, as its later steps will).
func (j *stepJournal) close(db *badger.DB) error {
	if j == nil || j.off {
		return nil
	}
	j.off = true
	j.reset()
	if j.steps == 0 {
		return nil
	}
	return db.Update(func(txn *badger.Txn) error { return txn.Set(journalDoneKey(j.id), nil) })
}

// drop deletes the journal of a statement that committed.
func (j *stepJournal) drop(db *badger.DB) error {
	if j == nil || j.steps == 0 {
		return nil
	}
	return catalog.DeletePrefixes(db, journalStmtPrefix(j.id))
}

// undo takes back the journaled steps of a statement that failed.
func (j *stepJournal) undo(db *badger.DB) error {
	if j == nil || j.off || j.steps == 0 {
		return nil
	}
	_, err := undoJournals(db, journalStmtPrefix(j.id))
	return err
}

// recoverJournals runs when the engine opens: it undoes the steps of the
// statements a crash cut off and deletes every journal.
func recoverJournals(db *badger.DB, log *slog.Logger) error {
	n, err := undoJournals(db, journalPrefix)
	if err != nil {
		return fmt.Errorf("recover data dir: %w", err)
	}
	if n > 0 {
		log.Warn("took back the committed steps of statements that a crash cut off", "statements", n)
	}
	return nil
}

// undoJournals undoes the journals under prefix that have no done marker,
// deletes them all, and returns how many it undid. Undoing puts back old
// values, so a crash in the middle of it leaves the journal to be undone
// again, to the same result.
func undoJournals(db *badger.DB, prefix []byte) (int, error) {
	type stmt struct {
		done   bool
		chunks [][]byte // values, in key order (step, chunk)
	}
	stmts := map[uint64]*stmt{}
	var ids []uint64
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) < len(journalPrefix)+9 {
				continue
			}
			id := binary.BigEndian.Uint64(k[len(journalPrefix):])
			s := stmts[id]
			if s == nil {
				s = &stmt{}
				stmts[id] = s
				ids = append(ids, id)
			}
			if k[len(journalPrefix)+8] == 1 {
				s.done = true
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			s.chunks = append(s.chunks, v)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read statement journals: %w", err)
	}
	undone := 0
	for _, id := range ids {
		s := stmts[id]
		if !s.done {
			wb := db.NewWriteBatch()
			// Newest step first: a key written in several steps ends
			// with the value it held before the first.
			for i := len(s.chunks) - 1; i >= 0; i-- {
				if err := undoChunk(wb, s.chunks[i]); err != nil {
					wb.Cancel()
					return undone, err
				}
			}
			if err := wb.Flush(); err != nil {
				return undone, fmt.Errorf("undo statement steps: %w", err)
			}
			undone++
		}
		if err := catalog.DeletePrefixes(db, journalStmtPrefix(id)); err != nil {
			return undone, err
		}
	}
	return undone, nil
}

func undoChunk(wb *badger.WriteBatch, c []byte) error {
	bad := errors.New("undo statement steps: corrupt journal entry")
	for len(c) > 0 {
		l, m := binary.Uvarint(c)
		if m <= 0 || uint64(len(c)-m) < l+1 {
			return bad
		}
		k := c[m : m+int(l)]
		c = c[m+int(l):]
		had := c[0]
		c = c[1:]
		if had == 0 {
			if err := wb.Delete(k); err != nil {
				return err
			}
			continue
		}
		l, m = binary.Uvarint(c)
		if m <= 0 || uint64(len(c)-m) < l {
			return bad
		}
		if err := wb.Set(k, c[m:m+int(l)]); err != nil {
			return err
		}
		c = c[m+int(l):]
	}
	return nil
}
