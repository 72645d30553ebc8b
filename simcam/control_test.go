package simcam

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestControlEndpoint(t *testing.T) {
	s := start(t, Options{Control: "127.0.0.1:0", Username: "viewer", Password: "hunter2-secret",
		Cameras: []Camera{{ID: "cam1", Clip: "dark-320x240"}, {ID: "cam2", Clip: "static-320x240"}}})
	cases := []struct {
		name, method, path, body string
		wantCode                 int
		wantBody                 string // substring of the answer
	}{
		{name: "list cameras", method: "GET", path: "/cameras", wantCode: 200, wantBody: `"id":"cam2"`},
		{name: "one camera", method: "GET", path: "/cameras/cam1", wantCode: 200, wantBody: `"state":"online"`},
		{name: "one unknown camera", method: "GET", path: "/cameras/nope", wantCode: 404, wantBody: "unknown camera"},
		{name: "fault on unknown camera", method: "POST", path: "/cameras/nope/fault", body: `{"kind":"offline","seconds":5}`, wantCode: 404, wantBody: "unknown camera"},
		{name: "bad JSON", method: "POST", path: "/cameras/cam1/fault", body: `{"kind":`, wantCode: 400, wantBody: "body must be JSON"},
		{name: "unknown field", method: "POST", path: "/cameras/cam1/fault", body: `{"kind":"stall","minutes":1}`, wantCode: 400, wantBody: "unknown field"},
		{name: "two objects", method: "POST", path: "/cameras/cam1/fault", body: `{"kind":"stall"}{"kind":"stall"}`, wantCode: 400, wantBody: "single JSON object"},
		{name: "unknown kind", method: "POST", path: "/cameras/cam1/fault", body: `{"kind":"explode"}`, wantCode: 400, wantBody: `kind \"explode\"`},
		{name: "negative seconds", method: "POST", path: "/cameras/cam1/fault", body: `{"kind":"stall","seconds":-1}`, wantCode: 400, wantBody: "seconds must be"},
		{name: "wrong method", method: "GET", path: "/cameras/cam1/fault", wantCode: 405},
		{name: "stall", method: "POST", path: "/cameras/cam1/fault", body: `{"kind":"stall","seconds":30}`, wantCode: 200, wantBody: `"state":"stalled"`},
		{name: "offline", method: "POST", path: "/cameras/cam2/fault", body: `{"kind":"offline","seconds":30}`, wantCode: 200, wantBody: `"state":"offline"`},
		{name: "listed as offline", method: "GET", path: "/cameras", wantCode: 200, wantBody: `"state":"offline"`},
		{name: "clear", method: "POST", path: "/cameras/cam2/fault", body: `{"kind":"clear"}`, wantCode: 200, wantBody: `"state":"online"`},
		{name: "state log", method: "GET", path: "/cameras/cam2/log", wantCode: 200, wantBody: `{"state":"offline","fault":"offline","at":`},
		{name: "state log of unknown camera", method: "GET", path: "/cameras/nope/log", wantCode: 404, wantBody: "unknown camera"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, s.ControlURL()+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.wantCode || !strings.Contains(string(b), tc.wantBody) {
				t.Errorf("%s %s: %d %s, want %d with %q", tc.method, tc.path, res.StatusCode, b, tc.wantCode, tc.wantBody)
			}
			if strings.Contains(string(b), "hunter2") {
				t.Errorf("answer leaks the password: %s", b)
			}
		})
	}
}

func TestControlListShape(t *testing.T) {
	s := start(t, Options{Control: "127.0.0.1:0", Cameras: []Camera{{ID: "cam1", Clip: "dark-320x240"}}})
	mustPlay(t, s.URL("cam1"))
	res, err := http.Get(s.ControlURL() + "/cameras")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list []CameraStatus
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].URL != s.URL("cam1") || list[0].Clients != 1 || list[0].Clip != "dark-320x240" {
		t.Errorf("GET /cameras = %+v, want cam1 at %s with 1 client", list, s.URL("cam1"))
	}
}
