package server

import (
	"context"
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

	mu    sync.Mutex
	conns map[net.Conn]struct{} // every accepted connection, to force-close at shutdown
}

type config struct {
	log             *slog.Logger
	maxConns        int
	maxMessageSize  int
	startupTimeout  time.Duration
	shutdownTimeout time.Duration
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
	return &Server{
		engine: engine,
		cfg:    cfg,
		codec:  sqlCodec{},
		keys:   cancelRegistry{m: map[uint32]cancelEntry{}},
		conns:  map[net.Conn]struct{}{},
	}
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
			s.serveConn(connCtx, nc)
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
