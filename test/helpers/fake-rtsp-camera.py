# A fake RTSP IP camera for the tests: GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0, python3-gi,
# gstreamer1.0-plugins-ugly for x264enc) serving a live test picture on rtsp://127.0.0.1:PORT/cam.
import sys, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
port = sys.argv[1]
server = GstRtspServer.RTSPServer(); server.set_service(port); server.set_address('127.0.0.1')
f = GstRtspServer.RTSPMediaFactory()
f.set_launch('( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! rtph264pay name=pay0 pt=96 config-interval=1 )')
f.set_shared(True)
server.get_mount_points().add_factory('/cam', f)
server.attach(None)
print('ready', flush=True)
GLib.MainLoop().run()
