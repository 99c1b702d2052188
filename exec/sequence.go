package exec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Sequences live outside transactions, as in PostgreSQL: a value handed out
// is never handed out again, even when the transaction that took it rolls
// back. Writing the value to Badger on every nextval would cost a synced
// commit per row of a bulk load, so each sequence persists a lease ahead of
// the values it hands out (as PostgreSQL logs 32 values ahead) and the lease
// grows while a load keeps exhausting it. After a restart numbering resumes
// past the lease, leaving a gap, which PostgreSQL allows after a crash too.

const (
	minLease = 32
	maxLease = 4096
)

// seqState is one sequence's current value, shared by all sessions.
type seqState struct {
	mu     sync.Mutex
	loaded bool
	last   int64 // the last value handed out, or the start when !called
	called bool
	stored bool // leased is in Badger: values up to it (in the direction of increment) may be handed out
	leased int64
	lease  int64 // size of the next lease
}

// sessionSequences is what currval and lastval remember per session.
type sessionSequences struct {
	cur     map[uint32]int64
	lastOID uint32
	hasLast bool
}

func seqKey(oid uint32) []byte { return catalog.ObjectPrefix(catalog.PrefixSequence, oid) }

func (e *Engine) seqState(oid uint32) *seqState {
	v, _ := e.seqStates.LoadOrStore(oid, &seqState{lease: minLease})
	return v.(*seqState)
}

// sequence finds a sequence by OID, with PostgreSQL's error for other relations.
func (e *Engine) sequence(oid uint32) (*catalog.Relation, error) {
	rel := e.cat.ByOID(oid)
	if rel == nil {
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation with OID %d does not exist", oid)
	}
	if rel.Kind != catalog.KindSeq || rel.Sequence == nil {
		return nil, sql.Errorf(sql.CodeWrongObjectType, "%q is not a sequence", rel.Name)
	}
	return rel, nil
}

// load reads the stored value the first time a sequence is used.
func (st *seqState) load(e *Engine, rel *catalog.Relation) error {
	if st.loaded {
		return nil
	}
	st.last, st.called = rel.Sequence.Start, false
	err := e.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(seqKey(rel.OID))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if len(v) != 9 {
				return fmt.Errorf("bad length %d", len(v))
			}
			st.last, st.called = int64(binary.BigEndian.Uint64(v)), v[8] == 1
			st.stored = st.called
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("sequence %s: %w", rel.Name, err)
	}
	st.leased, st.loaded = st.last, true
	return nil
}

func (st *seqState) store(e *Engine, oid uint32, v int64, called bool) error {
	if err := e.disk.check(); err != nil {
		return err
	}
	var buf [9]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(v))
	if called {
		buf[8] = 1
	}
	if err := e.db.Update(func(txn *badger.Txn) error { return txn.Set(seqKey(oid), buf[:]) }); err != nil {
		return fmt.Errorf("store sequence value: %w", err)
	}
	return nil
}

// addClamped is a+b limited to [lo, hi]; ok is false when it left the range.
func addClamped(a, b, lo, hi int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || s > hi {
		return hi, false
	}
	if (b < 0 && s > a) || s < lo {
		return lo, false
	}
	return s, true
}

// nextval hands out the sequence's next value.
func (e *Engine) nextval(oid uint32) (int64, error) {
	rel, err := e.sequence(oid)
	if err != nil {
		return 0, err
	}
	p := rel.Sequence
	st := e.seqState(oid)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.load(e, rel); err != nil {
		return 0, err
	}
	v, wrapped := st.last, false
	if st.called {
		var ok bool
		if v, ok = addClamped(st.last, p.Increment, p.Min, p.Max); !ok {
			if !p.Cycle {
				bound, which := p.Max, "maximum"
				if p.Increment < 0 {
					bound, which = p.Min, "minimum"
				}
				return 0, sql.Errorf("2200H", "nextval: reached %s value of sequence %q (%d)", which, rel.Name, bound)
			}
			v, wrapped = p.Min, true
			if p.Increment < 0 {
				v = p.Max
			}
		}
	}
	covered := st.stored && !wrapped && ((p.Increment > 0 && v <= st.leased) || (p.Increment < 0 && v >= st.leased))
	if !covered {
		mark, _ := addClamped(v, p.Increment*(st.lease-1), p.Min, p.Max)
		if err := st.store(e, oid, mark, true); err != nil {
			return 0, err
		}
		st.leased, st.stored = mark, true
		if st.lease < maxLease {
			st.lease *= 2
		}
	}
	st.last, st.called = v, true
	return v, nil
}

// setval sets the value that nextval continues from.
func (e *Engine) setval(oid uint32, v int64, called bool) error {
	rel, err := e.sequence(oid)
	if err != nil {
		return err
	}
	p := rel.Sequence
	if v < p.Min || v > p.Max {
		return sql.Errorf(sql.CodeNumericValueOutOfRange, "setval: value %d is out of bounds for sequence %q (%d..%d)", v, rel.Name, p.Min, p.Max)
	}
	st := e.seqState(oid)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.load(e, rel); err != nil {
		return err
	}
	if err := st.store(e, oid, v, called); err != nil {
		return err
	}
	// After setval(s, v, false) nothing is covered: v itself is still to come.
	st.last, st.called, st.leased, st.stored, st.lease = v, called, v, called, minLease
	return nil
}

// newSequence builds a sequence descriptor with PostgreSQL's defaults for
// the options not given; typ bounds the default range (serial is int4).
func newSequence(name string, typ sql.Type, o *sql.CreateSequence) (*catalog.Sequence, error) {
	hi := int64(math.MaxInt64)
	switch typ.OID {
	case sql.OIDInt4:
		hi = math.MaxInt32
	case sql.OIDInt2:
		hi = math.MaxInt16
	}
	p := &catalog.Sequence{Type: typ, Increment: 1, Cache: 1}
	if o != nil && o.Increment != nil {
		p.Increment = *o.Increment
	}
	if p.Increment == 0 {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "INCREMENT must not be zero")
	}
	if p.Increment > 0 {
		p.Min, p.Max = 1, hi
	} else {
		p.Min, p.Max = -hi-1, -1
	}
	if o != nil {
		if o.MinValue != nil {
			p.Min = *o.MinValue
		}
		if o.MaxValue != nil {
			p.Max = *o.MaxValue
		}
		if o.Cache != nil {
			p.Cache = *o.Cache
		}
		p.Cycle = o.Cycle
	}
	if p.Min >= p.Max {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "MINVALUE (%d) must be less than MAXVALUE (%d)", p.Min, p.Max)
	}
	p.Start = p.Min
	if p.Increment < 0 {
		p.Start = p.Max
	}
	if o != nil && o.Start != nil {
		p.Start = *o.Start
	}
	if p.Start < p.Min {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "START value (%d) cannot be less than MINVALUE (%d)", p.Start, p.Min)
	}
	if p.Start > p.Max {
		return nil, sql.Errorf(sql.CodeInvalidParameterValue, "START value (%d) cannot be greater than MAXVALUE (%d)", p.Start, p.Max)
	}
	_ = name
	return p, nil
}

func (s *Session) createSequence(n *sql.CreateSequence) (string, error) {
	schema, err := s.newSequenceSchema(n)
	if err != nil {
		return "", err
	}
	if old := s.e.cat.Lookup(schema, n.Name.Name); old != nil {
		if n.IfNotExists {
			return "CREATE SEQUENCE", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", n.Name.Name)
	}
	p, err := newSequence(n.Name.Name, sql.Int8, n)
	if err != nil {
		return "", err
	}
	oid, err := s.e.cat.AllocOIDs(1)
	if err != nil {
		return "", err
	}
	rel := &catalog.Relation{OID: oid, Schema: schema, Name: n.Name.Name, Kind: catalog.KindSeq, Owner: s.user, Sequence: p}
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	return "CREATE SEQUENCE", nil
}

// sequenceService is a session's builtin.SequenceService.
type sequenceService struct{ s *Session }

func (q sequenceService) Nextval(oid uint32) (int64, error) {
	if err := q.s.requireSequence(oid, catalog.PrivUsage|catalog.PrivUpdate); err != nil {
		return 0, err
	}
	v, err := q.s.e.nextval(oid)
	if err != nil {
		return 0, err
	}
	q.s.seqs.remember(oid, v)
	return v, nil
}

func (q sequenceService) Currval(oid uint32) (int64, error) {
	if err := q.s.requireSequence(oid, catalog.PrivUsage|catalog.PrivSelect); err != nil {
		return 0, err
	}
	rel, err := q.s.e.sequence(oid)
	if err != nil {
		return 0, err
	}
	v, ok := q.s.seqs.cur[oid]
	if !ok {
		return 0, sql.Errorf("55000", "currval of sequence %q is not yet defined in this session", rel.Name)
	}
	return v, nil
}

func (q sequenceService) Setval(oid uint32, v int64, called bool) (int64, error) {
	if err := q.s.requireSequence(oid, catalog.PrivUpdate); err != nil {
		return 0, err
	}
	if err := q.s.e.setval(oid, v, called); err != nil {
		return 0, err
	}
	if called {
		q.s.seqs.remember(oid, v)
	}
	return v, nil
}

func (q sequenceService) Lastval() (int64, error) {
	ss := &q.s.seqs
	if !ss.hasLast {
		return 0, sql.Errorf("55000", "lastval is not yet defined in this session")
	}
	if q.s.e.cat.ByOID(ss.lastOID) == nil {
		return 0, sql.Errorf("55000", "lastval is not yet defined in this session")
	}
	return ss.cur[ss.lastOID], nil
}

func (ss *sessionSequences) remember(oid uint32, v int64) {
	if ss.cur == nil {
		ss.cur = map[uint32]int64{}
	}
	ss.cur[oid] = v
	ss.lastOID, ss.hasLast = oid, true
}

var regclassType = sql.Type{OID: sql.OIDRegclass, Mod: -1}

func seqService(ctx *builtin.Context, fn string) (builtin.SequenceService, error) {
	if ctx == nil || ctx.Sequences == nil {
		return nil, sql.Errorf(sql.CodeFeatureNotSupported, "%s is not available here", fn)
	}
	return ctx.Sequences, nil
}

func regclassOID(v sql.Value) uint32 { return uint32(v.Int()) }

func init() {
	builtin.Register(
		&builtin.Func{Name: "nextval", Args: []sql.Type{regclassType}, Ret: sql.Int8, Volatile: true,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				q, err := seqService(ctx, "nextval")
				if err != nil {
					return sql.Null, err
				}
				v, err := q.Nextval(regclassOID(a[0]))
				return sql.NewInt(v), err
			}},
		&builtin.Func{Name: "currval", Args: []sql.Type{regclassType}, Ret: sql.Int8, Volatile: true,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				q, err := seqService(ctx, "currval")
				if err != nil {
					return sql.Null, err
				}
				v, err := q.Currval(regclassOID(a[0]))
				return sql.NewInt(v), err
			}},
		&builtin.Func{Name: "setval", Args: []sql.Type{regclassType, sql.Int8}, Ret: sql.Int8, Volatile: true,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				q, err := seqService(ctx, "setval")
				if err != nil {
					return sql.Null, err
				}
				v, err := q.Setval(regclassOID(a[0]), a[1].Int(), true)
				return sql.NewInt(v), err
			}},
		&builtin.Func{Name: "setval", Args: []sql.Type{regclassType, sql.Int8, sql.Bool}, Ret: sql.Int8, Volatile: true,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				q, err := seqService(ctx, "setval")
				if err != nil {
					return sql.Null, err
				}
				v, err := q.Setval(regclassOID(a[0]), a[1].Int(), a[2].Bool())
				return sql.NewInt(v), err
			}},
		&builtin.Func{Name: "lastval", Ret: sql.Int8, Volatile: true,
			Eval: func(ctx *builtin.Context, a []sql.Value) (sql.Value, error) {
				q, err := seqService(ctx, "lastval")
				if err != nil {
					return sql.Null, err
				}
				v, err := q.Lastval()
				return sql.NewInt(v), err
			}},
	)
}
