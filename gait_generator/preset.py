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
from motions.safe_io import load_yaml, short

__all__ = ["Preset", "PRESET_KEYS", "load_preset", "resolve_preset"]


@dataclass(frozen=True)
class _Key:
    unit: str
    lo: float
    hi: float
    doc: str


PRESET_KEYS: dict[str, _Key] = {
    "single_support_duration": _Key("s", 0.05, 2.0, "time on one foot per step; snapped to whole frames"),
    "double_support_ratio": _Key("1", 0.0, 2.0, "double-support time as a fraction of single support"),
    "startend_double_support_ratio": _Key("1", 0.5, 5.0, "double support at start and end, fraction of single support"),
    "com_height": _Key("m", 0.05, 2.0, "CoM height above the floor while walking"),
    "foot_height": _Key("m", 0.0, 0.5, "swing-foot apex height above the floor"),
    "foot_rise_ratio": _Key("1", 0.0, 0.5, "fraction of swing spent rising straight up and coming straight down"),
    "feet_spacing": _Key("m", 0.02, 1.0, "lateral distance between the sole centres"),
    "trunk_pitch_deg": _Key("deg", -30.0, 30.0, "trunk pitch while walking (positive leans forward)"),
    "zmp_margin": _Key("m", 0.0, 0.1, "least distance between the ZMP targets and the edge of the sole's contact polygon"),
    "foot_zmp_target_x": _Key("m", -0.2, 0.2, "ZMP target in the stance foot frame, forward"),
    "foot_zmp_target_y": _Key("m", -0.2, 0.2, "ZMP target in the stance foot frame, outward (mirrored per side)"),
    "max_dx_forward": _Key("m", 0.0, 1.0, "largest forward step (per step)"),
    "max_dx_backward": _Key("m", 0.0, 1.0, "largest backward step, a positive number (per step)"),
    "max_dy": _Key("m", 0.0, 1.0, "largest lateral step (per step, either side)"),
    "max_dtheta": _Key("rad", 0.0, math.pi / 2, "largest heading change per step (either side)"),
}
"""Every scalar preset key with its unit, allowed range and meaning."""

_RANGE_KEYS = ("dx", "dy", "dtheta")
_RETIRED_KEYS = {
    "zmp_reference_weight": "the ZMP no longer comes from placo's QP: it follows the stance foot exactly "
                            "(see docs/presets.md); remove the key",
}


@dataclass(frozen=True)
class Preset:
    """A validated walk preset (see :data:`PRESET_KEYS` for units and meaning).

    Attributes:
        name: Preset name (file stem).
        path: File it was loaded from.
        command_range: Default random-command ranges ``{"dx": (lo, hi), ...}``
            per step (m, m, rad).
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


def _number(path: Path, key: str, value: Any) -> float:
    spec = PRESET_KEYS[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PresetError(f"{path}: key '{key}' must be a number ({spec.unit}) in [{spec.lo}, {spec.hi}], "
                          f"got {short(value)}")
    if not spec.lo <= value <= spec.hi:
        raise PresetError(f"{path}: key '{key}' = {value} {spec.unit} is outside the allowed range [{spec.lo}, {spec.hi}]")
    return float(value)


def _ranges(path: Path, value: Any) -> dict[str, tuple[float, float]]:
    if not isinstance(value, dict) or set(value) != set(_RANGE_KEYS):
        raise PresetError(f"{path}: key 'command_range' must map exactly {list(_RANGE_KEYS)} to [min, max], "
                          f"got {short(value)}")
    out = {}
    for k in _RANGE_KEYS:
        pair = value[k]
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pair)
            or pair[0] > pair[1]
        ):
            raise PresetError(f"{path}: key 'command_range.{k}' must be [min, max] with min <= max, got {short(pair)}")
        out[k] = (float(pair[0]), float(pair[1]))
    return out


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
    data = load_yaml(path, error=PresetError, what="preset file")
    if not isinstance(data, dict):
        raise PresetError(f"{path}: expected a mapping of preset keys at the top level")
    allowed = set(PRESET_KEYS) | {"command_range"}
    for key, why in _RETIRED_KEYS.items():
        if key in data:
            raise PresetError(f"{path}: key '{key}' is no longer used: {why}")
    unknown = sorted(str(k) for k in set(data) - allowed)
    if unknown:
        raise PresetError(f"{path}: unknown key(s) {short(unknown, 200)}; allowed keys: {sorted(allowed)}")
    missing = sorted(allowed - set(data))
    if missing:
        raise PresetError(f"{path}: missing key(s) {missing}")
    values = {k: _number(path, k, data[k]) for k in PRESET_KEYS}
    preset = Preset(name=path.stem, path=path.resolve(), command_range=_ranges(path, data["command_range"]), **values)
    for key, (lo, hi) in preset.command_range.items():
        for v in (lo, hi):
            try:
                preset.check_command(**{**{"dx": 0.0, "dy": 0.0, "dtheta": 0.0}, key: v})
            except CommandError as exc:
                raise PresetError(f"{path}: key 'command_range.{key}': {v} exceeds the preset's own step limits") from exc
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

