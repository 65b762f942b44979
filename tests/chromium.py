"""Headless Chromium for the page tests: screenshots, and a DevTools session that clicks like a person.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it when missing).
Its output goes to DEVNULL: its child processes keep inherited pipes open.

:func:`screenshot` loads a page once with ``--screenshot``. :class:`DevTools`
starts a browser with ``--remote-debugging-port=0``, reads the port it chose
from ``DevToolsActivePort`` in its profile, and speaks the Chrome DevTools
Protocol over a websocket: evaluate JavaScript, send real mouse events
(``Input.dispatchMouseEvent``, so the page's own handlers run) and capture
screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Self

import numpy as np
import pytest
from PIL import Image
from websockets.sync.client import connect

__all__ = ["CHROMIUM", "DevTools", "screenshot"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_FLAGS = ["--headless", "--enable-unsafe-swiftshader", "--no-sandbox", "--no-first-run", "--disable-quic",
          "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")


def screenshot(page: Path, fragment: str, out: Path, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """Open ``page#fragment`` and return its screenshot as an (H, W, 3) int16 RGB array."""
    _require()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
             f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=5000",
             f"{page.resolve().as_uri()}#{fragment}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False,
        )
    assert result.returncode == 0 and out.exists(), f"chromium exited with {result.returncode}"
    image = Image.open(out).convert("RGB")
    assert image.size == size
    return np.asarray(image, dtype=np.int16)


class DevTools:
    """A headless Chromium showing one page, driven through the DevTools protocol (a context manager)."""

    def __init__(self, url: str, size: tuple[int, int] = (1280, 720)) -> None:
        _require()
        self._profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        self._process = subprocess.Popen(
            [CHROMIUM, *_FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             f"--window-size={size[0]},{size[1]}", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._stack = contextlib.ExitStack()
        try:
            port = self._port(self._profile / "DevToolsActivePort")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
                pages = [t for t in json.load(reply) if t["type"] == "page"]
            self._socket = self._stack.enter_context(
                connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10))
        except BaseException:
            self.close()
            raise

    def _port(self, path: Path) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return int(path.read_text().split()[0])
            if self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self._process.returncode}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events received meanwhile are dropped)."""
        self._next_id += 1
        self._socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"never true: {expression}")

    def centre(self, selector: str) -> tuple[float, float]:
        """CSS pixel coordinates of the centre of the first element matching ``selector``."""
        x, y = self.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                             ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        return x, y

    def click(self, x: float, y: float) -> None:
        """A left click at CSS pixel (x, y), as the mouse would make it."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self) -> np.ndarray:
        """The page as an (H, W, 3) int16 RGB array."""
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)

    def close(self) -> None:
        """Stop the browser (this process only) and remove its profile."""
        self._stack.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        for _ in range(100):  # the browser's child processes may still write to the profile for a moment
            try:
                shutil.rmtree(self._profile)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
