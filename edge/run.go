package edge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/camwatch/camwatch/spool"
	"github.com/nats-io/nats.go/jetstream"
)

// Run is the edge agent: it opens the spool, connects to NATS (retrying
// for ever, so an agent started while the uplink is down still spools),
// forwards the spool to JetStream, supervises every camera, beats the
// heartbeat and serves metrics, until ctx ends. Then it stops the
// supervisors, lets the forwarder drain what it can and closes everything
// in reverse order within opts.ShutdownTimeout. It returns an error only
// when it cannot start.
func Run(ctx context.Context, opts Options) error {
	if err := opts.validate(); err != nil {
		return err
	}
	log := opts.Logger.With("agent", opts.Agent)
	metrics, err := NewMetrics(opts.Registerer)
	if err != nil {
		return err
	}
	sp, err := spool.Open(opts.SpoolDir, spool.Options{MaxBytes: opts.SpoolMaxBytes, Logger: log, Registerer: opts.Registerer})
	if err != nil {
		return fmt.Errorf("edge: open spool: %w", err)
	}
	closers := []func(){func() {
		if err := sp.Close(); err != nil {
			log.Warn("spool close", "err", err)
		}
	}}
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}

	nc, err := connectNATS(opts, metrics, log)
	if err != nil {
		closeAll()
		return err
	}
	closers = append(closers, nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		closeAll()
		return fmt.Errorf("edge: jetstream: %w", err)
	}

	snaps, err := NewSnapshotPublisher(js, log, opts.Registerer)
	if err != nil {
		closeAll()
		return fmt.Errorf("edge: snapshots: %w", err)
	}
	snapCtx, stopSnaps := context.WithCancel(context.Background())
	defer stopSnaps()
	go snaps.Run(snapCtx)

	var clips *clipSink
	for _, cam := range opts.Cameras {
		if cam.Clips != nil && clips == nil {
			dir, budget := opts.ClipsDir, opts.ClipsBudget
			if dir == "" {
				dir = filepath.Join(opts.SpoolDir, "clips")
			}
			if budget <= 0 {
				budget = 2 << 30
			}
			out := &emitter{site: opts.Site, agent: opts.Agent, sink: sp, metrics: metrics, log: log}
			if clips, err = newClipSink(dir, budget, js, out, log, opts.Registerer); err != nil {
				closeAll()
				return fmt.Errorf("edge: clips: %w", err)
			}
			go clips.run(snapCtx)
		}
	}

	sups := make([]*Supervisor, 0, len(opts.Cameras))
	thumbs := opts.Thumbnails.withDefaults()
	budget := newBudget(thumbs.BudgetKbps, time.Now, metrics.thumbnails)
	for _, cam := range opts.Cameras {
		s, err := NewSupervisor(cam, SupervisorOptions{
			Site: opts.Site, Agent: opts.Agent, Timing: opts.Timing, Sink: sp, Logger: log, Metrics: metrics,
			Snapshots: snaps, Thumbnails: thumbs, budget: budget, Clips: clips,
		})
		if err != nil {
			closeAll()
			return err
		}
		sups = append(sups, s)
	}

	var srv *http.Server
	if opts.MetricsListen != "" {
		ln, err := net.Listen("tcp", opts.MetricsListen)
		if err != nil {
			closeAll()
			return fmt.Errorf("edge: metrics listener: %w", err)
		}
		srv = &http.Server{Handler: httpHandler(opts, sups, sp, nc), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server", "err", err)
			}
		}()
		if opts.MetricsReady != nil {
			opts.MetricsReady(ln.Addr())
		}
		log.Info("serving metrics", "addr", ln.Addr().String())
	}

	fwdCtx, stopFwd := context.WithCancel(context.Background())
	fwdDone := make(chan struct{})
	go func() {
		defer close(fwdDone)
		if err := spool.Forward(fwdCtx, sp, js, spool.ForwardOptions{Logger: log}); err != nil && !errors.Is(err, spool.ErrClosed) {
			log.Error("forwarder stopped", "err", err)
		}
	}()

	hb := &heartbeat{
		out:      &emitter{site: opts.Site, agent: opts.Agent, sink: sp, metrics: metrics, log: log},
		version:  opts.Version,
		started:  time.Now(),
		interval: opts.HeartbeatInterval,
		sups:     sups,
		spool:    sp,
	}
	// The first heartbeat is in the spool before any camera event, so the
	// spool's epoch is announced before events that carry it.
	hb.beat(time.Now())

	supCtx, stopSups := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range sups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Run(supCtx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		hb.run(supCtx)
	}()
	log.Info("edge agent started", "site", opts.Site, "cameras", len(sups), "version", opts.Version)

	<-ctx.Done()
	deadline := time.Now().Add(opts.ShutdownTimeout)
	log.Info("edge agent stopping")
	stopSups()
	wg.Wait() // supervisors return promptly, after closing open motion
	// Give the forwarder what is left of the deadline to empty the spool.
	for sp.Backlog() > 0 && nc.IsConnected() && time.Until(deadline) > 500*time.Millisecond {
		time.Sleep(20 * time.Millisecond)
	}
	stopFwd()
	select {
	case <-fwdDone:
	case <-time.After(max(time.Until(deadline), 100*time.Millisecond)):
		log.Warn("forwarder did not stop in time")
	}
	if srv != nil {
		sctx, cancel := context.WithDeadline(context.Background(), deadline)
		srv.Shutdown(sctx)
		cancel()
	}
	waitSupervisors(sups, time.Until(deadline))
	closeAll()
	log.Info("edge agent stopped", "backlog", sp.Backlog())
	return nil
}

// waitSupervisors waits for the supervisors' background dials and closes,
// for at most d.
func waitSupervisors(sups []*Supervisor, d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, s := range sups {
			s.Wait()
		}
	}()
	select {
	case <-done:
	case <-time.After(max(d, 0)):
	}
}
