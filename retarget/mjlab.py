"""mjlab motion-tracking export: one ``.npz`` of world-frame body states per clip.

mjlab's tracking task (``mjlab.tasks.tracking``) reads a motion with
``np.load(motion_file)`` (no pickle) and these keys, ``T`` frames, ``J`` hinge
joints and ``B`` bodies::

    fps             (1,)        float64, frames per second (the clip's exact rate)
    joint_pos       (T, J)      float32, rad, MuJoCo joint order (hinges after the free joint)
    joint_vel       (T, J)      float32, rad/s
    body_pos_w      (T, B, 3)   float32, m, body frame origins, world frame
    body_quat_w     (T, B, 4)   float32, **wxyz**, body to world (mjlab's order)
    body_lin_vel_w  (T, B, 3)   float32, m/s, velocity of the body frame origins, world frame
    body_ang_vel_w  (T, B, 3)   float32, rad/s, world frame

The bodies are every body of the robot's compiled MJCF (:func:`robots.mjcf.model`)
in MuJoCo order without the world body, so body 0 is the floating-base root link.
mjlab picks the tracked subset by name (its ``body_names``); :func:`sidecar`
lists the names for that configuration.

Body poses come from a kinematic replay (``mj_kinematics``) of the clip at its
own rate; the exporter resamples first when ``--fps`` is given. Body velocities
are the finite differences the motion format uses for the root
(:mod:`motions.velocities`): central differences, loop neighbours at the ends of
looping clips (the first and last frame moved by the whole-clip offset), true
world-frame angular rates. They therefore agree with the stored positions at
the stored rate, as mjlab's own CSV converter does (it differences its
interpolated root and joint trajectories too). Quaternion signs are made
continuous per body along time before the xyzw -> wxyz reorder, which happens
here and only here for body orientations, because mjlab is scalar first.

Registered as the ``mjlab`` export format (:data:`FORMAT`): one ``.npz`` per clip
and the :func:`sidecar` ``<robot>_mjlab.yaml``; clips are resampled to
:data:`DEFAULT_FPS` unless a rate is given.
"""

from __future__ import annotations

import io
from typing import Any

import mujoco
import numpy as np
import yaml
from numpy.typing import NDArray

from motions import Motion
from motions.rotations import quat_make_continuous, wxyz_to_xyzw, xyzw_to_wxyz
from motions.velocities import angular_rate, position_rate
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping
from robots import Robot
from robots.mjcf import model, to_qpos

__all__ = [
    "DEFAULT_FPS", "DTYPES", "FORMAT", "KEYS", "body_names", "dumps", "foot_bodies", "mjlab_clip", "sidecar",
    "sidecar_name",
]

DEFAULT_FPS = 50.0
"""Export rate when none is given (frames/s): mjlab plays one frame per env step, 50 Hz in its G1 task."""

KEYS = ("fps", "joint_pos", "joint_vel", "body_pos_w", "body_quat_w", "body_lin_vel_w", "body_ang_vel_w")
"""Keys of an mjlab motion file, in the order they are written."""

DTYPES: dict[str, type] = {key: np.float32 for key in KEYS} | {"fps": np.float64}
"""Stored dtype per key: float32 as mjlab's converter writes (its loader casts to float32 anyway);
``fps`` float64 so a rate such as 50 or 62.5 frames/s is exact."""


def body_names(robot: Robot) -> list[str]:
    """Bodies of the robot's MuJoCo model in MuJoCo order, world body excluded (index 0 is the root link)."""
    m = model(robot)
    return [m.body(i).name for i in range(1, m.nbody)]


def foot_bodies(robot: Robot) -> tuple[str, str]:
    """Names of the bodies that carry the ``left_foot`` / ``right_foot`` sole sites."""
    m = model(robot)
    return tuple(m.body(m.site_bodyid[m.site(name).id]).name for name in ("left_foot", "right_foot"))  # type: ignore[return-value]


def _replay(m: mujoco.MjModel, qpos: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Body positions (T, B, 3) and xyzw orientations (T, B, 4) of every non-world body, per qpos row."""
    data = mujoco.MjData(m)
    frames = qpos.shape[0]
    pos = np.empty((frames, m.nbody - 1, 3))
    quat_wxyz = np.empty((frames, m.nbody - 1, 4))
    for k in range(frames):
        data.qpos[:] = qpos[k]
        mujoco.mj_kinematics(m, data)
        pos[k] = data.xpos[1:]
        quat_wxyz[k] = data.xquat[1:]
    return pos, wxyz_to_xyzw(quat_wxyz)


def mjlab_clip(motion: Motion, mapping: JointMapping, robot: Robot) -> tuple[dict[str, NDArray[Any]], str]:
    """Build the mjlab arrays of one clip (its ``T`` frames at ``motion.fps``; no closing frame).

    Args:
        motion: The clip, already at the output rate.
        mapping: Joint mapping onto ``robot``'s joints.
        robot: Target robot; its MuJoCo model gives the bodies.

    Returns:
        ``(arrays, note)``: the :data:`KEYS` arrays with :data:`DTYPES`, and a
        one-line note for the manifest.

    Raises:
        RetargetError: Unmapped joints (from ``mapping``).
    """
    m = model(robot)
    joints, joint_vel = mapping.apply(motion, list(robot.joint_names))
    qpos = to_qpos(m, motion.root_pos, motion.root_quat, joints)
    pos, quat = _replay(m, qpos)
    quat = quat_make_continuous(quat)
    lin_vel = position_rate(pos, motion.fps, motion.loop)
    ang_vel = angular_rate(quat, motion.fps, motion.loop)
    arrays = {
        "fps": np.array([motion.fps]),
        "joint_pos": joints,
        "joint_vel": joint_vel,
        "body_pos_w": pos,
        "body_quat_w": xyzw_to_wxyz(quat),
        "body_lin_vel_w": lin_vel,
        "body_ang_vel_w": ang_vel,
    }
    clip = {key: np.ascontiguousarray(arrays[key], dtype=DTYPES[key]) for key in KEYS}
    _check(clip)
    kind = "looping" if motion.loop.looping else "non-looping"
    return clip, f"{motion.num_frames} frames at {motion.fps:g} fps, {m.nbody - 1} bodies ({kind} clip)"


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
    """The bytes of an ``np.savez`` archive of ``clip`` (numeric arrays only, loadable without pickle)."""
    _check(clip)
    buffer = io.BytesIO()
    np.savez(buffer, **{key: clip[key] for key in KEYS})
    return buffer.getvalue()


def sidecar_name(robot: Robot) -> str:
    """File name of the per-export configuration sidecar: ``<robot>_mjlab.yaml``."""
    return f"{robot.name}_mjlab.yaml"


def sidecar(robot: Robot, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """What an mjlab tracking config needs to know about this export.

    Args:
        robot: Target robot.
        entries: Manifest entries of the written clips (``file``, ``fps``, ``frames``).

    Returns:
        ``robot``; ``fps`` (the common rate, or None if the clips differ; mjlab
        plays one frame per env step, so it must equal the env's control rate);
        ``anchor_body_name`` (the floating-base root link, body 0);
        ``foot_body_names`` (left, right: the bodies carrying the sole sites);
        ``body_names`` (MuJoCo order, world excluded, the index of the file's
        body axis); ``joint_names`` (the joint axis); ``quat_order`` ("wxyz");
        and per clip its file, fps and frame count.
    """
    rates = sorted({float(e["fps"]) for e in entries})
    return {
        "robot": robot.name,
        "fps": rates[0] if len(rates) == 1 else None,
        "anchor_body_name": body_names(robot)[0],
        "foot_body_names": list(foot_bodies(robot)),
        "body_names": body_names(robot),
        "joint_names": list(robot.joint_names),
        "quat_order": "wxyz",
        "clips": [{"file": e["file"], "fps": float(e["fps"]), "frames": int(e["frames"])} for e in entries],
    }


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    arrays, note = mjlab_clip(motion, mapping, run.robot)
    return ClipFile(dumps(arrays), len(arrays["joint_pos"]), note)


def _sidecars(run: ExportRun, entries: list[dict[str, Any]]) -> dict[str, str]:
    return {sidecar_name(run.robot): yaml.safe_dump(sidecar(run.robot, entries), sort_keys=False)}


FORMAT = register_format(ExportFormat(
    name="mjlab",
    extension=".npz",
    summary="mjlab motion-tracking .npz clips (world-frame body states) and <robot>_mjlab.yaml",
    frames="the clip's T frames at the env step rate (no closing frame; mjlab does not wrap)",
    write_clip=_write_clip,
    sidecars=_sidecars,
    default_fps=DEFAULT_FPS,
))
"""The ``mjlab`` export format."""
