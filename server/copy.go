package server

import (
	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgproto3/v2"
)

// runCopy serves a COPY if res is one; handled is false when it is an ordinary
// result. On success the CommandComplete is sent.
func (c *conn) runCopy(res Result) (handled bool, err error) {
	switch r := res.(type) {
	case CopyOut:
		return true, c.copyOut(res, r)
	case CopyIn:
		return true, c.copyIn(res, r)
	}
	return false, nil
}

func copyFormats(binary bool, columns int) (overall byte, cols []uint16) {
	cols = make([]uint16, columns)
	if binary {
		overall = 1
		for i := range cols {
			cols[i] = 1
		}
	}
	return overall, cols
}

func (c *conn) copyOut(res Result, r CopyOut) error {
	overall, cols := copyFormats(r.CopyOutFormat())
	c.send(&pgproto3.CopyOutResponse{OverallFormat: overall, ColumnFormatCodes: cols})
	s, ok := res.(Streamer)
	streaming := ok && s.Streaming()
	if streaming {
		c.flush()
	}
	for {
		data, ok, err := r.NextCopyData(c.ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		c.send(&pgproto3.CopyData{Data: data})
		if c.mustFlush(streaming, res) {
			c.flush()
			if c.werr != nil {
				return c.werr
			}
		}
	}
	c.send(&pgproto3.CopyDone{})
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag())})
	return nil
}

// copyIn takes the client's data from the command stream: during COPY FROM
// STDIN the executor reads commands itself, which is why the reader hands it
// CopyData as commands like any other message.
func (c *conn) copyIn(res Result, r CopyIn) error {
	overall, cols := copyFormats(r.CopyInFormat())
	c.send(&pgproto3.CopyInResponse{OverallFormat: overall, ColumnFormatCodes: cols})
	c.flush()
	for {
		var cmd command
		var ok bool
		select {
		case cmd, ok = <-c.cmds:
		case <-c.ctx.Done():
			return c.ctx.Err()
		}
		if !ok {
			c.closing = true
			return errClientGone
		}
		switch cmd := cmd.(type) {
		case copyDataCmd:
			if err := r.CopyData(c.ctx, cmd.data); err != nil {
				return err
			}
		case copyDoneCmd:
			for {
				_, more, err := res.Next(c.ctx)
				if err != nil {
					return err
				}
				if !more {
					break
				}
			}
			c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag())})
			return nil
		case copyFailCmd:
			return sql.Errorf(sql.CodeQueryCanceled, "COPY from stdin failed: %s", cmd.msg)
		case flushCmd, syncCmd:
			// Ignored during COPY, as PostgreSQL does: some clients send them
			// along with CopyDone.
		case terminateCmd:
			c.closing = true
			return sql.Errorf(sql.CodeQueryCanceled, "COPY from stdin aborted: client terminated the connection")
		case protoErrCmd:
			if cmd.fatal {
				c.closing = true
			}
			return cmd.err
		default:
			return sql.Errorf(sql.CodeProtocolViolation, "unexpected message %T during COPY from stdin", cmd)
		}
	}
}
