package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Result says how an action ended.
type Result string

// Results. Allowed is written before a state change takes effect (the
// change is refused if it cannot be written); OK or Failed follows it.
const (
	Allowed Result = "allowed"
	OK      Result = "ok"
	Failed  Result = "failed"
	Denied  Result = "denied"
)

// Actor is who acted, as recorded.
type Actor struct {
	Kind string `json:"kind"` // user, token, cli, anonymous
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// Record is one audited action.
type Record struct {
	// Seq is the stream sequence (set when read back, not stored).
	Seq    uint64    `json:"seq,omitempty"`
	Time   time.Time `json:"time"`
	Actor  Actor     `json:"actor"`
	Action string    `json:"action"`
	// Objects name what was touched: "camera:bn-leloi-02", "alert:KEY",
	// "silence:ID", "user:lan", "program:p".
	Objects []string `json:"objects,omitempty"`
	Addr    string   `json:"addr,omitempty"`
	Result  Result   `json:"result"`
	Detail  string   `json:"detail,omitempty"`
	// Ref is the sequence of the allowed record an ok/failed one closes.
	Ref uint64 `json:"ref,omitempty"`
	// Prev is the hex SHA-256 of the previous record's stored bytes;
	// empty for the first record of the stream.
	Prev string `json:"prev"`
}

// Hash is the chain hash of a stored record.
func Hash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
