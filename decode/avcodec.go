//go:build cgo

package decode

/*
#cgo pkg-config: libavcodec libavutil
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libavutil/log.h>

typedef struct {
	AVCodecContext *ctx;
	AVPacket *pkt;
	AVFrame *frm;
	uint8_t *buf;
	int cap;
} cw_dec;

static int cw_open(cw_dec *d, int hevc) {
	const AVCodec *c = avcodec_find_decoder(hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
	// libavcodec would print every damaged slice to stderr; errors come
	// back as return values and are reported by the caller instead.
	av_log_set_level(AV_LOG_QUIET);
	if (!c) return AVERROR_DECODER_NOT_FOUND;
	d->ctx = avcodec_alloc_context3(c);
	if (!d->ctx) return AVERROR(ENOMEM);
	d->ctx->thread_count = 1;
	d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
	// A damaged slice is an error, not a concealed picture: concealment
	// smears blocks across the frame, which the detector would take for
	// motion. The caller drops input until the next keyframe instead.
	d->ctx->err_recognition |= AV_EF_EXPLODE;
	int ret = avcodec_open2(d->ctx, c, NULL);
	if (ret < 0) return ret;
	d->pkt = av_packet_alloc();
	d->frm = av_frame_alloc();
	if (!d->pkt || !d->frm) return AVERROR(ENOMEM);
	return 0;
}

static void cw_close(cw_dec *d) {
	if (d->ctx) avcodec_free_context(&d->ctx);
	if (d->pkt) av_packet_free(&d->pkt);
	if (d->frm) av_frame_free(&d->frm);
	free(d->buf);
	d->buf = NULL;
	d->cap = 0;
}

static void cw_flush(cw_dec *d) { avcodec_flush_buffers(d->ctx); }

// cw_send copies the access unit into a padded buffer (the bitstream
// readers read up to AV_INPUT_BUFFER_PADDING_SIZE past the end) and sends
// it; skip asks the decoder to drop it if no other frame refers to it.
static int cw_send(cw_dec *d, const uint8_t *data, int size, int64_t pts, int skip) {
	if (size + AV_INPUT_BUFFER_PADDING_SIZE > d->cap) {
		int cap = (size + AV_INPUT_BUFFER_PADDING_SIZE) * 2;
		uint8_t *b = realloc(d->buf, cap);
		if (!b) return AVERROR(ENOMEM);
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf, data, size);
	memset(d->buf + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	d->ctx->skip_frame = skip ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
	d->pkt->data = d->buf;
	d->pkt->size = size;
	d->pkt->pts = pts;
	return avcodec_send_packet(d->ctx, d->pkt);
}

// cw_receive takes the next decoded picture; the caller must cw_unref it.
static int cw_receive(cw_dec *d, int64_t *pts, int *w, int *h) {
	int ret = avcodec_receive_frame(d->ctx, d->frm);
	if (ret < 0) return ret;
	*pts = d->frm->pts;
	*w = d->frm->width;
	*h = d->frm->height;
	const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(d->frm->format);
	if (!desc || (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM)) ||
	    !d->frm->data[0] || d->frm->width <= 0 || d->frm->height <= 0 ||
	    (d->frm->flags & AV_FRAME_FLAG_CORRUPT) || d->frm->decode_error_flags) {
		av_frame_unref(d->frm);
		return AVERROR_INVALIDDATA;
	}
	return 0;
}

static void cw_unref(cw_dec *d) { av_frame_unref(d->frm); }

// cw_gray box-filters the luma plane of the received picture into an
// ow x oh 8-bit gray image: each output pixel is the mean of the source
// pixels it covers. 9 to 16 bit samples are shifted down to 8.
static void cw_gray(cw_dec *d, uint8_t *out, int ow, int oh) {
	AVFrame *f = d->frm;
	int sw = f->width, sh = f->height, ls = f->linesize[0];
	const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(f->format);
	int depth = desc->comp[0].depth;
	int wide = desc->comp[0].step > 1 || depth > 8;
	int shift = depth > 8 ? depth - 8 : 0;
	for (int y = 0; y < oh; y++) {
		int y0 = (int)((int64_t)y * sh / oh), y1 = (int)((int64_t)(y + 1) * sh / oh);
		if (y1 <= y0) y1 = y0 + 1;
		for (int x = 0; x < ow; x++) {
			int x0 = (int)((int64_t)x * sw / ow), x1 = (int)((int64_t)(x + 1) * sw / ow);
			if (x1 <= x0) x1 = x0 + 1;
			uint32_t sum = 0;
			for (int yy = y0; yy < y1; yy++) {
				const uint8_t *row = f->data[0] + (ptrdiff_t)yy * ls;
				if (wide) {
					const uint16_t *r16 = (const uint16_t *)row;
					for (int xx = x0; xx < x1; xx++) sum += r16[xx] >> shift;
				} else {
					for (int xx = x0; xx < x1; xx++) sum += row[xx];
				}
			}
			uint32_t n = (uint32_t)((y1 - y0) * (x1 - x0));
			out[y * ow + x] = (uint8_t)((sum + n / 2) / n);
		}
	}
}

static int cw_eagain(int ret) { return ret == AVERROR(EAGAIN); }
static int cw_eof(int ret) { return ret == AVERROR_EOF; }

static void cw_errstr(int ret, char *buf, int n) { av_strerror(ret, buf, n); }
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// avDecoder owns one libavcodec context. It is not safe for concurrent
// use.
type avDecoder struct {
	d C.cw_dec
}

func openAV(hevc bool) (*avDecoder, error) {
	a := &avDecoder{}
	h := C.int(0)
	if hevc {
		h = 1
	}
	if ret := C.cw_open(&a.d, h); ret < 0 {
		C.cw_close(&a.d)
		return nil, fmt.Errorf("%w: open decoder: %s", ErrUnavailable, avErr(ret))
	}
	return a, nil
}

func (a *avDecoder) close() { C.cw_close(&a.d) }

func (a *avDecoder) flush() { C.cw_flush(&a.d) }

// send hands one access unit to the decoder.
func (a *avDecoder) send(au []byte, pts int64, skip bool) error {
	if len(au) == 0 {
		return nil
	}
	s := C.int(0)
	if skip {
		s = 1
	}
	ret := C.cw_send(&a.d, (*C.uint8_t)(unsafe.Pointer(&au[0])), C.int(len(au)), C.int64_t(pts), s)
	if ret < 0 && C.cw_eagain(ret) == 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, avErr(ret))
	}
	return nil
}

// receive reports the next decoded picture's pts and size; ok is false
// when the decoder needs more input. The picture stays valid until unref.
func (a *avDecoder) receive() (pts int64, w, h int, ok bool, err error) {
	var p C.int64_t
	var cw, ch C.int
	ret := C.cw_receive(&a.d, &p, &cw, &ch)
	if ret < 0 {
		if C.cw_eagain(ret) != 0 || C.cw_eof(ret) != 0 {
			return 0, 0, 0, false, nil
		}
		return 0, 0, 0, false, fmt.Errorf("%w: %s", ErrCorrupt, avErr(ret))
	}
	return int64(p), int(cw), int(ch), true, nil
}

// gray writes the received picture's luma, box-filtered to w x h, to out.
func (a *avDecoder) gray(out []byte, w, h int) {
	C.cw_gray(&a.d, (*C.uint8_t)(unsafe.Pointer(&out[0])), C.int(w), C.int(h))
}

func (a *avDecoder) unref() { C.cw_unref(&a.d) }

func avErr(ret C.int) string {
	var buf [128]C.char
	C.cw_errstr(ret, &buf[0], C.int(len(buf)))
	return C.GoString(&buf[0])
}
