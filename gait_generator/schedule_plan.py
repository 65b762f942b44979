"""A schedule's steps and frames: segments snapped to whole steps, laid out as stands and walking runs.

Rules (``T`` the snapped step duration, ``step_frames / fps``; ``s`` single support,
``sd`` the start/end double support, in frames):

* A **walking** segment (``velocity`` or ``step``) lasts ``n = max(1, round(duration / T))``
  steps, each with the segment's per-step command. A velocity ``(vx, vy, wz)``
  becomes the step whose steady walk achieves it (``fitted``, from
  :func:`gait_generator.velocity.fit_velocity`), else the step of the planner model,
  :func:`gait_generator.velocity.planner_step` (``dtheta = wz T``, ``(dx, dy)`` such
  that the planned footholds move at the velocity); every step is checked
  against the preset's step limits.
  Consecutive walking segments form one run: the first step of a segment
  already uses its command (a change takes effect at the next step).
* A **stand** segment lasts ``round(duration * fps / substep)`` planner timesteps,
  at least its transitions: it holds the closing step and the end double
  support of the walk before it (``s + sd`` frames, when one comes before it) and
  the start double support of the walk after it (``sd``, when one follows);
  the rest is quiet standing.
* A schedule that starts walking gets the start double support before its
  first segment, one that ends walking the closing step and end double
  support after its last (``lead_in_frames`` / ``lead_out_frames`` in ``meta``):
  a clip always starts and ends standing.

The clip spans the whole plan, ``frames / fps`` seconds; ``meta["schedule"]``
records each segment's frames and ``meta["schedule_steps"]`` every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait_generator.commands import Command3
from gait_generator.errors import CommandError
from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import Preset
from gait_generator.runs import Run, RunsPlan, Stand, plan_runs
from gait_generator.schedule import Schedule, Segment
from gait_generator.timing import StepTiming
from gait_generator.velocity import planner_step, planner_velocity

__all__ = ["SchedulePlan", "plan_schedule"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SchedulePlan:
    """A schedule laid out in steps and frames.

    Attributes:
        schedule: The schedule.
        plan: Its footholds, phases and steps (planner world frame).
        velocities: (n, 3) velocity command ``[vx, vy, wz]`` (m/s, m/s, rad/s) of each
            commanded step in order (closing steps not counted).
        meta: What the motion file records: ``schedule`` (segments with their
            frames) and ``schedule_steps`` (each step's command and frames).
    """

    schedule: Schedule
    plan: RunsPlan
    velocities: FloatArray
    meta: dict[str, Any]


def plan_schedule(planner: FootstepPlanner, feet: tuple[FloatArray, FloatArray], preset: Preset,
                  timing: StepTiming, schedule: Schedule,
                  fitted: dict[tuple[float, float, float], Command3] | None = None) -> SchedulePlan:
    """Lay a schedule out in steps and frames (rules in the module docstring) and plan its footholds.

    Args:
        planner: placo's footstep planner configured for ``preset``.
        feet: Left and right standing sole poses (4x4, planner world frame).
        preset: The walk preset. timing: Frame-snapped step timing.
        schedule: The schedule.
        fitted: Per velocity command ``(vx, vy, wz)``, the step whose steady walk achieves it.

    Raises:
        CommandError: A segment's step beyond the preset's step limits, or a step placo's
            planner would move (feet too close); the message names the segment.
    """
    s, sd, step = timing.single_support_frames, timing.startend_frames, timing.step_frames
    segments = schedule.segments
    blocks: list[Stand | Run] = []
    commands: list[Command3] = []
    where: list[str] = []
    velocities: list[tuple[float, float, float]] = []
    records: list[dict[str, Any]] = []
    lead_in = sd if segments[0].walking else 0
    frame = lead_in
    for i, segment in enumerate(segments):
        record: dict[str, Any] = {**segment.as_dict(), "start_frame": frame}
        if segment.walking:
            command, velocity = _step_command(planner, preset, timing, segment, schedule.where(i), fitted or {})
            n = max(1, round(segment.duration * timing.fps / step))
            commands += [command] * n
            where += [schedule.where(i)] * n
            velocities += [velocity] * n
            record.update(steps=n, frames=n * step, step_command=list(command), velocity_command=list(velocity))
        else:
            before = s + sd if i > 0 and segments[i - 1].walking else 0
            after = sd if i + 1 < len(segments) and segments[i + 1].walking else 0
            wanted = round(segment.duration * timing.fps / timing.substep) * timing.substep
            frames = max(wanted, before + after)
            if commands:
                blocks.append(Run(tuple(commands), tuple(where)))
                commands, where = [], []
            blocks.append(Stand(frames - before - after))
            record.update(frames=frames)
        record["duration_planned"] = record["frames"] / timing.fps
        frame += record["frames"]
        records.append(record)
    if commands:
        blocks.append(Run(tuple(commands), tuple(where)))
    runs = plan_runs(planner, feet, preset, timing, blocks)
    meta = {
        "schedule": {
            "source": schedule.source,
            "segments": records,
            "lead_in_frames": lead_in,
            "lead_out_frames": runs.timeline.frames - frame,
            "frames": runs.timeline.frames,
            "step_frames": step,
        },
        "schedule_steps": [{"side": "left" if p.side == 0 else "right", "lift_frame": p.lift, "land_frame": p.land,
                            "command": list(p.command), "closing": p.closing} for p in runs.steps],
    }
    return SchedulePlan(schedule, runs, np.array(velocities, dtype=float).reshape(-1, 3), meta)


def _step_command(planner: FootstepPlanner, preset: Preset, timing: StepTiming, segment: Segment,
                  where: str, fitted: dict[tuple[float, float, float], Command3]
                  ) -> tuple[Command3, tuple[float, float, float]]:
    """The per-step command (m, m, rad) and the velocity command (m/s, m/s, rad/s) of a walking segment.

    Raises:
        CommandError: The step is beyond the preset's step limits (the message names ``where``).
    """
    assert segment.values is not None
    if segment.kind == "velocity":
        velocity = segment.values
        if tuple(velocity) in fitted:
            step = fitted[tuple(velocity)]
        else:
            model = planner_step(planner, preset, timing, np.array(velocity))
            step = (model.dx, model.dy, model.dtheta)
    else:
        step = segment.values
        velocity = tuple(float(v) + 0.0 for v in planner_velocity(planner, preset, timing, *step))  # type: ignore[assignment]
    try:
        preset.check_command(*step)
    except CommandError as exc:
        what = f"velocity {list(velocity)} needs the step {[round(v, 6) for v in step]}: " \
            if segment.kind == "velocity" else ""
        raise CommandError(f"{where}: {what}{exc}") from None
    return step, velocity  # type: ignore[return-value]
