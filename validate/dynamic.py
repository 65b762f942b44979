"""Dynamic consistency: the contact wrench a motion needs, its ZMP and its friction cone.

The required ground wrench comes from MuJoCo's inverse dynamics of the motion's
own kinematics with all constraints disabled (:mod:`validate.trace`):
``qfrc_inverse[:6]`` is the force (world frame) and the moment about the root
origin (root frame) that the feet must supply. Its zero-moment point on z = 0 is
the **multibody ZMP**. The **ZMP of the stored ``com_pos``** is checked too, so a
planned CoM that leaves the feet is caught even when the joints are fine: the
point-mass ZMP of ``com_pos`` (``p = c_xy - c_z * cdd_xy / (cdd_z + g)``) plus the
motion's own angular-momentum term (multibody ZMP minus the point-mass ZMP of the
replayed CoM). For a consistent file it equals the multibody ZMP.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gait_generator.lipm import GRAVITY
from motions import Motion
from motions.rotations import matrix_from_quat
from robots.soles import support_distance
from validate.result import CheckResult
from validate.thresholds import Dynamic
from validate.trace import RobotModel, Trace

__all__ = ["centroidal_zmp", "dynamic_checks", "ground_wrench", "multibody_zmp", "support_mask"]

STAGE = "dynamic"

FloatArray = NDArray[np.float64]


def support_mask(trace: Trace, th: Dynamic) -> NDArray[np.bool_]:
    """(T, 2) soles touching the floor: their lowest collision point within ``support_height_max_m``.

    No frame tolerance: generated clips move the ZMP onto the stance sole before
    the other foot lifts, so the support of each frame is exactly its touching soles.
    """
    return trace.corners[..., 2].min(axis=2) <= th.support_height_max_m


def ground_wrench(motion: Motion, trace: Trace) -> tuple[FloatArray, FloatArray]:
    """Required ground force (T, 3) and moment about the root origin (T, 3), both world frame (N, N m)."""
    force = trace.qfrc_inverse[:, :3]
    moment = np.einsum("tij,tj->ti", matrix_from_quat(motion.root_quat), trace.qfrc_inverse[:, 3:6])
    return force, moment


def multibody_zmp(origin: FloatArray, force: FloatArray, moment: FloatArray) -> FloatArray:
    """ZMP on z = 0 of a wrench (force, moment about ``origin``), shape (T, 2), m."""
    fz = np.where(np.abs(force[:, 2]) > 1e-9, force[:, 2], 1e-9)
    px = origin[:, 0] - (moment[:, 1] + origin[:, 2] * force[:, 0]) / fz
    py = origin[:, 1] + (moment[:, 0] - origin[:, 2] * force[:, 1]) / fz
    return np.stack([px, py], axis=1)


def centroidal_zmp(motion: Motion, com: FloatArray | None = None) -> FloatArray:
    """Point-mass ZMP (T, 2) of a CoM trajectory (default the stored ``com_pos``), m, world frame."""
    com = motion.com_pos if com is None else com
    if motion.num_frames < 3:
        return com[:, :2].copy()
    if motion.loop.looping:
        n = motion.loop.num_cycles
        before = motion.loop.transform_positions(com[-1:], -n)
        after = motion.loop.transform_positions(com[:1], n)
    else:
        before, after = 2 * com[:1] - com[1:2], 2 * com[-1:] - com[-2:-1]  # linear ends: zero acceleration
    padded = np.concatenate([before, com, after])
    acc = (padded[2:] - 2 * padded[1:-1] + padded[:-2]) * motion.fps**2
    return com[:, :2] - com[:, 2:3] * acc[:, :2] / (acc[:, 2:3] + GRAVITY)


def dynamic_checks(motion: Motion, rm: RobotModel, trace: Trace, th: Dynamic) -> list[CheckResult]:
    """ZMP support, friction cone and unilateral (no pulling) checks."""
    t = motion.num_frames
    frames = np.ones(t, dtype=bool)
    if not motion.loop.looping and t > 2 * th.end_frames_skipped:
        frames[: th.end_frames_skipped] = False
        frames[t - th.end_frames_skipped:] = False
    support = support_mask(trace, th)
    force, moment = ground_wrench(motion, trace)
    zmp_mb = multibody_zmp(motion.root_pos, force, moment)
    zmp_c = centroidal_zmp(motion) + zmp_mb - centroidal_zmp(motion, trace.com)
    polygons = trace.corners[..., :2]
    dist_mb = support_distance(zmp_mb, support, polygons)
    dist_c = support_distance(zmp_c, support, polygons)
    weight = rm.mass * GRAVITY
    out: list[CheckResult] = []

    def worst(values: FloatArray) -> tuple[int, float]:
        v = np.where(frames, values, -np.inf)
        k = int(np.argmax(v))
        return k, float(v[k])

    k_mb, out_mb = worst(dist_mb)
    k_c, out_c = worst(dist_c)
    allowed, allowed_mb = -th.zmp_margin_min_m, -th.multibody_zmp_margin_min_m
    ok = out_mb <= allowed_mb and out_c <= allowed
    if out_c - allowed >= out_mb - allowed_mb:
        which, k, value = "ZMP of the stored com_pos", k_c, out_c
    else:
        which, k, value = "multibody ZMP (mj_inverse)", k_mb, out_mb
        allowed = allowed_mb
    where = "no foot supports" if not np.isfinite(value) else (
        f"{value * 1e3:.1f} mm outside" if value > 0 else f"only {-value * 1e3:.1f} mm inside")
    out.append(CheckResult("zmp_support", STAGE, bool(ok), {
        "zmp_margin_min_m": -out_mb, "com_zmp_margin_min_m": -out_c,
        "frame": k, "planned_zmp_error_max_m": float(np.linalg.norm(zmp_mb - motion.zmp, axis=1)[frames].max()),
    }, "" if ok else f"{which} is {where} the support polygon at frame {k} (t = {k / motion.fps:.3f} s; "
                     f"required margin {-allowed * 1e3:.1f} mm)"))

    fz = force[:, 2]
    ratio = np.linalg.norm(force[:, :2], axis=1) / np.maximum(fz, 1e-9)
    ratio = np.where(fz > 0, ratio, np.inf)
    k, value = worst(ratio)
    ok = value <= th.friction_coefficient
    out.append(CheckResult("friction_cone", STAGE, bool(ok), {"friction_ratio_max": value, "frame": k},
                           "" if ok else f"needs a friction coefficient of {value:.2f} at frame {k} "
                                         f"(floor {th.friction_coefficient:.2f})"))

    k, value = worst(-fz / weight)
    value = -value
    ok = value >= th.normal_force_min_frac
    out.append(CheckResult("unilateral_contact", STAGE, bool(ok), {"normal_force_min_frac": value, "frame": k},
                           "" if ok else f"the feet must pull on the floor at frame {k}: vertical force "
                                         f"{value:.2f} x body weight (minimum {th.normal_force_min_frac:.2f})"))
    return out
