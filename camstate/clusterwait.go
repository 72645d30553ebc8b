package camstate

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// applyPerMaster sends a round's script calls on a Redis Cluster when
// Options.WaitReplicas asks for replicated writes: WAIT counts the
// replicas that have the writes of the connection it is sent on, and a
// cluster pipeline spreads its commands over pooled connections per node,
// so each master gets a pipeline of its own (one connection on a plain
// client) holding its calls and then the WAIT. A killed primary then
// loses no acknowledged event: its replica, promoted, has every batch the
// WAIT confirmed. The masters are written in parallel. A call whose slot
// moved meanwhile fails with MOVED (or ASK, TRYAGAIN during a migration)
// and is retried like any failed call: its messages are redelivered once
// the client's slot map (reread every ClusterStateReloadInterval) is
// current again.
func (s *Store) applyPerMaster(ctx context.Context, cc *redis.ClusterClient, todo []*call,
	cmds, waits []*redis.Cmd, eval func(redis.Pipeliner, int)) {
	byMaster := map[*redis.Client][]int{}
	for j, c := range todo {
		m, err := cc.MasterForKey(ctx, c.keys[0])
		if err != nil {
			cmds[j] = redis.NewCmd(ctx)
			cmds[j].SetErr(fmt.Errorf("redis cluster: no master for %s: %w", c.keys[0], err))
			continue
		}
		byMaster[m] = append(byMaster[m], j)
	}
	var wg sync.WaitGroup
	for m, js := range byMaster {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var wait *redis.Cmd
			_, _ = m.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, j := range js {
					eval(p, j)
				}
				wait = p.Do(ctx, "WAIT", s.opts.WaitReplicas, s.opts.WaitTimeout.Milliseconds())
				return nil
			})
			for _, j := range js {
				waits[j] = wait
			}
		}()
	}
	wg.Wait()
}
