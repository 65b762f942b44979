"""Whole-body motion of a timeline: IK at every frame, with the whole-body ZMP on the plan.

The CoM comes from the exact LIPM solution of the timeline's ZMP reference
(:mod:`gait_generator.lipm`). The LIPM treats the robot as a point mass, but
swinging legs carry angular momentum, which moves the real (whole-body) ZMP
by centimetres. So the plan is solved as a fixed point: solve the IK at every
frame, compute each frame's whole-body ZMP exactly (centroidal momentum rate of
the IK's exact accelerations, :meth:`gait_generator.dynamics.Multibody.task_rates`), call its difference
from the point-mass ZMP ``e``, and re-plan the CoM for the ZMP ``p_ref - e``.
When ``e`` stops changing, the whole-body ZMP equals ``p_ref`` at every frame.
``e`` is interpolated linearly between frames, so the CoM stays an exact LIPM
solution in continuous time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait_generator import weighted
from gait_generator.dynamics import multibody
from gait_generator.errors import PlanningError
from gait_generator.lipm import GRAVITY, CoMTrajectory, Periodic, PiecewisePolynomial, Rest, solve_lipm
from gait_generator.placo_adapter import WholeBodyIK
from gait_generator.preset import Preset
from gait_generator.timeline import Timeline
from motions.rotations import quat_make_continuous

__all__ = ["CONTACT_HEIGHT", "IK_ANGLE_TOL", "IK_POSITION_TOL", "ZMP_TOL", "WalkFrames", "solve_walk"]

FloatArray = NDArray[np.float64]

IK_POSITION_TOL = 1e-6
"""Foot and CoM tolerance of the IK (m)."""
IK_ANGLE_TOL = 1e-5
"""Foot and trunk orientation tolerance of the IK (rad)."""
ZMP_TOL = 2e-4
"""Whole-body ZMP error (m) below which the CoM correction stops."""
ZMP_ITERATIONS = 8
"""Largest number of CoM corrections."""
CONTACT_HEIGHT = 2e-4
"""A sole is in contact when it is at most this high above the floor (m)."""
_FIRST_FRAME_ITERATIONS = 200
_FRAME_ITERATIONS = 30


@dataclass
class WalkFrames:
    """Solved frames of a timeline (world frame of the plan, SI units).

    Attributes:
        root_pos, root_quat (xyzw), joints: (n, 3), (n, 4), (n, J) poses.
        root_lin_vel, root_ang_vel, joint_vel: exact velocities (world frame for the root).
        root_lin_acc, root_ang_acc, joint_acc: exact accelerations.
        left, right: (n, 3) sole centres. com: (n, 3) CoM. zmp: (n, 2) planned ZMP.
        contacts: (n, 2) sole within :data:`CONTACT_HEIGHT` of the floor.
        iterations: IK iterations (last pass). zmp_iterations: CoM corrections made.
        zmp_error: largest whole-body ZMP error (m) of the last pass.
        correction_max: largest CoM correction ``|e|`` (m).
        bump_sizes: (nb, 2) weight-shift bumps of a rest plan (m).
        trunk_roll_max: largest trunk roll away from its target (rad); five-joint
            legs give it up to reach the CoM, six-joint legs hold it at 0.
        trunk_yaw_max: largest trunk heading offset from its target (rad), likewise.
    """

    root_pos: FloatArray
    root_quat: FloatArray
    joints: FloatArray
    root_lin_vel: FloatArray
    root_ang_vel: FloatArray
    joint_vel: FloatArray
    root_lin_acc: FloatArray
    root_ang_acc: FloatArray
    joint_acc: FloatArray
    left: FloatArray
    right: FloatArray
    com: FloatArray
    zmp: FloatArray
    contacts: NDArray[np.bool_]
    iterations: int
    zmp_iterations: int
    zmp_error: float
    correction_max: float
    bump_sizes: FloatArray
    trunk_roll_max: float = 0.0
    trunk_yaw_max: float = 0.0

    def slice(self, start: int, stop: int) -> WalkFrames:
        """Frames ``start`` to ``stop - 1``."""
        out = {k: (v[start:stop] if isinstance(v, np.ndarray) and k != "bump_sizes" else v)
               for k, v in self.__dict__.items()}
        return WalkFrames(**out)


class _Anderson:
    """Anderson mixing of the fixed point ``e = F(e)`` (memory 2).

    Plain iteration contracts by about 0.15 per pass; mixing the last residuals
    reaches the tolerance in one or two passes fewer.
    """

    def __init__(self, memory: int = 2) -> None:
        self.memory = memory
        self.iterates: list[FloatArray] = []
        self.residuals: list[FloatArray] = []

    def next(self, e: FloatArray, image: FloatArray) -> FloatArray:
        """The next iterate, given the current one and its image ``F(e)``."""
        self.iterates.append(e.ravel())
        self.residuals.append((image - e).ravel())
        self.iterates, self.residuals = self.iterates[-self.memory - 1:], self.residuals[-self.memory - 1:]
        if len(self.residuals) < 2:
            return image
        d_res = np.diff(np.array(self.residuals), axis=0).T
        d_it = np.diff(np.array(self.iterates), axis=0).T
        gamma, *_ = np.linalg.lstsq(d_res, self.residuals[-1], rcond=None)
        return (image.ravel() - (d_it + d_res) @ gamma).reshape(e.shape)


def _correction(breaks: FloatArray, e: FloatArray) -> PiecewisePolynomial:
    """``-e`` interpolated linearly between the frames (``e`` given at every break)."""
    coeffs = np.zeros((len(breaks) - 1, 2, 2))
    coeffs[:, 0] = -e[:-1]
    coeffs[:, 1] = -(e[1:] - e[:-1]) / np.diff(breaks)[:, None]
    return PiecewisePolynomial(breaks, coeffs)


def solve_walk(ik: WholeBodyIK, preset: Preset, timeline: Timeline, boundary: Periodic | None,
               frames: int, start_side: str, corrections: int = ZMP_ITERATIONS) -> WalkFrames:
    """Solve the whole-body motion of ``timeline`` at frames ``0 .. frames - 1``.

    Args:
        ik: The robot's whole-body IK, reset to the standing pose of ``preset`` (its state warm-starts the
            first frame).
        preset: The walk preset (CoM height, trunk pitch).
        timeline: Footholds and phases.
        boundary: :class:`~gait_generator.lipm.Periodic` for a gait cycle (then
            ``frames`` is usually ``timeline.frames + 1``, the last frame being the
            next cycle's first), or None for a plan that starts and ends at rest
            (``frames == timeline.frames + 1`` covers it all).
        frames: Number of frames to solve, from frame 0.
        start_side: The foot planted at frame 0, used to place the robot before the first solve.
        corrections: Most CoM corrections for the whole-body ZMP; 0 solves the point-mass
            plan once, unchecked (a kinematic preview, :mod:`gait_generator.feasible`).

    Raises:
        PlanningError: IK fails, a knee flips, or the whole-body ZMP does not converge.
    """
    body = multibody(ik.robot)
    fps = timeline.fps
    total = timeline.frames
    breaks = np.arange(total + 1) / fps
    zmp_ref, bumps = timeline.zmp_reference()
    zmp_ref = zmp_ref.refine(breaks)
    holds = tuple(k / fps for k in timeline.rest_frames())
    bc = boundary if boundary is not None else Rest(tuple(b.refine(breaks) for b in bumps), holds)
    omega = math.sqrt(GRAVITY / preset.com_height)
    index = np.arange(frames)
    feet = timeline.feet(index)
    trunk_rot, trunk_vel, trunk_acc = timeline.trunk(index, preset.trunk_pitch)
    feet_vel = np.concatenate([feet.vel, np.zeros((frames, 2, 2)), feet.yaw_rate[..., None]], axis=2)
    feet_acc = np.concatenate([feet.acc, np.zeros((frames, 2, 2)), feet.yaw_acc[..., None]], axis=2)
    first = feet.poses[0, 0 if start_side == "left" else 1]
    times = index / fps
    e = np.zeros((total + 1, 2))
    mixer = _Anderson()
    solved = min(frames, total + 1)
    best: tuple[float, list, CoMTrajectory, np.ndarray] | None = None
    for iteration in range(corrections + 1):
        com_traj = solve_lipm(zmp_ref + _correction(breaks, e), omega, bc)
        c, cd, cdd = com_traj(times), com_traj(times, 1), com_traj(times, 2)
        ik.move_base_to(first, start_side)
        states, rates = [], []
        for k in range(frames):
            com = np.array([c[k, 0], c[k, 1], preset.com_height])
            try:
                if ik.weighted:
                    state, rate = weighted.solve_frame(ik, body, timeline, com_traj, preset, k, k == 0)
                else:
                    state = ik.solve(feet.poses[k, 0], feet.poses[k, 1], com, trunk_rot[k],
                                     _FIRST_FRAME_ITERATIONS if k == 0 else _FRAME_ITERATIONS,
                                     IK_POSITION_TOL, IK_ANGLE_TOL)
                    rate = body.task_rates(ik.configuration, feet_vel[k], feet_acc[k], np.r_[cd[k], 0.0],
                                           np.r_[cdd[k], 0.0], trunk_vel[k], trunk_acc[k])
            except PlanningError as exc:
                raise PlanningError(f"frame {k} of {frames}: {exc}; joints {ik.joint_report()}") from exc
            states.append(state)
            rates.append(rate)
        wb = np.array([r.zmp for r in rates])
        plan_zmp = com_traj.zmp(times) + e[np.minimum(index, total)]  # the reference with its bumps
        error = float(np.linalg.norm(wb[:solved] - plan_zmp[:solved], axis=1).max())
        if best is None or error < best[0]:
            best = (error, (states, rates), com_traj, plan_zmp)
        if error < ZMP_TOL or iteration == corrections:
            break
        pm = c - cdd / omega**2  # point-mass ZMP of the planned CoM (five-joint legs reach it only in part)
        new = np.zeros_like(e)
        new[:solved] = wb[:solved] - pm[:solved]
        if isinstance(boundary, Periodic) and solved == total + 1:
            new[total] = boundary.rotation @ new[0]
        e = mixer.next(e, new)
    error, (states, rates), com_traj, plan_zmp = best
    if ik.weighted:
        # Five-joint legs reach the planned CoM only as far as their trunk roll allows: the plan
        # becomes the whole-body ZMP of the motion they reach (checked against the soles later).
        plan_zmp = np.array([r.zmp for r in rates])
    elif error > 10 * ZMP_TOL and corrections:
        raise PlanningError(f"the whole-body ZMP does not converge onto the plan (error {error * 1e3:.2f} mm)")
    left = np.array([st.left for st in states])
    right = np.array([st.right for st in states])
    gap = np.einsum("tji,tjk->tik", trunk_rot, np.array([st.trunk for st in states]))  # target -> solved
    roll = np.abs(0.5 * (gap[:, 2, 1] - gap[:, 1, 2]))
    yaw = np.abs(0.5 * (gap[:, 1, 0] - gap[:, 0, 1]))
    return WalkFrames(
        root_pos=np.array([st.root_pos for st in states]),
        root_quat=quat_make_continuous(np.array([st.root_quat for st in states])),
        joints=np.array([st.joints for st in states]),
        root_lin_vel=np.array([r.root_lin_vel for r in rates]),
        root_ang_vel=np.array([r.root_ang_vel for r in rates]),
        joint_vel=np.array([r.joint_vel for r in rates]),
        root_lin_acc=np.array([r.root_lin_acc for r in rates]),
        root_ang_acc=np.array([r.root_ang_acc for r in rates]),
        joint_acc=np.array([r.joint_acc for r in rates]),
        left=left,
        right=right,
        com=np.array([st.com for st in states]),
        zmp=plan_zmp,
        contacts=np.column_stack([left[:, 2] <= CONTACT_HEIGHT, right[:, 2] <= CONTACT_HEIGHT]),
        iterations=sum(st.iterations for st in states),
        zmp_iterations=iteration,
        zmp_error=error,
        correction_max=float(np.linalg.norm(e, axis=1).max()),
        bump_sizes=com_traj.bump_sizes,
        trunk_roll_max=float(np.arcsin(np.clip(roll.max(), 0.0, 1.0))),
        trunk_yaw_max=float(np.arcsin(np.clip(yaw.max(), 0.0, 1.0))),
    )
