package notify

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
)

// Template overrides a receiver's message (text/template over
// MessageData); empty fields keep the built-in text of the receiver's
// language.
type Template struct {
	Subject string `yaml:"subject"`
	Text    string `yaml:"text"`
}

// MessageData is what a message template sees: everything already in the
// receiver's language, names instead of ids, times in the site's zone.
type MessageData struct {
	Kind, KindText         string
	Trigger, TriggerText   string
	Severity, SeverityText string
	// Camera is the camera's display name (or the agent's id for an
	// agent alert); CameraID, Program and Ward ids stay for filters.
	Camera, CameraID, Location string
	Program, ProgramID         string
	Ward, WardID               string
	At, Since                  string
	AckBy, AckNote             string
	ResolvedBy, Note           string
	// Link opens the console's live alerts (empty without a public URL).
	Link string
	// Transition is the whole transition, for what the fields above lack.
	Transition *alerts.Transition
}

// Renderer turns transitions into people's messages.
type Renderer struct {
	// Names gives programs, wards and cameras their display names.
	Names *programs.Directory
	// Location is the site's zone (default Asia/Ho_Chi_Minh).
	Location *time.Location
	// PublicURL is where people open the console.
	PublicURL string
}

// message is one rendered notification.
type message struct {
	Subject, Text string
}

var builtin = map[programs.Lang]Template{
	programs.VI: {
		Subject: `[camwatch] {{.KindText}}: {{.TriggerText}} — {{.Camera}}`,
		Text: `{{.KindText}}: {{.TriggerText}} ({{.SeverityText}})
Camera: {{.Camera}}{{if .Location}} — {{.Location}}{{end}}
{{if .Program}}Chương trình: {{.Program}}
{{end}}{{if .Ward}}Phường: {{.Ward}}
{{end}}Bắt đầu: {{.Since}}
Lúc: {{.At}}
{{if .AckBy}}Người nhận xử lý: {{.AckBy}}{{if .AckNote}} — {{.AckNote}}{{end}}
{{end}}{{if .ResolvedBy}}Đã xử lý bởi: {{.ResolvedBy}}{{if .Note}} — {{.Note}}{{end}}
{{end}}{{if .Link}}Xem: {{.Link}}
{{end}}`,
	},
	programs.EN: {
		Subject: `[camwatch] {{.KindText}}: {{.TriggerText}} — {{.Camera}}`,
		Text: `{{.KindText}}: {{.TriggerText}} ({{.SeverityText}})
Camera: {{.Camera}}{{if .Location}} — {{.Location}}{{end}}
{{if .Program}}Program: {{.Program}}
{{end}}{{if .Ward}}Ward: {{.Ward}}
{{end}}Since: {{.Since}}
At: {{.At}}
{{if .AckBy}}Taken on by: {{.AckBy}}{{if .AckNote}} — {{.AckNote}}{{end}}
{{end}}{{if .ResolvedBy}}Resolved by: {{.ResolvedBy}}{{if .Note}} — {{.Note}}{{end}}
{{end}}{{if .Link}}Open: {{.Link}}
{{end}}`,
	},
}

var kindText = map[alerts.TransitionKind]programs.Names{
	alerts.TransitionFiring:       {VI: "Cảnh báo", EN: "Alert"},
	alerts.TransitionAcknowledged: {VI: "Đã nhận xử lý", EN: "Acknowledged"},
	alerts.TransitionEscalated:    {VI: "Chuyển cấp", EN: "Escalated"},
	alerts.TransitionResolved:     {VI: "Đã xử lý xong", EN: "Resolved"},
}

var severityText = map[alerts.Severity]programs.Names{
	alerts.SeverityInfo:     {VI: "thông tin", EN: "info"},
	alerts.SeverityWarning:  {VI: "cảnh báo", EN: "warning"},
	alerts.SeverityCritical: {VI: "nghiêm trọng", EN: "critical"},
}

// TriggerNames are the people's names of the alert triggers (the console
// uses the same in i18n.js).
var TriggerNames = map[alerts.TriggerType]programs.Names{
	alerts.TriggerMotion:               {VI: "Phát hiện chuyển động", EN: "Motion detected"},
	alerts.TriggerOffline:              {VI: "Camera mất tín hiệu", EN: "Camera offline"},
	alerts.TriggerAgentLost:            {VI: "Trạm biên mất liên lạc", EN: "Edge agent lost"},
	alerts.TriggerStalled:              {VI: "Hình ảnh bị treo", EN: "Picture stalled"},
	alerts.TriggerFrozen:               {VI: "Hình ảnh đứng yên", EN: "Picture frozen"},
	alerts.TriggerBlack:                {VI: "Ống kính bị che hoặc hình đen", EN: "Lens covered or picture black"},
	alerts.TriggerSceneChange:          {VI: "Camera bị xoay hoặc di chuyển", EN: "Camera turned or moved"},
	alerts.TriggerNoFrames:             {VI: "Có kết nối nhưng không nhận được khung hình", EN: "Connected, but no frames"},
	alerts.TriggerUndecodable:          {VI: "Không giải mã được luồng video", EN: "Video cannot be decoded"},
	alerts.TriggerDetectionUnavailable: {VI: "Không phát hiện chuyển động được", EN: "Motion detection unavailable"},
	alerts.TriggerLowFPS:               {VI: "Số khung hình/giây thấp", EN: "Low frame rate"},
	alerts.TriggerLowBitrate:           {VI: "Tốc độ bit thấp", EN: "Low bitrate"},
	alerts.TriggerFlapping:             {VI: "Kết nối chập chờn", EN: "Connection flapping"},
}

func textIn(m map[string]programs.Names, k string, lang programs.Lang) string {
	if n, ok := m[k]; ok {
		return programs.In(n, lang)
	}
	return k
}

// data builds the template's view of t in lang.
func (r *Renderer) data(t *alerts.Transition, lang programs.Lang) MessageData {
	loc := r.Location
	if loc == nil {
		loc = hcm
	}
	fmtTime := func(at time.Time) string {
		if at.IsZero() {
			return ""
		}
		return at.In(loc).Format("15:04:05 02/01/2006")
	}
	a := &t.Alert
	d := MessageData{
		Kind: string(t.Kind), Trigger: string(a.Trigger), Severity: string(a.Severity),
		CameraID: a.Camera, Location: a.Labels.Location,
		ProgramID: a.Labels.Program, WardID: a.Labels.Ward,
		Program: r.Names.ProgramName(a.Labels.Program, lang), Ward: r.Names.WardName(a.Labels.Ward, lang),
		At: fmtTime(t.At), Since: fmtTime(a.Since), ResolvedBy: a.ResolvedBy, Note: a.Note,
		Transition: t,
	}
	d.KindText = programs.In(kindText[t.Kind], lang)
	if n, ok := TriggerNames[a.Trigger]; ok {
		d.TriggerText = programs.In(n, lang)
	} else {
		d.TriggerText = string(a.Trigger)
	}
	if n, ok := severityText[a.Severity]; ok {
		d.SeverityText = programs.In(n, lang)
	} else {
		d.SeverityText = string(a.Severity)
	}
	if a.Camera != "" {
		d.Camera = r.Names.CameraName(event.CameraRef{Site: a.Site, Camera: a.Camera}, a.Labels.Location, lang)
		if d.Camera == d.Location {
			d.Location = ""
		}
	} else {
		d.Camera = a.Agent
	}
	if a.Ack != nil {
		d.AckBy, d.AckNote = a.Ack.By, a.Ack.Note
	}
	if d.ResolvedBy == "condition" || d.ResolvedBy == "rule" {
		d.ResolvedBy = ""
	}
	if r.PublicURL != "" {
		d.Link = strings.TrimSuffix(r.PublicURL, "/") + "/console/#/alerts"
	}
	return d
}

var hcm = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}()

// templates are a receiver's parsed subject and text.
type templates struct {
	subject, text *template.Template
	lang          programs.Lang
}

// parseTemplates prepares a receiver's templates: its own where given,
// the built-in ones of its language otherwise.
func parseTemplates(field string, lang programs.Lang, own *Template) (*templates, error) {
	t := builtin[lang]
	if own != nil {
		if own.Subject != "" {
			t.Subject = own.Subject
		}
		if own.Text != "" {
			t.Text = own.Text
		}
	}
	s, err := template.New("subject").Option("missingkey=error").Parse(t.Subject)
	if err != nil {
		return nil, fieldErr(field+".template.subject", "%v", err)
	}
	x, err := template.New("text").Option("missingkey=error").Parse(t.Text)
	if err != nil {
		return nil, fieldErr(field+".template.text", "%v", err)
	}
	tp := &templates{subject: s, text: x, lang: lang}
	// A template that names a field MessageData lacks fails now, not on
	// the first alert at night.
	if _, err := tp.render(&Renderer{}, sampleTransition()); err != nil {
		return nil, fieldErr(field+".template", "%v", err)
	}
	return tp, nil
}

func sampleTransition() *alerts.Transition {
	return &alerts.Transition{ID: "sample/firing", Kind: alerts.TransitionFiring, At: time.Unix(0, 0),
		Alert: alerts.Alert{Trigger: alerts.TriggerOffline, Severity: alerts.SeverityWarning, Camera: "cam"}}
}

// render writes t's message; the subject is one line.
func (tp *templates) render(r *Renderer, t *alerts.Transition) (message, error) {
	d := r.data(t, tp.lang)
	var s, x strings.Builder
	if err := tp.subject.Execute(&s, d); err != nil {
		return message{}, fmt.Errorf("subject template: %w", err)
	}
	if err := tp.text.Execute(&x, d); err != nil {
		return message{}, fmt.Errorf("text template: %w", err)
	}
	subj := strings.Join(strings.Fields(s.String()), " ")
	return message{Subject: subj, Text: strings.TrimRight(x.String(), "\n") + "\n"}, nil
}
