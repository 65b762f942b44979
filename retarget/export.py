"""One retarget run: read motions, map joints, resample, write one consumer format.

Output is a directory ``out``: one file per motion (named after the source
file), the format's sidecar files (MimicKit: ``dataset.yaml`` and the
``char_file`` ``<robot>.xml`` with its ``meshes/``; mjlab: ``<robot>_mjlab.yaml``
with the body and joint names) and ``manifest.json`` (what was written, from
which source, at which rate, the loop choice and the weight). Everything is written into a temporary
directory next to ``out`` which is swapped into place only when all of it
succeeded: on any error ``out`` is left exactly as it was, and a killed run is
cleaned up (or its previous output restored) by the next (:mod:`retarget.staging`).

Everything that differs between formats (extension, default rate, frames,
clip and sidecar writers, whether it samples clips itself or takes a
``--joint-order`` file) is the :class:`retarget.formats.ExportFormat` looked up
by name in :data:`retarget.formats.FORMATS`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from motions import Motion, load
from motions.atomic import atomic_write_bytes, atomic_write_text
from motions.errors import GaitGeneratorError
from retarget.errors import RetargetError
from retarget.formats import FORMATS, ExportRun, get_format
from retarget.mapping import JointMapping, resolve_mapping
from retarget.resample import resample
from retarget.sources import collect_sources
from retarget.staging import staged_output
from robots import Robot
from robots.errors import UntrustedPathError
from robots.resolve import is_robot_name, load_user_robot, names_robot

__all__ = ["LOOP_MODES", "MANIFEST_NAME", "WEIGHTINGS", "Transfer", "motion_weights", "retarget"]

LOOP_MODES = ("wrap", "clamp")
"""``wrap``: looping clips loop in the consumer where it can do so exactly; ``clamp``: play once."""
WEIGHTINGS = ("uniform", "balanced")
"""Clip weights: equal, or equal total weight per occupied command cell (both sum to 1)."""
MANIFEST_NAME = "manifest.json"
Transfer = Callable[[Motion, Robot, Robot], tuple[Motion, dict[str, Any]]]
"""Moves a motion from a source robot onto a target robot: ``(motion, source, target) -> (motion, metrics)``."""
Progress = Callable[[str, int, int], None]
"""Told ``(stage, clips done, clips in all)`` as a run goes through its clips."""


def _counted(files: list[Path], stage: str, progress: Progress | None) -> Iterator[Path]:
    """``files``, calling ``progress(stage, done, total)`` once each has been dealt with."""
    for done, file in enumerate(files, 1):
        yield file
        if progress is not None:
            progress(stage, done, len(files))


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
    transfer: Transfer | None = None,
    progress: Progress | None = None,
    joint_order: str | os.PathLike[str] | None = None,
    dataset_prefix: str = "",
) -> dict[str, Any]:
    """Export motions for a training consumer.

    Args:
        source: A motion ``.npz``, a directory of motions, or an ``index.json``
            (entries not ``ok``, or with ``validation.status == "fail"``, are left out).
        out: Output directory (created; replaced only if the run succeeds and
            it is empty or a previous retarget output).
        robot: Target robot name or spec file.
        format: A registered format name, one of :data:`retarget.formats.FORMATS`.
        fps: Export rate (frames/s); None keeps each clip's, except for formats
            with a ``default_fps`` (mjlab: 50). Clips are resampled to it first
            (:mod:`retarget.resample`) unless the format samples them itself
            (``samples_itself``: mjlab, isaaclab; isaaclab then picks its own rate).
        loop: One of :data:`LOOP_MODES`.
        weights: One of :data:`WEIGHTINGS`.
        mapping: Mapping table (the user's); default
            ``<target spec folder>/mappings/<source robot>.yaml`` if present, else
            the identity. The source robot is the motion's ``meta["robot"]``,
            used only as a plain name: a path there is refused, never followed.
        from_robot: If given, the motions are gaits of this robot and are first moved
            onto ``robot`` by ``transfer``; each entry of the manifest then records
            its ``retarget_error``.
        log: Called with one line per written clip (and per clean-up of a killed run).
        robots_dirs: The user's robot spec folders, searched for ``robot`` and
            ``from_robot`` names after the registry.
        transfer: Moves one motion from ``from_robot`` onto ``robot`` (required with
            ``from_robot``): :func:`gait_generator.transfer.transfer_motion`, scaled keypoint
            IK. It is passed in so that exporting never loads the IK.
        progress: Called with ``(stage, done, total)`` after each clip is read
            (``"load"``), moved onto ``robot`` (``"transfer"``) and written (``"write"``).
        joint_order: The consumer env's joint (and body) order file
            (:mod:`retarget.order`), for formats that ``takes_joint_order``
            (mjlab, isaaclab); default the robot's.
        dataset_prefix: Written before each clip in a format's dataset listing
            (MimicKit's ``dataset.yaml``); default none, paths relative to ``out``.

    Returns:
        The manifest that was written to ``out/manifest.json``.

    Raises:
        ValueError: Unknown format, loop mode or weighting (lists the choices),
            ``from_robot`` without ``transfer``, or ``joint_order`` for a format
            that does not take one.
        RobotSpecError: Unknown robot.
        MotionFormatError: A motion is missing, truncated or corrupt (names the file).
        RetargetError: Unmapped joint, bad mapping table or joint order file,
            unsupported MJCF joint, clip without a whole-second span for AWD.
        OutputError: ``out`` cannot be written or is not ours to replace.
    """
    fmt = get_format(format)
    _choice("loop", loop, LOOP_MODES)
    _choice("weights", weights, WEIGHTINGS)
    if from_robot is not None and transfer is None:
        raise ValueError("from_robot: moving gaits onto another robot needs transfer="
                         "gait_generator.transfer.transfer_motion (exporting has no IK of its own)")
    if joint_order is not None and not fmt.takes_joint_order:
        takes = [f.name for f in FORMATS.values() if f.takes_joint_order]
        raise ValueError(f"joint_order: applies to --format {' or '.join(takes)} only, not {fmt.name}")
    target = load_user_robot(robot, robots_dirs)
    files, excluded = collect_sources(source)
    # raises MotionFormatError naming the file before anything is written
    motions = [load(f) for f in _counted(files, "load", progress)]
    errors: list[dict[str, Any] | None] = [None] * len(motions)
    if from_robot is not None:
        motions, errors = _transfer_all(_counted(files, "transfer", progress), motions,
                                        load_user_robot(from_robot, robots_dirs), target, from_robot, transfer)
    fps = fmt.default_fps if fps is None else fps
    if fps is not None and not fmt.samples_itself:
        motions = [resample(m, fps) for m in motions]
    clip_weights = motion_weights(motions, target, weights)
    names = _output_names(files, fmt.extension)
    out_path = Path(out).absolute()
    run = ExportRun(format=fmt, robot=target, wrap=loop == "wrap", out=out_path, fps=fps,
                    joint_order_file=None if joint_order is None else Path(joint_order), dataset_prefix=dataset_prefix)
    order = list(run.joint_order)  # raises RetargetError (joints MimicKit cannot use, bad order file) before any output
    maps: dict[str | None, JointMapping] = {}
    entries: list[dict[str, Any]] = []
    with staged_output(out_path, is_ours=lambda folder: (folder / MANIFEST_NAME).is_file(), log=log) as stage:
        for file, motion, weight, name, error in zip(_counted(files, "write", progress), motions, clip_weights, names,
                                                     errors):
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
            try:
                clip = fmt.write_clip(motion, table, run, weight)
            except GaitGeneratorError as exc:
                if (isinstance(exc, RetargetError) and table.is_identity and from_robot is None
                        and source_robot is not None and not names_robot(str(source_robot), target, robot)
                        and not set(order) <= set(motion.joint_names)):
                    raise RetargetError(f"{file}: motion is for robot '{source_robot}', not '{target.name}', and no "
                                        f"mapping table maps its joints; pass --from-robot {source_robot} to move "
                                        f"the gaits onto {target.name} (or --mapping TABLE.yaml)") from exc
                raise type(exc)(f"{file}: {exc}") from exc
            atomic_write_bytes(stage / name, clip.data)
            entries.append({
                "file": name,
                "source": str(file.absolute()),
                "frames": clip.frames,
                "fps": motion.fps if clip.fps is None else clip.fps,
                **({"time_scale": clip.time_scale} if clip.time_scale is not None else {}),
                "weight": weight,
                "note": clip.note,
                "mapping": str(table.path) if table.path else "identity",
                **({"retarget_error": error} if error is not None else {}),
            })
            if log:
                log(f"{name}: {clip.note}")
        sidecars = fmt.sidecars(run, entries)
        for sidecar, content in sidecars.items():
            path = stage / _sidecar_path(fmt.name, sidecar, names, sidecars)
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                atomic_write_bytes(path, content)
            else:
                atomic_write_text(path, content)
        manifest = {
            "format": fmt.name,
            "robot": target.name,
            "loop": loop,
            "weights": weights,
            "joint_order": order,
            "motions": entries,
            "excluded": excluded,
        }
        atomic_write_text(stage / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    return manifest


def _transfer_all(files: Iterable[Path], motions: list[Motion], source: Robot, target: Robot,
                  source_arg: str | os.PathLike[str], transfer: Transfer
                  ) -> tuple[list[Motion], list[dict[str, Any] | None]]:
    """Move every motion from ``source`` (the user's ``source_arg``) onto ``target``; errors name the file."""
    out, errors = [], []
    for file, motion in zip(files, motions):
        if motion.meta.get("robot") is not None and not names_robot(str(motion.meta["robot"]), source, source_arg):
            raise RetargetError(f"{file}: motion is for robot '{motion.meta.get('robot')}', not '{source.name}'")
        try:
            moved, _ = transfer(motion, source, target)
        except GaitGeneratorError as exc:
            raise type(exc)(f"{file}: {exc}") from exc
        out.append(moved)
        errors.append(moved.meta["retarget_error"])
    return out, errors


def _sidecar_path(format: str, name: str, taken: list[str], sidecars: dict[str, Any]) -> str:
    """``name`` if it is a relative ``/``-separated path inside the output, its first part no clip's and
    not the manifest's, and no other sidecar's folder; else RetargetError."""
    parts = name.split("/")
    if (any(part in ("", ".", "..") or "\\" in part for part in parts) or PurePosixPath(name).is_absolute()
            or parts[0] in (*taken, MANIFEST_NAME) or any(other.startswith(name + "/") for other in sidecars)):
        raise RetargetError(f"format {format!r}: sidecar {name!r} is not a file of its own inside the output")
    return name


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
