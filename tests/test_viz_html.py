"""``gait_preview --html``: the exported page renders offline in a real headless Chromium.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it when missing).
The page is opened from ``file://`` with ``#t=<seconds>`` (the export's time
hook pauses the animation there) at two times; both screenshots must show a
scene, and they must differ because the robot moved.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import gait_generator
from viz.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SIZE = (640, 480)


def _screenshot(page: Path, seconds: float, out: Path) -> np.ndarray:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={SIZE[0]},{SIZE[1]}",
                "--virtual-time-budget=5000", f"{page.resolve().as_uri()}#t={seconds}",
            ],
            capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 0 and out.exists(), result.stderr[-2000:]
    image = Image.open(out).convert("RGB")
    assert image.size == SIZE
    return np.asarray(image, dtype=np.int16)


def test_html_export_renders_and_animates(tmp_path):
    motion = gait_generator.generate(robot="mini_biped", preset="medium", dx=0.04, length=2.0)
    clip = motion.save(tmp_path / "clip.npz")
    page = tmp_path / "clip.html"
    assert main([str(clip), "--html", str(page)]) == 0

    html = page.read_text()
    assert "http://" not in html.split("<script>", 1)[0]  # nothing fetched before the inlined viewer
    assert "<script src=" not in html  # self-contained: the viewer is inlined

    early = _screenshot(page, 0.1, tmp_path / "early.png")
    late = _screenshot(page, 0.9, tmp_path / "late.png")
    for image in (early, late):
        flat = image.reshape(-1, 3)
        assert len(np.unique(flat, axis=0)) > 50, "screenshot is blank"
        # The robot is drawn in grey over meshcat's blue background gradient.
        grey = (np.ptp(flat, axis=1) < 12) & (flat.mean(axis=1) > 60) & (flat.mean(axis=1) < 200)
        assert grey.sum() > 200, "no robot in the screenshot"
    changed = np.abs(early - late).sum(axis=2) > 30
    assert changed.sum() > 200, "the animation did not move between t = 0.1 s and 0.9 s"
