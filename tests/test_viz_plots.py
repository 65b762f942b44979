"""viz.plots and ``gait_preview --plot``: panels, PNG size, library coverage."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

import gait_generator
from motions.index import MotionEntry, SkippedWriter, record_motions
from robots import load_robot
from robots.soles import sole_polygons
from viz import plots
from viz.cli import main
from viz.preview import library_points


@pytest.fixture(scope="module")
def motion():
    return gait_generator.generate(robot="mini_biped", preset="medium", dx=0.04, length=2.0)


def test_motion_figure_has_the_four_panels(motion):
    fig = plots.motion_figure(motion, soles=sole_polygons(load_robot("mini_biped")))
    assert [ax.get_title() for ax in fig.axes] == list(plots.MOTION_PANELS)
    plan = fig.axes[0]
    assert len(plan.patches) == motion.footsteps.num_steps
    labels = [line.get_label() for line in plan.get_lines()]
    assert "CoM" in labels and "ZMP" in labels


def test_commanded_velocity_uses_the_step_duration(motion):
    vx, vy, wz = plots.commanded_velocity(motion)
    assert vx == pytest.approx(motion.command.dx / motion.meta["timing"]["step_duration"])
    assert vx == pytest.approx(motion.achieved.vx, rel=1e-3)  # a looping straight walk meets its command
    assert vy == 0.0 and wz == 0.0


def test_figure_png_decodes(motion):
    png = plots.figure_png(plots.motion_figure(motion), dpi=50)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (600, 450)


def test_cli_plot_writes_the_png(motion, tmp_path):
    clip = motion.save(tmp_path / "clip.npz")
    out = tmp_path / "clip.png"
    assert main([str(clip), "--plot", str(out)]) == 0
    image = Image.open(out)
    assert image.size == (1200, 900)  # 12 x 9 inch at 100 dpi
    pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 10  # not blank


def test_library_coverage_coloured_by_validation_status(motion, tmp_path):
    motion.save(tmp_path / "a.npz")
    motion.save(tmp_path / "b.npz")
    entries = [
        MotionEntry.from_motion(0, "a.npz", motion),
        MotionEntry.from_motion(1, "b.npz", motion),
        MotionEntry.failed(2, "c.npz", "medium", (0.05, 0.0, 0.2), "IK diverged"),
    ]
    skipped = SkippedWriter(tmp_path, ["medium"])
    skipped.add([3], "medium", [(0.5, 0.0, 0.0)], ["dx"], ["dx above max_dx_forward (0.05 m)"])
    record_motions(tmp_path, "mini_biped", entries, keep_validation=False, skipped=skipped)
    doc = json.loads((tmp_path / "index.json").read_text())
    doc["motions"][0]["validation"] = {"status": "pass"}
    doc["motions"][1]["validation"] = {"status": "fail"}
    (tmp_path / "index.json").write_text(json.dumps(doc))

    points = library_points(tmp_path)
    assert sorted(p.status for p in points) == ["fail", "failed", "pass", "skipped"]
    assert sum(p.achieved is None for p in points) == 2
    step = plots.step_duration(motion)
    assert [p.commanded for p in points if p.status == "skipped"] == [(0.5 / step, 0.0, 0.0)]
    fig = plots.coverage_figure(points)
    assert [ax.get_title() for ax in fig.axes] == list(plots.COVERAGE_PANELS)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("pass (") for t in legend) and any(t.startswith("fail (") for t in legend)

    out = tmp_path / "coverage.png"
    assert main([str(tmp_path), "--plot", str(out)]) == 0
    assert Image.open(out).size == (1500, 500)
