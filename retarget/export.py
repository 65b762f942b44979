"""One retarget run: read motions, map joints, resample, write one consumer format.

Output is a directory ``out``: one file per motion (named after the source
file), a format-specific extra (MimicKit: ``dataset.yaml`` and the ``char_file``
``<robot>.xml``; mjlab: ``<robot>_mjlab.yaml`` with the body and joint names)
and ``manifest.json`` (what was written, from which source, the loop choice and
the weight). Everything is written into a temporary
directory next to ``out`` which is swapped into place only when all of it
succeeded: on any error ``out`` is left exactly as it was, and a killed run is
cleaned up (or its previous output restored) by the next (:mod:`retarget.staging`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gait_generator.errors import GaitGeneratorError, RetargetError
from motions import Motion, load
from motions.storage import to_bytes
from motions.atomic import atomic_write_bytes, atomic_write_text
from retarget import awd, gmr, isaaclab, mimickit, mjlab
from retarget.mapping import JointMapping, mimickit_dof_names, resolve_mapping
from retarget.order import load_order
from retarget.resample import resample
from retarget.sources import collect_sources
from retarget.staging import staged_output
from robots import Robot
from robots.resolve import UntrustedPathError, is_robot_name, load_user_robot, names_robot
from robots.mjcf import mjcf_xml

__all__ = ["FORMATS", "LOOP_MODES", "WEIGHTINGS", "MANIFEST_NAME", "retarget", "motion_weights"]

FORMATS = ("mimickit", "awd", "gmr", "mjlab", "motion", "isaaclab")
"""Output formats, the choices of ``--format`` (``motion``: this project's own ``.npz``)."""
LOOP_MODES = ("wrap", "clamp")
"""``wrap``: looping clips loop in the consumer where it can do so exactly; ``clamp``: play once."""
WEIGHTINGS = ("uniform", "balanced")
"""Clip weights: equal, or equal total weight per occupied command cell (both sum to 1)."""
MANIFEST_NAME = "manifest.json"
DEFAULT_FPS = {"mjlab": 50.0}
"""Rate a format is resampled to when no ``fps`` is given: mjlab plays one frame per 50 Hz env step."""
_EXTENSION = {"mimickit": ".pkl", "awd": ".json", "gmr": ".pkl", "mjlab": ".npz", "motion": ".npz", "isaaclab": ".npz"}
_OWN_RATE = ("mjlab", "isaaclab")
"""Formats that sample the motion at their rate themselves (exact rate, Hermite), not via :func:`resample`."""


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name}: {value!r} is not a known choice; expected one of {list(choices)}")
    return value


def motion_weights(motions: list[Motion], robot: Robot, weighting: str) -> list[float]:
    """Sampling weight of each clip; the weights sum to 1.

    ``uniform`` gives every clip ``1 / N``. ``balanced`` divides the per-step
    command space (dx, dy, dtheta) into cells of the robot's sweep grid steps
    (``sweep.xy_step``, ``sweep.theta_step``), gives every occupied cell the same
    total weight and splits it equally among the clips in that cell, so dense
    regions of a sweep do not dominate.
    """
    _choice("weights", weighting, WEIGHTINGS)
    count = len(motions)
    if weighting == "uniform" or count == 0:
        return [1.0 / count] * count
    steps = np.array([robot.spec.sweep.xy_step, robot.spec.sweep.xy_step, robot.spec.sweep.theta_step])
    cells = [
        tuple(np.floor(np.array([m.command.dx, m.command.dy, m.command.dtheta]) / steps + 0.5).astype(int))
        for m in motions
    ]
    members: dict[tuple[int, ...], int] = {}
    for cell in cells:
        members[cell] = members.get(cell, 0) + 1
    return [1.0 / (len(members) * members[cell]) for cell in cells]


def retarget(
    source: str | Path,
    out: str | Path,
    robot: str | Path,
    format: str,
    fps: float | None = None,
    loop: str = "wrap",
    weights: str = "uniform",
    mapping: str | Path | None = None,
    from_robot: str | Path | None = None,
    log: Callable[[str], None] | None = None,
    robots_dirs: Sequence[str | os.PathLike[str]] = (),
    joint_order: str | Path | None = None,
    dataset_prefix: str = "",
) -> dict[str, Any]:
    """Export motions for a training consumer.

    Args:
        source: A motion ``.npz``, a directory of motions, or an ``index.json``
            (entries not ``ok``, or with ``validation.status == "fail"``, are left out).
        out: Output directory (created; replaced only if the run succeeds and
            it is empty or a previous retarget output).
        robot: Target robot name or spec file.
        format: One of :data:`FORMATS`.
        fps: Resample to this rate first (see :mod:`retarget.resample`); None keeps it,
            except for formats with a :data:`DEFAULT_FPS` (mjlab: 50).
        loop: One of :data:`LOOP_MODES`.
        weights: One of :data:`WEIGHTINGS`.
        mapping: Mapping table (the user's); default
            ``<target spec folder>/mappings/<source robot>.yaml`` if present, else
            the identity. The source robot is the motion's ``meta["robot"]``,
            used only as a plain name: a path there is refused, never followed.
        from_robot: If given, the motions are gaits of this robot and are first moved
            onto ``robot`` by scaled keypoint IK (:func:`retarget.transfer.transfer_motion`);
            each entry of the manifest then records its ``retarget_error``.
        log: Called with one line per written clip (and per clean-up of a killed run).
        robots_dirs: The user's robot spec folders, searched for ``robot`` and
            ``from_robot`` names after the registry.
        joint_order: mjlab / isaaclab: the env's joint (and body) order
            (:mod:`retarget.order`); default the robot's.
        dataset_prefix: MimicKit: written before each clip in ``dataset.yaml``.

    Returns:
        The manifest that was written to ``out/manifest.json``.

    Raises:
        ValueError: Unknown format, loop mode or weighting (lists the choices).
        RobotSpecError: Unknown robot.
        MotionFormatError: A motion is missing, truncated or corrupt (names the file).
        RetargetError: Unmapped joint, bad mapping table, unsupported MJCF joint,
            clip too short for AWD.
        OutputError: ``out`` cannot be written or is not ours to replace.
    """
    _choice("format", format, FORMATS)
    _choice("loop", loop, LOOP_MODES)
    _choice("weights", weights, WEIGHTINGS)
    target = load_user_robot(robot, robots_dirs)
    files, excluded = collect_sources(source)
    motions = [load(f) for f in files]  # raises MotionFormatError naming the file before anything is written
    errors: list[dict[str, Any] | None] = [None] * len(motions)
    if from_robot is not None:
        motions, errors = _transfer_all(files, motions, load_user_robot(from_robot, robots_dirs), target,
                                        from_robot)
    fps = DEFAULT_FPS.get(format) if fps is None else fps
    if fps is not None and format not in _OWN_RATE:
        motions = [resample(m, fps) for m in motions]
    if joint_order is not None and format not in _OWN_RATE:
        raise ValueError(f"joint_order: applies to --format {' or '.join(_OWN_RATE)} only, not {format}")
    order = load_order(joint_order, target.joint_names, mjlab.body_names(target)) if format in _OWN_RATE else None
    clip_weights = motion_weights(motions, target, weights)
    wrap = loop == "wrap"
    names = _output_names(files, _EXTENSION[format])
    xml = mjcf_xml(target) if format == "mimickit" else ""
    dof_names = mimickit_dof_names(xml) if format == "mimickit" else list(target.joint_names)
    dof_names = list(order.joints) if order else dof_names
    maps: dict[str | None, JointMapping] = {}
    entries: list[dict[str, Any]] = []
    out_path = Path(out).absolute()
    with staged_output(out_path, is_ours=lambda folder: (folder / MANIFEST_NAME).is_file(), log=log) as stage:
        for file, motion, weight, name, error in zip(files, motions, clip_weights, names, errors):
            source_robot = motion.meta.get("robot")
            if source_robot not in maps:
                if mapping is None and source_robot is not None and not is_robot_name(str(source_robot)):
                    shown = str(source_robot)[:80]
                    raise UntrustedPathError(
                        f"{file}: meta.robot '{shown}' is not a robot name; mapping tables are looked up by robot "
                        "name only (<target spec folder>/mappings/<name>.yaml), never by a path from a file. "
                        "Pass --mapping TABLE.yaml yourself")
                maps[source_robot] = resolve_mapping(target, source_robot, mapping)
            table = maps[source_robot]
            extra: dict[str, Any] = {}
            try:
                if format == "mimickit":
                    clip, note = mimickit.mimickit_clip(motion, table, dof_names, wrap)
                    data, frames = mimickit.dumps(clip), len(clip["frames"])
                elif format == "awd":
                    doc, note = awd.awd_clip(motion, table, dof_names, weight, wrap)
                    data, frames, extra = awd.dumps(doc), len(doc["Frames"]), {"fps": doc["FPS"]}
                elif format == "gmr":
                    clip, note = gmr.gmr_clip(motion, table, target)
                    data, frames = gmr.dumps(clip), len(clip["root_pos"])
                elif format == "mjlab":
                    arrays, note, scale = mjlab.mjlab_clip(motion, table, target, fps, order)
                    data, frames = mjlab.dumps(arrays), len(arrays["joint_pos"])
                    extra = {"fps": fps, "time_scale": scale}
                elif format == "isaaclab":
                    arrays, note, rate = isaaclab.isaaclab_clip(motion, table, target, fps, order)
                    data, frames, extra = isaaclab.dumps(arrays), len(arrays["dof_positions"]), {"fps": rate}
                else:
                    data, frames, note = _motion_bytes(motion, table, target), motion.num_frames, "motion file"
            except GaitGeneratorError as exc:
                raise type(exc)(f"{file}: {exc}") from exc
            atomic_write_bytes(stage / name, data)
            entries.append({
                "file": name,
                "source": str(file.absolute()),
                "frames": frames,
                "fps": extra.get("fps", motion.fps),
                **({"time_scale": extra["time_scale"]} if "time_scale" in extra else {}),
                "weight": weight,
                "note": note,
                "mapping": str(table.path) if table.path else "identity",
                **({"retarget_error": error} if error is not None else {}),
            })
            if log:
                log(f"{name}: {note}")
        if format == "mimickit":
            mimickit.write_char_folder(stage, target.name, xml, entries, dataset_prefix)
        if format == "mjlab":
            config = mjlab.sidecar(target, entries, order)
            atomic_write_text(stage / mjlab.sidecar_name(target), yaml.safe_dump(config, sort_keys=False))
        manifest = {
            "format": format,
            "robot": target.name,
            "loop": loop,
            "weights": weights,
            "joint_order": dof_names,
            "motions": entries,
            "excluded": excluded,
        }
        atomic_write_text(stage / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    return manifest


def _transfer_all(files: list[Path], motions: list[Motion], source: Robot, target: Robot,
                  source_arg: str | os.PathLike[str]) -> tuple[list[Motion], list[dict[str, Any] | None]]:
    """Move every motion from ``source`` (the user's ``source_arg``) onto ``target``; errors name the file."""
    from retarget.transfer import transfer_motion

    out, errors = [], []
    for file, motion in zip(files, motions):
        if motion.meta.get("robot") is not None and not names_robot(str(motion.meta["robot"]), source, source_arg):
            raise RetargetError(f"{file}: motion is for robot '{motion.meta.get('robot')}', not '{source.name}'")
        try:
            moved, _ = transfer_motion(motion, source, target)
        except GaitGeneratorError as exc:
            raise type(exc)(f"{file}: {exc}") from exc
        out.append(moved)
        errors.append(moved.meta["retarget_error"])
    return out, errors


def _motion_bytes(motion: Motion, table: JointMapping, target: Robot) -> bytes:
    """The motion in this project's format, its joints mapped onto the target's."""
    import dataclasses

    joints, joint_vel = table.apply(motion, list(target.joint_names))
    mapped = dataclasses.replace(motion, joint_names=target.joint_names, joint_pos=joints, joint_vel=joint_vel,
                                 joint_acc=None, root_lin_acc=None, root_ang_acc=None,
                                 meta={**motion.meta, "robot": target.name})
    return to_bytes(mapped)


def _output_names(files: list[Path], extension: str) -> list[str]:
    """Output file names: the source stem plus the format's extension, made unique."""
    names: list[str] = []
    seen: set[str] = set()
    for file in files:
        name = file.stem + extension
        i = 1
        while name in seen:
            name = f"{file.stem}_{i}{extension}"
            i += 1
        seen.add(name)
        names.append(name)
    return names
