"""Velocity commands: generate(velocity=...) meets the command, measured independently of the generator.

The check recomputes each clip's mean body-frame velocity from its root
positions (forward differences across the loop seam, headings from the
quaternions with scipy), not from the velocities the file stores, and holds it
to the issue's tolerance: 2 % per axis, at least 5 mm/s and 0.01 rad/s.
Real placo, 20 random commands per built-in robot with turning and forward
speed mixed (the benchmark ``benchmarks/bench_velocity.py`` runs 30).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from gait_generator import CommandError, generate
from gait_generator.velocity import VelocityCommand, velocity_tolerance
from motions import Motion


def measured_velocity(motion: Motion) -> np.ndarray:
    """Mean ``(vx, vy, wz)`` from root positions and quaternions only (independent of the stored velocities)."""
    loop = motion.loop
    pos = motion.root_pos
    yaw = Rotation.from_quat(motion.root_quat).as_euler("ZYX")[:, 0]
    c, s = np.cos(loop.cycle_offset_yaw), np.sin(loop.cycle_offset_yaw)
    nxt = pos[0].copy()
    for _ in range(loop.num_cycles):  # the frame after the clip: frame 0 moved by every cycle's offset
        nxt = np.array([c * nxt[0] - s * nxt[1], s * nxt[0] + c * nxt[1], nxt[2]]) + loop.cycle_offset_pos
    v = np.diff(np.vstack([pos, nxt]), axis=0) * motion.fps
    vx = np.mean(np.cos(yaw) * v[:, 0] + np.sin(yaw) * v[:, 1])
    vy = np.mean(-np.sin(yaw) * v[:, 0] + np.cos(yaw) * v[:, 1])
    return np.array([vx, vy, loop.cycle_offset_yaw * motion.fps / loop.cycle_frames])


def _commands(robot: str, n: int) -> list[tuple[float, float, float]]:
    """Random velocities inside each robot's medium preset, half of them turning while walking forward."""
    rng = np.random.default_rng(7)
    top = {"mini_biped": (0.2, 0.06, 1.0), "g1": (0.3, 0.08, 0.5)}[robot]
    out = []
    for i in range(n):
        vx = rng.uniform(-0.5, 1.0) * top[0]
        vy = rng.uniform(-1.0, 1.0) * top[1] * (i % 2)
        wz = rng.uniform(-1.0, 1.0) * top[2] * (i % 3 != 0)
        out.append((round(vx, 4), round(vy, 4), round(wz, 4)))
    out[0] = (round(0.8 * top[0], 4), 0.0, round(0.8 * top[2], 4))  # forward speed and turning together
    out[1] = (0.0, 0.0, round(0.8 * top[2], 4))  # turning in place: no drift
    return out


@pytest.mark.parametrize("robot", ["mini_biped", "g1"])
def test_velocity_commands_are_met(robot: str) -> None:
    worst = 0.0
    for command in _commands(robot, 20):
        motion = generate(robot, "medium", velocity=command, length=2.0)
        tolerance = np.array(velocity_tolerance(VelocityCommand(*command)))
        error = np.abs(measured_velocity(motion) - np.array(command))
        worst = max(worst, float((error / tolerance).max()))
        assert np.all(error <= tolerance), (command, error)
        assert motion.meta["velocity_command"] == dict(zip(("vx", "vy", "wz"), command))
        recorded = np.array([motion.command.dx, motion.command.dy, motion.command.dtheta])
        assert np.all(np.isfinite(recorded))  # the step command is recorded too
        step_time = motion.loop.cycle_frames / motion.fps / 2
        assert motion.command.dtheta == pytest.approx(command[2] * step_time, abs=1e-12)
    assert worst < 0.5  # well inside: the fit aims at 0.2 mm/s


def test_the_naive_conversion_would_miss() -> None:
    """A turning walk's steps do not give v = d / T: the fit must move the step off the naive one."""
    motion = generate("mini_biped", "medium", velocity=(0.15, 0.0, 0.8), length=1.0)
    step_time = motion.loop.cycle_frames / motion.fps / 2
    naive = np.array([0.15, 0.0]) * step_time
    assert abs(motion.command.dy - naive[1]) > 1e-3


def test_velocity_and_step_together_is_an_error() -> None:
    with pytest.raises(CommandError, match="not both"):
        generate("mini_biped", "medium", dx=0.02, velocity=(0.1, 0.0, 0.0))
    with pytest.raises(CommandError, match="vx"):
        generate("mini_biped", "medium", velocity=(float("nan"), 0.0, 0.0))
    with pytest.raises(CommandError, match="three numbers"):
        generate("mini_biped", "medium", velocity=(0.1, 0.0))


def test_velocity_beyond_the_step_limits_names_the_limit() -> None:
    with pytest.raises(CommandError, match="max_dx"):
        generate("mini_biped", "medium", velocity=(2.0, 0.0, 0.0))


def test_velocity_clip_is_deterministic() -> None:
    from motions.storage import to_bytes

    a = generate("mini_biped", "fast", velocity=(0.1, 0.03, 0.5), length=1.0)
    b = generate("mini_biped", "fast", velocity=(0.1, 0.03, 0.5), length=1.0)
    assert to_bytes(a) == to_bytes(b)


def test_velocity_batch_files_index_and_library(tmp_path, monkeypatch) -> None:
    """A vx,vy,wz command file runs as velocity jobs; the library indexes the clips by velocity and answers them."""
    from gait_generator.cli import main
    from motions import MotionLibrary
    from motions.index import read_index

    monkeypatch.setenv("GAIT_GENERATOR_CACHE", str(tmp_path / "cache"))
    commands = tmp_path / "v.csv"
    commands.write_text("vx,vy,wz\n0.1,0,0\n0.2,0,0\n0.1,0,0.5\n0.2,0,0.5\n")
    out = tmp_path / "out"
    assert main(["--commands", str(commands), "-o", str(out), "-l", "1", "-j", "2"]) == 0
    index = read_index(out)
    assert min(e.file for e in index.entries).startswith("medium_vx+0.1000_vy+0.0000_wz+0.0000_")
    assert all(e.extra["velocity_command"]["vx"] in (0.1, 0.2) for e in index.entries)
    assert main(["--commands", str(commands), "-o", str(out), "-l", "1"]) == 0  # a rerun reuses every file
    library = MotionLibrary.load(out)
    np.testing.assert_allclose(sorted(library.velocities[:, 0]), [0.1, 0.1, 0.2, 0.2])
    np.testing.assert_allclose(library.achieved, library.velocities, atol=2e-4)  # the fit's accuracy
    assert library.nearest_velocity_index([0.19, 0.0, 0.45]) == int(
        np.argmin(np.abs(library.velocities - [0.2, 0.0, 0.5]).sum(axis=1)))
    i = library.nearest_velocity_index([0.2, 0.0, 0.5])
    ref = library.reference(None, 0.0, velocity=[0.2, 0.0, 0.5])
    frame0 = library.motions[i].joint_pos[0, [library.motions[i].joint_names.index(n) for n in library.joint_names]]
    np.testing.assert_allclose(ref.joint_pos[0], frame0, atol=1e-9)
    with pytest.raises(ValueError, match="either command"):
        library.reference([0.0, 0.0, 0.0], 0.0, velocity=[0.1, 0.0, 0.0])
    sample = library.sample_frames(50, np.random.default_rng(0))
    assert sample.command.shape == (50, 3) and np.all((sample.phase >= 0) & (sample.phase < 1))
    np.testing.assert_allclose(sample.command, library.velocities[sample.clip], atol=1e-3)


def test_velocity_mode_flags_are_checked(capsys) -> None:
    from gait_generator.cli import main

    assert main(["--velocity", "-n", "1", "--min-dx", "0.0", "--dry-run"]) == 2
    assert "do not apply with --velocity" in capsys.readouterr().err
    assert main(["-n", "1", "--max-vx", "0.1", "--dry-run"]) == 2
    assert "need --velocity" in capsys.readouterr().err
