package ingest

// keys builds every Redis key under one prefix, so the layout documented in
// docs/redis.md lives in one place.
type keys struct{ p string }

func (k keys) cameras() string               { return k.p + ":cameras" }
func (k keys) agents() string                { return k.p + ":agents" }
func (k keys) live() string                  { return k.p + ":live" }
func (k keys) camera(id string) string       { return k.p + ":cam:" + id }
func (k keys) cameraIDs(id string) string    { return k.p + ":cam:" + id + ":ids" }
func (k keys) cameraEvents(id string) string { return k.p + ":cam:" + id + ":events" }
func (k keys) transitions(id string) string  { return k.p + ":cam:" + id + ":transitions" }
func (k keys) agent(id string) string        { return k.p + ":agent:" + id }
func (k keys) agentIDs(id string) string     { return k.p + ":agent:" + id + ":ids" }
func (k keys) agentGaps(id string) string    { return k.p + ":agent:" + id + ":gaps" }
