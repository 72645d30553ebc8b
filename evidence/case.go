package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
)

// Errors of the case store.
var (
	// ErrNoCase: no case has that id.
	ErrNoCase = errors.New("no such case")
	// ErrInput: a case field is missing or malformed; the message names it.
	ErrInput = errors.New("invalid case")
	// ErrClosed: the case is closed and holds nothing any more.
	ErrClosed = errors.New("case is closed")
	// ErrUnavailable: NATS, the object store or Redis cannot be reached;
	// nothing was changed or exported.
	ErrUnavailable = errors.New("evidence store unavailable")
)

// Case statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Query is what a case (or a timeline) covers: an area given as
// programs, wards or single cameras, and a window.
type Query struct {
	Programs []string  `json:"programs,omitempty"`
	Wards    []string  `json:"wards,omitempty"`
	Cameras  []string  `json:"cameras,omitempty"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// MaxWindow bounds a case's or timeline's window.
const MaxWindow = 31 * 24 * time.Hour

// Check says what is wrong with q.
func (q Query) Check() error {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return fmt.Errorf("%w: from and to are required", ErrInput)
	case !q.From.Before(q.To):
		return fmt.Errorf("%w: from must be before to", ErrInput)
	case q.To.Sub(q.From) > MaxWindow:
		return fmt.Errorf("%w: the window is longer than %d days", ErrInput, int(MaxWindow.Hours()/24))
	case len(q.Programs)+len(q.Wards)+len(q.Cameras) == 0:
		return fmt.Errorf("%w: name an area (programs, wards or cameras)", ErrInput)
	}
	for i, l := range [][]string{q.Programs, q.Wards, q.Cameras} {
		for _, v := range l {
			// A camera is "<site>/<camera>" or a bare id one site uses.
			if _, err := event.ParseCameraRef(v); !event.ValidToken(v) && (i != 2 || err != nil) {
				return fmt.Errorf("%w: %q is not a valid id", ErrInput, v)
			}
		}
	}
	return nil
}

// Camera is a camera of a case, resolved when the case was opened.
type Camera struct {
	ID       string `json:"id"`
	Site     string `json:"site"`
	Agent    string `json:"agent"`
	Program  string `json:"program,omitempty"`
	Ward     string `json:"ward,omitempty"`
	Location string `json:"location,omitempty"`
}

// Ref is the camera's identity: ids are unique per site only.
func (c Camera) Ref() event.CameraRef { return event.CameraRef{Site: c.Site, Camera: c.ID} }

// Case is an investigation: what it covers and what is held for it.
type Case struct {
	ID       string    `json:"id"`
	Number   string    `json:"number"`
	Title    string    `json:"title"`
	Reason   string    `json:"reason"`
	Status   string    `json:"status"`
	Query    Query     `json:"query"`
	Cameras  []Camera  `json:"cameras"`
	OpenedBy string    `json:"opened_by"`
	OpenedAt time.Time `json:"opened_at"`
	// ClosedBy, ClosedAt and CloseNote are set when an admin closes it;
	// the hold ends then.
	ClosedBy  string     `json:"closed_by,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	CloseNote string     `json:"close_note,omitempty"`
	Held      Held       `json:"held"`
}

// Held says what the case's hold keeps, as of its last sync.
type Held struct {
	At        time.Time `json:"at,omitzero"`
	Events    int       `json:"events"`
	Snapshots int       `json:"snapshots"`
	Clips     int       `json:"clips"`
	Missing   int       `json:"missing"`
	Bytes     int64     `json:"bytes"`
	// Capped names the cameras (site/camera) with more events in the
	// window than the hold keeps per camera (Options.MaxEventsPerCamera,
	// default 100,000): the first that many are held.
	Capped []string `json:"capped,omitempty"`
}

// Info is the case as a manifest states it.
func (c *Case) Info() CaseInfo {
	return CaseInfo{ID: c.ID, Number: c.Number, Title: c.Title, Reason: c.Reason, Status: c.Status,
		OpenedBy: c.OpenedBy, OpenedAt: c.OpenedAt, Cameras: c.Cameras, ClosedAt: c.ClosedAt}
}

// CheckNew says what is wrong with the fields an investigator gives.
func (c *Case) CheckNew() error {
	for _, f := range []struct{ name, v string }{{"number", c.Number}, {"title", c.Title}, {"reason", c.Reason}} {
		v := strings.TrimSpace(f.v)
		if v == "" {
			return fmt.Errorf("%w: %s is required", ErrInput, f.name)
		}
		if !utf8.ValidString(v) || len(v) > 500 || strings.ContainsAny(v, "\x00\r\n") {
			return fmt.Errorf("%w: %s must be one line of at most 500 bytes", ErrInput, f.name)
		}
	}
	return c.Query.Check()
}

// CasesBucket is the JetStream key-value bucket of cases: they must last
// (docs/evidence.md), so they live in JetStream, not Redis.
const CasesBucket = "CAMWATCH_CASES"

// Cases stores cases in a JetStream key-value bucket.
type Cases struct{ kv jetstream.KeyValue }

// OpenCases creates or opens the cases bucket.
func OpenCases(ctx context.Context, js jetstream.JetStream, replicas int) (*Cases, error) {
	if replicas < 1 {
		replicas = 1
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: CasesBucket, Description: "camwatch investigation cases", History: 16,
		Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bucket %s: %v", ErrUnavailable, CasesBucket, err)
	}
	return &Cases{kv: kv}, nil
}

// NewCaseID returns a fresh case id (16 hex digits), so the opening can
// be audited under the case's name before the case exists.
func NewCaseID() string { return event.NewID()[:16] }

// Create stores a new case under its id (a fresh one when empty).
func (s *Cases) Create(ctx context.Context, c *Case) error {
	if c.ID == "" {
		c.ID = NewCaseID()
	}
	c.Status = StatusOpen
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("case: %w", err)
	}
	if _, err := s.kv.Create(ctx, c.ID, data); err != nil {
		return fmt.Errorf("%w: case %s: %v", ErrUnavailable, c.ID, err)
	}
	return nil
}

// Get returns one case.
func (s *Cases) Get(ctx context.Context, id string) (*Case, uint64, error) {
	if !event.ValidToken(id) {
		return nil, 0, ErrNoCase
	}
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, ErrNoCase
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%w: case %s: %v", ErrUnavailable, id, err)
	}
	var c Case
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return nil, 0, fmt.Errorf("case %s: %w", id, err)
	}
	return &c, e.Revision(), nil
}

// Update changes a case with f, retrying on a concurrent change.
func (s *Cases) Update(ctx context.Context, id string, f func(*Case) error) (*Case, error) {
	for range 10 {
		c, rev, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := f(c); err != nil {
			return nil, err
		}
		data, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("case: %w", err)
		}
		_, err = s.kv.Update(ctx, id, data, rev)
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: case %s: %v", ErrUnavailable, id, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w: case %s changed concurrently too often", ErrUnavailable, id)
}

// List returns every case, newest first.
func (s *Cases) List(ctx context.Context) ([]*Case, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: cases: %v", ErrUnavailable, err)
	}
	var out []*Case
	for k := range lister.Keys() {
		c, _, err := s.Get(ctx, k)
		if errors.Is(err, ErrNoCase) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sortCases(out)
	return out, nil
}

func sortCases(cs []*Case) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].OpenedAt.After(cs[j-1].OpenedAt); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
