package edge

import (
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/event"
)

// emitter stamps events with the agent's identity and hands them to the
// sink, counting what the sink accepts and what it refuses.
type emitter struct {
	site, agent string
	sink        Sink
	metrics     *Metrics
	log         *slog.Logger
}

// newEvent returns an envelope for kind at time at; ID and Seq are the
// sink's to fill.
func (e *emitter) newEvent(kind event.Kind, camera string, labels event.Labels, at time.Time) *event.Event {
	return &event.Event{
		Schema: event.SchemaVersion,
		Kind:   kind,
		Site:   e.site,
		Agent:  e.agent,
		Camera: camera,
		Labels: labels,
		Time:   at.UTC().Round(0),
	}
}

func (e *emitter) emit(ev *event.Event) {
	if err := e.sink.Append(ev); err != nil {
		e.metrics.eventsDropped.WithLabelValues(string(ev.Kind)).Inc()
		e.log.Warn("event dropped", "kind", ev.Kind, "camera", ev.Camera, "err", err)
		return
	}
	e.metrics.events.WithLabelValues(string(ev.Kind)).Inc()
}
