"""The export format registry: one :class:`ExportFormat` object per ``--format`` choice.

A format is data plus two functions: its name, the clip file extension, the
rate it is resampled to by default, a one-line description of the frames a
clip holds (loop handling included), the per-clip writer and the sidecar
writer (files written once per export, next to the clips). Two flags say what
else it does: :attr:`ExportFormat.samples_itself` (the writer gets each clip at
its own rate and samples it at :attr:`ExportRun.fps` itself, instead of through
:func:`retarget.resample.resample`) and :attr:`ExportFormat.takes_joint_order`
(it writes joints and bodies in a ``--joint-order`` file's order,
:attr:`ExportRun.order`).

Each format module builds its object and registers it at import with
:func:`register_format`: ``retarget/mimickit.py``, ``awd.py``, ``gmr.py``,
``mjlab.py``, ``motion_file.py`` (this project's own ``.npz``) and
``isaaclab.py``. ``retarget/__init__.py`` imports them on one line, in the
order of the ``--format`` choices. :func:`retarget.retarget` and ``gait_retarget`` only look
formats up here, so adding a format is one new module plus its name on that
import line (or one :func:`register_format` call from user code).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from motions import Motion
from retarget.bodies import body_names
from retarget.mapping import JointMapping
from retarget.order import Order, load_order
from robots import Robot
from robots.mjcf import mjcf_xml, model

__all__ = [
    "FORMATS",
    "ClipFile",
    "ClipWriter",
    "ExportFormat",
    "ExportRun",
    "SidecarWriter",
    "get_format",
    "no_sidecars",
    "register_format",
    "robot_joint_order",
]


@dataclass(frozen=True)
class ClipFile:
    """One clip as written: its file content and what the manifest says of it."""

    data: bytes
    """The whole file."""
    frames: int
    """Frames the file holds (after any closing frame or tiling)."""
    note: str
    """One line for the manifest and the log: loop mode chosen, tiling, frame count."""
    fps: float | None = None
    """Rate of the written file (frames/s), the manifest's ``fps``; None: the rate of the clip the writer got."""
    time_scale: float | None = None
    """How many times faster than recorded the file plays (a loop fitted into whole frames at an exact
    rate), written to the manifest when given."""


def robot_joint_order(run: ExportRun) -> list[str]:
    """The target robot's joints in MuJoCo qpos order (the default :attr:`ExportFormat.joint_order`)."""
    return list(run.robot.joint_names)


def no_sidecars(run: ExportRun, entries: list[dict[str, Any]]) -> dict[str, str | bytes]:
    """No files besides the clips and ``manifest.json`` (the default :attr:`ExportFormat.sidecars`)."""
    return {}


_NAME = re.compile(r"[a-z][a-z0-9_]*")
_EXTENSION = re.compile(r"(\.[A-Za-z0-9_]+)+")


@dataclass(frozen=True)
class ExportFormat:
    """One output format of :func:`retarget.retarget`.

    Raises:
        ValueError: On construction, a name that is not lower-case letters,
            digits and ``_``, an extension that is not ``.`` plus letters or
            digits, or a default rate that is not positive and finite.
    """

    name: str
    """The ``--format`` choice, e.g. ``"mimickit"``."""
    extension: str
    """Clip file extension with its dot, e.g. ``".pkl"``; a clip is ``<source stem><extension>``."""
    summary: str
    """What the format is for and which files it writes, one line for ``--help``."""
    frames: str
    """Which frames a clip holds and how loops are handled, one line for ``--help``."""
    write_clip: ClipWriter
    """Builds one clip's file (see :data:`ClipWriter`)."""
    sidecars: SidecarWriter = no_sidecars
    """Builds the files written once per export (see :data:`SidecarWriter`)."""
    joint_order: Callable[[ExportRun], list[str]] = robot_joint_order
    """Target joints in the order the format writes them (``manifest.json["joint_order"]``)."""
    default_fps: float | None = None
    """Rate (frames/s) clips are exported at when no ``fps`` is given; None keeps their rate (or, for a
    format that samples itself, lets it choose)."""
    samples_itself: bool = False
    """The writer samples each clip at :attr:`ExportRun.fps` itself (exact rate, interpolating between
    frames), so clips reach it at their own rate rather than resampled by :func:`retarget.resample.resample`."""
    takes_joint_order: bool = False
    """The format writes joints (and bodies) in :attr:`ExportRun.order`, so it accepts a ``--joint-order`` file."""

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"format name {self.name!r}: expected lower-case letters, digits and '_'")
        if not _EXTENSION.fullmatch(self.extension):
            raise ValueError(f"format {self.name!r}: extension {self.extension!r}, expected '.' then letters/digits")
        if self.default_fps is not None and not (math.isfinite(self.default_fps) and self.default_fps > 0):
            raise ValueError(f"format {self.name!r}: default_fps {self.default_fps!r}, expected a positive rate")


@dataclass(frozen=True)
class ExportRun:
    """What every clip and sidecar of one export shares; derived values are computed once, on first use."""

    format: ExportFormat
    """The format being written."""
    robot: Robot
    """Target robot."""
    wrap: bool
    """``--loop wrap``: looping clips loop in the consumer where it can do so exactly; False plays them once."""
    out: Path
    """The final output directory, absolute (files are staged elsewhere and moved there whole)."""
    fps: float | None = None
    """Export rate (frames/s): ``fps`` or the format's :attr:`~ExportFormat.default_fps`; None keeps each
    clip's rate. Clips reach a writer already at this rate unless the format samples itself."""
    joint_order_file: Path | None = None
    """``--joint-order``: the consumer env's joint (and body) order (:mod:`retarget.order`); None: the robot's."""
    dataset_prefix: str = ""
    """``--dataset-prefix``: written before each clip file name in a format's dataset listing (MimicKit)."""

    @cached_property
    def joint_order(self) -> tuple[str, ...]:
        """Target joints in the order the format writes them (its :attr:`ExportFormat.joint_order`)."""
        return tuple(self.format.joint_order(self))

    @cached_property
    def order(self) -> Order:
        """Joints and bodies in the order of :attr:`joint_order_file`, else the robot's MuJoCo order.

        Raises:
            RetargetError: The file is unreadable or does not match the robot (:func:`retarget.order.load_order`).
        """
        return load_order(self.joint_order_file, self.robot.joint_names, body_names(model(self.robot)))

    @cached_property
    def mjcf_xml(self) -> str:
        """The target robot's MJCF text (:func:`robots.mjcf.mjcf_xml`; about 1.5 s for the G1, so built once)."""
        return mjcf_xml(self.robot)


ClipWriter = Callable[[Motion, JointMapping, ExportRun, float], ClipFile]
"""``(clip at the export rate, joint mapping onto the target, run, weight) -> ClipFile``."""
SidecarWriter = Callable[[ExportRun, list[dict[str, Any]]], dict[str, str | bytes]]
"""``(run, manifest entries of the written clips) -> {path: text or bytes}``, written next to the clips; a path
is relative to the output folder with ``/`` between its parts (e.g. ``meshes/foot.stl``)."""


FORMATS: dict[str, ExportFormat] = {}
"""Registered formats by name, in registration order (the order of the ``--format`` choices)."""


def register_format(fmt: ExportFormat) -> ExportFormat:
    """Add a format to :data:`FORMATS` and return it.

    Raises:
        ValueError: A format of that name is already registered.
    """
    if fmt.name in FORMATS:
        raise ValueError(f"export format {fmt.name!r} is already registered")
    FORMATS[fmt.name] = fmt
    return fmt


def get_format(name: str) -> ExportFormat:
    """The registered format called ``name``.

    Raises:
        ValueError: Unknown name (the message lists the choices).
    """
    if name not in FORMATS:
        raise ValueError(f"format: {name!r} is not a known choice; expected one of {list(FORMATS)}")
    return FORMATS[name]
