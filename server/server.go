package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server accepts PostgreSQL connections and serves each with a Session of its
// Engine. Create one with New and run it with Serve.
type Server struct {
	engine Engine
	cfg    config
	codec  valueCodec

	// active counts the sessions past startup, for WithMaxConnections.
	active atomic.Int64
	keys   cancelRegistry
	// mockKey makes the fake salts of unknown roles stable but unguessable.
	mockKey [32]byte

	mu    sync.Mutex
	conns map[net.Conn]struct{} // every accepted connection, to force-close at shutdown
}

type config struct {
	log             *slog.Logger
	maxConns        int
	maxMessageSize  int
	startupTimeout  time.Duration
	shutdownTimeout time.Duration

	tls        *tls.Config
	requireTLS bool
	insecure   bool
	cleartext  bool
}

// Option configures a Server.
type Option interface{ apply(*config) }

type option func(*config)

func (o option) apply(c *config) { o(c) }

// WithLogger sets the logger for connection events and recovered panics; by
// default nothing is logged.
func WithLogger(l *slog.Logger) Option { return option(func(c *config) { c.log = l }) }

// WithMaxConnections caps the number of concurrent sessions; a client beyond it
// gets FATAL 53300 "sorry, too many clients already". 0 (the default) means no
// limit. Cancel requests are always served, as they do not open a session.
func WithMaxConnections(n int) Option { return option(func(c *config) { c.maxConns = n }) }

// WithMaxMessageSize caps the size of one frontend message (64 MiB by default).
// A longer message is a protocol violation that closes the connection, since the
// length is read before the body and a hostile length would otherwise make the
// server allocate it.
func WithMaxMessageSize(n int) Option { return option(func(c *config) { c.maxMessageSize = n }) }

// WithShutdownTimeout bounds how long Serve waits, once its context is
// cancelled, for sessions to notice and say goodbye before their sockets are
// closed under them (5s by default).
func WithShutdownTimeout(d time.Duration) Option {
	return option(func(c *config) { c.shutdownTimeout = d })
}

// WithTLS offers TLS: SSLRequest is answered 'S' and the handshake run with
// cfg. Without it SSLRequest is declined and clients go on in plaintext or,
// with sslmode=require and stricter, hang up.
func WithTLS(cfg *tls.Config) Option { return option(func(c *config) { c.tls = cfg }) }

// WithTLSRequired refuses clients that do not negotiate TLS, with FATAL 28000
// as PostgreSQL's hostssl-only pg_hba.conf does. It needs WithTLS.
func WithTLSRequired() Option { return option(func(c *config) { c.requireTLS = true }) }

// WithInsecure trusts clients of any listener while no role has a password.
// By default only a loopback listener is trusted, so that a server reachable from
// other hosts authenticates every client (and a role without a password
// cannot log in). Once a role has a password, every client authenticates
// whatever this says.
func WithInsecure() Option { return option(func(c *config) { c.insecure = true }) }

// WithCleartextPasswordOverTLS asks clients on TLS connections for the
// password itself (AuthenticationCleartextPassword, pg_hba.conf's "password")
// instead of a SCRAM exchange, for clients that lack SCRAM. The password is
// checked against the SCRAM verifier. Plaintext connections still use SCRAM,
// since a cleartext password there would cross the network readable.
func WithCleartextPasswordOverTLS() Option { return option(func(c *config) { c.cleartext = true }) }

// New returns a Server that runs SQL with engine.
func New(engine Engine, opts ...Option) *Server {
	cfg := config{
		log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		maxMessageSize:  64 << 20,
		startupTimeout:  30 * time.Second,
		shutdownTimeout: 5 * time.Second,
	}
	for _, o := range opts {
		o.apply(&cfg)
	}
	s := &Server{
		engine: engine,
		cfg:    cfg,
		codec:  sqlCodec{},
		keys:   cancelRegistry{m: map[uint32]cancelEntry{}},
		conns:  map[net.Conn]struct{}{},
	}
	rand.Read(s.mockKey[:])
	return s
}

// errShutdown is the cause of a connection's context when the server stops.
var errShutdown = errors.New("server shutting down")

// Serve accepts connections on ln until ctx is cancelled or ln fails, then shuts
// down: it closes ln, tells every session to end (FATAL 57P01), and returns only
// once every connection goroutine has ended. It returns nil after ctx is
// cancelled, else the listener's error.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Connections get their own context so that shutting down is one cancel
	// with a cause that sessions can report.
	connCtx, cancelConns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelConns(errShutdown)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	trusted := s.cfg.insecure || isLoopback(ln.Addr())
	var wg sync.WaitGroup
	var err error
	var delay time.Duration
	for {
		nc, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(aerr, net.ErrClosed) {
				err = fmt.Errorf("server: accept: %w", aerr)
				break
			}
			// Anything else (EMFILE, ECONNABORTED...) is taken as transient:
			// back off as net/http does rather than stop serving.
			delay = min(max(5*time.Millisecond, 2*delay), time.Second)
			s.cfg.log.Warn("accept failed; retrying", "err", aerr, "delay", delay)
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		s.track(nc, true)
		wg.Go(func() {
			defer s.track(nc, false)
			s.serveConn(connCtx, nc, trusted)
		})
	}
	ln.Close()
	cancelConns(errShutdown)
	s.drain(&wg)
	return err
}

// drain waits for connections to finish, closing their sockets after the
// shutdown timeout so that none can hold Serve open (a client that never reads
// blocks our writes forever).
func (s *Server) drain(wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(s.cfg.shutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	s.mu.Lock()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	<-done
}

func (s *Server) track(nc net.Conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.conns[nc] = struct{}{}
	} else {
		delete(s.conns, nc)
	}
}

// isLoopback reports whether addr can only be reached from this host.
func isLoopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true // reachable only through the file system
	}
	return false
}
