"""The constants of the proposal rules (documented in :mod:`robots.propose`).

Units: rad, s, m, kg m^2 and N m as each constant says.
"""

from __future__ import annotations

import math

__all__ = [
    "ALIGNED_RAD",
    "APEX_ROOM",
    "ARMATURE_AT_2NM",
    "ARMATURE_EXPONENT",
    "DAMPING_RATIO",
    "FLAT_RAD",
    "FLOOR_FRACTION",
    "GRAVITY",
    "KNEE_BEND",
    "KNEE_PROBE",
    "LATERAL_COS",
    "LEG_EFFORT_FRACTION",
    "OTHER_EFFORT_FRACTION",
    "PRESET_NAMES",
    "SATURATION_ERROR",
    "TIMESTEP",
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
GRAVITY = 9.81
"""m/s^2."""

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
