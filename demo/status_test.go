package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/simcam"
)

// TestStatusCell: the demo's camera table says why a camera is not
// healthy, an online one with a picture fault included.
func TestStatusCell(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  cameraRow
		want string
	}{
		{"healthy", cameraRow{Status: "online"}, "online"},
		{"frozen picture", cameraRow{Status: "online", Reason: "frozen"}, "online (frozen)"},
		{"connected, no frames", cameraRow{Status: "online", Reason: "no_frames"}, "online (no_frames)"},
		{"offline", cameraRow{Status: "offline", Reason: "refused"}, "offline (refused)"},
		{"agent lost", cameraRow{Status: "unknown"}, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statusCell(tc.row); got != tc.want {
				t.Errorf("statusCell = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFirstDrop: the flaky camera's one-off drop takes it offline with
// an offline fault for the given time (the demo: 20 s in, for 40 s, so
// its alert fires in the first minute while its schedule stays every 3
// minutes); a demo stopped before then drops nothing.
func TestFirstDrop(t *testing.T) {
	cams, err := simcam.Start(context.Background(), simcam.Options{Listen: "127.0.0.1:0",
		Cameras: []simcam.Camera{{ID: "flaky", Clip: "static-320x240", OfflineEvery: time.Hour, OfflineFor: time.Minute}}})
	if err != nil {
		t.Fatal(err)
	}
	defer cams.Close()
	log := slog.New(slog.DiscardHandler)

	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	firstDrop(stopped, cams, "flaky", time.Hour, 40*time.Second, log)
	if st := cams.Cameras()[0]; st.Fault != "" {
		t.Fatalf("a stopped demo dropped the camera: %+v", st)
	}

	before := time.Now()
	firstDrop(context.Background(), cams, "flaky", 0, 40*time.Second, log)
	st := cams.Cameras()[0]
	if st.Fault != simcam.FaultOffline || st.FaultEnd == nil || st.FaultEnd.Before(before.Add(40*time.Second)) {
		t.Fatalf("after the first drop: %+v, want offline for 40 s", st)
	}
}

// TestWelcomeSignIn: the banner gives the exact lines that sign in from
// a shell with the operator's printed password and read the cameras.
func TestWelcomeSignIn(t *testing.T) {
	cams, err := simcam.Start(context.Background(), simcam.Options{Listen: "127.0.0.1:0", Control: "127.0.0.1:0",
		Cameras: []simcam.Camera{{ID: "cam", Clip: "static-320x240"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer cams.Close()
	users := []demoUser{{Name: "viewer", Password: "v-pw", Role: auth.Viewer, Scope: auth.Scope{All: true}},
		{Name: "operator", Password: "op-pw", Role: auth.Operator, Scope: auth.Scope{Programs: []string{"p"}}}}
	var out strings.Builder
	printWelcome(&out, "http://127.0.0.1:8080", "http://127.0.0.1:9180", cams, &configs.Edge{Site: "q1", Cameras: []configs.Camera{{ID: "cam"}}}, users)
	for _, want := range []string{
		`curl -s -c jar -H 'Content-Type: application/json' -d '{"user":"operator","password":"op-pw"}' http://127.0.0.1:8080/api/v1/session`,
		"curl -s -b jar http://127.0.0.1:8080/api/v1/cameras",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, out.String())
		}
	}
}

// TestStatusTableSaysItsZone: the camera table is stamped in the site's
// zone, and says which (the log lines around it are UTC).
func TestStatusTableSaysItsZone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"cameras":[{"id":"cam","status":"online","fps":15,"labels":{"program":"p"}}]}`)
	}))
	defer srv.Close()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	printStatus(context.Background(), &out, srv.URL, "tok", loc)
	if head := strings.SplitN(strings.TrimLeft(out.String(), "\n"), "\n", 2)[0]; !strings.Contains(head, " +07") || !strings.Contains(head, "CAMERA") {
		t.Errorf("table header %q, want the time with +07", head)
	}
}
