package api

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/ingest"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// timeline is what the aggregator gives the API: the store, and the
// events stream (a real embedded NATS) holding evs, which the tests also
// apply to the store, as the ingester would have.
func timeline(t testing.TB, st *camstate.Store, evs []*event.Event) ingest.Timeline {
	t.Helper()
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const stream = "CAMWATCH_API_TEST"
	if err := ingest.EnsureStreams(ctx, js, ingest.StreamOptions{Name: stream, MaxAge: time.Hour, Duplicates: time.Minute}); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, event.Subject(e), data, jetstream.WithMsgID(e.ID)); err != nil {
			t.Fatal(err)
		}
	}
	return ingest.Timeline{Store: st, Log: &ingest.Log{JS: js, Stream: stream, MaxSkew: 100 * 365 * 24 * time.Hour}}
}
