"""Thresholds of every validation check, loaded from YAML and validated on load.

The defaults are ``validate/thresholds.yaml`` (shipped as package data). A user
file passed with ``--thresholds`` has the same layout and may set any subset of
keys; unknown sections or keys, and values of the wrong type, raise
:class:`~validate.errors.ThresholdError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motions.safe_io import load_yaml, short
from validate.errors import ThresholdError

__all__ = ["DEFAULT_PATH", "Kinematic", "Dynamic", "Physics", "Thresholds", "load_thresholds"]

DEFAULT_PATH = Path(__file__).with_name("thresholds.yaml")
"""The default thresholds file."""


@dataclass(frozen=True)
class Kinematic:
    """Kinematic replay thresholds (values and meanings live in ``thresholds.yaml`` only)."""

    sole_penetration_max_m: float
    body_floor_penetration_max_m: float
    self_collision_depth_max_m: float
    joint_limit_tolerance_rad: float
    joint_velocity_limit_frac: float
    knee_bend_min_rad: float
    stance_height_max_m: float
    stance_vertical_speed_max_m_s: float
    stance_slip_max_m: float
    swing_clearance_min_m: float
    root_rotation_step_max_rad: float
    root_rotation_jump_max_rad: float
    root_teleport_max_m: float
    feet_agreement_max_m: float
    com_agreement_max_m: float
    contact_height_max_m: float
    contact_mismatch_max_frac: float
    fps_velocity_ratio_tolerance: float
    fps_velocity_rms_rel_max: float


@dataclass(frozen=True)
class Dynamic:
    """Dynamic consistency thresholds."""

    friction_coefficient: float
    zmp_margin_min_m: float
    multibody_zmp_margin_min_m: float
    support_height_max_m: float
    normal_force_min_frac: float
    end_frames_skipped: int


@dataclass(frozen=True)
class Physics:
    """Physics replay thresholds."""

    enabled: bool
    duration_s: float
    fall_height_frac: float
    fall_tilt_max_deg: float
    drift_max_m: float
    yaw_drift_max_deg: float
    ratio_min: float
    ratio_max: float
    ratio_min_travel_m: float
    ratio_min_turn_deg: float
    assist_frequency_hz: float
    assist_damping_ratio: float
    contact_height_max_m: float


@dataclass(frozen=True)
class Thresholds:
    """All thresholds, one section per stage."""

    kinematic: Kinematic
    dynamic: Dynamic
    physics: Physics
    robots: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    source: tuple[str, ...] = ()

    def for_robot(self, name: str) -> "Thresholds":
        """These thresholds with the ``robots.<name>`` overrides applied (if any)."""
        overrides = self.robots.get(name)
        if not overrides:
            return self
        sections = {sec: dataclasses.replace(getattr(self, sec), **values) for sec, values in overrides.items()}
        return dataclasses.replace(self, **sections, robots={})

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Plain nested dict (sections -> keys -> values), for reports."""
        return {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}


_SECTIONS: dict[str, type] = {"kinematic": Kinematic, "dynamic": Dynamic, "physics": Physics}
# Keys that may be negative; every other number must be >= 0.
_SIGNED = {"zmp_margin_min_m", "multibody_zmp_margin_min_m", "knee_bend_min_rad"}


def _coerce(path: Path, key: str, value: Any, kind: type) -> Any:
    where = f"{path}: key '{key}'"
    if kind is bool:
        if not isinstance(value, bool):
            raise ThresholdError(f"{where}: {short(value)} ({type(value).__name__}), expected true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ThresholdError(f"{where}: {short(value)} ({type(value).__name__}), expected a number" + (" (whole)" if kind is int else ""))
    if kind is int:
        if not float(value).is_integer():
            raise ThresholdError(f"{where}: {short(value)}, expected a whole number")
        value = int(value)
    else:
        value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ThresholdError(f"{where}: {short(value)}, expected a finite number")
    if value < 0 and key.rsplit(".", 1)[-1] not in _SIGNED:
        raise ThresholdError(f"{where}: {short(value)}, expected a value >= 0")
    return value


def _key(name: Any) -> str:
    """A key as written, cut for messages."""
    return short(name, 60) if not isinstance(name, str) else (name if len(name) <= 60 else name[:57] + "...")


def _kinds(cls: type) -> dict[str, type]:
    return {f.name: {"float": float, "int": int, "bool": bool}[str(f.type)] for f in dataclasses.fields(cls)}


@functools.cache
def _defaults() -> Thresholds:
    """The thresholds of ``thresholds.yaml``, which must set every key of every section."""
    data = _read(DEFAULT_PATH)
    if not isinstance(data, dict):
        raise ThresholdError(f"{DEFAULT_PATH}: expected a mapping of sections {sorted(_SECTIONS)}")
    sections = {}
    for name, cls in _SECTIONS.items():
        values = data.get(name)
        if not isinstance(values, dict):
            raise ThresholdError(f"{DEFAULT_PATH}: key '{name}': missing section")
        missing = sorted(set(_kinds(cls)) - set(values))
        if missing:
            raise ThresholdError(f"{DEFAULT_PATH}: key '{name}': missing threshold(s) {missing}")
        sections[name] = cls(**{k: _coerce(DEFAULT_PATH, f"{name}.{k}", values[k], kind)
                                for k, kind in _kinds(cls).items()})
    return _apply(Thresholds(**sections), DEFAULT_PATH, data)


def _apply(base: Thresholds, path: Path, data: Any, prefix: str = "", nested: bool = True) -> Thresholds:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ThresholdError(f"{path}: top level is {type(data).__name__}, expected a mapping of sections "
                             f"{sorted(_SECTIONS)}")
    sections: dict[str, Any] = {}
    robots = {k: dict(v) for k, v in base.robots.items()}
    for name, values in data.items():
        if name == "robots":
            if not isinstance(values, dict):
                raise ThresholdError(f"{path}: key 'robots': {type(values).__name__}, expected a mapping of "
                                     "robot name -> sections")
            for robot, override in values.items():
                checked = _apply(base, path, override, prefix=f"robots.{_key(robot)}.", nested=False)
                merged = robots.setdefault(str(robot), {})
                for sec in _SECTIONS:
                    keys = (override or {}).get(sec) or {}
                    merged.setdefault(sec, {}).update({k: getattr(getattr(checked, sec), k) for k in keys})
            continue
        if name not in _SECTIONS:
            allowed = sorted(_SECTIONS) + (["robots"] if nested else [])
            raise ThresholdError(f"{path}: key '{prefix}{_key(name)}': unknown section, expected one of {allowed}")
        if not isinstance(values, dict):
            raise ThresholdError(f"{path}: key '{prefix}{name}': {type(values).__name__}, expected a mapping")
        cls = _SECTIONS[name]
        kinds = _kinds(cls)
        changes = {}
        for key, value in values.items():
            if key not in kinds:
                raise ThresholdError(
                    f"{path}: key '{prefix}{name}.{_key(key)}': unknown threshold, expected one of {sorted(kinds)}"
                )
            changes[key] = _coerce(path, f"{prefix}{name}.{key}", value, kinds[key])
        sections[name] = dataclasses.replace(getattr(base, name), **changes)
    return dataclasses.replace(base, **sections, robots={k: v for k, v in robots.items() if any(v.values())},
                               source=base.source + (str(path),))


def _read(path: Path) -> Any:
    return load_yaml(path, error=ThresholdError, what="thresholds file")


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """Load the default thresholds, then apply ``path`` (a partial override) if given.

    Raises:
        ThresholdError: Unreadable file, unknown section or key, wrong type, or a
            negative value where only >= 0 makes sense.
    """
    thresholds = _defaults()
    if path is not None:
        path = Path(path)
        thresholds = _apply(thresholds, path, _read(path))
    return thresholds
