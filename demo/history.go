package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/console"
	"github.com/camwatch/camwatch/event"
)

// HistoryDays is how much generated past the demo puts in front of its
// cameras' real history, so that the uptime charts and the program review
// have a month to show from the first minute.
const HistoryDays = 30

// generatedReasons are the offline reasons of the generated outages.
var generatedReasons = []string{"timeout", "refused", "stalled", "closed", "auth_failed"}

// generatedHistory is a month of made-up status changes of one camera,
// ending online at end: two to four outages a week of 5 minutes to 4
// hours (a flaky camera ten a week, and one bad day with a long outage),
// the same for the same camera id. Seq is 0: no agent reported them.
func generatedHistory(id string, flaky bool, end time.Time) []camstate.StatusChange {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	rng := rand.New(rand.NewPCG(h.Sum64(), HistoryDays))
	start := end.Add(-HistoryDays * 24 * time.Hour).Truncate(time.Millisecond)
	out := []camstate.StatusChange{{Since: start, Status: string(event.StatusOnline)}}
	perWeek := 2 + rng.IntN(3)
	if flaky {
		perWeek = 10
	}
	n := perWeek * HistoryDays / 7
	gap := end.Sub(start) / time.Duration(n+1)
	for k := range n {
		at := start.Add(time.Duration(k+1)*gap + time.Duration(rng.Int64N(int64(gap/3)))).Truncate(time.Millisecond)
		long := time.Duration(5+rng.IntN(235)) * time.Minute
		if flaky && k == n/2 {
			long = 10 * time.Hour // the bad day a review should show
		}
		back := at.Add(long)
		if !back.Before(end) || back.After(start.Add(time.Duration(k+2)*gap)) {
			continue
		}
		out = append(out,
			camstate.StatusChange{Since: at, Status: string(event.StatusOffline), Reason: generatedReasons[rng.IntN(len(generatedReasons))]},
			camstate.StatusChange{Since: back, Status: string(event.StatusOnline)})
	}
	return out
}

// historyNotice marks the generated month on every console page.
func historyNotice(end time.Time, loc *time.Location) *console.Notice {
	at := end.In(loc).Format("15:04 02/01/2006")
	return &console.Notice{
		VI: fmt.Sprintf("Bản trình diễn: lịch sử hoạt động trước %s là dữ liệu tạo ra (một tháng giả lập), không phải đo thật.", at),
		EN: fmt.Sprintf("Demo: the camera history before %s is generated (a made-up month), not measured.", at),
	}
}

// seedHistory waits until the agent has reported each camera, then puts
// its generated month in front of its real history (camstate keeps the
// camera's state and sequence as the agent reported them). It gives up
// when ctx ends or after timeout, saying which cameras got no history.
func seedHistory(ctx context.Context, store *camstate.Store, refs []event.CameraRef, flaky map[string]bool, end time.Time, timeout time.Duration, log *slog.Logger) error {
	deadline := time.Now().Add(timeout)
	left := map[event.CameraRef]bool{}
	for _, r := range refs {
		left[r] = true
	}
	for len(left) > 0 {
		for ref := range left {
			if _, err := store.Camera(ctx, ref); err != nil {
				continue // not reported yet
			}
			if err := store.SeedTransitions(ctx, ref, generatedHistory(ref.Camera, flaky[ref.Camera], end)); err != nil {
				return fmt.Errorf("generated history of %s: %w", ref, err)
			}
			delete(left, ref)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var names []string
			for r := range left {
				names = append(names, r.String())
			}
			return fmt.Errorf("no generated history for %v: %w", names, errNotReported)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	log.Info("generated history in place", "cameras", len(refs), "days", HistoryDays, "before", end)
	return nil
}

var errNotReported = errors.New("the agent has not reported these cameras")
