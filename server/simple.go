package server

import (
	"fmt"

	"github.com/jackc/pgproto3/v2"
)

// handleQuery runs a simple-protocol Query: every statement of the string in
// turn, in text format, stopping at the first error, then ReadyForQuery.
func (c *conn) handleQuery(q string) {
	// A Query replaces the unnamed statement and portal, as in PostgreSQL.
	c.closePortal("")
	delete(c.stmts, "")

	c.reportActive(q)
	var stmts []Statement
	err := c.guard(func() (err error) {
		stmts, err = c.sess.Parse(c.ctx, q, nil)
		return err
	})
	switch {
	case err != nil:
		c.sendError(err)
	case len(stmts) == 0:
		c.send(&pgproto3.EmptyQueryResponse{})
	default:
		for _, st := range stmts {
			if err := c.runSimple(st); err != nil {
				c.sendError(err)
				break
			}
		}
	}
	if c.connLost() {
		return // run says goodbye, if anyone is listening
	}
	// Portals live in their transaction, which a COMMIT or ROLLBACK in
	// the query may have ended (as handleSync does for the extended
	// protocol).
	if c.sess.TxStatus() == 'I' {
		c.closeAll()
	}
	c.reportParams()
	c.readyForQuery()
}

// runSimple executes one statement of a Query and sends its rows and tag.
func (c *conn) runSimple(st Statement) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = c.panicError(r)
		}
	}()
	res, err := st.Execute(c.ctx, nil)
	if err != nil {
		return err
	}
	defer c.closeResult(res)
	c.sendNotices(res)
	if handled, err := c.runCopy(res); handled {
		if err == nil {
			c.reportParams()
		}
		return err
	}
	cols := st.Columns()
	if cols != nil {
		c.sendRowDescription(cols, nil)
	}
	if _, err := c.sendRows(res, cols, nil, 0); err != nil {
		return err
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag())})
	c.reportParams()
	return nil
}

// sendRows sends up to max rows of r (0: all) in the given formats; done
// reports that r has no more rows. Output is flushed as it grows so a large
// result streams with bounded memory, and, when the result streams
// (SUBSCRIBE), whenever the next row is not at hand (Readier): its rows
// must not wait for the next ones.
func (c *conn) sendRows(r Result, cols []Column, formats []int16, max uint32) (done bool, err error) {
	done, _, err = c.sendRowsCounted(r, cols, formats, max)
	return done, err
}

// sendRowsCounted is sendRows that also says how many rows it sent.
func (c *conn) sendRowsCounted(r Result, cols []Column, formats []int16, max uint32) (done bool, sent uint32, err error) {
	s, ok := r.(Streamer)
	streaming := ok && s.Streaming()
	if streaming {
		// The first row may be long in coming; the client should not wait
		// for it to learn the row description.
		c.flush()
	}
	for n := uint32(0); max == 0 || n < max; n++ {
		row, ok, err := r.Next(c.ctx)
		if err != nil {
			return false, n, err
		}
		if !ok {
			return true, n, nil
		}
		if err := c.sendDataRow(row, cols, formats); err != nil {
			return false, n, err
		}
		if c.mustFlush(streaming, r) {
			c.flush()
			if c.werr != nil {
				return false, n + 1, c.werr
			}
		}
	}
	return false, max, nil
}

// closeResult releases r. Its error comes too late to fail the statement,
// whose CommandComplete may be sent already, so it is logged.
func (c *conn) closeResult(r Result) {
	defer func() {
		if p := recover(); p != nil {
			c.panicError(fmt.Errorf("closing result: %v", p))
		}
	}()
	if err := r.Close(); err != nil {
		c.log.Warn("closing result", "err", err)
	}
}
