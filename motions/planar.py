"""Planar rigid transforms: a yaw about the world z axis, then a translation in the ground plane.

A :class:`Planar` ``(x, y, yaw)`` maps a point ``p`` of its local frame to
``R(yaw) @ p + (x, y)`` in its parent frame (usually the world frame), where
``R(yaw) = [[cos yaw, -sin yaw], [sin yaw, cos yaw]]``. Points and vectors may
carry a third (vertical) component: it passes through unchanged, so a
``Planar`` is also the 3-D rigid motion "yaw about z, then a horizontal shift".

Units are metres and radians. The fields may be arrays of one broadcastable
shape ``(...)``: a batch of transforms, one per row, applied row-wise. Yaw is
never wrapped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Planar"]

FloatArray = NDArray[np.float64]


def _as_float(value: ArrayLike) -> np.float64 | FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    return arr[()] if arr.ndim == 0 else arr


def _as_points(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] not in (2, 3):
        raise ValueError(f"{name}: shape {arr.shape}, expected (..., 2) or (..., 3) in m (x, y[, z])")
    return arr


def _with_z(xy: tuple[FloatArray, FloatArray], source: FloatArray) -> FloatArray:
    """Stack transformed (x, y) with the unchanged z of ``source`` if it has one."""
    if source.shape[-1] == 3:
        return np.stack([xy[0], xy[1], np.broadcast_to(source[..., 2], np.shape(xy[0]))], axis=-1)
    return np.stack(xy, axis=-1)


@dataclass(frozen=True, eq=False)
class Planar:
    """A planar rigid transform, or a batch of them: rotate by ``yaw`` about z, then translate.

    Attributes:
        x: Translation along the parent x axis, m; a float or an array (...).
        y: Translation along the parent y axis, m; broadcast against ``x``.
        yaw: Rotation about the z axis, rad (counter-clockwise seen from
            above); broadcast against ``x`` and ``y``.
    """

    x: np.float64 | FloatArray
    y: np.float64 | FloatArray
    yaw: np.float64 | FloatArray

    def __post_init__(self) -> None:
        values = {name: _as_float(getattr(self, name)) for name in ("x", "y", "yaw")}
        try:
            np.broadcast_shapes(*(np.shape(v) for v in values.values()))
        except ValueError:
            shapes = {name: np.shape(v) for name, v in values.items()}
            raise ValueError(f"Planar: field shapes {shapes} do not broadcast") from None
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------ construction

    @classmethod
    def identity(cls) -> Planar:
        """The transform that changes nothing, ``(0, 0, 0)``."""
        return cls(0.0, 0.0, 0.0)

    @classmethod
    def from_vector(cls, vector: ArrayLike) -> Planar:
        """Transforms from ``(x, y, yaw)`` vectors.

        Args:
            vector: Shape (..., 3): m, m, rad.

        Raises:
            ValueError: The last axis does not have 3 entries.
        """
        v = np.asarray(vector, dtype=np.float64)
        if v.ndim < 1 or v.shape[-1] != 3:
            raise ValueError(f"vector: shape {v.shape}, expected (..., 3) as (x, y, yaw) in m, m, rad")
        return cls(v[..., 0], v[..., 1], v[..., 2])

    @classmethod
    def from_matrix(cls, matrix: ArrayLike) -> Planar:
        """The planar part of homogeneous transforms.

        Args:
            matrix: Shape (..., 3, 3) (2-D homogeneous) or (..., 4, 4) (3-D
                homogeneous, as the 4x4 sole and footstep poses). The yaw is
                the heading ``atan2(m[1, 0], m[0, 0])`` of the x axis; the
                translation is ``(m[0, -1], m[1, -1])``; a vertical
                translation, roll and pitch are dropped.

        Raises:
            ValueError: ``matrix`` is not (..., 3, 3) or (..., 4, 4).
        """
        m = np.asarray(matrix, dtype=np.float64)
        if m.ndim < 2 or m.shape[-2:] not in ((3, 3), (4, 4)):
            raise ValueError(f"matrix: shape {m.shape}, expected (..., 3, 3) or (..., 4, 4) homogeneous transforms")
        return cls(m[..., 0, -1], m[..., 1, -1], np.arctan2(m[..., 1, 0], m[..., 0, 0]))

    # ----------------------------------------------------------------- views

    @property
    def shape(self) -> tuple[int, ...]:
        """Batch shape (...) of the transforms; () for a single one."""
        return np.broadcast_shapes(np.shape(self.x), np.shape(self.y), np.shape(self.yaw))

    @property
    def translation(self) -> FloatArray:
        """``(x, y)``, shape (..., 2) with the batch shape (...), m."""
        shape = self.shape
        return np.stack([np.broadcast_to(self.x, shape), np.broadcast_to(self.y, shape)], axis=-1)

    def to_vector(self) -> FloatArray:
        """``(x, y, yaw)``, shape (..., 3): m, m, rad."""
        return np.stack(np.broadcast_arrays(self.x, self.y, self.yaw), axis=-1)

    def cos_sin(self) -> tuple[np.float64 | FloatArray, np.float64 | FloatArray]:
        """``(cos yaw, sin yaw)``, each of the shape of :attr:`yaw`."""
        return np.cos(self.yaw), np.sin(self.yaw)

    def rotation(self) -> FloatArray:
        """Rotation matrices ``R(yaw)``, shape (..., 2, 2) (yaw's shape)."""
        c, s = self.cos_sin()
        return np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)

    def rotation3(self) -> FloatArray:
        """Rotations about z by ``yaw`` as 3x3 matrices, shape (..., 3, 3) (yaw's shape)."""
        c, s = self.cos_sin()
        out = np.zeros(np.shape(c) + (3, 3))
        out[..., 0, 0], out[..., 0, 1], out[..., 1, 0], out[..., 1, 1], out[..., 2, 2] = c, -s, s, c, 1.0
        return out

    def matrix(self) -> FloatArray:
        """2-D homogeneous matrices ``[[R, t], [0, 1]]``, shape (..., 3, 3)."""
        out = np.zeros(self.shape + (3, 3))
        out[..., :2, :2] = self.rotation()
        out[..., 0, 2], out[..., 1, 2], out[..., 2, 2] = self.x, self.y, 1.0
        return out

    def pose(self, z: ArrayLike = 0.0) -> FloatArray:
        """3-D homogeneous matrices: yaw about z, then the translation ``(x, y, z)``.

        Args:
            z: Vertical translation, m, broadcast against the batch shape
                (e.g. the sole heights of flat sole poses).

        Returns:
            Shape (...) + (4, 4), parent from local, m.
        """
        z = np.asarray(z, dtype=np.float64)
        out = np.zeros(np.broadcast_shapes(self.shape, z.shape) + (4, 4))
        out[..., :3, :3] = self.rotation3()
        out[..., 0, 3], out[..., 1, 3], out[..., 2, 3], out[..., 3, 3] = self.x, self.y, z, 1.0
        return out

    # ------------------------------------------------------------- algebra

    def compose(self, other: Planar) -> Planar:
        """``self ∘ other``: apply ``other`` first, then ``self`` (as ``self.matrix() @ other.matrix()``).

        Batches broadcast against each other; yaws add without wrapping.
        """
        c, s = self.cos_sin()
        return Planar(c * other.x - s * other.y + self.x, s * other.x + c * other.y + self.y, self.yaw + other.yaw)

    def inverse(self) -> Planar:
        """The transform undoing this one: ``(-R(-yaw) t, -yaw)``."""
        c, s = self.cos_sin()
        return Planar(-(c * self.x + s * self.y), -(-s * self.x + c * self.y), -self.yaw)

    def apply(self, points: ArrayLike) -> FloatArray:
        """Map local points to the parent frame: ``R(yaw) @ p + (x, y)``.

        Args:
            points: Shape (..., 2) or (..., 3), m, broadcast row-wise against
                the batch shape; a z component passes through unchanged.

        Returns:
            Parent-frame points, shape broadcast(points, batch) with the last
            axis of ``points``.
        """
        p = _as_points("points", points)
        c, s = self.cos_sin()
        px, py = p[..., 0], p[..., 1]
        return _with_z((c * px - s * py + self.x, s * px + c * py + self.y), p)

    def apply_inverse(self, points: ArrayLike) -> FloatArray:
        """Express parent-frame points in the local frame: ``R(yaw)^T (p - (x, y))``.

        Args:
            points: Shape (..., 2) or (..., 3), m; z passes through unchanged.
        """
        p = _as_points("points", points)
        c, s = self.cos_sin()
        px, py = p[..., 0] - self.x, p[..., 1] - self.y
        return _with_z((c * px + s * py, -s * px + c * py), p)

    def rotate(self, vectors: ArrayLike) -> FloatArray:
        """Rotate free vectors (velocities, directions) by ``R(yaw)``; no translation.

        Args:
            vectors: Shape (..., 2) or (..., 3), any unit; z passes through unchanged.
        """
        v = _as_points("vectors", vectors)
        c, s = self.cos_sin()
        vx, vy = v[..., 0], v[..., 1]
        return _with_z((c * vx - s * vy, s * vx + c * vy), v)

    def rotate_inverse(self, vectors: ArrayLike) -> FloatArray:
        """Rotate free vectors by ``R(yaw)^T``, e.g. world velocities into a heading frame.

        Args:
            vectors: Shape (..., 2) or (..., 3), any unit; z passes through unchanged.
        """
        v = _as_points("vectors", vectors)
        c, s = self.cos_sin()
        vx, vy = v[..., 0], v[..., 1]
        return _with_z((c * vx + s * vy, -s * vx + c * vy), v)
