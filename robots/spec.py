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

from motions.config import At, Choice, Field, ListOf, Names, Number, Raw, Section, Table, Text, Vector, validate
from motions.safe_io import load_yaml, short
from robots.errors import RobotSpecError
from robots.patterns import check_pattern, full_match

__all__ = [
    "COLLISION_GEOMETRIES", "SELF_COLLISION_MODES", "SPEC_SCHEMA", "ActuatorGroup", "CollisionSettings", "FootSpec",
    "RobotSpec", "SweepSteps", "load_spec", "resolve_path",
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
class SweepSteps:
    """Grid spacing of ``--sweep`` (spec section ``sweep``).

    The grid's default ranges are each preset's ``command_range`` (the one source
    of default command ranges); the spec only chooses how finely they are cut.

    Attributes:
        xy_step: Wanted spacing of ``dx`` and ``dy`` (m per step).
        theta_step: Wanted spacing of ``dtheta`` (rad per step).
    """

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
        anchor_body: ``trunk.anchor_body`` (default ``trunk_link``): the body a tracking controller aligns
            the reference with (mjlab's ``anchor_body_name``); a link that starts a MuJoCo body.
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
        sweep: Grid spacing of ``--sweep`` (its ranges are the presets' ``command_range``).
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
    sweep: SweepSteps
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


class _Pattern(Text):
    """A joint-name pattern (:mod:`robots.patterns`): a regular expression that cannot backtrack catastrophically."""

    def read(self, value: Any, at: At) -> str:
        pattern = super().read(value, at)
        try:
            check_pattern(pattern)
        except ValueError as exc:  # invalid, or could backtrack catastrophically
            raise at.fail(f"{short(pattern)}: {exc}") from None
        return pattern


class _LinkPair(Field):
    """``[link, link]``: two different URDF link names (checked against the URDF later)."""

    def describe(self) -> str:
        return "[link, link] with two different link names"

    def read(self, value: Any, at: At) -> tuple[str, str]:
        if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) and v for v in value)
                or value[0] == value[1]):
            raise self.wrong(value, at)
        return (value[0], value[1])


class _Presets(Field):
    """``presets``: a folder of ``*.yaml`` presets, or a mapping preset name -> file (see :func:`resolve_path`)."""

    def describe(self) -> str:
        return "a folder of *.yaml presets or a mapping name -> file"

    def read(self, value: Any, at: At) -> str | dict[str, str]:
        if isinstance(value, dict):
            return Table(Text(), "preset name").read(value, at)
        if not isinstance(value, str) or not value:
            raise self.wrong(value, at)
        return value


MAX_ACTUATOR_GROUPS = 32
"""Most ``actuators`` groups; each joint is matched against them in order (see :mod:`robots.patterns`)."""

_FOOT = Section({"link": Text(), "sole_offset": Vector(3, "m")})
_TRUNK = Section({"link": Text(), "offset": Vector(3, "m", default=(0.0, 0.0, 0.0)), "anchor_body": Text(default=None)})
_ANGLES = Table(Number(unit="rad"), "joint name", default={})
_SWEEP_RANGES = ("the default --sweep ranges are each preset's command_range (presets/<robot>/*.yaml); "
                 "remove the key")

SPEC_SCHEMA = Section({
    "name": Text(),
    "description": Raw(default=None),
    "urdf": Text(),
    "trunk": _TRUNK,
    "feet": Section({"left": _FOOT, "right": _FOOT, "length": Number(0.01, 1.0, "m"), "width": Number(0.01, 1.0, "m")}),
    "driven_joints": Names("joint names"),
    "default_posture": _ANGLES,
    "knees": Section({"left": Text(), "right": Text(), "bend_sign": Raw(default=None)}),
    "initial_posture": _ANGLES,
    "actuators": ListOf(Section({
        "joints": _Pattern(),
        "kp": Number(0.0, 1e5, "N m/rad"),
        "kv": Number(0.0, 1e4, "N m s/rad"),
        "effort": Number(1e-3, 1e4, "N m"),
        "armature": Number(0.0, 10.0, "kg m^2", default=0.0),
    }), 1, MAX_ACTUATOR_GROUPS, "groups {joints, kp, kv, effort}"),
    "presets": _Presets(),
    "sweep": Section({"xy_step": Number(1e-4, 1.0, "m"), "theta_step": Number(1e-3, math.pi, "rad")},
                     retired={"dx": _SWEEP_RANGES, "dy": _SWEEP_RANGES, "dtheta": _SWEEP_RANGES}),
    "mujoco": Section({"timestep": Number(1e-4, 0.02, "s", default=0.002)}, default={}),
    "collisions": Section({
        "self": Choice(SELF_COLLISION_MODES, default="auto"),
        "exclude": ListOf(_LinkPair(), what="[link, link] pairs", default=[]),
        "geometry": Choice(COLLISION_GEOMETRIES, default="collision"),
    }, default={}),
})
"""The robot spec format (documented in ``docs/robots.md``); messages say ``field '<path>'``."""


_SIGN = Choice((1, -1))


def _knee_signs(at: At, bend: Any, knees: tuple[str, str], posture: dict[str, float]) -> tuple[int, int]:
    """``knees.bend_sign``: 1 or -1 for both knees, a mapping ``{left: s, right: s}``, or absent.

    Absent, each knee's sign is the sign of its angle in ``initial_posture`` (a bent knee).
    """
    at = at.key("knees.bend_sign")
    if bend is None:
        signs = []
        for side, knee in zip(("left", "right"), knees):
            angle = posture.get(knee, 0.0)
            if angle == 0.0:
                raise at.fail(f"missing, and initial_posture.{knee} does not bend the {side} knee "
                              "to show its sign; give 1, -1 or {left: 1, right: -1}")
            signs.append(1 if angle > 0 else -1)
        return (signs[0], signs[1])
    if isinstance(bend, dict):
        if set(bend) != {"left", "right"}:
            raise at.fail(f"expected a mapping with keys left and right, got {short(sorted(map(str, bend)))}")
        values = (bend["left"], bend["right"])
    else:
        values = (bend, bend)
    try:
        left, right = (_SIGN.read(v, at) for v in values)
    except RobotSpecError:
        raise at.fail(f"expected 1 or -1 (or {{left: 1, right: -1}}), got {short(bend)}") from None
    return (int(left), int(right))


def _presets(at: At, node: str | dict[str, str], base: Path, path: Path) -> dict[str, Path]:
    """Preset name -> resolved file, from a folder of ``*.yaml`` or a mapping name -> file."""
    if isinstance(node, str):
        folder = resolve_path(node, base, path, "presets")
        presets = {p.stem: p for p in sorted(folder.glob("*.yaml"))}
    else:
        presets = {k: resolve_path(v, base, path, f"presets.{k}") for k, v in node.items()}
    if not presets:
        raise at.key("presets").fail("expected a folder of *.yaml presets or a mapping name -> file, found none")
    return presets


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
    v = validate(data, SPEC_SCHEMA, where=path, error=RobotSpecError, label="field")
    at = At(str(path), "", RobotSpecError, "field")
    base = path.parent
    feet = {side: FootSpec(link=v["feet"][side]["link"], sole_offset=v["feet"][side]["sole_offset"])
            for side in ("left", "right")}
    knees = (v["knees"]["left"], v["knees"]["right"])
    return RobotSpec(
        name=v["name"],
        path=path.resolve(),
        urdf=resolve_path(v["urdf"], base, path, "urdf"),
        trunk_link=v["trunk"]["link"],
        anchor_body=v["trunk"]["anchor_body"] or v["trunk"]["link"],
        trunk_offset=v["trunk"]["offset"],
        left_foot=feet["left"],
        right_foot=feet["right"],
        foot_length=v["feet"]["length"],
        foot_width=v["feet"]["width"],
        driven_joints=v["driven_joints"],
        default_posture=v["default_posture"],
        knees=knees,
        knee_signs=_knee_signs(at, v["knees"]["bend_sign"], knees, v["initial_posture"]),
        initial_posture=v["initial_posture"],
        actuators=tuple(ActuatorGroup(g["joints"], g["kp"], g["kv"], g["effort"], g["armature"])
                        for g in v["actuators"]),
        presets=_presets(at, v["presets"], base, path),
        sweep=SweepSteps(**v["sweep"]),
        mujoco_timestep=v["mujoco"]["timestep"],
        collisions=CollisionSettings(mode=v["collisions"]["self"], exclude=tuple(v["collisions"]["exclude"]),
                                     geometry=v["collisions"]["geometry"]),
    )
