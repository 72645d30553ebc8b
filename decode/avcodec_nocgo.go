//go:build !cgo

package decode

import (
	"fmt"
	"image"
)

// avDecoder stands in for the libavcodec binding in builds without cgo
// (CGO_ENABLED=0, the static Docker image): every New fails with
// ErrUnavailable, so pixel detection is reported as unavailable instead
// of the build failing.
type avDecoder struct{}

func openAV(bool, bool) (*avDecoder, error) {
	return nil, fmt.Errorf("%w: built without cgo (libavcodec)", ErrUnavailable)
}

func (*avDecoder) close()                         {}
func (*avDecoder) flush()                         {}
func (*avDecoder) send([]byte, int64, bool) error { return ErrUnavailable }
func (*avDecoder) receive() (int64, int, int, bool, error) {
	return 0, 0, 0, false, ErrUnavailable
}
func (*avDecoder) gray([]byte, int, int)      {}
func (*avDecoder) unref()                     {}
func (*avDecoder) keep()                      {}
func (*avDecoder) picture(*image.YCbCr) error { return ErrUnavailable }
