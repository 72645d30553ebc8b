package camstate

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

// marks holds a camera's events without its stats (motion, health, clip),
// so a timeline of many cameras reads tens of events a camera-day, not
// the thousands of periodic stats.
func (k keys) marks(id string) string     { return k.p + ":cam:" + id + ":marks" }
func (k keys) agent(id string) string     { return k.p + ":agent:" + id }
func (k keys) agentIDs(id string) string  { return k.p + ":agent:" + id + ":ids" }
func (k keys) agentGaps(id string) string { return k.p + ":agent:" + id + ":gaps" }

// Snapshot keys carry the site and camera with the event id, so two
// cameras (or sites) can never share or overwrite a picture.
func (k keys) snapshot(site, camera, id string) string {
	return k.p + ":snap:" + site + ":" + camera + ":" + id
}
func (k keys) snapshotWant(site, camera, id string) string {
	return k.p + ":snapwant:" + site + ":" + camera + ":" + id
}
func (k keys) snapshotRef(id string) string { return k.p + ":snapref:" + id }

// clipRef maps a motion event id to the clip event that names its MP4.
func (k keys) clipRef(motion string) string { return k.p + ":clipref:" + motion }
