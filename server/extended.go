package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgproto3/v2"
)

// prepared is a statement made by Parse; stmt is nil for an empty query.
type prepared struct {
	query  string // for pg_stat_activity
	stmt   Statement
	params []uint32
	cols   []Column
	// made and fromSQL are for pg_prepared_statements (prepare_statements.go).
	made    time.Time
	fromSQL bool
}

// portal is a prepared statement bound to parameters by Bind. It runs at its
// first Execute, so that Describe of a portal runs nothing, and keeps its
// Result open between Executes that stop at a row limit.
type portal struct {
	ps      *prepared
	params  []sql.Value
	formats []int16 // per column; nil means all text
	res     Result
	done    bool
	tag     string
}

func stmtName(name string) string {
	if name == "" {
		return "unnamed prepared statement"
	}
	return fmt.Sprintf("prepared statement %q", name)
}

func (c *conn) handleParse(cmd parseCmd) error {
	if _, dup := c.stmts[cmd.name]; dup && cmd.name != "" {
		return sql.Errorf("42P05", "prepared statement %q already exists", cmd.name)
	}
	ps := &prepared{query: cmd.query, made: time.Now()}
	err := c.guard(func() error {
		stmts, err := c.sess.Parse(c.ctx, cmd.query, cmd.oids)
		if err != nil {
			return err
		}
		if len(stmts) > 1 {
			return sql.Errorf(sql.CodeSyntaxError, "cannot insert multiple commands into a prepared statement")
		}
		if len(stmts) == 1 {
			ps.stmt = stmts[0]
			ps.params = ps.stmt.ParamTypes()
			ps.cols = ps.stmt.Columns()
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.stmts[cmd.name] = ps
	c.send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) handleBind(cmd bindCmd) error {
	ps, ok := c.stmts[cmd.stmt]
	if !ok {
		return sql.Errorf(sql.CodeInvalidSQLStatementName, "%s does not exist", stmtName(cmd.stmt))
	}
	if cmd.portal == "" {
		c.closePortal("")
	} else if _, dup := c.portals[cmd.portal]; dup {
		return sql.Errorf("42P03", "portal %q already exists", cmd.portal)
	}
	n := len(ps.params)
	if len(cmd.params) != n {
		return sql.Errorf(sql.CodeProtocolViolation, "bind message supplies %d parameters, but %s requires %d",
			len(cmd.params), stmtName(cmd.stmt), n)
	}
	if f := len(cmd.paramFormats); f > 1 && f != n {
		return sql.Errorf(sql.CodeProtocolViolation, "bind message has %d parameter formats but %d parameters", f, n)
	}
	params := make([]sql.Value, n)
	for i, b := range cmd.params {
		if b == nil {
			params[i] = sql.Null
			continue
		}
		v, err := c.decodeParam(b, formatAt(cmd.paramFormats, i), typeForOID(ps.params[i]))
		if err != nil {
			return err
		}
		params[i] = v
	}
	formats, err := resultFormats(cmd.resultFormats, len(ps.cols))
	if err != nil {
		return err
	}
	c.portals[cmd.portal] = &portal{ps: ps, params: params, formats: formats}
	c.send(&pgproto3.BindComplete{})
	return nil
}

// formatAt applies the protocol's rule for format codes: none means text, one
// applies to all, else one each.
func formatAt(codes []int16, i int) int16 {
	switch len(codes) {
	case 0:
		return 0
	case 1:
		return codes[0]
	}
	return codes[i]
}

// resultFormats expands the Bind's result format codes to one per column, or
// nil when all are text.
func resultFormats(codes []int16, ncols int) ([]int16, error) {
	if len(codes) > 1 && len(codes) != ncols {
		return nil, sql.Errorf(sql.CodeProtocolViolation, "bind message has %d result formats but query has %d columns", len(codes), ncols)
	}
	var out []int16
	for i := range ncols {
		f := formatAt(codes, i)
		if f != 0 && f != 1 {
			return nil, sql.Errorf(sql.CodeProtocolViolation, "unsupported format code: %d", f)
		}
		if f == 1 && out == nil {
			out = make([]int16, ncols)
		}
		if out != nil {
			out[i] = f
		}
	}
	return out, nil
}

func (c *conn) decodeParam(b []byte, format int16, t sql.Type) (sql.Value, error) {
	var v sql.Value
	var err error
	code := sql.CodeInvalidTextRepresentation
	switch format {
	case 0:
		v, err = c.codec.ParseText(string(b), t, c.loc)
	case 1:
		code = sql.CodeInvalidBinaryRepresentation
		v, err = c.codec.ParseBinary(b, t)
	default:
		return sql.Null, sql.Errorf(sql.CodeProtocolViolation, "unsupported format code: %d", format)
	}
	if err != nil {
		var e *sql.Error
		if !errors.As(err, &e) {
			err = &sql.Error{Code: code, Message: fmt.Sprintf("invalid parameter of type %s: %v", t, err)}
		}
	}
	return v, err
}

func (c *conn) handleDescribe(cmd describeCmd) error {
	switch cmd.kind {
	case 'S':
		ps, ok := c.stmts[cmd.name]
		if !ok {
			return sql.Errorf(sql.CodeInvalidSQLStatementName, "%s does not exist", stmtName(cmd.name))
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: ps.params})
		c.describeRows(ps.cols, nil)
	case 'P':
		p, ok := c.portals[cmd.name]
		if !ok {
			return sql.Errorf(sql.CodeInvalidCursorName, "portal %q does not exist", cmd.name)
		}
		c.describeRows(p.ps.cols, p.formats)
	default:
		return sql.Errorf(sql.CodeProtocolViolation, "invalid DESCRIBE message subtype %d", cmd.kind)
	}
	return nil
}

func (c *conn) describeRows(cols []Column, formats []int16) {
	if cols == nil {
		c.send(&pgproto3.NoData{})
		return
	}
	c.sendRowDescription(cols, formats)
}

func (c *conn) handleExecute(cmd executeCmd) error {
	p, ok := c.portals[cmd.portal]
	if !ok {
		return sql.Errorf(sql.CodeInvalidCursorName, "portal %q does not exist", cmd.portal)
	}
	if p.ps.stmt == nil {
		c.send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	c.reportActive(p.ps.query)
	if err := c.runPortal(p, cmd.maxRows); err != nil {
		c.closePortal(cmd.portal)
		return err
	}
	return nil
}

// runPortal sends up to max rows of p (0: all), starting p's statement if this
// is its first Execute. Like PostgreSQL it answers PortalSuspended as soon as
// max rows are sent, without looking ahead: a look-ahead would hold a
// streaming result (SUBSCRIBE) until one more row arrives.
func (c *conn) runPortal(p *portal, max uint32) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = c.panicError(r)
		}
	}()
	if p.done {
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(c.portalTag(p, 0))})
		return nil
	}
	if p.res == nil {
		res, err := p.ps.stmt.Execute(c.ctx, p.params)
		if err != nil {
			return err
		}
		p.res = res
		c.sendNotices(res)
		if handled, err := c.runCopy(res); handled {
			if err != nil {
				return err
			}
			p.tag, p.done = res.Tag(), true
			p.res = nil
			c.closeResult(res)
			c.reportParams()
			return nil
		}
	}
	done, sent, err := c.sendRowsCounted(p.res, p.ps.cols, p.formats, max)
	if err != nil {
		return err
	}
	if !done {
		c.send(&pgproto3.PortalSuspended{})
		return nil
	}
	p.tag, p.done = p.res.Tag(), true
	res := p.res
	p.res = nil
	c.closeResult(res)
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(c.portalTag(p, sent))})
	c.reportParams()
	return nil
}

// portalTag is the CommandComplete tag of an Execute that ended p after
// sending sent rows. As in PostgreSQL, a statement that returns rows counts
// those of this Execute, not the portal's: the last chunk of a portal read
// with a row limit (or one read partly by FETCH and MOVE) says how many
// rows it carried, and an Execute after the end says 0. Tags without a
// count (SUBSCRIBE, SHOW) stay as they are.
func (c *conn) portalTag(p *portal, sent uint32) string {
	if p.ps.cols == nil {
		return p.tag
	}
	i := strings.LastIndexByte(p.tag, ' ')
	if i < 0 {
		return p.tag
	}
	if _, err := strconv.ParseUint(p.tag[i+1:], 10, 64); err != nil {
		return p.tag
	}
	return p.tag[:i+1] + strconv.FormatUint(uint64(sent), 10)
}

func (c *conn) handleClose(cmd closeCmd) error {
	switch cmd.kind {
	case 'S':
		delete(c.stmts, cmd.name)
	case 'P':
		c.closePortal(cmd.name)
	default:
		return sql.Errorf(sql.CodeProtocolViolation, "invalid CLOSE message subtype %d", cmd.kind)
	}
	c.send(&pgproto3.CloseComplete{})
	return nil
}

// handleSync ends an extended-protocol exchange. Portals live in their
// transaction: when none is open any more, they are closed, as in PostgreSQL.
func (c *conn) handleSync() {
	c.ignoreTillSync = false
	if c.sess.TxStatus() == 'I' {
		c.closeAll()
	}
	c.readyForQuery()
}

func (c *conn) closePortal(name string) {
	p, ok := c.portals[name]
	if !ok {
		return
	}
	delete(c.portals, name)
	if p.res != nil {
		c.closeResult(p.res)
	}
}

func (c *conn) closeAll() {
	for name := range c.portals {
		c.closePortal(name)
	}
}

// Portal implements Portals.
func (c *conn) Portal(name string) ([]Column, func() (Result, error), bool) {
	p, ok := c.portals[name]
	if !ok || p.ps.stmt == nil || p.ps.cols == nil {
		return nil, nil, false
	}
	return p.ps.cols, func() (Result, error) {
		if p.done {
			return nil, nil
		}
		if p.res == nil {
			// The result outlives the FETCH that starts it, as it would
			// the first Execute, so it runs in the connection's context.
			res, err := p.ps.stmt.Execute(c.ctx, p.params)
			if err != nil {
				return nil, err
			}
			p.res = res
		}
		return p.res, nil
	}, true
}
