"""Loop metadata of a motion clip and the rigid per-cycle root offset.

A looping clip holds ``num_cycles`` whole gait cycles of ``cycle_frames`` frames
each, so ``T == num_cycles * cycle_frames``. Because the robot walks, a cycle
does not end where it started: frame ``k + cycle_frames`` equals frame ``k``
moved by a planar rigid offset (a yaw about the world z axis followed by a
translation)::

    p' = Rz(cycle_offset_yaw) @ p + cycle_offset_pos     (world positions, m)
    q' = quat_from_yaw(cycle_offset_yaw) * q             (xyzw, body to world)
    v' = Rz(cycle_offset_yaw) @ v                        (world velocities)

Applying the cycle offset ``num_cycles`` times gives the whole-clip offset,
which maps frame ``k`` to the (unstored) frame ``k + T`` that continues the clip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from motions import _checks
from motions.errors import MotionFormatError
from motions.planar import Planar
from motions.rotations import quat_from_yaw, quat_multiply

__all__ = ["Loop"]

FloatArray = NDArray[np.float64]


def _rot_z(yaw: float) -> FloatArray:
    """Rotation about z by ``yaw`` rad, (3, 3)."""
    return Planar(0.0, 0.0, yaw).rotation3()


def _as_vectors(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != 3:
        raise ValueError(f"{name}: shape {arr.shape}, expected (..., 3)")
    return arr


@dataclass(frozen=True, eq=False, kw_only=True)
class Loop:
    """Whether a clip loops, and the rigid root offset between its gait cycles.

    Attributes:
        looping: True if the clip is a whole number of gait cycles that can be
            replayed back to back (after applying the offset).
        cycle_frames: Frames per gait cycle (two steps); 0 if not looping.
        num_cycles: Gait cycles in the clip; 0 if not looping.
        cycle_offset_pos: Translation of one cycle, shape (3,), m, world frame,
            applied after the yaw rotation. Zero if not looping.
        cycle_offset_yaw: Yaw of one cycle about the world z axis, rad. Zero if
            not looping.
    """

    looping: bool
    cycle_frames: int = 0
    num_cycles: int = 0
    cycle_offset_pos: FloatArray = field(default_factory=lambda: np.zeros(3))
    cycle_offset_yaw: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.looping, (bool, np.bool_)):
            raise MotionFormatError(f"loop.looping: {self.looping!r}, expected a bool")
        looping = bool(self.looping)
        minimum = 1 if looping else 0
        values = {
            "looping": looping,
            "cycle_frames": _checks.count("loop.cycle_frames", self.cycle_frames, minimum),
            "num_cycles": _checks.count("loop.num_cycles", self.num_cycles, minimum),
            "cycle_offset_pos": _checks.float_array(
                "loop.cycle_offset_pos", self.cycle_offset_pos, (3,), "(3,)"
            ),
            "cycle_offset_yaw": _checks.finite_float("loop.cycle_offset_yaw", self.cycle_offset_yaw),
        }
        if not looping:
            for name in ("cycle_frames", "num_cycles", "cycle_offset_yaw"):
                if values[name] != 0:
                    raise MotionFormatError(f"loop.{name}: {values[name]}, expected 0 for a non-looping clip")
            if np.any(values["cycle_offset_pos"] != 0.0):
                raise MotionFormatError(
                    f"loop.cycle_offset_pos: {values['cycle_offset_pos'].tolist()}, "
                    "expected zeros for a non-looping clip"
                )
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def total_frames(self) -> int:
        """Frames the loop covers, ``cycle_frames * num_cycles`` (0 if not looping)."""
        return self.cycle_frames * self.num_cycles

    def offset(self, cycles: int = 1) -> tuple[FloatArray, float]:
        """The rigid offset of ``cycles`` consecutive gait cycles.

        Args:
            cycles: Number of cycles; negative values give the inverse offset
                (mapping frame ``k`` to frame ``k - |cycles| * cycle_frames``).

        Returns:
            ``(offset_pos, offset_yaw)``: translation (3,) in m, world frame, and
            yaw in rad (``cycles * cycle_offset_yaw``, not wrapped).
        """
        cycles = int(cycles)
        step = _rot_z(self.cycle_offset_yaw)
        pos = np.zeros(3)
        for _ in range(abs(cycles)):
            pos = step @ pos + self.cycle_offset_pos
        yaw = abs(cycles) * self.cycle_offset_yaw
        if cycles < 0:
            return -(_rot_z(-yaw) @ pos), -yaw
        return pos, yaw

    def clip_offset(self) -> tuple[FloatArray, float]:
        """The whole-clip offset, the cycle offset applied ``num_cycles`` times.

        Returns:
            ``(offset_pos, offset_yaw)`` mapping frame ``k`` to frame ``k + T``
            (m, world frame; rad). Zero for a non-looping clip.
        """
        return self.offset(self.num_cycles)

    def transform_positions(self, pos: ArrayLike, cycles: int = 1) -> FloatArray:
        """Move world positions forward by ``cycles`` gait cycles.

        Args:
            pos: World positions, shape (..., 3), m.
            cycles: Number of cycles (negative moves backwards).

        Returns:
            ``Rz(yaw) @ pos + offset_pos`` for the ``cycles`` offset, shape (..., 3).
        """
        pos = _as_vectors("pos", pos)
        offset_pos, offset_yaw = self.offset(cycles)
        return pos @ _rot_z(offset_yaw).T + offset_pos

    def transform_vectors(self, vec: ArrayLike, cycles: int = 1) -> FloatArray:
        """Rotate world free vectors (velocities, directions) by ``cycles`` cycles.

        Args:
            vec: World-frame vectors, shape (..., 3), e.g. m/s or rad/s.
            cycles: Number of cycles (negative moves backwards).

        Returns:
            ``Rz(yaw) @ vec`` for the ``cycles`` offset, shape (..., 3).
        """
        vec = _as_vectors("vec", vec)
        _, offset_yaw = self.offset(cycles)
        return vec @ _rot_z(offset_yaw).T

    def transform_quats(self, quat: ArrayLike, cycles: int = 1) -> FloatArray:
        """Rotate body orientations by ``cycles`` gait cycles.

        Args:
            quat: Unit quaternions, shape (..., 4), xyzw, body to world.
            cycles: Number of cycles (negative moves backwards).

        Returns:
            ``quat_from_yaw(yaw) * quat`` for the ``cycles`` offset, shape (..., 4), xyzw.
        """
        _, offset_yaw = self.offset(cycles)
        return quat_multiply(quat_from_yaw(offset_yaw), quat)
