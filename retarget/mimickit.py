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
clip, plus ``dataset.yaml`` (the clips with absolute paths and weights) and
``<robot>.xml`` (the ``char_file``).
"""

from __future__ import annotations

import pickle
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import yaml

from motions import Motion
from motions.rotations import quat_canonical_w_positive, quat_to_expmap
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping, mimickit_dof_names

__all__ = ["CLAMP", "FORMAT", "TURN_TOLERANCE", "WRAP", "dumps", "mimickit_char_xml", "mimickit_clip"]

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
    """The MJCF as a MimicKit ``char_file``: every hinge gets an explicit ``axis``.

    MimicKit reads ``axis`` from each hinge without MuJoCo's default (0 0 1), so
    joints that rely on the default would fail to load; the body tree, and so
    the dof order, is unchanged.
    """
    root = ET.fromstring(mjcf_text)
    for joint in root.iter("joint"):
        if joint.get("type", "hinge") == "hinge" and joint.get("axis") is None:
            joint.set("axis", "0 0 1")
    return ET.tostring(root, encoding="unicode")


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    clip, note = mimickit_clip(motion, mapping, list(run.joint_order), run.wrap)
    return ClipFile(dumps(clip), len(clip["frames"]), note)


def _dof_order(run: ExportRun) -> list[str]:
    return mimickit_dof_names(run.mjcf_xml)


def _sidecars(run: ExportRun, entries: list[dict[str, Any]]) -> dict[str, str]:
    """``<robot>.xml`` (the ``char_file``) and ``dataset.yaml`` (absolute clip paths in the final folder, weights)."""
    dataset = {"motions": [{"file": str(run.out / e["file"]), "weight": e["weight"]} for e in entries]}
    return {
        f"{run.robot.name}.xml": mimickit_char_xml(run.mjcf_xml),
        "dataset.yaml": yaml.safe_dump(dataset, sort_keys=False),
    }


FORMAT = register_format(ExportFormat(
    name="mimickit",
    extension=".pkl",
    summary="MimicKit clip pickles, dataset.yaml and the <robot>.xml char_file",
    frames="T frames plus a closing frame for looping clips; WRAP unless the loop turns or --loop clamp",
    write_clip=_write_clip,
    sidecars=_sidecars,
    joint_order=_dof_order,
))
"""The ``mimickit`` export format."""
