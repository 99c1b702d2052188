package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgproto3/v2"
)

// conn is one client connection after startup: a reader goroutine that turns
// frontend messages into commands, and the connection's own goroutine (run)
// that executes them and writes every reply. Only run writes to the socket.
type conn struct {
	srv   *Server
	nc    net.Conn
	log   *slog.Logger
	codec valueCodec

	// ctx is cancelled when the server shuts down (cause errShutdown), when the
	// client goes away (errClientGone) and when run returns. Statements run
	// under it, so a vanished client or a shutdown stops them.
	ctx    context.Context
	cancel context.CancelCauseFunc

	be   *pgproto3.Backend
	fr   *framer
	sess Session
	pid  uint32

	tls     bool // the connection negotiated TLS
	trusted bool // the listener may skip authentication (WithInsecure)

	// cmds carries commands from the reader to run; the reader closes it.
	cmds chan command

	// wbuf holds replies until flush. partial is the start of a message being
	// encoded, or -1, so that a panic mid-message can drop the fragment.
	wbuf    []byte
	partial int
	werr    error

	reported map[string]string // ParameterStatus values the client has
	tz       string
	loc      *time.Location

	// Extended protocol state.
	stmts          map[string]*prepared
	portals        map[string]*portal
	ignoreTillSync bool
	// closing is set when a command consumed inside another (Terminate during
	// COPY) ends the connection.
	closing bool

	fields []pgproto3.FieldDescription // reused RowDescription fields

	// idle: the last reply was ReadyForQuery outside a transaction and no
	// command has come since, so notifications go out as they arrive.
	idle  bool
	notes []Notification // reused by sendNotifications
}

var errClientGone = errors.New("client disconnected")

// flushSize is the amount of buffered reply above which rows are sent before
// the statement ends, bounding memory for large results.
const flushSize = 32 << 10

// framer is the Backend's byte source. It enforces the message size limit
// before the Backend allocates a body, and it lets the reader tell a message
// that failed to decode (framing intact: report and go on) from a broken
// stream (framing lost: report and close), which pgproto3 does not expose.
type framer struct {
	cr    pgproto3.ChunkReader
	max   int
	calls int    // successful Next calls since reset: 2 means header and body were read
	typ   byte   // type byte of the message being read
	last  []byte // the last chunk returned
	ioErr error  // the socket failed (not a protocol error)
}

var errTooLarge = errors.New("message too large")

func (f *framer) Next(n int) ([]byte, error) {
	if n > f.max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errTooLarge, n, f.max)
	}
	b, err := f.cr.Next(n)
	if err != nil {
		f.ioErr = err
		return nil, err
	}
	if f.calls == 0 && n > 0 {
		f.typ = b[0]
	}
	f.calls++
	f.last = b
	return b, nil
}

// Commands are what the reader hands to run: frontend messages copied out of
// pgproto3's reused buffers, plus protocol errors found while reading. The
// interface is closed so that the set of commands is known here.
type command interface{ command() }

type (
	queryCmd struct{ sql string }
	parseCmd struct {
		name, query string
		oids        []uint32
	}
	bindCmd struct {
		portal, stmt  string
		paramFormats  []int16
		params        [][]byte
		resultFormats []int16
	}
	describeCmd struct {
		kind byte
		name string
	}
	executeCmd struct {
		portal  string
		maxRows uint32
	}
	closeCmd struct {
		kind byte
		name string
	}
	syncCmd      struct{}
	flushCmd     struct{}
	terminateCmd struct{}
	copyDataCmd  struct{ data []byte }
	copyDoneCmd  struct{}
	copyFailCmd  struct{ msg string }
	// protoErrCmd reports a bad message; fatal when the stream cannot be
	// parsed any further. extended says the message belonged to the extended
	// protocol, after which replies wait for Sync.
	protoErrCmd struct {
		err      *sql.Error
		fatal    bool
		extended bool
	}
)

func (queryCmd) command()     {}
func (parseCmd) command()     {}
func (bindCmd) command()      {}
func (describeCmd) command()  {}
func (executeCmd) command()   {}
func (closeCmd) command()     {}
func (syncCmd) command()      {}
func (flushCmd) command()     {}
func (terminateCmd) command() {}
func (copyDataCmd) command()  {}
func (copyDoneCmd) command()  {}
func (copyFailCmd) command()  {}
func (protoErrCmd) command()  {}

// readLoop decodes messages into commands until the stream ends, breaks or
// says Terminate. It runs ahead of execution, which is what lets it see a
// client hang up while a statement runs and cancel the statement.
func (c *conn) readLoop() {
	defer close(c.cmds)
	for {
		c.fr.calls = 0
		msg, err := c.receive()
		var cmd command
		switch {
		case err != nil && c.fr.ioErr != nil:
			c.cancel(errClientGone)
			return
		case err != nil && c.fr.calls == 2:
			cmd = protoErrCmd{err: sql.Errorf(sql.CodeProtocolViolation, "invalid message format: %v", err),
				extended: strings.IndexByte("PBEDC", c.fr.typ) >= 0}
		case err != nil:
			c.send1(protoErrCmd{err: sql.Errorf(sql.CodeProtocolViolation, "invalid frontend message: %v", err), fatal: true})
			return
		default:
			cmd = toCommand(msg)
		}
		if !c.send1(cmd) {
			return
		}
		if _, ok := cmd.(terminateCmd); ok {
			return
		}
	}
}

// receive is Backend.Receive, but a decoder that panics on a malformed body
// (pgproto3 v2's CopyFail does on an empty one) yields an error instead.
func (c *conn) receive() (msg pgproto3.FrontendMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoding message %q: %v", c.fr.typ, r)
		}
	}()
	return c.be.Receive()
}

func (c *conn) send1(cmd command) bool {
	select {
	case c.cmds <- cmd:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func toCommand(msg pgproto3.FrontendMessage) command {
	switch m := msg.(type) {
	case *pgproto3.Query:
		return queryCmd{sql: m.String}
	case *pgproto3.Parse:
		return parseCmd{name: m.Name, query: m.Query, oids: append([]uint32(nil), m.ParameterOIDs...)}
	case *pgproto3.Bind:
		// Bind.Decode allocates its slices afresh and the chunk reader never
		// reuses returned memory, so they can be kept as they are.
		return bindCmd{portal: m.DestinationPortal, stmt: m.PreparedStatement,
			paramFormats: m.ParameterFormatCodes, params: m.Parameters, resultFormats: m.ResultFormatCodes}
	case *pgproto3.Describe:
		return describeCmd{kind: m.ObjectType, name: m.Name}
	case *pgproto3.Execute:
		return executeCmd{portal: m.Portal, maxRows: m.MaxRows}
	case *pgproto3.Close:
		return closeCmd{kind: m.ObjectType, name: m.Name}
	case *pgproto3.Sync:
		return syncCmd{}
	case *pgproto3.Flush:
		return flushCmd{}
	case *pgproto3.Terminate:
		return terminateCmd{}
	case *pgproto3.CopyData:
		return copyDataCmd{data: m.Data}
	case *pgproto3.CopyDone:
		return copyDoneCmd{}
	case *pgproto3.CopyFail:
		return copyFailCmd{msg: m.Message}
	case *pgproto3.FunctionCall:
		return protoErrCmd{err: sql.Errorf(sql.CodeFeatureNotSupported, "fast-path function calls are not supported")}
	}
	return protoErrCmd{err: sql.Errorf(sql.CodeProtocolViolation, "unexpected message %T", msg)}
}

// run executes commands until the client terminates or goes away, the stream
// breaks, or the server shuts down.
func (c *conn) run() {
	for {
		if c.ctx.Err() != nil {
			c.goodbye()
			return
		}
		var cmd command
		var ok bool
		select {
		case cmd, ok = <-c.cmds:
			c.idle = false
		case <-c.notifyWake():
			c.sendNotifications()
			c.flush()
			if c.werr != nil {
				return
			}
			continue
		case <-c.ctx.Done():
			c.goodbye()
			return
		}
		if !ok || !c.handle(cmd) || c.closing {
			c.flush()
			return
		}
		if c.werr != nil {
			return
		}
	}
}

// goodbye tells the client why the server is closing its connection, when
// there is still someone to tell.
func (c *conn) goodbye() {
	if context.Cause(c.ctx) == errShutdown {
		c.sendFatal(sql.Errorf(sql.CodeAdminShutdown, "terminating connection due to administrator command"))
	}
}

// handle executes one command; it returns false when the connection must close.
func (c *conn) handle(cmd command) (keep bool) {
	defer func() {
		if r := recover(); r != nil {
			// A bug in the server itself (engine panics are caught closer to
			// the engine call): report it and keep the connection usable.
			c.sendError(c.panicError(r))
			if _, ok := cmd.(queryCmd); ok {
				c.readyForQuery()
			} else {
				c.ignoreTillSync = true
			}
			keep = true
		}
	}()
	if pe, ok := cmd.(protoErrCmd); ok && pe.fatal {
		c.sendFatal(pe.err)
		return false
	}
	if c.ignoreTillSync {
		switch cmd.(type) {
		case syncCmd, terminateCmd:
		default:
			return true
		}
	}
	switch cmd := cmd.(type) {
	case queryCmd:
		c.handleQuery(cmd.sql)
	case parseCmd:
		c.extended(c.handleParse(cmd))
	case bindCmd:
		c.extended(c.handleBind(cmd))
	case describeCmd:
		c.extended(c.handleDescribe(cmd))
	case executeCmd:
		c.extended(c.handleExecute(cmd))
	case closeCmd:
		c.extended(c.handleClose(cmd))
	case syncCmd:
		c.handleSync()
	case flushCmd:
		c.flush()
	case terminateCmd:
		return false
	case copyDataCmd, copyDoneCmd, copyFailCmd:
		// Outside COPY these are ignored, as PostgreSQL does: they are most
		// likely the rest of a COPY that failed.
	case protoErrCmd:
		if cmd.extended {
			c.extended(cmd.err)
		} else {
			c.sendError(cmd.err)
			c.readyForQuery()
		}
	}
	return c.werr == nil
}

// send appends a message to the reply buffer. Write errors surface at flush.
func (c *conn) send(msg pgproto3.BackendMessage) {
	buf, err := msg.Encode(c.wbuf)
	if err != nil {
		if c.werr == nil {
			c.werr = fmt.Errorf("encode %T: %w", msg, err)
		}
		return
	}
	c.wbuf = buf
}

// flush writes the buffered replies.
func (c *conn) flush() {
	if len(c.wbuf) == 0 || c.werr != nil {
		return
	}
	if _, err := c.nc.Write(c.wbuf); err != nil {
		c.werr = fmt.Errorf("write: %w", err)
	}
	if cap(c.wbuf) > 4*flushSize {
		c.wbuf = nil // do not keep one huge row's buffer forever
	} else {
		c.wbuf = c.wbuf[:0]
	}
}

// mustFlush tells whether the rows sent so far must go out before the next
// is asked for: those of a streaming result when the next is not at hand,
// and any once the buffer has grown past flushSize.
func (c *conn) mustFlush(streaming bool, r any) bool {
	if len(c.wbuf) >= flushSize {
		return true
	}
	if !streaming {
		return false
	}
	rd, ok := r.(Readier)
	return !ok || !rd.Ready()
}

func (c *conn) readyForQuery() {
	status := c.sess.TxStatus()
	if status == 'I' {
		c.sendNotifications()
	}
	if r, ok := c.sess.(ActivityReporter); ok {
		r.ReportIdle()
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: status})
	c.flush()
	c.idle = status == 'I'
}

// sendRowDescription describes cols; formats are the result format codes, one
// per column, or nil for text.
func (c *conn) sendRowDescription(cols []Column, formats []int16) {
	c.fields = c.fields[:0]
	for i, col := range cols {
		var f int16
		if formats != nil {
			f = formats[i]
		}
		c.fields = append(c.fields, pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.Attnum),
			DataTypeOID:          col.Type.OID,
			DataTypeSize:         typeSize(col.Type.OID),
			TypeModifier:         col.Type.Mod,
			Format:               f,
		})
	}
	c.send(&pgproto3.RowDescription{Fields: c.fields})
}

// sendDataRow encodes row straight into the reply buffer, so that sending a
// row allocates nothing once the buffer has grown.
func (c *conn) sendDataRow(row sql.Row, cols []Column, formats []int16) error {
	if len(row) != len(cols) {
		return sql.Errorf(sql.CodeInternal, "row has %d values, statement has %d columns", len(row), len(cols))
	}
	start := len(c.wbuf)
	c.partial = start
	b := append(c.wbuf, 'D', 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(row)))
	for i, v := range row {
		if v.IsNull() {
			b = binary.BigEndian.AppendUint32(b, ^uint32(0))
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		if formats != nil && formats[i] == 1 {
			var err error
			b, err = c.codec.AppendBinary(b, v, cols[i].Type)
			if err != nil {
				c.wbuf = b[:start]
				c.partial = -1
				return fmt.Errorf("column %q: %w", cols[i].Name, err)
			}
		} else {
			b = c.codec.AppendText(b, v, cols[i].Type, c.loc)
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	binary.BigEndian.PutUint32(b[start+1:], uint32(len(b)-start-1))
	c.wbuf = b
	c.partial = -1
	return nil
}

// reportParams sends a ParameterStatus for every reported setting that changed
// since the client last heard, as PostgreSQL does after each statement.
func (c *conn) reportParams() {
	cur := c.sess.ParameterStatus()
	var names []string
	for k, v := range cur {
		if old, ok := c.reported[k]; !ok || old != v {
			names = append(names, k)
		}
	}
	sort.Strings(names) // deterministic order for tests and traces
	for _, k := range names {
		v := cur[k]
		c.reported[k] = v
		c.send(&pgproto3.ParameterStatus{Name: k, Value: v})
		if k == "TimeZone" {
			c.setTimeZone(v)
		}
	}
}

// setTimeZone caches the session's time zone for text output of timestamptz.
func (c *conn) setTimeZone(name string) {
	if name == c.tz && c.loc != nil {
		return
	}
	var loc *time.Location
	if l, ok := c.sess.(Locator); ok {
		loc = l.Location()
	} else if l, err := time.LoadLocation(name); err == nil {
		loc = l
	} else {
		c.log.Warn("unknown TimeZone; using UTC", "tz", name, "err", err)
		loc = time.UTC
	}
	c.tz, c.loc = name, loc
}
