package server

import (
	"errors"
	"runtime/debug"
	"syscall"

	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgproto3/v2"
)

// toSQLError gives every error a SQLSTATE: an *sql.Error anywhere in the chain
// keeps its own, anything else is XX000 with its message, as the client must
// get a code.
func toSQLError(err error) *sql.Error {
	var e *sql.Error
	if errors.As(err, &e) {
		return e
	}
	// A write that found the disk full, wherever it came from.
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return &sql.Error{Code: sql.CodeDiskFull, Message: err.Error()}
	}
	return &sql.Error{Code: sql.CodeInternal, Message: err.Error()}
}

func errorResponse(e *sql.Error, severity string) *pgproto3.ErrorResponse {
	if e.Severity != "" {
		severity = e.Severity
	}
	code := e.Code
	if code == "" {
		code = sql.CodeInternal
	}
	return &pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            int32(e.Position),
		ConstraintName:      e.Constraint,
	}
}

// sendError reports an error that ends the current statement. An error the
// engine returns because the connection is going away is not reported as such:
// the caller then ends the connection with the real reason.
func (c *conn) sendError(err error) {
	if c.connLost() {
		return
	}
	c.send(errorResponse(toSQLError(err), "ERROR"))
	// Flushed at once, as PostgreSQL does, so that a client learns of the
	// error even if it waits for nothing else.
	c.flush()
}

// sendFatal reports an error that ends the connection, and flushes it since
// nothing will follow.
func (c *conn) sendFatal(e *sql.Error) {
	c.send(errorResponse(e, "FATAL"))
	c.flush()
}

// extended finishes an extended-protocol message: on error the client gets
// the error and every message up to the next Sync is skipped, because the
// client pipelined them assuming this one succeeded.
func (c *conn) extended(err error) {
	if err == nil {
		return
	}
	c.sendError(err)
	c.ignoreTillSync = true
}

func (c *conn) sendNotices(r Result) {
	n, ok := r.(Notifier)
	if !ok {
		return
	}
	for _, e := range n.Notices() {
		sev := "NOTICE"
		if e.Severity != "" {
			sev = e.Severity
		}
		code := e.Code
		if code == "" {
			code = sql.CodeSuccessfulCompletion
		}
		c.send((*pgproto3.NoticeResponse)(&pgproto3.ErrorResponse{
			Severity: sev, SeverityUnlocalized: sev, Code: code,
			Message: e.Message, Detail: e.Detail, Hint: e.Hint, Position: int32(e.Position),
		}))
	}
}

// panicError logs a recovered panic with its stack and turns it into the
// error the client sees. It drops a half-encoded message from the reply
// buffer, which would otherwise desynchronize the client.
func (c *conn) panicError(r any) error {
	c.log.Error("panic serving statement", "panic", r, "stack", string(debug.Stack()))
	if c.partial >= 0 {
		c.wbuf = c.wbuf[:c.partial]
		c.partial = -1
	}
	return sql.Errorf(sql.CodeInternal, "internal error: %v", r)
}

// guard calls into the engine, turning a panic into an error so that one bad
// statement does not take the session down.
func (c *conn) guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = c.panicError(r)
		}
	}()
	return fn()
}

// connLost reports whether err comes from the connection ending (shutdown or
// client gone) rather than from the statement: then the statement's error is
// not the story to tell.
func (c *conn) connLost() bool {
	return c.ctx.Err() != nil
}
