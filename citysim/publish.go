package citysim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Publisher sends a city's events to JetStream as its edge agents do:
// one connection per agent with that agent's own credentials and inbox
// prefix, each event on its subject with its id as Nats-Msg-Id, and, like
// the edge's spool, every event again until JetStream acknowledged it.
// Accepted records what JetStream acknowledged, the ledger a sequence
// audit compares Redis with.
type Publisher struct {
	site   string
	agents map[string]jetstream.JetStream
	conns  []*nats.Conn

	mu       sync.Mutex
	accepted map[string]uint64 // "agent/camera" (or "agent" for heartbeats) -> highest acked seq
	count    map[string]int    // how many distinct events acked per key
}

// Dial connects every agent of the city with the NATS settings creds
// gives for it (URL, possibly listing every cluster member, and its
// credentials file).
func Dial(c *City, creds func(agent string) configs.NATS) (*Publisher, error) {
	p := &Publisher{site: c.Site(), agents: map[string]jetstream.JetStream{}, accepted: map[string]uint64{}, count: map[string]int{}}
	for _, a := range c.Agents() {
		cfg := creds(a)
		opts, err := natsauth.ClientOptions(cfg, event.AgentInboxPrefix(c.Site(), a))
		if err != nil {
			p.Close()
			return nil, err
		}
		opts = append(opts, nats.Name("citysim-"+a), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
			nats.ReconnectBufSize(-1))
		nc, err := nats.Connect(cfg.URL, opts...)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("agent %s: nats connect: %w", a, err)
		}
		p.conns = append(p.conns, nc)
		js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
		if err != nil {
			p.Close()
			return nil, err
		}
		p.agents[a] = js
	}
	return p, nil
}

// Close closes every agent's connection.
func (p *Publisher) Close() {
	for _, nc := range p.conns {
		nc.Close()
	}
}

// Publish sends evs and returns once JetStream acknowledged every one,
// publishing again what failed or timed out (a NATS node lost, a leader
// election) until ctx ends.
func (p *Publisher) Publish(ctx context.Context, evs []*event.Event) error {
	todo := evs
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%d events not acknowledged: %w", len(todo), ctx.Err())
			case <-time.After(min(time.Duration(attempt)*100*time.Millisecond, time.Second)):
			}
		}
		futures := make([]jetstream.PubAckFuture, len(todo))
		var failed []*event.Event
		for i, e := range todo {
			data, err := event.Marshal(e)
			if err != nil {
				return err
			}
			m := nats.NewMsg(event.Subject(e))
			m.Data = data
			m.Header.Set(jetstream.MsgIDHeader, e.ID)
			js := p.agents[e.Agent]
			if js == nil {
				return fmt.Errorf("event of unknown agent %s", e.Agent)
			}
			f, err := js.PublishMsgAsync(m)
			if err != nil {
				failed = append(failed, e)
				continue
			}
			futures[i] = f
		}
		for i, f := range futures {
			if f == nil {
				continue
			}
			select {
			case ack := <-f.Ok():
				p.ack(todo[i], ack)
			case <-f.Err():
				failed = append(failed, todo[i])
			case <-time.After(5 * time.Second):
				failed = append(failed, todo[i])
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		todo = failed
	}
	return nil
}

func (p *Publisher) ack(e *event.Event, ack *jetstream.PubAck) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := Key(e)
	if ack.Duplicate {
		return // an earlier attempt of this event got through
	}
	p.count[k]++
	p.accepted[k] = max(p.accepted[k], e.Seq)
}

// Key names the sequence an event belongs to: "agent/camera", or
// "agent" for heartbeats.
func Key(e *event.Event) string {
	if e.Kind == event.KindHeartbeat {
		return e.Agent
	}
	return e.Agent + "/" + e.Camera
}

// Accepted returns, per Key, the highest seq JetStream acknowledged and
// how many distinct events it acknowledged; the two are equal when no
// event was lost on the way.
func (p *Publisher) Accepted() (last map[string]uint64, count map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last, count = make(map[string]uint64, len(p.accepted)), make(map[string]int, len(p.count))
	for k, v := range p.accepted {
		last[k] = v
	}
	for k, v := range p.count {
		count[k] = v
	}
	return last, count
}
