// Package testenv gives tests the real services they talk to: an embedded
// NATS server with JetStream, the Redis at REDIS_URL under a key prefix of
// their own, and a polling Eventually instead of sleeps.
package testenv
