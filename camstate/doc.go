// Package camstate is the one owner of what Redis holds about cameras and
// their agents: every key name, the Lua script that writes accepted
// events, the encoding of every member, and every reader (the API's
// cameras and events, uptime's status history, the sequence audit).
// JetStream is the durable record; everything here can be rebuilt from it
// by replaying the stream into an empty prefix. The layout is described
// in docs/redis.md; no other package names these keys.
package camstate
