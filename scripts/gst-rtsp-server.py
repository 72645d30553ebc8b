#!/usr/bin/python3
"""A third-party RTSP camera for camwatch's interop tests: GStreamer's
gst-rtsp-server (Debian: python3-gi gir1.2-gst-rtsp-server-1.0
gstreamer1.0-plugins-good gstreamer1.0-plugins-bad, installed by
scripts/services.sh) serving clips in real time.

    gst-rtsp-server.py --port P MOUNT=FILE [MOUNT=FILE ...]

FILE is an MP4 holding H.264 or H.265 (served paced, with the MP4's
timestamps, looped for ever), or a raw Annex-B .h264/.h265 file, which
GStreamer sends unpaced with one constant RTP timestamp: a broken camera.
Prints "ready PORT" on stdout once it listens (PORT 0 picks a free one).
Run it with /usr/bin/python3 (the system's, which has the gi bindings).
"""
import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def codec_of(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in (".h265", ".265", ".hevc"):
        return "h265", True
    if ext in (".h264", ".264"):
        return "h264", True
    with open(path, "rb") as f:
        whole = f.read()  # the sample description may sit after the media data
    return ("h265" if b"hvcC" in whole else "h264"), False


def launch(path):
    codec, raw = codec_of(path)
    parse = "%sparse" % codec
    pay = "rtp%spay name=pay0 pt=96 config-interval=1" % codec
    if raw:
        src = "multifilesrc location=%s loop=true ! %s" % (path, parse)
    else:
        src = "filesrc location=%s ! qtdemux ! %s" % (path, parse)
    return "( %s ! %s )" % (src, pay)


class Looping(GstRtspServer.RTSPMediaFactory):
    """Serves an MP4 again from its start when it ends, so a test can run
    longer than the clip."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.set_launch(launch(path))
        self.set_shared(True)
        self.set_eos_shutdown(False)
        self.connect("media-configure", self.on_configure)

    def on_configure(self, _factory, media):
        pipeline = media.get_element()
        bus = pipeline.get_bus()
        bus.add_signal_watch()

        def on_eos(_bus, _msg):
            pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)

        bus.connect("message::eos", on_eos)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("mounts", nargs="+", help="MOUNT=FILE")
    args = ap.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for m in args.mounts:
        name, _, path = m.partition("=")
        if not name or not path or not os.path.exists(path):
            sys.exit("gst-rtsp-server: bad mount %r" % m)
        mounts.add_factory("/" + name.strip("/"), Looping(os.path.abspath(path)))
    if server.attach(None) == 0:
        sys.exit("gst-rtsp-server: cannot listen on port %d" % args.port)
    print("ready %d" % server.get_bound_port(), flush=True)
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    signal.signal(signal.SIGINT, lambda *_: loop.quit())
    GLib.timeout_add(200, lambda: True)  # let Python see signals
    loop.run()


if __name__ == "__main__":
    main()
