"""placo's repetitive footstep planner, configured from a robot and a preset.

Each step is the previous foothold moved by the command (placo's
``opposite_footstep``). placo's own clipping of steps is opened wide (commands
are range-checked against the preset before planning), and a plan in which placo
would still move a step (feet too close) is refused.
"""

from __future__ import annotations

import itertools

import numpy as np
import placo

from gait_generator.errors import CommandError, PlanningError
from gait_generator.preset import Preset
from robots import Robot

__all__ = ["FootstepPlanner"]

_SIDES = {"left": placo.HumanoidRobot_Side.left, "right": placo.HumanoidRobot_Side.right}


class FootstepPlanner:
    """placo's repetitive footstep planner with the parameters of ``robot`` walking with ``preset``.

    Args:
        robot: The robot (its sole size).
        preset: The walk preset (feet spacing, step limits).
    """

    def __init__(self, robot: Robot, preset: Preset) -> None:
        p = placo.HumanoidParameters()
        spec = robot.spec
        p.walk_com_height = preset.com_height
        p.walk_trunk_pitch = preset.trunk_pitch
        p.feet_spacing = preset.feet_spacing
        p.foot_length = spec.foot_length
        p.foot_width = spec.foot_width
        # Commands are range-checked against the preset before planning; placo's own
        # clipping is opened wide so it never silently shortens a step.
        p.walk_max_dx_forward = 10.0 * max(preset.max_dx_forward, 1e-3)
        p.walk_max_dx_backward = 10.0 * max(preset.max_dx_backward, 1e-3)
        p.walk_max_dy = 10.0 * max(preset.max_dy, 1e-3)
        p.walk_max_dtheta = 10.0 * max(preset.max_dtheta, 1e-3)
        p.walk_dtheta_spacing = 0.0  # no hidden lateral widening while turning: steps follow the command exactly
        self._params = p

    def plan(self, left: np.ndarray, right: np.ndarray, dx: float, dy: float, dtheta: float,
             steps: int) -> list[tuple[str, np.ndarray]]:
        """placo's repetitive footstep plan from standing feet.

        The left foot moves first.

        Args:
            left, right: 4x4 standing sole poses, flat on the floor (world).
            dx, dy: Step per step (m), heading frame. dtheta: Heading change per step (rad).
            steps: Number of steps, the closing one included.

        Returns:
            ``(side, 4x4 sole pose)`` per footstep: the two standing feet, then
            ``steps`` steps, the last of which closes the walk (it brings the feet
            side by side instead of following the command).

        Raises:
            CommandError: placo's planner would shorten or move a step (feet too close).
            PlanningError: placo's planner fails.
        """
        try:
            planner = placo.FootstepsPlannerRepetitive(self._params)
            planner.configure(float(dx), float(dy), float(dtheta), int(steps))
            footsteps = list(planner.plan(_SIDES["left"], left, right))
            self._check_not_clipped(planner, footsteps, dx, dy, dtheta)
        except CommandError:
            raise
        except Exception as exc:
            raise PlanningError(f"placo footstep planning failed for command ({dx}, {dy}, {dtheta}): {exc}") from exc
        names = {v: k for k, v in _SIDES.items()}
        return [(names[f.side], np.array(f.frame)) for f in footsteps]

    def next_footstep(self, side: str, pose: np.ndarray, dx: float, dy: float, dtheta: float,
                      check: bool = False) -> np.ndarray:
        """Sole pose (4x4, world) of the other foot's next step from ``side`` planted at ``pose`` (placo's rule).

        Args:
            side: The planted foot, ``"left"`` or ``"right"``. pose: Its sole pose (4x4, world).
            dx, dy: Step (m), heading frame. dtheta: Heading change (rad).
            check: Raise where placo's own planner would move this step (as :meth:`plan` does).

        Raises:
            CommandError: ``check`` and the feet would be too close (placo's clipping moves the step).
        """
        step = placo.Footstep(self._params.foot_width, self._params.foot_length)
        step.side = _SIDES[side]
        step.frame = np.asarray(pose, dtype=float)
        planner = placo.FootstepsPlannerRepetitive(self._params)
        out = np.array(planner.opposite_footstep(step, float(dx), float(dy), float(dtheta)).frame)
        if check:
            clipped = np.array(planner.clipped_opposite_footstep(step, float(dx), float(dy), float(dtheta)).frame)
            if np.abs(out - clipped).max() > 1e-9:
                raise _clipped(dx, dy, dtheta, float(np.linalg.norm(out[:2, 3] - clipped[:2, 3])))
        return out

    @staticmethod
    def _check_not_clipped(planner: placo.FootstepsPlannerRepetitive, steps: list, dx: float, dy: float,
                           dtheta: float) -> None:
        """Raise :class:`CommandError` where placo shortened a step (e.g. to keep the feet apart)."""
        # steps[0:2] are the initial feet and the last one closes the walk; the rest follow the command.
        for a, b in itertools.pairwise(steps[1:-1]):
            expected = np.array(planner.opposite_footstep(a, dx, dy, dtheta).frame)
            if np.abs(expected - np.array(b.frame)).max() > 1e-9:
                raise _clipped(dx, dy, dtheta, float(np.linalg.norm(expected[:2, 3] - np.array(b.frame)[:2, 3])))


def _clipped(dx: float, dy: float, dtheta: float, gap: float) -> CommandError:
    """The error for a step placo's planner would move by ``gap`` (m) to keep the feet apart."""
    return CommandError(
        f"command ({dx}, {dy}, {dtheta}) would make placo's footstep planner move a step by "
        f"{gap * 1000:.1f} mm (feet too close or overlapping); use a smaller dy/dtheta or a wider "
        "feet_spacing"
    )
