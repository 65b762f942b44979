"""Newton's method for the weighted IK of five-joint legs (pinocchio and numpy only).

A leg without ankle roll cannot meet its sole, CoM and trunk targets at once, so
its IK minimises a weighted sum of squared errors whose optimum keeps errors
(non-zero residuals). Gauss-Newton, which ignores the residuals' curvature, then
converges only linearly and, with widely spread weights, very slowly. Near the
optimum this module takes full Newton steps instead (the Hessian from finite
differences of the exact gradient), which converge quadratically: the optimum is
then found to round-off, as the rates differenced from neighbouring solves need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pinocchio

__all__ = ["WeightedTargets", "cost", "hessian", "polish", "residuals"]

_FD_STEP = 1e-7
"""Tangent step (rad or m) of the finite-difference Hessian."""
_UNCHECKED_STEP = 1e-6
"""Newton steps (rad or m) this small are taken without checking that the cost decreases."""


@dataclass(frozen=True)
class WeightedTargets:
    """Targets and weights of the weighted IK.

    Attributes:
        frames: pinocchio frame ids of the left sole, right sole and trunk.
        left: 4x4 left sole target, world. right: 4x4 right sole target, world.
        com: (3,) CoM target, world (m). trunk: 3x3 trunk orientation target, world.
        sole_weights: (2, 2) [position, orientation] weights of the left and right sole.
        com_weight: Weight of the CoM target. trunk_weight: Weight of the trunk orientation.
    """

    frames: tuple[int, int, int]
    left: np.ndarray
    right: np.ndarray
    com: np.ndarray
    trunk: np.ndarray
    sole_weights: np.ndarray
    com_weight: float
    trunk_weight: float


def residuals(model: pinocchio.Model, data: pinocchio.Data, q: np.ndarray, t: WeightedTargets,
              cols: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Weighted residuals ``r`` (18,) at configuration ``q`` and, if ``cols`` is given, their Jacobian.

    The cost is ``r @ r``: per sole sqrt(w_p) (p - p*) (world, m) and sqrt(w_o) log3(R*^T R)
    (rad), then sqrt(w_c) (c - c*) and sqrt(w_t) log3(T*^T T) for the trunk. ``cols`` selects
    the tangent directions that move (floating base and driven joints); the Jacobian is
    (18, len(cols)).
    """
    if cols is None:
        pinocchio.framesForwardKinematics(model, data, q)
    else:
        pinocchio.computeJointJacobians(model, data, q)
        pinocchio.updateFramePlacements(model, data)
    out, jac = [], []
    poses = [(fid, target, w) for fid, target, w in zip(t.frames[:2], (t.left, t.right), t.sole_weights)]
    for fid, target, (wp, wo) in poses + [(t.frames[2], None, (0.0, t.trunk_weight))]:
        pose = data.oMf[fid]
        rot_target = t.trunk if target is None else target[:3, :3]
        gap = rot_target.T @ pose.rotation
        if target is not None:
            out.append(np.sqrt(wp) * (pose.translation - target[:3, 3]))
        out.append(np.sqrt(wo) * pinocchio.log3(gap))
        if cols is not None:
            j_local = pinocchio.getFrameJacobian(model, data, fid, pinocchio.LOCAL)
            if target is not None:
                jac.append(np.sqrt(wp) * (pose.rotation @ j_local[:3]))
            jac.append(np.sqrt(wo) * (pinocchio.Jlog3(gap) @ j_local[3:]))
    com = pinocchio.centerOfMass(model, data, q, False)
    out.insert(4, np.sqrt(t.com_weight) * (com - t.com))
    if cols is None:
        return np.concatenate(out), None
    jac.insert(4, np.sqrt(t.com_weight) * pinocchio.jacobianCenterOfMass(model, data, q, False))
    return np.concatenate(out), np.vstack(jac)[:, cols]


def cost(model: pinocchio.Model, data: pinocchio.Data, q: np.ndarray, t: WeightedTargets) -> float:
    """The weighted squared error at ``q`` (see :func:`residuals`)."""
    r, _ = residuals(model, data, q, t)
    return float(r @ r)


def _step(model: pinocchio.Model, q: np.ndarray, cols: np.ndarray, dv: np.ndarray) -> np.ndarray:
    v = np.zeros(model.nv)
    v[cols] = dv
    return pinocchio.integrate(model, q, v)


def hessian(model: pinocchio.Model, data: pinocchio.Data, q: np.ndarray, t: WeightedTargets,
            cols: np.ndarray) -> np.ndarray:
    """Hessian of the cost / 2 at ``q`` (finite differences of the exact gradient ``J^T r``), positive definite."""
    n = len(cols)
    r, jac = residuals(model, data, q, t, cols)
    g = jac.T @ r
    out = np.empty((n, n))
    for i in range(n):
        dv = np.zeros(n)
        dv[i] = _FD_STEP
        ri, ji = residuals(model, data, _step(model, q, cols, dv), t, cols)
        out[:, i] = (ji.T @ ri - g) / _FD_STEP
    out = 0.5 * (out + out.T)
    low = float(np.linalg.eigvalsh(out)[0])
    if low <= 1e-9:
        out += (1e-9 - low) * np.eye(n)
    return out


def polish(model: pinocchio.Model, data: pinocchio.Data, q: np.ndarray, t: WeightedTargets, cols: np.ndarray,
           max_iterations: int, step_tol: float, max_step: float,
           hess: np.ndarray | None = None) -> tuple[np.ndarray, int, float, np.ndarray]:
    """Newton iterations from ``q`` (near the optimum) until the step is below ``step_tol``.

    Each step solves ``H dq = -g`` with the exact gradient ``g = J^T r``, is
    shortened to at most ``max_step`` (rad or m) in every component, and is halved
    until the cost does not increase (unless it is tiny). ``H`` is :func:`hessian` at the start (or the
    one given, e.g. from a nearby solve) and is kept while it contracts
    the steps threefold (a chord method); otherwise it is recomputed.

    Returns:
        The configuration, the iterations used, the last step's largest component
        (rad or m; above ``step_tol`` if ``max_iterations`` ran out) and the Hessian.
    """
    r, jac = residuals(model, data, q, t, cols)
    c0, g = float(r @ r), jac.T @ r
    if hess is None:
        hess = hessian(model, data, q, t, cols)
    step = np.inf
    for it in range(1, max_iterations + 1):
        dv = -np.linalg.solve(hess, g)
        dv *= min(1.0, max_step / max(np.abs(dv).max(), 1e-300))  # trust region: stay in the basin
        for _ in range(30):
            trial = _step(model, q, cols, dv)
            r, jac = residuals(model, data, trial, t, cols)
            c1 = float(r @ r)
            if c1 <= c0 or np.abs(dv).max() <= _UNCHECKED_STEP:  # a tiny step's cost change is round-off
                break
            dv *= 0.5
        q, c0, g = trial, c1, jac.T @ r
        previous, step = step, float(np.abs(dv).max())
        if step <= step_tol:
            return q, it, step, hess
        if step > 0.3 * previous:  # not contracting fast: refresh the Hessian
            hess = hessian(model, data, q, t, cols)
    return q, max_iterations, step, hess




def leg_columns(model: pinocchio.Model, frame: int, cols: np.ndarray) -> np.ndarray:
    """The tangent columns among ``cols`` of the joints between the floating base and ``frame`` (a leg's joints)."""
    moving = set(cols.tolist())
    out = []
    joint = model.frames[frame].parentJoint
    while joint > 1:  # joint 1 is the floating base
        start, width = model.joints[joint].idx_v, model.joints[joint].nv
        out += [c for c in range(start, start + width) if c in moving]
        joint = model.parents[joint]
    return np.array(sorted(out), dtype=int)


def place_soles(model: pinocchio.Model, data: pinocchio.Data, q: np.ndarray, t: WeightedTargets,
                legs: tuple[np.ndarray, np.ndarray], sole_half: tuple[float, float], tol: float = 1e-12,
                max_iterations: int = 20) -> np.ndarray:
    """Move each leg's joints, trunk fixed, so its sole is exactly on its target and rests on the floor.

    The weighted optimum trades tenths of a millimetre of sole position against
    the trunk, so a planted sole would slide. A five-joint leg with its hip held
    places its sole's position and two of its rotations: per leg, Newton's method
    meets the horizontal position exactly and, in the two directions left, brings
    the sole's orientation as close to its target as it goes (least squares). The
    roll it cannot reach (milliradians) would dip one edge of a flat-placed sole
    into the floor, so the sole's height is the one at which its lowest corner is
    at the target's height (an edge lifts by as much instead). The trunk and the
    CoM are untouched but for the legs' share; the map is smooth in ``q`` and the
    targets, so solves differenced in time stay consistent. (Holding both soles
    exact through the whole body is no option: with both soles flat and placed,
    the constraints are nearly dependent, and tenths of a millimetre cost
    centimetres of trunk motion.)

    Args:
        legs: The left and right legs' tangent columns (:func:`leg_columns`).
        sole_half: Half the sole's length and width (m), its corners' offsets from its centre.
        tol: Largest position error left (m).

    Returns:
        The configuration.
    """
    q = q.copy()
    corners = np.array([[sx * sole_half[0], sy * sole_half[1], 0.0] for sx in (-1, 1) for sy in (-1, 1)])
    for fid, target, cols in zip(t.frames[:2], (t.left, t.right), legs):
        for _ in range(max_iterations):
            pinocchio.computeJointJacobians(model, data, q)
            pinocchio.updateFramePlacements(model, data)
            pose = data.oMf[fid]
            dip = float(-(corners @ pose.rotation.T)[:, 2].min())  # lowest corner below the sole's centre (m)
            e_p = pose.translation - (target[:3, 3] + np.array([0.0, 0.0, max(dip, 0.0)]))
            gap = target[:3, :3].T @ pose.rotation
            if np.abs(e_p).max() <= tol:
                break
            j_local = pinocchio.getFrameJacobian(model, data, fid, pinocchio.LOCAL)[:, cols]
            j_p = pose.rotation @ j_local[:3]
            j_r = pinocchio.Jlog3(gap) @ j_local[3:]
            dq_p = np.linalg.pinv(j_p) @ -e_p
            null = np.linalg.svd(j_p)[2][3:].T  # the leg's directions that keep the sole's position
            e_r = pinocchio.log3(gap) + j_r @ dq_p
            dq = dq_p + null @ np.linalg.lstsq(j_r @ null, -e_r, rcond=None)[0]
            q = _step(model, q, cols, dq)
    return q
