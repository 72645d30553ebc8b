package edge

import (
	"sync"

	"github.com/camwatch/camwatch/decode"
	"github.com/deepch/vdk/av"
	"github.com/deepch/vdk/codec/h264parser"
	"github.com/deepch/vdk/codec/h265parser"
	"github.com/deepch/vdk/format/rtspv2"
)

// This file is the only one that knows vdk (third_party/vdk, the design
// card's RTSP client): it adapts a vdk session to rtspSession.

// vdkSession forwards one vdk client's packet queue and signals as
// sessionEvents from a goroutine of its own. The forwarder blocks while
// the supervisor is busy, so a backlog stays in vdk's queue, which
// disconnects itself past 2000 packets as before.
type vdkSession struct {
	c      *rtspv2.RTSPClient
	events chan sessionEvent
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// dialVDK opens a TCP-interleaved RTSP session with vdk, video only.
func dialVDK(o dialOptions) (rtspSession, error) {
	c, err := rtspv2.Dial(rtspv2.RTSPClientOptions{
		URL:              o.URL,
		DialTimeout:      o.DialTimeout,
		ReadWriteTimeout: o.ReadTimeout,
		DisableAudio:     true,
	})
	if err != nil {
		return nil, err
	}
	s := &vdkSession{c: c, events: make(chan sessionEvent, 64), done: make(chan struct{})}
	s.wg.Add(1)
	go s.forward()
	return s, nil
}

func (s *vdkSession) Events() <-chan sessionEvent { return s.events }

func (s *vdkSession) Close() {
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
	s.c.Close()
}

// forward turns vdk's two channels into one ordered stream of events.
// Codec data are read through Codecs(): vdk's reader goroutine replaces
// them under a mutex on every in-band parameter-set change.
func (s *vdkSession) forward() {
	defer s.wg.Done()
	idx, _, _ := s.video()
	send := func(ev sessionEvent) bool {
		select {
		case s.events <- ev:
			return true
		case <-s.done:
			return false
		}
	}
	for {
		select {
		case <-s.done:
			return
		case sig := <-s.c.Signals:
			switch sig {
			case rtspv2.SignalStreamRTPStop:
				send(sessionEvent{kind: evEnd, err: s.c.StreamErr()})
				return
			case rtspv2.SignalCodecUpdate:
				idx, _, _ = s.video()
				if !send(sessionEvent{kind: evCodec}) {
					return
				}
			}
		case p := <-s.c.OutgoingPacketQueue:
			if p == nil || int(p.Idx) != idx {
				continue
			}
			if !send(sessionEvent{kind: evPacket, pkt: packet{data: p.Data, ts: p.Time, key: p.IsKeyFrame, marker: p.Marker}}) {
				return
			}
		}
	}
}

func (s *vdkSession) Video() (videoTrack, error) {
	_, v, err := s.video()
	return v, err
}

// video finds the video track: its packet index and codec data.
func (s *vdkSession) video() (int, videoTrack, error) {
	for i, cd := range s.c.Codecs() {
		if cd == nil || !cd.Type().IsVideo() {
			continue
		}
		var v videoTrack
		switch c := cd.(type) {
		case h264parser.CodecData:
			v.codec = decode.H264
			// A camera whose SDP carried no sets has empty codec data
			// (upstream vdk's accessors would panic on it): the sets are
			// then expected in band.
			if r := c.RecordInfo; len(r.SPS) > 0 && len(r.PPS) > 0 {
				v.params = [][]byte{r.SPS[0], r.PPS[0]}
			}
		case h265parser.CodecData:
			v.codec = decode.H265
			if r := c.RecordInfo; len(r.VPS) > 0 && len(r.SPS) > 0 && len(r.PPS) > 0 {
				v.params = [][]byte{r.VPS[0], r.SPS[0], r.PPS[0]}
			}
		default:
			continue
		}
		if vc, ok := cd.(av.VideoCodecData); ok {
			v.width, v.height = vc.Width(), vc.Height()
		}
		return i, v, nil
	}
	return -1, videoTrack{}, ErrNoVideo
}
