"""Feasible command regions: the planner-level preview agrees with real generation, is cached, and drives batches.

Real placo: commands the preview rejects are the ones generation refuses or the
validator fails on joint speed; the cache is keyed by content and survives a
damaged entry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gait_generator import CommandError, PlanningError, generate
from gait_generator.command_sets import drawn, region_of, swept
from gait_generator.feasible import REASONS, feasible_region, preview_command
from gait_generator.preset import resolve_preset
from gait_generator.timing import snap_timing
from motions import Command
from robots import load_robot


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAIT_GENERATOR_CACHE", str(tmp_path / "cache"))


def _setup(robot: str, preset: str):
    walker = load_robot(robot)
    walk = resolve_preset(walker.spec.presets, preset, walker.name)
    return walker, walk, snap_timing(walk, 60)


def test_preview_rejects_what_generation_refuses() -> None:
    """G1 fast: a long turning step puts an ankle past its limit; the preview says so, and so does generate()."""
    walker, preset, timing = _setup("g1", "fast")
    bad = Command(dx=0.18, dy=0.06, dtheta=0.35)
    margin, code = preview_command(walker, preset, timing, bad)
    assert margin < 0 and REASONS[code] == "out of reach (IK)"
    with pytest.raises(PlanningError, match="IK did not converge"):
        generate("g1", "fast", dx=bad.dx, dy=bad.dy, dtheta=bad.dtheta, length=1.0)
    margin, code = preview_command(walker, preset, timing, Command(dx=0.1, dy=0.0, dtheta=0.0))
    assert margin > 0 and code == 0


def test_preview_rejects_feet_that_would_collide() -> None:
    walker, preset, timing = _setup("mini_biped", "medium")
    margin, code = preview_command(walker, preset, timing, Command(dx=0.0, dy=-0.03, dtheta=0.3))
    assert margin < 0 and REASONS[code] == "feet too close"
    with pytest.raises(CommandError, match="feet too close"):
        generate("mini_biped", "medium", dx=0.0, dy=-0.03, dtheta=0.3, length=1.0)


def test_joint_speed_margin_matches_the_generated_clip() -> None:
    """The preview's fastest joint is within 15 % of the generated clip's (the corrections change it little)."""
    walker, preset, timing = _setup("mini_biped", "medium")
    command = Command(dx=0.05, dy=-0.015, dtheta=-0.2)
    margin, code = preview_command(walker, preset, timing, command)
    limits = np.array([walker.info.joints[n].velocity for n in walker.joint_names])
    motion = generate("mini_biped", "medium", dx=command.dx, dy=command.dy, dtheta=command.dtheta, length=1.0)
    clip_fraction = float((np.abs(motion.joint_vel) / limits).max())
    preview_fraction = (1.0 - margin) * 0.9
    assert abs(preview_fraction - clip_fraction) < 0.15 * clip_fraction
    assert clip_fraction > 0.9 and code == 3  # past 90 % of a URDF limit: left out of the region


def test_region_is_cached_by_content(tmp_path: Path) -> None:
    walker, preset, timing = _setup("mini_biped", "slow")
    axes = ([0.0, 0.02], [0.0], [-0.1, 0.0, 0.1])
    first = feasible_region(walker, preset, timing, axes)
    files = list((tmp_path / "cache" / "feasible").glob("*.npz"))
    assert len(files) == 1
    again = feasible_region(walker, preset, timing, axes)
    np.testing.assert_array_equal(first.margin, again.margin)
    files[0].write_bytes(b"damaged")
    healed = feasible_region(walker, preset, timing, axes)
    np.testing.assert_array_equal(first.margin, healed.margin)
    other = feasible_region(walker, preset, timing, ([0.0, 0.02], [0.0], [0.0]))
    assert other.margin.shape == (2, 1, 1)
    assert len(list((tmp_path / "cache" / "feasible").glob("*.npz"))) == 2


def test_sweep_holds_zero_lines_and_says_what_it_left_out() -> None:
    walker, preset, timing = _setup("mini_biped", "medium")
    steps = walker.spec.sweep
    chosen = swept(walker, preset, timing, preset.command_range, steps.xy_step, steps.theta_step)
    c = chosen.commands
    for axis in range(3):  # the pure-dx, pure-dy and pure-dtheta lines
        others = [k for k in range(3) if k != axis]
        line = c[np.all(c[:, others] == 0.0, axis=1)]
        assert len(line) >= 3 and (line[:, axis] < 0).any() and (line[:, axis] > 0).any()
    everything = swept(walker, preset, timing, preset.command_range, steps.xy_step, steps.theta_step, feasible=False)
    assert len(c) + sum(chosen.left_out.values()) == len(everything.commands)
    assert chosen.left_out and set(chosen.left_out) <= set(REASONS[1:])
    region = region_of(walker, preset, timing, steps.xy_step, steps.theta_step)
    assert region.contains(c).all()


def test_random_draws_stay_in_the_region_and_are_seeded() -> None:
    walker, preset, timing = _setup("mini_biped", "medium")
    steps = walker.spec.sweep
    a = drawn(walker, preset, timing, preset.command_range, 40, 3, steps.xy_step, steps.theta_step)
    b = drawn(walker, preset, timing, preset.command_range, 40, 3, steps.xy_step, steps.theta_step)
    np.testing.assert_array_equal(a.commands, b.commands)
    assert len(a.commands) == 40
    region = region_of(walker, preset, timing, steps.xy_step, steps.theta_step)
    assert region.contains(a.commands).all()
    v = drawn(walker, preset, timing, {"vx": (0.0, 0.25), "vy": (-0.05, 0.05), "wz": (-1.0, 1.0)}, 10, 0,
              steps.xy_step, steps.theta_step, velocity=True)
    assert v.velocity and len(v.commands) == 10 and v.commands[:, 0].min() >= 0.0


def test_a_draw_from_an_empty_region_says_why() -> None:
    from motions.errors import GaitGeneratorError

    walker, preset, timing = _setup("mini_biped", "medium")
    crossing = {"dx": (0.0, 0.0), "dy": (-0.03, -0.03), "dtheta": (0.3, 0.3)}  # the feet would collide
    with pytest.raises(GaitGeneratorError, match=r"left out: feet too close \d+\).*--all-commands"):
        drawn(walker, preset, timing, crossing, 3, 0, 0.02, 0.07)
    kept = drawn(walker, preset, timing, crossing, 3, 0, 0.02, 0.07, feasible=False)
    assert len(kept.commands) == 3


def test_the_region_is_the_same_whatever_the_workers() -> None:
    walker, preset, timing = _setup("mini_biped", "fast")
    axes = ([0.0, 0.04, 0.075], [-0.015, 0.0], [-0.2, 0.0, 0.2])
    one = feasible_region(walker, preset, timing, axes, use_cache=False)
    two = feasible_region(walker, preset, timing, axes, use_cache=False, n_jobs=2)
    np.testing.assert_array_equal(one.margin, two.margin)
    np.testing.assert_array_equal(one.reason, two.reason)
