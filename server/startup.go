package server

import (
	"context"
	"encoding/binary"
	"errors"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgproto3/v2"
)

// serveConn runs one accepted connection from its startup packet to its end.
// ctx is cancelled when the server shuts down.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	defer nc.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c := &conn{
		srv:      s,
		nc:       nc,
		log:      s.cfg.log.With("remote", nc.RemoteAddr().String()),
		codec:    s.codec,
		ctx:      ctx,
		cancel:   cancel,
		partial:  -1,
		reported: map[string]string{},
		stmts:    map[string]*prepared{},
		portals:  map[string]*portal{},
	}
	c.fr = &framer{cr: pgproto3.NewChunkReader(nc), max: s.cfg.maxMessageSize}
	c.be = pgproto3.NewBackend(c.fr, nc)
	if !c.startup() {
		return
	}
	defer s.active.Add(-1)
	defer s.keys.unregister(c.pid)
	defer func() {
		c.closeAll()
		if err := c.sess.Close(); err != nil {
			c.log.Warn("closing session", "err", err)
		}
	}()

	c.cmds = make(chan command, 16)
	var reader sync.WaitGroup
	reader.Go(c.readLoop)
	c.run()
	// Closing the socket is what stops the reader, blocked in Read; cancel
	// first so that it does not mistake that for the client leaving.
	cancel(errConnDone)
	nc.Close()
	reader.Wait()
	c.log.Debug("connection closed", "cause", context.Cause(ctx))
}

var errConnDone = errors.New("connection closed")

// startup runs the startup phase: protocol negotiation, authentication and
// opening the session. It returns false when the connection must close (a
// cancel request, a refused client, a broken stream).
func (c *conn) startup() bool {
	// The deadline bounds a client that connects and says nothing; shutdown
	// sets it to now to interrupt a client in the middle of startup.
	c.nc.SetDeadline(time.Now().Add(c.srv.cfg.startupTimeout))
	stop := context.AfterFunc(c.ctx, func() { c.nc.SetDeadline(time.Now()) })
	ok := c.negotiate()
	stop()
	if ok {
		// Should shutdown have raced in, run sees the cancelled context first.
		c.nc.SetDeadline(time.Time{})
	}
	return ok
}

func (c *conn) negotiate() bool {
	for {
		c.fr.calls = 0
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			// pgproto3 knows protocol 3.0 only; any other version reaches
			// us as an unknown code, which deserves PostgreSQL's answer.
			if c.fr.calls == 2 && len(c.fr.last) >= 4 {
				v := binary.BigEndian.Uint32(c.fr.last)
				if v>>16 != 1234 { // 1234.x are the special request codes
					c.sendFatal(sql.Errorf(sql.CodeFeatureNotSupported,
						"unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", v>>16, v&0xffff))
					return false
				}
			}
			c.log.Debug("bad startup packet", "err", err)
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if !c.negotiateTLS() {
				return false
			}
		case *pgproto3.GSSEncRequest:
			// GSSAPI encryption is not offered; libpq then falls back to
			// SSL or plaintext on the same connection.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false
			}
		case *pgproto3.CancelRequest:
			if !c.srv.keys.cancel(m.ProcessID, m.SecretKey) {
				c.log.Debug("cancel request for an unknown key", "pid", m.ProcessID)
			}
			return false
		case *pgproto3.StartupMessage:
			return c.open(m)
		default:
			return false
		}
	}
}

// negotiateTLS answers an SSLRequest. No TLS is configured yet, so it declines
// and the client goes on in plaintext (or hangs up, per its sslmode). A WithTLS
// option would answer 'S' here, check that the client sent nothing after the
// request (bytes already buffered would bypass TLS: CVE-2021-23214), run the
// handshake, and rebuild c.nc, c.fr and c.be over the TLS connection.
func (c *conn) negotiateTLS() bool {
	_, err := c.nc.Write([]byte{'N'})
	return err == nil
}

// open checks the startup message, authenticates the user and opens the
// session; it ends with the client ready for queries.
func (c *conn) open(m *pgproto3.StartupMessage) bool {
	params := maps.Clone(m.Parameters)
	user, db := params["user"], params["database"]
	delete(params, "user")
	delete(params, "database")
	if user == "" {
		c.sendFatal(sql.Errorf(sql.CodeInvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
		return false
	}
	if db == "" {
		db = user
	}
	if n := c.srv.cfg.maxConns; c.srv.active.Add(1) > int64(n) && n > 0 {
		c.srv.active.Add(-1)
		c.sendFatal(sql.Errorf(sql.CodeTooManyConnections, "sorry, too many clients already"))
		return false
	}
	if err := c.authenticate(user); err != nil {
		c.srv.active.Add(-1)
		c.sendFatal(toSQLError(err))
		return false
	}
	var sess Session
	err := c.guard(func() (err error) {
		sess, err = c.srv.engine.Connect(c.ctx, user, db, params)
		return err
	})
	if err != nil {
		c.srv.active.Add(-1)
		c.sendFatal(toSQLError(err))
		return false
	}
	c.sess = sess
	c.log = c.log.With("user", user, "database", db)

	status := sess.ParameterStatus()
	for _, k := range slices.Sorted(maps.Keys(status)) {
		c.send(&pgproto3.ParameterStatus{Name: k, Value: status[k]})
		c.reported[k] = status[k]
	}
	c.setTimeZone(status["TimeZone"])
	pid, secret := c.srv.keys.register(sess)
	c.pid = pid
	c.send(&pgproto3.BackendKeyData{ProcessID: pid, SecretKey: secret})
	c.readyForQuery()
	if c.werr != nil {
		c.srv.keys.unregister(pid)
		c.srv.active.Add(-1)
		sess.Close()
		return false
	}
	c.log.Debug("session opened", "pid", pid)
	return true
}

// authenticate proves the client is user. Only trust exists for now; SCRAM
// would send AuthenticationSASL here, switch the Backend's auth type and
// exchange SASL messages before AuthenticationOk.
func (c *conn) authenticate(user string) error {
	c.send(&pgproto3.AuthenticationOk{})
	return nil
}
