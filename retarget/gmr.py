"""GMR (general motion retargeting) pickle export.

``{"fps": float, "root_pos": (T, 3) m world, "root_rot": (T, 4) xyzw,
"dof_pos": (T, nq - 7) rad in MuJoCo qpos order, "local_body_pos": (T, B, 3),
"link_body_list": [B names]}``. ``link_body_list`` holds the MuJoCo model's
bodies without the world body; ``local_body_pos`` is each body's position with
the root placed at the origin with identity orientation (forward kinematics
of the joint angles alone), m. Arrays are float64.

Registered as the ``gmr`` export format (:data:`FORMAT`): one ``.pkl`` per clip,
no other files.
"""

from __future__ import annotations

import pickle
from typing import Any

import mujoco
import numpy as np

from motions import Motion
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping
from robots import Robot
from robots.mjcf import from_qpos, model, to_qpos

__all__ = ["FORMAT", "dumps", "gmr_clip"]


def gmr_clip(motion: Motion, mapping: JointMapping, robot: Robot) -> tuple[dict[str, Any], str]:
    """Build the GMR dict of one clip (T frames as stored; no closing frame)."""
    m = model(robot)
    joints, _ = mapping.apply(motion, list(robot.joint_names))
    # to_qpos is the one place that reorders xyzw -> wxyz; read the parts back in qpos order.
    qpos = to_qpos(m, motion.root_pos, motion.root_quat, joints)
    root_pos, root_rot, _ = from_qpos(m, qpos)
    identity = np.zeros((1, 4))
    identity[0, 3] = 1.0
    data = mujoco.MjData(m)
    local = np.empty((motion.num_frames, m.nbody - 1, 3))
    for k in range(motion.num_frames):
        data.qpos[:] = to_qpos(m, np.zeros((1, 3)), identity, joints[k : k + 1])[0]
        mujoco.mj_kinematics(m, data)
        local[k] = data.xpos[1:]
    clip = {
        "fps": float(motion.fps),
        "root_pos": root_pos,
        "root_rot": root_rot,
        "dof_pos": qpos[:, 7:].copy(),
        "local_body_pos": local,
        "link_body_list": [m.body(i).name for i in range(1, m.nbody)],
    }
    return clip, f"{motion.num_frames} frames"


def dumps(clip: dict[str, Any]) -> bytes:
    """Pickle a GMR dict (protocol 4; numpy arrays and lists)."""
    return pickle.dumps(clip, protocol=4)


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    clip, note = gmr_clip(motion, mapping, run.robot)
    return ClipFile(dumps(clip), len(clip["root_pos"]), note)


FORMAT = register_format(ExportFormat(
    name="gmr",
    extension=".pkl",
    summary="GMR (general motion retargeting) pickles with local body positions",
    frames="the clip's T frames as stored (no closing frame)",
    write_clip=_write_clip,
))
"""The ``gmr`` export format."""
