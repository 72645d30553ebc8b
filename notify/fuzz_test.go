package notify

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/signing"
)

// FuzzDecodeTransition: a message on the alerts stream never panics the
// notifier's decoding, its subject check or its signature check, and an
// accepted one has what delivery needs. Seeds: testdata/fuzz.
func FuzzDecodeTransition(f *testing.F) {
	tr := alerts.Transition{ID: "a1/firing", Kind: alerts.TransitionFiring, At: time.Unix(1e9, 0).UTC(),
		Alert: alerts.Alert{ID: "a1", Site: "q1", Camera: "cam-1"}, Notify: []string{"tech"}}
	good, _ := json.Marshal(tr)
	key, _ := signing.GenerateKey()
	v := signing.NewVerifier(key.Public())
	f.Add(good, key.Sign(good))
	f.Add([]byte(`{"id":"x","kind":"firing","at":"2026-01-01T00:00:00Z","alert":{"site":"a\nb"}}`), "ed25519:00:AA")
	f.Fuzz(func(t *testing.T, data []byte, sig string) {
		_ = v.Verify(data, sig)
		var got alerts.Transition
		if err := decode(data, &got); err != nil {
			return
		}
		if got.ID == "" || got.At.IsZero() {
			t.Fatal("accepted a transition without id or time")
		}
		_ = alerts.Subject(&got)
		if _, err := json.Marshal(&got); err != nil {
			t.Fatalf("accepted transition does not encode: %v", err)
		}
	})
}

// FuzzReceiversFile: the receivers file never panics its strict parse.
func FuzzReceiversFile(f *testing.F) {
	if b, err := os.ReadFile("../configs/receivers.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("receivers:\n  - name: x\n    url: http://127.0.0.1/\n    secret_env: FUZZ_SECRET\n    headers: {X-A: b}\n"))
	os.Setenv("FUZZ_SECRET", "s")
	f.Fuzz(func(t *testing.T, data []byte) {
		var file File
		_ = configs.Parse(data, &file)
	})
}
