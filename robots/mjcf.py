"""The MuJoCo model of a robot, compiled from the same URDF text placo loads.

The model is built with :class:`mujoco.MjSpec` from :attr:`Robot.urdf_text` (the
user's URDF plus the massless ``trunk``/``left_foot``/``right_foot`` frames, with
every mesh path made absolute), so kinematics, masses and inertias agree with
placo by construction. On top of the URDF it adds:

* a free joint named ``root`` on the root link (the floating base);
* a floor: an infinite plane geom named ``floor`` at z = 0 that collides with
  every collision geom of the robot;
* one position actuator per moving joint, named like the joint, in
  :attr:`Robot.joint_names` order, with the gains, torque limit and armature of
  the joint's actuator group in the spec;
* sites ``trunk``, ``left_foot`` and ``right_foot`` at the injected frames, so
  ``data.site("left_foot").xpos`` is the sole centre placo plans with;
* with ``collisions.geometry: visual``, every link's visual geometry as its
  collision geometry (:func:`robots.repairs.visual_collisions`), for URDFs
  without any;
* the self-collision settings of the spec's ``collisions`` section
  (:mod:`robots.collisions`): by default the body pairs that touch in the
  standing initial posture are excluded (``<contact><exclude>``), and
  :func:`excluded_pairs` lists them.

Layout of ``qpos`` (``nq = 7 + len(robot.joint_names)``)::

    [x, y, z,  qw, qx, qy, qz,  joint_0 ... joint_{J-1}]

MuJoCo stores quaternions scalar first (wxyz); the rest of the project uses
xyzw. :func:`to_qpos` and :func:`from_qpos` (through :mod:`robots.qpos`) are the
only places where the two orders meet.

Contacts: the floor has ``margin = 0`` and ``gap = FLOOR_CONTACT_GAP`` (5 mm).
With MuJoCo 4 a positive gap lists a contact in ``data.contact`` as soon as the
distance between the geoms is below ``margin + gap``, but the solver only pushes
when it is below ``margin`` (these "gap" contacts have ``exclude == 1`` and no
``efc`` rows). The forces are therefore those of a plain floor, while a foot
resting exactly at z = 0 (as in a kinematic replay of a reference motion, where
round-off puts it a hair above or below the floor) is listed every frame instead
of flickering in and out. Test ``contact.dist`` (or the sole site height) to
tell touching from near.

The floor has ``priority = 1``, so its contact parameters govern every floor
contact: friction 1.0, and a contact time constant of ``CONTACT_TIMESTEPS``
simulation steps (``solref = (2.5 dt, 1)``, 5 ms at the usual 2 ms step), the
stiffest MuJoCo integrates stably. With MuJoCo's default 20 ms a loaded G1 sole
sinks about 1 mm and rocks on its four contact spheres as the load moves; at
5 ms it sinks under 0.1 mm, like a hard rubber sole. Friction uses elliptic
cones with ``impratio = 10`` (frictional constraints ten times stiffer than
normal ones), so a stance sole does not creep in yaw under the turning moment
of a walk: with MuJoCo's default pyramidal cones the heading of turning G1
clips crept up to 25 degrees in a 10 s open-loop replay, with these 11.

Inertias are the URDF's as written; :mod:`robots.repairs` turns on MuJoCo's
repairs only where MuJoCo refuses them, and :func:`compiler_fixes` says which.

Integrator: ``implicitfast``, which treats the actuators' ``kv`` damping
implicitly, so stiff position gains (the G1 uses kp 900) are stable at the
spec's ``mujoco.timestep``.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import numpy as np
from numpy.typing import ArrayLike, NDArray

from robots import collisions, repairs
from robots.collisions import ExcludedPair
from robots.errors import MeshError, RobotSpecError
from robots.meshes import MeshWarning, mujoco_mesh
from robots.mjcf_export import explicit_axes
from robots.qpos import split_qpos, stack_qpos
from robots.robot import FRAME_NAMES, Robot

__all__ = [
    "CONTACT_TIMESTEPS",
    "FLOOR_CONTACT_GAP",
    "IMPRATIO",
    "ROOT_JOINT",
    "build_spec",
    "compiler_fixes",
    "excluded_pairs",
    "from_qpos",
    "mjcf_xml",
    "model",
    "to_qpos",
]

ROOT_JOINT = "root"
"""Name of the free joint that carries the floating base."""

FLOOR_CONTACT_GAP = 0.005
"""Floor contact gap (m): floor contacts are listed within 5 mm and push only on penetration."""

IMPRATIO = 10.0
"""Ratio of frictional to normal constraint stiffness (elliptic cones): no yaw creep of a stance sole."""

CONTACT_TIMESTEPS = 2.5
"""Floor contact time constant in simulation steps (MuJoCo needs at least 2 for stability)."""

_COMPILER = (
    '<mujoco><compiler angle="radian" discardvisual="false" strippath="false" fusestatic="true" '
    'inertiafromgeom="false" balanceinertia="false" autolimits="true"/></mujoco>'
)
# discardvisual=false: keep the visual meshes for previews (they never collide).
# strippath=false: mesh paths in urdf_text are absolute already.
# fusestatic=true: links on fixed joints (the injected frames, sensor mounts) are
#   merged into their parent; masses add up, sites move with them.
# inertiafromgeom=false: masses and inertias come from the URDF only.


def _urdf_for_mujoco(robot: Robot) -> str:
    """URDF text MuJoCo reads: joints sorted by name, meshes it can read, a ``<mujoco>`` compiler block.

    MuJoCo's URDF importer adds the children of a link in the order their joints
    appear in the file; pinocchio (and so placo) orders siblings by joint name.
    Sorting the ``<joint>`` elements by name makes both depth-first orders equal.

    Mesh files in formats MuJoCo cannot read (Collada ``.dae``, ...) are replaced
    by cached OBJ conversions (:func:`robots.meshes.mujoco_mesh`). A ``<visual>``
    whose mesh cannot be converted is left out with a :class:`MeshWarning`; a
    ``<collision>`` whose mesh cannot be converted raises :class:`MeshError`.
    Mesh files that do not exist are left as written.

    Raises:
        MeshError: A collision mesh cannot be converted (the message names it).
    """
    root = ET.fromstring(robot.urdf_text)
    if robot.spec.collisions.geometry == "visual":
        repairs.visual_collisions(root)
    _meshes_for_mujoco(root, robot)
    for old in root.findall("mujoco"):
        root.remove(old)
    joints = root.findall("joint")
    for joint in joints:
        root.remove(joint)
    for joint in sorted(joints, key=lambda j: j.get("name", "")):
        root.append(joint)
    root.insert(0, ET.fromstring(_COMPILER))
    return ET.tostring(root, encoding="unicode")


def _meshes_for_mujoco(root: ET.Element, robot: Robot) -> None:
    """Point every visual and collision mesh of ``root`` (a URDF) at a file MuJoCo reads, in place."""
    for link in list(root.iter("link")):
        for kind in ("visual", "collision"):
            for element in link.findall(kind):
                for mesh in element.iter("mesh"):
                    source = Path(mesh.get("filename", ""))
                    if not source.is_absolute() or not source.is_file():
                        continue  # missing meshes are reported by the spec validation
                    try:
                        mesh.set("filename", str(mujoco_mesh(source)))
                    except MeshError as exc:
                        name = link.get("name", "")
                        if kind == "collision":
                            # build_spec prefixes "<spec>: field 'urdf': MuJoCo cannot read <urdf>: "
                            raise MeshError(f"collision mesh of link '{name}': {exc}") from exc
                        warnings.warn(
                            f"{robot.spec.path}: visual mesh {source.name} of link '{name}' left out of the "
                            f"MuJoCo model: {exc}",
                            MeshWarning,
                            stacklevel=2,
                        )
                        link.remove(element)
                        break


def build_spec(robot: Robot) -> mujoco.MjSpec:
    """Build the (uncompiled) MuJoCo spec of ``robot``.

    With ``collisions.self: auto`` (the default) or ``collisions.exclude`` pairs
    the spec is compiled once on the way, to find the pairs touching at rest.

    Args:
        robot: A validated robot (:func:`robots.load_robot`).

    Returns:
        The spec: URDF bodies under a free joint ``root``, floor, position
        actuators, foot and trunk sites, self-collision exclusions, timestep
        from the robot spec.

    Raises:
        RobotSpecError: MuJoCo cannot read the URDF, its joint order differs
            from :attr:`Robot.joint_names`, or a ``collisions.exclude`` pair is
            one rigid body.
    """
    return _build(robot)[0]


def _build(robot: Robot) -> tuple[mujoco.MjSpec, tuple[ExcludedPair, ...]]:
    """The spec of :func:`build_spec` and the body pairs it excludes from collision."""
    where = robot.spec.path
    try:
        spec = mujoco.MjSpec.from_string(_urdf_for_mujoco(robot))
    except ValueError as exc:
        raise RobotSpecError(f"{where}: field 'urdf': MuJoCo cannot read {robot.spec.urdf.name}: {exc}") from exc
    spec.modelname = robot.name
    spec.option.timestep = robot.spec.mujoco_timestep
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    spec.option.impratio = IMPRATIO

    base = spec.body(robot.root_link)
    base.add_freejoint(name=ROOT_JOINT)
    for frame in FRAME_NAMES:
        spec.body(frame).add_site(name=frame, size=[0.005, 0.005, 0.005], rgba=[1.0, 0.3, 0.1, 1.0], group=3)

    _add_floor(spec)

    names = [j.name for j in spec.joints if j.name != ROOT_JOINT]
    if names != list(robot.joint_names):
        raise RobotSpecError(
            f"{where}: field 'urdf': MuJoCo joint order {names} differs from the model order {list(robot.joint_names)}"
        )
    for name in robot.joint_names:
        group = robot.spec.actuator_for(name)
        joint = spec.joint(name)
        joint.armature = group.armature
        lower, upper = robot.joint_limits(name)
        actuator = spec.add_actuator(name=name, target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        actuator.set_to_position(kp=group.kp, kv=group.kv)
        actuator.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
        actuator.forcerange = [-group.effort, group.effort]
        if robot.info.joints[name].type != "continuous":
            actuator.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
            actuator.ctrlrange = [lower, upper]
        else:
            actuator.ctrllimited = mujoco.mjtLimited.mjLIMITED_FALSE
    settings = robot.spec.collisions
    probe = _compile(spec, robot) if settings.mode == "auto" or settings.exclude else None
    return spec, collisions.apply(spec, robot, probe)


def _add_floor(spec: mujoco.MjSpec) -> None:
    """Add the checkered ground plane ``floor`` and a light."""
    spec.add_texture(
        name="floor_grid",
        type=mujoco.mjtTexture.mjTEXTURE_2D,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
        rgb1=[0.25, 0.3, 0.35],
        rgb2=[0.35, 0.4, 0.45],
        width=256,
        height=256,
    )
    material = spec.add_material(name="floor", texrepeat=[4.0, 4.0], texuniform=True, reflectance=0.1)
    material.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "floor_grid"
    spec.worldbody.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[0.0, 0.0, 0.05],
        material="floor",
        contype=1,
        conaffinity=1,
        margin=0.0,
        gap=FLOOR_CONTACT_GAP,
        priority=1,
        solref=[CONTACT_TIMESTEPS * spec.option.timestep, 1.0],
    )
    spec.worldbody.add_light(
        name="sun", pos=[0.0, 0.0, 3.0], dir=[0.0, 0.0, -1.0], type=mujoco.mjtLightType.mjLIGHT_DIRECTIONAL
    )


_MODELS: dict[tuple[Path, str, str, str], tuple[mujoco.MjModel, tuple[ExcludedPair, ...], tuple[str, ...]]] = {}


def _cached(robot: Robot) -> tuple[mujoco.MjModel, tuple[ExcludedPair, ...], tuple[str, ...]]:
    key = (robot.spec.path, robot.name, robot.urdf_text, repr(robot.spec))
    if key not in _MODELS:
        spec, pairs = _build(robot)
        _MODELS[key] = (_compile(spec, robot), pairs, repairs.repairs_of(spec))
    return _MODELS[key]


def compiler_fixes(robot: Robot) -> tuple[str, ...]:
    """The inertia repairs MuJoCo needed to compile :func:`model` (empty when the URDF's inertias compile as written).

    ``balanceinertia`` and ``boundmass``/``boundinertia`` stay off unless MuJoCo
    refuses the URDF without them (see :data:`BOUND_MASS`); one line per repair.

    Raises:
        RobotSpecError: See :func:`build_spec`.
    """
    return _cached(robot)[2]


def model(robot: Robot) -> mujoco.MjModel:
    """The compiled MuJoCo model of ``robot``, built once per process.

    Models are cached by spec file, robot name, URDF text and spec content. The
    model is shared between callers: copy it (``copy.copy(model)``) before
    changing its fields.

    Raises:
        RobotSpecError: See :func:`build_spec`.
    """
    return _cached(robot)[0]


def excluded_pairs(robot: Robot) -> tuple[ExcludedPair, ...]:
    """The body pairs that never collide in :func:`model`, and why (:mod:`robots.collisions`).

    With ``collisions.self: auto`` these are the pairs touching or overlapping in
    the standing initial posture (deepest first), then the spec's
    ``collisions.exclude`` pairs. With ``self: none`` no robot pair collides at
    all (through ``conaffinity``), and only the ``exclude`` pairs are listed.

    Raises:
        RobotSpecError: See :func:`build_spec`.
    """
    return _cached(robot)[1]


def _compile(spec: mujoco.MjSpec, robot: Robot) -> mujoco.MjModel:
    """Compile ``spec``, with MuJoCo's inertia repairs only where it refuses the URDF (:mod:`robots.repairs`)."""
    return repairs.compile_repaired(spec, f"{robot.spec.path}: field 'urdf': MuJoCo cannot compile the model of "
                                          f"{robot.spec.urdf.name}")


def mjcf_xml(robot: Robot) -> str:
    """The robot's MJCF as XML text: mesh files by absolute path, an explicit ``axis`` on every joint.

    Save it to run the model in any MuJoCo tool, e.g. ``python -m mujoco.viewer``;
    :func:`robots.mjcf_export.portable_assets` makes a copyable folder of it.
    """
    spec = build_spec(robot)
    _compile(spec, robot)
    return explicit_axes(spec.to_xml())


def _as_model(model_or_robot: mujoco.MjModel | Robot) -> mujoco.MjModel:
    return model(model_or_robot) if isinstance(model_or_robot, Robot) else model_or_robot


def to_qpos(
    model_or_robot: mujoco.MjModel | Robot,
    root_pos: ArrayLike,
    root_quat_xyzw: ArrayLike,
    joint_pos: ArrayLike,
) -> NDArray[np.float64]:
    """Stack root pose and joint angles into MuJoCo ``qpos`` rows.

    Args:
        model_or_robot: A model from :func:`model` (or any model whose joint 0 is
            a free joint), or the robot itself.
        root_pos: (T, 3) root link position in the world (m).
        root_quat_xyzw: (T, 4) root link orientation, world from body, **xyzw**.
        joint_pos: (T, J) joint angles (rad) in ``robot.joint_names`` order.

    Returns:
        (T, nq) qpos rows; the root quaternion is stored **wxyz** as MuJoCo wants.

    Raises:
        MotionFormatError: An array has the wrong shape (the message gives it).
    """
    return stack_qpos(_as_model(model_or_robot), root_pos, root_quat_xyzw, joint_pos)


def from_qpos(
    model_or_robot: mujoco.MjModel | Robot, qpos: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Split MuJoCo ``qpos`` rows into root pose and joint angles (inverse of :func:`to_qpos`).

    Args:
        model_or_robot: As in :func:`to_qpos`.
        qpos: (T, nq) rows, root quaternion wxyz.

    Returns:
        ``(root_pos (T, 3) m, root_quat_xyzw (T, 4), joint_pos (T, J) rad)``, joints
        in ``robot.joint_names`` order.

    Raises:
        MotionFormatError: ``qpos`` has the wrong shape.
    """
    return split_qpos(_as_model(model_or_robot), qpos)
