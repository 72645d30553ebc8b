package configs

import (
	"os"
	"testing"
)

// FuzzParse feeds every file kind this package reads (edge, aggregator,
// simulated cameras, a motion section) the same bytes: Parse never
// panics, and what it accepts validates again unchanged. Seeds: the
// shipped examples and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"edge.yaml", "aggregator.yaml", "simcam.yaml"} {
		if b, err := Examples.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("detector: pixel\nzones: [{name: z, points: [[0,0],[1,0],[1,1]]}]\n"))
	f.Add([]byte("site: q1\nagent: a\nnats: {url: 'nats://u:p@h:1'}\n"))
	os.Setenv("SIMCAM_PASSWORD", "fuzz") // the examples name them
	os.Setenv("REDIS_PASSWORD", "fuzz")
	os.Setenv("MQTT_BRIDGE_PASSWORD", "fuzz")
	kinds := []func() Validator{
		func() Validator { return &Edge{} },
		func() Validator { return &Aggregator{} },
		func() Validator { return &Simcam{} },
		func() Validator { return &Motion{} },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mk := range kinds {
			v := mk()
			if err := Parse(data, v); err != nil {
				continue
			}
			if err := v.Validate(); err != nil {
				t.Fatalf("%T accepted, then refused on a second Validate: %v", v, err)
			}
		}
	})
}
