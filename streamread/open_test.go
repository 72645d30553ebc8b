package streamread_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/streamread"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestReadsGiveTheirConsumersBack reads a stream more times than the
// server's default consumer limit per stream (1,000 in nats-server 2.15):
// every read works and the stream holds no consumer afterwards. Without
// the release, read 1,001 fails with "maximum consumers limit reached".
func TestReadsGiveTheirConsumersBack(t *testing.T) {
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "READS", Subjects: []string{"reads.>"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := js.Publish(ctx, fmt.Sprintf("reads.%d", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1100 {
		cons, release, err := streamread.Open(ctx, js, "READS", jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatalf("read %d: %v", i+1, err)
		}
		batch, err := cons.FetchNoWait(10)
		if err != nil {
			t.Fatalf("read %d: %v", i+1, err)
		}
		n := 0
		for range batch.Messages() {
			n++
		}
		release()
		if n != 3 {
			t.Fatalf("read %d: %d messages, want 3", i+1, n)
		}
	}
	// A reset of an ordered consumer (its own recovery from a missed
	// message under load) deletes the replaced consumer in the background:
	// gone within seconds, far sooner than the 30 s backstop.
	testenv.Eventually(t, 10*time.Second, func() error {
		info, err := st.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Consumers != 0 {
			return fmt.Errorf("the stream still holds %d consumers", info.State.Consumers)
		}
		return nil
	})
}
