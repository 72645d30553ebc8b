package configs

import (
	"errors"
	"strings"
	"testing"
)

func TestProgramsErrorsNameTheField(t *testing.T) {
	t.Setenv("MQTT_BRIDGE_PASSWORD", "mqtt-test")
	t.Setenv("REDIS_PASSWORD", "pw")
	ward := "wards: [{id: bn, name: {vi: 'Phường Bến Nghé', en: 'Ben Nghe Ward'}}]\n"
	prog := func(body string) string { return ward + "programs:\n  - " + body + "\n" }
	ok := "{id: p1, kind: five_plus_one, ward: bn, name: {vi: 'Tổ 7', en: 'Group 7'}"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"bad ward id", "wards: [{id: 'a b', name: {vi: x, en: y}}]\n", `wards[0].id: "a b" must be`},
		{"duplicate ward", "wards: [{id: bn, name: {vi: x, en: y}}, {id: bn, name: {vi: x, en: y}}]\n", `wards[1].id: "bn" is already wards[0]`},
		{"ward without en", "wards: [{id: bn, name: {vi: x}}]\n", "wards[0].name.en: is required"},
		{"unknown kind", prog("{id: p1, kind: club, ward: bn, name: {vi: x, en: y}}"), `programs[0].kind: "club" is not one of street_cameras,`},
		{"missing kind", prog("{id: p1, ward: bn, name: {vi: x, en: y}}"), `programs[0].kind: "" is not one of`},
		{"ward not listed", prog("{id: p1, kind: other, ward: q3, name: {vi: x, en: y}}"), `programs[0].ward: "q3" is not in wards`},
		{"no ward", prog("{id: p1, kind: other, name: {vi: x, en: y}}"), "programs[0].ward: is required"},
		{"no vi name", prog("{id: p1, kind: other, ward: bn, name: {en: y}}"), "programs[0].name.vi: is required"},
		{"blank name", prog("{id: p1, kind: other, ward: bn, name: {vi: '   ', en: y}}"), "programs[0].name.vi: is required"},
		{"line break in name", prog("{id: p1, kind: other, ward: bn, name: {vi: \"a\\nb\", en: y}}"), "programs[0].name.vi: must not contain control characters"},
		{"long name", prog("{id: p1, kind: other, ward: bn, name: {vi: '" + strings.Repeat("ầ", 121) + "', en: y}}"), "programs[0].name.vi: is longer than 120"},
		{"bad program id", prog("{id: 'p/1', kind: other, ward: bn, name: {vi: x, en: y}}"), `programs[0].id: "p/1" must be`},
		{"duplicate program", ward + "programs:\n  - " + ok + "}\n  - " + ok + "}\n", `programs[1].id: "p1" is already programs[0]`},
		{"bad camera id", prog(ok + ", cameras: {'c 1': {vi: x, en: y}}}"), `programs[0].cameras.c 1: camera "c 1" must be a camera id or <site>/<camera>`},
		{"bad camera reference", prog(ok + ", cameras: {'q1/c 1': {vi: x, en: y}}}"), `programs[0].cameras.q1/c 1: camera "q1/c 1" must be`},
		{"camera without en", prog(ok + ", cameras: {c1: {vi: x}}}"), "programs[0].cameras.c1.en: is required"},
		{"camera in two programs", ward + "programs:\n  - " + ok + ", cameras: {c1: {vi: x, en: y}}}\n  - {id: p2, kind: other, ward: bn, name: {vi: x, en: y}, cameras: {c1: {vi: x, en: y}}}\n",
			`programs[1].cameras.c1: camera "c1" is already named by program "p1"`},
		{"unknown field", prog(ok + ", target: 99}"), "field target not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Parse([]byte(tc.yaml), &Aggregator{})
			if err == nil {
				t.Fatalf("want an error containing %q", tc.want)
			}
			if !errors.Is(err, ErrInvalid) && !strings.Contains(tc.want, "not found") {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestProgramsExample(t *testing.T) {
	t.Setenv("REDIS_PASSWORD", "pw")
	t.Setenv("MQTT_BRIDGE_PASSWORD", "pw")
	data, err := Examples.ReadFile("aggregator.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c Aggregator
	if err := Parse(data, &c); err != nil {
		t.Fatal(err)
	}
	// The shipped edge.yaml's cameras all have names, in the programs
	// their labels say, so the demo shows no slug.
	var e Edge
	t.Setenv("SIMCAM_PASSWORD", "pw")
	edata, _ := Examples.ReadFile("edge.yaml")
	if err := Parse(edata, &e); err != nil {
		t.Fatal(err)
	}
	progs := map[string]Program{}
	for _, p := range c.Programs {
		progs[p.ID] = p
	}
	for _, cam := range e.Cameras {
		p, ok := progs[cam.Labels.Program]
		if !ok {
			t.Errorf("camera %s: program %q has no names in aggregator.yaml", cam.ID, cam.Labels.Program)
			continue
		}
		if p.Ward != cam.Labels.Ward {
			t.Errorf("camera %s: ward %q, program %s says %q", cam.ID, cam.Labels.Ward, p.ID, p.Ward)
		}
		if _, ok := p.Cameras[cam.ID]; !ok {
			t.Errorf("camera %s has no name in program %s", cam.ID, p.ID)
		}
		if _, ok := c.Uptime.Programs[cam.Labels.Program]; !ok && cam.Labels.Program != "5plus1-to-dan-pho-7" {
			t.Errorf("uptime.programs has no target for %s", cam.Labels.Program)
		}
	}
}
