package detect

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
)

// SnapshotQuality is the JPEG quality of snapshots: clothing and vehicle
// colours stay recognisable, and a 640x360 street picture is 25 to 45 KiB.
const SnapshotQuality = 75

// ErrNoSnapshot means there is no decoded picture to show: the compressed
// detector decodes nothing, or no frame has been decoded yet.
var ErrNoSnapshot = errors.New("detect: no picture for a snapshot")

// Snapshot encodes the latest decoded picture as a colour JPEG at the
// configured snapshot width (the stream's own by default, at most
// DefaultSnapshotWidth), never larger than maxBytes (0: no limit): a
// picture too detailed for the limit is encoded again at half the width.
// It is what motion and picture-fault events carry, called right after
// the Feed that reported them; it costs a few milliseconds for a 640x360
// stream (docs/BENCHMARKS.md, "Snapshots").
func (p *Pipeline) Snapshot(maxBytes int) ([]byte, error) {
	return p.jpeg(p.cfg.SnapshotWidth, maxBytes)
}

// ThumbnailWidth is the width of the periodic thumbnails that keep a
// console's camera list current: small, as they go every few minutes from
// every camera on the site's uplink.
const ThumbnailWidth = 320

// Thumbnail is Snapshot at ThumbnailWidth.
func (p *Pipeline) Thumbnail(maxBytes int) ([]byte, error) { return p.jpeg(ThumbnailWidth, maxBytes) }

func (p *Pipeline) jpeg(w, maxBytes int) ([]byte, error) {
	if p.px == nil || p.px.dec == nil || !p.px.picture {
		return nil, ErrNoSnapshot
	}
	if sw, _ := p.px.dec.Source(); w <= 0 {
		w = min(sw, DefaultSnapshotWidth)
	}
	var buf bytes.Buffer
	for {
		img, err := p.px.dec.Picture(w)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoSnapshot, err)
		}
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: SnapshotQuality}); err != nil {
			return nil, err
		}
		if maxBytes <= 0 || buf.Len() <= maxBytes {
			return buf.Bytes(), nil
		}
		if w = img.Rect.Dx() / 2; w < 64 {
			return nil, fmt.Errorf("%w: a %d-byte JPEG at %d px exceeds %d bytes", ErrNoSnapshot, buf.Len(), img.Rect.Dx(), maxBytes)
		}
	}
}
