"""A meshcat server that listens on the loopback interface only.

``meshcat.servers.zmqserver.ZMQWebSocketBridge`` (meshcat 0.3.2) binds its ZMQ
socket to ``tcp://127.0.0.1:<port>``, but its web server calls
``Application.listen(port)`` without an address, which tornado binds on every
interface. :class:`LoopbackBridge` makes the web server listen on 127.0.0.1 as
well. :class:`MeshcatServer` runs it as a child process (``python -m viz.server``)
and stops it on :meth:`MeshcatServer.close`; connect with
``meshcat.Visualizer(zmq_url=server.zmq_url)``.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path
from typing import Self

import tornado.ioloop
import tornado.web
from meshcat.servers import zmqserver

__all__ = ["HOST", "LoopbackBridge", "MeshcatServer"]

HOST = "127.0.0.1"
"""The only interface the preview server listens on."""


class _LoopbackApplication(tornado.web.Application):
    def listen(self, port, address=None, **kwargs):
        return super().listen(port, address=HOST, **kwargs)


class LoopbackBridge(zmqserver.ZMQWebSocketBridge):
    """meshcat's ZMQ/WebSocket bridge with both sockets on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__(zmq_url=None, host=HOST)

    def make_app(self) -> tornado.web.Application:
        return _LoopbackApplication(
            [
                (
                    r"/static/(.*)",
                    zmqserver.StaticFileHandlerNoCache,
                    {"path": zmqserver.VIEWER_ROOT, "default_filename": zmqserver.VIEWER_HTML},
                ),
                (r"/", zmqserver.WebSocketHandler, {"bridge": self}),
            ]
        )


class MeshcatServer:
    """A loopback meshcat server in a child process.

    Attributes:
        zmq_url: ``tcp://127.0.0.1:<port>`` for ``meshcat.Visualizer(zmq_url=...)``.
        web_url: ``http://127.0.0.1:<port>/static/`` to open in a browser.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "viz.server", str(os.getpid())],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        atexit.register(self.close)
        lines: dict[str, str] = {}
        assert self._proc.stdout is not None
        while len(lines) < 2:
            line = self._proc.stdout.readline().decode("utf-8").strip()
            if not line:
                if self._proc.poll() is not None:
                    raise RuntimeError(f"the meshcat server exited with code {self._proc.returncode} before starting")
                continue
            key, _, value = line.partition("=")
            if key in ("zmq_url", "web_url"):
                lines[key] = value
        self.zmq_url = lines["zmq_url"]
        self.web_url = lines["web_url"]

    def close(self) -> None:
        """Stop the server process (idempotent)."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    """Run a loopback bridge until killed; print its URLs on stdout.

    With a parent process id as the only argument, the server also stops as
    soon as that process is gone (so a killed preview leaves no server behind).
    """
    bridge = LoopbackBridge()
    print(f"zmq_url={bridge.zmq_url}", flush=True)
    print(f"web_url={bridge.web_url}", flush=True)
    if len(sys.argv) > 1:
        parent = int(sys.argv[1])

        def watch() -> None:
            if os.getppid() != parent:
                bridge.ioloop.stop()

        tornado.ioloop.PeriodicCallback(watch, 500).start()
    try:
        bridge.run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
