package exec

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// The locks that order view maintenance are held from a transaction's
// first epoch to its end, which the client decides: a session idle in a
// transaction that fed a view holds it. Their waits therefore end with the
// waiting statement's context, so that a cancel request or
// statement_timeout frees a statement stuck behind such a session.

// viewMutex serializes the epochs of one view. waiting counts the lock
// calls that wait, so that a holder that would keep the view for long
// (flow_pipeline.go) lets it go when another wants it.
type viewMutex struct {
	sem     *semaphore.Weighted
	waiting *atomic.Int32
}

func newViewMutex() viewMutex {
	return viewMutex{sem: semaphore.NewWeighted(1), waiting: new(atomic.Int32)}
}

func (m viewMutex) lock(ctx context.Context) error {
	if m.sem.TryAcquire(1) {
		return nil
	}
	m.waiting.Add(1)
	defer m.waiting.Add(-1)
	return m.sem.Acquire(ctx, 1)
}
func (m viewMutex) tryLock() bool   { return m.sem.TryAcquire(1) }
func (m viewMutex) unlock()         { m.sem.Release(1) }
func (m viewMutex) contended() bool { return m.waiting.Load() > 0 }

// viewRWMutex is a readers-writer lock: transactions that feed views read,
// CREATE and DROP write. As with sync.RWMutex, a waiting writer holds back
// later readers.
// writing counts the writers waiting, as viewMutex.waiting does.
type viewRWMutex struct {
	sem     *semaphore.Weighted
	writing *atomic.Int32
}

const maxViewReaders = 1 << 30

func newViewRWMutex() viewRWMutex {
	return viewRWMutex{sem: semaphore.NewWeighted(maxViewReaders), writing: new(atomic.Int32)}
}

func (m viewRWMutex) rlock(ctx context.Context) error { return m.sem.Acquire(ctx, 1) }
func (m viewRWMutex) runlock()                        { m.sem.Release(1) }
func (m viewRWMutex) lock(ctx context.Context) error {
	m.writing.Add(1)
	defer m.writing.Add(-1)
	return m.sem.Acquire(ctx, maxViewReaders)
}
func (m viewRWMutex) unlock()             { m.sem.Release(maxViewReaders) }
func (m viewRWMutex) writerWaiting() bool { return m.writing.Load() > 0 }
