"""generate()'s stages run one by one on mini_biped, cached: one solve per test session.

Shared by ``tests/test_walk_plan.py``, ``tests/test_corrected_walk.py``,
``tests/test_clip.py`` and ``tests/test_assembly.py``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from gait_generator.clip import Clip, place_clip
from gait_generator.corrected_walk import CorrectedWalk, correct_walk
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from gait_generator.preset import Preset, resolve_preset
from gait_generator.timing import StepTiming, snap_timing
from gait_generator.walk_plan import WalkPlan, plan_walk
from motions import Command
from robots import Robot, load_robot

COMMAND = Command(dx=0.03, dy=0.0, dtheta=0.15)
"""Forward and turning (m, m, rad per step): every planar quantity moves."""
LENGTH = 2.0
"""Requested clip length (s)."""


@dataclass(frozen=True)
class Stages:
    """The inputs and the result of every stage of one clip."""

    robot: Robot
    preset: Preset
    timing: StepTiming
    plan: WalkPlan
    solve: CorrectedWalk
    clip: Clip


def planned(with_start: bool) -> tuple[Robot, Preset, StepTiming, WalkPlan]:
    """Stage 1 on mini_biped's medium preset at 60 fps, the whole-body IK reset to seed 0 as generate() does."""
    robot = load_robot("mini_biped")
    preset = resolve_preset(robot.spec.presets, "medium", robot.name)
    timing = snap_timing(preset, 60)
    ik = wholebody_ik(robot)
    ik.reset(preset, 0)
    plan = plan_walk(FootstepPlanner(robot, preset), ik.feet_frames(), preset, timing, COMMAND, LENGTH, with_start)
    return robot, preset, timing, plan


@functools.cache
def stages(with_start: bool = False) -> Stages:
    """Every stage of the clip of :data:`COMMAND` (looping, or from standing)."""
    robot, preset, timing, plan = planned(with_start)
    solve = correct_walk(robot, preset, plan)
    return Stages(robot, preset, timing, plan, solve, place_clip(plan, solve, timing, LENGTH))
