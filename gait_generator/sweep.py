"""Command sweeps for a batch: grids, random draws, and the job list (command files: :mod:`gait_generator.commands`).

Everything here is pure: the same arguments give the same commands, ids, seeds
and file names, so a batch can be split over workers, interrupted and resumed.
Commands are per step: ``dx`` and ``dy`` in metres, ``dtheta`` in radians.
The default ranges of both random draws and grids are each preset's
``command_range`` (:mod:`gait_generator.preset`, their one source); a robot
spec's ``sweep`` section only sets the grid steps.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from gait_generator.commands import COMMAND_LIMIT, MAX_COMMANDS, Command3, iter_commands, load_commands, read_commands
from gait_generator.index import motion_filename
from motions.errors import GaitGeneratorError

__all__ = [
    "COMMAND_LIMIT",
    "MAX_COMMANDS",
    "Command3",
    "Job",
    "JobList",
    "grid_axis",
    "grid_commands",
    "grid_size",
    "iter_commands",
    "load_commands",
    "make_jobs",
    "motion_seed",
    "random_commands",
    "read_commands",
]

_KEYS = ("dx", "dy", "dtheta")
_DECIMALS = 4
"""Commands are rounded to 0.1 mm / 0.1 mrad, the precision of the file names."""


def _round(value: float) -> float:
    return round(float(value), _DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def motion_seed(seed: int, motion_id: int) -> int:
    """Seed of one motion, derived from the global seed and the motion's id.

    Args:
        seed: Global seed of the batch.
        motion_id: Id of the motion within the batch.

    Returns:
        A 32-bit seed that depends only on ``(seed, motion_id)``.
    """
    return int(np.random.SeedSequence([seed, motion_id]).generate_state(1)[0])


def _even(lo: float, hi: float, step: float) -> list[float]:
    """``lo`` to ``hi`` (``lo < hi``) in ``n = max(1, round((hi - lo) / step))`` even intervals, both ends exact."""
    n = max(1, round((hi - lo) / step))
    return [_round(hi if i == n else lo + i * (hi - lo) / n) for i in range(n + 1)]


def _check_axis(lo: float, hi: float, step: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(step)):
        raise ValueError(f"grid bounds and step must be finite, got lo={lo}, hi={hi}, step={step}")
    if step <= 0:
        raise ValueError(f"grid step must be positive, got {step}")
    if lo > hi:
        raise ValueError(f"grid lower bound {lo} is larger than the upper bound {hi}")


def grid_axis(lo: float, hi: float, step: float) -> list[float]:
    """Values from ``lo`` to ``hi``, both included, about ``step`` apart, and 0 whenever ``lo < 0 < hi``.

    A range across 0 is split there: ``lo .. 0`` and ``0 .. hi`` are each cut
    into ``n = round(length / step)`` (at least 1) even intervals, so the grid
    holds the straight walk, the pure side step and the turn in place. Value
    ``i`` of a part is ``a + i * (b - a) / n`` rounded to 1e-4: no accumulated
    float drift, and the ends are exact.

    Args:
        lo: Lowest value.
        hi: Highest value (``>= lo``).
        step: Wanted spacing (``> 0``); the actual spacing is ``length / n`` per part.

    Returns:
        The values, increasing (a single value if ``lo == hi``).

    Raises:
        ValueError: If ``step <= 0``, ``lo > hi`` or a bound is not finite.
    """
    _check_axis(lo, hi, step)
    if lo == hi:
        return [_round(lo)]
    if lo < 0.0 < hi:
        return _even(lo, 0.0, step) + _even(0.0, hi, step)[1:]
    return _even(lo, hi, step)


def _axis_size(lo: float, hi: float, step: float) -> float:
    """Number of values :func:`grid_axis` gives, computed without making them (a float: may be huge)."""
    _check_axis(lo, hi, step)
    if lo == hi:
        return 1.0

    def parts(a: float, b: float) -> float:
        return max(1.0, float(round((b - a) / step)) if (b - a) / step < 1e300 else math.inf)

    if lo < 0.0 < hi:
        return parts(lo, 0.0) + parts(0.0, hi) + 1.0
    return parts(lo, hi) + 1.0


def grid_size(ranges: dict[str, tuple[float, float]], xy_step: float, theta_step: float) -> float:
    """Number of commands :func:`grid_commands` would make (``inf`` when absurd), without making them.

    Raises:
        ValueError: As :func:`grid_axis`.
    """
    return (_axis_size(*ranges["dx"], xy_step) * _axis_size(*ranges["dy"], xy_step)
            * _axis_size(*ranges["dtheta"], theta_step))


def grid_commands(ranges: dict[str, tuple[float, float]], xy_step: float, theta_step: float) -> list[Command3]:
    """Every command of the grid over ``ranges``, dx slowest and dtheta fastest.

    Args:
        ranges: ``{"dx": (lo, hi), "dy": (lo, hi), "dtheta": (lo, hi)}`` per step (m, m, rad).
        xy_step: Wanted grid spacing of dx and dy (m).
        theta_step: Wanted grid spacing of dtheta (rad).

    Returns:
        The commands in a fixed order (see :func:`grid_axis` for each axis).

    Raises:
        ValueError: Bad bounds or steps, or more than :data:`MAX_COMMANDS` commands.
    """
    size = grid_size(ranges, xy_step, theta_step)
    if size > MAX_COMMANDS:
        raise ValueError(f"the grid holds {size:.3g} commands, more than {MAX_COMMANDS}; use larger steps or "
                         "narrower ranges")
    axes = [
        grid_axis(*ranges["dx"], xy_step),
        grid_axis(*ranges["dy"], xy_step),
        grid_axis(*ranges["dtheta"], theta_step),
    ]
    return [(dx, dy, dt) for dx, dy, dt in itertools.product(*axes)]


def random_commands(n: int, ranges: dict[str, tuple[float, float]], seed: int) -> list[Command3]:
    """Draw ``n`` commands uniformly in ``ranges``, rounded to 0.1 mm and 0.1 mrad.

    Rounding keeps file names exact and readable; the draw depends only on ``seed``.

    Args:
        n: Number of commands.
        ranges: ``{"dx": (lo, hi), "dy": (lo, hi), "dtheta": (lo, hi)}`` per step (m, m, rad).
        seed: Seed of the draw.

    Returns:
        The ``n`` commands.

    Raises:
        ValueError: ``n`` is beyond :data:`MAX_COMMANDS`.
    """
    if n > MAX_COMMANDS:
        raise ValueError(f"{n} random commands, more than {MAX_COMMANDS}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x636D64]))
    out: list[Command3] = []
    for _ in range(n):
        dx, dy, dt = (_round(rng.uniform(*ranges[k])) for k in _KEYS)
        out.append((dx, dy, dt))
    return out


@dataclass(frozen=True, slots=True)
class Job:
    """One motion of a batch.

    Attributes:
        id: Motion id, stable for a given list of presets and commands.
        preset: Preset name (recorded in the file's meta and its name).
        preset_source: What the generator is given: the preset name or a preset .yaml path.
        dx: Forward step (m).
        dy: Lateral step (m).
        dtheta: Heading change per step (rad).
        batch_seed: Global seed of the batch.
        file: File name in the output directory.
        velocity: The three values are a body velocity ``(vx, vy, wz)`` (m/s, m/s, rad/s)
            for :func:`gait_generator.generate`'s ``velocity``, not a step.
    """

    id: int
    preset: str
    preset_source: str
    dx: float
    dy: float
    dtheta: float
    batch_seed: int
    file: str
    velocity: bool = False

    @property
    def seed(self) -> int:
        """Seed of this motion, ``motion_seed(batch_seed, id)`` (computed when asked: 12 us each)."""
        return motion_seed(self.batch_seed, self.id)

    @property
    def command(self) -> Command3:
        """``(dx, dy, dtheta)`` per step (m, m, rad), or ``(vx, vy, wz)`` (m/s, m/s, rad/s) for a velocity job."""
        return (self.dx, self.dy, self.dtheta)


class JobList(Sequence[Job]):
    """The jobs of a batch, built on demand from one compact ``(N, 3)`` command array per preset.

    A million commands take 24 MB here instead of a million :class:`Job` objects;
    each job is made (and its file name formatted) when it is read.
    """

    _ROWS = 4096  # rows converted to Python floats at a time while iterating

    def __init__(self, presets: list[tuple[str, str]], commands: Sequence[Any], seed: int,
                 velocity: bool = False) -> None:
        if len(presets) != len(commands):
            raise ValueError(f"{len(presets)} presets but {len(commands)} command lists")
        shared: dict[int, np.ndarray] = {}
        self._arrays = [shared.setdefault(id(c), _command_array(c)) for c in commands]
        self._presets = list(presets)
        self._seed = int(seed)
        self.velocity = bool(velocity)
        """The commands are body velocities ``(vx, vy, wz)``, not steps."""
        self._starts = [0]
        for arr in self._arrays:
            self._starts.append(self._starts[-1] + len(arr))

    def __len__(self) -> int:
        return self._starts[-1]

    def commands(self, preset: int) -> np.ndarray:
        """The read-only ``(N, 3)`` commands ``(dx, dy, dtheta)`` of the ``preset``-th preset."""
        return self._arrays[preset]

    def blocks(self) -> Iterator[tuple[str, int, np.ndarray]]:
        """``(preset name, id of its first job, its (N, 3) commands)`` per preset, in job order."""
        for p, (name, _) in enumerate(self._presets):
            yield name, self._starts[p], self._arrays[p]

    def _job(self, p: int, i: int, dx: float, dy: float, dt: float) -> Job:
        name, source = self._presets[p]
        return Job(i, name, source, dx, dy, dt, self._seed, motion_filename(name, dx, dy, dt, i, self.velocity),
                   self.velocity)

    @overload
    def __getitem__(self, index: int) -> Job: ...

    @overload
    def __getitem__(self, index: slice) -> list[Job]: ...

    def __getitem__(self, index: int | slice) -> Job | list[Job]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = int(index) + (len(self) if index < 0 else 0)
        if not 0 <= i < len(self):
            raise IndexError(f"job {index} out of range for {len(self)} jobs")
        p = bisect.bisect_right(self._starts, i) - 1
        dx, dy, dt = self._arrays[p][i - self._starts[p]].tolist()
        return self._job(p, i, dx, dy, dt)

    def __iter__(self) -> Iterator[Job]:
        for p, arr in enumerate(self._arrays):
            i = self._starts[p]
            for first in range(0, len(arr), self._ROWS):
                for dx, dy, dt in arr[first:first + self._ROWS].tolist():
                    yield self._job(p, i, dx, dy, dt)
                    i += 1


def _command_array(commands: Any) -> np.ndarray:
    """``commands`` as a read-only ``(N, 3)`` float64 array; raises unless every value is within the limit.

    An ``(N, 3)`` float64 array (what :func:`~gait_generator.commands.load_commands`
    returns) is shared, not copied: a read-only view of it (10^6 rows are 24 MB).
    The checks go a block of rows at a time, so they allocate little.
    """
    arr = np.asarray(commands, dtype=np.float64).reshape(-1, 3)
    negative_zero = False
    for start in range(0, len(arr), JobList._ROWS):
        block = arr[start:start + JobList._ROWS]
        bad = ~(np.abs(block) <= COMMAND_LIMIT)
        if bad.any():
            row, col = (int(v) for v in np.argwhere(bad)[0])
            raise GaitGeneratorError(f"command {start + row}: {_KEYS[col]} = {block[row, col]:g} is not a finite "
                                     f"number within +-{COMMAND_LIMIT:g} per step")
        negative_zero = negative_zero or bool(np.any((block == 0.0) & np.signbit(block)))
    view = arr + 0.0 if negative_zero else arr.view()  # + 0.0 turns -0.0 into 0.0 (file names)
    view.flags.writeable = False
    return view


def make_jobs(presets: list[tuple[str, str]], commands: Sequence[Any], seed: int, velocity: bool = False) -> JobList:
    """Enumerate ``(preset, command)`` pairs in a fixed order: preset-major, then command order.

    Args:
        presets: ``(name, source)`` of each preset, in the order given on the command line.
        commands: For each preset, its commands: a list of ``(dx, dy, dtheta)`` or
            an ``(N, 3)`` array (shared, not copied: do not change it afterwards).
            The same object given for several presets is stored once.
        seed: Global seed.
        velocity: The commands are body velocities ``(vx, vy, wz)`` (m/s, m/s, rad/s).

    Returns:
        The jobs, ids ``0 .. N-1`` in that order, made on demand.

    Raises:
        GaitGeneratorError: A command value is not finite or beyond :data:`COMMAND_LIMIT`.
    """
    return JobList(presets, commands, seed, velocity)
