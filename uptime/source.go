package uptime

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
)

// ErrNotFound is returned by Source.Camera for a camera Redis never heard of.
var ErrNotFound = errors.New("camera not found")

// Store is the status history a Source reads: the cameras' transitions
// and states and the agents' losses and heartbeats, plus the maintenance
// windows recorded for reports. camstate.Store implements it over Redis,
// the one owner of that layout.
type Store interface {
	CameraRefs(ctx context.Context) ([]event.CameraRef, error)
	CameraHistories(ctx context.Context, ids []event.CameraRef, from, to time.Time) ([]camstate.CameraHistory, []bool, error)
	AgentHistories(ctx context.Context, agents []string, to time.Time) ([]camstate.AgentHistory, error)
	PutMaintenance(ctx context.Context, id string, doc []byte) error
	DeleteMaintenance(ctx context.Context, id string) (bool, error)
	MaintenanceDocs(ctx context.Context) (map[string]string, error)
}

// SourceOptions say how to read liveness.
type SourceOptions struct {
	// AgentTimeout is the aggregator's agent_timeout: an agent silent for
	// longer is lost from its last heartbeat + AgentTimeout; default 30s.
	AgentTimeout time.Duration
	// Stale marks a camera removed: when its last event is older than
	// Stale while its agent still sends heartbeats, the camera left the
	// agent's config at its last event; default 1h.
	Stale time.Duration
	// Silent marks a camera's state unknown from its last event on when
	// its agent has gone on sending heartbeats for longer than Silent
	// since then: an agent reports every camera at least every stats
	// interval (30 s by default), so such a camera is no longer watched
	// (taken out of the config, or its watch broke), and its last report
	// must not be held until Stale decides; default 2m. Keep it above
	// three stats intervals of the agents.
	Silent time.Duration
	// Slack reads transitions stored up to this long after the window, so
	// a state change detected just after the window's end but begun inside
	// it (its since) is counted; default 10m.
	Slack time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Workers is how many pipelines of sourceChunk cameras read at once;
	// default one per two cores (sourceWorkers).
	Workers int
}

// Source reads report histories from the store the ingester writes, so
// a report needs no state of its own: Redis (rebuilt from JetStream if
// need be) is the one record. It is safe for concurrent use.
type Source struct {
	st   Store
	opts SourceOptions
}

// NewSource returns a source on st; it does not read yet.
func NewSource(st Store, opts SourceOptions) *Source {
	if opts.AgentTimeout <= 0 {
		opts.AgentTimeout = 30 * time.Second
	}
	if opts.Stale <= 0 {
		opts.Stale = time.Hour
	}
	if opts.Silent <= 0 {
		opts.Silent = 2 * time.Minute
	}
	if opts.Slack <= 0 {
		opts.Slack = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers <= 0 {
		opts.Workers = sourceWorkers()
	}
	return &Source{st: st, opts: opts}
}

// sourceChunk is how many cameras one pipeline reads.
const sourceChunk = 500

// sourceWorkers is how many pipelines read at once by default: one per
// two cores. Decoding is CPU work, and the other core goes to Redis and,
// on a Redis Cluster, to the client's own per-node round trips, which
// already run in parallel: on 2 cores the 30-day city report from a
// three-master cluster took 352 and 377 ms with 1 worker, 398 and 437 ms
// with 4 (medians of 9, interleaved, TestReportWorkersTiming).
func sourceWorkers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// History reads every camera's transitions that matter to window w (those
// stored inside it, plus the last one before it) and its agent's loss.
func (s *Source) History(ctx context.Context, w Span) (*History, error) {
	ids, err := s.st.CameraRefs(ctx)
	if err != nil {
		return nil, err
	}
	return s.read(ctx, ids, w)
}

// Camera reads one camera's history for window w, or ErrNotFound.
func (s *Source) Camera(ctx context.Context, id event.CameraRef, w Span) (*History, error) {
	h, err := s.read(ctx, []event.CameraRef{id}, w)
	if err != nil {
		return nil, err
	}
	if len(h.Cameras) == 0 {
		return nil, fmt.Errorf("camera %s: %w", id, ErrNotFound)
	}
	return h, nil
}

// Cameras reads the histories of the cameras ids for window w (those
// Redis never heard of are left out): a timeline or a case of a few
// cameras in a city of thousands.
func (s *Source) Cameras(ctx context.Context, ids []event.CameraRef, w Span) (*History, error) {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, event.CameraRef.Compare)
	return s.read(ctx, slices.Compact(ids), w)
}

func (s *Source) read(ctx context.Context, ids []event.CameraRef, w Span) (*History, error) {
	now := s.opts.Now()
	cams := make([]Camera, len(ids))
	found := make([]bool, len(ids))
	workers := s.opts.Workers
	errs := make(chan error, workers)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, (len(ids)+sourceChunk-1)/sourceChunk) {
		wg.Go(func() {
			for lo := range work {
				hi := min(lo+sourceChunk, len(ids))
				if err := s.readCameras(ctx, ids[lo:hi], cams[lo:hi], found[lo:hi], w); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(work)
		for lo := 0; lo < len(ids); lo += sourceChunk {
			select {
			case work <- lo:
			case <-ctx.Done():
				return
			case err := <-errs:
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := &History{AgentLost: map[string][]Span{}}
	h.Cameras = make([]Camera, 0, len(cams))
	var agents []string
	for i := range cams {
		if found[i] {
			h.Cameras = append(h.Cameras, cams[i])
			agents = append(agents, cams[i].Agent)
		}
	}
	slices.Sort(agents)
	agents = slices.Compact(agents)
	seen, err := s.readAgents(ctx, h, agents, w, now)
	if err != nil {
		return nil, err
	}
	for i := range h.Cameras {
		s.markRemoved(&h.Cameras[i], seen, now)
	}
	if h.Maintenance, err = s.maintenanceIn(ctx, w); err != nil {
		return nil, err
	}
	return h, nil
}

// readCameras fills cams[i] for ids[i] with one read of the store.
func (s *Source) readCameras(ctx context.Context, ids []event.CameraRef, cams []Camera, found []bool, w Span) error {
	hs, ok, err := s.st.CameraHistories(ctx, ids, w.From, w.To.Add(s.opts.Slack))
	if err != nil {
		return err
	}
	for i := range hs {
		if !ok[i] {
			continue
		}
		h := &hs[i]
		c := &cams[i]
		c.Site, c.ID, c.Agent, c.Labels = h.Ref.Site, h.Ref.Camera, h.Agent, h.Labels
		// Removed is set later only if the camera went stale; park its
		// last event time there until then.
		c.Removed = h.LastEvent
		c.Transitions = make([]Transition, len(h.Changes))
		for j, ch := range h.Changes {
			c.Transitions[j] = Transition{Time: ch.Since, Seq: ch.Seq, State: State(ch.Status), Reason: ch.Reason}
		}
		found[i] = true
	}
	return nil
}

// markRemoved turns the parked last event time into a removal when the
// camera went silent for Stale while its agent kept sending heartbeats,
// or into the start of unknown time after Silent: either way nothing after
// the camera's last event is counted as up or down.
func (s *Source) markRemoved(c *Camera, seen map[string]time.Time, now time.Time) {
	last := c.Removed
	c.Removed = time.Time{}
	if last.IsZero() || now.Sub(last) <= s.opts.Silent {
		return
	}
	hb, ok := seen[c.Agent]
	switch {
	case !ok:
	case hb.Sub(last) > s.opts.Stale:
		c.Removed = last
	case hb.Sub(last) > s.opts.Silent:
		c.Silent = last
	}
}

// readAgents fills h.AgentLost from each agent's recorded gaps and its last
// heartbeat, and returns the last heartbeat times.
func (s *Source) readAgents(ctx context.Context, h *History, agents []string, w Span, now time.Time) (map[string]time.Time, error) {
	if len(agents) == 0 {
		return nil, nil
	}
	as, err := s.st.AgentHistories(ctx, agents, w.To)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]time.Time, len(agents))
	for _, a := range as {
		var spans []Span
		for _, l := range a.Losses {
			if sp := (Span{l.From, l.To}); sp.To.After(w.From) {
				spans = append(spans, sp)
			}
		}
		if hb := a.LastHeartbeat; !hb.IsZero() {
			seen[a.ID] = hb
			// Still silent: lost from hb + timeout on, into the future, so
			// a window reaching past now is not counted as up.
			if lost := hb.Add(s.opts.AgentTimeout); now.After(lost) {
				spans = append(spans, Span{lost, maxTime(now, w.To)})
			}
		}
		if len(spans) > 0 {
			h.AgentLost[a.ID] = spans
		}
	}
	return seen, nil
}
