"""A robot ready to plan on: its spec, its URDF tree, and the URDF text placo loads."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from robots.errors import RobotSpecError
from robots.spec import RobotSpec
from robots.urdf import UrdfInfo, inject_frames, parse_urdf, read_urdf, resolve_mesh

__all__ = ["FRAME_NAMES", "Robot"]

FRAME_NAMES = ("trunk", "left_foot", "right_foot")
"""Frames placo's humanoid model needs; ``left_foot``/``right_foot`` sit at the sole centre."""


@dataclass(frozen=True, eq=False)
class Robot:
    """A validated robot.

    Build one with :func:`robots.load_robot`; it checks the spec against the URDF.

    Attributes:
        spec: The robot spec.
        info: The URDF's tree (links, joints, limits, masses).
    """

    spec: RobotSpec
    info: UrdfInfo

    @property
    def name(self) -> str:
        """Registry name of the robot."""
        return self.spec.name

    @property
    def joint_names(self) -> tuple[str, ...]:
        """Actuated joints in model order (pinocchio/placo and MuJoCo agree on it)."""
        return self.info.actuated

    @property
    def root_link(self) -> str:
        """The URDF root link, which carries the floating base."""
        return self.info.root

    @property
    def anchor_body(self) -> str:
        """Body a motion-tracking controller anchors on (spec ``trunk.anchor_body``, default the trunk link)."""
        return self.spec.anchor_body or self.spec.trunk_link

    def joint_limits(self, name: str) -> tuple[float, float]:
        """Position limits (rad) of a joint as written in the URDF."""
        j = self.info.joints[name]
        return (j.lower, j.upper)

    def posture(self) -> dict[str, float]:
        """Angles (rad) held by every joint the walk does not drive."""
        return {
            name: self.spec.default_posture.get(name, 0.0)
            for name in self.joint_names
            if name not in self.spec.driven_joints
        }

    @cached_property
    def urdf_text(self) -> str:
        """URDF text with the ``trunk``/``left_foot``/``right_foot`` frames added."""
        s = self.spec
        frames = {
            "trunk": (s.trunk_link, s.trunk_offset),
            "left_foot": (s.left_foot.link, s.left_foot.sole_offset),
            "right_foot": (s.right_foot.link, s.right_foot.sole_offset),
        }
        return inject_frames(read_urdf(s.urdf), frames, s.urdf.parent)

    @cached_property
    def placo_urdf_path(self) -> Path:
        """A file holding :attr:`urdf_text`, named by its content hash (never the user's file)."""
        text = self.urdf_text
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / "gait_generator_urdf"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}_{digest}.urdf"
        if not path.exists():
            tmp = path.with_suffix(f".{digest}.tmp")
            tmp.write_text(text)
            tmp.replace(path)
        return path


def _check_anchor(spec: RobotSpec, info: UrdfInfo) -> None:
    """The anchor body must be a link MuJoCo keeps as a body: the root, or the child of a moving joint."""
    anchor = spec.anchor_body or spec.trunk_link
    key = "trunk.anchor_body" if spec.anchor_body else "trunk.link"
    if anchor not in info.links:
        raise RobotSpecError(f"{spec.path}: field '{key}': link '{anchor}' is not in {spec.urdf.name}")
    fused, body = None, anchor
    while (joint := next((j for j in info.joints.values() if j.child == body), None)) is not None:
        if joint.type != "fixed":
            break
        fused, body = fused or joint.name, joint.parent
    if fused is not None:
        raise RobotSpecError(
            f"{spec.path}: field '{key}': link '{anchor}' hangs on the fixed joint '{fused}', so the MuJoCo model "
            f"merges it into the body '{body}'; name '{body}' as trunk.anchor_body")


def validate_robot(spec: RobotSpec) -> Robot:
    """Check a spec against its URDF and return the :class:`Robot`.

    Raises:
        RobotSpecError: Unknown link or joint (``collisions.exclude`` included), a
            foot outside the trunk's subtree, a knee sign that contradicts the
            initial posture, a clash with the frame names placo needs, or a mesh
            that cannot be found. The message names the spec file and the field.
    """
    where = spec.path
    try:
        info = parse_urdf(read_urdf(spec.urdf), spec.urdf)
    except RobotSpecError as exc:
        raise RobotSpecError(f"{where}: field 'urdf': {exc}") from exc

    def need_link(link: str, key: str) -> None:
        if link not in info.links:
            raise RobotSpecError(f"{where}: field '{key}': link '{link}' is not in {spec.urdf.name}")

    def need_joint(joint: str, key: str) -> None:
        if joint not in info.actuated:
            raise RobotSpecError(
                f"{where}: field '{key}': '{joint}' is not a moving joint of {spec.urdf.name} "
                f"(moving joints: {list(info.actuated)})"
            )

    clash = sorted(set(FRAME_NAMES) & set(info.links))
    if clash:
        raise RobotSpecError(
            f"{where}: field 'urdf': the URDF already has link(s) {clash}; these names are reserved "
            "for the frames the generator adds"
        )
    need_link(spec.trunk_link, "trunk.link")
    _check_anchor(spec, info)
    for side, foot in (("left", spec.left_foot), ("right", spec.right_foot)):
        need_link(foot.link, f"feet.{side}.link")
        if not info.is_descendant(foot.link, spec.trunk_link):
            raise RobotSpecError(
                f"{where}: field 'feet.{side}.link': '{foot.link}' is not a descendant of the trunk link "
                f"'{spec.trunk_link}'"
            )
    for joint in spec.driven_joints:
        need_joint(joint, "driven_joints")
    for key, mapping in (("default_posture", spec.default_posture), ("initial_posture", spec.initial_posture)):
        for joint, value in mapping.items():
            need_joint(joint, f"{key}.{joint}")
            lo, hi = info.joints[joint].lower, info.joints[joint].upper
            if info.joints[joint].type != "continuous" and not lo <= value <= hi:
                raise RobotSpecError(
                    f"{where}: field '{key}.{joint}': {value} rad is outside the joint limits [{lo:.4f}, {hi:.4f}]"
                )
    for side, knee, sign in zip(("left", "right"), spec.knees, spec.knee_signs):
        need_joint(knee, f"knees.{side}")
        if knee not in spec.driven_joints:
            raise RobotSpecError(f"{where}: field 'knees.{side}': knee '{knee}' must be one of driven_joints")
        bent = spec.initial_posture.get(knee, 0.0)
        if bent * sign <= 0.0:
            raise RobotSpecError(
                f"{where}: field 'knees.bend_sign': {sign:+d} for the {side} knee contradicts initial_posture.{knee} "
                f"= {bent} rad (a bent knee must have the sign of its bend_sign; a leg with mirrored axes takes "
                "bend_sign: {left: 1, right: -1})"
            )
    for joint in info.actuated:
        spec.actuator_for(joint)
    for i, pair in enumerate(spec.collisions.exclude):
        for link in pair:
            need_link(link, f"collisions.exclude[{i}]")
    for mesh in sorted(set(info.meshes)):
        if resolve_mesh(mesh, spec.urdf.parent) is None:
            raise RobotSpecError(
                f"{where}: field 'urdf': mesh '{mesh}' of {spec.urdf.name} not found (relative paths are read "
                f"from {spec.urdf.parent}; package:// names from its ancestor folders and ROS_PACKAGE_PATH)"
            )
    return Robot(spec=spec, info=info)
