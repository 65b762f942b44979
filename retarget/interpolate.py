"""A motion between its frames: root and joint states at any time, for exporters that resample.

Generated clips store exact positions, velocities and accelerations at every
frame (``docs/motion_format.md``), so the motion between two frames is taken as
the **quintic Hermite** curve that matches all three at both frames (the
validator's ``fps_consistency`` rule); a clip without accelerations (resampled
or re-mapped) uses the cubic Hermite curve through its positions and velocities.

* Root position and joint angles: that curve per coordinate; velocities are its
  derivative, so positions and velocities agree.
* Root orientation (xyzw, body to world): ``q(s) = exp(psi(s)) * q_k`` with
  ``psi`` a world-frame rotation vector from frame ``k`` (``psi(0) = 0``,
  ``psi(1) = log(q_{k+1} q_k^-1)``), the same Hermite curve in ``psi`` with its
  end derivatives mapped through the inverse left Jacobian of SO(3); the world
  angular velocity is ``J_l(psi) psi'``. At the frames the stored angular
  velocity comes back exactly.
* Looping clips continue past their end: time ``t`` is frame time
  ``t - n P`` (``P = T / fps``, the whole clip) moved by ``n`` whole-clip loop
  offsets, and the last interval ends at frame ``T`` (frame 0 moved by one
  offset). Non-looping clips are defined on ``[0, (T - 1) / fps]`` only.

Vectorised with numpy over the sample times (a hot path of the mjlab and
Isaac Lab exporters: tens of thousands of samples per clip).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from motions import Motion
from motions.motion import FPS_RANGE
from motions.rotations import expmap_to_quat, quat_conjugate, quat_multiply, quat_to_expmap

__all__ = ["MotionSampler", "States", "check_rate"]

FloatArray = NDArray[np.float64]

# Hermite basis polynomials on s in [0, 1], coefficients of s^0 .. s^5, one row per weight:
# value 0, h * rate 0, h^2 * acceleration 0, h^2 * acceleration 1, h * rate 1, value 1.
_QUINTIC = np.array([
    [1.0, 0.0, 0.0, -10.0, 15.0, -6.0],
    [0.0, 1.0, 0.0, -6.0, 8.0, -3.0],
    [0.0, 0.0, 0.5, -1.5, 1.5, -0.5],
    [0.0, 0.0, 0.0, 0.5, -1.0, 0.5],
    [0.0, 0.0, 0.0, -4.0, 7.0, -3.0],
    [0.0, 0.0, 0.0, 10.0, -15.0, 6.0],
])
_CUBIC = np.array([
    [1.0, 0.0, -3.0, 2.0, 0.0, 0.0],
    [0.0, 1.0, -2.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, -1.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 3.0, -2.0, 0.0, 0.0],
])


@dataclass(frozen=True)
class States:
    """Root and joint states of a motion at N sample times.

    Attributes:
        times: Clip times, shape (N,), s (frame ``k`` of the clip is at ``k / fps``).
        root_pos: Root position, shape (N, 3), m, world frame.
        root_quat: Root orientation, shape (N, 4), xyzw, body to world.
        root_lin_vel: Root velocity, shape (N, 3), m/s, world frame.
        root_ang_vel: Root angular velocity, shape (N, 3), rad/s, world frame.
        joint_pos: Joint angles, shape (N, J), rad, in the sampler's joint order.
        joint_vel: Joint velocities, shape (N, J), rad/s.
    """

    times: FloatArray
    root_pos: FloatArray
    root_quat: FloatArray
    root_lin_vel: FloatArray
    root_ang_vel: FloatArray
    joint_pos: FloatArray
    joint_vel: FloatArray


def _skew(v: FloatArray) -> FloatArray:
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2], out[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    out[..., 1, 0], out[..., 2, 0], out[..., 2, 1] = v[..., 2], -v[..., 1], v[..., 0]
    return out


def _left_jacobian(phi: FloatArray, inverse: bool = False) -> FloatArray:
    """SO(3) left Jacobian ``J_l(phi)`` (or its inverse), shape (..., 3, 3), with series near 0."""
    theta = np.linalg.norm(phi, axis=-1)[..., None, None]
    small = theta < 1e-4
    t = np.where(small, 1.0, theta)
    k = _skew(phi)
    k2 = k @ k
    if inverse:
        b = np.where(small, 1.0 / 12.0, 1.0 / t**2 - (1.0 + np.cos(t)) / (2.0 * t * np.sin(t)))
        return np.eye(3) - 0.5 * k + b * k2
    a = np.where(small, 0.5 - theta**2 / 24.0, (1.0 - np.cos(t)) / t**2)
    b = np.where(small, 1.0 / 6.0 - theta**2 / 120.0, (t - np.sin(t)) / t**3)
    return np.eye(3) + a * k + b * k2


def _hermite(basis: FloatArray, s: FloatArray, h: float, p0: FloatArray, v0: FloatArray, a0: FloatArray,
             a1: FloatArray, v1: FloatArray, p1: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Value and rate (per second) of the Hermite curve at ``s`` (N,); end data (N, D)."""
    powers = s[:, None] ** np.arange(6)
    slopes = np.zeros_like(powers)
    slopes[:, 1:] = np.arange(1, 6) * s[:, None] ** np.arange(5)
    weights = powers @ basis.T  # (N, 6)
    rates = slopes @ basis.T
    ends = (p0, h * v0, h * h * a0, h * h * a1, h * v1, p1)
    value = sum(weights[:, i, None] * ends[i] for i in range(6))
    rate = sum(rates[:, i, None] * ends[i] for i in range(6)) / h
    return value, rate


def check_rate(fps: float) -> float:
    """``fps`` as a float, if it lies in the motion format's range of rates.

    Raises:
        ValueError: Not a finite number in :data:`motions.motion.FPS_RANGE` (names ``fps`` and the range).
    """
    lo, hi = FPS_RANGE
    value = float(fps)
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"fps: {fps}, expected a rate in [{lo:g}, {hi:g}] frames per second")
    return value


class MotionSampler:
    """Samples a motion's root and (mapped) joint states at arbitrary times (see the module doc).

    Args:
        motion: The clip: root states, loop and rate.
        joint_pos: Joint angles (T, J), rad, in the order the samples should have
            (e.g. a mapping table's output); default the motion's own.
        joint_vel: Joint velocities (T, J), rad/s, matching ``joint_pos``.
        joint_acc: Joint accelerations (T, J), rad/s^2, or None (cubic joints).

    Raises:
        ValueError: The joint arrays do not have T rows, or their shapes differ.
    """

    def __init__(self, motion: Motion, joint_pos: ArrayLike | None = None, joint_vel: ArrayLike | None = None,
                 joint_acc: ArrayLike | None = None) -> None:
        if joint_pos is None:
            joint_pos, joint_vel, joint_acc = motion.joint_pos, motion.joint_vel, motion.joint_acc
        pos = np.asarray(joint_pos, dtype=np.float64)
        vel = np.asarray(joint_vel, dtype=np.float64)
        frames = motion.num_frames
        if pos.ndim != 2 or pos.shape[0] != frames or vel.shape != pos.shape:
            raise ValueError(f"joint_pos {pos.shape} / joint_vel {vel.shape}: expected two ({frames}, J) arrays")
        acc = None if joint_acc is None else np.asarray(joint_acc, dtype=np.float64)
        if acc is not None and acc.shape != pos.shape:
            raise ValueError(f"joint_acc: shape {acc.shape}, expected {pos.shape}")
        self.motion = motion
        self.fps = motion.fps
        self.loop = motion.loop
        self.period = frames / motion.fps if motion.loop.looping else (frames - 1) / motion.fps
        root_acc = motion.root_lin_acc is not None and motion.root_ang_acc is not None
        self.quintic_root = root_acc
        self.quintic_joints = acc is not None
        zeros3 = np.zeros((frames, 3))
        lin_acc = motion.root_lin_acc if root_acc else zeros3
        ang_acc = motion.root_ang_acc if root_acc else zeros3
        zeros_j = np.zeros_like(pos)
        joints_acc = acc if acc is not None else zeros_j
        loop = motion.loop
        if loop.looping:  # knot T: frame 0 one whole-clip offset later
            n = loop.num_cycles

            def close(x: FloatArray, kind: str) -> FloatArray:
                first = x[:1]
                if kind == "pos":
                    first = loop.transform_positions(first, n)
                elif kind == "vec":
                    first = loop.transform_vectors(first, n)
                elif kind == "quat":
                    first = loop.transform_quats(first, n)
                return np.concatenate([x, first])
        else:

            def close(x: FloatArray, kind: str) -> FloatArray:
                return np.concatenate([x, x[-1:]])

        self._root_pos = close(motion.root_pos, "pos")
        self._root_vel = close(motion.root_lin_vel, "vec")
        self._root_acc = close(lin_acc, "vec")
        self._quat = close(motion.root_quat, "quat")
        self._omega = close(motion.root_ang_vel, "vec")
        self._alpha = close(ang_acc, "vec")
        self._joints = close(pos, "")
        self._joint_vel = close(vel, "")
        self._joint_acc = close(joints_acc, "")

    @property
    def duration(self) -> float:
        """Seconds the clip covers: ``T / fps`` for a looping clip (one whole loop), else ``(T - 1) / fps``."""
        return self.period

    def __call__(self, times: ArrayLike) -> States:
        """States at ``times`` (s, clip time).

        Raises:
            ValueError: A time is not finite, or outside ``[0, (T - 1) / fps]``
                for a non-looping clip (the message gives the range).
        """
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if not np.all(np.isfinite(t)):
            raise ValueError("times: not all finite")
        frames, h = self.motion.num_frames, 1.0 / self.fps
        if self.loop.looping:
            wraps = np.floor(t / self.period + 1e-12).astype(np.int64)
            local = np.clip(t - wraps * self.period, 0.0, self.period)
        else:
            span = self.period
            if t.size and (t.min() < -1e-9 or t.max() > span + 1e-9):
                raise ValueError(f"times: [{t.min():.6g}, {t.max():.6g}] s outside the non-looping clip's "
                                 f"[0, {span:.6g}] s")
            wraps = np.zeros(t.shape, dtype=np.int64)
            local = np.clip(t, 0.0, span)
        coord = local * self.fps
        last = frames - 1 if self.loop.looping else max(frames - 2, 0)
        i = np.clip(np.floor(coord + 1e-9).astype(np.int64), 0, last)
        s = np.clip(coord - i, 0.0, 1.0)
        if frames == 1:
            s = np.zeros_like(s)
        j = i + 1
        basis = _QUINTIC if self.quintic_root else _CUBIC
        root_pos, root_vel = _hermite(basis, s, h, self._root_pos[i], self._root_vel[i], self._root_acc[i],
                                      self._root_acc[j], self._root_vel[j], self._root_pos[j])
        q0 = self._quat[i]
        delta = quat_to_expmap(quat_multiply(self._quat[j], quat_conjugate(q0)))
        inv = _left_jacobian(delta, inverse=True)
        rate1 = np.einsum("nij,nj->ni", inv, self._omega[j])
        acc1 = np.einsum("nij,nj->ni", inv, self._alpha[j])
        zero = np.zeros_like(delta)
        psi, psi_rate = _hermite(basis, s, h, zero, self._omega[i], self._alpha[i], acc1, rate1, delta)
        quat = quat_multiply(expmap_to_quat(psi), q0)
        omega = np.einsum("nij,nj->ni", _left_jacobian(psi), psi_rate)
        jbasis = _QUINTIC if self.quintic_joints else _CUBIC
        joints, joint_vel = _hermite(jbasis, s, h, self._joints[i], self._joint_vel[i], self._joint_acc[i],
                                     self._joint_acc[j], self._joint_vel[j], self._joints[j])
        if self.loop.looping and np.any(wraps != 0):
            n = self.loop.num_cycles
            for w in np.unique(wraps[wraps != 0]):
                sel = wraps == w
                root_pos[sel] = self.loop.transform_positions(root_pos[sel], int(w) * n)
                root_vel[sel] = self.loop.transform_vectors(root_vel[sel], int(w) * n)
                omega[sel] = self.loop.transform_vectors(omega[sel], int(w) * n)
                quat[sel] = self.loop.transform_quats(quat[sel], int(w) * n)
        return States(times=t, root_pos=root_pos, root_quat=quat / np.linalg.norm(quat, axis=-1, keepdims=True),
                      root_lin_vel=root_vel, root_ang_vel=omega, joint_pos=joints, joint_vel=joint_vel)
