"""Quaternion helpers, vectorised over leading axes.

Every quaternion in this module, and in this project, is stored in **xyzw**
order (scalar last, the order of ``scipy.spatial.transform.Rotation``).
Convert with :func:`xyzw_to_wxyz` / :func:`wxyz_to_xyzw` only at the boundary to
libraries that use scalar-first order (MuJoCo, placo/pinocchio ``Quaternion``
constructors).

Conventions:
    * A quaternion ``q`` maps body-frame vectors to world-frame vectors:
      ``v_world = matrix_from_quat(q) @ v_body``.
    * Products are Hamilton products, so ``quat_multiply(a, b)`` applies ``b``
      first, then ``a``.
    * Rotation vectors (exp-maps) are ``angle * axis`` in radians; the maps here
      take the representative with ``w >= 0``, so the angle lies in [0, pi].
    * Finite differences take the time axis as axis 0 and the sample rate
      ``fps`` in frames per second; frame ``k`` is at time ``k / fps``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "quat_multiply",
    "quat_conjugate",
    "quat_normalize",
    "quat_from_yaw",
    "yaw_from_quat",
    "quat_from_matrix",
    "matrix_from_quat",
    "quat_make_continuous",
    "quat_canonical_w_positive",
    "quat_to_expmap",
    "expmap_to_quat",
    "quat_slerp",
    "xyzw_to_wxyz",
    "wxyz_to_xyzw",
    "angular_velocity_world",
    "finite_difference",
]

FloatArray = NDArray[np.float64]

# Below this rotation angle (rad) the exp/log maps switch to their Taylor series.
_SMALL_ANGLE = 1e-4


def _as_quat(q: ArrayLike, name: str = "q") -> FloatArray:
    arr = np.asarray(q, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != 4:
        raise ValueError(f"{name}: shape {arr.shape}, expected (..., 4) xyzw quaternions")
    return arr


def quat_multiply(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Hamilton product ``a * b`` of xyzw quaternions (rotation ``b`` then ``a``).

    Args:
        a: Quaternions, shape (..., 4), xyzw.
        b: Quaternions, shape (..., 4), xyzw; broadcast against ``a``.

    Returns:
        The products, shape broadcast(a, b), xyzw.
    """
    a = _as_quat(a, "a")
    b = _as_quat(b, "b")
    av, aw = a[..., :3], a[..., 3:]
    bv, bw = b[..., :3], b[..., 3:]
    v = aw * bv + bw * av + np.cross(av, bv)
    w = aw * bw - np.sum(av * bv, axis=-1, keepdims=True)
    return np.concatenate([v, w], axis=-1)


def quat_conjugate(q: ArrayLike) -> FloatArray:
    """Conjugate (the inverse, for unit quaternions) of xyzw quaternions.

    Args:
        q: Quaternions, shape (..., 4), xyzw.

    Returns:
        ``(-x, -y, -z, w)``, shape (..., 4).
    """
    q = _as_quat(q)
    return np.concatenate([-q[..., :3], q[..., 3:]], axis=-1)


def quat_normalize(q: ArrayLike) -> FloatArray:
    """Scale quaternions to unit norm.

    Args:
        q: Quaternions, shape (..., 4), xyzw.

    Returns:
        Unit quaternions, shape (..., 4).

    Raises:
        ValueError: If any quaternion has zero or non-finite norm.
    """
    q = _as_quat(q)
    norm = np.linalg.norm(q, axis=-1, keepdims=True)
    if not np.all(np.isfinite(norm) & (norm > 0.0)):
        raise ValueError(f"q: shape {q.shape} contains zero or non-finite quaternions")
    return q / norm


def quat_from_yaw(yaw: ArrayLike) -> FloatArray:
    """Rotation about the world z axis by ``yaw``.

    Args:
        yaw: Heading angles in rad, shape (...).

    Returns:
        Unit quaternions ``(0, 0, sin(yaw/2), cos(yaw/2))``, shape (..., 4), xyzw.
    """
    half = 0.5 * np.asarray(yaw, dtype=np.float64)
    zero = np.zeros_like(half)
    return np.stack([zero, zero, np.sin(half), np.cos(half)], axis=-1)


def yaw_from_quat(q: ArrayLike) -> FloatArray:
    """Heading of the body x axis projected on the world xy plane.

    Args:
        q: Unit quaternions, shape (..., 4), xyzw, body to world.

    Returns:
        ``atan2(R[1, 0], R[0, 0])`` in rad, in (-pi, pi], shape (...).
    """
    q = _as_quat(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.arctan2(2.0 * (x * y + w * z), 1.0 - 2.0 * (y * y + z * z))


def quat_from_matrix(matrix: ArrayLike) -> FloatArray:
    """Quaternions from rotation matrices (Shepperd's method).

    Args:
        matrix: Rotation matrices, shape (..., 3, 3), body to world. The result
            is normalised, so slightly non-orthogonal input is tolerated.

    Returns:
        Unit quaternions, shape (...) + (4,), xyzw, with ``w >= 0``.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim < 2 or m.shape[-2:] != (3, 3):
        raise ValueError(f"matrix: shape {m.shape}, expected (..., 3, 3)")
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    trace = m00 + m11 + m22
    # Four candidates, each proportional to q; use the one with the largest
    # divisor (trace or a diagonal entry) for numerical stability.
    candidates = np.stack(
        [
            np.stack([m21 - m12, m02 - m20, m10 - m01, 1.0 + trace], axis=-1),
            np.stack([1.0 + m00 - m11 - m22, m01 + m10, m02 + m20, m21 - m12], axis=-1),
            np.stack([m01 + m10, 1.0 - m00 + m11 - m22, m12 + m21, m02 - m20], axis=-1),
            np.stack([m02 + m20, m12 + m21, 1.0 - m00 - m11 + m22, m10 - m01], axis=-1),
        ],
        axis=-2,
    )
    choice = np.argmax(np.stack([trace, m00, m11, m22], axis=-1), axis=-1)
    quat = np.take_along_axis(candidates, choice[..., None, None], axis=-2)[..., 0, :]
    return quat_canonical_w_positive(quat_normalize(quat))


def matrix_from_quat(q: ArrayLike) -> FloatArray:
    """Rotation matrices from unit quaternions.

    Args:
        q: Unit quaternions, shape (..., 4), xyzw, body to world.

    Returns:
        Rotation matrices, shape (..., 3, 3), with ``v_world = R @ v_body``.
    """
    q = _as_quat(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def quat_make_continuous(q: ArrayLike) -> FloatArray:
    """Flip signs along axis 0 so consecutive quaternions have dot product >= 0.

    The first quaternion is kept as is; every later one is ``q_k`` or ``-q_k``
    (the same rotation), chosen to be on the same side as its predecessor.

    Args:
        q: Quaternion sequence, shape (T, ..., 4), xyzw, time along axis 0.

    Returns:
        The sign-continuous sequence, shape (T, ..., 4).
    """
    q = _as_quat(q)
    if q.ndim < 2:
        raise ValueError(f"q: shape {q.shape}, expected (T, ..., 4)")
    dots = np.sum(q[1:] * q[:-1], axis=-1)
    flips = np.where(dots < 0.0, -1.0, 1.0)
    signs = np.ones(q.shape[:-1])
    signs[1:] = np.cumprod(flips, axis=0)
    return q * signs[..., None]


def quat_canonical_w_positive(q: ArrayLike) -> FloatArray:
    """Pick the representative of each rotation with a non-negative scalar part.

    For a half-turn (``w == 0``) the tie is broken so that the first non-zero
    of x, y, z is positive, making the representative unique.

    Args:
        q: Quaternions, shape (..., 4), xyzw.

    Returns:
        ``q`` or ``-q``, whichever has ``w >= 0``, shape (..., 4).
    """
    q = _as_quat(q)
    sign = np.sign(q[..., 3])
    for axis in (0, 1, 2):
        sign = np.where(sign == 0.0, np.sign(q[..., axis]), sign)
    return q * np.where(sign == 0.0, 1.0, sign)[..., None]


def quat_to_expmap(q: ArrayLike) -> FloatArray:
    """Rotation vectors (logarithm map) of unit quaternions.

    Args:
        q: Unit quaternions, shape (..., 4), xyzw. Either sign is accepted;
            the ``w >= 0`` representative is used.

    Returns:
        ``angle * axis`` in rad, shape (..., 3), with angle in [0, pi].
    """
    q = quat_canonical_w_positive(q)
    v, w = q[..., :3], q[..., 3]
    sin_half = np.linalg.norm(v, axis=-1)
    angle = 2.0 * np.arctan2(sin_half, w)
    small = angle < _SMALL_ANGLE
    # angle / sin(angle / 2), with its Taylor series near zero.
    safe_sin = np.where(small, 1.0, sin_half)
    scale = np.where(small, 2.0 + angle * angle / 12.0, angle / safe_sin)
    return v * scale[..., None]


def expmap_to_quat(v: ArrayLike) -> FloatArray:
    """Unit quaternions (exponential map) of rotation vectors.

    Args:
        v: Rotation vectors ``angle * axis`` in rad, shape (..., 3).

    Returns:
        Unit quaternions, shape (..., 4), xyzw; ``w >= 0`` when the angle is at
        most pi.
    """
    v = np.asarray(v, dtype=np.float64)
    if v.ndim < 1 or v.shape[-1] != 3:
        raise ValueError(f"v: shape {v.shape}, expected (..., 3) rotation vectors")
    angle = np.linalg.norm(v, axis=-1)
    small = angle < _SMALL_ANGLE
    safe_angle = np.where(small, 1.0, angle)
    # sin(angle / 2) / angle, with its Taylor series near zero.
    scale = np.where(small, 0.5 - angle * angle / 48.0, np.sin(0.5 * angle) / safe_angle)
    return np.concatenate([v * scale[..., None], np.cos(0.5 * angle)[..., None]], axis=-1)


def quat_slerp(q0: ArrayLike, q1: ArrayLike, t: ArrayLike) -> FloatArray:
    """Spherical linear interpolation along the shorter arc.

    Computed as ``q0 * exp(t * log(conj(q0) * q1))``.

    Args:
        q0: Start quaternions, shape (..., 4), xyzw, unit.
        q1: End quaternions, shape (..., 4), xyzw, unit.
        t: Interpolation parameters, shape (...), 0 gives ``q0`` and 1 gives
            ``q1`` (up to sign); broadcast against the quaternions' leading axes.

    Returns:
        Interpolated unit quaternions, shape broadcast(q0, q1, t) + (4,).
    """
    q0 = _as_quat(q0, "q0")
    delta = quat_to_expmap(quat_multiply(quat_conjugate(q0), q1))
    t = np.asarray(t, dtype=np.float64)[..., None]
    return quat_multiply(q0, expmap_to_quat(t * delta))


def xyzw_to_wxyz(q: ArrayLike) -> FloatArray:
    """Reorder xyzw quaternions to scalar-first wxyz (MuJoCo's order).

    Args:
        q: Quaternions, shape (..., 4), xyzw.

    Returns:
        The same quaternions, shape (..., 4), wxyz.
    """
    return _as_quat(q)[..., [3, 0, 1, 2]]


def wxyz_to_xyzw(q: ArrayLike) -> FloatArray:
    """Reorder scalar-first wxyz quaternions (MuJoCo's order) to xyzw.

    Args:
        q: Quaternions, shape (..., 4), wxyz.

    Returns:
        The same quaternions, shape (..., 4), xyzw.
    """
    return _as_quat(q)[..., [1, 2, 3, 0]]


def _check_fps(fps: float) -> float:
    fps = float(fps)
    if not (np.isfinite(fps) and fps > 0.0):
        raise ValueError(f"fps: {fps}, expected a finite rate > 0 frames per second")
    return fps


def _check_neighbour(x: FloatArray, value: ArrayLike | None, name: str) -> FloatArray | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != x.shape[1:]:
        raise ValueError(f"{name}: shape {arr.shape}, expected one sample of shape {x.shape[1:]}")
    return arr


def angular_velocity_world(
    quats: ArrayLike,
    fps: float,
    wrap: tuple[ArrayLike, ArrayLike] | None = None,
) -> FloatArray:
    """World-frame angular velocity of a quaternion sequence.

    Inside the sequence ``omega_k = log(q_{k+1} * conj(q_{k-1})) * fps / 2``,
    the rotation vector of the world-frame rotation from frame k-1 to k+1. This
    is exact for a rotation at a constant world-frame rate. At the ends, the
    neighbours in ``wrap`` are used if given (looping clips); otherwise the
    second-order one-sided difference ``(4 log(q_1 q_0*) - log(q_2 q_0*)) * fps/2``
    (mirrored at the last frame), or a first-order one with only two frames.
    Signs of the input do not matter (double cover is handled).

    Args:
        quats: Unit quaternions, shape (T, ..., 4), xyzw, body to world, frame k
            at time k / fps.
        fps: Sample rate in frames per second.
        wrap: Optional ``(q_before_first, q_after_last)``, each of shape
            (..., 4): the true samples at frames -1 and T (for a looping clip,
            frame T-1 and frame 0 moved by the inverse / forward loop offset).

    Returns:
        Angular velocities in rad/s, world frame, shape (T, ..., 3).

    Raises:
        ValueError: On bad shapes, ``fps <= 0``, or fewer than two frames
            without ``wrap``. The rotation between the samples used in one
            difference must stay below pi rad.
    """
    q = _as_quat(quats, "quats")
    fps = _check_fps(fps)
    if q.ndim < 2 or q.shape[0] < 1:
        raise ValueError(f"quats: shape {q.shape}, expected (T, ..., 4) with T >= 1")
    num = q.shape[0]

    def rate(q_to: FloatArray, q_from: FloatArray) -> FloatArray:
        return quat_to_expmap(quat_multiply(q_to, quat_conjugate(q_from)))

    if wrap is not None:
        before = _check_neighbour(q, wrap[0], "wrap[0]")
        after = _check_neighbour(q, wrap[1], "wrap[1]")
        padded = np.concatenate([before[None], q, after[None]], axis=0)
        return rate(padded[2:], padded[:-2]) * (0.5 * fps)
    if num < 2:
        raise ValueError(f"quats: shape {q.shape}, need at least 2 frames without wrap")
    if num == 2:
        omega = rate(q[1], q[0]) * fps
        return np.stack([omega, omega], axis=0)
    out = np.empty(q.shape[:-1] + (3,))
    out[1:-1] = rate(q[2:], q[:-2]) * (0.5 * fps)
    out[0] = (4.0 * rate(q[1], q[0]) - rate(q[2], q[0])) * (0.5 * fps)
    out[-1] = -(4.0 * rate(q[-2], q[-1]) - rate(q[-3], q[-1])) * (0.5 * fps)
    return out


def finite_difference(
    x: ArrayLike,
    fps: float,
    before: ArrayLike | None = None,
    after: ArrayLike | None = None,
) -> FloatArray:
    """Time derivative of a sampled signal by finite differences along axis 0.

    Inside the sequence ``(x_{k+1} - x_{k-1}) * fps / 2``. At each end the given
    neighbour sample is used if any (looping clips), otherwise the second-order
    one-sided difference ``(-3 x_0 + 4 x_1 - x_2) * fps / 2`` (mirrored at the
    last frame), or a first-order one with only two frames. The first frame
    therefore never gets a zero velocity by construction.

    Args:
        x: Samples, shape (T, ...), frame k at time k / fps (e.g. metres or rad).
        fps: Sample rate in frames per second.
        before: Optional sample at frame -1, shape (...).
        after: Optional sample at frame T, shape (...).

    Returns:
        Derivatives in units of ``x`` per second, shape (T, ...).

    Raises:
        ValueError: On bad shapes, ``fps <= 0``, or too few frames to
            difference an end without its neighbour.
    """
    x = np.asarray(x, dtype=np.float64)
    fps = _check_fps(fps)
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"x: shape {x.shape}, expected (T, ...) with T >= 1")
    before_arr = _check_neighbour(x, before, "before")
    after_arr = _check_neighbour(x, after, "after")
    num = x.shape[0]
    if num < 2 and (before_arr is None or after_arr is None):
        raise ValueError(
            f"x: shape {x.shape}, need at least 2 frames unless both neighbours are given"
        )
    # Samples at k - 1 and k + 1; an end without a neighbour gets a placeholder
    # that is overwritten by the one-sided difference below.
    prev = np.concatenate([x[:1] if before_arr is None else before_arr[None], x[:-1]])
    nxt = np.concatenate([x[1:], x[-1:] if after_arr is None else after_arr[None]])
    out = (nxt - prev) * (0.5 * fps)
    if before_arr is None:
        if num == 2:
            out[0] = (x[1] - x[0]) * fps
        else:
            out[0] = (-3.0 * x[0] + 4.0 * x[1] - x[2]) * (0.5 * fps)
    if after_arr is None:
        if num == 2:
            out[-1] = (x[-1] - x[-2]) * fps
        else:
            out[-1] = (3.0 * x[-1] - 4.0 * x[-2] + x[-3]) * (0.5 * fps)
    return out
