package edge

import (
	"fmt"

	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the agent's Prometheus series. The camera label is the
// camera id only: never a URL, which could carry credentials.
type Metrics struct {
	frames        *prometheus.CounterVec
	bytes         *prometheus.CounterVec
	reconnects    *prometheus.CounterVec
	online        *prometheus.GaugeVec
	skipped       *prometheus.CounterVec
	events        *prometheus.CounterVec
	eventsDropped *prometheus.CounterVec
	decoded       *prometheus.CounterVec
	detectFrames  *prometheus.CounterVec
	decodeErrors  *prometheus.CounterVec
	decodeRestart *prometheus.CounterVec
	pixelInvalid  *prometheus.CounterVec
	signalFlat    *prometheus.GaugeVec
	badHeaders    *prometheus.CounterVec
	rateControl   *prometheus.GaugeVec
	probes        *prometheus.CounterVec
	degraded      *prometheus.GaugeVec
	// PermissionDenied counts messages NATS refused for this agent's
	// credentials (a subject of another site or agent).
	PermissionDenied prometheus.Counter
	// thumbnails counts periodic thumbnails by result: sent, budget
	// (skipped: over the agent's snapshot budget), encode.
	thumbnails *prometheus.CounterVec
}

// NewMetrics creates the series and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_frames_total", Help: "Video frames received per camera.",
		}, []string{"camera"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_bytes_total", Help: "Encoded video bytes received per camera.",
		}, []string{"camera"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_reconnects_total", Help: "RTSP sessions started after the first, per camera.",
		}, []string{"camera"}),
		online: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_edge_camera_online", Help: "1 while the camera delivers frames, else 0.",
		}, []string{"camera"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_packets_skipped_total", Help: "Video packets dropped while waiting for the first keyframe of a session.",
		}, []string{"camera"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_events_total", Help: "Events handed to the spool, by kind.",
		}, []string{"kind"}),
		eventsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_events_dropped_total", Help: "Events the spool refused, by kind.",
		}, []string{"kind"}),
		decoded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_decoder_access_units_total", Help: "Access units handed to the pixel tier's decoder per camera.",
		}, []string{"camera"}),
		detectFrames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_detect_frames_total", Help: "Gray frames the pixel detector scored per camera.",
		}, []string{"camera"}),
		decodeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_decoder_errors_total", Help: "Access units the decoder refused (dropped until the next keyframe) per camera.",
		}, []string{"camera"}),
		decodeRestart: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_decoder_restarts_total", Help: "Pixel decoders replaced after dying or refusing the stream, per camera.",
		}, []string{"camera"}),
		pixelInvalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_detect_frames_invalid_total", Help: "Decoded frames the pixel detector could not use, per camera.",
		}, []string{"camera"}),
		signalFlat: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_edge_compressed_signal_flat", Help: "1 while a camera's frame sizes and slice QP have not moved for minutes: the compressed tier cannot see motion there.",
		}, []string{"camera"}),
		thumbnails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_thumbnails_total", Help: "Periodic camera thumbnails, by result: sent, budget (skipped, over snapshots' bandwidth budget), encode.",
		}, []string{"result"}),
		PermissionDenied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_edge_nats_permission_denied_total",
			Help: "Messages the NATS server refused because this agent's credentials do not allow their subject.",
		}),
		rateControl: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_edge_compressed_rate_controlled", Help: "1 while a camera's encoder is judged rate-controlled (slice QP moving, as under CBR) and the compressed tier is fed QP-normalised frame sizes; 0 for raw sizes.",
		}, []string{"camera"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_probes_total", Help: "Reachability probes (TCP connect + RTSP OPTIONS) of offline cameras, by result (answered, failed).",
		}, []string{"camera", "result"}),
		degraded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_edge_camera_not_watched", Help: "1 while an online camera is not being watched, by reason (no_frames, undecodable, detection_unavailable); alert on it.",
		}, []string{"camera", "reason"}),
		badHeaders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_slice_headers_invalid_total", Help: "H.264 slice or parameter-set headers the compressed tier could not read, per camera.",
		}, []string{"camera"}),
	}
	for _, c := range []prometheus.Collector{m.PermissionDenied, m.thumbnails, m.signalFlat, m.badHeaders, m.rateControl, m.frames, m.bytes, m.reconnects, m.online, m.skipped, m.events, m.eventsDropped,
		m.decoded, m.detectFrames, m.decodeErrors, m.decodeRestart, m.pixelInvalid, m.probes, m.degraded} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register edge metrics: %w", err)
		}
	}
	for _, k := range event.Kinds {
		m.events.WithLabelValues(string(k))
		m.eventsDropped.WithLabelValues(string(k))
	}
	return m, nil
}

// cameraMetrics are one camera's series, resolved once so the per-packet
// path does no label lookups.
type cameraMetrics struct {
	frames, bytes, reconnects, skipped prometheus.Counter
	online                             prometheus.Gauge
	probes                             struct{ answered, failed prometheus.Counter }
	notWatched                         map[event.Reason]prometheus.Gauge
}

// degraded is the not-watched gauge of reason r.
func (c cameraMetrics) degraded(r event.Reason) prometheus.Gauge { return c.notWatched[r] }

func (m *Metrics) camera(id string) cameraMetrics {
	cm := cameraMetrics{
		frames:     m.frames.WithLabelValues(id),
		bytes:      m.bytes.WithLabelValues(id),
		reconnects: m.reconnects.WithLabelValues(id),
		skipped:    m.skipped.WithLabelValues(id),
		online:     m.online.WithLabelValues(id),
	}
	cm.notWatched = map[event.Reason]prometheus.Gauge{}
	for _, r := range event.DetectionReasons {
		cm.notWatched[r] = m.degraded.WithLabelValues(id, string(r))
	}
	cm.probes.answered = m.probes.WithLabelValues(id, "answered")
	cm.probes.failed = m.probes.WithLabelValues(id, "failed")
	return cm
}

// detection is one camera's series of its detection pipeline.
func (m *Metrics) detection(id string) detect.Metrics {
	return detect.Metrics{
		Decoded:        m.decoded.WithLabelValues(id),
		Frames:         m.detectFrames.WithLabelValues(id),
		Errors:         m.decodeErrors.WithLabelValues(id),
		Restarts:       m.decodeRestart.WithLabelValues(id),
		Invalid:        m.pixelInvalid.WithLabelValues(id),
		BadHeaders:     m.badHeaders.WithLabelValues(id),
		Flat:           m.signalFlat.WithLabelValues(id),
		RateControlled: m.rateControl.WithLabelValues(id),
	}
}
