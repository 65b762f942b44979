"""The :class:`Motion` container: one reference walking clip, addressed by name.

Frame ``k`` of a clip is at time ``k / fps`` exactly. Positions and velocities
are in the world frame (z up) unless stated otherwise; quaternions are **xyzw**
and map body-frame vectors to the world frame. Every array is a read-only
float64 (or bool / int8) copy that is validated on construction, so a Motion
that exists is consistent. The file format is in :mod:`motions.storage` and
``docs/motion_format.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from motions import _checks
from motions.atomic import atomic_write_bytes
from motions.errors import MotionFormatError
from motions.loop import Loop
from motions.npz_write import npz_bytes
from motions.safe_io import short

__all__ = ["QUAT_ORDER", "Achieved", "Command", "Footsteps", "Motion"]

QUAT_ORDER = "xyzw"
"""Order of the four quaternion components in every Motion array and file."""

FORMAT_VERSION = 1
"""Version of the motion file format that :func:`file_arrays` lays out (checked by :func:`motions.storage.load`)."""

FPS_RANGE = (1.0, 10_000.0)
"""Allowed sample rates (frames/s); outside it a clip's times or derivatives are meaningless."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False, kw_only=True)
class Footsteps:
    """The planned footsteps of a clip, S steps in planning order.

    Attributes:
        side: Which foot, shape (S,), int8: 0 = left, 1 = right.
        pos: Sole centre of the planted foot, shape (S, 3), m, world frame.
        yaw: Heading of the planted foot about world z, shape (S,), rad.
        t_start: Start of the stance interval, shape (S,), s in clip time
            (frame k is at k / fps); may be before 0.
        t_end: End of the stance interval, shape (S,), s in clip time, at least
            ``t_start``; may be after the last frame.
    """

    side: NDArray[np.int8]
    pos: FloatArray
    yaw: FloatArray
    t_start: FloatArray
    t_end: FloatArray

    def __post_init__(self) -> None:
        side = _checks.as_array("footsteps.side", self.side)
        if side.ndim != 1:
            raise MotionFormatError(f"footsteps.side: shape {side.shape}, expected (S,)")
        num = side.shape[0]
        values = {
            "side": _checks.side_array("footsteps.side", side, (num,), "(S,)"),
            "pos": _checks.float_array("footsteps.pos", self.pos, (num, 3), "(S, 3)"),
            "yaw": _checks.float_array("footsteps.yaw", self.yaw, (num,), "(S,)"),
            "t_start": _checks.float_array("footsteps.t_start", self.t_start, (num,), "(S,)"),
            "t_end": _checks.float_array("footsteps.t_end", self.t_end, (num,), "(S,)"),
        }
        backwards = np.flatnonzero(values["t_end"] < values["t_start"])
        if backwards.size:
            i = int(backwards[0])
            raise MotionFormatError(
                f"footsteps.t_end: step {i} ends at {values['t_end'][i]} s before it starts at "
                f"{values['t_start'][i]} s, expected t_end >= t_start"
            )
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def num_steps(self) -> int:
        """Number of footsteps S."""
        return int(self.side.shape[0])


@dataclass(frozen=True, eq=False, kw_only=True)
class Command:
    """The walk command the clip was generated for, per step.

    Attributes:
        dx: Forward displacement per step, m, in the robot's heading frame.
        dy: Lateral (left-positive) displacement per step, m.
        dtheta: Heading change per step, rad, counter-clockwise positive.
    """

    dx: float
    dy: float
    dtheta: float

    def __post_init__(self) -> None:
        for name in ("dx", "dy", "dtheta"):
            object.__setattr__(self, name, _checks.finite_float(f"command.{name}", getattr(self, name)))


@dataclass(frozen=True, eq=False, kw_only=True)
class Achieved:
    """Velocities the clip actually achieves, averaged over the clip.

    Attributes:
        vx: Mean forward velocity in the body (heading) frame, m/s.
        vy: Mean lateral (left-positive) velocity in the body frame, m/s.
        yaw_rate: Mean heading rate, rad/s, counter-clockwise positive.
    """

    vx: float
    vy: float
    yaw_rate: float

    def __post_init__(self) -> None:
        for name in ("vx", "vy", "yaw_rate"):
            object.__setattr__(self, name, _checks.finite_float(f"achieved.{name}", getattr(self, name)))


@dataclass(frozen=True, eq=False, kw_only=True)
class Motion:
    """One reference walking clip of T frames and J joints at a fixed rate.

    Frame ``k`` is at time ``k / fps``. Quaternions are xyzw (``QUAT_ORDER``),
    body to world. Velocities agree with central differences of the positions
    at ``fps``; ``root_ang_vel`` is the true world-frame angular rate.

    Attributes:
        fps: Sample rate, frames per second, > 0.
        joint_names: Names of the J joints, unique, in column order.
        root_pos: Root (trunk) position, shape (T, 3), m, world frame.
        root_quat: Root orientation, shape (T, 4), xyzw unit quaternions,
            body to world, sign-continuous (consecutive dot products >= 0).
        joint_pos: Joint positions, shape (T, J), rad.
        joint_vel: Joint velocities, shape (T, J), rad/s.
        root_lin_vel: Root linear velocity, shape (T, 3), m/s, world frame.
        root_ang_vel: Root angular velocity, shape (T, 3), rad/s, world frame.
        left_foot_pos: Left sole centre, shape (T, 3), m, world frame.
        right_foot_pos: Right sole centre, shape (T, 3), m, world frame.
        contacts: Foot in contact with the ground, shape (T, 2), bool,
            columns [left, right].
        com_pos: Planned centre of mass, shape (T, 3), m, world frame.
        zmp: Planned zero-moment point, shape (T, 2), m, world x and y.
        footsteps: The planned footsteps.
        command: The commanded step (dx, dy, dtheta).
        achieved: The mean body-frame velocities over the clip.
        loop: Loop metadata and the per-cycle rigid root offset.
        meta: JSON-serialisable provenance: robot, preset name and parameters,
            seed, generator version, step timing. Stored normalised through
            JSON (tuples become lists).
        joint_acc: Joint accelerations, shape (T, J), rad/s^2, or None.
        root_lin_acc: Root acceleration, shape (T, 3), m/s^2, world frame, or None.
        root_ang_acc: Root angular acceleration, shape (T, 3), rad/s^2, world
            frame, or None. The three accelerations are present together or not
            at all; generated clips carry the exact (analytic) ones, which the
            validator's inverse dynamics use instead of differencing.
        command_per_frame: The velocity command in force at each frame, shape
            (T, 3), ``[vx, vy, wz]`` in m/s, m/s, rad/s, heading frame; zeros while
            standing or stopping. None when the clip does not record it.
        gait_phase: Gait phase at each frame, shape (T,), in [0, 1) over a gait
            cycle of two steps (0 at the start of the left foot's swing, the
            convention of :mod:`motions.reference`), NaN while standing (both feet
            planted outside a walking step). None when the clip does not record it.
    """

    QUAT_ORDER: ClassVar[str] = QUAT_ORDER

    fps: float
    joint_names: tuple[str, ...]
    root_pos: FloatArray
    root_quat: FloatArray
    joint_pos: FloatArray
    joint_vel: FloatArray
    root_lin_vel: FloatArray
    root_ang_vel: FloatArray
    left_foot_pos: FloatArray
    right_foot_pos: FloatArray
    contacts: NDArray[np.bool_]
    com_pos: FloatArray
    zmp: FloatArray
    footsteps: Footsteps
    command: Command
    achieved: Achieved
    loop: Loop
    meta: dict[str, Any]
    joint_acc: FloatArray | None = None
    root_lin_acc: FloatArray | None = None
    root_ang_acc: FloatArray | None = None
    command_per_frame: FloatArray | None = None
    gait_phase: FloatArray | None = None

    def __post_init__(self) -> None:
        fps = _checks.finite_float("fps", self.fps)
        if not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
            raise MotionFormatError(f"fps: {fps:g}, expected a rate in [{FPS_RANGE[0]:g}, {FPS_RANGE[1]:g}] frames per second")
        names = _joint_names(self.joint_names)
        root_pos = _checks.as_array("root_pos", self.root_pos)
        if root_pos.ndim != 2 or root_pos.shape[0] < 1:
            raise MotionFormatError(f"root_pos: shape {root_pos.shape}, expected (T, 3) with T >= 1")
        t, j = root_pos.shape[0], len(names)
        values: dict[str, Any] = {"fps": fps, "joint_names": names}
        for name, width, label in _FLOAT_FIELDS:
            shape = (t, j if width == "J" else width)
            values[name] = _checks.float_array(name, getattr(self, name), shape, label)
        present = [getattr(self, name) is not None for name, _, _ in _ACC_FIELDS]
        if any(present) and not all(present):
            raise MotionFormatError(
                "joint_acc, root_lin_acc, root_ang_acc: give all three accelerations or none "
                f"(given: {[name for (name, _, _), p in zip(_ACC_FIELDS, present) if p]})"
            )
        if all(present):
            for name, width, label in _ACC_FIELDS:
                shape = (t, j if width == "J" else width)
                values[name] = _checks.float_array(name, getattr(self, name), shape, label)
        if self.command_per_frame is not None:
            values["command_per_frame"] = _checks.float_array("command_per_frame", self.command_per_frame, (t, 3),
                                                              "(T, 3)")
        if self.gait_phase is not None:
            values["gait_phase"] = _checks.phase_array("gait_phase", self.gait_phase, (t,), "(T,)")
        values["contacts"] = _checks.bool_array("contacts", self.contacts, (t, 2), "(T, 2)")
        _checks.unit_quats("root_quat", values["root_quat"])
        _checks.continuous_quats("root_quat", values["root_quat"])
        for name, kind in (("footsteps", Footsteps), ("command", Command), ("achieved", Achieved), ("loop", Loop)):
            if not isinstance(getattr(self, name), kind):
                raise MotionFormatError(f"{name}: {type(getattr(self, name)).__name__}, expected {kind.__name__}")
        if self.loop.looping and self.loop.total_frames != t:
            raise MotionFormatError(
                f"loop: {self.loop.num_cycles} cycles of {self.loop.cycle_frames} frames = "
                f"{self.loop.total_frames} frames, expected T = {t} for a looping clip"
            )
        values["meta"] = _normalised_meta(self.meta)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        """One line: robot, preset, frames, rate, duration, joints, command and loop; never the arrays."""
        c, loop = self.command, self.loop
        cycles = f"looping {loop.num_cycles} cycles of {loop.cycle_frames} frames" if loop.looping else "not looping"
        return (f"Motion(robot={self.meta.get('robot')!r}, preset={self.meta.get('preset')!r}, "
                f"{self.num_frames} frames at {self.fps:g} fps ({self.num_frames / self.fps:.3g} s), "
                f"{self.num_joints} joints, command dx={c.dx:g} m dy={c.dy:g} m dtheta={c.dtheta:g} rad per step, "
                f"{cycles})")

    @property
    def has_accelerations(self) -> bool:
        """True when the clip carries its exact accelerations."""
        return self.joint_acc is not None

    @property
    def quat_order(self) -> str:
        """Order of the quaternion components, always ``"xyzw"``."""
        return QUAT_ORDER

    @property
    def num_frames(self) -> int:
        """Number of frames T."""
        return int(self.root_pos.shape[0])

    @property
    def num_joints(self) -> int:
        """Number of joints J."""
        return len(self.joint_names)

    @property
    def times(self) -> FloatArray:
        """Frame times ``k / fps`` for k = 0 .. T-1, shape (T,), s."""
        return np.arange(self.num_frames) / self.fps

    @property
    def span(self) -> float:
        """Time from the first to the last frame, ``(T - 1) / fps``, s."""
        return (self.num_frames - 1) / self.fps

    @property
    def period(self) -> float:
        """Playback period of a looping clip, ``T / fps``, s.

        Frame T (the first frame moved by the whole-clip loop offset) would fall
        at this time, so the clip repeats with this period.
        """
        return self.num_frames / self.fps

    def joint_index(self, name: str) -> int:
        """Column of joint ``name`` in ``joint_pos`` and ``joint_vel``.

        Raises:
            KeyError: If the clip has no joint of that name.
        """
        try:
            return self.joint_names.index(name)
        except ValueError:
            raise KeyError(f"joint {name!r} not in this motion; joints are {list(self.joint_names)}") from None

    def joint(self, name: str) -> FloatArray:
        """Position of joint ``name`` over the clip, shape (T,), rad."""
        return self.joint_pos[:, self.joint_index(name)]

    def joint_velocity(self, name: str) -> FloatArray:
        """Velocity of joint ``name`` over the clip, shape (T,), rad/s."""
        return self.joint_vel[:, self.joint_index(name)]

    def save(self, path: str | Path) -> Path:
        """Write this motion atomically to ``path`` as a version-stamped ``.npz``.

        See :func:`motions.storage.save`.
        """
        return atomic_write_bytes(path, npz_bytes(file_arrays(self)))


# (field, second axis size or "J", label used in messages) of each float array.
_FLOAT_FIELDS: tuple[tuple[str, int | str, str], ...] = (
    ("root_pos", 3, "(T, 3)"),
    ("root_quat", 4, "(T, 4)"),
    ("joint_pos", "J", "(T, J)"),
    ("joint_vel", "J", "(T, J)"),
    ("root_lin_vel", 3, "(T, 3)"),
    ("root_ang_vel", 3, "(T, 3)"),
    ("left_foot_pos", 3, "(T, 3)"),
    ("right_foot_pos", 3, "(T, 3)"),
    ("com_pos", 3, "(T, 3)"),
    ("zmp", 2, "(T, 2)"),
)
_ACC_FIELDS: tuple[tuple[str, int | str, str], ...] = (
    ("joint_acc", "J", "(T, J)"),
    ("root_lin_acc", 3, "(T, 3)"),
    ("root_ang_acc", 3, "(T, 3)"),
)
ACCELERATION_FIELDS = tuple(name for name, _, _ in _ACC_FIELDS)
"""The optional acceleration arrays, present together or not at all."""

LABEL_FIELDS = ("command_per_frame", "gait_phase")
"""The optional per-frame labels of a command-conditioned clip, each present or not on its own."""

ARRAY_FIELDS = (
    "root_pos",
    "root_quat",
    "joint_pos",
    "joint_vel",
    "root_lin_vel",
    "root_ang_vel",
    "left_foot_pos",
    "right_foot_pos",
    "contacts",
    "com_pos",
    "zmp",
)
"""The per-frame arrays a motion file stores under their own names, in file order."""


def file_arrays(motion: Motion) -> dict[str, Any]:
    """The members of ``motion``'s file, in file order (the optional accelerations, then labels, last).

    The layout is ``docs/motion_format.md``; :func:`motions.npz_write.npz_bytes`
    turns it into the file's bytes and :func:`motions.storage.load` reads it back.
    """
    steps, loop = motion.footsteps, motion.loop
    arrays: dict[str, Any] = {
        "format_version": np.int64(FORMAT_VERSION),
        "quat_order": np.str_(QUAT_ORDER),
        "fps": np.float64(motion.fps),
        "joint_names": np.array(motion.joint_names, dtype=np.str_),
        **{name: getattr(motion, name) for name in ARRAY_FIELDS},
        "footsteps_side": steps.side,
        "footsteps_pos": steps.pos,
        "footsteps_yaw": steps.yaw,
        "footsteps_t_start": steps.t_start,
        "footsteps_t_end": steps.t_end,
        "command_dx": np.float64(motion.command.dx),
        "command_dy": np.float64(motion.command.dy),
        "command_dtheta": np.float64(motion.command.dtheta),
        "achieved_vx": np.float64(motion.achieved.vx),
        "achieved_vy": np.float64(motion.achieved.vy),
        "achieved_yaw_rate": np.float64(motion.achieved.yaw_rate),
        "loop_looping": np.bool_(loop.looping),
        "loop_cycle_frames": np.int64(loop.cycle_frames),
        "loop_num_cycles": np.int64(loop.num_cycles),
        "loop_cycle_offset_pos": loop.cycle_offset_pos,
        "loop_cycle_offset_yaw": np.float64(loop.cycle_offset_yaw),
        "meta": np.str_(json.dumps(motion.meta, sort_keys=True, allow_nan=False)),
    }
    if motion.has_accelerations:
        arrays.update({name: getattr(motion, name) for name in ACCELERATION_FIELDS})
    arrays.update({name: getattr(motion, name) for name in LABEL_FIELDS if getattr(motion, name) is not None})
    return arrays


def _joint_names(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list, np.ndarray)):
        raise MotionFormatError(f"joint_names: {type(value).__name__}, expected a sequence of str")
    for name in value:
        if not isinstance(name, str) or not name:
            raise MotionFormatError(f"joint_names: {short(name)}, expected non-empty str")
    names = tuple(str(name) for name in value)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise MotionFormatError(f"joint_names: {short(name)} appears more than once, expected unique names")
        seen.add(name)
    return names


def _normalised_meta(meta: object) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise MotionFormatError(f"meta: {type(meta).__name__}, expected a dict")
    try:
        text = json.dumps(meta, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise MotionFormatError(f"meta: not JSON-serialisable ({exc})") from exc
    return json.loads(text)
