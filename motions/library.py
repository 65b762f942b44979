"""A library of reference walking clips: load, filter, sample and query by command and phase.

:class:`MotionLibrary` holds a set of :class:`~motions.Motion` clips of one joint
set. It loads them from a motion directory (its ``index.json``, else every
``*.npz``), from an ``index.json`` or from a dataset YAML
(``motions: [{file, weight}]``), optionally filtered by robot, preset and
validation status; the sources are read by :mod:`motions.library_sources`. It
samples clips by weight, finds the clip nearest to a command and, for looping
clips, answers vectorised reference queries at any command and gait phase
(:mod:`motions.reference` states the command, phase and heading-frame
conventions; details in ``docs/library.md``).

Clips are read with :func:`motions.load` (``np.load(allow_pickle=False)``);
nothing read can run code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from motions.errors import LibraryError
from motions.labels import FrameSample, frame_labels, velocity_key
from motions.library_sources import Source, read_sources
from motions.motion import Motion
from motions.reference import Reference, ReferenceTable, as_commands, axis_scale
from motions.storage import load as load_motion

__all__ = ["VALIDATION_STATUSES", "FrameSample", "MotionLibrary", "Reference"]

FloatArray = NDArray[np.float64]

VALIDATION_STATUSES = ("pass", "fail")
"""Values accepted by the ``status`` filter of :meth:`MotionLibrary.load`."""


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
        validation: Each clip's validation status from its index (``"pass"``,
            ``"fail"``), or None where unknown.
        weights: Sampling probabilities, shape (M,), summing to 1.
        commands: Commands ``(dx, dy, dtheta)`` of the clips, shape (M, 3), m, m, rad per step.
        achieved: Each clip's achieved mean body-frame velocity ``(vx, vy, yaw rate)``, shape (M, 3),
            m/s, m/s, rad/s (:attr:`motions.Motion.achieved`).
        velocities: The body velocity each clip stands for, ``(vx, vy, wz)``, shape (M, 3),
            m/s, m/s, rad/s: its velocity command, else its achieved mean velocity
            (:func:`motions.labels.velocity_key`). Velocity queries use it.
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
        validation: Sequence[str | None] | None = None,
    ) -> None:
        """Build a library from clips in memory.

        Args:
            motions: The clips (at least one), all with the same joint names.
            weights: Non-negative sampling weights, shape (M,), not all zero;
                uniform if None. Normalised to probabilities.
            files: Where each clip came from, for messages; None if unknown.
            validation: Each clip's validation status (``"pass"``, ``"fail"``
                or None if unknown); None if unknown for all.

        Raises:
            LibraryError: No clips, joint names that differ between clips, or
                bad weights, files or validation of another length.
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
        validation = tuple(validation) if validation is not None else (None,) * len(motions)
        if len(validation) != len(motions):
            raise LibraryError(f"validation: {len(validation)} entries, expected one per motion ({len(motions)})")
        self.motions: tuple[Motion, ...] = motions
        self.files: tuple[Path | None, ...] = files
        self.validation: tuple[str | None, ...] = validation
        self.joint_names: tuple[str, ...] = motions[0].joint_names
        self._columns = [self._joint_columns(i) for i in range(len(motions))]
        self.weights: FloatArray = self._normalised_weights(weights)
        self.commands: FloatArray = np.array(
            [[m.command.dx, m.command.dy, m.command.dtheta] for m in motions], dtype=np.float64
        )
        self.commands.flags.writeable = False
        self.command_scale: FloatArray = np.array([axis_scale(self.commands[:, d]) for d in range(3)])
        self.command_scale.flags.writeable = False
        self._reference = ReferenceTable(self.motions, self._columns, self.commands, self.command_scale,
                                         [_describe(f, i) for i, f in enumerate(self.files)])
        self.interpolation: str | None = self._reference.interpolation
        self.grid_axes: tuple[FloatArray, FloatArray, FloatArray] | None = self._reference.grid_axes
        self.achieved: FloatArray = np.array([[m.achieved.vx, m.achieved.vy, m.achieved.yaw_rate] for m in motions])
        self.achieved.flags.writeable = False
        self.velocities: FloatArray = np.array([velocity_key(m) for m in motions], dtype=np.float64)
        self.velocities.flags.writeable = False
        self.velocity_scale: FloatArray = np.array([axis_scale(self.velocities[:, d]) for d in range(3)])
        self.velocity_scale.flags.writeable = False
        self._velocity_reference: ReferenceTable | None = None

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
        sources = read_sources(path)
        selected: list[tuple[Motion, Source]] = []
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
        return cls(motions, weights=[s.weight for s in srcs], files=[s.file for s in srcs],
                   validation=[s.validation for s in srcs])

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

    def __repr__(self) -> str:
        """A few lines: clips, joints, looping clips and interpolation; clip counts by robot, preset and validation."""

        def counts(values: Sequence[object]) -> str:
            tally: dict[str, int] = {}
            for value in values:
                tally[str(value)] = tally.get(str(value), 0) + 1
            return ", ".join(f"{key} {n}" for key, n in sorted(tally.items()))

        looping = sum(m.loop.looping for m in self.motions)
        return (f"MotionLibrary({len(self)} clips, {self.num_joints} joints, {looping} looping, "
                f"interpolation={self.interpolation!r}\n"
                f"  robots: {counts([m.meta.get('robot') for m in self.motions])}\n"
                f"  presets: {counts([m.meta.get('preset') for m in self.motions])}\n"
                f"  validation: {counts(['not validated' if v is None else v for v in self.validation])})")

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
        q = as_commands(command)
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

    def nearest_velocity_index(self, velocity: ArrayLike) -> int | NDArray[np.int64]:
        """Index of the clip whose :attr:`velocities` entry is closest to ``velocity``.

        Distance is Euclidean, scaled per axis by :attr:`velocity_scale`; ties go to the lower index.

        Args:
            velocity: ``(vx, vy, wz)``, shape (3,) or (N, 3), m/s, m/s, rad/s.

        Returns:
            An int for a (3,) velocity, else an int64 array of shape (N,).
        """
        q = as_commands(velocity)
        d2 = np.sum(((q[:, None, :] - self.velocities[None, :, :]) / self.velocity_scale) ** 2, axis=2)
        idx = np.argmin(d2, axis=1).astype(np.int64)
        return int(idx[0]) if np.ndim(velocity) == 1 else idx

    def labels(self, index: int) -> tuple[FloatArray, FloatArray]:
        """Per-frame labels of clip ``index``: ``command_per_frame`` (T, 3) ``[vx, vy, wz]`` and ``gait_phase`` (T,).

        Schedule clips (starts, stops, stands, command changes) carry their own;
        other clips get them derived (:func:`motions.labels.frame_labels`).
        """
        return frame_labels(self.motions[index])

    def sample_frames(self, n: int, rng: np.random.Generator) -> FrameSample:
        """Draw ``n`` frames with their labels: a clip by :attr:`weights`, then a frame uniformly within it.

        Every clip takes part, looping or not (schedule clips included), so a
        command-conditioned policy sees starts, stops and changes with the
        command in force at each frame.

        Args:
            n: Number of frames, >= 0.
            rng: The random generator.
        """
        clips = self.sample(n, rng)
        lengths = np.array([m.num_frames for m in self.motions], dtype=np.int64)
        frames = np.floor(rng.random(len(clips)) * lengths[clips]).astype(np.int64)
        command = np.empty((len(clips), 3))
        phase = np.empty(len(clips))
        for i in np.unique(clips):
            rows = clips == i
            labels, phases = self.labels(int(i))
            command[rows] = labels[frames[rows]]
            phase[rows] = phases[frames[rows]]
        fps = np.array([m.fps for m in self.motions])
        return FrameSample(clip=clips, frame=frames, time=frames / fps[clips], command=command, phase=phase)

    # --------------------------------------------------------------- reference

    def reference(self, command: ArrayLike | None, phase: ArrayLike, *, velocity: ArrayLike | None = None
                  ) -> Reference:
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

        With ``velocity`` instead of ``command`` the same blend runs over the
        clips' :attr:`velocities` (a grid when they come from a ``--velocity
        --sweep``), clamped to their range (:meth:`velocity_range`).

        Args:
            command: ``(dx, dy, dtheta)`` per step, shape (N, 3) (or (3,), used
                for every phase), m, m, rad; None when ``velocity`` is given.
            velocity: ``(vx, vy, wz)`` body velocity, shape (N, 3) or (3,), m/s, m/s,
                rad/s, instead of ``command``.
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
        if (command is None) == (velocity is None):
            raise ValueError("reference(): give either command (dx, dy, dtheta per step) or velocity (vx, vy, wz)")
        if velocity is not None:
            return self._velocity_table().query(velocity, phase)
        return self._reference.query(command, phase)

    def _velocity_table(self) -> ReferenceTable:
        if self._velocity_reference is None:
            self._velocity_reference = ReferenceTable(self.motions, self._columns, self.velocities,
                                                      self.velocity_scale,
                                                      [_describe(f, i) for i, f in enumerate(self.files)])
        return self._velocity_reference

    def velocity_range(self) -> tuple[FloatArray, FloatArray]:
        """``(low, high)``, shape (3,) each: the velocity box :meth:`reference` clamps velocity queries to.

        Raises:
            ValueError: If the library cannot answer reference queries.
        """
        return self._velocity_table().command_range()

    def command_range(self) -> tuple[FloatArray, FloatArray]:
        """``(low, high)``, shape (3,) each: the command box :meth:`reference` clamps to.

        Raises:
            ValueError: If the library cannot answer reference queries.
        """
        return self._reference.command_range()
