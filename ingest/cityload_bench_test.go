package ingest

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
)

// BenchmarkCityLoad runs a simulated city in real time through a
// three-node NATS cluster (streams with 3 replicas; one connection and
// credentials per agent) into Redis (the shared Redis Cluster, or one
// Redis with CITY_REDIS=redis) with two ingesters sharing the consumer,
// and reports the consumer's max lag and the p99 event-to-Redis latency
// (docs/BENCHMARKS.md, "A city through NATS"):
//
//	CITY_CAMERAS=10000 CITY_MINUTES=10 go test ./ingest -run '^$' -bench CityLoad -benchtime 1x -timeout 30m
func BenchmarkCityLoad(b *testing.B) {
	cams, minutes := envInt("CITY_CAMERAS", 10000), envInt("CITY_MINUTES", 10)
	start := time.Now().UTC()
	city := citysim.New(citysim.Options{Cameras: cams, Start: start, Seed: 11})
	var agents []natsauth.Agent
	for _, a := range city.Agents() {
		agents = append(agents, natsauth.Agent{Site: city.Site(), Agent: a})
	}
	nc := testenv.NATSCluster(b, agents...)
	var rdb redis.UniversalClient
	var prefix string
	if os.Getenv("CITY_REDIS") == "redis" {
		rdb, prefix = testenv.Redis(b)
	} else {
		rdb, prefix = testenv.SharedRedisCluster(b)
	}
	ctx := context.Background()
	conn := func() jetstream.JetStream {
		opts, err := natsauth.ClientOptions(nc.Aggregator(), "")
		if err != nil {
			b.Fatal(err)
		}
		c, err := nats.Connect(nc.URL, append(opts, nats.MaxReconnects(-1))...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.Close)
		js, err := jetstream.New(c)
		if err != nil {
			b.Fatal(err)
		}
		return js
	}
	js := conn()
	const stream = "CAMWATCH_EVENTS"
	if err := EnsureStreams(ctx, js, StreamOptions{Name: stream, MaxAge: time.Hour, Duplicates: 2 * time.Minute, Replicas: 3}); err != nil {
		b.Fatal(err)
	}
	co := ConsumerOptions{Durable: "aggregator", Batch: 256, AckWait: 30 * time.Second, MaxDeliver: 20}
	var metrics []*Metrics
	for range 2 { // two aggregators
		js := conn()
		cons, err := EnsureConsumer(ctx, js, stream, co)
		if err != nil {
			b.Fatal(err)
		}
		m, err := NewMetrics(prometheus.NewRegistry())
		if err != nil {
			b.Fatal(err)
		}
		metrics = append(metrics, m)
		ictx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		in := NewIngester(IngesterOptions{Consumer: cons, JS: js, Store: camstate.New(rdb, camstate.Options{Prefix: prefix}),
			Metrics: m, Batch: co.Batch, MaxDeliver: co.MaxDeliver})
		go func() { done <- in.Run(ictx) }()
		b.Cleanup(func() { cancel(); <-done })
	}
	pub, err := citysim.Dial(city, func(agent string) configs.NATS { return nc.Agent(b, city.Site(), agent) })
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	cons, err := js.Consumer(ctx, stream, co.Durable)
	if err != nil {
		b.Fatal(err)
	}
	var maxLag uint64
	sample := func() {
		if info, err := cons.Info(ctx); err == nil {
			maxLag = max(maxLag, info.NumPending+uint64(info.NumAckPending))
		}
	}
	end := start.Add(time.Duration(minutes) * time.Minute)
	published := 0
	b.ResetTimer()
	for city.Now().Before(end) {
		evs := city.Step()
		slices.SortFunc(evs, func(a, b *event.Event) int { return a.Time.Compare(b.Time) })
		// Publish each event at its own time, in slices of 100 ms.
		for lo := 0; lo < len(evs); {
			due := time.Now().Add(100 * time.Millisecond)
			hi := lo
			for hi < len(evs) && evs[hi].Time.Before(due) {
				hi++
			}
			if hi > lo {
				if err := pub.Publish(ctx, evs[lo:hi]); err != nil {
					b.Fatal(err)
				}
				published += hi - lo
				lo = hi
			}
			sample()
			time.Sleep(time.Until(due))
		}
	}
	testenv.Eventually(b, 5*time.Minute, func() error {
		sample()
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		return errIf(info.NumPending+uint64(info.NumAckPending) > 0, "%d pending", info.NumPending)
	})
	b.StopTimer()
	var stored float64
	var lat []*dto.Histogram
	for _, m := range metrics {
		for _, k := range event.Kinds {
			stored += counter(m.Events.WithLabelValues(string(k)))
		}
		var d dto.Metric
		_ = m.Latency.Write(&d)
		lat = append(lat, d.GetHistogram())
	}
	b.ReportMetric(float64(published), "published")
	b.ReportMetric(stored, "stored")
	b.ReportMetric(float64(published)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(maxLag), "max-lag-msgs")
	b.ReportMetric(quantile(lat, 0.99)*1000, "p99-ms")
	b.ReportMetric(quantile(lat, 0.5)*1000, "p50-ms")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// quantile reads the q-quantile of merged histograms: the upper bound of
// the bucket that holds it.
func quantile(hs []*dto.Histogram, q float64) float64 {
	var total uint64
	for _, h := range hs {
		total += h.GetSampleCount()
	}
	if total == 0 {
		return 0
	}
	bounds := map[float64]uint64{}
	var keys []float64
	for _, h := range hs {
		for _, bk := range h.GetBucket() {
			if _, ok := bounds[bk.GetUpperBound()]; !ok {
				keys = append(keys, bk.GetUpperBound())
			}
			bounds[bk.GetUpperBound()] += bk.GetCumulativeCount()
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if float64(bounds[k]) >= q*float64(total) {
			return k
		}
	}
	return keys[len(keys)-1]
}
