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

Conversions and sign operations are scipy's ``Rotation``: conjugate, normalise,
yaw quaternion and canonical sign give the same bits as the former hand-written
code; matrix to quaternion and quaternion to matrix (used by tests and the
validator only) differ in the last bit, which leaves stored motion files,
exports and validation reports unchanged. The rest stays hand-written because
scipy rounds differently there, which would change stored motion files and
exports (byte-identical output is required); each such function says what was
measured (random unit quaternions, numpy 2.3 and scipy 1.17 on x86-64). Time
derivatives of sampled signals are in :mod:`motions.derivatives`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation

__all__ = [
    "expmap_to_quat",
    "matrix_from_quat",
    "quat_canonical_w_positive",
    "quat_conjugate",
    "quat_from_matrix",
    "quat_from_yaw",
    "quat_make_continuous",
    "quat_multiply",
    "quat_normalize",
    "quat_slerp",
    "quat_to_expmap",
    "wxyz_to_xyzw",
    "xyzw_to_wxyz",
    "yaw_from_quat",
]

FloatArray = NDArray[np.float64]

# Below this rotation angle (rad) the exp/log maps switch to their Taylor series.
_SMALL_ANGLE = 1e-4


def _as_quat(q: ArrayLike, name: str = "q") -> FloatArray:
    arr = np.asarray(q, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != 4:
        raise ValueError(f"{name}: shape {arr.shape}, expected (..., 4) xyzw quaternions")
    return arr


def _rotations(q: FloatArray) -> Rotation:
    """scipy Rotations holding the xyzw quaternions ``q`` (..., 4) exactly as given (not normalised)."""
    # Imported here: scipy.spatial.transform takes about 1 s to import; keeps `import motions` cheap.
    from scipy.spatial.transform import Rotation

    return Rotation(q, normalize=False)


def quat_multiply(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Hamilton product ``a * b`` of xyzw quaternions (rotation ``b`` then ``a``).

    Hand-written: scipy's ``Rotation.__mul__`` sums the scalar part in another
    order and differs in the last bit for 67 % of random pairs (up to 4.4e-16),
    which would change every stored root orientation; it is also about 4x
    slower (200 pairs: 1.3 ms against 0.35 ms).

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
    return _rotations(_as_quat(q)).inv().as_quat()


def quat_normalize(q: ArrayLike) -> FloatArray:
    """Scale quaternions to unit norm.

    Args:
        q: Quaternions, shape (..., 4), xyzw.

    Returns:
        Unit quaternions, shape (..., 4).

    Raises:
        ValueError: If any quaternion has zero or non-finite norm.
    """
    from scipy.spatial.transform import Rotation  # lazy, as in _rotations

    q = _as_quat(q)
    norm = np.linalg.norm(q, axis=-1)
    if not np.all(np.isfinite(norm) & (norm > 0.0)):
        raise ValueError(f"q: shape {q.shape} contains zero or non-finite quaternions")
    return Rotation.from_quat(q).as_quat()


def quat_from_yaw(yaw: ArrayLike) -> FloatArray:
    """Rotation about the world z axis by ``yaw``.

    Args:
        yaw: Heading angles in rad, shape (...).

    Returns:
        Unit quaternions ``(0, 0, sin(yaw/2), cos(yaw/2))``, shape (..., 4), xyzw.
    """
    from scipy.spatial.transform import Rotation  # lazy, as in _rotations

    return Rotation.from_euler("z", np.asarray(yaw, dtype=np.float64)[..., None]).as_quat()


def yaw_from_quat(q: ArrayLike) -> FloatArray:
    """Heading of the body x axis projected on the world xy plane.

    Hand-written: scipy's ``as_euler("ZYX")[..., 0]`` differs for every random
    quaternion (up to 1.5e-13 rad) and is 5 to 15x slower.

    Args:
        q: Unit quaternions, shape (..., 4), xyzw, body to world.

    Returns:
        ``atan2(R[1, 0], R[0, 0])`` in rad, in (-pi, pi], shape (...).
    """
    q = _as_quat(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.arctan2(2.0 * (x * y + w * z), 1.0 - 2.0 * (y * y + z * z))


def quat_from_matrix(matrix: ArrayLike) -> FloatArray:
    """Quaternions from rotation matrices (scipy's ``Rotation.from_matrix``).

    Args:
        matrix: Rotation matrices, shape (..., 3, 3), body to world. Slightly
            non-orthogonal input is tolerated (the nearest rotation is used).

    Returns:
        Unit quaternions, shape (...) + (4,), xyzw, with ``w >= 0``.
    """
    from scipy.spatial.transform import Rotation  # lazy, as in _rotations

    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim < 2 or m.shape[-2:] != (3, 3):
        raise ValueError(f"matrix: shape {m.shape}, expected (..., 3, 3)")
    return Rotation.from_matrix(m).as_quat(canonical=True)


def matrix_from_quat(q: ArrayLike) -> FloatArray:
    """Rotation matrices from unit quaternions (scipy's ``Rotation.as_matrix``).

    Args:
        q: Unit quaternions, shape (..., 4), xyzw, body to world.

    Returns:
        Rotation matrices, shape (..., 3, 3), with ``v_world = R @ v_body``.
    """
    return _rotations(_as_quat(q)).as_matrix()


def quat_make_continuous(q: ArrayLike) -> FloatArray:
    """Flip signs along axis 0 so consecutive quaternions have dot product >= 0.

    The first quaternion is kept as is; every later one is ``q_k`` or ``-q_k``
    (the same rotation), chosen to be on the same side as its predecessor.

    Hand-written: scipy has no sign-continuity helper.

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
    return _rotations(_as_quat(q)).as_quat(canonical=True)


def quat_to_expmap(q: ArrayLike) -> FloatArray:
    """Rotation vectors (logarithm map) of unit quaternions.

    Hand-written: scipy's ``as_rotvec`` differs in the last bit for 32 % of
    random quaternions (up to 8.9e-16), which would change the MimicKit export
    and every stored angular velocity; it is also 2 to 5x slower.

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

    Hand-written: scipy's ``from_rotvec`` switches to its Taylor series at
    1e-3 rad instead of 1e-4 rad and differs for 6 % of angles between 1e-6
    and 1 rad (up to 1.1e-19), which would change resampled exports
    (:func:`quat_slerp`).

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

    Hand-written: scipy's ``Slerp`` interpolates along one sequence rather than
    between pairs, and differs in the last bit for 80 % of random pairs (up to
    5.6e-16), which would change resampled exports.

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
