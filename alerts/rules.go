package alerts

import (
	"fmt"
	"os"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
)

// DefaultTimeZone is the zone schedules are read in when the file names
// none: the demo's cameras are in Ho Chi Minh City.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// Defaults used when a rule leaves a field out.
const (
	// DefaultMotionGroup keeps a motion alert open this long after the last
	// motion.end, so a burst across one camera's zones is one alert.
	DefaultMotionGroup = 30 * time.Second
	// DefaultAgentLost matches the aggregator's default agent_timeout.
	DefaultAgentLost = 30 * time.Second
)

// Rules is one parsed rules file. It is immutable once parsed; a reload
// builds a new one and swaps it in (see Set).
type Rules struct {
	// TimeZone is the site's zone; schedules are wall-clock times in it.
	TimeZone string `yaml:"timezone"`
	Rules    []Rule `yaml:"rules"`

	loc *time.Location
}

// Rule says which condition on which cameras raises an alert, when, how
// loudly and to whom.
type Rule struct {
	// ID names the rule in dedup keys, metrics and the API, so it must stay
	// stable across edits of the file.
	ID          string  `yaml:"id"`
	Description string  `yaml:"description"`
	Trigger     Trigger `yaml:"trigger"`
	// Match limits the rule to some cameras; empty matches all.
	Match Match `yaml:"match"`
	// Schedule limits when the rule may fire; empty is always.
	Schedule Schedule `yaml:"schedule"`
	Severity Severity `yaml:"severity"`
	// Receivers are names of notification targets, resolved by delivery.
	Receivers  []string    `yaml:"receivers"`
	Escalation *Escalation `yaml:"escalation"`
	// Cooldown withholds a new notification for the same dedup key until
	// this long after the last one actually sent.
	Cooldown time.Duration `yaml:"cooldown"`
}

// TriggerType names the condition a rule watches.
type TriggerType string

// Trigger types. Frozen, black and scene_change are matched on the health
// reason the edge reports; the edge does not emit those reasons yet.
const (
	TriggerMotion      TriggerType = "motion"
	TriggerOffline     TriggerType = "offline"
	TriggerAgentLost   TriggerType = "agent_lost"
	TriggerStalled     TriggerType = "stalled"
	TriggerFrozen      TriggerType = "frozen"
	TriggerBlack       TriggerType = "black"
	TriggerSceneChange TriggerType = "scene_change"
	// NoFrames, Undecodable and DetectionUnavailable match the health
	// reasons of an online camera that is not being watched.
	TriggerNoFrames             TriggerType = "no_frames"
	TriggerUndecodable          TriggerType = "undecodable"
	TriggerDetectionUnavailable TriggerType = "detection_unavailable"
	TriggerLowFPS               TriggerType = "low_fps"
	TriggerLowBitrate           TriggerType = "low_bitrate"
	TriggerFlapping             TriggerType = "flapping"
)

var triggerTypes = []TriggerType{
	TriggerMotion, TriggerOffline, TriggerAgentLost, TriggerStalled, TriggerFrozen,
	TriggerBlack, TriggerSceneChange, TriggerLowFPS, TriggerLowBitrate, TriggerFlapping,
	TriggerNoFrames, TriggerUndecodable, TriggerDetectionUnavailable,
}

// Trigger is the condition of a rule. Only the fields of its Type may be
// set, so a misplaced field is an error rather than silently ignored.
type Trigger struct {
	Type TriggerType `yaml:"type"`
	// For is how long the condition must hold before the alert fires
	// (offline for at least D, agent lost for D, low fps for D, ...).
	For time.Duration `yaml:"for"`
	// Zones, MinDuration, MinScore and Group are for motion. Group keeps
	// the alert open after the motion ends so that a burst is one alert.
	Zones       []string      `yaml:"zones"`
	MinDuration time.Duration `yaml:"min_duration"`
	MinScore    float64       `yaml:"min_score"`
	Group       time.Duration `yaml:"group"`
	// Below is the fps (low_fps) or kb/s (low_bitrate) threshold.
	Below float64 `yaml:"below"`
	// Changes status changes within Within make a camera flapping.
	Changes int           `yaml:"changes"`
	Within  time.Duration `yaml:"within"`
}

// Severity ranks alerts for consoles and receivers.
type Severity string

// Severities, from least to most urgent.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Escalation notifies a second receiver when nobody acknowledged the
// alert in time.
type Escalation struct {
	Receiver string        `yaml:"receiver"`
	After    time.Duration `yaml:"after"`
}

// Location returns the zone schedules are evaluated in.
func (r *Rules) Location() *time.Location {
	if r == nil || r.loc == nil {
		loc, err := time.LoadLocation(DefaultTimeZone)
		if err != nil {
			return time.UTC
		}
		return loc
	}
	return r.loc
}

// Rule returns the rule with the given id.
func (r *Rules) Rule(id string) (*Rule, bool) {
	if r == nil {
		return nil, false
	}
	for i := range r.Rules {
		if r.Rules[i].ID == id {
			return &r.Rules[i], true
		}
	}
	return nil, false
}

// Parse reads a rules file strictly: unknown keys, bad values and
// misplaced trigger fields are errors that name the field.
func Parse(data []byte) (*Rules, error) {
	var r Rules
	if err := configs.Parse(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// LoadFile reads and parses the rules file at path.
func LoadFile(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read alert rules: %w", err)
	}
	r, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Validate implements configs.Validator: it checks every rule and fills
// defaults.
func (r *Rules) Validate() error {
	if r.TimeZone == "" {
		r.TimeZone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return fieldErr("timezone", "%q is not a known time zone", r.TimeZone)
	}
	r.loc = loc
	seen := map[string]int{}
	for i := range r.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		rule := &r.Rules[i]
		if err := rule.validate(f); err != nil {
			return err
		}
		if j, dup := seen[rule.ID]; dup {
			return fieldErr(f+".id", "%q is already the id of rules[%d]", rule.ID, j)
		}
		seen[rule.ID] = i
	}
	return nil
}

func (rule *Rule) validate(f string) error {
	if !event.ValidToken(rule.ID) {
		return fieldErr(f+".id", "%q must be 1 to 64 letters, digits, '-' or '_'", rule.ID)
	}
	if err := rule.Trigger.validate(f + ".trigger"); err != nil {
		return err
	}
	if err := rule.Match.validate(f + ".match"); err != nil {
		return err
	}
	if err := rule.Schedule.validate(f + ".schedule"); err != nil {
		return err
	}
	switch rule.Severity {
	case "":
		rule.Severity = SeverityWarning
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		return fieldErr(f+".severity", "%q must be info, warning or critical", rule.Severity)
	}
	for j, name := range rule.Receivers {
		if !event.ValidToken(name) {
			return fieldErr(fmt.Sprintf("%s.receivers[%d]", f, j), "%q is not a valid receiver name", name)
		}
	}
	if e := rule.Escalation; e != nil {
		if !event.ValidToken(e.Receiver) {
			return fieldErr(f+".escalation.receiver", "%q is not a valid receiver name", e.Receiver)
		}
		if e.After <= 0 {
			return fieldErr(f+".escalation.after", "must be positive, got %s", e.After)
		}
	}
	if rule.Cooldown < 0 {
		return fieldErr(f+".cooldown", "must not be negative, got %s", rule.Cooldown)
	}
	return nil
}

func (t *Trigger) validate(f string) error {
	known := false
	for _, k := range triggerTypes {
		known = known || t.Type == k
	}
	if !known {
		return fieldErr(f+".type", "%q is not a trigger (one of %v)", t.Type, triggerTypes)
	}
	if t.For < 0 {
		return fieldErr(f+".for", "must not be negative, got %s", t.For)
	}
	// only reports a field set on a trigger type that does not use it.
	only := func(name string, set bool, types ...TriggerType) error {
		if !set {
			return nil
		}
		for _, k := range types {
			if t.Type == k {
				return nil
			}
		}
		return fieldErr(f+"."+name, "is not used by a %s trigger (only %v)", t.Type, types)
	}
	for _, c := range []struct {
		name  string
		set   bool
		types []TriggerType
	}{
		{"zones", len(t.Zones) > 0, []TriggerType{TriggerMotion}},
		{"min_duration", t.MinDuration != 0, []TriggerType{TriggerMotion}},
		{"min_score", t.MinScore != 0, []TriggerType{TriggerMotion}},
		{"group", t.Group != 0, []TriggerType{TriggerMotion}},
		{"below", t.Below != 0, []TriggerType{TriggerLowFPS, TriggerLowBitrate}},
		{"changes", t.Changes != 0, []TriggerType{TriggerFlapping}},
		{"within", t.Within != 0, []TriggerType{TriggerFlapping}},
		{"for", t.For != 0, []TriggerType{TriggerOffline, TriggerAgentLost, TriggerStalled, TriggerFrozen,
			TriggerBlack, TriggerSceneChange, TriggerLowFPS, TriggerLowBitrate,
			TriggerNoFrames, TriggerUndecodable, TriggerDetectionUnavailable}},
	} {
		if err := only(c.name, c.set, c.types...); err != nil {
			return err
		}
	}
	switch t.Type {
	case TriggerMotion:
		for j, z := range t.Zones {
			if z == "" {
				return fieldErr(fmt.Sprintf("%s.zones[%d]", f, j), "must not be empty")
			}
		}
		if t.MinDuration < 0 {
			return fieldErr(f+".min_duration", "must not be negative, got %s", t.MinDuration)
		}
		if t.MinScore < 0 {
			return fieldErr(f+".min_score", "must not be negative, got %g", t.MinScore)
		}
		if t.Group < 0 {
			return fieldErr(f+".group", "must not be negative, got %s", t.Group)
		}
		if t.Group == 0 {
			t.Group = DefaultMotionGroup
		}
	case TriggerAgentLost:
		if t.For == 0 {
			t.For = DefaultAgentLost
		}
	case TriggerLowFPS, TriggerLowBitrate:
		if t.Below <= 0 {
			return fieldErr(f+".below", "must be a positive threshold, got %g", t.Below)
		}
	case TriggerFlapping:
		if t.Changes < 2 {
			return fieldErr(f+".changes", "must be at least 2, got %d", t.Changes)
		}
		if t.Within <= 0 {
			return fieldErr(f+".within", "must be a positive duration, got %s", t.Within)
		}
	}
	return nil
}

// fieldErr names the offending field, e.g.
// `rules[3].schedule.days[1]: "mon-fry" is not a weekday range`, and wraps
// configs.ErrInvalid so callers treat it like any config mistake.
func fieldErr(field, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", configs.ErrInvalid, field, fmt.Sprintf(format, a...))
}
