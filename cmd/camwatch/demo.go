package main

import (
	"os"
	"strings"

	"github.com/camwatch/camwatch/demo"
)

func runDemo(args []string) error {
	var c common
	fs := newFlags("demo", &c, false)
	listen := fs.String("listen", "127.0.0.1:8080", "HTTP `address` of the aggregator (API, /metrics)")
	if err := c.parse(fs, args, false); err != nil {
		return err
	}
	logger, err := c.logger(os.Stderr)
	if err != nil {
		return err
	}
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	if !strings.Contains(redisURL, "://") {
		redisURL = "redis://" + redisURL
	}
	ctx, stop := signalContext()
	defer stop()
	return demo.Run(ctx, demo.Options{Listen: *listen, RedisURL: redisURL, Out: os.Stdout, Logger: logger, Registerer: registry()})
}
