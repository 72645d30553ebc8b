package aggregator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestAggregatorServesSnapshots checks the wiring: a JPEG an edge publishes
// on the snapshots subject under its event's id is served by the API.
func TestAggregatorServesSnapshots(t *testing.T) {
	url := testenv.NATS(t)
	a := startAggregator(t, url)
	js := jetStream(t, url)
	var img bytes.Buffer
	if err := jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 32, 24)), nil); err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: "cam-1",
		Time: time.Now(), Seq: 1, Motion: &event.Motion{Detector: "pixel", Score: 2, Started: time.Now()}}
	sum := sha256.Sum256(img.Bytes())
	ev.Snapshot = &event.Snapshot{ID: ev.ID, Bytes: img.Len(), SHA256: hex.EncodeToString(sum[:])}
	// The picture first, then its event, as a slow uplink may deliver
	// them: the picture waits for the event that vouches for it.
	m := nats.NewMsg(event.SnapshotSubject(ev))
	m.Data = img.Bytes()
	m.Header.Set(jetstream.MsgIDHeader, ev.ID)
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	em := nats.NewMsg(event.Subject(ev))
	em.Data = data
	em.Header.Set(jetstream.MsgIDHeader, ev.ID)
	if _, err := js.PublishMsg(context.Background(), em); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	testenv.Eventually(t, 10*time.Second, func() error {
		code, body, err := getBody(base + "/api/v1/events/" + ev.ID + "/snapshot")
		if err != nil {
			return err
		}
		if code != 200 || body != img.String() {
			return fmt.Errorf("snapshot: %d, %d bytes", code, len(body))
		}
		return nil
	})
	if code, _, _ := getBody(base + "/api/v1/events/" + event.NewID() + "/snapshot"); code != 404 {
		t.Errorf("unknown snapshot: %d, want 404", code)
	}
}
