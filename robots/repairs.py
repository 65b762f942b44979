"""Repairs for URDFs MuJoCo would refuse: inertias it rejects, and no collision geometry at all.

* **Inertias.** The MuJoCo model takes masses and inertias from the URDF as
  written (``balanceinertia`` off). Only when MuJoCo refuses them does
  :func:`compile_repaired` turn on ``balanceinertia`` (principal moments breaking
  ``A + B >= C``: Romeo's ``romeo_small.urdf``) or ``boundmass`` /
  ``boundinertia`` (moving links without mass: the 24 finger links of Romeo's
  ``romeo.urdf``), and :func:`repairs_of` names what it turned on
  (``robots.mjcf.compiler_fixes``, printed by ``gait_robot check``).
* **No collision geometry.** A spec with ``collisions.geometry: visual``
  (written by ``gait_robot init`` for a URDF without any ``<collision>``, e.g.
  ``alexander_v1.lowerBodyOnly.urdf``) collides every link's visual geometry
  instead (:func:`visual_collisions`).

Units: kg, kg m^2.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import mujoco

from robots.errors import RobotSpecError

__all__ = ["BOUND_INERTIA", "BOUND_MASS", "compile_repaired", "repairs_of", "visual_collisions"]

BOUND_MASS = 1e-3
"""kg: the mass MuJoCo gives a moving body of the URDF without mass (``boundmass``), only when it refuses one."""

BOUND_INERTIA = 1e-6
"""kg m^2: the smallest principal inertia of such a body (``boundinertia``), a 1 g part a few cm long."""

_INERTIA_ERROR = "inertia must satisfy A + B >= C"
_MASS_ERROR = "mass and inertia of moving bodies must be larger than mjMINVAL"


def compile_repaired(spec: mujoco.MjSpec, where: str) -> mujoco.MjModel:
    """Compile ``spec``; turn on MuJoCo's inertia repairs only when it refuses the URDF's inertias.

    ``balanceinertia`` when a body's principal inertias break ``A + B >= C``;
    ``boundmass``/``boundinertia`` (:data:`BOUND_MASS`, :data:`BOUND_INERTIA`)
    when a moving body has no mass. The repairs stay set on ``spec`` (so later
    compiles agree) and :func:`repairs_of` lists them.

    Args:
        spec: The model to compile.
        where: Start of the error message (names the spec file and field).

    Raises:
        RobotSpecError: MuJoCo refuses the model for another reason (its message follows ``where``).
    """
    while True:
        try:
            return spec.compile()
        except ValueError as exc:
            message = str(exc)
            if _INERTIA_ERROR in message and not spec.compiler.balanceinertia:
                spec.compiler.balanceinertia = True
            elif _MASS_ERROR in message and spec.compiler.boundmass == 0.0:
                spec.compiler.boundmass = BOUND_MASS
                spec.compiler.boundinertia = BOUND_INERTIA
            else:
                raise RobotSpecError(f"{where}: {exc}") from exc


def repairs_of(spec: mujoco.MjSpec) -> tuple[str, ...]:
    """The inertia repairs :func:`compile_repaired` turned on, one readable line each."""
    out = []
    if spec.compiler.balanceinertia:
        out.append("balanceinertia: URDF inertias break A + B >= C; MuJoCo raises the smallest principal "
                   "moments of those bodies until they do")
    if spec.compiler.boundmass > 0.0:
        out.append(f"boundmass {spec.compiler.boundmass:g} kg, boundinertia {spec.compiler.boundinertia:g} kg m^2: "
                   "moving bodies without mass in the URDF get this much")
    return tuple(out)


def visual_collisions(root: ET.Element) -> None:
    """Make every link of ``root`` (a URDF) collide with its visual geometry, in place.

    Applied for ``collisions.geometry: visual``.

    Each link's ``<collision>`` elements are dropped and each ``<visual>`` gets a
    ``<collision>`` twin with the same ``<origin>`` and ``<geometry>``. MuJoCo then
    collides the convex hull of every visual mesh.
    """
    for link in root.iter("link"):
        for old in link.findall("collision"):
            link.remove(old)
        for visual in link.findall("visual"):
            twin = ET.SubElement(link, "collision")
            for part in ("origin", "geometry"):
                element = visual.find(part)
                if element is not None:
                    twin.append(copy.deepcopy(element))
