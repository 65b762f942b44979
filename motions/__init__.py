"""Reference motion clips: the :class:`Motion` container and its file format.

A Motion holds one walking clip sampled at exactly ``k / fps``: root pose and
velocities (world frame, xyzw quaternions), joint positions and velocities
addressed by name, feet, contacts, the planned CoM/ZMP and footsteps, the
command, the achieved velocities and loop metadata. Save with
:meth:`Motion.save`, read with :func:`load`. Quaternion maths lives in
:mod:`motions.rotations`, atomic writes in :mod:`motions.atomic`.
"""

from __future__ import annotations

from motions.library import MotionLibrary
from motions.loop import Loop
from motions.motion import QUAT_ORDER, Achieved, Command, Footsteps, Motion
from motions.storage import FORMAT_VERSION, load

__all__ = [
    "FORMAT_VERSION",
    "QUAT_ORDER",
    "Achieved",
    "Command",
    "Footsteps",
    "Loop",
    "Motion",
    "MotionLibrary",
    "load",
]
