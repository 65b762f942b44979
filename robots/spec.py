"""Robot spec files: the data that turns any URDF biped into a walkable robot.

A spec is a YAML file (documented in ``docs/robots.md``). Paths in it are
relative to the spec file, absolute, or ``package://<python package>/<path>``
(resolved inside an installed Python package), or
``example-robot-data://<path>`` (resolved in the example-robot-data share folder).

Loading validates every field and raises :class:`RobotSpecError` naming the spec
file and the field.
"""

from __future__ import annotations

import importlib.resources
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gait_generator.errors import RobotSpecError
from motions.safe_io import load_yaml, short
from robots.patterns import check_pattern, full_match

__all__ = [
    "COLLISION_GEOMETRIES",
    "SELF_COLLISION_MODES",
    "ActuatorGroup",
    "CollisionSettings",
    "FootSpec",
    "RobotSpec",
    "SweepRanges",
    "load_spec",
    "resolve_path",
]


@dataclass(frozen=True)
class FootSpec:
    """One foot: the URDF link and where its sole centre is.

    Attributes:
        link: URDF link the foot frame is attached to.
        sole_offset: Sole centre in the link frame (m, xyz).
    """

    link: str
    sole_offset: tuple[float, float, float]


@dataclass(frozen=True)
class ActuatorGroup:
    """MuJoCo position-actuator settings for the joints whose name matches ``pattern``.

    Attributes:
        pattern: Regular expression matched in full against joint names; the first
            group that matches a joint wins.
        kp: Position gain (N m / rad).
        kv: Damping gain (N m s / rad).
        effort: Torque limit (N m).
        armature: Reflected rotor inertia (kg m^2).
    """

    pattern: str
    kp: float
    kv: float
    effort: float
    armature: float = 0.0


@dataclass(frozen=True)
class SweepRanges:
    """Default command ranges and grid steps for sweeps (per step: m, m, rad)."""

    dx: tuple[float, float]
    dy: tuple[float, float]
    dtheta: tuple[float, float]
    xy_step: float
    theta_step: float


SELF_COLLISION_MODES = ("auto", "none", "all")
"""Values of ``collisions.self`` (see :class:`CollisionSettings`)."""

COLLISION_GEOMETRIES = ("collision", "visual")
"""Values of ``collisions.geometry`` (see :class:`CollisionSettings`)."""


@dataclass(frozen=True)
class CollisionSettings:
    """Which pairs of the robot's own bodies collide in MuJoCo (spec section ``collisions``).

    The floor collides with every collision geom in every mode; parent-child
    pairs never collide (MuJoCo's rule). Applied by :mod:`robots.collisions`.

    Attributes:
        mode: ``collisions.self``: ``"auto"`` excludes the body pairs whose
            collision geoms touch or overlap in the standing initial posture;
            ``"none"`` lets no two robot bodies collide; ``"all"`` keeps every pair.
        exclude: Extra pairs of URDF link names that never collide, as written.
        geometry: ``collisions.geometry``: ``"collision"`` (default) collides the
            URDF's ``<collision>`` elements; ``"visual"`` collides every link's
            ``<visual>`` elements instead (for URDFs without collision geometry).
    """

    mode: str = "auto"
    exclude: tuple[tuple[str, str], ...] = ()
    geometry: str = "collision"


@dataclass(frozen=True)
class RobotSpec:
    """Validated content of a robot spec file.

    Attributes:
        name: Robot name (registry key, recorded in every motion file).
        path: The spec file itself.
        urdf: Resolved path of the robot's URDF (never modified).
        trunk_link: Link that carries the ``trunk`` frame.
        trunk_offset: Trunk frame origin in ``trunk_link``'s frame (m).
        anchor_body: Body a motion-tracking controller aligns the reference
            with (mjlab's ``anchor_body_name``), ``trunk.anchor_body``; default
            ``trunk_link``. A link that starts a rigid body (the root, or the
            child of a moving joint), so the MuJoCo model keeps it as a body.
        left_foot: Left foot link and sole offset.
        right_foot: Right foot link and sole offset.
        foot_length: Sole length along the foot x axis (m).
        foot_width: Sole width along the foot y axis (m).
        driven_joints: Joints the walk IK moves (legs, optionally waist).
        default_posture: Angle (rad) held by every joint not driven; joints not
            listed hold 0.
        knees: ``(left, right)`` knee joint names.
        knee_signs: ``(left, right)``: +1 where a correctly bent knee has a positive
            angle, else -1. The two differ when one leg's axes are mirrored (common
            in URDFs exported from CAD).
        initial_posture: Bent-knee posture (rad) the initial IK starts from.
        actuators: MuJoCo actuator groups, first match wins.
        presets: Preset name -> resolved YAML path.
        sweep: Default sweep ranges.
        mujoco_timestep: Physics step for MuJoCo replay (s).
        collisions: Self-collision settings of the MuJoCo model.
    """

    name: str
    path: Path
    urdf: Path
    trunk_link: str
    trunk_offset: tuple[float, float, float]
    left_foot: FootSpec
    right_foot: FootSpec
    foot_length: float
    foot_width: float
    driven_joints: tuple[str, ...]
    default_posture: dict[str, float]
    knees: tuple[str, str]
    knee_signs: tuple[int, int]
    initial_posture: dict[str, float]
    actuators: tuple[ActuatorGroup, ...]
    presets: dict[str, Path]
    sweep: SweepRanges
    mujoco_timestep: float = 0.002
    collisions: CollisionSettings = CollisionSettings()
    anchor_body: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def actuator_for(self, joint: str) -> ActuatorGroup:
        """Return the actuator group of ``joint`` (first full-match pattern wins).

        Raises:
            RobotSpecError: No group matches the joint, or its name is too long to match.
        """
        for group in self.actuators:
            try:
                if full_match(group.pattern, joint):
                    return group
            except ValueError as exc:
                raise RobotSpecError(f"{self.path}: field 'actuators': joint {short(joint)}: {exc}") from None
        raise RobotSpecError(
            f"{self.path}: field 'actuators': no pattern matches joint {short(joint)} "
            f"(patterns: {short([g.pattern for g in self.actuators], 300)})"
        )


def _example_robot_data_share() -> Path:
    """Return the ``robots`` folder that the example-robot-data wheel installs."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("example-robot-data")
    except PackageNotFoundError as exc:
        raise RobotSpecError("the 'example-robot-data' package is not installed") from exc
    return Path(str(dist.locate_file("cmeel.prefix/share/example-robot-data/robots")))


def resolve_path(value: str, base: Path, spec_path: Path, key: str) -> Path:
    """Resolve a path written in a spec file.

    Args:
        value: Path as written: relative to ``base``, absolute, ``package://pkg/rel``
            or ``example-robot-data://rel``.
        base: Directory of the spec file.
        spec_path: The spec file (for error messages).
        key: Field name (for error messages).

    Returns:
        The resolved, existing path.

    Raises:
        RobotSpecError: The path cannot be resolved or does not exist.
    """
    if value.startswith("package://"):
        package, _, rel = value[len("package://") :].partition("/")
        try:
            root = Path(str(importlib.resources.files(package)))
        except (ModuleNotFoundError, TypeError) as exc:
            raise RobotSpecError(f"{spec_path}: field '{key}': Python package '{package}' not found") from exc
        path = root / rel
    elif value.startswith("example-robot-data://"):
        path = _example_robot_data_share() / value[len("example-robot-data://") :]
    else:
        path = Path(value)
        if not path.is_absolute():
            path = base / path
    if not path.exists():
        raise RobotSpecError(f"{spec_path}: field '{key}': file not found: {path}")
    return path.resolve()


def _finite(value: Any) -> bool:
    """True for an int or float (not a bool) that is finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Reader:
    """Reads typed fields from the spec mapping and names the field in errors."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self.data = data
        self.path = path

    def fail(self, key: str, message: str) -> RobotSpecError:
        return RobotSpecError(f"{self.path}: field '{key}': {message}")

    def get(self, key: str, default: Any = ...) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is ...:
                    raise self.fail(key, "missing")
                return default
            node = node[part]
        return node

    def string(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"expected a non-empty string, got {short(value)}")
        return value

    def number(self, key: str, lo: float, hi: float, default: Any = ...) -> float:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(key, f"expected a number in [{lo}, {hi}], got {short(value)}")
        if not lo <= value <= hi:
            raise self.fail(key, f"{value} is outside the allowed range [{lo}, {hi}]")
        return float(value)

    def vec3(self, key: str, default: Any = ...) -> tuple[float, float, float]:
        value = self.get(key, default)
        if (
            not isinstance(value, (list, tuple))
            or len(value) != 3
            or not all(_finite(v) for v in value)
        ):
            raise self.fail(key, f"expected a list of 3 numbers (m, finite), got {short(value)}")
        return (float(value[0]), float(value[1]), float(value[2]))

    def pair(self, key: str) -> tuple[float, float]:
        value = self.get(key)
        if (
            not isinstance(value, (list, tuple))
            or len(value) != 2
            or not all(_finite(v) for v in value)
            or value[0] > value[1]
        ):
            raise self.fail(key, f"expected [min, max] with min <= max, got {short(value)}")
        return (float(value[0]), float(value[1]))

    def angles(self, key: str) -> dict[str, float]:
        value = self.get(key, {})
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and _finite(v) for k, v in value.items()
        ):
            raise self.fail(key, f"expected a mapping joint name -> angle (rad, finite), got {short(value)}")
        return {k: float(v) for k, v in value.items()}

    def names(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a non-empty list of joint names, got {short(value)}")
        if len(set(value)) != len(value):
            raise self.fail(key, "joint names are repeated")
        return tuple(value)


MAX_ACTUATOR_GROUPS = 32
"""Most ``actuators`` groups; each joint is matched against them in order (see :mod:`robots.patterns`)."""

_KNOWN_KEYS = {
    "name", "urdf", "trunk", "feet", "driven_joints", "default_posture", "knees",
    "initial_posture", "actuators", "presets", "sweep", "mujoco", "description", "collisions",
}


_NESTED_KEYS = {
    "trunk": {"link", "offset", "anchor_body"},
    "feet": {"left", "right", "length", "width"},
    "feet.left": {"link", "sole_offset"},
    "feet.right": {"link", "sole_offset"},
    "knees": {"left", "right", "bend_sign"},
    "sweep": {"dx", "dy", "dtheta", "xy_step", "theta_step"},
    "mujoco": {"timestep"},
    "collisions": {"self", "exclude", "geometry"},
}
"""Allowed keys of the nested mappings (a typo must not silently fall back to a default)."""

_OPTIONAL_SECTIONS = {"mujoco", "collisions"}


def _collisions(r: _Reader) -> CollisionSettings:
    """The optional ``collisions`` section; link names are checked against the URDF later."""
    mode = r.get("collisions.self", "auto")
    if mode not in SELF_COLLISION_MODES:
        raise r.fail("collisions.self", f"expected one of {list(SELF_COLLISION_MODES)}, got {short(mode)}")
    pairs = r.get("collisions.exclude", None) or []
    if not isinstance(pairs, list):
        raise r.fail("collisions.exclude", f"expected a list of [link, link] pairs, got {short(pairs)}")
    for i, pair in enumerate(pairs):
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(v, str) and v for v in pair) or pair[0] == pair[1]):
            raise r.fail(f"collisions.exclude[{i}]", f"expected [link, link] with two different link names, "
                                                     f"got {short(pair)}")
    geometry = r.get("collisions.geometry", "collision")
    if geometry not in COLLISION_GEOMETRIES:
        raise r.fail("collisions.geometry", f"expected one of {list(COLLISION_GEOMETRIES)}, got {short(geometry)}")
    return CollisionSettings(mode=mode, exclude=tuple((a, b) for a, b in pairs), geometry=geometry)


def _knee_signs(r: _Reader, knees: tuple[str, str]) -> tuple[int, int]:
    """``knees.bend_sign``: 1 or -1 for both knees, a mapping ``{left: s, right: s}``, or absent.

    Absent, each knee's sign is the sign of its angle in ``initial_posture`` (a bent knee).
    """
    bend = r.get("knees.bend_sign", None)
    if bend is None:
        posture = r.angles("initial_posture")
        signs = []
        for side, knee in zip(("left", "right"), knees):
            angle = posture.get(knee, 0.0)
            if angle == 0.0:
                raise r.fail("knees.bend_sign", f"missing, and initial_posture.{knee} does not bend the {side} knee "
                                                "to show its sign; give 1, -1 or {left: 1, right: -1}")
            signs.append(1 if angle > 0 else -1)
        return (signs[0], signs[1])
    if isinstance(bend, dict):
        if set(bend) != {"left", "right"}:
            raise r.fail("knees.bend_sign", f"expected a mapping with keys left and right, got "
                                            f"{short(sorted(map(str, bend)))}")
        values = (bend["left"], bend["right"])
    else:
        values = (bend, bend)
    for v in values:
        if isinstance(v, bool) or v not in (1, -1):
            raise r.fail("knees.bend_sign", f"expected 1 or -1 (or {{left: 1, right: -1}}), got {short(bend)}")
    return (int(values[0]), int(values[1]))


def load_spec(path: str | Path) -> RobotSpec:
    """Load and validate a robot spec YAML file.

    Only the file's own content is checked here; consistency with the URDF
    (links, joints, knee sign) is checked when the robot is built
    (:func:`robots.robot.load_robot`).

    Args:
        path: Spec file.

    Returns:
        The validated spec.

    Raises:
        RobotSpecError: Missing file, YAML error, unknown key, wrong type or range.
    """
    path = Path(path)
    if not path.is_file():
        raise RobotSpecError(f"{path}: robot spec file not found")
    data = load_yaml(path, error=RobotSpecError, what="robot spec file")
    if not isinstance(data, dict):
        raise RobotSpecError(f"{path}: expected a mapping at the top level")
    unknown = sorted(str(k) for k in set(data) - _KNOWN_KEYS)
    if unknown:
        raise RobotSpecError(f"{path}: unknown field(s) {short(unknown, 200)}; allowed: {sorted(_KNOWN_KEYS)}")
    r = _Reader(data, path)
    for key, allowed in _NESTED_KEYS.items():
        node = r.get(key, None)
        if node is None and key in _OPTIONAL_SECTIONS:
            continue
        if node is None:
            raise r.fail(key, "missing")
        if not isinstance(node, dict):
            raise r.fail(key, f"expected a mapping with keys {sorted(allowed)}, got {short(node)}")
        extra = sorted(str(k) for k in set(node) - allowed)
        if extra:
            raise r.fail(key, f"unknown field(s) {short(extra, 200)}; allowed: {sorted(allowed)}")
    base = path.parent
    name = r.string("name")
    urdf = resolve_path(r.string("urdf"), base, path, "urdf")

    feet = {}
    for side in ("left", "right"):
        feet[side] = FootSpec(link=r.string(f"feet.{side}.link"), sole_offset=r.vec3(f"feet.{side}.sole_offset"))

    knees = (r.string("knees.left"), r.string("knees.right"))
    knee_signs = _knee_signs(r, knees)

    groups = r.get("actuators")
    if not isinstance(groups, list) or not groups or len(groups) > MAX_ACTUATOR_GROUPS:
        raise r.fail("actuators", f"expected a list of 1 to {MAX_ACTUATOR_GROUPS} {{joints, kp, kv, effort}}")
    actuators = []
    for i, g in enumerate(groups):
        key = f"actuators[{i}]"
        if not isinstance(g, dict) or set(g) - {"joints", "kp", "kv", "effort", "armature"}:
            raise r.fail(key, f"expected keys joints, kp, kv, effort[, armature], got {short(g)}")
        sub = _Reader(g, path)
        try:
            pattern = sub.string("joints")
            check_pattern(pattern)
            actuators.append(
                ActuatorGroup(
                    pattern=pattern,
                    kp=sub.number("kp", 0.0, 1e5),
                    kv=sub.number("kv", 0.0, 1e4),
                    effort=sub.number("effort", 1e-3, 1e4),
                    armature=sub.number("armature", 0.0, 10.0, default=0.0),
                )
            )
        except RobotSpecError as exc:
            raise r.fail(key, str(exc).split(": ", 1)[1]) from exc
        except ValueError as exc:  # check_pattern: invalid, or could backtrack catastrophically
            raise r.fail(f"{key}.joints", f"{short(pattern)}: {exc}") from None

    presets_node = r.get("presets")
    presets: dict[str, Path] = {}
    if isinstance(presets_node, str):
        folder = resolve_path(presets_node, base, path, "presets")
        presets = {p.stem: p for p in sorted(folder.glob("*.yaml"))}
    elif isinstance(presets_node, dict):
        for k, v in presets_node.items():
            if not isinstance(v, str) or not v:
                raise r.fail(f"presets.{short(k, 40)}", f"expected a file name, got {short(v)}")
            presets[str(k)] = resolve_path(v, base, path, f"presets.{k}")
    if not presets:
        raise r.fail("presets", "expected a folder of *.yaml presets or a mapping name -> file, found none")

    sweep = SweepRanges(
        dx=r.pair("sweep.dx"),
        dy=r.pair("sweep.dy"),
        dtheta=r.pair("sweep.dtheta"),
        xy_step=r.number("sweep.xy_step", 1e-4, 1.0),
        theta_step=r.number("sweep.theta_step", 1e-3, math.pi),
    )
    return RobotSpec(
        name=name,
        path=path.resolve(),
        urdf=urdf,
        trunk_link=r.string("trunk.link"),
        anchor_body=r.string("trunk.anchor_body") if r.get("trunk.anchor_body", None) is not None
        else r.string("trunk.link"),
        trunk_offset=r.vec3("trunk.offset", default=[0.0, 0.0, 0.0]),
        left_foot=feet["left"],
        right_foot=feet["right"],
        foot_length=r.number("feet.length", 0.01, 1.0),
        foot_width=r.number("feet.width", 0.01, 1.0),
        driven_joints=r.names("driven_joints"),
        default_posture=r.angles("default_posture"),
        knees=knees,
        knee_signs=knee_signs,
        initial_posture=r.angles("initial_posture"),
        actuators=tuple(actuators),
        presets=presets,
        sweep=sweep,
        mujoco_timestep=r.number("mujoco.timestep", 1e-4, 0.02, default=0.002),
        collisions=_collisions(r),
    )
