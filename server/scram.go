package server

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// SCRAMIterations is PostgreSQL's default scram_iterations: what libpq and
// every driver expect, and what makes a stolen verifier costly to attack.
const SCRAMIterations = 4096

// SCRAMVerifier is what SCRAM-SHA-256 keeps of a password (RFC 5802 section
// 3): enough to check a client's proof, not enough to log in as it.
type SCRAMVerifier struct {
	Iterations int
	Salt       []byte
	StoredKey  []byte
	ServerKey  []byte
}

// NewSCRAMVerifier derives a verifier from a password with a fresh salt.
// Passwords are not SASLprep-normalized: for ASCII ones that is the
// identity, and PostgreSQL too uses the raw bytes when normalization fails.
func NewSCRAMVerifier(password string) (SCRAMVerifier, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	return scramVerifier(password, salt, SCRAMIterations)
}

func scramVerifier(password string, salt []byte, iterations int) (SCRAMVerifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return SCRAMVerifier{}, fmt.Errorf("derive SCRAM key: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return SCRAMVerifier{Iterations: iterations, Salt: salt, StoredKey: stored[:], ServerKey: hmacSHA256(salted, "Server Key")}, nil
}

// String formats v as PostgreSQL stores it in pg_authid.rolpassword.
func (v SCRAMVerifier) String() string {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", v.Iterations, b64(v.Salt), b64(v.StoredKey), b64(v.ServerKey))
}

// ParseSCRAMVerifier reads PostgreSQL's rolpassword format, which is what
// pg_dumpall writes into CREATE ROLE ... PASSWORD: such a password is taken
// as already hashed, as PostgreSQL takes it.
func ParseSCRAMVerifier(s string) (SCRAMVerifier, bool) {
	rest, ok := strings.CutPrefix(s, "SCRAM-SHA-256$")
	if !ok {
		return SCRAMVerifier{}, false
	}
	iterSalt, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return SCRAMVerifier{}, false
	}
	iter, salt, ok1 := strings.Cut(iterSalt, ":")
	stored, server, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return SCRAMVerifier{}, false
	}
	var v SCRAMVerifier
	var err error
	if v.Iterations, err = strconv.Atoi(iter); err != nil || v.Iterations <= 0 {
		return SCRAMVerifier{}, false
	}
	dec := base64.StdEncoding.DecodeString
	if v.Salt, err = dec(salt); err != nil || len(v.Salt) == 0 {
		return SCRAMVerifier{}, false
	}
	if v.StoredKey, err = dec(stored); err != nil || len(v.StoredKey) != sha256.Size {
		return SCRAMVerifier{}, false
	}
	if v.ServerKey, err = dec(server); err != nil || len(v.ServerKey) != sha256.Size {
		return SCRAMVerifier{}, false
	}
	return v, true
}

// matchesPassword checks a cleartext password against v, as PostgreSQL's
// scram_verify_plain_password does.
func (v SCRAMVerifier) matchesPassword(password string) bool {
	w, err := scramVerifier(password, v.Salt, v.Iterations)
	if err != nil {
		return false
	}
	return hmac.Equal(w.StoredKey, v.StoredKey) && hmac.Equal(w.ServerKey, v.ServerKey)
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// mockVerifier stands in for a role that does not exist or has no password,
// so that the exchange looks the same as for a real role (PostgreSQL's
// scram_mock_salt): the salt is stable per user, as a real one would be, and
// no proof can match the random keys.
func (s *Server) mockVerifier(user string) *SCRAMVerifier {
	keys := make([]byte, 2*sha256.Size)
	rand.Read(keys)
	return &SCRAMVerifier{
		Iterations: SCRAMIterations,
		Salt:       hmacSHA256(s.mockKey[:], user)[:16],
		StoredKey:  keys[:sha256.Size],
		ServerKey:  keys[sha256.Size:],
	}
}

// scramExchange is the server's side of one SCRAM-SHA-256 exchange.
type scramExchange struct {
	v           *SCRAMVerifier
	gs2Header   string
	clientFirst string // client-first-message-bare
	serverFirst string
	nonce       string
}

// errMalformedSCRAM reports a client message that breaks RFC 5802.
func errMalformedSCRAM(detail string) error {
	e := sql.Errorf(sql.CodeProtocolViolation, "malformed SCRAM message")
	e.Detail = detail
	return e
}

// first reads client-first-message and returns server-first-message.
func (x *scramExchange) first(msg string) (string, error) {
	// gs2-header: cbind-flag "," [authzid] ","
	switch {
	case strings.HasPrefix(msg, "p="):
		// We never advertise SCRAM-SHA-256-PLUS.
		return "", errMalformedSCRAM("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.")
	case strings.HasPrefix(msg, "n,"), strings.HasPrefix(msg, "y,"):
	default:
		return "", errMalformedSCRAM(`Comma expected, but found character "` + firstChar(msg) + `".`)
	}
	rest := msg[2:]
	if strings.HasPrefix(rest, "a=") {
		return "", sql.Errorf(sql.CodeFeatureNotSupported, "client uses authorization identity, but it is not supported")
	}
	if !strings.HasPrefix(rest, ",") {
		return "", errMalformedSCRAM("Unexpected channel-binding flag or authorization identity.")
	}
	x.gs2Header = msg[:3]
	x.clientFirst = rest[1:]
	// client-first-message-bare: [reserved-mext ","] username "," nonce ["," extensions]
	attrs := strings.Split(x.clientFirst, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", errMalformedSCRAM("Expected username and nonce attributes.")
	}
	// The user name in the message is ignored, as PostgreSQL ignores it: the
	// startup packet's is the one authenticated.
	cnonce := attrs[1][2:]
	if cnonce == "" || !printable(cnonce) {
		return "", errMalformedSCRAM("Could not parse client nonce.")
	}
	snonce := make([]byte, 18)
	rand.Read(snonce)
	x.nonce = cnonce + base64.StdEncoding.EncodeToString(snonce)
	x.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", x.nonce, base64.StdEncoding.EncodeToString(x.v.Salt), x.v.Iterations)
	return x.serverFirst, nil
}

// final reads client-final-message and, when the proof holds, returns
// server-final-message. ok is false for a wrong proof.
func (x *scramExchange) final(msg string) (reply string, ok bool, err error) {
	withoutProof, proof64, found := strings.Cut(msg, ",p=")
	if !found || strings.Contains(proof64, ",") {
		return "", false, errMalformedSCRAM("Proof attribute expected at the end of the message.")
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", false, errMalformedSCRAM("Expected channel binding and nonce attributes.")
	}
	cb, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	if err != nil || string(cb) != x.gs2Header {
		return "", false, errMalformedSCRAM("SCRAM channel binding check failed.")
	}
	if attrs[1][2:] != x.nonce {
		return "", false, errMalformedSCRAM("Nonce does not match.")
	}
	proof, err := base64.StdEncoding.DecodeString(proof64)
	if err != nil || len(proof) != sha256.Size {
		return "", false, errMalformedSCRAM("Malformed proof in client-final-message.")
	}
	authMessage := x.clientFirst + "," + x.serverFirst + "," + withoutProof
	clientKey := hmacSHA256(x.v.StoredKey, authMessage)
	subtle.XORBytes(clientKey, clientKey, proof)
	stored := sha256.Sum256(clientKey)
	if !hmac.Equal(stored[:], x.v.StoredKey) {
		return "", false, nil
	}
	return "v=" + base64.StdEncoding.EncodeToString(hmacSHA256(x.v.ServerKey, authMessage)), true, nil
}

func firstChar(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

// printable is RFC 5802's printable: ASCII 0x21-0x7e except ','.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return true
}
