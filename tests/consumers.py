"""The training consumers' playback arithmetic, re-implemented from their documented behaviour, and the true pose.

Shared by the exporter compatibility tests (``tests/test_retarget_*.py``). Each
``*_sample`` function does what the consumer's own loader does to a file, with
numpy instead of torch (the files are read as float32, as the loaders do):

* AWD ``AMPLoader`` (rimim/AWD ``awd/utils/bdx/amp_motion_loader.py``): keeps
  ``Frames[:-120]``, forces ``w >= 0`` on each kept root quaternion, sets the
  clip length ``L = round((K - 1) * FrameDuration)`` and maps time ``t`` to frame
  ``t / L * K`` (floor / ceil, clamped to the kept frames); positions, joints and
  velocities blend linearly, the root quaternion by its batch slerp, which does
  **not** take the shorter arc (dot clamped to +-(1 - 1e-6), result normalised).
* mjlab tracking ``MotionLoader``: one frame per env step, no interpolation.
* MimicKit ``MotionLib``: length ``(T - 1) / fps``; WRAP takes the phase modulo
  1 and adds ``floor(t / length) * (end - start)`` (z zeroed) to the root
  position; CLAMP clips the phase to [0, 1]; the root and every hinge are slerped
  as quaternions along the shorter arc (a plain midpoint below a half angle of
  0.001 rad), hinge quaternions taken with ``w >= 0``.
* Isaac Lab ``MotionLoader``: ``i0 = round(t / duration * (T - 1))``,
  ``i1 = min(i0 + 1, T - 1)``, ``blend = round((t - i0 dt) / dt, 5)`` (so
  ``blend`` is in [-0.5, 0.5]), linear blend and a shortest-arc slerp of wxyz.

The true pose these are compared with is in ``tests/truth.py`` (re-exported here).
"""

from __future__ import annotations

import json
import pickle
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from tests.truth import (
    DEG,
    MM,
    angle_between,
    body_poses,
    hermite_truth,
    linear_truth,
    object_velocities,
    qpos_of,
    qvel_of,
    rotated,
)

__all__ = ["DEG", "MM", "angle_between", "awd_load", "awd_sample", "body_poses", "hermite_truth",
           "isaaclab_sample", "linear_truth", "mimickit_hinges", "mimickit_load", "mimickit_sample",
           "object_velocities", "qpos_of", "qvel_of", "rotated"]


# --- AWD -----------------------------------------------------------------------------------------

def awd_load(path: Path) -> dict:
    """The AMPLoader's view of a file: kept frames (float32), w >= 0, length L and the field slices."""
    doc = json.loads(path.read_text())
    offsets, sizes = doc["Frame_offset"][0], doc["Frame_size"][0]
    kept = np.array(doc["Frames"], dtype=np.float64)[:-120]
    rot = slice(offsets["root_quat"], offsets["root_quat"] + 4)
    quat = kept[:, rot] / np.linalg.norm(kept[:, rot], axis=1, keepdims=True)
    kept[:, rot] = np.where(quat[:, 3:4] < 0.0, -quat, quat)
    length = round((kept.shape[0] - 1) * float(doc["FrameDuration"]))
    fields = {name: slice(offsets[name], offsets[name] + sizes[name]) for name in offsets}
    return {"doc": doc, "frames": kept.astype(np.float32), "length": length, "fields": fields}


def _awd_slerp(q0: np.ndarray, q1: np.ndarray, blend: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """AWD's batch quaternion slerp: no shorter-arc flip, dot clamped, linear for all if any pair is degenerate."""
    q0 = q0 / np.linalg.norm(q0, axis=-1, keepdims=True)
    q1 = q1 / np.linalg.norm(q1, axis=-1, keepdims=True)
    dot = np.clip(np.sum(q0 * q1, axis=-1, keepdims=True), -1.0 + eps, 1.0 - eps)
    theta = np.arccos(dot)
    sin = np.sin(theta)
    if np.any(np.abs(sin) < eps):
        out = (1.0 - blend) * q0 + blend * q1
    else:
        out = np.sin((1.0 - blend) * theta) / sin * q0 + np.sin(blend * theta) / sin * q1
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def awd_sample(loaded: dict, times: np.ndarray) -> dict[str, np.ndarray]:
    """``get_motion_state``: phase ``t % L``, frames ``floor/ceil(t / L * K)`` clamped, blended."""
    frames, fields = loaded["frames"].astype(np.float64), loaded["fields"]
    n, length = frames.shape[0], loaded["length"]
    p = np.mod(times, length) / length
    low = np.clip(np.floor(p * n).astype(int), 0, n - 1)
    high = np.clip(np.ceil(p * n).astype(int), 0, n - 1)
    blend = (p * n - low)[:, None]
    out = {name: (1.0 - blend) * frames[low, s] + blend * frames[high, s] for name, s in fields.items()}
    out["root_quat"] = _awd_slerp(frames[low, fields["root_quat"]], frames[high, fields["root_quat"]], blend)
    return out


# --- MimicKit ------------------------------------------------------------------------------------

def mimickit_hinges(char_file: Path) -> list[tuple[str, np.ndarray]]:
    """``MJCFCharModel``'s dof walk: (name, axis) of each one-hinge body, depth first from the root's children."""
    root_body = ET.parse(char_file).getroot().find("worldbody").find("body")
    hinges: list[tuple[str, np.ndarray]] = []

    def walk(node: ET.Element, is_root: bool) -> None:
        if not is_root:
            joints = node.findall("joint")
            assert len(joints) in (0, 1), "spherical and series joints are not exported"
            for j in joints:
                assert j.get("type", "hinge") == "hinge"
                assert not np.any(np.fromstring(j.get("pos") or "0 0 0", dtype=float, sep=" "))
                hinges.append((j.get("name"), np.fromstring(j.get("axis"), dtype=float, sep=" ")))
        for child in node.findall("body"):
            walk(child, False)

    walk(root_body, True)
    return hinges


def mimickit_load(path: Path) -> dict:
    """``motion.load_motion``: the pickle's loop mode, fps and float32 frames."""
    with open(path, "rb") as f:
        d = pickle.load(f)
    assert set(d) == {"loop_mode", "fps", "frames"} and d["loop_mode"] in (0, 1)
    frames = np.array(d["frames"], dtype=np.float32).astype(np.float64)
    return {"loop_mode": d["loop_mode"], "fps": float(d["fps"]), "frames": frames,
            "length": (frames.shape[0] - 1) / float(d["fps"])}


def _mk_slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    cos = np.sum(q0 * q1, axis=-1)
    q1 = np.where((cos < 0.0)[..., None], -q1, q1)
    cos = np.abs(cos)[..., None]
    half = np.arccos(np.clip(cos, -1.0, 1.0))
    sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
    safe = np.where(sin < 1e-12, 1.0, sin)
    t = t[..., None]
    out = np.sin((1.0 - t) * half) / safe * q0 + np.sin(t * half) / safe * q1
    out = np.where(np.abs(sin) < 0.001, 0.5 * q0 + 0.5 * q1, out)
    return np.where(np.abs(cos) >= 1.0, q0, out)


def mimickit_sample(clip: dict, axes: list[np.ndarray], times: np.ndarray) -> dict[str, np.ndarray]:
    """``MotionLib.calc_motion_frame``: root position (with the WRAP offset), root quaternion, hinge angles."""
    frames, n, length = clip["frames"], clip["frames"].shape[0], clip["length"]
    phase = times / length
    if clip["loop_mode"] == 1:
        phase = phase - np.floor(phase)
    phase = np.clip(phase, 0.0, 1.0)
    i0 = (phase * (n - 1)).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    blend = phase * (n - 1) - i0
    root = (1.0 - blend)[:, None] * frames[i0, :3] + blend[:, None] * frames[i1, :3]
    if clip["loop_mode"] == 1:
        delta = frames[-1, :3] - frames[0, :3]
        delta[2] = 0.0
        root = root + np.floor(times / length)[:, None] * delta
    rot = _mk_slerp(Rotation.from_rotvec(frames[i0, 3:6]).as_quat(), Rotation.from_rotvec(frames[i1, 3:6]).as_quat(),
                    blend)
    joints = np.empty((len(times), len(axes)))
    for j, axis in enumerate(axes):
        qa = Rotation.from_rotvec(frames[i0, 6 + j, None] * axis).as_quat()
        qb = Rotation.from_rotvec(frames[i1, 6 + j, None] * axis).as_quat()
        qa, qb = (np.where(q[:, 3:] < 0.0, -q, q) for q in (qa, qb))
        rotvec = Rotation.from_quat(_mk_slerp(qa, qb, blend)).as_rotvec()
        joints[:, j] = rotvec @ axis
    return {"root_pos": root, "root_quat": rot / np.linalg.norm(rot, axis=-1, keepdims=True), "joint_pos": joints}


# --- Isaac Lab -----------------------------------------------------------------------------------

def isaaclab_sample(data: dict[str, np.ndarray], times: np.ndarray) -> dict[str, np.ndarray]:
    """``MotionLoader.sample(times=...)``: nearest frame, blend in [-0.5, 0.5], lerp and wxyz slerp (float32 data)."""
    dt = 1.0 / data["fps"]
    frames = data["dof_positions"].shape[0]
    duration = dt * (frames - 1)
    phase = np.clip(times / duration, 0.0, 1.0)
    i0 = np.round(phase * (frames - 1)).astype(int)
    i1 = np.minimum(i0 + 1, frames - 1)
    blend = np.round((times - i0 * dt) / dt, 5)

    def lerp(x: np.ndarray) -> np.ndarray:
        b = blend.reshape((-1,) + (1,) * (x.ndim - 1))
        return (1.0 - b) * x[i0] + b * x[i1]

    def slerp(q: np.ndarray) -> np.ndarray:  # wxyz
        q0, q1 = q[i0], q[i1].copy()
        cos = np.sum(q0 * q1, axis=-1)
        q1[cos < 0] = -q1[cos < 0]
        cos = np.abs(cos)[..., None]
        half = np.arccos(np.clip(cos, -1.0, 1.0))
        sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
        b = blend[:, None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sin((1.0 - b) * half) / sin * q0 + np.sin(b * half) / sin * q1
        out = np.where(np.abs(sin) < 0.001, 0.5 * q0 + 0.5 * q1, out)
        return np.where(np.abs(cos) >= 1.0, q0, out)

    f = {k: np.asarray(v, dtype=np.float64) for k, v in data.items() if k not in ("dof_names", "body_names")}
    return {"dof_positions": lerp(f["dof_positions"]), "dof_velocities": lerp(f["dof_velocities"]),
            "body_positions": lerp(f["body_positions"]), "body_rotations": slerp(f["body_rotations"]),
            "body_linear_velocities": lerp(f["body_linear_velocities"]),
            "body_angular_velocities": lerp(f["body_angular_velocities"])}


def export_each(walk, factory, clips: dict[str, tuple], fmt: str) -> dict[str, tuple[Path, Path, dict]]:
    """name -> (source clip, exported file, manifest entry): each of ``clips`` exported alone in ``fmt``.

    ``clips`` maps a name to ``(robot, preset, dx, dtheta, with_start)``; ``walk``
    is the session's clip cache and ``factory`` pytest's ``tmp_path_factory``.
    """
    from retarget import retarget

    out = {}
    for name, (robot, preset, dx, dtheta, start) in clips.items():
        source = walk(robot, preset, dx=dx, dtheta=dtheta, length=3.0 if start else 2.0, with_start=start)
        folder = factory.mktemp(f"{fmt}_{name}")
        manifest = retarget(source, folder / "out", robot=robot, format=fmt)
        entry = manifest["motions"][0]
        out[name] = (source, folder / "out" / entry["file"], entry)
    return out


EXPORT_CLIPS = {
    "g1": ("g1", "medium", 0.1, 0.0, False),
    "g1_turn": ("g1", "medium", 0.08, 0.2, False),
    "mini_biped": ("mini_biped", "medium", 0.04, 0.0, False),
    "mini_biped_turn": ("mini_biped", "medium", 0.03, 0.3, False),
    "mini_biped5": ("mini_biped5", "medium", 0.03, 0.0, False),
    "mini_start": ("mini_biped", "medium", 0.03, 0.0, True),
}
"""name -> (robot, preset, dx m, dtheta rad, with_start): the clips the mjlab and Isaac Lab tests export, one per registered robot at least (``tests/test_consumers_clips.py``)."""
