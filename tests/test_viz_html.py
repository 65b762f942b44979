"""``gait_preview --html``: the clip page renders offline in a real headless Chromium.

The page is opened from ``file://`` with ``#t=<seconds>`` (the player pauses
there). Robot pixels are the grey of the robot's geoms; the background
(meshcat's blue gradient), the floor grid (blue-grey) and the plan (coloured)
are not grey. The title (top) and the control bar (bottom) are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gait_generator
from tests.chromium import DevTools, screenshot
from viz.cli import main

SIZE = (640, 480)
PAGE_LIMIT = 3_000_000
"""Bytes a G1 clip page may take (issue 17: it was 10.6 MB)."""


def _robot_pixels(image: np.ndarray) -> np.ndarray:
    """(N, 2) x, y of the grey robot pixels of a screenshot, title and control bar left out."""
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    grey = (abs(r - g) < 12) & (abs(g - b) < 12) & (r > 50) & (r < 210)
    grey[:40] = False
    grey[-45:] = False
    ys, xs = np.nonzero(grey)
    return np.column_stack([xs, ys])


def _in_central_half(pixels: np.ndarray, size: tuple[int, int]) -> float:
    """Share of ``pixels`` inside the central half of the image (the middle half of its width and height)."""
    w, h = size
    x, y = pixels[:, 0], pixels[:, 1]
    return float(np.mean((x >= w / 4) & (x < 3 * w / 4) & (y >= h / 4) & (y < 3 * h / 4)))


@pytest.fixture(scope="module")
def walk_page(tmp_path_factory) -> Path:
    """A 10 s straight walk of mini_biped (about 1.8 m) as a clip page."""
    folder = tmp_path_factory.mktemp("walk")
    motion = gait_generator.generate(robot="mini_biped", preset="medium", dx=0.04, length=10.0)
    clip = motion.save(folder / "walk.npz")
    page = folder / "walk.html"
    assert main([str(clip), "--html", str(page)]) == 0
    return page


def test_page_is_self_contained(walk_page):
    html = walk_page.read_text()
    assert "<script src=" not in html and "<link" not in html  # every script and style is inlined
    assert "http://" not in html.split("<script>", 1)[0] and "https://" not in html.split("<script>", 1)[0]
    assert 'id="gait-data"' in html and "DecompressionStream" in html


def test_html_export_renders_and_animates(walk_page, tmp_path):
    early = screenshot(walk_page, "t=0.1", tmp_path / "early.png", SIZE)
    late = screenshot(walk_page, "t=0.9", tmp_path / "late.png", SIZE)
    for image in (early, late):
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50, "screenshot is blank"
        assert len(_robot_pixels(image)) > 500, "no robot in the screenshot"
    changed = np.abs(early - late).sum(axis=2) > 30
    assert changed.sum() > 200, "the animation did not move between t = 0.1 s and 0.9 s"


def test_camera_follows_a_10_s_walk(walk_page, tmp_path):
    for seconds in (1, 9):
        robot = _robot_pixels(screenshot(walk_page, f"t={seconds}", tmp_path / f"t{seconds}.png", SIZE))
        assert len(robot) > 2_000, f"t = {seconds} s: robot too small or missing ({len(robot)} pixels)"
        assert _in_central_half(robot, SIZE) > 0.9, f"t = {seconds} s: robot outside the central half"
        centre = robot.mean(axis=0) / SIZE
        assert np.all(np.abs(centre - 0.5) < 0.15), f"t = {seconds} s: robot centred at {centre}"
    # The same still with the camera fixed (follow off): the robot has walked out of the central half.
    fixed = _robot_pixels(screenshot(walk_page, "t=9&follow=0", tmp_path / "fixed.png", SIZE))
    assert len(fixed) == 0 or _in_central_half(fixed, SIZE) < 0.5


def test_player_controls_respond_to_clicks(walk_page):
    with DevTools(f"{walk_page.resolve().as_uri()}#t=2", SIZE) as page:
        page.wait_for("window.gaitPreview && window.gaitPreview.ready")

        assert page.evaluate("window.gaitPreview.player.playing") is False
        assert page.evaluate("window.gaitPreview.time") == 2
        page.click(*page.centre("#gp-play"))
        page.wait_for("window.gaitPreview.time > 2.2")  # playing
        page.click(*page.centre("#gp-play"))
        paused = page.evaluate("window.gaitPreview.time")
        assert page.evaluate("window.gaitPreview.player.playing") is False
        assert page.evaluate("new Promise(r => setTimeout(() => r(window.gaitPreview.time), 300))") == paused

        page.click(*page.centre("#gp-follow"))
        assert page.evaluate("window.gaitPreview.player.follow") is False
        page.click(*page.centre("#gp-follow"))
        assert page.evaluate("window.gaitPreview.player.follow") is True

        x, y = page.centre("#gp-time")  # the middle of the time slider is the middle of the clip
        page.click(x, y)
        assert page.evaluate("window.gaitPreview.time") == pytest.approx(5.0, abs=0.5)

        page.evaluate("(() => { const s = document.getElementById('gp-speed'); s.value = '2';"
                      " s.dispatchEvent(new Event('change')); })()")
        assert page.evaluate("window.gaitPreview.player.speed") == 2


def test_g1_clip_page_is_at_most_3_mb(tmp_path):
    motion = gait_generator.generate(robot="g1", preset="medium", dx=0.1, dtheta=0.1, length=4.0)
    clip = motion.save(tmp_path / "g1.npz")
    page = tmp_path / "g1.html"
    assert main([str(clip), "--html", str(page)]) == 0
    assert page.stat().st_size <= PAGE_LIMIT, f"{page.stat().st_size / 1e6:.2f} MB"
