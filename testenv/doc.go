// Package testenv gives tests the real services they talk to: an embedded
// NATS server with JetStream, the Redis at REDIS_URL under a key prefix of
// their own, a polling Eventually instead of sleeps, and a LogBuffer to
// search captured logs.
package testenv
