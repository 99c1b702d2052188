package exec

import (
	"context"
	"errors"
	"fmt"
	"github.com/eddysql/eddy/sql/builtin"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

func (s *Session) begin() (string, error) {
	if s.txn != nil {
		// PostgreSQL warns and carries on.
		return "BEGIN", nil
	}
	s.txn = s.e.db.NewTransaction(true)
	s.views.readTs = s.txn.ReadTs()
	s.txTime = time.Now()
	s.failed = false
	return "BEGIN", nil
}

func (s *Session) commit(ctx context.Context) (string, error) {
	if s.txn == nil {
		return "COMMIT", nil
	}
	txn, failed := s.txn, s.failed
	s.txn, s.failed = nil, false
	committed := false
	defer func() { s.txnEnded(committed) }()
	s.endSavepoints()
	s.closeCursors(false)
	defer txn.Discard()
	defer s.changes.reset()
	defer s.views.end()
	if failed {
		return "ROLLBACK", s.dropNewIndexes(0)
	}
	if err := s.views.commit(ctx, &s.changes, txn.Set, txn.Delete); err != nil {
		err = errors.Join(err, s.dropNewIndexes(0))
		if errors.Is(err, badger.ErrTxnTooBig) {
			return "", sql.Errorf(sql.CodeProgramLimitExceeded, "transaction is too large: commit in smaller transactions")
		}
		return "", err
	}
	if err := s.e.disk.check(); err != nil {
		return "", err
	}
	if err := txn.Commit(); err != nil {
		err = errors.Join(err, s.dropNewIndexes(0))
		if errors.Is(err, badger.ErrConflict) {
			return "", sql.Errorf("40001", "could not serialize access due to concurrent update")
		}
		return "", fmt.Errorf("commit: %w", err)
	}
	s.views.published()
	s.newIndexes = nil
	committed = true
	return "COMMIT", nil
}

// dropNewIndexes drops the indexes the transaction created after the
// first n, whose builds did not commit.
func (s *Session) dropNewIndexes(n int) error {
	if len(s.newIndexes) <= n {
		return nil
	}
	oids := s.newIndexes[n:]
	s.newIndexes = s.newIndexes[:n]
	return s.e.cat.Delete(oids...)
}

func (s *Session) rollback() (string, error) {
	if s.txn != nil {
		s.closeCursors(false)
		s.endSavepoints()
		s.views.end()
		s.changes.reset()
		s.txn.Discard()
		s.txn, s.failed = nil, false
		s.txnEnded(false)
		return "ROLLBACK", s.dropNewIndexes(0)
	}
	return "ROLLBACK", nil
}

// set changes one session setting.
func (s *Session) set(name, val string) error {
	s.paramStatus = nil
	switch name {
	case "timezone", "time zone":
		if strings.EqualFold(val, "local") || strings.EqualFold(val, "default") {
			val = "UTC"
		}
		loc, err := builtin.ZoneLocation(val)
		if err != nil {
			return sql.Errorf(sql.CodeInvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", val)
		}
		s.loc = loc
		s.settings["timezone"] = val
		return nil
	}
	s.settings[name] = val
	return nil
}
