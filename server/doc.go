// Package server speaks the PostgreSQL wire protocol (version 3.0) so that
// psql, every PostgreSQL driver and the BI tools built on them can use eddy. It
// knows the protocol and nothing of SQL: statements go to an Engine (engine.go),
// which exec implements and cmd/eddy wires in. Values cross the boundary as
// sql.Value and are encoded for the wire by package sql's text and binary
// codecs (reached through valueCodec, codec.go).
//
// # Layers
//
// A connection is served by two goroutines and a channel between them:
//
//	socket ──> reader (conn.readLoop) ──commands──> executor (conn.run) ──> socket
//	                                                  │
//	                                                  └─> Session / Statement / Result
//
// The reader decodes frontend messages with pgproto3, copies each into a
// command (a small closed set of types: queryCmd, parseCmd, bindCmd, ...) and
// queues it. It never waits for execution, as CockroachDB's StmtBuf does not
// (pkg/sql/conn_io.go), for two reasons: it sees the client hang up while a
// statement runs, and cancels that statement's context; and it is the one
// place that tells a malformed message whose framing is intact (reported as
// ERROR 08P01, the session goes on) from a broken stream (FATAL 08P01, the
// connection closes).
//
// The executor is the only writer to the socket. It handles commands in order:
// simple.go runs Query messages, extended.go runs Parse, Bind, Describe,
// Execute, Close and Sync over prepared statements and portals, and copy.go
// runs COPY for Results that implement CopyOut or CopyIn (during COPY FROM
// STDIN the executor takes CopyData commands from the queue itself). Replies
// accumulate in a buffer that is flushed at ReadyForQuery, at Flush, after an
// error, and whenever it passes 32 KiB while rows stream; rows are encoded
// straight into that buffer, so the per-row path does not allocate.
//
// # Lifecycle of a connection
//
//  1. Startup (startup.go, auth.go). The first packet has no type byte.
//     SSLRequest is answered 'S' and the TLS handshake run when WithTLS is
//     given, else 'N'; GSSENCRequest is declined. Startup reads exactly each
//     message's bytes, so nothing sent before the handshake can bypass TLS.
//     A CancelRequest is looked up in the server's cancel registry
//     (cancel.go) and the connection closes without a reply, as PostgreSQL's
//     does. A StartupMessage must be protocol 3.0 and name a user; then
//     WithTLSRequired is enforced, the connection limit checked and the user
//     authenticated: when the Engine is an Authenticator, by SCRAM-SHA-256
//     (a cleartext password over TLS if configured) once any role has a
//     password or the listener is not loopback, else by trust. Engine.Connect
//     then opens the Session.
//     The client receives AuthenticationOk, a ParameterStatus per reported
//     setting, BackendKeyData (a random process id and secret, for cancel
//     requests) and ReadyForQuery.
//  2. Queries. Simple protocol: the whole string is parsed, its statements run
//     one after another in text format and the first error skips the rest.
//     Extended protocol: Parse prepares one statement; Bind makes a portal of
//     it with decoded parameters; Execute runs the portal, lazily at its first
//     Execute (Describe never runs anything), up to a row limit after which
//     the portal's Result stays open (PortalSuspended) for the next Execute.
//     After an error the executor skips everything up to Sync, because the
//     client pipelined those messages assuming success. Sync answers
//     ReadyForQuery and, outside a transaction, closes the portals. After each
//     statement the server sends ParameterStatus for every setting that changed.
//  3. End. Terminate, a client that goes away, a broken stream or server
//     shutdown. On shutdown the executor says FATAL 57P01 and Serve, which owns
//     every connection goroutine, waits for them all (closing the sockets of
//     stragglers after WithShutdownTimeout) before it returns. The Session is
//     closed last, after its open Results.
//
// # Cancellation
//
// A statement runs under the connection's context, which ends when the client
// disconnects or the server shuts down. A client's CancelRequest arrives on
// another connection; that connection's goroutine calls Session.Cancel, and the
// engine fails the running statement with 57014 while the session stays usable.
//
// # Failures
//
// Errors reach the client as ErrorResponse with the *sql.Error's SQLSTATE,
// message, detail, hint and position; any other error is XX000. A panic in the
// engine while serving a statement is recovered, logged with its stack and
// reported as XX000, and the session goes on: one bad statement must not take
// a server down.
package server
