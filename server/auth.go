package server

import (
	"errors"
	"fmt"
	"net"

	"github.com/eddysql/eddy/sql"
	"github.com/jackc/pgproto3/v2"
)

// errAuthAborted ends an authentication that the client broke off (psql
// hangs up at the first password request to prompt for one, then
// reconnects); it is not worth an error reply.
var errAuthAborted = errors.New("client ended authentication")

// authenticate proves the client is user, then sends AuthenticationOk. The
// engine's roles decide how: trust while no role has a password on a trusted
// listener, else SCRAM-SHA-256 (or a cleartext password over TLS when so
// configured). Like PostgreSQL, a role that does not exist or has no password
// goes through the whole exchange against a mock verifier and fails as a
// wrong password would, so that clients cannot probe which roles exist.
func (c *conn) authenticate(user string) error {
	auth, ok := c.srv.engine.(Authenticator)
	if !ok {
		c.send(&pgproto3.AuthenticationOk{})
		return nil
	}
	role, exists, err := auth.LookupRole(user)
	if err != nil {
		return fmt.Errorf("look up role %q: %w", user, err)
	}
	if c.trusted && !auth.PasswordsSet() {
		if !exists {
			return sql.Errorf(sql.CodeInvalidAuthorization, "role %q does not exist", user)
		}
	} else {
		v := role.Password
		if !exists || v == nil {
			v = c.srv.mockVerifier(user)
		}
		var ok bool
		if c.tls && c.srv.cfg.cleartext {
			ok, err = c.cleartextPassword(v)
		} else {
			ok, err = c.scram(v)
		}
		if err != nil {
			return err
		}
		if !ok || !exists || role.Password == nil {
			return sql.Errorf(sql.CodeInvalidPassword, "password authentication failed for user %q", user)
		}
	}
	if !role.CanLogin {
		return sql.Errorf(sql.CodeInvalidAuthorization, "role %q is not permitted to log in", user)
	}
	c.send(&pgproto3.AuthenticationOk{})
	return nil
}

// scram runs a SCRAM-SHA-256 exchange against v; ok reports whether the
// client proved it knows the password.
func (c *conn) scram(v *SCRAMVerifier) (ok bool, err error) {
	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	msg, err := c.authReply(pgproto3.AuthTypeSASL)
	if err != nil {
		return false, err
	}
	init, isInit := msg.(*pgproto3.SASLInitialResponse)
	if !isInit {
		return false, errUnexpectedAuthReply(msg)
	}
	if init.AuthMechanism != "SCRAM-SHA-256" {
		return false, sql.Errorf(sql.CodeProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	x := &scramExchange{v: v}
	serverFirst, err := x.first(string(init.Data))
	if err != nil {
		return false, err
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	msg, err = c.authReply(pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return false, err
	}
	resp, isResp := msg.(*pgproto3.SASLResponse)
	if !isResp {
		return false, errUnexpectedAuthReply(msg)
	}
	serverFinal, ok, err := x.final(string(resp.Data))
	if err != nil || !ok {
		return false, err
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
	return true, nil
}

// cleartextPassword asks for the password itself and checks it against v.
func (c *conn) cleartextPassword(v *SCRAMVerifier) (bool, error) {
	c.send(&pgproto3.AuthenticationCleartextPassword{})
	msg, err := c.authReply(pgproto3.AuthTypeCleartextPassword)
	if err != nil {
		return false, err
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return false, errUnexpectedAuthReply(msg)
	}
	if pw.Password == "" {
		// PostgreSQL rejects an empty password before checking it.
		return false, nil
	}
	return v.matchesPassword(pw.Password), nil
}

// authReply sends what is buffered and reads the client's answer to an
// authentication request of type authType.
func (c *conn) authReply(authType uint32) (pgproto3.FrontendMessage, error) {
	c.flush()
	if c.werr != nil {
		return nil, fmt.Errorf("%w: %w", errAuthAborted, c.werr)
	}
	if err := c.be.SetAuthType(authType); err != nil {
		return nil, fmt.Errorf("authentication: %w", err)
	}
	msg, err := c.be.Receive()
	if err != nil {
		if c.fr.ioErr != nil {
			return nil, fmt.Errorf("%w: %w", errAuthAborted, err)
		}
		return nil, sql.Errorf(sql.CodeProtocolViolation, "invalid authentication message: %v", err)
	}
	return msg, nil
}

func errUnexpectedAuthReply(msg pgproto3.FrontendMessage) error {
	return sql.Errorf(sql.CodeProtocolViolation, "expected password response, got message type %T", msg)
}

// remoteHost is the client's address as pg_hba.conf messages name it.
func remoteHost(a net.Addr) string {
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}
