package server

import "github.com/jackc/pgproto3/v2"

// Notification is one asynchronous notification (NOTIFY) for a client.
type Notification struct {
	PID     uint32 // the notifying session's process ID
	Channel string
	Payload string
}

// Listener is an optional interface of Session: the notifications that
// reach it (LISTEN). PostgreSQL sends them only while the session is
// outside a transaction: just before ReadyForQuery, and at once while it
// waits idle for the client; the server does the same.
type Listener interface {
	// NotifyReady receives a value when notifications may be waiting; it
	// is the same channel for the session's life.
	NotifyReady() <-chan struct{}
	// TakeNotifications appends the waiting notifications to buf and
	// forgets them.
	TakeNotifications(buf []Notification) []Notification
}

// sendNotifications queues the session's waiting notifications.
func (c *conn) sendNotifications() {
	l, ok := c.sess.(Listener)
	if !ok {
		return
	}
	c.notes = l.TakeNotifications(c.notes[:0])
	for i := range c.notes {
		n := &c.notes[i]
		c.send(&pgproto3.NotificationResponse{PID: n.PID, Channel: n.Channel, Payload: n.Payload})
		*n = Notification{}
	}
}

// notifyWake is what run waits on besides commands: the session's
// notification signal while the connection idles outside a transaction,
// else nil (never ready).
func (c *conn) notifyWake() <-chan struct{} {
	if !c.idle {
		return nil
	}
	if l, ok := c.sess.(Listener); ok {
		return l.NotifyReady()
	}
	return nil
}
