"""Walking leg postures: the joint angles, rates and leg gaps a steady walk needs, by inverse kinematics.

A proposed preset must stay inside the URDF's joint ranges and velocity limits.
:class:`StrideModel` poses the analysis model (root welded: the trunk frame) for
one single support of the steady walk of a command:

* footholds ``C_k (+) (0, +-feet_spacing/2)`` around centre poses
  ``C_{k+1} = C_k (+) (dx, dy, dtheta)``. The whole-body CoM (not the root)
  follows the centre path at ``com_height``, from ``C_k (+) -a/2 cmd`` to
  ``C_k (+) a/2 cmd`` with ``a = 1 / (1 + double_support_ratio)``, swaying
  towards the stance sole as the linear inverted pendulum does (six-joint legs;
  five-joint legs roll the trunk instead); the trunk is pitched by
  ``trunk_pitch_deg``. The swing sole follows the generator's own profile
  (:func:`gait_generator.swing.swing_profile`), from ``C_{k-1}`` to ``C_{k+1}``;
  the stance sole stays on ``C_k``;
* each leg swings in turn; both are solved by damped Gauss-Newton on the soles'
  poses at :data:`SAMPLES` instants (five-joint legs: the position first), the
  root moved under the CoM target between two solves;
* the result (:class:`Stride`): each leg joint's span and peak rate ``|dq/dtau|``
  over the normalised single-support time ``tau`` (the rate in rad/s is that
  over ``single_support_duration``), the joint that comes nearest its range
  (less :data:`~gait_generator.propose.rules.RANGE_MARGIN`), the smallest gap between the
  two legs' collision geometry, and leg postures for clearance checks.

Measured against the generator on the G1 and mini_biped (random and combined
commands) and Romeo: pitch joints within 0.01-0.025 rad, roll joints within
0.03 rad, peak rates within 15 %. The model leaves out the whole-body ZMP
correction of the real walk, which is why the rules that use it keep room
(:mod:`gait_generator.propose.rules`). Frames: the root link's (x forward, y left, z
up); lengths in m, angles in rad.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mujoco
import numpy as np

from gait_generator.lipm import GRAVITY
from gait_generator.propose.model import AnalysisModel, FloatArray
from gait_generator.propose.posture import limits
from gait_generator.propose.proposal import LegProposal
from gait_generator.propose.rules import RANGE_MARGIN
from gait_generator.swing import swing_profile  # the generator's own swing, so the rates are its rates
from motions.planar import Planar
from robots.collisions import REST_CONTACT_TOLERANCE

__all__ = ["LEG_GAP_CAP", "SAMPLES", "Stride", "StrideModel", "WalkShape"]

LEG_GAP_CAP = 0.05
"""m: leg gaps are measured up to this distance (farther is reported as this)."""

SAMPLES = 21
"""Instants of the single support at which the legs are solved (tau = 0 ... 1)."""

_ITERATIONS = 30
_DAMPING = 1e-6
_POS_TOL = 1e-4  # m: a sole nearer its target than this is reached
_ROT_WEIGHT = 0.3  # m/rad: orientation error weight (a 0.3 m lever)
_COM_PASSES = 2  # legs solved, root moved under the CoM target, twice: joints within 0.01 rad of converged


@dataclass(frozen=True)
class WalkShape:
    """The preset values that shape a steady walk (units as in ``docs/presets.md``).

    Attributes:
        com_height: CoM height above the floor (m).
        single_support: ``single_support_duration`` (s); sets the lateral sway.
        bend: Knee bend of the walking crouch (rad): the legs' starting posture.
        foot_height: Swing apex (m).
        feet_spacing: Lateral distance between the sole centres (m).
        double_support_ratio: Double support as a fraction of single support.
        rise: ``foot_rise_ratio``.
        trunk_pitch: Trunk pitch (rad, positive leans forward).
    """

    com_height: float
    single_support: float
    bend: float
    foot_height: float
    feet_spacing: float
    double_support_ratio: float
    rise: float
    trunk_pitch: float


@dataclass(frozen=True)
class Stride:
    """What one command needs from the legs (both legs swinging in turn).

    Attributes:
        command: (dx m, dy m, dtheta rad) per step.
        reached: Every sole target was reached (within 0.1 mm).
        range_joint: Joint nearest its range.
        range_excess: How far (rad) that joint goes past its limit less ``RANGE_MARGIN`` (:mod:`~gait_generator.propose.rules`);
            at most 0 when every joint keeps the margin.
        rates: Joint -> peak ``|dq/dtau|`` (rad per single support).
        span: Joint -> (lowest, highest) angle (rad) along the walk.
        postures: Leg postures (rad) sampled along the walk, for clearance checks.
        leg_gap: Smallest distance (m) between the two legs' collision geometry, up to :data:`LEG_GAP_CAP`.
        legs_near: The two leg bodies nearest each other.
    """

    command: tuple[float, float, float]
    reached: bool
    range_joint: str
    range_excess: float
    rates: dict[str, float] = field(default_factory=dict)
    span: dict[str, tuple[float, float]] = field(default_factory=dict)
    postures: tuple[dict[str, float], ...] = ()
    leg_gap: float = math.inf
    legs_near: tuple[str, str] = ("", "")

    def rate_limit(self, velocity: dict[str, float]) -> tuple[str, float]:
        """The joint whose rate most needs a long single support, and that duration (s) at its limit.

        Args:
            velocity: Joint -> velocity limit (rad/s); joints without one are left out.
        """
        worst, need = "", 0.0
        for joint, rate in self.rates.items():
            limit = velocity.get(joint, 0.0)
            if limit > 0.0 and rate / limit > need:
                worst, need = joint, rate / limit
        return worst, need


def _step(cmd: tuple[float, float, float], u: float) -> FloatArray:
    """The centre pose ``u`` steps along a constant command (exact for u = -1, 0, 1 up to second order)."""
    dx, dy, dth = cmd
    if u >= 0.0:
        return Planar(u * dx, u * dy, u * dth).pose()
    return np.linalg.inv(Planar(-u * dx, -u * dy, -u * dth).pose())


class StrideModel:
    """Leg inverse kinematics of a steady walk on the analysis model (rules in the module docstring).

    Args:
        model: The analysis model (its data is used for the solves).
        legs: (left, right) legs as proposed, with their sole geometry (``sole_offset``, ``foot_link``).
        held: Angles (rad) of the joints not driven.
        crouch: Leg angles (rad) of the walking crouch: the warm start, and the trunk height.
        shape: The walk's shape.
    """

    def __init__(self, model: AnalysisModel, legs: tuple[LegProposal, LegProposal], held: dict[str, float],
                 crouch: dict[str, float], shape: WalkShape) -> None:
        self.model, self.legs, self.shape = model, legs, shape
        m = model.m
        self._data = mujoco.MjData(m)
        self._q0 = np.zeros(m.nq)
        for name, value in {**held, **crouch}.items():
            self._q0[m.jnt_qposadr[model.joint_id(name)]] = value
        self._foot = [int(m.body(leg.foot_link).id) for leg in legs]
        self._offset = [np.array(leg.sole_offset) for leg in legs]
        self._jnt = [np.array([model.joint_id(j) for j in leg.joints]) for leg in legs]
        self._qadr = [m.jnt_qposadr[ids] for ids in self._jnt]
        self._hinge = [m.jnt_type[ids] == mujoco.mjtJoint.mjJNT_HINGE for ids in self._jnt]
        self._bounds = {j: limits(model, j) for leg in legs for j in leg.joints}
        self._weights = []
        for ids in self._jnt:  # a five-joint leg cannot meet every orientation: the position comes first
            rot = _ROT_WEIGHT * (1.0 if len(ids) >= 6 else 0.1)
            self._weights.append(np.array([1.0, 1.0, 1.0, rot, rot, rot]))
        self._mass = np.array(m.body_mass)[:, None] / float(np.sum(m.body_mass))
        colliding = [g for g in range(m.ngeom) if m.geom_contype[g] or m.geom_conaffinity[g]]
        self._leg_geoms = [np.array([g for g in colliding if ids[0] in model.joint_path(int(m.geom_bodyid[g]))],
                                    dtype=int) for ids in self._jnt]  # every collision geom each leg moves
        self._set(self._q0)
        self._leg_pairs = np.ones((len(self._leg_geoms[0]), len(self._leg_geoms[1])), dtype=bool)
        for i, a in enumerate(self._leg_geoms[0]):  # pairs touching in the crouch never count (MuJoCo excludes them)
            for j, b in enumerate(self._leg_geoms[1]):
                self._leg_pairs[i, j] = mujoco.mj_geomDistance(m, self._data, int(a), int(b), LEG_GAP_CAP,
                                                               None) >= REST_CONTACT_TOLERANCE
        soles = [self._sole(i)[0] for i in (0, 1)]
        self.height = -float(np.mean([p[2] for p in soles]))
        """Height (m) of the root above the floor in the walking crouch."""

    def _set(self, q: FloatArray) -> None:
        self._data.qpos[:] = q
        mujoco.mj_kinematics(self.model.m, self._data)

    def _com(self) -> FloatArray:
        """Whole-body CoM (m, root frame) in the current pose."""
        return (self._mass * self._data.xipos).sum(axis=0)

    def _sole(self, i: int) -> tuple[FloatArray, FloatArray]:
        d, b = self._data, self._foot[i]
        rot = d.xmat[b].reshape(3, 3)
        return d.xpos[b] + rot @ self._offset[i], rot

    def _error(self, i: int, target: FloatArray) -> tuple[FloatArray, float, float]:
        """Leg ``i``'s sole error to ``target`` (4x4, root frame): (6,) position and rotation vector, |pos|, angle."""
        pos, rot = self._sole(i)
        err = np.empty(6)
        err[:3] = target[:3, 3] - pos
        r = target[:3, :3] @ rot.T
        angle = math.acos(max(-1.0, min(1.0, (r[0, 0] + r[1, 1] + r[2, 2] - 1.0) / 2.0)))
        half = 0.5 * angle / math.sin(angle) if angle > 1e-9 else 0.5
        err[3:] = (r[2, 1] - r[1, 2]) * half, (r[0, 2] - r[2, 0]) * half, (r[1, 0] - r[0, 1]) * half
        return err, math.sqrt(err[0] ** 2 + err[1] ** 2 + err[2] ** 2), angle

    def _jacobian(self, i: int) -> FloatArray:
        """(6, n) Jacobian of leg ``i``'s sole (position, then rotation) in its joints, weighted."""
        d = self._data
        ids, hinge = self._jnt[i], self._hinge[i]
        axes = d.xaxis[ids]  # hinge: rotation about the axis through the anchor; slide: translation
        lever = self._sole(i)[0] - d.xanchor[ids]
        jac = np.empty((6, len(ids)))
        jac[0] = axes[:, 1] * lever[:, 2] - axes[:, 2] * lever[:, 1]  # axis x lever, per joint
        jac[1] = axes[:, 2] * lever[:, 0] - axes[:, 0] * lever[:, 2]
        jac[2] = axes[:, 0] * lever[:, 1] - axes[:, 1] * lever[:, 0]
        jac[3:] = axes.T
        if not hinge.all():
            jac[:3, ~hinge] = axes[~hinge].T
            jac[3:, ~hinge] = 0.0
        return jac * self._weights[i][:, None]

    def _solve(self, q: FloatArray, targets: tuple[FloatArray, FloatArray]) -> tuple[FloatArray, bool]:
        """Both legs' joints in ``q`` moved so their soles reach ``targets`` (4x4 each, root frame).

        Damped Gauss-Newton on each leg (the legs are independent below the root), one
        forward kinematics per iteration for both. Returns q and whether both soles
        are within 0.1 mm.
        """
        q = q.copy()
        done = [False, False]
        pos_err = [math.inf, math.inf]
        for _ in range(_ITERATIONS):
            self._set(q)
            for i in (0, 1):
                err, pos_err[i], angle = self._error(i, targets[i])
                done[i] = pos_err[i] < _POS_TOL * 0.1 and angle < 1e-4
                if not done[i]:
                    jac, w = self._jacobian(i), self._weights[i]
                    q[self._qadr[i]] += np.linalg.solve(jac.T @ jac + _DAMPING * np.eye(jac.shape[1]),
                                                        jac.T @ (err * w))
            if all(done):
                break
        if not all(done):
            self._set(q)
            pos_err = [self._error(i, targets[i])[1] for i in (0, 1)]
        return q, max(pos_err) < _POS_TOL

    def _leg_gap(self) -> tuple[float, int, int]:
        """(distance m, left geom, right geom) of the nearest pair of the two legs' geoms, up to :data:`LEG_GAP_CAP`."""
        m, d = self.model.m, self._data
        a, b = self._leg_geoms
        if not len(a) or not len(b):
            return LEG_GAP_CAP, -1, -1
        centres = np.linalg.norm(d.geom_xpos[a][:, None, :] - d.geom_xpos[b][None, :, :], axis=2)
        gaps = centres - m.geom_rbound[a][:, None] - m.geom_rbound[b][None, :]
        best = (LEG_GAP_CAP, -1, -1)
        for i, j in zip(*np.nonzero((gaps < LEG_GAP_CAP) & self._leg_pairs)):
            dist = mujoco.mj_geomDistance(m, d, int(a[i]), int(b[j]), LEG_GAP_CAP, None)
            if dist < best[0]:
                best = (dist, int(a[i]), int(b[j]))
        return best

    def _sway(self, stance_y: float, tau: FloatArray) -> FloatArray:
        """Lateral CoM offset (m) over the single support, towards the stance sole at ``stance_y``.

        The linear inverted pendulum on the stance sole (``omega^2 = g / com_height``),
        leaving and rejoining the line between the feet at ``+-y0`` with the speed of
        a straight crossing during the double support: ``y0 = y_s c T_d / (2 + c T_d)``,
        ``c = omega tanh(omega T / 2)``. Five-joint legs sway by rolling the trunk
        instead: 0.
        """
        s = self.shape
        if len(self._jnt[0]) < 6:
            return np.zeros_like(tau)
        omega = math.sqrt(GRAVITY / s.com_height)
        period = s.single_support
        c = omega * math.tanh(omega * period / 2.0)
        double = s.double_support_ratio * period
        y0 = stance_y * c * double / (2.0 + c * double)
        return stance_y - (stance_y - y0) * np.cosh(omega * period * (tau - 0.5)) / math.cosh(omega * period / 2.0)

    def evaluate(self, command: tuple[float, float, float]) -> Stride:
        """Solve the legs along one single support of the steady walk of ``command``, each leg swinging in turn."""
        s = self.shape
        a = 1.0 / (1.0 + s.double_support_ratio)
        tau = np.linspace(0.0, 1.0, SAMPLES)
        prog, lift = swing_profile(tau, s.foot_height, s.rise)
        pitch = np.array([[math.cos(s.trunk_pitch), 0.0, math.sin(s.trunk_pitch), 0.0],
                          [0.0, 1.0, 0.0, 0.0],
                          [-math.sin(s.trunk_pitch), 0.0, math.cos(s.trunk_pitch), self.height],
                          [0.0, 0.0, 0.0, 1.0]])
        reached = True
        excess_max, use_joint = -math.inf, ""
        rates: dict[str, float] = {}
        span: dict[str, tuple[float, float]] = {}
        postures = []
        gap = (LEG_GAP_CAP, -1, -1)
        for swing in (0, 1):
            stance = 1 - swing
            side = {0: 0.5, 1: -0.5}
            start = _step(command, -1.0) @ Planar(0.0, side[swing] * s.feet_spacing, 0.0).pose()
            end = _step(command, 1.0) @ Planar(0.0, side[swing] * s.feet_spacing, 0.0).pose()
            fixed = Planar(0.0, side[stance] * s.feet_spacing, 0.0).pose()
            yaw0 = math.atan2(start[1, 0], start[0, 0])
            dyaw = math.atan2(end[1, 0], end[0, 0]) - yaw0
            q = self._q0.copy()
            shift = np.zeros(3)
            path = np.zeros((SAMPLES, len(self._qadr[0]) + len(self._qadr[1])))
            sway = self._sway(side[stance] * s.feet_spacing, tau)
            for k, t in enumerate(tau):
                centre = _step(command, a * (t - 0.5)) @ Planar(0.0, sway[k], 0.0).pose()
                foot_xy = start[:2, 3] + prog[k] * (end[:2, 3] - start[:2, 3])
                foot = Planar(foot_xy[0], foot_xy[1], yaw0 + prog[k] * dyaw).pose(lift[k])
                trunk = centre @ pitch
                trunk[:3, 3] += shift  # the root's offset from the centre path at the last instant
                for _ in range(_COM_PASSES):  # the CoM (not the root) follows the centre path at com_height
                    trunk_inv = np.linalg.inv(trunk)
                    soles = {swing: trunk_inv @ foot, stance: trunk_inv @ fixed}
                    q, ok = self._solve(q, (soles[0], soles[1]))
                    com = trunk[:3, :3] @ self._com() + trunk[:3, 3]
                    trunk[:3, 3] += np.array([centre[0, 3], centre[1, 3], s.com_height]) - com
                reached = reached and ok
                near = self._leg_gap()
                if near[0] < gap[0]:
                    gap = near
                shift = trunk[:3, 3] - (centre @ pitch)[:3, 3]
                path[k] = np.concatenate([q[self._qadr[0]], q[self._qadr[1]]])
                if k % 4 == 0:
                    postures.append({j: float(q[adr]) for leg_i in (0, 1)
                                     for j, adr in zip(self.legs[leg_i].joints, self._qadr[leg_i])})
            names = [*self.legs[0].joints, *self.legs[1].joints]
            rate = np.abs(np.gradient(path, tau, axis=0)).max(axis=0)
            for j, name in enumerate(names):
                rates[name] = max(rates.get(name, 0.0), float(rate[j]))
                low, high = span.get(name, (math.inf, -math.inf))
                span[name] = (min(low, float(path[:, j].min())), max(high, float(path[:, j].max())))
                lo, hi = self._bounds[name]
                excess = float(max(lo + RANGE_MARGIN - path[:, j].min(), path[:, j].max() - hi + RANGE_MARGIN))
                if excess > excess_max:
                    excess_max, use_joint = excess, name
        return Stride(command=command, reached=reached, range_joint=use_joint, range_excess=excess_max, rates=rates,
                      span=span,
                      postures=tuple(postures), leg_gap=gap[0],
                      legs_near=tuple(self.model.m.body(int(self.model.m.geom_bodyid[g])).name if g >= 0 else ""
                                      for g in gap[1:]))
