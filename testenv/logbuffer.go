package testenv

import (
	"bytes"
	"sync"
)

// LogBuffer collects what loggers and subprocesses write, safely from many
// goroutines, so a test can search the output (for a secret, a message).
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Count is how many times sub was written, e.g. to check that a complaint
// is logged once.
func (l *LogBuffer) Count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Count(l.b.Bytes(), []byte(sub))
}
