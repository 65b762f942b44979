"""Propose a complete robot spec (and walk presets) for a biped URDF the project has never seen.

:func:`propose` reads the URDF, builds a MuJoCo model of its collision geometry
(root link welded at the origin, every link kept as its own body, meshes MuJoCo
cannot read converted by :mod:`robots.meshes`) and decides each field of a robot
spec (``docs/robots.md``) by kinematics, with a reason for every decision.
``gait_robot init`` (:mod:`validate.robot_cli`) writes the result. Frames: the
root link's frame at the zero pose (every joint at 0), which must be x forward,
y left, z up. Units are SI and radians.

Decisions:

* **trunk**: the URDF root link (the floating base). Its ``anchor_body``, the body a
  motion-tracking controller aligns the reference with, is the heaviest rigid body on the upper
  body's main chain from the root (:mod:`~gait_generator.propose.anchor`): the G1's ``torso_link``.
* **feet**: links are grouped into rigid bodies (a link with a moving joint and
  its fixed-joint descendants). The two legs are the two branches from their
  common ancestor that end lowest (lowest collision point at the zero pose), each
  with at least three moving joints; a third branch ending within 10 % of the
  leg length of the floor is refused (not a biped). Left is the leg whose sole
  has y > 0. The foot link is the link of the foot's rigid body that holds the
  lowest collision geometry, else the leg's last moving link, else another link
  of that body, whichever frame is parallel to the root's at the zero pose (the
  spec's sole frames take the foot link's orientation).
* **sole**: the foot's collision points within ``robots.soles.LOWEST_TOLERANCE``
  (1 mm) of its lowest point (sphere and capsule points lowered by their radius,
  as :mod:`robots.soles` does): the sole offset is the centre of their bounding
  box in x/y at the lowest z, in the foot link's frame; the sole size is the
  extent of that box, plus the radius of spheres and capsules on each side.
* **driven joints**: every moving joint of the two legs, from the branch point to
  the foot; 5 or 6 per leg, else refused.
* **knees**: the leg joint between hip and ankle whose axis is lateral (within 15
  degrees of the root's y axis) and whose anchor lies nearest mid-leg (20-80 %
  of the hip-to-sole height). Its bend sign is the sign of a rotation that moves
  the sole backward (-x) with the rest of the leg straight (forward kinematics
  at +0.3 rad), per knee: mirrored axes give ``{left: 1, right: -1}``.
* **initial posture**: knee bent 0.6 rad its way (at most 90 % of its range),
  the lateral-axis joints next to it above (hip pitch) and below (ankle pitch)
  by half of it each, with the signs (found by forward kinematics among the four
  combinations) that keep the sole parallel to the trunk.
* **default posture**: joints not driven hold 0, or the middle of their range
  when 0 is outside it; a held limb whose collision geometry comes within 20 mm
  of the legs in the walks of the presets' largest steps is turned away by its
  first shoulder-roll-like joint (:mod:`~gait_generator.propose.clearance`).
* **actuators**, one group per set of joints with equal values. ``effort`` from
  the URDF ``<limit effort>``; when missing or 0 it is estimated as ``0.5 m g L``
  for leg joints and ``0.1 m g L`` for the others (m the total mass, L the leg
  length: hip pitch axis to sole at the zero pose). Then

  - ``kp = effort / 0.1 rad``: the servo saturates at 0.1 rad of tracking error;
  - ``kv = 2 zeta sqrt(kp I_load)``, ``zeta = 0.5``, with ``I_load = m L^2`` for
    leg joints (the whole body swaying on a stance leg) and, for the joints that
    hold a posture, the joint-space inertia of what they carry (the diagonal of
    MuJoCo's mass matrix, root fixed, in the initial posture);
  - ``armature = 0.002 kg m^2 x (effort / 2 N m)^0.6``: URDFs carry no rotor
    inertia, so it is estimated by a power law fitted to the built-in robots'
    actuators (mini_biped's 2 N m servos 0.002; the G1's 35, 88 and 139 N m
    motors 0.0072, 0.010, 0.025, fitted 0.011, 0.019, 0.026). Open-loop replays
    need it: with armature 0 a light foot on a stiff servo chatters on the floor
    and mini_biped falls within 1.5 s.

  G1 (33.3 kg, L 0.689 m): hip/knee kp 880/1390, kv 118/148, ankle kp 350, kv
  74 (hand-tuned 900/100 and 450/40); mini_biped (2.05 kg, L 0.195 m): kp 20,
  kv 1.25, armature 0.002 (hand-tuned 25, 0.6, 0.002).
* **presets** ``slow``/``medium``/``fast``: Froude-scaled from the built-in robot
  whose leg length is closest in ratio, ``r = L / L_ref``: lengths (foot height,
  step limits, command ranges in dx/dy) times r, durations times sqrt(r), angles
  and ratios unchanged. ``com_height`` is this robot's CoM height above its soles
  with the knees bent as much as the reference robot's are at the reference
  preset's ``com_height`` (an angle, so unchanged; forward kinematics, soles flat,
  so it is reachable), bent less if a swing foot could then not rise
  ``foot_height`` with the knee, hip and ankle pitch within 95 % of their range.
  ``feet_spacing`` is the hip spacing (lateral distance between the hip-roll
  axes), at least two sole widths so the swing foot clears the stance foot.
  ``zmp_margin`` 0.005 m, ZMP targets at the sole centre. Every value is clamped
  into :data:`gait_generator.preset.PRESET_KEYS`. Then each preset is fitted to
  the URDF's joint ranges and velocity limits (:mod:`~gait_generator.propose.limits`:
  the legs solved along a steady walk of its largest commands by
  :mod:`~gait_generator.propose.stride`): a smaller swing and step, another crouch, a
  longer single support (with the scaled double support's duration and sway),
  shorter steps and command ranges, each only where a joint needs it.
* **sweep**: grid steps scaled like lengths (the grid spans each preset's ``command_range``).
* **name**: the URDF's ``<robot name>``, lower case, non-alphanumerics as ``_``;
  a name that is a built-in robot's gets ``_proposed`` appended, so motions of
  the proposal never validate against the built-in.

A URDF without any collision geometry is analysed with its visual geometry,
and the spec gets ``collisions: {geometry: visual}`` (:mod:`robots.repairs`).
When it cannot decide (not exactly two legs, a leg without a knee, fewer than 5
or more than 6 moving joints on a leg, no collision or visual geometry, no foot
link parallel to the root) it raises :class:`ProposalError`, naming the URDF and
the spec field to fill in by hand.

Modules, in the order the proposal uses them:

* :mod:`~gait_generator.propose.rules`: the constants of the rules above.
* :mod:`~gait_generator.propose.model`: the URDF's collision geometry compiled in MuJoCo for the analysis.
* :mod:`~gait_generator.propose.legs`: the two leg branches, their joints, knee, hip and ankle pitch, hip roll.
* :mod:`~gait_generator.propose.sole`: foot link, sole offset and size.
* :mod:`~gait_generator.propose.posture`: knee bend signs, bent-knee angles, default posture.
* :mod:`~gait_generator.propose.analysis`: all of the above for one URDF (cached), crouch heights.
* :mod:`~gait_generator.propose.stride`: the legs solved along a steady walk (joint ranges, rates, leg gaps).
* :mod:`~gait_generator.propose.limits`: each preset fitted to the joints' ranges and velocity limits.
* :mod:`~gait_generator.propose.presets`: Froude-scaled presets (fitted) and the sweep.
* :mod:`~gait_generator.propose.clearance`: held limbs turned clear of the walking legs.
* :mod:`~gait_generator.propose.actuators`: gains, armature, effort estimates, joint patterns.
* :mod:`~gait_generator.propose.decisions`: :func:`propose` and :func:`spec_name`.
* :mod:`~gait_generator.propose.proposal`: the result types; :mod:`~gait_generator.propose.yaml_text`: their YAML text.
"""

from __future__ import annotations

from gait_generator.errors import ProposalError
from gait_generator.propose.decisions import propose, spec_name
from gait_generator.propose.proposal import ActuatorProposal, Decision, LegProposal, Proposal
from gait_generator.propose.rules import DAMPING_RATIO, KNEE_BEND, SATURATION_ERROR, ZMP_MARGIN
from gait_generator.propose.yaml_text import render_preset, render_spec

__all__ = [
    "DAMPING_RATIO",
    "KNEE_BEND",
    "SATURATION_ERROR",
    "ZMP_MARGIN",
    "ActuatorProposal",
    "Decision",
    "LegProposal",
    "Proposal",
    "ProposalError",
    "propose",
    "render_preset",
    "render_spec",
    "spec_name",
]
