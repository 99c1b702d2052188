package exec

import "context"

// ddlWrite runs a DDL statement that stores something (a descriptor, an
// index build, a view's first load) only while the disk has room: its
// small catalog commits are no less a growth of the database than a row,
// and the reserve is what keeps Badger's memory-mapped writes from a
// SIGBUS (disk.go). DROP does not come through here: it gives space back.
func (s *Session) ddlWrite(f func(context.Context) (string, error)) *statement {
	return s.simple(func(ctx context.Context) (string, error) {
		if err := s.e.disk.check(); err != nil {
			return "", err
		}
		return f(ctx)
	})
}
