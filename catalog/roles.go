package catalog

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/sql"
)

// BootstrapRoleOID is the superuser created at first start. It is
// PostgreSQL's OID for its bootstrap superuser, which pg_catalog rows of
// built-in objects already name as their owner.
const BootstrapRoleOID = 10

// BootstrapRoleName is the bootstrap superuser's name at first start.
const BootstrapRoleName = "eddy"

// Role is a role descriptor. Passwords are never stored: only the SCRAM
// verifier derived from one, which proves a client knows the password
// without letting whoever reads the catalog log in.
type Role struct {
	OID        uint32         `json:"oid"`
	Name       string         `json:"name"`
	Superuser  bool           `json:"superuser,omitempty"`
	Login      bool           `json:"login,omitempty"`
	CreateDB   bool           `json:"createdb,omitempty"`
	CreateRole bool           `json:"createrole,omitempty"`
	Password   *SCRAMVerifier `json:"password,omitempty"` // nil: no password
}

// SCRAMVerifier is what SCRAM-SHA-256 (RFC 5802, RFC 7677) keeps of a
// password, as PostgreSQL keeps it in pg_authid.rolpassword.
type SCRAMVerifier struct {
	Iterations int    `json:"iterations"`
	Salt       []byte `json:"salt"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
}

// roleSet is the catalog's roles, kept in memory because the server looks a
// role up at every connection.
type roleSet struct {
	mu     sync.RWMutex
	byOID  map[uint32]*Role
	byName map[string]*Role
}

func roleKey(oid uint32) []byte {
	k := make([]byte, 5)
	k[0] = PrefixRole
	binary.BigEndian.PutUint32(k[1:], oid)
	return k
}

func (s *roleSet) load(txn *badger.Txn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byOID, s.byName = map[uint32]*Role{}, map[string]*Role{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{PrefixRole}, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var r Role
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &r) }); err != nil {
			return fmt.Errorf("decode role %x: %w", it.Item().Key(), err)
		}
		s.byOID[r.OID] = &r
		s.byName[r.Name] = &r
	}
	return nil
}

// Role finds a role by name, or nil. The descriptor must not be modified:
// PutRole a copy instead.
func (c *Catalog) Role(name string) *Role {
	c.roles.mu.RLock()
	defer c.roles.mu.RUnlock()
	return c.roles.byName[name]
}

// RoleByOID finds a role by OID, or nil.
func (c *Catalog) RoleByOID(oid uint32) *Role {
	c.roles.mu.RLock()
	defer c.roles.mu.RUnlock()
	return c.roles.byOID[oid]
}

// Roles returns every role, ordered by OID.
func (c *Catalog) Roles() []*Role {
	c.roles.mu.RLock()
	out := make([]*Role, 0, len(c.roles.byOID))
	for _, r := range c.roles.byOID {
		out = append(out, r)
	}
	c.roles.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// PasswordsSet reports whether any role has a password; from then on every
// client must authenticate.
func (c *Catalog) PasswordsSet() bool {
	c.roles.mu.RLock()
	defer c.roles.mu.RUnlock()
	for _, r := range c.roles.byOID {
		if r.Password != nil {
			return true
		}
	}
	return false
}

// PutRole stores a new or changed role. Its name must be free.
func (c *Catalog) PutRole(r *Role) error {
	if r.Name == "" || strings.HasPrefix(r.Name, "pg_") {
		// PostgreSQL reserves pg_ for its predefined roles.
		return sql.Errorf("42939", // reserved_name
			"role name %q is reserved", r.Name)
	}
	c.roles.mu.Lock()
	defer c.roles.mu.Unlock()
	if old, ok := c.roles.byName[r.Name]; ok && old.OID != r.OID {
		return sql.Errorf(sql.CodeDuplicateObject, "role %q already exists", r.Name)
	}
	buf, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode role %s: %w", r.Name, err)
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(roleKey(r.OID), buf) }); err != nil {
		return fmt.Errorf("store role %s: %w", r.Name, err)
	}
	if old, ok := c.roles.byOID[r.OID]; ok {
		delete(c.roles.byName, old.Name)
	}
	c.roles.byOID[r.OID] = r
	c.roles.byName[r.Name] = r
	return nil
}

// DeleteRole removes a role.
func (c *Catalog) DeleteRole(oid uint32) error {
	c.roles.mu.Lock()
	defer c.roles.mu.Unlock()
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Delete(roleKey(oid)) }); err != nil {
		return fmt.Errorf("delete role %d: %w", oid, err)
	}
	if r, ok := c.roles.byOID[oid]; ok {
		delete(c.roles.byName, r.Name)
		delete(c.roles.byOID, oid)
	}
	return nil
}

// EnsureBootstrapRole creates the bootstrap superuser at first start.
func (c *Catalog) EnsureBootstrapRole() error {
	if c.RoleByOID(BootstrapRoleOID) != nil {
		return nil
	}
	return c.PutRole(&Role{OID: BootstrapRoleOID, Name: BootstrapRoleName, Superuser: true, Login: true, CreateDB: true, CreateRole: true})
}

// String formats v as PostgreSQL shows it in pg_authid.rolpassword.
func (v *SCRAMVerifier) String() string {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", v.Iterations, b64(v.Salt), b64(v.StoredKey), b64(v.ServerKey))
}
