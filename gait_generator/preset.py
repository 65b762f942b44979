"""Walk parameter presets: YAML files with one documented, range-checked key per parameter.

A preset sets the walk's timing, heights, spacing and step limits (see
``docs/presets.md`` and the comments in ``presets/<robot>/*.yaml``). Units are SI
and radians except keys that say otherwise in their name (``trunk_pitch_deg``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from gait_generator.errors import CommandError, PresetError
from motions.config import At, Interval, Number, Section, validate
from motions.safe_io import load_yaml

__all__ = ["PRESET_KEYS", "PRESET_SCHEMA", "Preset", "load_preset", "resolve_preset"]


PRESET_KEYS: dict[str, Number] = {
    "single_support_duration": Number(0.05, 2.0, "s", doc="time on one foot per step; snapped to whole frames"),
    "double_support_ratio": Number(0.0, 2.0, "1", doc="double-support time as a fraction of single support"),
    "startend_double_support_ratio": Number(0.5, 5.0, "1",
                                            doc="double support at start and end, fraction of single support"),
    "com_height": Number(0.05, 2.0, "m", doc="CoM height above the floor while walking"),
    "foot_height": Number(0.0, 0.5, "m", doc="swing-foot apex height above the floor"),
    "foot_rise_ratio": Number(0.0, 0.5, "1",
                              doc="fraction of swing spent rising straight up and coming straight down"),
    "feet_spacing": Number(0.02, 1.0, "m", doc="lateral distance between the sole centres"),
    "trunk_pitch_deg": Number(-30.0, 30.0, "deg", doc="trunk pitch while walking (positive leans forward)"),
    "zmp_margin": Number(0.0, 0.1, "m", doc="least distance between the ZMP targets and the edge of the sole's "
                                             "contact polygon"),
    "foot_zmp_target_x": Number(-0.2, 0.2, "m", doc="ZMP target in the stance foot frame, forward"),
    "foot_zmp_target_y": Number(-0.2, 0.2, "m",
                                doc="ZMP target in the stance foot frame, outward (mirrored per side)"),
    "max_dx_forward": Number(0.0, 1.0, "m", doc="largest forward step (per step)"),
    "max_dx_backward": Number(0.0, 1.0, "m", doc="largest backward step, a positive number (per step)"),
    "max_dy": Number(0.0, 1.0, "m", doc="largest lateral step (per step, either side)"),
    "max_dtheta": Number(0.0, math.pi / 2, "rad", doc="largest heading change per step (either side)"),
}
"""Every scalar preset key with its unit, allowed range and meaning."""

_RETIRED_KEYS = {
    "zmp_reference_weight": "the ZMP no longer comes from placo's QP: it follows the stance foot exactly "
                            "(see docs/presets.md); remove the key",
}

PRESET_SCHEMA = Section(
    {
        **PRESET_KEYS,
        "command_range": Section({"dx": Interval("m per step"), "dy": Interval("m per step"),
                                  "dtheta": Interval("rad per step")}),
    },
    retired=_RETIRED_KEYS,
)
"""The preset file format: :data:`PRESET_KEYS` plus ``command_range``, the default command ranges
of random draws and ``--sweep`` grids (``[min, max]`` per step, within the step limits)."""


@dataclass(frozen=True)
class Preset:
    """A validated walk preset (see :data:`PRESET_KEYS` for units and meaning).

    Attributes:
        name: Preset name (file stem).
        path: File it was loaded from.
        command_range: Default command ranges ``{"dx": (lo, hi), ...}`` per step
            (m, m, rad): random commands are drawn in them and ``--sweep`` grids
            span them (the single source of default command ranges).
    """

    name: str
    path: Path
    single_support_duration: float
    double_support_ratio: float
    startend_double_support_ratio: float
    com_height: float
    foot_height: float
    foot_rise_ratio: float
    feet_spacing: float
    trunk_pitch_deg: float
    zmp_margin: float
    foot_zmp_target_x: float
    foot_zmp_target_y: float
    max_dx_forward: float
    max_dx_backward: float
    max_dy: float
    max_dtheta: float
    command_range: dict[str, tuple[float, float]]

    @property
    def trunk_pitch(self) -> float:
        """Trunk pitch in radians."""
        return math.radians(self.trunk_pitch_deg)

    def parameters(self) -> dict[str, Any]:
        """All parameters as a JSON-friendly dict (recorded in every motion file)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name in PRESET_KEYS}
        out["command_range"] = {k: list(v) for k, v in self.command_range.items()}
        return out

    @property
    def step_limits(self) -> dict[str, tuple[float, float]]:
        """Allowed ``(lo, hi)`` per step of ``dx``, ``dy`` (m) and ``dtheta`` (rad)."""
        return {
            "dx": (-self.max_dx_backward, self.max_dx_forward),
            "dy": (-self.max_dy, self.max_dy),
            "dtheta": (-self.max_dtheta, self.max_dtheta),
        }

    def within_limits(self, commands: np.ndarray) -> np.ndarray:
        """Which values of ``(N, 3)`` commands ``(dx, dy, dtheta)`` :meth:`check_command` accepts, shape (N, 3)."""
        lo, hi = np.array(list(self.step_limits.values())).T
        commands = np.asarray(commands, dtype=np.float64)
        return (commands >= lo - _TOLERANCE) & (commands <= hi + _TOLERANCE)

    def first_beyond(self, commands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per command, which value :meth:`check_command` would reject first, and on which side.

        Args:
            commands: ``(N, 3)`` commands ``(dx, dy, dtheta)`` per step (m, m, rad).

        Returns:
            ``(axis, above)``: ``axis[i]`` is 0, 1 or 2 for the first of dx, dy,
            dtheta beyond the step limits, -1 when command ``i`` is within them;
            ``above[i]`` is true when that value is above its upper limit.
        """
        commands = np.asarray(commands, dtype=np.float64).reshape(-1, 3)
        beyond = ~self.within_limits(commands)
        axis = np.where(beyond.any(axis=1), beyond.argmax(axis=1), -1).astype(np.int8)
        first = axis.clip(0)
        upper = np.array([hi for _, hi in self.step_limits.values()])
        above = (axis >= 0) & (commands[np.arange(len(axis)), first] > upper[first])
        return axis, above

    def limit_reason(self, axis: int, above: bool) -> str:
        """The limit a command breaks (see :meth:`first_beyond`), e.g. ``"dx above max_dx_forward (0.05 m)"``."""
        key = ("dx", "dy", "dtheta")[axis]
        lo, hi = self.step_limits[key]
        unit = "rad" if key == "dtheta" else "m"
        names = {"dx": ("max_dx_forward", "-max_dx_backward"), "dy": ("max_dy", "-max_dy"),
                 "dtheta": ("max_dtheta", "-max_dtheta")}[key]
        return f"{key} above {names[0]} ({hi:g} {unit})" if above else f"{key} below {names[1]} ({lo:g} {unit})"

    def check_command(self, dx: float, dy: float, dtheta: float) -> None:
        """Raise :class:`CommandError` if a per-step command exceeds this preset's limits.

        Args:
            dx: Forward step (m). dy: Lateral step (m). dtheta: Heading change (rad).
        """
        for (key, (lo, hi)), value in zip(self.step_limits.items(), (dx, dy, dtheta)):
            if not math.isfinite(value) or not lo - _TOLERANCE <= value <= hi + _TOLERANCE:
                raise CommandError(f"command {key}={value} is outside preset '{self.name}' step limits [{lo}, {hi}] "
                                   f"(keys {_LIMIT_KEYS[key]})")  # short: a skipped index entry stores it


_LIMIT_KEYS = {"dx": "max_dx_backward/max_dx_forward", "dy": "max_dy", "dtheta": "max_dtheta"}
_TOLERANCE = 1e-12
"""Slack of the step-limit comparison (m or rad), so a limit written as a command is inside."""


_LOADED: dict[tuple[Path, int, int], Preset] = {}


def load_preset(path: str | Path) -> Preset:
    """Load and validate a preset file (cached per process while the file is unchanged).

    Raises:
        PresetError: Missing file, invalid YAML, unknown or missing key, wrong type,
            or a value outside its range. The message names the file and the key.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise PresetError(f"{path}: cannot read preset file: {exc.strerror or exc}") from exc
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        _LOADED[key] = _load_preset(path)
    return _LOADED[key]


def _load_preset(path: Path) -> Preset:
    values = validate(load_yaml(path, error=PresetError, what="preset file"), PRESET_SCHEMA, where=path,
                      error=PresetError)
    preset = Preset(name=path.stem, path=path.resolve(), **values)
    at = At(str(path), "command_range", PresetError)
    for key, (lo, hi) in preset.command_range.items():
        for v in (lo, hi):
            try:
                preset.check_command(**{"dx": 0.0, "dy": 0.0, "dtheta": 0.0, key: v})
            except CommandError as exc:
                raise at.key(key).fail(f"{v} exceeds the preset's own step limits") from exc
    return preset


def resolve_preset(presets: dict[str, Path], name_or_path: str | Path, robot: str) -> Preset:
    """Load a preset given a robot's preset table and a name or a file path.

    Args:
        presets: The robot's ``name -> file`` table.
        name_or_path: A preset name of that robot, or a path to a YAML file.
        robot: Robot name, for the error message.

    Raises:
        PresetError: Unknown name, or an invalid file.
    """
    key = str(name_or_path)
    if key in presets:
        return load_preset(presets[key])
    if key.endswith((".yaml", ".yml")) or Path(key).is_file():
        return load_preset(Path(key))
    raise PresetError(f"unknown preset '{key}' for robot '{robot}': expected one of {sorted(presets)} or a .yaml path")

