"""viz.library_page and ``gait_preview LIB --html``: one page for a library, clicked through in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gait_generator
import robots
from motions.index import (
    MotionEntry,
    SkippedWriter,
    Validation,
    file_sha256,
    record_motions,
    record_validation,
)
from tests.chromium import DevTools
from viz import plots
from viz.cli import main
from viz.library_page import library_html, library_rows
from viz.page_robot import robot_geometry

COMMANDS = {"walk.npz": (0.04, 0.0, 0.0), "turn.npz": (0.03, 0.0, 0.25), "side.npz": (0.0, 0.02, 0.0)}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """Three mini_biped clips (two graded), one failed entry and one skipped command, with index.json."""
    folder = tmp_path_factory.mktemp("library")
    entries = []
    for i, (name, (dx, dy, dtheta)) in enumerate(COMMANDS.items()):
        motion = gait_generator.generate(robot="mini_biped", preset="medium", dx=dx, dy=dy, dtheta=dtheta, length=2.0)
        path = motion.save(folder / name)
        entries.append(MotionEntry.from_motion(i, name, motion, sha256=file_sha256(path)))
    entries.append(MotionEntry.failed(3, "bad.npz", "medium", (0.05, 0.0, 0.2), "IK diverged"))
    skipped = SkippedWriter(folder, ["medium"])
    skipped.add([4], "medium", [(0.5, 0.0, 0.0)], ["dx"], ["dx above max_dx_forward (0.05 m)"])
    record_motions(folder, "mini_biped", entries, keep_validation=False, skipped=skipped)
    record_validation(folder, {
        "walk.npz": Validation("pass", sha256=file_sha256(folder / "walk.npz")),
        "turn.npz": Validation("fail", reasons=("zmp: margin -2 mm",), failed_checks=("zmp",),
                               sha256=file_sha256(folder / "turn.npz")),
    })
    return folder


@pytest.fixture(scope="module")
def page(library, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("page") / "lib.html"
    assert main([str(library), "--html", str(out)]) == 0
    return out


def test_rows_come_from_the_index(library):
    rows, loaded, skipped = library_rows(library)
    assert [r.name for r in rows] == [*COMMANDS, "bad.npz"]
    assert [r.status for r in rows] == ["pass", "fail", "ok", "failed"]
    assert rows[1].reasons == ("zmp: margin -2 mm",) and rows[3].reasons == ("IK diverged",)
    assert rows[3].path is None and rows[3].achieved is None and set(loaded) == set(COMMANDS)
    step = plots.step_duration(loaded["walk.npz"])
    assert rows[0].commanded == pytest.approx((0.04 / step, 0.0, 0.0))
    assert rows[3].commanded == pytest.approx((0.05 / step, 0.0, 0.2 / step))  # failed: the preset's step duration
    assert skipped == [pytest.approx((0.5 / step, 0.0, 0.0))]


def test_a_folder_without_index_lists_every_motion(library, tmp_path):
    for name in ("walk.npz", "side.npz"):
        (tmp_path / name).write_bytes((library / name).read_bytes())
    rows, loaded, skipped = library_rows(tmp_path)
    assert [r.name for r in rows] == ["side.npz", "walk.npz"] and skipped == []
    assert {r.status for r in rows} == {"unvalidated"} and rows[1].path == tmp_path / "walk.npz"
    assert rows[1].commanded == pytest.approx((0.04 / plots.step_duration(loaded["walk.npz"]), 0.0, 0.0))
    assert library_html(tmp_path).count('"payload"') == 2


def test_page_writes_the_robot_once(library):
    html = library_html(library)
    assert html.count(robot_geometry(robots.load_robot("mini_biped")).payload) == 1
    assert html.count('"kind":"library"') == 1 and html.count('"payload"') == len(COMMANDS)
    assert len(html) < 1_200_000  # viewer 0.85 MB, robot, three 2 s clips


def test_folder_and_index_json_give_the_same_page(library, page, tmp_path, capsys):
    again = tmp_path / "again.html"
    assert main([str(library / "index.json"), "--html", str(again)]) == 0
    assert again.read_bytes() == page.read_bytes()
    assert "library page, 3 clips" in capsys.readouterr().out


def test_clip_option_picks_one_and_says_which(library, tmp_path, capsys):
    out = tmp_path / "turn.html"
    assert main([str(library), "--clip", "1", "--html", str(out)]) == 0
    assert "showing turn.npz" in capsys.readouterr().out
    assert out.read_text().count('"payload"') == 1
    assert main([str(library / "index.json"), "--clip", "side", "--html", str(out)]) == 0
    assert "showing side.npz" in capsys.readouterr().out
    assert main([str(library), "--clip", "nope", "--html", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--clip nope" in err and "walk.npz" in err
    assert main([str(library / "walk.npz"), "--clip", "0", "--html", str(out)]) == 2
    assert "--clip" in capsys.readouterr().err


def _rows(page: DevTools) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#gp-table tbody tr')].map(tr => tr.dataset.name)")


def test_clicking_a_clip_in_the_table_plays_it(page):
    with DevTools(f"{page.resolve().as_uri()}#t=0", (1280, 720)) as browser:
        browser.wait_for("window.gaitPreview && window.gaitPreview.ready")
        assert browser.evaluate("window.gaitPreview.clip") == "walk.npz"
        assert browser.evaluate("document.getElementById('gp-title').textContent") == "walk.npz"
        before = browser.screenshot()

        browser.click(*browser.centre('#gp-table tr[data-name="turn.npz"]'))  # a real click, through the page's handler
        browser.wait_for("window.gaitPreview.clip === 'turn.npz' && window.gaitPreview.player.playing")
        browser.click(*browser.centre("#gp-play"))  # pause, for a still
        title = browser.evaluate("(() => { const r = document.getElementById('gp-title').getBoundingClientRect();"
                                 " return [r.x, r.y, r.width, r.height, document.getElementById('gp-title').textContent]; })()")
        assert title[4] == "turn.npz"
        after = browser.screenshot()
        x, y, w, h = (int(v) for v in title[:4])
        assert 0 <= x and x + w <= after.shape[1] and 0 <= y and y + h <= after.shape[0]  # the name is on screen
        assert (np.abs(after[y : y + h, x : x + w] - before[y : y + h, x : x + w]).sum(axis=2) > 60).sum() > 20
        view = browser.evaluate("(() => { const r = document.querySelector('.gp-view').getBoundingClientRect();"
                                " return [r.x, r.width]; })()")
        left, width = int(view[0]), int(view[1])
        changed = np.abs(after[60:-60, left : left + width] - before[60:-60, left : left + width]).sum(axis=2) > 30
        assert changed.sum() > 2_000, "the 3-D view did not change"
        assert browser.evaluate("document.querySelector('tr.gp-selected').dataset.name") == "turn.npz"

        # A point of the coverage plot selects its clip too.
        browser.click(*browser.centre('#gp-coverage circle[data-row="2"]'))
        browser.wait_for("window.gaitPreview.clip === 'side.npz'")
        assert browser.evaluate("document.getElementById('gp-title').textContent") == "side.npz"
        # A row without a motion plays nothing.
        browser.click(*browser.centre('#gp-table tr[data-name="bad.npz"]'))
        assert browser.evaluate("new Promise(r => setTimeout(() => r(window.gaitPreview.clip), 300))") == "side.npz"


def test_table_sorts_and_filters(page):
    with DevTools(f"{page.resolve().as_uri()}#t=0", (1280, 720)) as browser:
        browser.wait_for("window.gaitPreview && window.gaitPreview.ready")
        assert _rows(browser) == [*COMMANDS, "bad.npz"]
        browser.click(*browser.centre('#gp-table th[data-key="vx"]'))
        assert _rows(browser) == ["side.npz", "turn.npz", "walk.npz", "bad.npz"]  # ascending, no value last
        browser.click(*browser.centre('#gp-table th[data-key="vx"]'))
        assert _rows(browser) == ["walk.npz", "turn.npz", "side.npz", "bad.npz"]
        browser.click(*browser.centre("#gp-filter"))
        browser.send("Input.insertText", text="zmp")
        assert _rows(browser) == ["turn.npz"]
        browser.evaluate("(() => { const f = document.getElementById('gp-filter'); f.value = '';"
                         " f.dispatchEvent(new Event('input')); })()")
        browser.evaluate("(() => { const s = document.getElementById('gp-filter-status'); s.value = 'failed';"
                         " s.dispatchEvent(new Event('change')); })()")
        assert _rows(browser) == ["bad.npz"]


def test_hash_selects_a_clip(page):
    with DevTools(f"{page.resolve().as_uri()}#clip=side.npz&t=0.5", (1280, 720)) as browser:
        browser.wait_for("window.gaitPreview && window.gaitPreview.ready")
        assert browser.evaluate("[window.gaitPreview.clip, window.gaitPreview.time]") == ["side.npz", 0.5]
