"""Retargeting: export generated motions to training consumers' formats.

:func:`retarget` runs one export (MimicKit pickle + dataset YAML + char folder,
AWD/Open Duck JSON, GMR pickle, mjlab or Isaac Lab ``.npz``) from a motion file,
a directory or an ``index.json``;
:func:`resample` changes a clip's frame rate keeping loops exact;
:mod:`retarget.mapping` maps joints by name through YAML tables. Formats and
choices are documented in ``docs/retarget.md``.
"""

from __future__ import annotations

from retarget.export import FORMATS, LOOP_MODES, WEIGHTINGS, motion_weights, retarget
from retarget.mapping import (
    JointMapping,
    JointSource,
    load_mapping,
    mimickit_dof_names,
    resolve_mapping,
)
from retarget.resample import recompute_velocities, resample, resampled_fps

__all__ = [
    "FORMATS",
    "LOOP_MODES",
    "WEIGHTINGS",
    "retarget",
    "motion_weights",
    "resample",
    "resampled_fps",
    "recompute_velocities",
    "JointMapping",
    "JointSource",
    "load_mapping",
    "resolve_mapping",
    "mimickit_dof_names",
]
