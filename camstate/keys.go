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
func (k keys) agent(id string) string        { return k.p + ":agent:" + id }
func (k keys) agentIDs(id string) string     { return k.p + ":agent:" + id + ":ids" }
func (k keys) agentGaps(id string) string    { return k.p + ":agent:" + id + ":gaps" }

// Snapshot keys carry the site and camera with the event id, so two
// cameras (or sites) can never share or overwrite a picture.
func (k keys) snapshot(site, camera, id string) string {
	return k.p + ":snap:" + site + ":" + camera + ":" + id
}
func (k keys) snapshotWant(site, camera, id string) string {
	return k.p + ":snapwant:" + site + ":" + camera + ":" + id
}
func (k keys) snapshotRef(id string) string { return k.p + ":snapref:" + id }

// snapshotLatest names a camera's newest stored snapshot: "<id> <unix ms>".
func (k keys) snapshotLatest(site, camera string) string {
	return k.p + ":snaplatest:" + site + ":" + camera
}
