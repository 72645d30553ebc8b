package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/camwatch/camwatch/aggregator"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/edge"
	"github.com/camwatch/camwatch/simcam"
)

func runEdge(args []string) error {
	var c common
	fs := newFlags("edge", &c, true)
	if err := c.parse(fs, args, true); err != nil {
		return err
	}
	logger, err := c.logger(os.Stderr)
	if err != nil {
		return err
	}
	var cfg configs.Edge
	if err := configs.Load(c.config, &cfg); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	opts := edge.OptionsFromConfig(&cfg, logger, registry())
	opts.Version = version
	return edge.Run(ctx, opts)
}

func runAggregator(args []string) error {
	var c common
	fs := newFlags("aggregator", &c, true)
	listen := fs.String("listen", "", "listen on `ADDR` instead of the config's listen (e.g. 0.0.0.0:8080 in a container)")
	if err := c.parse(fs, args, true); err != nil {
		return err
	}
	logger, err := c.logger(os.Stderr)
	if err != nil {
		return err
	}
	var cfg configs.Aggregator
	if err := configs.Load(c.config, &cfg); err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	opts := aggregator.OptionsFromConfig(&cfg, logger, registry())
	// The first admin's password, read once and taken out of the
	// environment so no child process or crash dump carries it.
	if v := os.Getenv(cfg.Auth.BootstrapAdminEnv); v != "" {
		opts.BootstrapAdminPassword = configs.NewSecret(v)
		os.Unsetenv(cfg.Auth.BootstrapAdminEnv)
	}
	ctx, stop := signalContext()
	defer stop()
	agg, err := aggregator.Start(ctx, opts)
	if err != nil {
		return err
	}
	// SIGHUP rereads the alert rules; a bad file keeps the rules in force.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			if err := agg.ReloadAlerts(ctx); err != nil {
				logger.Error("alert rules not reloaded", "err", err)
			}
		case <-ctx.Done():
			return agg.Close()
		case failure := <-agg.Failed():
			logger.Error("aggregator failed", "err", failure)
			return errors.Join(failure, agg.Close())
		}
	}
}

func runSimcam(args []string) error {
	var c common
	fs := newFlags("simcam", &c, true)
	if err := c.parse(fs, args, true); err != nil {
		return err
	}
	logger, err := c.logger(os.Stderr)
	if err != nil {
		return err
	}
	var cfg configs.Simcam
	if err := configs.Load(c.config, &cfg); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	opts := simcam.OptionsFromConfig(&cfg)
	opts.Logger = logger
	return simcam.Run(ctx, opts)
}
