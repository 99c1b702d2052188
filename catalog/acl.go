package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Privilege is a set of privileges. The bits and their letters are
// PostgreSQL's (ACL_INSERT ... ACL_CONNECT), so that aclitem text and
// has_*_privilege read as they do there.
type Privilege uint16

const (
	PrivInsert     Privilege = 1 << iota // a
	PrivSelect                           // r
	PrivUpdate                           // w
	PrivDelete                           // d
	PrivTruncate                         // D
	PrivReferences                       // x
	PrivTrigger                          // t
	PrivExecute                          // X
	PrivUsage                            // U
	PrivCreate                           // C
	PrivTemporary                        // T
	PrivConnect                          // c
)

// privLetters are aclitem's letters, in bit order.
const privLetters = "arwdDxtXUCTc"

// Everything that can be granted on each kind of object (ACL_ALL_RIGHTS_*).
const (
	AllTablePrivileges    = PrivInsert | PrivSelect | PrivUpdate | PrivDelete | PrivTruncate | PrivReferences | PrivTrigger
	AllSequencePrivileges = PrivSelect | PrivUpdate | PrivUsage
	AllSchemaPrivileges   = PrivUsage | PrivCreate
	AllDatabasePrivileges = PrivCreate | PrivTemporary | PrivConnect
)

// PrivilegeNames maps the keywords of GRANT and has_*_privilege to bits.
var PrivilegeNames = map[string]Privilege{
	"insert": PrivInsert, "select": PrivSelect, "update": PrivUpdate, "delete": PrivDelete,
	"truncate": PrivTruncate, "references": PrivReferences, "trigger": PrivTrigger,
	"execute": PrivExecute, "usage": PrivUsage, "create": PrivCreate,
	"temporary": PrivTemporary, "temp": PrivTemporary, "connect": PrivConnect,
}

// privWords are the privileges' names in bit order, as
// information_schema.table_privileges spells them.
var privWords = []string{"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
	"EXECUTE", "USAGE", "CREATE", "TEMPORARY", "CONNECT"}

// Names lists the privileges of p, upper case, in PostgreSQL's order.
func (p Privilege) Names() []string {
	var out []string
	for i, w := range privWords {
		if p&(1<<i) != 0 {
			out = append(out, w)
		}
	}
	return out
}

// PublicOID stands for PUBLIC as a grantee, as in PostgreSQL's aclitem.
const PublicOID = 0

// DatabaseOwnerOID is pg_database_owner, the owner of schema public since
// PostgreSQL 15; its one member is the database's owner, eddy's bootstrap
// superuser.
const DatabaseOwnerOID = 6171

// ACLItem grants Privs (and GrantOption, a subset of them, to grant onward)
// to a role. Roles are held by OID so that renaming one keeps its grants.
type ACLItem struct {
	Grantee     uint32    `json:"grantee"` // PublicOID for PUBLIC
	Grantor     uint32    `json:"grantor"`
	Privs       Privilege `json:"privs"`
	GrantOption Privilege `json:"grant_option,omitempty"`
}

// ACL is an access control list. A nil ACL is the kind's default, as a NULL
// relacl is in PostgreSQL: see DefaultACL.
type ACL []ACLItem

// DefaultACL is what a nil ACL means: for relations, everything to the
// owner alone; for schema public, PostgreSQL 15's USAGE for everyone and
// CREATE for the database owner only; for the database, CONNECT and
// TEMPORARY for everyone.
func DefaultACL(kind Kind, owner uint32) ACL {
	switch kind {
	case KindSeq:
		return ACL{{Grantee: owner, Grantor: owner, Privs: AllSequencePrivileges}}
	case kindSchema:
		return ACL{{Grantee: DatabaseOwnerOID, Grantor: DatabaseOwnerOID, Privs: AllSchemaPrivileges},
			{Grantee: PublicOID, Grantor: DatabaseOwnerOID, Privs: PrivUsage}}
	case kindDatabase:
		return ACL{{Grantee: PublicOID, Grantor: owner, Privs: PrivTemporary | PrivConnect},
			{Grantee: owner, Grantor: owner, Privs: AllDatabasePrivileges}}
	}
	return ACL{{Grantee: owner, Grantor: owner, Privs: AllTablePrivileges}}
}

// Pseudo-kinds for the schema and database ACLs, which have no Relation.
const (
	kindSchema   Kind = 'n'
	kindDatabase Kind = 'D'
)

// Mask is what role holds through acl: its own entries and PUBLIC's.
func (acl ACL) Mask(role uint32) (privs, grantOption Privilege) {
	for _, it := range acl {
		if it.Grantee == role || it.Grantee == PublicOID {
			privs |= it.Privs
			grantOption |= it.GrantOption
		}
	}
	return privs, grantOption
}

// Grant adds privs from grantor to grantee, merging into the entry of the
// same pair as PostgreSQL's aclupdate does, so that the list keeps its order.
func (acl ACL) Grant(grantee, grantor uint32, privs Privilege, withGrantOption bool) ACL {
	out := append(ACL(nil), acl...)
	for i := range out {
		if out[i].Grantee == grantee && out[i].Grantor == grantor {
			out[i].Privs |= privs
			if withGrantOption {
				out[i].GrantOption |= privs
			}
			return out
		}
	}
	it := ACLItem{Grantee: grantee, Grantor: grantor, Privs: privs}
	if withGrantOption {
		it.GrantOption = privs
	}
	return append(out, it)
}

// Revoke takes privs granted by grantor away from grantee (only the grant
// option of them when grantOptionOnly); entries left empty go.
func (acl ACL) Revoke(grantee, grantor uint32, privs Privilege, grantOptionOnly bool) ACL {
	out := make(ACL, 0, len(acl))
	for _, it := range acl {
		if it.Grantee == grantee && it.Grantor == grantor {
			it.GrantOption &^= privs
			if !grantOptionOnly {
				it.Privs &^= privs
			}
			if it.Privs == 0 {
				continue
			}
		}
		out = append(out, it)
	}
	return out
}

// Strings renders acl as PostgreSQL's aclitem text (grantee=privs/grantor,
// with * after a privilege held with grant option, and an empty grantee
// for PUBLIC).
func (acl ACL) Strings(roleName func(uint32) string) []string {
	out := make([]string, 0, len(acl))
	for _, it := range acl {
		var b strings.Builder
		if it.Grantee != PublicOID {
			b.WriteString(quoteACLName(roleName(it.Grantee)))
		}
		b.WriteByte('=')
		for i := 0; i < len(privLetters); i++ {
			if it.Privs&(1<<i) != 0 {
				b.WriteByte(privLetters[i])
				if it.GrantOption&(1<<i) != 0 {
					b.WriteByte('*')
				}
			}
		}
		b.WriteByte('/')
		b.WriteString(quoteACLName(roleName(it.Grantor)))
		out = append(out, b.String())
	}
	return out
}

// quoteACLName quotes a role name as aclitem's putid does: when it holds
// anything but letters, digits and underscores.
func quoteACLName(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80) {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// RoleName names a role OID for aclitem text; pg_database_owner is not a
// stored role.
func (c *Catalog) RoleName(oid uint32) string {
	if oid == DatabaseOwnerOID {
		return "pg_database_owner"
	}
	if r := c.RoleByOID(oid); r != nil {
		return r.Name
	}
	// A dropped role shows as its OID, as in PostgreSQL.
	return fmt.Sprint(oid)
}

// OwnerOID is the OID of the role that owns r (0 when that role is gone).
func (c *Catalog) OwnerOID(r *Relation) uint32 {
	if o := c.Role(r.Owner); o != nil {
		return o.OID
	}
	return 0
}

// RelationACL is r's ACL with the default spelled out.
func (c *Catalog) RelationACL(r *Relation) ACL {
	if r.ACL != nil {
		return r.ACL
	}
	return DefaultACL(r.Kind, c.OwnerOID(r))
}

// RelationPrivileges is what role holds on r. Superusers hold everything;
// the owner always holds every grant option (PostgreSQL's aclmask), so it
// can give back what it revoked from itself.
func (c *Catalog) RelationPrivileges(r *Relation, role *Role) (privs, grantOption Privilege) {
	all := AllTablePrivileges
	if r.Kind == KindSeq {
		all = AllSequencePrivileges
	}
	if role == nil {
		return 0, 0
	}
	if role.Superuser {
		return all, all
	}
	privs, grantOption = c.RelationACL(r).Mask(role.OID)
	if r.Owner == role.Name {
		grantOption = all
	}
	return privs, grantOption
}

func aclKey(what string) []byte { return append([]byte{PrefixMeta, 'a', 'c', 'l', ':'}, what...) }

func (c *Catalog) getACL(what string) (ACL, error) {
	var acl ACL
	err := c.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(aclKey(what))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &acl) })
	})
	return acl, err
}

func (c *Catalog) putACL(what string, acl ACL) error {
	buf, err := json.Marshal(acl)
	if err != nil {
		return err
	}
	if err := c.db.Update(func(txn *badger.Txn) error { return txn.Set(aclKey(what), buf) }); err != nil {
		return fmt.Errorf("store privileges of %s: %w", what, err)
	}
	c.mu.Lock()
	c.version++ // plans cache privileges nowhere, but catalog readers may
	c.mu.Unlock()
	return nil
}

// SchemaACL is the ACL of schema public (eddy's one schema), nil when it
// is PostgreSQL 15's default.
func (c *Catalog) SchemaACL() (ACL, error) { return c.getACL("schema:public") }

// PutSchemaACL stores the ACL of schema public.
func (c *Catalog) PutSchemaACL(acl ACL) error { return c.putACL("schema:public", acl) }

// DatabaseACL is the ACL of the database, nil when it is the default.
func (c *Catalog) DatabaseACL() (ACL, error) { return c.getACL("database") }

// PutDatabaseACL stores the ACL of the database.
func (c *Catalog) PutDatabaseACL(acl ACL) error { return c.putACL("database", acl) }

// SchemaPrivileges is what role holds on schema public. The database owner
// (the bootstrap superuser) is pg_database_owner's member.
func (c *Catalog) SchemaPrivileges(role *Role) (Privilege, error) {
	if role == nil {
		return 0, nil
	}
	if role.Superuser {
		return AllSchemaPrivileges, nil
	}
	acl, err := c.SchemaACL()
	if err != nil {
		return 0, err
	}
	if acl == nil {
		acl = DefaultACL(kindSchema, DatabaseOwnerOID)
	}
	p, _ := acl.Mask(role.OID)
	if role.OID == BootstrapRoleOID {
		q, _ := acl.Mask(DatabaseOwnerOID)
		p |= q
	}
	return p, nil
}

// DatabasePrivileges is what role holds on the database.
func (c *Catalog) DatabasePrivileges(role *Role) (Privilege, error) {
	if role == nil {
		return 0, nil
	}
	if role.Superuser {
		return AllDatabasePrivileges, nil
	}
	acl, err := c.DatabaseACL()
	if err != nil {
		return 0, err
	}
	if acl == nil {
		acl = DefaultACL(kindDatabase, BootstrapRoleOID)
	}
	p, _ := acl.Mask(role.OID)
	return p, nil
}

// EffectiveSchemaACL and EffectiveDatabaseACL spell out the defaults, for
// GRANT and REVOKE to edit.
func (c *Catalog) EffectiveSchemaACL() (ACL, error) {
	acl, err := c.SchemaACL()
	if acl == nil && err == nil {
		acl = DefaultACL(kindSchema, DatabaseOwnerOID)
	}
	return acl, err
}

func (c *Catalog) EffectiveDatabaseACL() (ACL, error) {
	acl, err := c.DatabaseACL()
	if acl == nil && err == nil {
		acl = DefaultACL(kindDatabase, BootstrapRoleOID)
	}
	return acl, err
}
