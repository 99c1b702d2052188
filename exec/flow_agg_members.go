package exec

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/eddysql/eddy/sql"
)

// memberTable is what an aggregate knows of the members of a group's
// spilled shared multiset (inlineSet.spilled): per member, the variants
// that hold it. Each member seen is known exactly (the mask the store
// holds once the epoch takes effect, which the cache's stamp vouches
// for), so a value met again costs no read; and where the table holds
// every member (inlineSet.complete) a new value costs none either.
//
// It lives in its group (aggCache.groups), so the group's key is not
// repeated per member, and it goes with the group when the cache evicts
// it. Values of 8-byte kinds (integers, dates, times, timestamps) whose
// masks fit a byte sit in an open-addressed table, at about 9 bytes a
// slot: q16's large sets of bidders and auctions then fit the cache's
// budget at 1M events, where a map of member keys (80 to 100 bytes each)
// overflowed it and every group and new value cost a read again. Other
// values sit in a map by their key.
type memberTable struct {
	keys  []uint64
	masks []uint8 // 0: an empty slot (a known member has a variant)
	n     int
	// fixed: the values are of an 8-byte kind and masks fit a byte; set
	// from the set's first value (all share its column's type).
	fixed, decided bool
	// tag and kind are the bytes that, with a slot's value, make a
	// member's key and stored form again (fixedPayload).
	tag, kind byte
	strs      map[string]uint64
	strBytes  int64
}

// Memory a member costs besides its key, in a map.
const memberMapCost = 48

func isFixedKind(k sql.Kind) bool {
	switch k {
	case sql.KindInt, sql.KindDate, sql.KindTime, sql.KindTimestamp, sql.KindTimestampTZ:
		return true
	}
	return false
}

// decide picks the table's form from the first value it is asked about.
func (t *memberTable) decide(v sql.Value, narrow bool) {
	if t.decided {
		return
	}
	t.decided = true
	if !narrow || !isFixedKind(v.Kind()) {
		return
	}
	k, p := sql.AppendKey(nil, v), sql.AppendRow(nil, sql.Row{v})
	if len(k) != 9 || len(p) < 3 {
		return
	}
	t.fixed, t.tag, t.kind = true, k[0], p[1]
	// The forms are rebuilt from the value alone, so they must be what
	// sql makes of it.
	if !bytes.Equal(t.fixedPayload(binary.BigEndian.Uint64(k[1:])), p) {
		t.fixed = false
	}
}

// fixedPayload is the stored form (sql.AppendRow) of the value of slot
// key x, in a fixed table.
func (t *memberTable) fixedPayload(x uint64) []byte {
	return binary.AppendVarint([]byte{1, t.kind}, int64(x^1<<63))
}

// each calls f with every member's value key, mask and stored form, in a
// fixed table; key and payload are valid during the call only. Its keys
// are all of 9 bytes: values of its column's kind, or read from a record
// that readInline checked.
func (t *memberTable) each(f func(k []byte, m uint64, payload []byte)) {
	// One buffer holds both forms, rebuilt in place member after member.
	buf := make([]byte, 0, 32)
	form := func(x uint64) ([]byte, []byte) {
		buf = binary.BigEndian.AppendUint64(append(buf[:0], t.tag), x)
		buf = binary.AppendVarint(append(buf, 1, t.kind), int64(x^1<<63))
		return buf[:9], buf[9:]
	}
	for i, m := range t.masks {
		if m != 0 {
			k, p := form(t.keys[i])
			f(k, uint64(m), p)
		}
	}
	for sk, m := range t.strs {
		k, p := form(binary.BigEndian.Uint64([]byte(sk)[1:]))
		f(k, m, p)
	}
}

// fixedKey is the member's slot key: the 8 bytes after an exact 8-byte
// kind's not-NULL tag, which are the value.
func (t *memberTable) fixedKey(k []byte) (uint64, bool) {
	if !t.fixed || len(k) != 9 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[1:]), true
}

func (t *memberTable) slot(x uint64) int {
	return int((x * 0x9e3779b97f4a7c15) >> (64 - bits.TrailingZeros(uint(len(t.keys)))))
}

// get returns the variants known to hold the member of value key k (0:
// not known).
func (t *memberTable) get(k []byte) uint64 {
	x, ok := t.fixedKey(k)
	if !ok {
		return t.strs[string(k)]
	}
	if len(t.keys) == 0 {
		return t.strs[string(k)]
	}
	mask := len(t.keys) - 1
	for i := t.slot(x); ; i = (i + 1) & mask {
		switch {
		case t.masks[i] == 0:
			if t.strs != nil {
				return t.strs[string(k)] // a mask past a byte
			}
			return 0
		case t.keys[i] == x:
			return uint64(t.masks[i])
		}
	}
}

// put records that variants m (not 0) hold the member of value key k.
func (t *memberTable) put(k []byte, m uint64) {
	// A member put before the form was decided decides it: every member
	// must be found where it was put.
	t.decided = true
	x, ok := t.fixedKey(k)
	if !ok || m > 0xff {
		if ok {
			// Masks past a byte do not occur where fixed is set (narrow);
			// the map keeps such a member exact all the same.
			t.delFixed(x)
		}
		if t.strs == nil {
			t.strs = map[string]uint64{}
		}
		if _, had := t.strs[string(k)]; !had {
			t.strBytes += int64(len(k)) + memberMapCost
		}
		t.strs[string(k)] = m
		return
	}
	if t.strs != nil {
		if _, had := t.strs[string(k)]; had {
			delete(t.strs, string(k))
			t.strBytes -= int64(len(k)) + memberMapCost
		}
	}
	if 4*(t.n+1) > 3*len(t.keys) {
		t.grow()
	}
	mask := len(t.keys) - 1
	for i := t.slot(x); ; i = (i + 1) & mask {
		switch {
		case t.masks[i] == 0:
			t.keys[i], t.masks[i] = x, uint8(m)
			t.n++
			return
		case t.keys[i] == x:
			t.masks[i] = uint8(m)
			return
		}
	}
}

// delFixed removes x from the slots (backward-shift deletion).
func (t *memberTable) delFixed(x uint64) {
	if len(t.keys) == 0 {
		return
	}
	mask := len(t.keys) - 1
	i := t.slot(x)
	for ; t.masks[i] != 0; i = (i + 1) & mask {
		if t.keys[i] == x {
			break
		}
	}
	if t.masks[i] == 0 {
		return
	}
	t.n--
	for j := (i + 1) & mask; t.masks[j] != 0; j = (j + 1) & mask {
		// Entry j moves into the hole at i unless its home slot lies
		// cyclically in (i, j].
		h := t.slot(t.keys[j])
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.keys[i], t.masks[i] = t.keys[j], t.masks[j]
			i = j
		}
	}
	t.masks[i] = 0
}

func (t *memberTable) grow() {
	keys, masks := t.keys, t.masks
	n := max(2*len(keys), 16)
	t.keys, t.masks, t.n = make([]uint64, n), make([]uint8, n), 0
	for i, m := range masks {
		if m != 0 {
			t.putSlot(keys[i], m)
		}
	}
}

func (t *memberTable) putSlot(x uint64, m uint8) {
	mask := len(t.keys) - 1
	i := t.slot(x)
	for t.masks[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.masks[i] = x, m
	t.n++
}

// len is the number of members known.
func (t *memberTable) len() int { return t.n + len(t.strs) }

// bytes is about the memory the table holds, for the cache's count.
func (t *memberTable) bytes() int64 {
	return int64(len(t.keys))*9 + t.strBytes
}
