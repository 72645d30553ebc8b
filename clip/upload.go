package clip

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrDigest: the object store holds another clip under the name (or the
// upload came out different); the clip is not announced.
var ErrDigest = errors.New("clip digest mismatch in the object store")

// Upload stores one finished clip in the object store under name, unless
// an object with the same SHA-256 is there already (an upload that
// succeeded before a crash), and checks the stored digest afterwards.
// The object store writes an object's metadata only after its last chunk,
// so an interrupted upload leaves no object, and the next call uploads
// again from the spool: never a truncated clip under the name.
func Upload(ctx context.Context, os_ jetstream.ObjectStore, name string, f *Finished) error {
	want, err := hex.DecodeString(f.SHA256)
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("clip %s: bad digest %q", f.Motion, f.SHA256)
	}
	digest := "SHA-256=" + base64.URLEncoding.EncodeToString(want)
	info, err := os_.GetInfo(ctx, name)
	switch {
	case err == nil && info.Digest == digest && int64(info.Size) == f.Bytes:
		return nil // there already
	case err == nil:
		return fmt.Errorf("%w: %s holds %s", ErrDigest, name, info.Digest)
	case !errors.Is(err, jetstream.ErrObjectNotFound):
		return fmt.Errorf("clip %s: %w", name, err)
	}
	file, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("clip %s: %w", f.Motion, err)
	}
	defer file.Close()
	info, err = os_.Put(ctx, jetstream.ObjectMeta{Name: name, Description: "camwatch clip",
		Headers: map[string][]string{"Camwatch-Sha256": {f.SHA256}}}, file)
	if err != nil {
		return fmt.Errorf("clip %s upload: %w", name, err)
	}
	if info.Digest != digest || int64(info.Size) != f.Bytes {
		return fmt.Errorf("%w: uploaded %s (%d bytes), the clip is %s (%d)", ErrDigest, info.Digest, info.Size, digest, f.Bytes)
	}
	return nil
}
