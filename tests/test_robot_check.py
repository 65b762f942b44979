"""``gait_robot check``: end to end on real placo, MuJoCo and headless Chromium.

mini_biped passes every step; a spec that does not load, and a robot whose
overlapping shins collide at rest (``collisions.self: all``; it falls after
0.82 s of standing, measured), fail with the step named. The HTML preview is
opened in headless Chromium once.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

import robots
from tests.synthetic import overlapping_shins
from validate.robot_cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _check(*argv: str) -> tuple[int, list[str]]:
    """Run ``gait_robot check ARGV``; return the exit code and the printed lines."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", *argv])
    return code, out.getvalue().splitlines()


def _line(lines: list[str], pattern: str) -> str:
    found = [line for line in lines if re.match(pattern, line)]
    assert len(found) == 1, f"{pattern!r} in:\n" + "\n".join(lines)
    return found[0]


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[str], Path]:
    """``gait_robot check mini_biped --html preview.html``: exit code, report lines, HTML file."""
    html = tmp_path_factory.mktemp("check") / "preview.html"
    code, lines = _check("mini_biped", "--html", str(html))
    return code, lines, html


def test_mini_biped_passes_every_step(mini: tuple[int, list[str], Path]) -> None:
    code, lines, html = mini
    assert code == 0, "\n".join(lines)
    assert lines[0] == "gait_robot check mini_biped"
    _line(lines, r"ok +spec +mini_biped: loads; MuJoCo model compiles \(2\.05 kg, 18 joints, ")
    _line(lines, r"ok +collisions +self: auto .*; 0 pairs excluded$")
    stand = _line(lines, r"ok +stand +stays up 2\.0 s holding the initial posture: trunk drop ")
    drop_mm = float(re.search(r"trunk drop (-?[\d.]+) mm", stand).group(1))
    assert abs(drop_mm) < 3.0
    for preset in robots.load_robot("mini_biped").spec.presets:
        _line(lines, rf"ok +clip {preset} +dx 0\.0\d\d m/step, [\d.]+ s: validation pass "
                     r"\(physics replay: up 10\.0 of 10\.0 s, drift 0\.\d+ m\)$")
    _line(lines, rf"ok +html +wrote {re.escape(str(html))} \(clip \w+, [\d.]+ MB\)$")
    assert lines[-1].startswith("check passed: 7 of 7 steps")


def test_html_preview_loads_in_headless_chromium(mini: tuple[int, list[str], Path], tmp_path: Path) -> None:
    """The page renders the robot offline: grey robot pixels on meshcat's blue background."""
    _, _, html = mini
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [CHROMIUM, "--headless", "--enable-unsafe-swiftshader", "--no-sandbox", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={profile}", f"--screenshot={shot}",
             "--window-size=480,360", "--virtual-time-budget=5000", f"{html.resolve().as_uri()}#t=0.5"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False,
        )
    assert result.returncode == 0 and shot.exists()
    rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)[40:]  # below meshcat's control bar
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    grey = (abs(r - g) < 12) & (abs(g - b) < 12) & (r > 50) & (r < 210)
    assert grey.sum() > 300  # about 1400 measured; a page that fails to draw has none


def test_a_spec_that_does_not_load_fails_at_the_first_step(tmp_path: Path) -> None:
    spec = yaml.safe_load(robots.load_robot("mini_biped").spec.path.read_text())
    del spec["trunk"]
    path = tmp_path / "no_trunk.yaml"
    path.write_text(yaml.safe_dump(spec))
    code, lines = _check(str(path))
    assert code == 1
    assert lines[1] == f"FAIL  spec          {path}: missing field(s) ['trunk']"
    assert lines[-1].startswith("check failed: spec (0 of 1 steps passed")


def test_overlapping_collisions_pass_with_auto_and_fail_with_all(tmp_path: Path) -> None:
    code, lines = _check(str(overlapping_shins(tmp_path, "shins")), "--presets", "medium")
    assert code == 0, "\n".join(lines)
    _line(lines, r"ok +collisions +self: auto .*; 1 pair excluded$")
    _line(lines, r" +left_shin / right_shin: overlap 30\.0 mm at rest \(auto\)$")
    _line(lines, r"ok +clip medium ")

    code, lines = _check(str(overlapping_shins(tmp_path, "shins_all", collisions={"self": "all"})),
                         "--presets", "medium")
    assert code == 1
    _line(lines, r"ok +collisions +self: all .*; 0 pairs excluded$")
    _line(lines, r"FAIL +stand +falls after 0\.\d\d s of 2\.0 s: trunk drop ")
    _line(lines, r"FAIL +clip medium .*validation fail")
    assert re.match(r"check failed: stand, clip medium \(2 of 4 steps passed", lines[-1])


def test_unknown_preset_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "mini_biped", "--presets", "medum"]) == 1
    assert "gait_robot: error: --presets: ['medum'] not among the presets of mini_biped" in capsys.readouterr().err
