"""Command schedules: a YAML list of segments that stand, walk at a velocity, or walk with a step command.

A schedule file (example: ``docs/examples/schedule.yaml``) is a list of
segments, or a mapping with one key ``segments`` holding that list::

    - {duration: 1.0, stand: true}                # s, both feet planted
    - {duration: 3.0, velocity: [0.15, 0.0, 0.0]} # s; vx m/s, vy m/s, wz rad/s, heading frame
    - {duration: 2.0, step: [0.03, 0.0, 0.2]}     # s; dx m, dy m, dtheta rad per step

Each segment has ``duration`` and exactly one of ``stand`` (``true``),
``velocity`` or ``step``. The file is read with the bounded YAML reader
(:func:`motions.safe_io.load_yaml`) and checked with :mod:`motions.config`; an
error names the file, the key (``segments[2].velocity``) and what is allowed.
How the segments become steps and frames is :mod:`gait_generator.schedule_plan`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gait_generator.commands import COMMAND_LIMIT
from gait_generator.errors import CommandError, ScheduleError
from gait_generator.timing import LENGTH_RANGE
from motions.config import At, Flag, Number, Section, Vector
from motions.safe_io import load_yaml, short

__all__ = ["MAX_SEGMENTS", "SEGMENT_SCHEMA", "Schedule", "Segment", "load_schedule", "read_schedule"]

MAX_SEGMENTS = 10_000
"""Most segments of one schedule."""

SEGMENT_SCHEMA = Section({
    "duration": Number(0.01, LENGTH_RANGE[1], "s", doc="how long the segment lasts; snapped (see schedule_plan)"),
    "stand": Flag(default=None),
    "velocity": Vector(size=3, unit="vx m/s, vy m/s, wz rad/s", default=None),
    "step": Vector(size=3, unit="dx m, dy m, dtheta rad per step", default=None),
})
"""One segment: ``duration`` and exactly one of ``stand: true``, ``velocity`` or ``step``."""

_KINDS = ("stand", "velocity", "step")


@dataclass(frozen=True)
class Segment:
    """One segment of a schedule.

    Attributes:
        kind: ``"stand"``, ``"velocity"`` or ``"step"``.
        duration: Requested duration (s).
        values: ``(vx, vy, wz)`` (m/s, m/s, rad/s, heading frame) for ``velocity``,
            ``(dx, dy, dtheta)`` (m, m, rad per step) for ``step``, None for ``stand``.
    """

    kind: str
    duration: float
    values: tuple[float, float, float] | None = None

    @property
    def walking(self) -> bool:
        """True for a velocity or step segment."""
        return self.kind != "stand"

    def as_dict(self) -> dict[str, Any]:
        """The segment as written in a file (for ``meta``)."""
        out: dict[str, Any] = {"duration": self.duration}
        out[self.kind] = True if self.values is None else list(self.values)
        return out


@dataclass(frozen=True)
class Schedule:
    """A validated schedule.

    Attributes:
        segments: The segments in order (at least one).
        source: Where it was read from (a file path, or ``"<schedule>"``), for messages.
    """

    segments: tuple[Segment, ...]
    source: str = "<schedule>"

    @property
    def name(self) -> str:
        """The file stem (``"schedule"`` for one not read from a file)."""
        return Path(self.source).stem if self.source != "<schedule>" else "schedule"

    def where(self, index: int) -> str:
        """``"<source>: segments[i]"``, the place of segment ``index`` in messages."""
        return f"{self.source}: segments[{index}]"


def read_schedule(data: Any, source: str = "<schedule>") -> Schedule:
    """Check an already-parsed schedule (a list of segments, or ``{segments: [...]}``).

    Args:
        data: The document, as :func:`motions.safe_io.load_yaml` returns it.
        source: Its file, for messages.

    Raises:
        ScheduleError: Not a list (or a mapping with only ``segments``), empty, too
            long, an unknown key, a missing or extra kind, or a value of the wrong
            type or outside its range; the message names the source and the key.
    """
    at = At(source, "", ScheduleError)
    if isinstance(data, dict):
        unknown = sorted(str(k) for k in data if k != "segments")
        if unknown:
            raise at.fail(f"unknown key(s) {short(unknown, 200)}; allowed: ['segments']")
        at, data = at.key("segments"), data.get("segments")
    else:
        at = At(source, "segments", ScheduleError)
    if not isinstance(data, list) or not data:
        raise at.fail(f"expected a non-empty list of segments, got {short(data)}")
    if len(data) > MAX_SEGMENTS:
        raise at.fail(f"{len(data)} segments, at most {MAX_SEGMENTS}")
    segments = tuple(_segment(item, at.item(i)) for i, item in enumerate(data))
    total = sum(s.duration for s in segments)
    if total > LENGTH_RANGE[1]:
        raise at.fail(f"the segments last {total:g} s in total, more than {LENGTH_RANGE[1]:g} s")
    if not any(s.walking for s in segments):
        raise at.fail("no segment walks (velocity or step); for a standing clip use auto_gait_generator --stand")
    return Schedule(segments, source)


def load_schedule(path: str | os.PathLike[str]) -> Schedule:
    """Read and check a schedule file (see the module docstring).

    Raises:
        ScheduleError: Unreadable file, invalid YAML or beyond the reader's limits, or
            a schedule :func:`read_schedule` refuses; the message names the file and key.
    """
    return read_schedule(load_yaml(path, error=ScheduleError, what="schedule file"), str(path))


def _segment(item: Any, at: At) -> Segment:
    values = SEGMENT_SCHEMA.read(item, at)
    given = [kind for kind in _KINDS if values[kind] is not None]
    if len(given) != 1:
        raise at.fail(f"give exactly one of {list(_KINDS)}, got {given or 'none'}")
    kind = given[0]
    if kind == "stand":
        if values["stand"] is not True:
            raise at.key("stand").fail("expected true (a walking segment gives velocity or step instead)")
        return Segment("stand", values["duration"])
    if kind == "velocity":
        from gait_generator.velocity import VelocityCommand  # imports placo: only for files that need it

        try:
            VelocityCommand.checked(values["velocity"], "velocity")
        except CommandError as exc:
            raise at.key("velocity").fail(str(exc)) from None
    elif any(abs(v) > COMMAND_LIMIT for v in values["step"]):
        raise at.key("step").fail(f"{short(values['step'])}: each value must be within +-{COMMAND_LIMIT:g} "
                                  "(m or rad per step)")
    return Segment(kind, values["duration"], tuple(v + 0.0 for v in values[kind]))  # type: ignore[arg-type]
