"""The commands of a batch by default: grids and random draws inside each preset's feasible region.

``--sweep`` and ``-n`` draw from the box of each preset's ``command_range`` (or
the ``--min-*/--max-*`` overrides) **intersected with the preset's feasible
region** (:mod:`gait_generator.feasible`); what is left out is counted by
reason so the batch summary can say it. Commands are per step ``(dx, dy,
dtheta)`` (m, m, rad), or body velocities ``(vx, vy, wz)`` (m/s, m/s, rad/s)
in velocity mode, whose region test uses the step each velocity needs
(:func:`gait_generator.velocity.planner_step`).

Every grid axis holds 0 and both ends (:func:`gait_generator.sweep.grid_axis`),
so a sweep contains the straight walk, the pure side step and the turn in
place. Draws are deterministic in the seed: candidates come from one seeded
stream and the first ``n`` inside the region are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gait_generator.feasible import FeasibleRegion, feasible_region
from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import Preset
from gait_generator.sweep import MAX_COMMANDS, grid_axis, grid_commands
from gait_generator.timing import StepTiming
from gait_generator.velocity import planner_step
from motions.errors import GaitGeneratorError
from robots import Robot

__all__ = ["KEYS", "CommandSet", "drawn", "region_of", "swept", "velocity_ranges"]

FloatArray = NDArray[np.float64]
KEYS = {False: ("dx", "dy", "dtheta"), True: ("vx", "vy", "wz")}
"""Axis names of step and velocity commands."""

_DRAW_BLOCK = 4096
_MAX_ATTEMPTS = 50
"""Random draws give up after this many candidates per wanted command (a region almost empty)."""


@dataclass
class CommandSet:
    """The commands of one preset, and what the feasible region left out.

    Attributes:
        commands: ``(N, 3)`` commands kept (steps, or velocities in velocity mode).
        velocity: The commands are body velocities.
        left_out: Commands left out by reason (see :data:`gait_generator.feasible.REASONS`).
    """

    commands: FloatArray
    velocity: bool = False
    left_out: Counter[str] = field(default_factory=Counter)


def velocity_ranges(preset: Preset, timing: StepTiming) -> dict[str, tuple[float, float]]:
    """The preset's default velocity ranges: its ``command_range`` over the step time (m/s, m/s, rad/s)."""
    step_time = timing.step_duration
    return {v: (preset.command_range[d][0] / step_time, preset.command_range[d][1] / step_time)
            for v, d in zip(KEYS[True], KEYS[False])}


def region_of(robot: Robot, preset: Preset, timing: StepTiming, xy_step: float, theta_step: float,
              ranges: dict[str, tuple[float, float]] | None = None, n_jobs: int = 1) -> FeasibleRegion:
    """The preset's feasible region previewed on the sweep grid over ``ranges`` (default: its command_range),
    with ``n_jobs`` worker processes."""
    box = preset.command_range if ranges is None else ranges
    axes = (grid_axis(*box["dx"], xy_step), grid_axis(*box["dy"], xy_step), grid_axis(*box["dtheta"], theta_step))
    return feasible_region(robot, preset, timing, axes, n_jobs=n_jobs)


def _steps_of(robot: Robot, preset: Preset, timing: StepTiming, velocities: FloatArray) -> FloatArray:
    """The per-step command each velocity needs (planner model, :func:`gait_generator.velocity.planner_step`)."""
    planner = FootstepPlanner(robot, preset)
    out = np.empty_like(velocities)
    for i, v in enumerate(velocities):
        step = planner_step(planner, preset, timing, v)
        out[i] = (step.dx, step.dy, step.dtheta)
    return out


def _region_box(ranges: dict[str, tuple[float, float]], velocity: bool, timing: StepTiming,
                preset: Preset) -> dict[str, tuple[float, float]] | None:
    """The step box the region is previewed over: the step ranges (the velocity ranges' steps widened 10 %)
    within the step limits; None if the ranges lie beyond the limits on some axis."""
    step_time = timing.step_duration
    limits = preset.step_limits
    box = {}
    for v, d in zip(KEYS[velocity], KEYS[False]):
        lo, hi = ranges[v]
        if velocity:
            lo, hi = lo * step_time, hi * step_time
            pad = 0.1 * (hi - lo) + (1e-3 if d != "dtheta" else 1e-2)
            lo, hi = lo - pad, hi + pad
        box[d] = (max(lo, limits[d][0]), min(hi, limits[d][1]))
        if box[d][0] > box[d][1]:
            return None
    return box


def _region(robot: Robot, preset: Preset, timing: StepTiming, ranges: dict[str, tuple[float, float]],
            xy_step: float, theta_step: float, velocity: bool, n_jobs: int) -> FeasibleRegion | None:
    box = _region_box(ranges, velocity, timing, preset)
    return None if box is None else region_of(robot, preset, timing, xy_step, theta_step, box, n_jobs)


def _keep(robot: Robot, preset: Preset, timing: StepTiming, region: FeasibleRegion | None, commands: FloatArray,
          velocity: bool) -> tuple[FloatArray, Counter[str]]:
    """The commands inside the region, and the others counted by reason. Commands beyond the step limits are
    kept: the batch skips them and says so (:mod:`gait_generator.planning`)."""
    steps = _steps_of(robot, preset, timing, commands) if velocity else commands
    beyond = ~preset.within_limits(steps).all(axis=1)
    inside = beyond if region is None else beyond | region.contains(steps)
    left = Counter(region.reasons(steps[~inside])) if region is not None and (~inside).any() else Counter()
    return commands[inside], left


def swept(robot: Robot, preset: Preset, timing: StepTiming, ranges: dict[str, tuple[float, float]],
          xy_step: float, theta_step: float, velocity: bool = False, feasible: bool = True,
          n_jobs: int = 1) -> CommandSet:
    """The grid over ``ranges``, kept to the feasible region unless ``feasible`` is False.

    Args:
        ranges: ``{key: (lo, hi)}`` for the three axes (:data:`KEYS`).
        xy_step, theta_step: Grid spacing per step (m, rad); in velocity mode
            divided by the step time (m/s, rad/s).
        velocity: Grid body velocities instead of steps.
        feasible: Leave out the commands outside the region.
        n_jobs: Worker processes of the region's previews.

    Raises:
        GaitGeneratorError: Bad bounds or steps, or too large a grid.
    """
    step_time = timing.step_duration
    scale = 1.0 / step_time if velocity else 1.0
    keys = KEYS[velocity]
    try:
        grid = grid_commands({d: ranges[k] for k, d in zip(keys, KEYS[False])}, xy_step * scale, theta_step * scale)
    except ValueError as exc:
        raise GaitGeneratorError(f"--sweep: {exc}") from exc
    commands = np.array(grid, dtype=np.float64).reshape(-1, 3)
    if not feasible:
        return CommandSet(commands, velocity)
    region = _region(robot, preset, timing, ranges, xy_step, theta_step, velocity, n_jobs)
    kept, left = _keep(robot, preset, timing, region, commands, velocity)
    return CommandSet(kept, velocity, left)


def drawn(robot: Robot, preset: Preset, timing: StepTiming, ranges: dict[str, tuple[float, float]], n: int,
          seed: int, xy_step: float, theta_step: float, velocity: bool = False, feasible: bool = True,
          n_jobs: int = 1) -> CommandSet:
    """``n`` commands drawn uniformly in ``ranges`` (rounded to 1e-4), inside the feasible region unless not ``feasible``.

    Candidates come from one stream seeded by ``seed``; the first ``n`` inside
    the region are kept, so the draw depends only on the seed, the ranges and the region.

    Raises:
        GaitGeneratorError: ``n`` beyond :data:`MAX_COMMANDS`, or fewer than one
            candidate in :data:`_MAX_ATTEMPTS` lies in the region.
    """
    if n > MAX_COMMANDS:
        raise GaitGeneratorError(f"{n} random commands, more than {MAX_COMMANDS}")
    keys = KEYS[velocity]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x636D64]))
    lo = np.array([ranges[k][0] for k in keys])
    hi = np.array([ranges[k][1] for k in keys])
    region = _region(robot, preset, timing, ranges, xy_step, theta_step, velocity, n_jobs) if feasible else None
    kept: list[FloatArray] = []
    count, drawn_total = 0, 0
    left: Counter[str] = Counter()
    while count < n:
        if drawn_total > _MAX_ATTEMPTS * n:
            why = ", ".join(f"{reason} {count}" for reason, count in sorted(left.items()))
            raise GaitGeneratorError(
                f"preset '{preset.name}': fewer than 1 in {_MAX_ATTEMPTS} random commands in "
                + ", ".join(f"{k} [{ranges[k][0]:g}, {ranges[k][1]:g}]" for k in keys)
                + f" lies in its feasible region (left out: {why}); narrow the ranges (--min-*/--max-*), "
                "slow the preset down, or pass --all-commands")
        size = min(_DRAW_BLOCK, max(n - count, 16) * 2)
        block = np.round(rng.uniform(lo, hi, size=(size, 3)), 4) + 0.0
        drawn_total += size
        if feasible:
            block, why = _keep(robot, preset, timing, region, block, velocity)
            left += why
        block = block[:n - count]
        kept.append(block)
        count += len(block)
    return CommandSet(np.concatenate(kept) if kept else np.zeros((0, 3)), velocity, left)
