"""The constants of the proposal rules (documented in :mod:`gait_generator.propose`).

Units: rad, s, m, kg m^2 and N m as each constant says.
"""

from __future__ import annotations

import math

__all__ = [
    "ALIGNED_RAD",
    "APEX_ROOM",
    "ARMATURE_AT_2NM",
    "ARMATURE_EXPONENT",
    "CADENCE_STRETCH",
    "CROUCH_STEP",
    "DAMPING_RATIO",
    "FLAT_RAD",
    "FLOOR_FRACTION",
    "KNEE_BEND",
    "KNEE_PROBE",
    "LATERAL_COS",
    "LEG_CLEARANCE",
    "LEG_EFFORT_FRACTION",
    "MIN_FOOT_HEIGHT",
    "OTHER_EFFORT_FRACTION",
    "PENDULUM_SPAN",
    "PRESET_NAMES",
    "RANGE_MARGIN",
    "SATURATION_ERROR",
    "SWING_KEEP",
    "TIMESTEP",
    "VELOCITY_ROOM",
    "ZMP_MARGIN",
]

KNEE_BEND = 0.6
"""Knee bend of the proposed initial posture (rad); hip and ankle pitch take half of it each."""
KNEE_PROBE = 0.3
"""Knee rotation (rad) used to find the bend direction by forward kinematics."""
SATURATION_ERROR = 0.1
"""Tracking error (rad) at which a position servo reaches its effort limit: ``kp = effort / 0.1``."""
DAMPING_RATIO = 0.5
"""Damping ratio zeta of ``kv = 2 zeta sqrt(kp I_load)``."""
LEG_EFFORT_FRACTION = 0.5
"""Estimated effort of a leg joint without ``<limit effort>``, as a fraction of ``m g L``."""
OTHER_EFFORT_FRACTION = 0.1
"""Estimated effort of any other joint without ``<limit effort>``, as a fraction of ``m g L``."""
ZMP_MARGIN = 0.005
"""``zmp_margin`` of the proposed presets (m)."""
TIMESTEP = 0.002
"""``mujoco.timestep`` of the proposed spec (s)."""
ARMATURE_AT_2NM = 0.002
"""Estimated armature (kg m^2) of a 2 N m actuator: mini_biped's serial-bus servos."""
ARMATURE_EXPONENT = 0.6
"""Exponent of ``armature = ARMATURE_AT_2NM (effort / 2 N m)^0.6``, fitted to the built-in robots' actuators
(mini_biped 2 N m: 0.002 kg m^2; G1 35, 88 and 139 N m: 0.0072, 0.010 and 0.025 kg m^2)."""
APEX_ROOM = 0.95
"""Fraction of the knee, hip and ankle pitch range a swing leg may use at its apex (bounds a preset's crouch)."""
RANGE_MARGIN = 0.03
"""rad kept free at each end of a leg joint's range by the walk of a proposed preset's largest commands
(:mod:`gait_generator.propose.stride` agrees with the generator's joint angles to about 0.025 rad)."""
LEG_CLEARANCE = 0.01
"""m the two legs' collision geometry keeps apart in the walk of a proposed preset's largest commands (pairs
touching in the crouch excepted)."""
VELOCITY_ROOM = 0.8
"""Fraction of a leg joint's URDF velocity limit the walk of a proposed preset's largest commands may use
(:mod:`gait_generator.propose.stride` agrees with the generator's peak joint rates to about 10 %)."""
CADENCE_STRETCH = 1.5
"""A proposed preset's single support may be lengthened for its forward and backward steps up to this factor
times the longer of its scaled value and what walking in place needs; beyond it the steps are shortened."""
MIN_FOOT_HEIGHT = 0.015
"""m: lowest ``foot_height`` a proposed preset is lowered to, 1.5 x the validator's ``swing_clearance_min_m``."""
SWING_KEEP = 0.5
"""A proposed preset keeps its scaled crouch if its forward step and swing need shrinking to no less than this
fraction to fit the joints' ranges; below it a straighter crouch is looked for."""
PENDULUM_SPAN = 2.3
"""Longest single support a proposed preset is lengthened to for its steps, in units of ``1 / omega``
(``omega^2 = g / com_height``): the inverted pendulum grows ``exp(2.3)`` = 10x over it. The built-in presets stay
below 1.8; Romeo's random clips held in 40 of 40 open-loop replays at 2.3-2.4, in 16 of 20 at 2.5 and in 10 of 20
at 3.1."""
CROUCH_STEP = 0.1
"""rad: grid of the knee bends tried when a preset's crouch leaves its largest forward step out of the joints' range."""

LATERAL_COS = math.cos(math.radians(15.0))
"""A joint axis is lateral (longitudinal) within 15 degrees of the root's y (x) axis: this cosine."""
FLOOR_FRACTION = 0.1
"""A branch "reaches the floor" within this fraction of the leg length."""
ALIGNED_RAD = math.radians(1.0)
"""A foot link frame counts as parallel to the root's within this angle (rad)."""
FLAT_RAD = math.radians(2.0)
"""The sole counts as flat in the bent posture within this tilt (rad)."""
PRESET_NAMES = ("slow", "medium", "fast")
"""The presets proposed, and the ones a built-in robot needs to be a scaling reference."""
