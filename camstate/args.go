package camstate

import "time"

// callArgs are one script call's arguments; append lays them out in the
// order of CALL in apply.lua (callArgNames, held to the script by
// TestArgsMatchScript).
type callArgs struct {
	scope        string // "c" camera, "a" agent
	now          int64
	eventsCutoff int64
	transCutoff  int64
	trimPeriod   int64
	agentTimeout int64
	ratio        string
	floor        string
	maxJump      int64
	unbounded    string // "1": seq, epoch and history bounds off
	epochs       string // the camera's agents' announced epochs, comma-separated
}

var callArgNames = []string{"scope", "now", "events_cutoff", "trans_cutoff", "trim_period", "agent_timeout", "ratio", "floor", "max_jump", "unbounded", "epochs"}

func (c callArgs) append(dst []any) []any {
	return append(dst, c.scope, c.now, c.eventsCutoff, c.transCutoff, c.trimPeriod, c.agentTimeout,
		c.ratio, c.floor, c.maxJump, c.unbounded, c.epochs)
}

// eventArgs are one event's arguments; append lays them out in the order
// of EVENT in apply.lua (eventArgNames), then the state fields.
type eventArgs struct {
	id     string
	time   int64
	seq    uint64
	json   string // what the events ZSET (or, for a heartbeat, the agent state) keeps
	kind   string
	trans  string // transition member or ""
	derive string // "h:<state>", "s:<fps>" or ""
	alt    string // a stats event's online transition member or ""
	epoch  string
	old    string // "1": older than the age bound when the stream stored it
	fps    string // stats: the sample rolled up
	kbps   string
	fields []any // state field/value pairs (nfields counts them)
}

var eventArgNames = []string{"id", "time", "seq", "json", "kind", "trans", "derive", "alt", "epoch", "old", "fps", "kbps", "nfields"}

func (e eventArgs) append(dst []any) []any {
	dst = append(dst, e.id, e.time, e.seq, e.json, e.kind, e.trans, e.derive, e.alt, e.epoch, e.old, e.fps, e.kbps, len(e.fields))
	return append(dst, e.fields...)
}

func (s *Store) call(scope string, now time.Time, epochs string) callArgs {
	return callArgs{
		scope: scope, now: ms(now),
		eventsCutoff: ms(now.Add(-s.opts.EventRetention)), transCutoff: ms(now.Add(-s.opts.TransitionRetention)),
		trimPeriod: trimPeriod.Milliseconds(), agentTimeout: s.opts.AgentTimeout.Milliseconds(),
		ratio: ftoa(s.opts.DegradedRatio), floor: ftoa(s.opts.DegradedFloor),
		maxJump: s.opts.MaxSeqAdvance, unbounded: unbounded(s.opts.Unbounded), epochs: epochs,
	}
}
