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

from motions.config import REQUIRED, Field, Flag, Number, Section, Table, validate
from motions.safe_io import load_yaml
from validate.errors import ThresholdError

__all__ = ["DEFAULT_PATH", "Dynamic", "Kinematic", "Physics", "Thresholds", "load_thresholds"]

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

    def for_robot(self, name: str) -> Thresholds:
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
_SIGNED = {"zmp_margin_min_m", "multibody_zmp_margin_min_m", "knee_bend_min_rad"}
"""Keys that may be negative; every other number must be >= 0."""


def _fields(cls: type) -> dict[str, Field]:
    """The field descriptor of every threshold of a section, from its dataclass annotation."""
    kinds = {"bool": Flag(), "int": Number(lo=0, integer=True), "float": Number(lo=0.0)}
    return {f.name: Number() if f.name in _SIGNED else kinds[str(f.type)] for f in dataclasses.fields(cls)}


def _schema(complete: bool) -> Section:
    """The thresholds file format: ``complete`` for the defaults file (every key set), else an override."""
    per_robot = Section({name: Section(_fields(cls), partial=True, default={}) for name, cls in _SECTIONS.items()},
                        partial=True, default={})
    return Section({**{name: Section(_fields(cls), partial=not complete, default=REQUIRED if complete else {})
                       for name, cls in _SECTIONS.items()},
                    "robots": Table(per_robot, "robot name", default={})}, partial=not complete)


THRESHOLDS_SCHEMA = _schema(complete=True)
"""Format of ``thresholds.yaml``: every key of every section, plus optional per-robot overrides."""

OVERRIDE_SCHEMA = _schema(complete=False)
"""Format of a ``--thresholds`` file: any subset of the keys of :data:`THRESHOLDS_SCHEMA`."""


@functools.cache
def _defaults() -> Thresholds:
    """The thresholds of ``thresholds.yaml``, which must set every key of every section."""
    values = validate(_read(DEFAULT_PATH), THRESHOLDS_SCHEMA, where=DEFAULT_PATH, error=ThresholdError)
    base = Thresholds(**{name: cls(**values[name]) for name, cls in _SECTIONS.items()})
    return _apply(base, DEFAULT_PATH, {"robots": values["robots"]})


def _apply(base: Thresholds, path: Path, values: dict[str, Any]) -> Thresholds:
    """``base`` with the checked override ``values`` (sections and per-robot sections) applied."""
    sections = {name: dataclasses.replace(getattr(base, name), **changes)
                for name, changes in values.items() if name in _SECTIONS}
    robots = {k: {sec: dict(v) for sec, v in secs.items()} for k, secs in base.robots.items()}
    for robot, override in values.get("robots", {}).items():
        merged = robots.setdefault(str(robot), {})
        for sec, changes in override.items():
            merged.setdefault(sec, {}).update(changes)
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
        data = _read(path)
        values = validate({} if data is None else data, OVERRIDE_SCHEMA, where=path, error=ThresholdError)
        thresholds = _apply(thresholds, path, values)
    return thresholds
