"""This project's own motion format as an export: each clip with its joints mapped onto the target robot.

The clip is written as a motion ``.npz`` (``docs/motion_format.md``) whose
joints are the target robot's, in its order, with angles and velocities from
the joint mapping; ``meta["robot"]`` names the target. Stored accelerations are
dropped (they belonged to the source joints and root trajectory before any
resampling). Registered as the ``motion`` export format (:data:`FORMAT`), with
no files besides the clips.
"""

from __future__ import annotations

import dataclasses

from motions import Motion
from motions.storage import to_bytes
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping
from robots import Robot

__all__ = ["FORMAT", "mapped_motion_bytes"]


def mapped_motion_bytes(motion: Motion, mapping: JointMapping, target: Robot) -> bytes:
    """The motion file of ``motion`` with its joints mapped onto ``target``'s (see the module docstring)."""
    joints, joint_vel = mapping.apply(motion, list(target.joint_names))
    mapped = dataclasses.replace(motion, joint_names=target.joint_names, joint_pos=joints, joint_vel=joint_vel,
                                 joint_acc=None, root_lin_acc=None, root_ang_acc=None,
                                 meta={**motion.meta, "robot": target.name})
    return to_bytes(mapped)


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    return ClipFile(mapped_motion_bytes(motion, mapping, run.robot), motion.num_frames, "motion file")


FORMAT = register_format(ExportFormat(
    name="motion",
    extension=".npz",
    summary="this project's motion .npz, joints mapped onto the target robot",
    frames="the clip's T frames as stored",
    write_clip=_write_clip,
))
"""The ``motion`` export format."""
