package exec

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// Badger transactions do not nest, so savepoints keep an undo log: while
// one is open, every write of the transaction first records the key's
// previous value, and ROLLBACK TO SAVEPOINT writes those back in reverse.

type undoEntry struct {
	key     []byte
	old     []byte
	existed bool
}

type savepoint struct {
	name    string
	undoLen int
	// logLen is how many changes for views were logged; while a savepoint
	// is open none are fed to views, so rolling back truncates the log.
	logLen int
	// indexes is how many indexes the transaction had created.
	indexes int
	// notifies and listens are how many NOTIFYs and LISTEN/UNLISTENs
	// were pending (notify.go).
	notifies, listens int
}

// remember records k's current state before a write, when a savepoint
// needs it.
func (t *dmlTxn) remember(k []byte) error {
	if t.undo == nil {
		return nil
	}
	e := undoEntry{key: append([]byte(nil), k...)}
	item, err := t.txn.Get(k)
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return fmt.Errorf("savepoint undo: %w", err)
	default:
		if e.old, err = item.ValueCopy(nil); err != nil {
			return fmt.Errorf("savepoint undo: %w", err)
		}
		e.existed = true
	}
	*t.undo = append(*t.undo, e)
	return nil
}

// undoLog is what a statement's writes record into: nil without savepoints.
func (s *Session) undoLog() *[]undoEntry {
	if len(s.savepoints) == 0 {
		return nil
	}
	return &s.undo
}

func (s *Session) savepoint(name string) (string, error) {
	if s.txn == nil {
		return "", sql.Errorf(sql.CodeNoActiveSQLTransaction, "SAVEPOINT can only be used in transaction blocks")
	}
	s.savepoints = append(s.savepoints, savepoint{name: name, undoLen: len(s.undo), logLen: len(s.changes.changes), indexes: len(s.newIndexes),
		notifies: len(s.notify.pending), listens: len(s.notify.actions)})
	return "SAVEPOINT", nil
}

// findSavepoint returns the index of the newest savepoint named name.
func (s *Session) findSavepoint(name, verb string) (int, error) {
	if s.txn == nil {
		return 0, sql.Errorf(sql.CodeNoActiveSQLTransaction, "%s can only be used in transaction blocks", verb)
	}
	for i := len(s.savepoints) - 1; i >= 0; i-- {
		if s.savepoints[i].name == name {
			return i, nil
		}
	}
	return 0, sql.Errorf("3B001", "savepoint %q does not exist", name)
}

func (s *Session) releaseSavepoint(name string) (string, error) {
	i, err := s.findSavepoint(name, "RELEASE SAVEPOINT")
	if err != nil {
		return "", err
	}
	// Releasing keeps the changes; the undo entries stay for any outer
	// savepoint and are dropped when none is left.
	s.savepoints = s.savepoints[:i]
	if len(s.savepoints) == 0 {
		s.undo = nil
	}
	return "RELEASE", nil
}

func (s *Session) rollbackToSavepoint(name string) (string, error) {
	i, err := s.findSavepoint(name, "ROLLBACK TO SAVEPOINT")
	if err != nil {
		return "", err
	}
	sp := s.savepoints[i]
	for j := len(s.undo) - 1; j >= sp.undoLen; j-- {
		e := s.undo[j]
		if e.existed {
			err = s.txn.Set(e.key, e.old)
		} else {
			err = s.txn.Delete(e.key)
		}
		if err != nil {
			return "", fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	// The savepoint itself survives, as in PostgreSQL, and the
	// transaction is usable again.
	s.undo = s.undo[:sp.undoLen]
	s.changes.changes = s.changes.changes[:sp.logLen]
	if err := s.dropNewIndexes(sp.indexes); err != nil {
		return "", fmt.Errorf("rollback to savepoint: %w", err)
	}
	s.notify.truncate(sp.notifies, sp.listens)
	s.savepoints = s.savepoints[:i+1]
	s.failed = false
	return "ROLLBACK", nil
}

// endSavepoints forgets savepoints when the transaction ends.
func (s *Session) endSavepoints() {
	s.savepoints, s.undo = nil, nil
}
