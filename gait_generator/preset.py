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

import yaml

from gait_generator.errors import CommandError, PresetError

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

    def check_command(self, dx: float, dy: float, dtheta: float) -> None:
        """Raise :class:`CommandError` if a per-step command exceeds this preset's limits.

        Args:
            dx: Forward step (m). dy: Lateral step (m). dtheta: Heading change (rad).
        """
        checks = (
            ("dx", dx, -self.max_dx_backward, self.max_dx_forward),
            ("dy", dy, -self.max_dy, self.max_dy),
            ("dtheta", dtheta, -self.max_dtheta, self.max_dtheta),
        )
        for key, value, lo, hi in checks:
            if not math.isfinite(value) or not lo - 1e-12 <= value <= hi + 1e-12:
                raise CommandError(
                    f"command {key}={value} is outside preset '{self.name}' ({self.path}) step limits "
                    f"[{lo}, {hi}]; limits come from keys max_dx_forward/max_dx_backward/max_dy/max_dtheta"
                )


def _number(path: Path, key: str, value: Any) -> float:
    spec = PRESET_KEYS[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PresetError(f"{path}: key '{key}' must be a number ({spec.unit}) in [{spec.lo}, {spec.hi}], got {value!r}")
    if not spec.lo <= value <= spec.hi:
        raise PresetError(f"{path}: key '{key}' = {value} {spec.unit} is outside the allowed range [{spec.lo}, {spec.hi}]")
    return float(value)


def _ranges(path: Path, value: Any) -> dict[str, tuple[float, float]]:
    if not isinstance(value, dict) or set(value) != set(_RANGE_KEYS):
        raise PresetError(f"{path}: key 'command_range' must map exactly {list(_RANGE_KEYS)} to [min, max], got {value!r}")
    out = {}
    for k in _RANGE_KEYS:
        pair = value[k]
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pair)
            or pair[0] > pair[1]
        ):
            raise PresetError(f"{path}: key 'command_range.{k}' must be [min, max] with min <= max, got {pair!r}")
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
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise PresetError(f"{path}: cannot read preset file: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise PresetError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PresetError(f"{path}: expected a mapping of preset keys at the top level")
    allowed = set(PRESET_KEYS) | {"command_range"}
    for key, why in _RETIRED_KEYS.items():
        if key in data:
            raise PresetError(f"{path}: key '{key}' is no longer used: {why}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PresetError(f"{path}: unknown key(s) {unknown}; allowed keys: {sorted(allowed)}")
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

