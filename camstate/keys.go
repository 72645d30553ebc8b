package camstate

import "github.com/camwatch/camwatch/event"

// keys builds every Redis key under one prefix, so the layout documented in
// docs/redis.md lives in one place. Every key of one camera carries the
// camera's hash tag, every key of one agent the agent's, so that the apply
// script of one camera or agent touches one Redis Cluster slot; the two
// indexes are keys of their own, written by separate commands.
type keys struct{ p string }

// cameraTag and agentTag are the hash tags; the one place that decides
// what identifies a camera: its site and id (event.CameraRef), so two
// sites may both have a cam-01. The index P:cameras holds the same text
// form, "<site>/<camera>".
func cameraTag(r event.CameraRef) string { return "{c:" + r.String() + "}" }
func agentTag(id string) string          { return "{a:" + id + "}" }

func (k keys) cameras() string                      { return k.p + ":cameras" }
func (k keys) agents() string                       { return k.p + ":agents" }
func (k keys) camera(r event.CameraRef) string      { return k.p + ":" + cameraTag(r) }
func (k keys) transitions(r event.CameraRef) string { return k.p + ":" + cameraTag(r) + ":transitions" }

// generated is the ZSET of cameras with seeded (generated) history, each
// scored by its newest generated change's time in ms (SeedTransitions).
func (k keys) generated() string                { return k.p + ":generated" }
func (k keys) rollups(r event.CameraRef) string { return k.p + ":" + cameraTag(r) + ":stats" }
func (k keys) agent(id string) string           { return k.p + ":" + agentTag(id) }
func (k keys) agentGaps(id string) string       { return k.p + ":" + agentTag(id) + ":gaps" }

// Snapshot keys carry the site and camera with the event id, so two
// cameras (or sites) can never share or overwrite a picture. Each is
// written and read alone, so they need no common tag.
func (k keys) snapshot(site, camera, id string) string {
	return k.p + ":snap:" + site + ":" + camera + ":" + id
}
func (k keys) snapshotWant(site, camera, id string) string {
	return k.p + ":snapwant:" + site + ":" + camera + ":" + id
}
func (k keys) snapshotRef(id string) string { return k.p + ":snapref:" + id }

// clipRef maps a motion event id to the clip event that names its MP4.
func (k keys) clipRef(motion string) string { return k.p + ":clipref:" + motion }

// snapshotLatest names a camera's newest stored snapshot: "<id> <unix ms>".
func (k keys) snapshotLatest(site, camera string) string {
	return k.p + ":snaplatest:" + site + ":" + camera
}
