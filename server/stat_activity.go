package server

import "net"

// ActivityReporter is an optional interface of Session: what the server
// is doing for it, for pg_stat_activity. The server reports a statement
// as it starts (the whole string of a simple Query, an Execute's prepared
// statement) and the session idle when it sends ReadyForQuery.
type ActivityReporter interface {
	ReportActive(query string)
	ReportIdle()
}

// ClientAddrUser is an optional interface of Session: the server tells it
// the client's address (pg_stat_activity's client_addr and client_port).
type ClientAddrUser interface {
	SetClientAddr(addr net.Addr)
}

func (c *conn) reportActive(query string) {
	if r, ok := c.sess.(ActivityReporter); ok {
		r.ReportActive(query)
	}
}
