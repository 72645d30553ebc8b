// Package natsauth is camwatch's use of NATS's own authentication and
// authorization: one nkey user per edge agent whose permissions allow
// publishing only that agent's subjects (events, snapshots, heartbeats,
// see event.AgentSubjects) and receiving only its own JetStream publish
// acks, and one aggregator user, the only one that may publish alert
// transitions and commands. Generate writes the server's authorization
// block (for a standalone nats-server and for the embedded one) and one
// credentials file per agent; ClientOptions turns a process's NATS
// settings (creds file, user and password, token, TLS) into nats.go
// options. The server enforces the permissions; camwatch's consumers then
// check each message's content against the subject it came on.
package natsauth
