package aggregator

import (
	"context"
	"fmt"
	"time"

	"github.com/camwatch/camwatch/api"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go/jetstream"
)

// Version is stated in evidence manifests; main sets it.
var Version = "dev"

// startEvidence opens cases, the clips and holds buckets and the evidence
// key, and keeps open cases' holds current until runCtx ends.
func (a *Aggregator) startEvidence(ctx, runCtx context.Context, js jetstream.JetStream) (*api.Investigations, error) {
	cfg := &a.opts.Config
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	var key *signing.Key
	if cfg.Evidence.Key != "" {
		if key, err = signing.LoadKey(cfg.Evidence.Key); err != nil {
			return nil, fmt.Errorf("evidence.key: %w", err)
		}
	} else {
		a.log.Warn("no evidence.key: cases are held but no evidence bundle can be exported")
	}
	src := uptime.NewSource(a.store, uptime.SourceOptions{
		AgentTimeout: cfg.AgentTimeout, Stale: cfg.Uptime.Stale, Silent: cfg.Uptime.Silent,
	})
	svc, err := evidence.Open(ctx, evidence.Options{
		JS: js, Replicas: cfg.Stream.Replicas, Events: a.store, History: src, Audit: a.auditLog,
		AuditStream: cfg.Audit.Stream, EventsStream: cfg.Stream.Name, Key: key, ClipsTTL: cfg.Evidence.ClipsTTL, ClipsMaxBytes: cfg.Evidence.ClipsMaxBytes,
		Location: loc, Version: Version, Logger: a.opts.Logger.With("component", "evidence"), MaxSkew: cfg.Admission.MaxSkew,
	})
	if err != nil {
		return nil, err
	}
	a.evidenceWG.Add(1)
	go func() {
		defer a.evidenceWG.Done()
		svc.RunHolds(runCtx, cfg.Evidence.HoldSync)
	}()
	return &api.Investigations{Events: &evidence.Reader{JS: js, Stream: cfg.Stream.Name, Stored: a.store, MaxSkew: cfg.Admission.MaxSkew}, History: src,
		Clips: a.store, Evidence: svc, Location: loc}, nil
}
