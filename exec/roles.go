package exec

import (
	"context"
	"fmt"
	"regexp"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

var _ server.Authenticator = (*Engine)(nil)

// LookupRole tells the server how user logs in.
func (e *Engine) LookupRole(user string) (server.Role, bool, error) {
	r := e.cat.Role(user)
	if r == nil {
		return server.Role{}, false, nil
	}
	out := server.Role{CanLogin: r.Login}
	if v := r.Password; v != nil {
		out.Password = &server.SCRAMVerifier{Iterations: v.Iterations, Salt: v.Salt, StoredKey: v.StoredKey, ServerKey: v.ServerKey}
	}
	return out, true, nil
}

// PasswordsSet reports whether any role has a password.
func (e *Engine) PasswordsSet() bool { return e.cat.PasswordsSet() }

// SetBootstrapPassword sets the password of the superuser created at first
// start (eddy's --password); "" leaves it as stored.
func (e *Engine) SetBootstrapPassword(password string) error {
	if password == "" {
		return nil
	}
	r := e.cat.RoleByOID(catalog.BootstrapRoleOID)
	if r == nil {
		return fmt.Errorf("bootstrap superuser is missing")
	}
	v, err := verifierFor(password)
	if err != nil {
		return fmt.Errorf("password of %s: %w", r.Name, err)
	}
	nr := *r
	nr.Password = v
	if err := e.cat.PutRole(&nr); err != nil {
		return fmt.Errorf("password of %s: %w", r.Name, err)
	}
	return nil
}

var md5Hash = regexp.MustCompile(`^md5[0-9a-f]{32}$`)

// verifierFor turns a PASSWORD value into what the catalog stores. A value
// already in PostgreSQL's SCRAM format is kept as it is, as PostgreSQL does,
// so that pg_dumpall output restores; nil clears the password.
func verifierFor(password string) (*catalog.SCRAMVerifier, error) {
	if password == "" {
		// PostgreSQL clears the password too, rather than allow an empty one.
		return nil, nil
	}
	if md5Hash.MatchString(password) {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "MD5 password hashes are not supported; give the password or a SCRAM-SHA-256 verifier")
	}
	v, ok := server.ParseSCRAMVerifier(password)
	if !ok {
		var err error
		if v, err = server.NewSCRAMVerifier(password); err != nil {
			return nil, err
		}
	}
	return &catalog.SCRAMVerifier{Iterations: v.Iterations, Salt: v.Salt, StoredKey: v.StoredKey, ServerKey: v.ServerKey}, nil
}

// currentRole is the session's role; a role dropped under a live session
// has no privileges left.
func (s *Session) currentRole() catalog.Role {
	if r := s.e.cat.Role(s.user); r != nil {
		return *r
	}
	return catalog.Role{Name: s.user}
}

func applyRoleOptions(r *catalog.Role, o sql.RoleOptions) error {
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Superuser, o.Superuser)
	set(&r.Login, o.Login)
	set(&r.CreateDB, o.CreateDB)
	set(&r.CreateRole, o.CreateRole)
	if o.SetPassword {
		r.Password = nil
		if o.Password != nil {
			v, err := verifierFor(*o.Password)
			if err != nil {
				return err
			}
			r.Password = v
		}
	}
	return nil
}

func (s *Session) createRole(n *sql.CreateRole) (string, error) {
	me := s.currentRole()
	if !me.Superuser && !me.CreateRole {
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied to create role")
	}
	if n.Options.Superuser != nil && *n.Options.Superuser && !me.Superuser {
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "must be superuser to create superusers")
	}
	if s.e.cat.Role(n.Name) != nil {
		return "", sql.Errorf(sql.CodeDuplicateObject, "role %q already exists", n.Name)
	}
	r := &catalog.Role{Name: n.Name, Login: n.User}
	if err := applyRoleOptions(r, n.Options); err != nil {
		return "", err
	}
	oid, err := s.e.cat.AllocOIDs(1)
	if err != nil {
		return "", err
	}
	r.OID = oid
	if err := s.e.cat.PutRole(r); err != nil {
		return "", err
	}
	return "CREATE ROLE", nil
}

func (s *Session) alterRole(n *sql.AlterRole) (string, error) {
	old := s.e.cat.Role(n.Name)
	if old == nil {
		return "", sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", n.Name)
	}
	me := s.currentRole()
	r := *old
	if n.RenameTo != "" {
		return s.renameRole(me, &r, n.RenameTo)
	}
	o := n.Options
	onlyOwnPassword := old.OID == me.OID && o.Superuser == nil && o.Login == nil && o.CreateDB == nil && o.CreateRole == nil
	switch {
	case me.Superuser, onlyOwnPassword:
	case (old.Superuser || o.Superuser != nil) && !me.Superuser:
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "must be superuser to alter superuser roles or change superuser attribute")
	case !me.CreateRole:
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied")
	}
	if err := applyRoleOptions(&r, o); err != nil {
		return "", err
	}
	if r.OID == catalog.BootstrapRoleOID && !r.Superuser {
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "permission denied: bootstrap user must be superuser")
	}
	if err := s.e.cat.PutRole(&r); err != nil {
		return "", err
	}
	return "ALTER ROLE", nil
}

// renameRole renames r and the ownership of everything it owns, since
// relations name their owner.
func (s *Session) renameRole(me catalog.Role, r *catalog.Role, to string) (string, error) {
	switch {
	case r.OID == me.OID:
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "session user cannot be renamed")
	case r.Superuser && !me.Superuser:
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "must be superuser to rename superusers")
	case !me.Superuser && !me.CreateRole:
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied to rename role")
	case s.e.cat.Role(to) != nil:
		return "", sql.Errorf(sql.CodeDuplicateObject, "role %q already exists", to)
	}
	from := r.Name
	r.Name = to
	if err := s.e.cat.PutRole(r); err != nil {
		return "", err
	}
	for _, rel := range s.e.cat.Relations() {
		if rel.Owner == from {
			nr := *rel
			nr.Owner = to
			if err := s.e.cat.Put(&nr); err != nil {
				return "", fmt.Errorf("rename owner of %s: %w", rel.Name, err)
			}
		}
	}
	return "ALTER ROLE", nil
}

func (s *Session) dropRole(n *sql.DropRole) (string, error) {
	me := s.currentRole()
	if !me.Superuser && !me.CreateRole {
		return "", sql.Errorf(sql.CodeInsufficientPrivilege, "permission denied to drop role")
	}
	// Check every name before dropping any, as PostgreSQL's one transaction would.
	var drop []*catalog.Role
	for _, name := range n.Names {
		r := s.e.cat.Role(name)
		switch {
		case r == nil && n.IfExists:
			continue
		case r == nil:
			return "", sql.Errorf(sql.CodeUndefinedObject, "role %q does not exist", name)
		case r.OID == me.OID:
			return "", sql.Errorf(sql.CodeObjectInUse, "current user cannot be dropped")
		case r.OID == catalog.BootstrapRoleOID:
			return "", sql.Errorf(sql.CodeObjectInUse, "cannot drop role %s because it is required by the database system", name)
		case r.Superuser && !me.Superuser:
			return "", sql.Errorf(sql.CodeInsufficientPrivilege, "must be superuser to drop superusers")
		}
		if d := s.roleGrants(r.OID); d != "" {
			e := sql.Errorf(sql.CodeDependentObjectsStillExist, "role %q cannot be dropped because some objects depend on it", name)
			e.Detail = d
			return "", e
		}
		for _, rel := range s.e.cat.Relations() {
			if rel.Owner == name {
				e := sql.Errorf(sql.CodeDependentObjectsStillExist, "role %q cannot be dropped because some objects depend on it", name)
				e.Detail = fmt.Sprintf("owner of %s %s", relationKindWord(rel), rel.Name)
				return "", e
			}
		}
		drop = append(drop, r)
	}
	for _, r := range drop {
		if err := s.e.cat.DeleteRole(r.OID); err != nil {
			return "", err
		}
	}
	return "DROP ROLE", nil
}

func relationKindWord(r *catalog.Relation) string {
	switch r.Kind {
	case catalog.KindView:
		return "view"
	case catalog.KindMatView:
		return "materialized view"
	case catalog.KindIndex:
		return "index"
	case catalog.KindSeq:
		return "sequence"
	case catalog.KindSource:
		return "source"
	case catalog.KindSink:
		return "sink"
	}
	return "table"
}

// prepareRole prepares a role statement; ok is false for other statements.
func (s *Session) prepareRole(st sql.Stmt) (*statement, bool) {
	switch n := st.(type) {
	case *sql.CreateRole:
		return s.simple(func(context.Context) (string, error) { return s.createRole(n) }), true
	case *sql.AlterRole:
		return s.simple(func(context.Context) (string, error) { return s.alterRole(n) }), true
	case *sql.DropRole:
		return s.simple(func(context.Context) (string, error) { return s.dropRole(n) }), true
	}
	return nil, false
}
