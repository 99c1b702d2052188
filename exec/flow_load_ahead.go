package exec

import (
	"context"

	"github.com/eddysql/eddy/sql"
)

// loadAhead gathers a view's load into chunks (loadChunk) in a goroutine of
// its own, so that the records of the next epoch are fetched and decoded
// while the view runs the current one. Gathered by the epoch's own
// goroutine, a chunk was mostly decoded after the epoch before it ended:
// the scan's decoders stop a few batches ahead (sourceScanOp.out), far
// short of a chunk, and the view's core then waited for the other's
// decoding (Nexmark q16 spent a tenth of its wall time so).
//
// One chunk is gathered ahead, no more: the load holds at most one chunk
// beyond the one in its epoch.
type loadAhead struct {
	ctx    context.Context
	chunks chan aheadChunk
	cancel context.CancelFunc
	done   chan struct{}
}

type aheadChunk struct {
	c   loadChunk
	end bool // the source's last chunk
	err error
}

// startLoadAhead reads scan until it ends. The scan is the gatherer's
// until close returns.
func startLoadAhead(ctx context.Context, scan *sourceScanOp, limit int64) *loadAhead {
	ctx, cancel := context.WithCancel(ctx)
	l := &loadAhead{ctx: ctx, chunks: make(chan aheadChunk), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer close(l.chunks)
		l.gather(ctx, scan, limit)
	}()
	return l
}

func (l *loadAhead) gather(ctx context.Context, scan *sourceScanOp, limit int64) {
	send := func(a aheadChunk) bool {
		select {
		case l.chunks <- a:
			return true
		case <-ctx.Done():
			return false
		}
	}
	chunk := loadChunk{limit: limit}
	lastLen := 0
	for {
		sb, err := scan.nextSized(ctx)
		if err != nil {
			send(aheadChunk{err: err})
			return
		}
		b := sb.b
		if b != nil {
			// loadChunk.add less its rowSize pass, which the decoders
			// made.
			if chunk.Rows == nil && lastLen > 0 {
				// Sized as the last chunk was, rather than grown again.
				chunk.Rows = make([]sql.Row, 0, lastLen)
				chunk.Diffs = make([]int64, 0, lastLen)
			}
			chunk.Rows = append(chunk.Rows, b.Rows...)
			chunk.Diffs = append(chunk.Diffs, b.Diffs...)
			chunk.src = chunk.src.merge(b.src)
			chunk.bytes += sb.bytes
		}
		if (b == nil && (chunk.Len() > 0 || chunk.src != nil)) || chunk.full() {
			if !send(aheadChunk{c: chunk, end: b == nil}) {
				return
			}
			lastLen = chunk.Len()
			// The chunk sent is the epoch's now: the next is a new one.
			chunk = loadChunk{limit: limit}
		}
		if b == nil {
			return
		}
	}
}

// next returns the next chunk and whether it is the source's last; ok is
// false once the scan has ended.
func (l *loadAhead) next() (c loadChunk, end, ok bool, err error) {
	a, ok := <-l.chunks
	if !ok {
		// A gatherer cut short by the context sent no error.
		return loadChunk{}, false, false, l.ctx.Err()
	}
	if a.err != nil {
		return loadChunk{}, false, false, a.err
	}
	return a.c, a.end, true, nil
}

// close stops the gatherer, if it still runs, and waits for it.
func (l *loadAhead) close() {
	l.cancel()
	<-l.done
}
