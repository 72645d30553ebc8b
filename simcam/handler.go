package simcam

import (
	"strings"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
)

// handler answers RTSP requests for one incarnation of a camera: it serves
// the camera's single path, checks credentials and counts sessions.
type handler struct {
	cam    *camera
	stream atomic.Pointer[gortsplib.ServerStream]
}

// check answers everything that is not the camera's stream: a wrong path,
// missing or wrong credentials, or a stream not set up yet.
func (h *handler) check(conn *gortsplib.ServerConn, req *base.Request, path string) (*base.Response, error) {
	if strings.Trim(path, "/") != h.cam.id {
		return &base.Response{StatusCode: base.StatusNotFound}, nil
	}
	if h.cam.user != "" && !conn.VerifyCredentials(req, h.cam.user, h.cam.pass) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, liberrors.ErrServerAuth{}
	}
	if h.stream.Load() == nil {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil
	}
	return nil, nil
}

// OnDescribe implements gortsplib.ServerHandlerOnDescribe.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if res, err := h.check(ctx.Conn, ctx.Request, ctx.Path); res != nil {
		return res, nil, err
	}
	return &base.Response{StatusCode: base.StatusOK}, h.stream.Load(), nil
}

// OnSetup implements gortsplib.ServerHandlerOnSetup.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if res, err := h.check(ctx.Conn, ctx.Request, ctx.Path); res != nil {
		return res, nil, err
	}
	return &base.Response{StatusCode: base.StatusOK}, h.stream.Load(), nil
}

// OnPlay implements gortsplib.ServerHandlerOnPlay.
func (h *handler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSessionOpen implements gortsplib.ServerHandlerOnSessionOpen.
func (h *handler) OnSessionOpen(*gortsplib.ServerHandlerOnSessionOpenCtx) {
	h.cam.clients.Add(1)
}

// OnSessionClose implements gortsplib.ServerHandlerOnSessionClose.
func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	h.cam.clients.Add(-1)
	h.cam.log.Debug("session closed", "err", ctx.Error)
}
