package sql

// Listen is LISTEN channel: the session receives the notifications sent
// on channel once its transaction commits.
type Listen struct{ Channel string }

// Unlisten is UNLISTEN channel, or UNLISTEN * (All), which connection
// pools send when they hand a connection back (asyncpg's reset query).
type Unlisten struct {
	Channel string
	All     bool
}

// Notify is NOTIFY channel [, 'payload'].
type Notify struct {
	Channel string
	Payload string
}

func (*Listen) stmt()   {}
func (*Unlisten) stmt() {}
func (*Notify) stmt()   {}

// notifyStmt parses the rest of LISTEN, UNLISTEN or NOTIFY (verb) as
// PostgreSQL's grammar has them: the channel is a ColId and the payload
// a string constant only.
func (p *ownParser) notifyStmt(verb string) (Stmt, *Error) {
	if verb == "unlisten" && p.acceptP("*") {
		return &Unlisten{All: true}, nil
	}
	ch, err := p.ident()
	if err != nil {
		return nil, err
	}
	switch verb {
	case "listen":
		return &Listen{Channel: ch}, nil
	case "unlisten":
		return &Unlisten{Channel: ch}, nil
	}
	n := &Notify{Channel: ch}
	if p.acceptP(",") {
		t := p.peek()
		if t.kind != tkString {
			return nil, p.err()
		}
		p.i++
		n.Payload = t.val
	}
	return n, nil
}
