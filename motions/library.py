"""A library of reference walking clips: load, filter, sample and query by command and phase.

:class:`MotionLibrary` holds a set of :class:`~motions.Motion` clips of one joint
set. It loads them from a motion directory (its ``index.json``, else every
``*.npz``), from an ``index.json`` or from a dataset YAML
(``motions: [{file, weight}]``), optionally filtered by robot, preset and
validation status. It samples clips by weight, finds the clip nearest to a
command and, for looping clips, answers vectorised reference queries at any
command and gait phase by interpolating between the generated commands. This
replaces per-command polynomial fits keyed by command (Open Duck Playground).

Conventions (details in ``docs/library.md``):

- **Command** ``(dx, dy, dtheta)``: m, m, rad per step, as in
  :class:`~motions.Command`.
- **Phase** in [0, 1) over one gait cycle of ``C = loop.cycle_frames`` frames:
  phase ``k / C`` is frame ``k`` of the clip's first cycle, and phase 0 is the
  start of the first single support. Phases are taken modulo 1.
- **Heading frame**: the world frame rotated about z by the root's heading (yaw
  of the body x axis projected on the ground), at the same frame. Reference
  velocities and foot positions are expressed in it.

Files are read with :func:`motions.load` (``np.load(allow_pickle=False)``),
``index.json`` with :func:`motions.index.read_index` (JSON) and dataset YAML with
``yaml.safe_load`` semantics within the limits of :mod:`motions.safe_io`; nothing read can run code.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gait_generator.errors import GaitGeneratorError
from motions.index import INDEX_NAME, IndexFormatError, read_index
from motions.motion import Motion
from motions.rotations import yaw_from_quat
from motions.safe_io import load_yaml, short
from motions.storage import load as load_motion

__all__ = ["MotionLibrary", "Reference", "LibraryError", "VALIDATION_STATUSES"]

FloatArray = NDArray[np.float64]

VALIDATION_STATUSES = ("pass", "fail")
"""Values accepted by the ``status`` filter of :meth:`MotionLibrary.load`."""


# Command values closer than this (m or rad) are the same grid value.
_GRID_TOLERANCE = 1e-9
# Floor of the squared scaled distance in inverse-distance weighting (exact at nodes).
_IDW_FLOOR = 1e-24


class LibraryError(GaitGeneratorError, ValueError):
    """A library source (index, dataset YAML, directory) is malformed, empty or inconsistent."""


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


@dataclass(frozen=True)
class _Source:
    """One clip a library source lists, with what the source says about it."""

    file: Path
    weight: float
    robot: str | None = None
    preset: str | None = None
    validation: str | None = None


def _heading_frame(yaw: FloatArray, vec: FloatArray) -> FloatArray:
    """Rotate world vectors (T, 3) by ``Rz(-yaw)`` row-wise."""
    c, s = np.cos(yaw), np.sin(yaw)
    x, y = vec[:, 0], vec[:, 1]
    return np.stack([c * x + s * y, -s * x + c * y, vec[:, 2]], axis=1)


def _cycle_table(motion: Motion, columns: NDArray[np.intp]) -> FloatArray:
    """Per-frame reference features of the first gait cycle, shape (C, 2J + 14)."""
    c = motion.loop.cycle_frames
    yaw = yaw_from_quat(motion.root_quat[:c])
    root = motion.root_pos[:c]
    return np.concatenate(
        [
            motion.joint_pos[:c][:, columns],
            motion.joint_vel[:c][:, columns],
            _heading_frame(yaw, motion.root_lin_vel[:c]),
            _heading_frame(yaw, motion.root_ang_vel[:c]),
            motion.contacts[:c].astype(np.float64),
            _heading_frame(yaw, motion.left_foot_pos[:c] - root),
            _heading_frame(yaw, motion.right_foot_pos[:c] - root),
        ],
        axis=1,
    )


def _grid_values(values: FloatArray) -> FloatArray:
    """Distinct values of one command axis, sorted, merging values within the tolerance."""
    values = np.sort(values)
    keep = np.concatenate([[True], np.diff(values) > _GRID_TOLERANCE])
    return values[keep]


def _axis_scale(values: FloatArray) -> float:
    """Grid step of one axis: the smallest gap between distinct values (1.0 if only one)."""
    distinct = _grid_values(values)
    return float(np.min(np.diff(distinct))) if distinct.size > 1 else 1.0


def _describe(path: Path | None, index: int) -> str:
    return str(path) if path is not None else f"motion {index}"


class MotionLibrary:
    """A set of reference clips with one joint set, queried by command and phase.

    Build it with :meth:`load` (from files) or directly from Motion objects.
    Every clip must have the same joint names (in any column order; reference
    outputs use the order of the first clip).

    Reference queries (:meth:`reference`) use the **looping** clips only. If
    their commands form a full rectilinear grid over (dx, dy, dtheta) (every
    combination of the distinct values of each axis present exactly once; the
    spacing need not be uniform; an axis may have a single value) queries are
    answered by multilinear interpolation between the up-to-8 neighbouring grid
    commands; otherwise by inverse-distance weighting over all looping clips
    (see :attr:`interpolation`). Both are exact at a generated command and
    continuous in the command.

    Attributes:
        motions: The clips, in load order.
        files: The file each clip was read from (None if built from memory).
        weights: Sampling probabilities, shape (M,), summing to 1.
        commands: Commands ``(dx, dy, dtheta)`` of the clips, shape (M,), m, m, rad per step.
        joint_names: Joint column order of :class:`Reference` outputs.
        command_scale: Per-axis scale of the command distance used by
            :meth:`nearest` and inverse-distance weighting, shape (3,): the
            smallest gap between distinct commanded values on that axis (the
            grid step), or 1.0 for an axis with a single value.
        interpolation: How :meth:`reference` blends commands: ``"grid"``
            (multilinear on a full grid), ``"idw"`` (inverse distance) or None
            (no usable looping clips).
        grid_axes: The sorted distinct dx, dy, dtheta values of the grid
            (``"grid"`` only, else None).
    """

    def __init__(
        self,
        motions: Sequence[Motion],
        weights: ArrayLike | None = None,
        files: Sequence[Path | None] | None = None,
    ) -> None:
        """Build a library from clips in memory.

        Args:
            motions: The clips (at least one), all with the same joint names.
            weights: Non-negative sampling weights, shape (M,), not all zero;
                uniform if None. Normalised to probabilities.
            files: Where each clip came from, for messages; None if unknown.

        Raises:
            LibraryError: No clips, joint names that differ between clips, or
                bad weights.
        """
        motions = tuple(motions)
        if not motions:
            raise LibraryError("no motions: a library needs at least one clip")
        for i, motion in enumerate(motions):
            if not isinstance(motion, Motion):
                raise LibraryError(f"motion {i}: {type(motion).__name__}, expected motions.Motion")
        files = tuple(None if f is None else Path(f) for f in files) if files is not None else (None,) * len(motions)
        if len(files) != len(motions):
            raise LibraryError(f"files: {len(files)} entries, expected one per motion ({len(motions)})")
        self.motions: tuple[Motion, ...] = motions
        self.files: tuple[Path | None, ...] = files
        self.joint_names: tuple[str, ...] = motions[0].joint_names
        self._columns = [self._joint_columns(i) for i in range(len(motions))]
        self.weights: FloatArray = self._normalised_weights(weights)
        self.commands: FloatArray = np.array(
            [[m.command.dx, m.command.dy, m.command.dtheta] for m in motions], dtype=np.float64
        )
        self.commands.flags.writeable = False
        self.command_scale: FloatArray = np.array([_axis_scale(self.commands[:, d]) for d in range(3)])
        self.command_scale.flags.writeable = False
        self._build_reference_tables()

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        robot: str | None = None,
        preset: str | None = None,
        status: str | None = None,
    ) -> MotionLibrary:
        """Load a library from a directory, an ``index.json``, a dataset YAML or one ``.npz``.

        - A **directory** is read through its ``index.json`` if it has one,
          else every ``*.npz`` in it (sorted by name).
        - An **index.json** (:mod:`motions.index`): entries whose status is
          ``"ok"``; their files are relative to the index. Failed entries
          have no file and are ignored (skipped commands are not entries).
        - A **dataset YAML** ``motions: [{file: clip.npz, weight: 2.0}, ...]``
          (the MimicKit dataset layout, listing our ``.npz`` files; paths
          relative to the YAML; ``weight`` defaults to 1). MimicKit ``.pkl``
          files are refused: they need pickle.

        Sampling weights come from the dataset YAML, otherwise they are uniform.

        Args:
            path: Directory, ``.json`` index, ``.yaml``/``.yml`` dataset or ``.npz`` clip.
            robot: Keep only clips of this robot (the index's ``robot``, else
                the clip's ``meta["robot"]``).
            preset: Keep only clips of this preset (the index entry's
                ``preset``, else the clip's ``meta["preset"]``).
            status: ``"pass"`` or ``"fail"``: keep only clips whose index entry
                has ``"validation": {"status": status}``. Clips without a
                validation record (not validated yet, or not listed by an
                index) never match.

        Returns:
            The library, clips in source order.

        Raises:
            LibraryError: The path does not exist or has an unknown type, the
                index or YAML is malformed, no clip matches the filters, or the
                clips' joint names differ.
            MotionFormatError: A listed clip is missing or corrupt (the message
                names the file).
            ValueError: ``status`` is not one of :data:`VALIDATION_STATUSES`.
        """
        if status is not None and status not in VALIDATION_STATUSES:
            raise ValueError(f"status: {status!r}, expected one of {VALIDATION_STATUSES} or None")
        path = Path(path)
        sources = _read_sources(path)
        selected: list[tuple[Motion, _Source]] = []
        for src in sources:
            if status is not None and src.validation != status:
                continue
            if robot is not None and src.robot is not None and src.robot != robot:
                continue
            if preset is not None and src.preset is not None and src.preset != preset:
                continue
            motion = load_motion(src.file)
            if robot is not None and src.robot is None and motion.meta.get("robot") != robot:
                continue
            if preset is not None and src.preset is None and motion.meta.get("preset") != preset:
                continue
            selected.append((motion, src))
        if not selected:
            raise LibraryError(
                f"{path}: no motions match robot={robot!r}, preset={preset!r}, status={status!r} "
                f"({len(sources)} listed)"
            )
        motions, srcs = zip(*selected)
        return cls(motions, weights=[s.weight for s in srcs], files=[s.file for s in srcs])

    def _joint_columns(self, i: int) -> NDArray[np.intp]:
        """Columns of clip ``i`` in library joint order; raise if its joint set differs."""
        names = self.motions[i].joint_names
        if set(names) != set(self.joint_names) or len(names) != len(self.joint_names):
            missing = [n for n in self.joint_names if n not in names]
            extra = [n for n in names if n not in self.joint_names]
            raise LibraryError(
                f"{_describe(self.files[i], i)}: joint names differ from {_describe(self.files[0], 0)}: "
                f"missing {missing}, extra {extra}; all clips of a library need the same joints"
            )
        return np.array([names.index(n) for n in self.joint_names], dtype=np.intp)

    def _normalised_weights(self, weights: ArrayLike | None) -> FloatArray:
        m = len(self.motions)
        w = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (m,):
            raise LibraryError(f"weights: shape {w.shape}, expected ({m},), one per motion")
        if not np.all(np.isfinite(w)) or np.any(w < 0.0) or not w.sum() > 0.0:
            raise LibraryError(f"weights: {w.tolist()}, expected finite values >= 0, not all zero")
        w = w / w.sum()
        w.flags.writeable = False
        return w

    # ------------------------------------------------------------ basic access

    def __len__(self) -> int:
        return len(self.motions)

    def __getitem__(self, index: int) -> Motion:
        return self.motions[index]

    @property
    def num_joints(self) -> int:
        """Number of joints J."""
        return len(self.joint_names)

    def sample(self, n: int, rng: np.random.Generator) -> NDArray[np.int64]:
        """Draw ``n`` clip indices with replacement, with probability :attr:`weights`.

        Args:
            n: Number of draws, >= 0.
            rng: The random generator (e.g. ``np.random.default_rng(seed)``).

        Returns:
            Indices into :attr:`motions`, shape (n,), int64.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: {type(rng).__name__}, expected numpy.random.Generator")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n: {n!r}, expected an integer >= 0")
        return rng.choice(len(self.motions), size=int(n), p=self.weights).astype(np.int64)

    def nearest_index(self, command: ArrayLike) -> int | NDArray[np.int64]:
        """Index of the clip whose command is closest to ``command``.

        Distance is Euclidean in the command space scaled per axis by
        :attr:`command_scale` (grid steps), so one grid step on any axis counts
        the same. Ties go to the lower index. All clips (looping or not) count.

        Args:
            command: ``(dx, dy, dtheta)``, shape (3,) or (N, 3), m, m, rad per step.

        Returns:
            An int for a (3,) command, else an int64 array of shape (N,).
        """
        q = _as_commands(command)
        d2 = np.sum(((q[:, None, :] - self.commands[None, :, :]) / self.command_scale) ** 2, axis=2)
        idx = np.argmin(d2, axis=1).astype(np.int64)
        return int(idx[0]) if np.ndim(command) == 1 else idx

    def nearest(self, command: ArrayLike) -> Motion:
        """The clip whose command is closest to ``command`` (see :meth:`nearest_index`).

        Args:
            command: ``(dx, dy, dtheta)``, shape (3,), m, m, rad per step.
        """
        if np.shape(command) != (3,):
            raise ValueError(f"command: shape {np.shape(command)}, expected (3,)")
        return self.motions[self.nearest_index(command)]

    # --------------------------------------------------------------- reference

    def _build_reference_tables(self) -> None:
        """Precompute one cycle per looping clip and the command grid (or IDW fallback)."""
        self._ref_error: str | None = None
        self.interpolation: str | None = None
        self.grid_axes: tuple[FloatArray, FloatArray, FloatArray] | None = None
        loop_ids = [i for i, m in enumerate(self.motions) if m.loop.looping]
        if not loop_ids:
            self._ref_error = "the library has no looping clips; reference() needs one gait cycle per clip"
            return
        cmds = self.commands[loop_ids]
        seen: dict[tuple[float, ...], int] = {}
        for i, c in zip(loop_ids, cmds):
            key = tuple(np.round(c / _GRID_TOLERANCE).astype(np.int64).tolist())
            if key in seen:
                j = seen[key]
                self._ref_error = (
                    f"{_describe(self.files[i], i)} and {_describe(self.files[j], j)} are looping clips of the "
                    f"same command {c.tolist()}: reference() needs one clip per command "
                    "(filter the library by robot and preset)"
                )
                return
            seen[key] = i
        tables = [_cycle_table(self.motions[i], self._columns[i]) for i in loop_ids]
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

    def reference(self, command: ArrayLike, phase: ArrayLike) -> Reference:
        """Reference values at N commands and gait phases (vectorised).

        Each output row blends the per-frame reference of the looping clips:

        - over commands, by multilinear interpolation between the up-to-8
          neighbouring grid commands (``interpolation == "grid"``), or by
          inverse-squared-distance weighting over all looping clips in the
          scaled command space (``"idw"``, used when the commands do not form
          a full grid);
        - over phase, linearly between frames ``floor(phase * C)`` and the next
          one, wrapping from frame ``C - 1`` to frame 0, where ``C`` is the
          clip's cycle length.

        At a generated command and ``phase = k / C`` the result is that clip's
        frame ``k`` (within rounding); it is continuous in command and phase.

        **Out-of-range commands are clamped** per axis to the range of the
        generated commands (``[min, max]`` of each of dx, dy, dtheta over the
        looping clips): the reference never extrapolates. Check
        :meth:`command_range` to detect such queries.

        Args:
            command: ``(dx, dy, dtheta)`` per step, shape (N, 3) (or (3,), used
                for every phase), m, m, rad.
            phase: Gait phase, shape (N,) (or a scalar, used for every command),
                cycles; taken modulo 1, so 1.0 is 0.0. Phase 0 is the start of
                the first single support.

        Returns:
            A :class:`Reference` of N rows (column views of one array).

        Raises:
            ValueError: Shapes that do not broadcast to N rows, non-finite
                inputs, or no usable looping clips (none, or two clips of the
                same command).
        """
        if self._ref_error is not None:
            raise ValueError(self._ref_error)
        q = _as_commands(command)
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
        j = self.num_joints
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

    def command_range(self) -> tuple[FloatArray, FloatArray]:
        """``(low, high)``, shape (3,) each: the command box :meth:`reference` clamps to.

        Raises:
            ValueError: If the library cannot answer reference queries.
        """
        if self._ref_error is not None:
            raise ValueError(self._ref_error)
        return self._lo.copy(), self._hi.copy()

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
        d2 = np.sum(((q[:, None, :] - self._idw_commands[None, :, :]) / self.command_scale) ** 2, axis=2)
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


def _as_commands(command: ArrayLike) -> FloatArray:
    """Commands as a finite (N, 3) float array (a (3,) command gives N = 1)."""
    q = np.asarray(command, dtype=np.float64)
    if q.ndim == 1:
        q = q[None, :]
    if q.ndim != 2 or q.shape[1] != 3:
        raise ValueError(f"command: shape {np.shape(command)}, expected (3,) or (N, 3) as (dx, dy, dtheta)")
    if not np.all(np.isfinite(q)):
        raise ValueError(f"command: shape {q.shape} has non-finite values")
    return q


# ------------------------------------------------------------------- sources


def _read_sources(path: Path) -> list[_Source]:
    """The clips a directory, index, dataset YAML or single .npz lists."""
    if path.is_dir():
        if (path / INDEX_NAME).is_file():
            return _read_index(path / INDEX_NAME)
        return [_Source(file=p, weight=1.0) for p in sorted(path.glob("*.npz"))]
    if not path.exists():
        raise LibraryError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_index(path)
    if suffix in (".yaml", ".yml"):
        return _read_dataset(path)
    if suffix == ".npz":
        return [_Source(file=path, weight=1.0)]
    raise LibraryError(f"{path}: unknown source type '{suffix}', expected a directory, .json, .yaml/.yml or .npz")


def _read_index(path: Path) -> list[_Source]:
    """The ``ok`` clips of an index (:func:`motions.index.read_index`), with their robot, preset and grade."""
    try:
        index = read_index(path)
    except IndexFormatError as exc:
        raise LibraryError(f"cannot read the index: {exc}") from exc
    return [
        _Source(file=index.file_path(entry), weight=1.0, robot=index.robot, preset=entry.preset or None,
                validation=entry.validation.status if entry.validation is not None else None)
        for entry in index.ok_entries()
    ]


MAX_DATASET_BYTES = 2 << 20
"""Largest dataset YAML read (2 MiB, about 50 000 clips; parsing takes about 100 MB and 5 s per MiB).
Larger libraries are read through their ``index.json``."""


def _read_dataset(path: Path) -> list[_Source]:
    doc: Any = load_yaml(path, error=LibraryError, max_bytes=MAX_DATASET_BYTES, what="dataset YAML")
    if not isinstance(doc, dict) or not isinstance(doc.get("motions"), list):
        raise LibraryError(f"{path}: expected a mapping with a 'motions' list of {{file, weight}}")
    sources = []
    for i, entry in enumerate(doc["motions"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise LibraryError(f"{path}: motions[{i}] is {short(entry)}, expected {{file: <clip>.npz, weight: <number>}}")
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise LibraryError(f"{path}: motions[{i}].weight is {short(weight)}, expected a finite number >= 0")
        file = Path(entry["file"])
        if file.suffix.lower() == ".pkl":
            raise LibraryError(
                f"{path}: motions[{i}].file {short(entry['file'])} is a pickle (MimicKit .pkl); "
                "list the .npz motion files instead (pickles are never loaded)"
            )
        sources.append(_Source(file=file if file.is_absolute() else path.parent / file, weight=float(weight)))
    return sources
