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
	AVFrame *last; // the last picture handed out, for colour snapshots
	uint8_t *buf;
	int cap;
	int *xt;       // source column where each output column starts
	uint32_t *acc; // one output row's sums
	int xw, xow;   // the source and output widths xt was made for
} cw_dec;

static int cw_open(cw_dec *d, int hevc, int deblock) {
	const AVCodec *c = avcodec_find_decoder(hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
	// libavcodec would print every damaged slice to stderr; errors come
	// back as return values and are reported by the caller instead.
	av_log_set_level(AV_LOG_QUIET);
	if (!c) return AVERROR_DECODER_NOT_FOUND;
	d->ctx = avcodec_alloc_context3(c);
	if (!d->ctx) return AVERROR(ENOMEM);
	d->ctx->thread_count = 1;
	d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
	// The loop filter smooths block edges for the eye; on 320-wide
	// box-filtered gray frames it changes no detection on the quality clip
	// set and costs about a quarter of the decoding time, so it is
	// skipped for every frame (docs/BENCHMARKS.md, "Decoding").
	d->ctx->skip_loop_filter = deblock ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
	// A damaged slice is an error, not a concealed picture: concealment
	// smears blocks across the frame, which the detector would take for
	// motion. The caller drops input until the next keyframe instead.
	d->ctx->err_recognition |= AV_EF_EXPLODE;
	int ret = avcodec_open2(d->ctx, c, NULL);
	if (ret < 0) return ret;
	d->pkt = av_packet_alloc();
	d->frm = av_frame_alloc();
	d->last = av_frame_alloc();
	if (!d->pkt || !d->frm || !d->last) return AVERROR(ENOMEM);
	return 0;
}

static void cw_close(cw_dec *d) {
	if (d->ctx) avcodec_free_context(&d->ctx);
	if (d->pkt) av_packet_free(&d->pkt);
	if (d->frm) av_frame_free(&d->frm);
	if (d->last) av_frame_free(&d->last);
	free(d->buf);
	free(d->xt);
	free(d->acc);
	d->buf = NULL;
	d->xt = NULL;
	d->acc = NULL;
	d->cap = d->xw = d->xow = 0;
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

// cw_keep keeps a reference to the received picture (its buffers are
// reference-counted: nothing is copied) as the one a snapshot shows.
static int cw_keep(cw_dec *d) {
	av_frame_unref(d->last);
	return av_frame_ref(d->last, d->frm);
}

// cw_comp box-filters component c (0 luma, 1 and 2 chroma) of the kept
// picture into an ow x oh 8-bit plane: each output sample is the rounded
// mean of the source samples it covers, whatever the layout (planar,
// semi-planar, 9 to 16 bits). It runs once per snapshot, not per frame.
static void cw_comp(const AVFrame *f, const AVPixFmtDescriptor *desc, int c, uint8_t *out, int ostride, int ow, int oh) {
	const AVComponentDescriptor *cd = &desc->comp[c];
	int cw = f->width, ch = f->height;
	if (c > 0) {
		cw = AV_CEIL_RSHIFT(f->width, desc->log2_chroma_w);
		ch = AV_CEIL_RSHIFT(f->height, desc->log2_chroma_h);
	}
	const uint8_t *base = f->data[cd->plane] + cd->offset;
	int ls = f->linesize[cd->plane], step = cd->step;
	int wide = cd->depth > 8, shift = cd->depth > 8 ? cd->depth - 8 : 0;
	for (int oy = 0; oy < oh; oy++) {
		int y0 = (int)((int64_t)oy * ch / oh), y1 = (int)((int64_t)(oy + 1) * ch / oh);
		if (y1 <= y0) y1 = y0 + 1;
		if (y1 > ch) { y0 = ch - 1; y1 = ch; }
		uint8_t *o = out + (ptrdiff_t)oy * ostride;
		for (int ox = 0; ox < ow; ox++) {
			int x0 = (int)((int64_t)ox * cw / ow), x1 = (int)((int64_t)(ox + 1) * cw / ow);
			if (x1 <= x0) x1 = x0 + 1;
			if (x1 > cw) { x0 = cw - 1; x1 = cw; }
			uint32_t sum = 0;
			for (int y = y0; y < y1; y++) {
				const uint8_t *row = base + (ptrdiff_t)y * ls;
				for (int x = x0; x < x1; x++) {
					const uint8_t *p = row + (ptrdiff_t)x * step;
					sum += wide ? (uint32_t)((p[0] | p[1] << 8) >> shift) : p[0];
				}
			}
			uint32_t n = (uint32_t)((y1 - y0) * (x1 - x0));
			o[ox] = (uint8_t)((sum + n / 2) / n);
		}
	}
}

// cw_picture writes the kept picture, box-filtered to ow x oh, as 4:2:0
// planes: luma ow x oh, each chroma (ow+1)/2 x (oh+1)/2. A gray stream
// gets neutral chroma.
static int cw_picture(cw_dec *d, uint8_t *y, int ys, uint8_t *cb, uint8_t *cr, int cs, int ow, int oh) {
	AVFrame *f = d->last;
	if (!f->data[0] || f->width <= 0 || f->height <= 0) return -1;
	const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(f->format);
	if (!desc || (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL))) return -1;
	for (int c = 0; c < desc->nb_components && c < 3; c++)
		if (desc->comp[c].shift != 0 || desc->comp[c].depth > 16 || (desc->comp[c].depth > 8 && desc->comp[c].step < 2)) return -1;
	int cw = (ow + 1) / 2, ch = (oh + 1) / 2;
	cw_comp(f, desc, 0, y, ys, ow, oh);
	if (desc->nb_components < 3) {
		for (int r = 0; r < ch; r++) {
			memset(cb + (ptrdiff_t)r * cs, 128, cw);
			memset(cr + (ptrdiff_t)r * cs, 128, cw);
		}
		return 0;
	}
	cw_comp(f, desc, 1, cb, cs, cw, ch);
	cw_comp(f, desc, 2, cr, cs, cw, ch);
	return 0;
}

// cw_gray box-filters the luma plane of the received picture into an
// ow x oh 8-bit gray image: each output pixel is the rounded mean of the
// source pixels it covers. 9 to 16 bit samples are shifted down to 8.
// It runs on every detect frame, so it reads each source row once, in
// order, into a column accumulator, divides by multiplying with a
// reciprocal, and copies rows outright when no scaling is needed; the
// result is the same as summing and dividing pixel by pixel.
static int cw_gray_tables(cw_dec *d, int sw, int ow) {
	if (d->xw == sw && d->xow == ow) return 0;
	int *xt = realloc(d->xt, sizeof(int) * (ow + 1));
	uint32_t *acc = realloc(d->acc, sizeof(uint32_t) * ow);
	if (xt) d->xt = xt;
	if (acc) d->acc = acc;
	if (!xt || !acc) { d->xw = 0; return -1; }
	for (int x = 0; x <= ow; x++) {
		int v = (int)((int64_t)x * sw / ow);
		if (x > 0 && v <= xt[x - 1]) v = xt[x - 1] + 1;
		xt[x] = v;
	}
	d->xw = sw;
	d->xow = ow;
	return 0;
}

// cw_recip is ceil(2^32 / n): (s * cw_recip(n)) >> 32 == s / n for every
// s below 2^20 and n below 2^12, far above a box's sum and size.
static uint64_t cw_recip(uint32_t n) { return ((uint64_t)1 << 32) / n + 1; }

static void cw_gray(cw_dec *d, uint8_t *out, int ow, int oh) {
	AVFrame *f = d->frm;
	int sw = f->width, sh = f->height, ls = f->linesize[0];
	const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(f->format);
	int depth = desc->comp[0].depth;
	int wide = desc->comp[0].step > 1 || depth > 8;
	int shift = depth > 8 ? depth - 8 : 0;
	if (!wide && ow == sw && oh == sh) {
		for (int y = 0; y < oh; y++) memcpy(out + (ptrdiff_t)y * ow, f->data[0] + (ptrdiff_t)y * ls, ow);
		return;
	}
	if (!wide && sw == 2 * ow && sh == 2 * oh) {
		for (int y = 0; y < oh; y++) {
			const uint8_t *a = f->data[0] + (ptrdiff_t)(2 * y) * ls, *b = a + ls;
			uint8_t *o = out + (ptrdiff_t)y * ow;
			for (int x = 0; x < ow; x++)
				o[x] = (uint8_t)((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
		}
		return;
	}
	if (cw_gray_tables(d, sw, ow) < 0 || ow > sw) {
		memset(out, 0, (size_t)ow * oh);
		return;
	}
	const int *xt = d->xt;
	uint32_t *acc = d->acc;
	int nx0 = sw / ow;
	for (int y = 0; y < oh; y++) {
		int y0 = (int)((int64_t)y * sh / oh), y1 = (int)((int64_t)(y + 1) * sh / oh);
		if (y1 <= y0) y1 = y0 + 1;
		if (y1 > sh) { y0 = sh - 1; y1 = sh; }
		memset(acc, 0, sizeof(uint32_t) * ow);
		for (int yy = y0; yy < y1; yy++) {
			const uint8_t *row = f->data[0] + (ptrdiff_t)yy * ls;
			if (wide) {
				const uint16_t *r16 = (const uint16_t *)row;
				for (int x = 0; x < ow; x++)
					for (int xx = xt[x]; xx < xt[x + 1]; xx++) acc[x] += r16[xx] >> shift;
			} else {
				for (int x = 0; x < ow; x++)
					for (int xx = xt[x]; xx < xt[x + 1]; xx++) acc[x] += row[xx];
			}
		}
		uint32_t ny = (uint32_t)(y1 - y0);
		uint32_t na = ny * (uint32_t)nx0, nb = ny * (uint32_t)(nx0 + 1);
		uint64_t ra = cw_recip(na), rb = cw_recip(nb);
		uint8_t *o = out + (ptrdiff_t)y * ow;
		for (int x = 0; x < ow; x++) {
			uint32_t n = ny * (uint32_t)(xt[x + 1] - xt[x]);
			uint64_t r = n == na ? ra : n == nb ? rb : cw_recip(n);
			o[x] = n < 4096 ? (uint8_t)(((uint64_t)(acc[x] + n / 2) * r) >> 32) : (uint8_t)((acc[x] + n / 2) / n);
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
	"image"
	"unsafe"
)

// avDecoder owns one libavcodec context. It is not safe for concurrent
// use.
type avDecoder struct {
	d C.cw_dec
}

func openAV(hevc, deblock bool) (*avDecoder, error) {
	a := &avDecoder{}
	h := C.int(0)
	if hevc {
		h = 1
	}
	db := C.int(0)
	if deblock {
		db = 1
	}
	if ret := C.cw_open(&a.d, h, db); ret < 0 {
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

// keep makes the received picture the one picture shows.
func (a *avDecoder) keep() { C.cw_keep(&a.d) }

// picture writes the kept picture, scaled, into img (4:2:0).
func (a *avDecoder) picture(img *image.YCbCr) error {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if C.cw_picture(&a.d, (*C.uint8_t)(unsafe.Pointer(&img.Y[0])), C.int(img.YStride),
		(*C.uint8_t)(unsafe.Pointer(&img.Cb[0])), (*C.uint8_t)(unsafe.Pointer(&img.Cr[0])), C.int(img.CStride),
		C.int(w), C.int(h)) < 0 {
		return ErrNoPicture
	}
	return nil
}

func avErr(ret C.int) string {
	var buf [128]C.char
	C.cw_errstr(ret, &buf[0], C.int(len(buf)))
	return C.GoString(&buf[0])
}
