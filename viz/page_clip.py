"""One clip of an HTML page: per-frame poses, plan and camera track, packed compactly.

The payload (:func:`viz.page_codec.pack`) has one section, ``frames``: int32
second-difference residuals (:func:`viz.page_codec.quantized_residuals`) of
these channels per frame, whose column ranges the header's ``channels`` gives:

* ``pose``: per body of :attr:`viz.page_robot.RobotGeometry.body_ids`, world
  position (m) and quaternion (xyzw, sign-continuous), 7 columns each;
* ``com`` (3, m), ``zmp`` (2, m), ``contact`` (2: left, right, 0 or 1);
* ``camera``: the point the camera follows (2, m, world x and y): the root's
  planar position averaged over :data:`FOLLOW_WINDOW_S`, which removes the
  sideways sway of the gait but keeps the walk.

The header also holds the plan (footstep and support polygons), the rigid
offset of each repetition of a looping clip (:func:`viz.kinematics.loop_transform`)
and the camera placement, all in SI units, world frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d
from scipy.spatial.transform import Rotation

from motions import Motion
from robots import Robot, mjcf
from robots.soles import sole_polygons
from viz.kinematics import clip_poses, loop_transform
from viz.page_codec import QUANTUM, pack, quantized_residuals, rounded
from viz.page_robot import RobotGeometry
from viz.scene import GROUND_LIFT, placed_polygon, support_phases

__all__ = ["CAMERA_DIRECTION", "CAMERA_DISTANCE", "FOLLOW_WINDOW_S", "camera_track", "clip_payload", "clip_summary"]

FOLLOW_WINDOW_S = 1.0
"""Width (s) of the moving average of the root's planar position that the camera follows."""

CAMERA_DIRECTION = (0.45, -0.75, 0.35)
"""Direction (world, from the followed point) the camera looks from: front right, above."""

CAMERA_DISTANCE = 3.2
"""Distance of the camera from the followed point, in root heights."""

TARGET_HEIGHT = 0.6
"""Height of the followed point, in root heights: the robot sits in the middle of the view."""

MARKER_SIZE = 0.05
"""Radius of the CoM marker, in root heights."""


def camera_track(root_xy: NDArray, fps: float, window_s: float = FOLLOW_WINDOW_S) -> NDArray[np.float64]:
    """The followed point per frame: ``root_xy`` (T, 2) averaged over ``window_s`` (centred, ends held).

    The window has an odd number of frames, so the mean is centred and a steady walk is followed without lag.
    """
    size = 2 * round(window_s * fps / 2) + 1
    return uniform_filter1d(np.asarray(root_xy, dtype=np.float64), size=size, axis=0, mode="nearest")


def _continuous(quats: NDArray) -> NDArray:
    """Flip quaternions (T, B, 4) so that consecutive ones of a body have a non-negative dot product."""
    if len(quats) < 2:
        return quats
    signs = np.sign(np.sum(quats[1:] * quats[:-1], axis=-1))
    signs[signs == 0] = 1.0
    flips = np.concatenate([np.ones((1, quats.shape[1])), np.cumprod(signs, axis=0)])
    return quats * flips[..., None]


def _grid_cell(height: float) -> float:
    """Spacing (m) of the floor grid: the 1-2-5 value nearest half the root height."""
    cells = np.array([0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0])
    return float(cells[np.argmin(np.abs(np.log(cells / max(0.5 * height, 1e-3))))])


def clip_summary(motion: Motion) -> dict[str, Any]:
    """What the page prints about a clip: robot, preset, command (per step), achieved velocity, timing."""
    c, a = motion.command, motion.achieved
    return {"robot": str(motion.meta.get("robot", "")), "preset": str(motion.meta.get("preset", "")),
            "command": rounded([c.dx, c.dy, c.dtheta]), "achieved": rounded([a.vx, a.vy, a.yaw_rate]),
            "frames": motion.num_frames, "fps": motion.fps, "looping": bool(motion.loop.looping)}


def clip_payload(motion: Motion, robot: Robot, geometry: RobotGeometry, *, name: str, repetitions: int = 1) -> str:
    """Pack ``motion`` for the page player (see the module docstring).

    Args:
        motion: The clip; its joints must be the robot's.
        robot: Its robot.
        geometry: The robot as the page draws it (gives the posed bodies).
        name: Shown above the player.
        repetitions: Repetitions of the clip the player's timeline holds, each
            moved by the loop offset (a non-looping clip replays in place).

    Raises:
        MotionFormatError: The clip's joints are not the robot's.
        ValueError: ``repetitions`` < 1.
    """
    if repetitions < 1:
        raise ValueError(f"repetitions: {repetitions}, expected >= 1")
    poses = clip_poses(motion, robot)
    slots = [int(np.flatnonzero(poses.body_ids == b)[0]) for b in geometry.body_ids]
    frames = motion.num_frames
    mats = poses.body_pose[:, slots]
    quats = Rotation.from_matrix(mats[:, :, :3, :3].reshape(-1, 3, 3)).as_quat().reshape(frames, len(slots), 4)
    pose = np.concatenate([mats[:, :, :3, 3], _continuous(quats)], axis=-1).reshape(frames, -1)
    track = camera_track(motion.root_pos[:, :2], motion.fps)
    columns = {"pose": (pose, QUANTUM), "com": (motion.com_pos, QUANTUM), "zmp": (motion.zmp, QUANTUM),
               "contact": (motion.contacts.astype(np.float64), 1.0), "camera": (track, QUANTUM)}
    channels, start, quanta = {}, 0, []
    for key, (values, quantum) in columns.items():
        channels[key] = [start, values.shape[1], quantum]
        quanta += [quantum] * values.shape[1]
        start += values.shape[1]
    residuals = quantized_residuals(np.concatenate([v for v, _ in columns.values()], axis=1), np.asarray(quanta))

    soles = sole_polygons(robot, mjcf.model(robot))
    steps = []
    for i in range(motion.footsteps.num_steps):
        side = int(motion.footsteps.side[i])
        yaw = float(motion.footsteps.yaw[i])
        rot = np.array([[np.cos(yaw), -np.sin(yaw), 0.0], [np.sin(yaw), np.cos(yaw), 0.0], [0.0, 0.0, 1.0]])
        centre = np.array([*motion.footsteps.pos[i, :2], GROUND_LIFT])
        steps.append({"side": side, "polygon": rounded(placed_polygon(soles.side(side), centre, rot)[:, :2], 5)})
    phases = [{"start": p.start, "stop": p.stop, "polygon": rounded(p.polygon, 5)}
              for p in support_phases(motion, poses, soles)]

    height = float(np.median(motion.root_pos[:, 2]))
    direction = np.asarray(CAMERA_DIRECTION) / np.linalg.norm(CAMERA_DIRECTION)
    header = {
        "name": name, "fps": motion.fps, "frames": frames, "channels": channels,
        "summary": clip_summary(motion), "robot": geometry.name,
        "loops": [rounded(loop_transform(motion, n).T.ravel(), 9) for n in range(repetitions)],
        "plan": {"steps": steps, "phases": phases, "lift": GROUND_LIFT},
        "view": {"target_z": round(TARGET_HEIGHT * height, 6),
                 "offset": rounded(direction * CAMERA_DISTANCE * height), "grid": _grid_cell(height),
                 "marker": round(MARKER_SIZE * height, 6)},
    }
    return pack(header, {"frames": residuals})
