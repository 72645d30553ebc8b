package edge

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Thumbnails configure the periodic pictures that keep the console's
// camera list current between motion snapshots.
type Thumbnails struct {
	// Interval spaces a camera's thumbnails (any snapshot, a motion start
	// too, restarts it); default 5m, negative turns them off.
	Interval time.Duration
	// BudgetKbps bounds what all snapshots of the agent (thumbnails and
	// motion/picture-fault snapshots) send on the uplink, averaged; a
	// thumbnail over it waits for the next keyframe. Default 128.
	BudgetKbps float64
}

func (t Thumbnails) withDefaults() Thumbnails {
	if t.Interval == 0 {
		t.Interval = 5 * time.Minute
	}
	if t.BudgetKbps <= 0 {
		t.BudgetKbps = 128
	}
	return t
}

// budget is a token bucket of bytes shared by an agent's cameras: it
// refills at the configured rate and holds at most burst bytes. Motion
// and picture-fault snapshots always go and only spend (they may take it
// below zero); thumbnails go only when the bytes are there.
type budget struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	at     time.Time
	now    func() time.Time
	count  *prometheus.CounterVec
}

// newBudget returns a full bucket of kbps (burst: ten seconds' worth, at
// least one large snapshot).
func newBudget(kbps float64, now func() time.Time, count *prometheus.CounterVec) *budget {
	rate := kbps * 1000 / 8
	burst := max(rate*10, 64<<10)
	return &budget{rate: rate, burst: burst, tokens: burst, at: now(), now: now, count: count}
}

func (b *budget) refill() {
	now := b.now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.at).Seconds()*b.rate)
	b.at = now
}

// allow takes n bytes for a thumbnail if the bucket holds them.
func (b *budget) allow(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// spend takes n bytes for a snapshot that goes regardless.
func (b *budget) spend(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	b.tokens -= float64(n)
}

// thumbnailer is one camera's side: when its next thumbnail is due and
// the JPEG waiting for the next stats event.
type thumbnailer struct {
	interval time.Duration
	budget   *budget
	last     time.Time // the last snapshot of any kind
	lastSize int       // bytes of the last thumbnail, the estimate for the next
	pending  []byte
}

// due reports whether frame time at calls for a thumbnail.
func (t *thumbnailer) due(at time.Time) bool {
	if t == nil || t.interval < 0 || t.pending != nil {
		return false
	}
	return t.last.IsZero() || at.Sub(t.last) >= t.interval
}

// offer considers the frame taken at at, just decoded: when due and
// within the budget it encodes the thumbnail with encode and keeps it for
// the next stats event.
func (t *thumbnailer) offer(at time.Time, encode func() ([]byte, error)) {
	if !t.due(at) {
		return
	}
	est := t.lastSize
	if est == 0 {
		est = 16 << 10
	}
	if !t.budget.allow(est) {
		t.budget.count.WithLabelValues("budget").Inc()
		return
	}
	b, err := encode()
	if err != nil {
		t.budget.count.WithLabelValues("encode").Inc()
		return
	}
	t.budget.spend(len(b) - est)
	t.lastSize, t.pending, t.last = len(b), b, at
}

// sent notes a snapshot of any kind of n bytes: the thumbnail clock
// restarts, and motion snapshots spend the budget too.
func (t *thumbnailer) sent(at time.Time, n int, thumbnail bool) {
	if t == nil {
		return
	}
	t.last = at
	if thumbnail {
		t.budget.count.WithLabelValues("sent").Inc()
		return
	}
	t.budget.spend(n)
}

// take hands over the pending thumbnail, if any.
func (t *thumbnailer) take() []byte {
	if t == nil {
		return nil
	}
	b := t.pending
	t.pending = nil
	return b
}
