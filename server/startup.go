package server

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
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
// trusted says whether the listener may skip authentication while no role
// has a password.
func (s *Server) serveConn(ctx context.Context, nc net.Conn, trusted bool) {
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
		trusted:  trusted,
	}
	// Startup reads exactly the bytes of each message: bytes a client sent
	// after SSLRequest must not sit in a buffer and bypass TLS
	// (CVE-2021-23214); they reach the TLS handshake instead, which fails.
	c.fr = &framer{cr: exactReader{nc}, max: s.cfg.maxMessageSize}
	c.be = pgproto3.NewBackend(c.fr, nc)
	if !c.startup() {
		return
	}
	c.fr.cr = pgproto3.NewChunkReader(c.nc)
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
	// The raw socket, as c.nc may become a TLS connection meanwhile; its
	// deadline bounds the TLS connection's I/O too.
	raw := c.nc
	stop := context.AfterFunc(c.ctx, func() { raw.SetDeadline(time.Now()) })
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

// negotiateTLS answers an SSLRequest: 'N' when no TLS is configured (the
// client goes on in plaintext or hangs up, per its sslmode), else 'S' and the
// handshake, after which the connection speaks through TLS.
func (c *conn) negotiateTLS() bool {
	if c.srv.cfg.tls == nil || c.tls {
		_, err := c.nc.Write([]byte{'N'})
		return err == nil
	}
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return false
	}
	tc := tls.Server(c.nc, c.srv.cfg.tls)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.log.Debug("TLS handshake failed", "err", err)
		return false
	}
	c.nc, c.tls = tc, true
	c.fr.cr = exactReader{tc}
	c.be = pgproto3.NewBackend(c.fr, tc)
	return true
}

// exactReader is a pgproto3.ChunkReader that reads no more than asked.
type exactReader struct{ r io.Reader }

func (e exactReader) Next(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(e.r, b); err != nil {
		return nil, err
	}
	return b, nil
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
	if c.srv.cfg.requireTLS && !c.tls {
		c.sendFatal(sql.Errorf(sql.CodeInvalidAuthorization, "no pg_hba.conf entry for host %q, user %q, database %q, no encryption",
			remoteHost(c.nc.RemoteAddr()), user, db))
		return false
	}
	if n := c.srv.cfg.maxConns; c.srv.active.Add(1) > int64(n) && n > 0 {
		c.srv.active.Add(-1)
		c.sendFatal(sql.Errorf(sql.CodeTooManyConnections, "sorry, too many clients already"))
		return false
	}
	if err := c.authenticate(user); err != nil {
		c.srv.active.Add(-1)
		if errors.Is(err, errAuthAborted) {
			c.log.Debug("authentication aborted", "user", user, "err", err)
		} else {
			c.log.Info("authentication failed", "user", user, "err", err)
			c.sendFatal(toSQLError(err))
		}
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
	if pu, ok := sess.(PortalUser); ok {
		pu.UsePortals(c)
	}
	if su, ok := sess.(StatementUser); ok {
		su.UseStatements(c)
	}
	c.log = c.log.With("user", user, "database", db)

	status := sess.ParameterStatus()
	for _, k := range slices.Sorted(maps.Keys(status)) {
		c.send(&pgproto3.ParameterStatus{Name: k, Value: status[k]})
		c.reported[k] = status[k]
	}
	c.setTimeZone(status["TimeZone"])
	pid, secret := c.srv.keys.register(sess)
	c.pid = pid
	if ca, ok := sess.(ClientAddrUser); ok {
		ca.SetClientAddr(c.nc.RemoteAddr())
	}
	if bp, ok := sess.(BackendPIDUser); ok {
		bp.SetBackendPID(pid)
	}
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
