"""Retargeting: export generated motions to training consumers' formats.

:func:`retarget` runs one export (MimicKit pickle + dataset YAML + char folder,
AWD/Open Duck JSON, GMR pickle, mjlab ``.npz``, this project's motion ``.npz`` or
Isaac Lab ``.npz``) from a motion file, a directory or an ``index.json``; each
format is an :class:`~retarget.formats.ExportFormat` in the :data:`FORMATS`
registry (:func:`register_format` adds one);
:func:`resample` changes a clip's frame rate keeping loops exact;
:mod:`retarget.mapping` maps joints by name through YAML tables. Formats and
choices are documented in ``docs/retarget.md``.
"""

from __future__ import annotations  # noqa: I001 (the format modules are imported in --format order)

# The built-in formats register themselves on import, in this order: the order of the --format choices.
from retarget import mimickit, awd, gmr, mjlab, motion_file, isaaclab  # noqa: F401
from retarget.export import LOOP_MODES, WEIGHTINGS, motion_weights, retarget
from retarget.formats import FORMATS, ClipFile, ExportFormat, ExportRun, get_format, register_format
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
    "ClipFile",
    "ExportFormat",
    "ExportRun",
    "JointMapping",
    "JointSource",
    "get_format",
    "load_mapping",
    "mimickit_dof_names",
    "motion_weights",
    "recompute_velocities",
    "register_format",
    "resample",
    "resampled_fps",
    "resolve_mapping",
    "retarget",
]
