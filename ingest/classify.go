package ingest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
)

// check decodes and validates one message, returning the event or the
// dead-letter reason and the error that explains it. stored is when the
// stream stored the message (zero: now); an event dated more than maxSkew
// after it is refused (zero maxSkew: event.DefaultMaxSkew).
func check(subject string, data []byte, stored time.Time, maxSkew time.Duration) (*event.Event, string, error) {
	if len(data) > event.MaxSize {
		_, err := event.Decode(data)
		return nil, ReasonTooLarge, err
	}
	e, err := event.Decode(data)
	if err != nil {
		return nil, classify(data, err), err
	}
	if err := event.CheckSubject(e, subject); err != nil {
		return nil, ReasonSubject, err
	}
	if maxSkew <= 0 {
		maxSkew = event.DefaultMaxSkew
	}
	if err := event.CheckSkew(e, stored, maxSkew); err != nil {
		return nil, ReasonFuture, err
	}
	return e, "", nil
}

// classify names why Decode refused data, so the dead-letter subject and
// the metric say more than "invalid".
func classify(data []byte, err error) string {
	var probe struct {
		Schema *int `json:"schema"`
	}
	if json.Unmarshal(data, &probe) != nil {
		if !json.Valid(data) {
			return ReasonMalformed
		}
		return ReasonInvalid // valid JSON of the wrong shape
	}
	if probe.Schema == nil || *probe.Schema < 1 || *probe.Schema > event.SchemaVersion {
		return ReasonSchema
	}
	if strings.Contains(err.Error(), "unknown field") {
		return ReasonUnknownField
	}
	return ReasonInvalid
}
