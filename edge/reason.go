package edge

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/camwatch/camwatch/event"
)

// Errors the supervisor reports for conditions it detects itself, so tests
// and logs can tell them apart from the RTSP client's errors.
var (
	// ErrDialTimeout: the connect and RTSP handshake did not finish in time.
	ErrDialTimeout = errors.New("rtsp handshake timed out")
	// ErrStalled: the session is open but no frame arrived for the stall
	// timeout.
	ErrStalled = errors.New("no frame within the stall timeout")
	// ErrNoKeyframe: packets arrive but never a keyframe to start from.
	ErrNoKeyframe = errors.New("no keyframe received")
	// ErrNoVideo: the camera offers no H.264/H.265 video track.
	ErrNoVideo = errors.New("no usable video track")
	// ErrStreamStopped: the RTSP client reported the end of the stream.
	ErrStreamStopped = errors.New("stream stopped")
	// ErrAuthFailed: the camera rejected the credentials.
	ErrAuthFailed = errors.New("camera rejected the credentials")
	// ErrNotFound: the camera does not serve the path.
	ErrNotFound = errors.New("camera does not know the path")
)

// classify maps a session's failure to the offline reason reported in
// health events. vdk reports RTSP failures only as strings, so those are
// matched on their (stable, measured) texts.
func classify(err error) event.Reason {
	if err == nil {
		return event.ReasonClosed
	}
	msg := err.Error()
	var ne net.Error
	switch {
	case errors.Is(err, ErrStalled), errors.Is(err, ErrNoKeyframe):
		return event.ReasonStalled
	case errors.Is(err, ErrNoVideo):
		return event.ReasonCodecMissing
	case errors.Is(err, ErrDialTimeout), errors.Is(err, ErrNoAnswer), errors.Is(err, os.ErrDeadlineExceeded):
		return event.ReasonTimeout
	case errors.Is(err, ErrStreamStopped):
		return event.ReasonClosed
	case errors.Is(err, ErrAuthFailed):
		return event.ReasonAuthFailed
	case errors.Is(err, ErrNotFound):
		return event.ReasonNotFound
	case strings.Contains(msg, "Unauthorized 401"):
		return event.ReasonAuthFailed
	case strings.Contains(msg, "Camera send status"):
		if strings.Contains(msg, " 404") {
			return event.ReasonNotFound
		}
		if strings.Contains(msg, " 401") || strings.Contains(msg, " 403") {
			return event.ReasonAuthFailed
		}
		return event.ReasonProtocol
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTDOWN):
		return event.ReasonRefused
	case errors.As(err, &ne) && ne.Timeout():
		return event.ReasonTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return event.ReasonClosed
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return event.ReasonRefused
	}
	return event.ReasonProtocol
}
