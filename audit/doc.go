// Package audit is the tamper-evident record of who did what: every state
// change and every read of sensitive data is one Record, appended to a
// JetStream stream that refuses deletes and purges, each record carrying
// the SHA-256 of the one before it (a hash chain that Verify walks), and
// indexed in Redis for queries. An append that cannot be stored is an
// error the caller must treat as "do not do the action" (fail closed).
package audit
