"""Isaac Lab AMP export (``isaaclab_tasks/direct/humanoid_amp/motions/motion_loader.py``).

One ``.npz`` per clip, loaded with ``np.load`` (no pickle), ``T`` frames, ``D``
dofs and ``B`` bodies::

    fps                      ()          float64, frames per second
    dof_names                (D,)        str (numpy unicode), the robot's joint order (or --joint-order)
    body_names               (B,)        str, the robot's MuJoCo bodies, world excluded (or --joint-order bodies)
    dof_positions            (T, D)      float32, rad
    dof_velocities           (T, D)      float32, rad/s
    body_positions           (T, B, 3)   float32, m, body frame origins, world frame
    body_rotations           (T, B, 4)   float32, **wxyz**, body to world
    body_linear_velocities   (T, B, 3)   float32, m/s, body origins, world frame
    body_angular_velocities  (T, B, 3)   float32, rad/s, world frame

Body states come from MuJoCo at each frame's qpos and qvel (:mod:`retarget.bodies`),
velocities instantaneous. The loader finds dofs and bodies by name
(``get_dof_index`` / ``get_body_index``), so the env's order only matters to code
that indexes the arrays directly; ``--joint-order`` writes the env's order.

**Sampling.** The loader maps a time ``t`` to ``i = round(t / dt)`` (the
*nearest* frame) and blends ``frame_i + b (frame_{i+1} - frame_i)`` with
``b = t / dt - i`` in [-0.5, 0.5]: half of every interval is extrapolated
backwards from the next pair, and the result departs from the motion by up to
``3/8 a dt^2`` for a coordinate accelerating at ``a`` (a linear blend, by
``a dt^2 / 8``). At a clip's own 60 fps that is about 5 degrees at a
mini_biped knee (900 rad/s^2) and 0.4 degree at a G1 knee. So by default the
clip is written at ``k`` times its rate, frames sampled from the motion between
its frames (:class:`retarget.interpolate.MotionSampler`, quintic Hermite), with
``k`` the smallest integer for which ``3/8 a_max (dt / k)^2`` stays within
:data:`POSITION_TARGET` for body positions and :data:`ANGLE_TARGET` for joint
angles and body orientations (``a_max`` from the clip's joint accelerations and
MuJoCo's body velocities at its frames). ``--fps`` sets the rate instead; the
manifest note gives the predicted blend error either way.

**Loops.** The loader clamps times to ``[0, duration]``, ``duration =
(T - 1) / fps``, and does not loop. A looping clip is written over its whole
loop plus a closing frame (frame 0 moved by the loop offset), so ``duration``
is exactly the loop period and the last frame continues the first; the env
samples within one loop. Over the last half frame the loader holds the last
frame (``index_1`` is clamped), times below 0 extrapolate frames 0 and 1.

Registered as the ``isaaclab`` export format (:data:`FORMAT`), which samples
clips itself (no default rate: ``k`` times each clip's, as above) and takes a
``--joint-order`` file: one ``.npz`` per clip, no other files; the manifest
records each clip's rate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.rotations import xyzw_to_wxyz
from retarget.bodies import body_names as model_body_names
from retarget.bodies import body_states, qvel_rows
from retarget.errors import RetargetError
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.interpolate import MotionSampler, check_rate
from retarget.mapping import JointMapping
from retarget.npz import npz_bytes
from retarget.order import Order
from robots import Robot
from robots.mjcf import model, to_qpos

__all__ = ["ANGLE_TARGET", "BLEND_ERROR", "FORMAT", "KEYS", "MAX_FACTOR", "POSITION_TARGET", "dumps",
           "isaaclab_clip", "upsampling"]

KEYS = ("fps", "dof_names", "body_names", "dof_positions", "dof_velocities", "body_positions", "body_rotations",
        "body_linear_velocities", "body_angular_velocities")
"""Keys of an Isaac Lab AMP motion file, in the order they are written."""

POSITION_TARGET = 0.5e-3
"""Largest predicted blend error of a body position (m) the default rate allows: half of 1 mm."""

ANGLE_TARGET = math.radians(0.05)
"""Largest predicted blend error of a joint angle or body orientation (rad): half of 0.1 degree."""

BLEND_ERROR = 3.0 / 8.0
"""Worst error of the loader's nearest-frame blend, in units of ``a dt^2`` (at ``b = -1/2``)."""

MAX_FACTOR = 32
"""Largest default upsampling factor; a clip that needs more is an error (give ``--fps``)."""


def _peaks(motion: Motion, sampler: MotionSampler, robot: Robot) -> tuple[float, float]:
    """Largest linear (m/s^2) and angular (rad/s^2) acceleration of any body or joint at the clip's frames."""
    m = model(robot)
    s = sampler(np.arange(motion.num_frames + (1 if motion.loop.looping else 0)) / motion.fps)
    states = body_states(m, to_qpos(m, s.root_pos, s.root_quat, s.joint_pos),
                         qvel_rows(s.root_quat, s.root_lin_vel, s.root_ang_vel, s.joint_vel))
    fps = motion.fps
    linear = np.linalg.norm(np.diff(states.lin_vel, axis=0), axis=-1).max(initial=0.0) * fps
    angular = np.linalg.norm(np.diff(states.ang_vel, axis=0), axis=-1).max(initial=0.0) * fps
    joint_acc = np.abs(np.diff(s.joint_vel, axis=0)).max(initial=0.0) * fps
    return float(linear), float(max(angular, joint_acc))


def upsampling(linear_peak: float, angular_peak: float, fps: float) -> int:
    """Smallest factor ``k`` with ``3/8 a_max (1 / (k fps))^2`` within both targets (at least 1)."""
    need = max(linear_peak / POSITION_TARGET, angular_peak / ANGLE_TARGET, 0.0)
    return max(1, math.ceil(math.sqrt(BLEND_ERROR * need) / fps - 1e-9))


def _times(motion: Motion, fps: float | None, factor: int) -> tuple[NDArray[np.float64], float]:
    """Clip times of the output frames and the exact output rate."""
    if fps is None:
        rate = factor * motion.fps
        count = factor * motion.num_frames + 1 if motion.loop.looping else factor * (motion.num_frames - 1) + 1
        return np.arange(count) / rate, rate
    fps = check_rate(fps)
    if motion.loop.looping:
        period = motion.num_frames / motion.fps
        frames = max(1, round(period * fps))
        return np.arange(frames + 1) * (period / frames), frames / period
    return np.arange(math.floor(motion.span * fps + 1e-9) + 1) / fps, fps


def isaaclab_clip(motion: Motion, mapping: JointMapping, robot: Robot, fps: float | None = None,
                  order: Order | None = None) -> tuple[dict[str, NDArray[Any]], str, float]:
    """Build the Isaac Lab arrays of one clip.

    Args:
        motion: The clip at its own rate.
        mapping: Joint mapping onto ``robot``'s joints.
        robot: Target robot (its MuJoCo model gives the bodies).
        fps: Output rate; None picks ``k`` times the clip's rate (module doc).
            A looping clip's rate is adjusted so the loop is whole frames.
        order: Joint and body order of the file; default the robot's.

    Returns:
        ``(arrays, note, rate)``: the :data:`KEYS` arrays, a manifest note with the
        predicted blend error, and the exact output rate.

    Raises:
        RetargetError: Unmapped joints, or the default rate would need more than
            :data:`MAX_FACTOR` times the clip's rate.
        ValueError: ``fps`` outside :data:`motions.motion.FPS_RANGE`.
    """
    m = model(robot)
    names = list(robot.joint_names)
    joints, joint_vel = mapping.apply(motion, names)
    sampler = MotionSampler(motion, joints, joint_vel, mapping.accelerations(motion, names))
    linear, angular = _peaks(motion, sampler, robot)
    factor = upsampling(linear, angular, motion.fps)
    if fps is None and factor > MAX_FACTOR:
        raise RetargetError(f"the Isaac Lab loader's nearest-frame blend needs {factor} x {motion.fps:g} fps to stay "
                            f"within {POSITION_TARGET * 1000:g} mm / {math.degrees(ANGLE_TARGET):g} deg "
                            f"(peak accelerations {linear:.3g} m/s^2, {angular:.3g} rad/s^2); give --fps")
    times, rate = _times(motion, fps, factor)
    s = sampler(times)
    qpos = to_qpos(m, s.root_pos, s.root_quat, s.joint_pos)
    states = body_states(m, qpos, qvel_rows(s.root_quat, s.root_lin_vel, s.root_ang_vel, s.joint_vel))
    order = order or Order(tuple(names), tuple(model_body_names(m)))
    columns = order.joint_index(names)
    states = states.select(order.body_index(model_body_names(m)))
    arrays: dict[str, NDArray[Any]] = {
        "fps": np.array(rate, dtype=np.float64),
        "dof_names": np.array(order.joints, dtype=np.str_),
        "body_names": np.array(order.bodies, dtype=np.str_),
        "dof_positions": s.joint_pos[:, columns].astype(np.float32),
        "dof_velocities": s.joint_vel[:, columns].astype(np.float32),
        "body_positions": states.pos.astype(np.float32),
        "body_rotations": xyzw_to_wxyz(states.quat).astype(np.float32),
        "body_linear_velocities": states.lin_vel.astype(np.float32),
        "body_angular_velocities": states.ang_vel.astype(np.float32),
    }
    _check(arrays)
    dt = 1.0 / rate
    pos_err, ang_err = BLEND_ERROR * linear * dt * dt, BLEND_ERROR * angular * dt * dt
    kind = "whole loop + closing frame" if motion.loop.looping else "non-looping"
    note = (f"{len(times)} frames at {rate:g} fps ({rate / motion.fps:.4g} x the clip's {motion.fps:g} fps, {kind}); "
            f"predicted nearest-frame blend error <= {pos_err * 1000:.3f} mm, {math.degrees(ang_err):.3f} deg")
    return arrays, note, rate


def _check(arrays: dict[str, NDArray[Any]]) -> None:
    """Raise ValueError unless the arrays have the loader's keys, shapes and dtypes and are finite."""
    frames, dofs = arrays["dof_positions"].shape
    bodies = len(arrays["body_names"])
    expected = {"fps": (), "dof_names": (dofs,), "body_names": (bodies,), "dof_positions": (frames, dofs),
                "dof_velocities": (frames, dofs), "body_positions": (frames, bodies, 3),
                "body_rotations": (frames, bodies, 4), "body_linear_velocities": (frames, bodies, 3),
                "body_angular_velocities": (frames, bodies, 3)}
    for key, shape in expected.items():
        value = arrays[key]
        if value.shape != shape:
            raise ValueError(f"{key}: shape {value.shape}, expected {shape}")
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError(f"{key}: shape {value.shape} contains non-finite values")


def dumps(arrays: dict[str, NDArray[Any]]) -> bytes:
    """The bytes of an ``.npz`` archive (numbers and unicode strings only: loads without pickle; deterministic)."""
    _check(arrays)
    return npz_bytes({key: arrays[key] for key in KEYS})


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    arrays, note, rate = isaaclab_clip(motion, mapping, run.robot, run.fps, run.order)
    return ClipFile(dumps(arrays), len(arrays["dof_positions"]), note, fps=rate)


def _joint_order(run: ExportRun) -> list[str]:
    return list(run.order.joints)


FORMAT = register_format(ExportFormat(
    name="isaaclab",
    extension=".npz",
    summary="Isaac Lab AMP motion .npz clips (dof and world-frame body states, names included)",
    frames="k times the clip's rate so the loader's nearest-frame blend stays within 0.5 mm / 0.05 deg (or "
           "--fps); loops: the whole loop plus a closing frame",
    write_clip=_write_clip,
    joint_order=_joint_order,
    samples_itself=True,
    takes_joint_order=True,
))
"""The ``isaaclab`` export format."""
