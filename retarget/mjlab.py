"""mjlab motion-tracking export: one ``.npz`` of world-frame body states per clip, at exactly the env's rate.

mjlab's tracking task (``mjlab.tasks.tracking``) reads a motion with
``np.load(motion_file)`` (no pickle) and these keys, ``T`` frames, ``J`` hinge
joints and ``B`` bodies::

    fps             (1,)        float64, frames per second (exactly the requested rate, 50 by default)
    joint_pos       (T, J)      float32, rad, the robot's joint order (MuJoCo order, or --joint-order)
    joint_vel       (T, J)      float32, rad/s
    body_pos_w      (T, B, 3)   float32, m, body frame origins, world frame
    body_quat_w     (T, B, 4)   float32, **wxyz**, body to world (mjlab's order)
    body_lin_vel_w  (T, B, 3)   float32, m/s, velocity of the body frame origins, world frame
    body_ang_vel_w  (T, B, 3)   float32, rad/s, world frame

**Rate.** mjlab plays one frame per env step (0.02 s for its G1 task) and never
reads ``fps``, so the clip is sampled at exactly ``fps`` frames per second:

* a non-looping clip at ``k / fps`` for every ``k / fps`` within its span;
* a looping clip over ``c`` whole gait cycles (``c`` the clip's cycle count,
  more if needed) in ``N = round(c * cycle_period * fps)`` frames, frame ``k``
  holding the motion at clip time ``k * c * cycle_period / N``, so frame ``N``
  would be frame 0 moved by the loop offset: the loop closes. The content then
  plays ``time_scale = c * cycle_period * fps / N`` times as fast as recorded
  (velocities are scaled by it); ``c`` is the smallest count with
  ``|time_scale - 1| <= MAX_TIME_WARP`` (1 %). The sidecar and manifest record it.

The motion between its frames is :class:`retarget.interpolate.MotionSampler`'s
(quintic Hermite through the stored positions, velocities and accelerations).

**Velocities** are MuJoCo's instantaneous body velocities at each frame's qpos
and qvel (:mod:`retarget.bodies`), what mjlab's own ``csv_to_npz`` records from
its simulator, not differences of poses. Quaternion signs are made continuous
per body along time before the xyzw -> wxyz reorder, which happens here only,
because mjlab is scalar first.

The bodies are every body of the robot's compiled MJCF (:func:`robots.mjcf.model`)
in MuJoCo order without the world body (or the ``--joint-order`` file's
``bodies``); :func:`sidecar` names them, the anchor body of the robot spec
(``trunk.anchor_body``: the G1's ``torso_link``) and the feet.

Registered as the ``mjlab`` export format (:data:`FORMAT`), which samples clips
itself (at :data:`DEFAULT_FPS` unless a rate is given) and takes a
``--joint-order`` file: one ``.npz`` per clip and the :func:`sidecar`
``<robot>_mjlab.yaml``; the manifest records each clip's rate and time scale.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import yaml
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

__all__ = ["DEFAULT_FPS", "DTYPES", "FORMAT", "KEYS", "MAX_TIME_WARP", "body_names", "dumps", "foot_bodies",
           "frame_times", "mjlab_clip", "sidecar", "sidecar_name"]

KEYS = ("fps", "joint_pos", "joint_vel", "body_pos_w", "body_quat_w", "body_lin_vel_w", "body_ang_vel_w")
"""Keys of an mjlab motion file, in the order they are written."""

DTYPES: dict[str, type] = {key: np.float32 for key in KEYS} | {"fps": np.float64}
"""Stored dtype per key: float32 as mjlab's converter writes (its loader casts to float32 anyway);
``fps`` float64 so a rate such as 50 or 62.5 frames/s is exact."""

DEFAULT_FPS = 50.0
"""mjlab's G1 tracking env step rate (0.005 s timestep, decimation 4): one motion frame per step."""

MAX_TIME_WARP = 0.01
"""Largest relative speed change allowed to fit a loop into whole frames at the exact rate."""

_MAX_CYCLES = 1000


def body_names(robot: Robot) -> list[str]:
    """Bodies of the robot's MuJoCo model in MuJoCo order, world body excluded (index 0 is the root link)."""
    return model_body_names(model(robot))


def foot_bodies(robot: Robot) -> tuple[str, str]:
    """Names of the bodies that carry the ``left_foot`` / ``right_foot`` sole sites."""
    m = model(robot)
    return tuple(m.body(m.site_bodyid[m.site(name).id]).name for name in ("left_foot", "right_foot"))  # type: ignore[return-value]


def frame_times(motion: Motion, fps: float) -> tuple[NDArray[np.float64], float, int]:
    """Clip times of the frames of an export at exactly ``fps`` (see the module doc).

    Args:
        motion: The clip.
        fps: Output rate, frames per second (finite, > 0).

    Returns:
        ``(times, time_scale, cycles)``: clip time (s) of each output frame, the
        content speed factor (1 for non-looping clips) and the gait cycles covered
        (0 for non-looping clips).

    Raises:
        ValueError: ``fps`` outside :data:`motions.motion.FPS_RANGE` (the message gives the range).
        RetargetError: No cycle count up to 1000 fits the 1 % time-warp limit
            (a loop shorter than 0.5 frame at that rate).
    """
    fps = check_rate(fps)
    loop = motion.loop
    if not loop.looping:
        count = math.floor(motion.span * fps + 1e-9) + 1
        return np.arange(count) / fps, 1.0, 0
    cycle = loop.cycle_frames / motion.fps
    for cycles in range(loop.num_cycles, _MAX_CYCLES + 1):
        frames = round(cycles * cycle * fps)
        if frames >= 1 and abs(cycles * cycle * fps / frames - 1.0) <= MAX_TIME_WARP:
            return np.arange(frames) * (cycles * cycle / frames), cycles * cycle * fps / frames, cycles
    raise RetargetError(f"no whole number of {cycle:.4f} s gait cycles fits whole frames at {fps:g} fps within a "
                        f"{MAX_TIME_WARP:.0%} time warp")


def mjlab_clip(motion: Motion, mapping: JointMapping, robot: Robot, fps: float = DEFAULT_FPS,
               order: Order | None = None) -> tuple[dict[str, NDArray[Any]], str, float]:
    """Build the mjlab arrays of one clip at exactly ``fps``.

    Args:
        motion: The clip (at its own rate; it is resampled here).
        mapping: Joint mapping onto ``robot``'s joints.
        robot: Target robot; its MuJoCo model gives the bodies and velocities.
        fps: Output rate (frames per second), mjlab's env step rate.
        order: Joint and body order of the file; default the robot's.

    Returns:
        ``(arrays, note, time_scale)``: the :data:`KEYS` arrays with :data:`DTYPES`,
        a one-line note for the manifest, and the loop's time scale (1 if none).

    Raises:
        RetargetError: Unmapped joints (from ``mapping``), or no loop fits (:func:`frame_times`).
    """
    m = model(robot)
    names = list(robot.joint_names)
    joints, joint_vel = mapping.apply(motion, names)
    sampler = MotionSampler(motion, joints, joint_vel, mapping.accelerations(motion, names))
    times, scale, cycles = frame_times(motion, fps)
    s = sampler(times)
    s = dataclasses.replace(s, root_lin_vel=scale * s.root_lin_vel, root_ang_vel=scale * s.root_ang_vel,
                            joint_vel=scale * s.joint_vel)
    qpos = to_qpos(m, s.root_pos, s.root_quat, s.joint_pos)
    states = body_states(m, qpos, qvel_rows(s.root_quat, s.root_lin_vel, s.root_ang_vel, s.joint_vel))
    order = order or Order(tuple(names), tuple(model_body_names(m)))
    columns = order.joint_index(names)
    states = states.select(order.body_index(model_body_names(m)))
    arrays = {
        "fps": np.array([fps]),
        "joint_pos": s.joint_pos[:, columns],
        "joint_vel": s.joint_vel[:, columns],
        "body_pos_w": states.pos,
        "body_quat_w": xyzw_to_wxyz(states.quat),
        "body_lin_vel_w": states.lin_vel,
        "body_ang_vel_w": states.ang_vel,
    }
    clip = {key: np.ascontiguousarray(arrays[key], dtype=DTYPES[key]) for key in KEYS}
    _check(clip)
    if cycles:
        note = (f"{len(times)} frames at {fps:g} fps over {cycles} gait cycles (looping clip), time scale "
                f"{scale:.6f} ({(scale - 1.0) * 100:+.3f} %)")
    else:
        note = f"{len(times)} frames at {fps:g} fps (non-looping clip)"
    return clip, note + f", {len(order.bodies)} bodies", scale


def _check(clip: dict[str, NDArray[Any]]) -> None:
    """Raise ValueError unless the arrays have mjlab's shapes and are finite."""
    frames, joints = clip["joint_pos"].shape
    bodies = clip["body_pos_w"].shape[1]
    expected = {
        "fps": (1,),
        "joint_pos": (frames, joints),
        "joint_vel": (frames, joints),
        "body_pos_w": (frames, bodies, 3),
        "body_quat_w": (frames, bodies, 4),
        "body_lin_vel_w": (frames, bodies, 3),
        "body_ang_vel_w": (frames, bodies, 3),
    }
    for key, shape in expected.items():
        if clip[key].shape != shape:
            raise ValueError(f"{key}: shape {clip[key].shape}, expected {shape}")
        if not np.all(np.isfinite(clip[key])):
            raise ValueError(f"{key}: shape {clip[key].shape} contains non-finite values")


def dumps(clip: dict[str, NDArray[Any]]) -> bytes:
    """The bytes of an ``.npz`` archive of ``clip`` (numeric arrays only, loadable without pickle; deterministic)."""
    _check(clip)
    return npz_bytes({key: clip[key] for key in KEYS})


def sidecar_name(robot: Robot) -> str:
    """File name of the per-export configuration sidecar: ``<robot>_mjlab.yaml``."""
    return f"{robot.name}_mjlab.yaml"


def sidecar(robot: Robot, entries: list[dict[str, Any]], order: Order | None = None) -> dict[str, Any]:
    """What an mjlab tracking config needs to know about this export.

    Args:
        robot: Target robot.
        entries: Manifest entries of the written clips (``file``, ``fps``, ``frames``, ``time_scale``).
        order: Joint and body order of the files; default the robot's.

    Returns:
        ``robot``; ``fps`` (the common rate, or None if the clips differ; mjlab
        plays one frame per env step, so it must equal the env's control rate);
        ``anchor_body_name`` (the spec's ``trunk.anchor_body``);
        ``foot_body_names`` (left, right: the bodies carrying the sole sites);
        ``body_names`` (the file's body axis); ``joint_names`` (the joint axis);
        ``quat_order`` ("wxyz"); and per clip its file, fps, frame count and time scale.
    """
    rates = sorted({float(e["fps"]) for e in entries})
    order = order or Order(tuple(robot.joint_names), tuple(body_names(robot)))
    return {
        "robot": robot.name,
        "fps": rates[0] if len(rates) == 1 else None,
        "anchor_body_name": robot.anchor_body,
        "foot_body_names": list(foot_bodies(robot)),
        "body_names": list(order.bodies),
        "joint_names": list(order.joints),
        "quat_order": "wxyz",
        "clips": [{"file": e["file"], "fps": float(e["fps"]), "frames": int(e["frames"]),
                   "time_scale": float(e.get("time_scale", 1.0))} for e in entries],
    }


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    fps = DEFAULT_FPS if run.fps is None else run.fps
    arrays, note, scale = mjlab_clip(motion, mapping, run.robot, fps, run.order)
    return ClipFile(dumps(arrays), len(arrays["joint_pos"]), note, fps=fps, time_scale=scale)


def _joint_order(run: ExportRun) -> list[str]:
    return list(run.order.joints)


def _sidecars(run: ExportRun, entries: list[dict[str, Any]]) -> dict[str, str | bytes]:
    return {sidecar_name(run.robot): yaml.safe_dump(sidecar(run.robot, entries, run.order), sort_keys=False)}


FORMAT = register_format(ExportFormat(
    name="mjlab",
    extension=".npz",
    summary="mjlab motion-tracking .npz clips (world-frame body states) and <robot>_mjlab.yaml",
    frames="exactly the env step rate (loops: whole frames over whole gait cycles, time scale within 1 %); "
           "no closing frame, mjlab does not wrap",
    write_clip=_write_clip,
    sidecars=_sidecars,
    joint_order=_joint_order,
    default_fps=DEFAULT_FPS,
    samples_itself=True,
    takes_joint_order=True,
))
"""The ``mjlab`` export format."""
