package api

import (
	"strings"
	"testing"
)

// TestSSEFrameNoInjection: whatever the kind and data hold, a frame is
// one event: one id, one event name, and data lines only.
func TestSSEFrameNoInjection(t *testing.T) {
	cases := []struct{ name, kind, data string }{
		{"plain", "firing", `{"id":"a"}`},
		{"newline in the kind", "firing\nevent: resolved\ndata: x", `{"id":"a"}`},
		{"CR in the kind", "firing\rid: 7", `{"id":"a"}`},
		{"raw newlines in data", "firing", "{\"id\":\"a\"}\n\nevent: resolved\nid: 9\ndata: {}"},
		{"CR LF in data", "firing", "{}\r\n\r\nretry: 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sseFrame(42, c.kind, []byte(c.data))
			if !strings.HasSuffix(f, "\n\n") || strings.Count(f, "\n\n") != 1 || strings.Contains(f, "\r") {
				t.Fatalf("frame %q is not exactly one event", f)
			}
			lines := strings.Split(strings.TrimSuffix(f, "\n\n"), "\n")
			if lines[0] != "id: 42" || !strings.HasPrefix(lines[1], "event: ") {
				t.Fatalf("frame %q", f)
			}
			for _, l := range lines[2:] {
				if !strings.HasPrefix(l, "data: ") {
					t.Errorf("line %q of %q is not a data line", l, f)
				}
			}
		})
	}
}
