"""Vectorised reference queries of a motion library: per-frame features blended by command and phase.

:class:`ReferenceTable` holds one gait cycle of every looping clip of a
:class:`~motions.MotionLibrary` as rows of one feature table, and answers
:meth:`~motions.MotionLibrary.reference` queries by interpolating between the
generated commands (multilinear on a full grid, else inverse-distance) and
linearly between neighbouring frames. This replaces per-command polynomial
fits keyed by command (Open Duck Playground).

Conventions (details in ``docs/library.md``):

- **Command** ``(dx, dy, dtheta)``: m, m, rad per step, as in
  :class:`~motions.Command`.
- **Phase** in [0, 1) over one gait cycle of ``C = loop.cycle_frames`` frames:
  phase ``k / C`` is frame ``k`` of the clip's first cycle, and phase 0 is the
  start of the first single support. Phases are taken modulo 1.
- **Heading frame**: the world frame rotated about z by the root's heading (yaw
  of the body x axis projected on the ground), at the same frame. Reference
  velocities and foot positions are expressed in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from motions.motion import Motion
from motions.planar import Planar
from motions.rotations import yaw_from_quat

__all__ = ["Reference", "ReferenceTable", "as_commands", "axis_scale"]

FloatArray = NDArray[np.float64]

# Command values closer than this (m or rad) are the same grid value.
_GRID_TOLERANCE = 1e-9
# Floor of the squared scaled distance in inverse-distance weighting (exact at nodes).
_IDW_FLOOR = 1e-24


@dataclass(frozen=True, eq=False)
class Reference:
    """Reference values for N queries (one row per query).

    All arrays are float64. Velocities and foot positions are in the **heading
    frame** of the root at the queried phase (world frame rotated about z by the
    root heading); joint columns follow :attr:`MotionLibrary.joint_names`.

    Attributes:
        joint_pos: Joint positions, shape (N, J), rad.
        joint_vel: Joint velocities, shape (N, J), rad/s.
        root_lin_vel: Root linear velocity, shape (N, 3), m/s, heading frame.
        root_ang_vel: Root angular velocity (world-frame rate rotated into the
            heading frame), shape (N, 3), rad/s.
        contacts: Foot contact, shape (N, 2), columns [left, right], in [0, 1]:
            exactly 0 or 1 at a generated command and frame, a blend of the
            neighbouring frames and commands otherwise (threshold at 0.5 for a
            boolean).
        left_foot_pos: Left sole centre minus root position, shape (N, 3), m,
            heading frame.
        right_foot_pos: Right sole centre minus root position, shape (N, 3), m,
            heading frame.
    """

    joint_pos: FloatArray
    joint_vel: FloatArray
    root_lin_vel: FloatArray
    root_ang_vel: FloatArray
    contacts: FloatArray
    left_foot_pos: FloatArray
    right_foot_pos: FloatArray


def as_commands(command: ArrayLike) -> FloatArray:
    """Commands as a finite (N, 3) float array (a (3,) command gives N = 1).

    Raises:
        ValueError: Not (3,) or (N, 3), or non-finite values.
    """
    q = np.asarray(command, dtype=np.float64)
    if q.ndim == 1:
        q = q[None, :]
    if q.ndim != 2 or q.shape[1] != 3:
        raise ValueError(f"command: shape {np.shape(command)}, expected (3,) or (N, 3) as (dx, dy, dtheta)")
    if not np.all(np.isfinite(q)):
        raise ValueError(f"command: shape {q.shape} has non-finite values")
    return q


def _grid_values(values: FloatArray) -> FloatArray:
    """Distinct values of one command axis, sorted, merging values within the tolerance."""
    values = np.sort(values)
    keep = np.concatenate([[True], np.diff(values) > _GRID_TOLERANCE])
    return values[keep]


def axis_scale(values: FloatArray) -> float:
    """Grid step of one command axis: the smallest gap between distinct values (1.0 if only one)."""
    distinct = _grid_values(values)
    return float(np.min(np.diff(distinct))) if distinct.size > 1 else 1.0


def _cycle_table(motion: Motion, columns: NDArray[np.intp]) -> FloatArray:
    """Per-frame reference features of the first gait cycle, shape (C, 2J + 14)."""
    c = motion.loop.cycle_frames
    heading = Planar(0.0, 0.0, yaw_from_quat(motion.root_quat[:c]))
    root = motion.root_pos[:c]
    return np.concatenate(
        [
            motion.joint_pos[:c][:, columns],
            motion.joint_vel[:c][:, columns],
            heading.rotate_inverse(motion.root_lin_vel[:c]),
            heading.rotate_inverse(motion.root_ang_vel[:c]),
            motion.contacts[:c].astype(np.float64),
            heading.rotate_inverse(motion.left_foot_pos[:c] - root),
            heading.rotate_inverse(motion.right_foot_pos[:c] - root),
        ],
        axis=1,
    )


class ReferenceTable:
    """One gait cycle per looping clip, blended by command and phase (see :meth:`MotionLibrary.reference`).

    Attributes:
        error: Why no query can be answered (no looping clips, or two looping
            clips of one command), else None.
        interpolation: ``"grid"``, ``"idw"`` or None (as ``error``).
        grid_axes: Sorted distinct dx, dy, dtheta values (``"grid"`` only).
    """

    def __init__(
        self,
        motions: Sequence[Motion],
        columns: Sequence[NDArray[np.intp]],
        commands: FloatArray,
        command_scale: FloatArray,
        names: Sequence[str],
    ) -> None:
        """Precompute one cycle per looping clip and the command grid (or the IDW fallback).

        Args:
            motions: The library's clips. columns: Each clip's columns in
                library joint order. commands: (M, 3) commands of the clips.
            command_scale: (3,) per-axis distance scale of inverse-distance weighting.
            names: Each clip's name (its file) for messages.
        """
        self.error: str | None = None
        self.interpolation: str | None = None
        self.grid_axes: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self._command_scale = command_scale
        self._num_joints = len(columns[0]) if len(columns) else 0
        loop_ids = [i for i, m in enumerate(motions) if m.loop.looping]
        if not loop_ids:
            self.error = "the library has no looping clips; reference() needs one gait cycle per clip"
            return
        cmds = commands[loop_ids]
        seen: dict[tuple[float, ...], int] = {}
        for i, c in zip(loop_ids, cmds):
            key = tuple(np.round(c / _GRID_TOLERANCE).astype(np.int64).tolist())
            if key in seen:
                self.error = (
                    f"{names[i]} and {names[seen[key]]} are looping clips of the "
                    f"same command {c.tolist()}: reference() needs one clip per command "
                    "(filter the library by robot and preset)"
                )
                return
            seen[key] = i
        tables = [_cycle_table(motions[i], columns[i]) for i in loop_ids]
        cycle = np.array([t.shape[0] for t in tables], dtype=np.int64)
        base = np.concatenate([[0], np.cumsum(cycle)[:-1]]).astype(np.int64)
        self._table = np.ascontiguousarray(np.concatenate(tables, axis=0))
        self._lo, self._hi = cmds.min(axis=0), cmds.max(axis=0)
        axes = tuple(_grid_values(cmds[:, d]) for d in range(3))
        shape = tuple(a.size for a in axes)
        if math.prod(shape) == len(loop_ids):
            # One clip per command and as many clips as nodes: every node is filled.
            node = np.empty(len(loop_ids), dtype=np.int64)
            ijk = [np.abs(cmds[:, d, None] - axes[d][None, :]).argmin(axis=1) for d in range(3)]
            node[np.ravel_multi_index(ijk, shape)] = np.arange(len(loop_ids))
            self.interpolation = "grid"
            self.grid_axes = axes
            self._shape = shape
            self._node_base, self._node_cycle = base[node], cycle[node]
        else:
            self.interpolation = "idw"
            self._idw_commands = cmds
            self._node_base, self._node_cycle = base, cycle
        self._uniform_cycle = int(cycle[0]) if np.all(cycle == cycle[0]) else None

    def command_range(self) -> tuple[FloatArray, FloatArray]:
        """``(low, high)``, shape (3,) each: the command box queries are clamped to.

        Raises:
            ValueError: If no query can be answered (:attr:`error`).
        """
        if self.error is not None:
            raise ValueError(self.error)
        return self._lo.copy(), self._hi.copy()

    def query(self, command: ArrayLike, phase: ArrayLike) -> Reference:
        """Reference values at N commands and phases; see :meth:`motions.MotionLibrary.reference`."""
        if self.error is not None:
            raise ValueError(self.error)
        q = as_commands(command)
        ph = np.asarray(phase, dtype=np.float64)
        if ph.ndim > 1:
            raise ValueError(f"phase: shape {ph.shape}, expected (N,) or a scalar")
        n = max(q.shape[0], ph.size if ph.ndim else 1)
        if q.shape[0] not in (1, n) or (ph.ndim == 1 and ph.size != n):
            raise ValueError(f"command: shape {np.shape(command)} and phase: shape {ph.shape} do not give N rows")
        if not np.all(np.isfinite(ph)):
            raise ValueError(f"phase: shape {ph.shape} has non-finite values")
        q = np.clip(q, self._lo, self._hi)
        if self.interpolation == "grid":
            nodes, w = self._grid_weights(q)
        else:
            nodes, w = self._idw_weights(q)
        rows, w = self._phase_rows(nodes, w, np.broadcast_to(ph, (n,)), n)
        # Sparse (N, rows) weight matrix times the (rows, F) table: a C loop over
        # the 2K non-zeros of each query row, no (N, 2K, F) intermediate.
        import scipy.sparse  # lazy: keeps `import motions` cheap

        k = rows.shape[1]
        weights = scipy.sparse.csr_matrix(
            (w.ravel(), rows.ravel(), np.arange(0, n * k + 1, k)), shape=(n, self._table.shape[0])
        )
        out = np.asarray(weights @ self._table)
        j = self._num_joints
        np.clip(out[:, 2 * j + 6 : 2 * j + 8], 0.0, 1.0, out=out[:, 2 * j + 6 : 2 * j + 8])  # rounding
        return Reference(
            joint_pos=out[:, :j],
            joint_vel=out[:, j : 2 * j],
            root_lin_vel=out[:, 2 * j : 2 * j + 3],
            root_ang_vel=out[:, 2 * j + 3 : 2 * j + 6],
            contacts=out[:, 2 * j + 6 : 2 * j + 8],
            left_foot_pos=out[:, 2 * j + 8 : 2 * j + 11],
            right_foot_pos=out[:, 2 * j + 11 : 2 * j + 14],
        )

    def _grid_weights(self, q: FloatArray) -> tuple[NDArray[np.int64], FloatArray]:
        """Grid node of each of the 8 corners (N, 8) and their multilinear weights (N, 8)."""
        corner_index, corner_weight = [], []
        stride = (self._shape[1] * self._shape[2], self._shape[2], 1)
        for d, axis in enumerate(self.grid_axes):
            size = axis.size
            if size == 1:
                i = np.zeros(q.shape[0], dtype=np.int64)
                t = np.zeros(q.shape[0])
                hi = i
            else:
                i = np.clip(np.searchsorted(axis, q[:, d], side="right") - 1, 0, size - 2)
                t = (q[:, d] - axis[i]) / (axis[i + 1] - axis[i])
                hi = i + 1
            corner_index.append(np.stack([i * stride[d], hi * stride[d]], axis=1))
            corner_weight.append(np.stack([1.0 - t, t], axis=1))
        gx, gy, gt = corner_index
        wx, wy, wt = corner_weight
        nodes = (gx[:, :, None, None] + gy[:, None, :, None] + gt[:, None, None, :]).reshape(-1, 8)
        w = (wx[:, :, None, None] * wy[:, None, :, None] * wt[:, None, None, :]).reshape(-1, 8)
        return nodes, w

    def _idw_weights(self, q: FloatArray) -> tuple[NDArray[np.int64], FloatArray]:
        """All looping clips (N, L) with normalised inverse-squared-distance weights (N, L)."""
        d2 = np.sum(((q[:, None, :] - self._idw_commands[None, :, :]) / self._command_scale) ** 2, axis=2)
        w = 1.0 / np.maximum(d2, _IDW_FLOOR)
        w /= w.sum(axis=1, keepdims=True)
        nodes = np.broadcast_to(np.arange(self._idw_commands.shape[0]), w.shape)
        return nodes, w

    def _phase_rows(
        self, nodes: NDArray[np.int64], w: FloatArray, phase: FloatArray, n: int
    ) -> tuple[NDArray[np.int64], FloatArray]:
        """Table rows (N, 2K) and weights (N, 2K) for K command nodes and two frames each."""
        phase = np.mod(phase, 1.0)
        nodes = np.broadcast_to(nodes, (n, nodes.shape[1]))
        w = np.broadcast_to(w, (n, w.shape[1]))
        base = self._node_base[nodes]
        if self._uniform_cycle is not None:
            c = self._uniform_cycle
            u = phase * c
            k0 = np.floor(u)
            f = (u - k0)[:, None, None]
            k0 = k0.astype(np.int64) % c
            k1 = np.where(k0 + 1 == c, 0, k0 + 1)
            rows = base[:, :, None] + np.stack([k0, k1], axis=1)[:, None, :]
        else:
            c = self._node_cycle[nodes]
            u = phase[:, None] * c
            k0 = np.floor(u)
            f = (u - k0)[:, :, None]
            k0 = k0.astype(np.int64) % c
            k1 = np.where(k0 + 1 == c, 0, k0 + 1)
            rows = base[:, :, None] + np.stack([k0, k1], axis=2)
        weights = w[:, :, None] * np.concatenate([1.0 - f, f], axis=2)
        return rows.reshape(n, -1), weights.reshape(n, -1)
