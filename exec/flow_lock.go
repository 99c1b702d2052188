package exec

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// The locks that order view maintenance are held from a transaction's
// first epoch to its end, which the client decides: a session idle in a
// transaction that fed a view holds it. Their waits therefore end with the
// waiting statement's context, so that a cancel request or
// statement_timeout frees a statement stuck behind such a session.

// viewMutex serializes the epochs of one view.
type viewMutex struct{ sem *semaphore.Weighted }

func newViewMutex() viewMutex { return viewMutex{sem: semaphore.NewWeighted(1)} }

func (m viewMutex) lock(ctx context.Context) error { return m.sem.Acquire(ctx, 1) }
func (m viewMutex) tryLock() bool                  { return m.sem.TryAcquire(1) }
func (m viewMutex) unlock()                        { m.sem.Release(1) }

// viewRWMutex is a readers-writer lock: transactions that feed views read,
// CREATE and DROP write. As with sync.RWMutex, a waiting writer holds back
// later readers.
type viewRWMutex struct{ sem *semaphore.Weighted }

const maxViewReaders = 1 << 30

func newViewRWMutex() viewRWMutex { return viewRWMutex{sem: semaphore.NewWeighted(maxViewReaders)} }

func (m viewRWMutex) rlock(ctx context.Context) error { return m.sem.Acquire(ctx, 1) }
func (m viewRWMutex) runlock()                        { m.sem.Release(1) }
func (m viewRWMutex) lock(ctx context.Context) error  { return m.sem.Acquire(ctx, maxViewReaders) }
func (m viewRWMutex) unlock()                         { m.sem.Release(maxViewReaders) }
