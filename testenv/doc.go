// Package testenv gives tests the real services they talk to: an embedded
// NATS server with JetStream (or a three-node cluster of them), the Redis
// at REDIS_URL under a key prefix of their own, a shared three-master
// Redis Cluster on loopback ports (or a private one with replicas, for
// tests that kill nodes), a polling Eventually instead of sleeps, and a
// LogBuffer to search captured logs.
package testenv
