"""Command sweeps for a batch: grids, random draws, command files, and the job list.

Everything here is pure: the same arguments give the same commands, ids, seeds
and file names, so a batch can be split over workers, interrupted and resumed.
Commands are per step: ``dx`` and ``dy`` in metres, ``dtheta`` in radians.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gait_generator.errors import GaitGeneratorError
from gait_generator.index import motion_filename

__all__ = [
    "Command3",
    "CommandFileError",
    "Job",
    "grid_axis",
    "grid_commands",
    "make_jobs",
    "motion_seed",
    "random_commands",
    "read_commands",
]

Command3 = tuple[float, float, float]
"""A per-step command ``(dx, dy, dtheta)`` in (m, m, rad)."""

_KEYS = ("dx", "dy", "dtheta")
_DECIMALS = 4
"""Commands are rounded to 0.1 mm / 0.1 mrad, the precision of the file names."""


class CommandFileError(GaitGeneratorError, ValueError):
    """A ``--commands`` file is missing, malformed, or holds a non-finite value."""


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


def grid_axis(lo: float, hi: float, step: float) -> list[float]:
    """Evenly spaced values from ``lo`` to ``hi``, both included, about ``step`` apart.

    The count is an integer, ``n = round((hi - lo) / step)`` (at least 1 when
    ``hi > lo``), and value ``i`` is ``lo + i * (hi - lo) / n`` rounded to 1e-4, so
    there is no accumulated float drift and the endpoints are exact.

    Args:
        lo: Lowest value.
        hi: Highest value (``>= lo``).
        step: Wanted spacing (``> 0``); the actual spacing is ``(hi - lo) / n``.

    Returns:
        The ``n + 1`` values (a single value if ``lo == hi``).

    Raises:
        ValueError: If ``step <= 0``, ``lo > hi`` or a bound is not finite.
    """
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(step)):
        raise ValueError(f"grid bounds and step must be finite, got lo={lo}, hi={hi}, step={step}")
    if step <= 0:
        raise ValueError(f"grid step must be positive, got {step}")
    if lo > hi:
        raise ValueError(f"grid lower bound {lo} is larger than the upper bound {hi}")
    if lo == hi:
        return [_round(lo)]
    n = max(1, round((hi - lo) / step))
    return [_round(hi if i == n else lo + i * (hi - lo) / n) for i in range(n + 1)]


def grid_commands(ranges: dict[str, tuple[float, float]], xy_step: float, theta_step: float) -> list[Command3]:
    """Every command of the grid over ``ranges``, dx slowest and dtheta fastest.

    Args:
        ranges: ``{"dx": (lo, hi), "dy": (lo, hi), "dtheta": (lo, hi)}`` per step (m, m, rad).
        xy_step: Wanted grid spacing of dx and dy (m).
        theta_step: Wanted grid spacing of dtheta (rad).

    Returns:
        The commands in a fixed order (see :func:`grid_axis` for each axis).
    """
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
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x636D64]))
    out: list[Command3] = []
    for _ in range(n):
        dx, dy, dt = (_round(rng.uniform(*ranges[k])) for k in _KEYS)
        out.append((dx, dy, dt))
    return out


def _number(path: Path, line: int, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CommandFileError(f"{path}:{line}: {key} must be a finite number, got {value!r}")
    return float(value) + 0.0


def _read_yaml(path: Path, text: str) -> list[Command3]:
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise CommandFileError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(data, dict) and set(data) == {"commands"}:
        data = data["commands"]
        node = node.value[0][1] if node is not None else None
    if not isinstance(data, list) or node is None:
        raise CommandFileError(f"{path}: expected a list of commands ({{dx, dy, dtheta}} mappings or "
                               f"[dx, dy, dtheta] lists), got {type(data).__name__}")
    out: list[Command3] = []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        if isinstance(item, dict):
            if set(item) != set(_KEYS):
                raise CommandFileError(f"{path}:{line}: a command needs exactly the keys {list(_KEYS)}, "
                                       f"got {sorted(map(str, item))}")
            values = [item[k] for k in _KEYS]
        elif isinstance(item, list) and len(item) == 3:
            values = item
        else:
            raise CommandFileError(f"{path}:{line}: expected {{dx, dy, dtheta}} or [dx, dy, dtheta], got {item!r}")
        dx, dy, dt = (_number(path, line, k, v) for k, v in zip(_KEYS, values))
        out.append((dx, dy, dt))
    return out


def _read_csv(path: Path, text: str) -> list[Command3]:
    out: list[Command3] = []
    for line, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not cells or all(not c for c in cells) or cells[0].startswith("#"):
            continue
        if not out and [c.lower() for c in cells] == list(_KEYS):
            continue  # header
        if len(cells) != 3:
            raise CommandFileError(f"{path}:{line}: expected 3 values dx,dy,dtheta, got {len(cells)}: {row!r}")
        values = []
        for key, cell in zip(_KEYS, cells):
            try:
                values.append(float(cell))
            except ValueError:
                raise CommandFileError(f"{path}:{line}: {key} must be a number, got {cell!r}") from None
        dx, dy, dt = (_number(path, line, k, v) for k, v in zip(_KEYS, values))
        out.append((dx, dy, dt))
    return out


def read_commands(path: str | Path) -> list[Command3]:
    """Read a list of commands from a YAML (``.yaml``/``.yml``) or CSV (``.csv``) file.

    YAML: a list whose items are ``{dx: .., dy: .., dtheta: ..}`` or
    ``[dx, dy, dtheta]`` (optionally under a top-level ``commands:`` key).
    CSV: one ``dx,dy,dtheta`` row per command; an optional ``dx,dy,dtheta``
    header, blank lines and ``#`` comment lines are allowed. Values are per step
    (m, m, rad) and are used as written.

    Args:
        path: The command file.

    Returns:
        The commands, in file order.

    Raises:
        CommandFileError: Unreadable file, unknown extension, malformed entry or
            non-finite value (the message names the file and line), or no commands.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise CommandFileError(f"{path}: unknown command file type '{suffix}'; expected .yaml, .yml or .csv")
    try:
        text = path.read_text()
    except OSError as exc:
        raise CommandFileError(f"{path}: cannot read command file: {exc.strerror or exc}") from exc
    out = _read_csv(path, text) if suffix == ".csv" else _read_yaml(path, text)
    if not out:
        raise CommandFileError(f"{path}: holds no commands")
    return out


@dataclass(frozen=True)
class Job:
    """One motion of a batch.

    Attributes:
        id: Motion id, stable for a given list of presets and commands.
        preset: Preset name (recorded in the file's meta and its name).
        preset_source: What the generator is given: the preset name or a preset .yaml path.
        dx: Forward step (m).
        dy: Lateral step (m).
        dtheta: Heading change per step (rad).
        seed: Seed of this motion, ``motion_seed(global_seed, id)``.
        file: File name in the output directory.
    """

    id: int
    preset: str
    preset_source: str
    dx: float
    dy: float
    dtheta: float
    seed: int
    file: str

    @property
    def command(self) -> Command3:
        """``(dx, dy, dtheta)`` per step (m, m, rad)."""
        return (self.dx, self.dy, self.dtheta)


def make_jobs(presets: list[tuple[str, str]], commands: list[list[Command3]], seed: int) -> list[Job]:
    """Enumerate ``(preset, command)`` pairs in a fixed order: preset-major, then command order.

    Args:
        presets: ``(name, source)`` of each preset, in the order given on the command line.
        commands: For each preset, its commands.
        seed: Global seed.

    Returns:
        The jobs, ids ``0 .. N-1`` in that order.
    """
    jobs: list[Job] = []
    for (name, source), cmds in zip(presets, commands, strict=True):
        for dx, dy, dt in cmds:
            i = len(jobs)
            jobs.append(Job(i, name, source, dx, dy, dt, motion_seed(seed, i), motion_filename(name, dx, dy, dt, i)))
    return jobs
