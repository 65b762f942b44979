"""MimicKit export (xbpeng/MimicKit ``mimickit/anim/motion.py`` and ``motion_lib.py``).

One clip is a pickle of ``{"loop_mode": int, "fps": float, "frames": list}``:
``loop_mode`` 0 is CLAMP and 1 is WRAP, every frame is
``[root_pos(3) m world, root exp-map(3) rad, dofs(D) rad]``. The exp-map is taken
from the xyzw root quaternion with ``w >= 0`` so its angle is in [0, pi]. The
dofs follow a depth-first walk over the MJCF ``<body>`` elements
(:func:`retarget.mapping.mimickit_dof_names`). MimicKit's clip length is
``(T - 1) / fps``.

Loops: MimicKit's WRAP mode shifts the root by ``frames[-1] - frames[0]`` (z set
to 0) per cycle and applies no rotation. A looping clip is therefore written
with a closing frame (frame 0 moved by the whole-clip loop offset) as its last
frame, so ``T_out = T + 1`` and the MimicKit length equals the loop period
``T / fps``. A clip whose loop turns (non-zero yaw offset) would jump in heading
at every wrap, so it is written as CLAMP instead (still with the closing frame).

Registered as the ``mimickit`` export format (:data:`FORMAT`): one ``.pkl`` per
clip, and a self-contained folder around them (:func:`char_folder`): the
``char_file`` ``<robot>.xml`` refers to its meshes by paths relative to itself
(copied to ``meshes/``), and ``dataset.yaml`` lists the clips by file name (or
under the ``--dataset-prefix`` the user gives), so the folder can be moved to a
training machine.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import yaml

from motions import Motion
from motions.rotations import quat_canonical_w_positive, quat_to_expmap
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping, mimickit_dof_names
from robots.mjcf_export import explicit_axes, portable_assets

__all__ = ["CLAMP", "DATASET_NAME", "FORMAT", "TURN_TOLERANCE", "WRAP", "char_folder", "dumps", "mimickit_char_xml",
           "mimickit_clip"]

DATASET_NAME = "dataset.yaml"
"""The MimicKit dataset (an env's ``motion_file``) written next to the clips."""

CLAMP = 0
"""MimicKit ``LoopMode.CLAMP``."""
WRAP = 1
"""MimicKit ``LoopMode.WRAP``."""
TURN_TOLERANCE = 1e-6
"""A loop whose whole-clip yaw offset exceeds this (rad) counts as turning and is exported as CLAMP."""


def mimickit_clip(
    motion: Motion, mapping: JointMapping, dof_names: list[str], wrap: bool = True
) -> tuple[dict[str, Any], str]:
    """Build the MimicKit motion dict of one clip.

    Args:
        motion: The clip (at the export rate).
        mapping: Joint mapping to the target robot.
        dof_names: Target dofs in MimicKit order.
        wrap: Export looping, non-turning clips as WRAP (``--loop wrap``);
            False writes every clip as CLAMP.

    Returns:
        ``(clip dict, note)``: the note says which loop mode was chosen and why.
    """
    pos = motion.root_pos
    quat = motion.root_quat
    joints, _ = mapping.apply(motion, dof_names)
    loop = motion.loop
    if loop.looping:
        # Closing frame: frame 0 moved by the whole-clip offset (joints repeat).
        pos = np.concatenate([pos, loop.transform_positions(pos[0], loop.num_cycles)[None]])
        quat = np.concatenate([quat, loop.transform_quats(quat[0], loop.num_cycles)[None]])
        joints = np.concatenate([joints, joints[:1]])
        yaw = abs(loop.clip_offset()[1])
        if not wrap:
            mode, note = CLAMP, "CLAMP (--loop clamp)"
        elif yaw > TURN_TOLERANCE:
            mode, note = CLAMP, f"CLAMP: loop turns {yaw:.4f} rad and MimicKit WRAP applies no rotation offset"
        else:
            mode, note = WRAP, "WRAP"
    else:
        mode, note = CLAMP, "CLAMP: clip does not loop"
    expmap = quat_to_expmap(quat_canonical_w_positive(quat))
    frames = np.concatenate([pos, expmap, joints], axis=1)
    return {"loop_mode": mode, "fps": float(motion.fps), "frames": frames.tolist()}, note


def dumps(clip: dict[str, Any]) -> bytes:
    """Pickle a clip dict (protocol 4: plain dict, ints, floats and lists only)."""
    return pickle.dumps(clip, protocol=4)


def mimickit_char_xml(mjcf_text: str) -> str:
    """The MJCF as a MimicKit ``char_file``: every joint gets an explicit ``axis``.

    MimicKit reads ``axis`` from each hinge without MuJoCo's default (0 0 1);
    :func:`robots.mjcf.mjcf_xml` already writes one everywhere, this keeps any
    other MJCF text safe too. The body tree, and so the dof order, is unchanged.
    """
    return explicit_axes(mjcf_text)


def char_folder(robot_name: str, mjcf_text: str, entries: list[dict[str, Any]],
                dataset_prefix: str = "") -> dict[str, str | bytes]:
    """The character and the dataset to write next to the clips, so the folder is self-contained.

    ``<robot>.xml`` is the ``char_file``: :func:`mimickit_char_xml` with every
    mesh copied to ``meshes/`` and referenced by a path relative to the XML,
    which MuJoCo resolves against the XML's folder. ``dataset.yaml`` is
    ``motions: [{file, weight}]``, each file ``dataset_prefix + <clip>.pkl``.

    Args:
        robot_name: Names the XML.
        mjcf_text: The robot's MJCF (:func:`robots.mjcf.mjcf_xml`).
        entries: Manifest entries of the clips (``file``, ``weight``).
        dataset_prefix: Written before each clip file name. MimicKit opens them
            relative to its working directory: empty (default) for running from
            the export folder, else that folder's path as MimicKit sees it (e.g.
            ``data/motions/walks/``).

    Returns:
        ``{path relative to the export folder: content}``: the mesh files (bytes),
        the XML and the dataset (text).

    Raises:
        FileNotFoundError: A mesh of the MJCF does not exist.
    """
    xml, assets = portable_assets(mimickit_char_xml(mjcf_text))
    files: dict[str, str | bytes] = {relative: source.read_bytes() for relative, source in assets.items()}
    files[f"{robot_name}.xml"] = xml
    dataset = {"motions": [{"file": f"{dataset_prefix}{e['file']}", "weight": e["weight"]} for e in entries]}
    files[DATASET_NAME] = yaml.safe_dump(dataset, sort_keys=False)
    return files


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    clip, note = mimickit_clip(motion, mapping, list(run.joint_order), run.wrap)
    return ClipFile(dumps(clip), len(clip["frames"]), note)


def _dof_order(run: ExportRun) -> list[str]:
    return mimickit_dof_names(run.mjcf_xml)


def _sidecars(run: ExportRun, entries: list[dict[str, Any]]) -> dict[str, str | bytes]:
    return char_folder(run.robot.name, run.mjcf_xml, entries, run.dataset_prefix)


FORMAT = register_format(ExportFormat(
    name="mimickit",
    extension=".pkl",
    summary="MimicKit clip pickles, dataset.yaml and the <robot>.xml char_file with its meshes (a movable folder)",
    frames="T frames plus a closing frame for looping clips; WRAP unless the loop turns or --loop clamp",
    write_clip=_write_clip,
    sidecars=_sidecars,
    joint_order=_dof_order,
))
"""The ``mimickit`` export format."""
