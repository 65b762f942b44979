"""The feasible command region of a preset: which step commands the generator can make into clips that pass.

A command is previewed at planner level, far cheaper than generating it:

1. placo's footstep rule must not move a step (the feet would collide);
2. the steady gait cycle's point-mass plan (LIPM CoM, swing feet, trunk) is
   solved by the whole-body IK **once**, without the whole-body ZMP corrections
   (:func:`gait_generator.wholebody.solve_walk` with ``corrections=0``): every
   frame must be reachable within the joint limits, knees bent the right way;
3. the joint speeds of that preview must stay below :data:`SPEED_FRACTION` of
   the URDF limits (the validator's ``joint_velocity_limit`` check allows 1.0;
   the margin covers what the corrections change).

Each command gets a **margin**: -1 if 1 or 2 fails, else
``1 - speed / (SPEED_FRACTION * limit)`` at the fastest joint (>= 0 is
feasible). The region is the grid of previewed commands over a box (each
axis includes 0 and both ends, :func:`gait_generator.sweep.grid_axis`); between
grid commands the margin is interpolated multilinearly, so random draws are
judged without a preview each. A region is cached on disk
(:func:`motions.cache.cache_dir` ``("feasible")``), keyed by a hash of the
robot (spec and URDF text), the preset's parameters, the frame rate, the grid,
and the generator and placo versions.

Measured (one core): mini_biped about 30 ms and G1 about 45 ms per command,
a fraction of a generation; a batch previews with its ``-j`` workers.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import RegularGridInterpolator

from gait_generator.corrected_walk import cycle_boundary
from gait_generator.errors import CommandError, PlanningError
from gait_generator.placo_adapter import PLACO_VERSION, FootstepPlanner, wholebody_ik
from gait_generator.preset import Preset
from gait_generator.timing import StepTiming
from gait_generator.version import __version__
from gait_generator.walk_plan import plan_walk
from gait_generator.wholebody import solve_walk
from motions import Command
from motions.atomic import atomic_write_bytes
from motions.cache import cache_dir
from robots import Robot

__all__ = ["REASONS", "SPEED_FRACTION", "FeasibleRegion", "feasible_region", "preview_command"]

FloatArray = NDArray[np.float64]

SPEED_FRACTION = 0.9
"""Largest joint speed of a preview, as a fraction of the URDF velocity limit."""

REASONS = ("feasible", "feet too close", "out of reach (IK)", "joint speed", "beyond the previewed box")
"""Why a command is (in)feasible, by code: 0 feasible, then the failed check; the last one is a command
outside the grid the region was previewed on (for a batch: beyond the preset's step limits)."""

REGION_FORMAT = 1
"""Version of the cached region's content (part of the cache key)."""


def preview_command(robot: Robot, preset: Preset, timing: StepTiming, command: Command, seed: int = 0
                    ) -> tuple[float, int]:
    """Preview one step command (see the module docstring).

    Returns:
        ``(margin, reason code)``: margin >= 0 and code 0 when feasible, else the
        code of the failed check in :data:`REASONS`.
    """
    planner = FootstepPlanner(robot, preset)
    ik = wholebody_ik(robot)
    ik.reset(preset, seed)
    try:
        plan = plan_walk(planner, ik.feet_frames(), preset, timing, command, timing.cycle_frames / timing.fps, False)
    except CommandError:
        return -1.0, 1
    try:
        frames = solve_walk(ik, preset, plan.timeline, cycle_boundary(plan), timing.cycle_frames + 1, "right",
                            corrections=0)
    except PlanningError:
        return -1.0, 2
    limits = np.array([robot.info.joints[name].velocity for name in robot.joint_names])
    limits = np.where(limits > 0, limits, np.inf)
    fraction = float((np.abs(frames.joint_vel) / limits).max())
    margin = 1.0 - fraction / SPEED_FRACTION
    return margin, 0 if margin >= 0 else 3


@dataclass(frozen=True)
class FeasibleRegion:
    """Previewed commands on a grid, and the feasible region they span.

    Attributes:
        axes: The grid values of ``dx``, ``dy`` (m) and ``dtheta`` (rad) per step, increasing.
        margin: ``(len(dx), len(dy), len(dtheta))`` margins (>= 0 feasible).
        reason: Same shape, int8 codes into :data:`REASONS`.
    """

    axes: tuple[FloatArray, FloatArray, FloatArray]
    margin: FloatArray
    reason: NDArray[np.int8]

    def margins(self, commands: ArrayLike) -> FloatArray:
        """Interpolated margins of ``(N, 3)`` commands; -1 outside the grid's box."""
        q = np.asarray(commands, dtype=np.float64).reshape(-1, 3)
        axes = [a if len(a) > 1 else np.r_[a[0], a[0] + 1e-9] for a in self.axes]
        values = self.margin
        for k, a in enumerate(self.axes):
            if len(a) == 1:
                values = np.concatenate([values, values], axis=k)
        inside = np.ones(len(q), dtype=bool)
        for k, a in enumerate(self.axes):
            inside &= (q[:, k] >= a[0] - 1e-9) & (q[:, k] <= a[-1] + 1e-9)
        clipped = np.column_stack([np.clip(q[:, k], axes[k][0], axes[k][-1]) for k in range(3)])
        out = RegularGridInterpolator(axes, values, method="linear")(clipped)
        return np.where(inside, out, -1.0)

    def contains(self, commands: ArrayLike) -> NDArray[np.bool_]:
        """Whether each of ``(N, 3)`` commands lies in the feasible region (interpolated margin >= 0)."""
        return self.margins(commands) >= 0.0

    def reasons(self, commands: ArrayLike) -> list[str]:
        """Why each command is left out: the reason of the worst grid command around it ("feasible" if inside)."""
        q = np.asarray(commands, dtype=np.float64).reshape(-1, 3)
        out = []
        for row, ok in zip(q, self.contains(q)):
            if ok:
                out.append(REASONS[0])
                continue
            if any(not a[0] - 1e-9 <= row[k] <= a[-1] + 1e-9 for k, a in enumerate(self.axes)):
                out.append(REASONS[4])
                continue
            cell = []
            for k, a in enumerate(self.axes):
                hi = int(np.clip(np.searchsorted(a, row[k]), 0, len(a) - 1))
                cell.append(sorted({max(hi - 1, 0), hi}))
            idx = np.ix_(*cell)
            worst = np.unravel_index(int(np.argmin(self.margin[idx])), self.margin[idx].shape)
            code = int(self.reason[idx][worst])
            out.append(REASONS[code] if code else REASONS[3])
        return out


def _key(robot: Robot, preset: Preset, timing: StepTiming, axes: tuple[FloatArray, ...], seed: int) -> str:
    spec_text = robot.spec.path.read_bytes() if robot.spec.path.is_file() else b""
    payload = json.dumps({
        "format": REGION_FORMAT, "generator": __version__, "placo": PLACO_VERSION, "robot": robot.name,
        "preset": preset.parameters(), "timing": timing.as_dict(preset), "seed": seed,
        "axes": [a.tolist() for a in axes], "speed_fraction": SPEED_FRACTION,
    }, sort_keys=True).encode()
    digest = hashlib.sha256(payload)
    digest.update(hashlib.sha256(spec_text).digest())
    digest.update(hashlib.sha256(robot.urdf_text.encode()).digest())
    return digest.hexdigest()


def feasible_region(robot: Robot, preset: Preset, timing: StepTiming, axes: tuple[ArrayLike, ArrayLike, ArrayLike],
                    seed: int = 0, use_cache: bool = True, n_jobs: int = 1) -> FeasibleRegion:
    """The feasible region of ``preset`` previewed on the grid ``axes`` (cached; see the module docstring).

    Args:
        robot: The robot. preset: The walk preset. timing: Frame-snapped step timing.
        axes: Increasing grid values of ``dx``, ``dy`` (m) and ``dtheta`` (rad) per step.
        seed: Seed of the previews' initial-pose solve.
        use_cache: Read and write the on-disk cache.
        n_jobs: Worker processes of the previews (joblib; the same region whatever the number:
            each preview starts from the seeded standing pose).
    """
    grid_axes = tuple(np.asarray(a, dtype=np.float64).ravel() for a in axes)
    path = cache_dir("feasible") / f"{_key(robot, preset, timing, grid_axes, seed)}.npz"
    if use_cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                margin, reason = data["margin"], data["reason"]
            shape = tuple(len(a) for a in grid_axes)
            if margin.shape == shape and reason.shape == shape and margin.dtype == np.float64:
                return FeasibleRegion(grid_axes, margin, reason.astype(np.int8))  # type: ignore[arg-type]
        except (OSError, ValueError, KeyError):
            pass  # a damaged entry is recomputed and replaced
    region = FeasibleRegion(grid_axes, *_preview_grid(robot, preset, timing, grid_axes, seed, n_jobs))  # type: ignore[arg-type]
    if use_cache:
        buffer = io.BytesIO()
        np.savez(buffer, margin=region.margin, reason=region.reason)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, buffer.getvalue())
        except OSError:
            pass  # an unwritable cache only costs time
    return region


def _preview_grid(robot: Robot, preset: Preset, timing: StepTiming, axes: tuple[FloatArray, ...],
                  seed: int, n_jobs: int) -> tuple[FloatArray, NDArray[np.int8]]:
    shape = tuple(len(a) for a in axes)
    mesh = np.meshgrid(*axes, indexing="ij")
    commands = np.stack([m.ravel() for m in mesh], axis=1)
    if n_jobs > 1 and len(commands) > n_jobs:
        import joblib

        chunks = np.array_split(commands, min(len(commands), 4 * n_jobs))
        parts = joblib.Parallel(n_jobs=n_jobs)(
            joblib.delayed(_preview_rows)(str(robot.spec.path), str(preset.path), timing.fps, chunk, seed)
            for chunk in chunks)
        rows = np.concatenate([np.asarray(part) for part in parts])
    else:
        rows = np.asarray(_previews(robot, preset, timing, commands, seed))
    return rows[:, 0].reshape(shape), rows[:, 1].astype(np.int8).reshape(shape)


def _previews(robot: Robot, preset: Preset, timing: StepTiming, commands: FloatArray,
              seed: int) -> list[tuple[float, int]]:
    return [preview_command(robot, preset, timing, Command(dx=float(dx), dy=float(dy), dtheta=float(dt)), seed)
            for dx, dy, dt in commands]


def _preview_rows(spec: str, preset_path: str, fps: float, commands: FloatArray, seed: int) -> list[tuple[float, int]]:
    """:func:`_previews` in a worker process, from the robot spec's and the preset's files."""
    from gait_generator.preset import load_preset
    from gait_generator.timing import snap_timing
    from robots import load_robot

    preset = load_preset(preset_path)
    return _previews(load_robot(spec), preset, snap_timing(preset, fps), commands, seed)
