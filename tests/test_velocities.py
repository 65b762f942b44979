"""motions.velocities: loop-aware central differences agree with the true rates, seam included."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from motions.loop import Loop
from motions.rotations import quat_from_yaw
from motions.velocities import (
    achieved_velocity,
    angular_rate,
    clip_velocities,
    position_rate,
)


def test_constant_turn_is_exact_across_the_seam():
    fps, n, cycles, rate = 60.0, 24, 3, 0.8
    loop = Loop(looping=True, cycle_frames=n, num_cycles=cycles, cycle_offset_pos=np.zeros(3),
                cycle_offset_yaw=rate * n / fps)
    yaw = rate * np.arange(n * cycles) / fps
    w = angular_rate(quat_from_yaw(yaw), fps, loop)
    np.testing.assert_allclose(w, np.tile([0.0, 0.0, rate], (n * cycles, 1)), atol=1e-9)


def test_straight_walk_speed_and_achieved():
    fps, n = 60.0, 24
    loop = Loop(looping=True, cycle_frames=n, num_cycles=2, cycle_offset_pos=np.array([0.1, 0.0, 0.0]))
    pos = np.column_stack([0.1 * np.arange(2 * n) / n, np.zeros(2 * n), np.full(2 * n, 0.2)])
    v = position_rate(pos, fps, loop)
    np.testing.assert_allclose(v, np.tile([0.1 * fps / n, 0.0, 0.0], (2 * n, 1)), atol=1e-12)
    q = np.tile([0.0, 0.0, 0.0, 1.0], (2 * n, 1))
    a = achieved_velocity(q, v, loop, fps)
    assert abs(a.vx - 0.25) < 1e-12 and a.vy == 0.0 and a.yaw_rate == 0.0


def _closed_form_walk(fps: float, cycle_time: float = 0.8, cycles: int = 2):
    """A looping walk with exact rates known in closed form, built without the module under test.

    The root moves like a unicycle (body velocity ``(vx, vy)``, yaw rate ``w``), bobs
    and pitches once per cycle; joints are sinusoids of the cycle. Returns the
    samples, the loop, and the analytic world-frame rates at the samples.
    """
    vx, vy, w, bob, tilt, lean = 0.3, 0.05, 0.6, 0.01, 0.1, -0.05
    beat = 2.0 * np.pi / cycle_time  # rad/s
    n = round(cycle_time * fps)
    t = np.arange(n * cycles) / fps
    yaw = w * t
    c, s = np.cos(yaw), np.sin(yaw)
    xy = np.column_stack([(np.sin(yaw) * vx - (1.0 - np.cos(yaw)) * vy) / w,
                          ((1.0 - np.cos(yaw)) * vx + np.sin(yaw) * vy) / w])
    pos = np.column_stack([xy, 0.3 + bob * np.cos(beat * t)])
    lin = np.column_stack([c * vx - s * vy, s * vx + c * vy, -bob * beat * np.sin(beat * t)])
    pitch = lean + tilt * np.sin(beat * t)
    quat = Rotation.from_euler("ZY", np.column_stack([yaw, pitch])).as_quat()  # xyzw, Rz(yaw) Ry(pitch)
    pitch_rate = tilt * beat * np.cos(beat * t)
    ang = np.column_stack([-s * pitch_rate, c * pitch_rate, np.full_like(t, w)])  # w z + Rz(yaw) y pitch_rate
    amplitude = np.array([0.2, 0.4, 0.6])
    phase = beat * t[:, None] + np.arange(3)
    joints, joint_vel = amplitude * np.sin(phase), amplitude * beat * np.cos(phase)
    end = w * cycle_time
    offset = np.array([(np.sin(end) * vx - (1.0 - np.cos(end)) * vy) / w,
                       ((1.0 - np.cos(end)) * vx + np.sin(end) * vy) / w, 0.0])
    loop = Loop(looping=True, cycle_frames=n, num_cycles=cycles, cycle_offset_pos=offset, cycle_offset_yaw=end)
    return (pos, quat, joints, loop), (lin, ang, joint_vel)


def test_clip_velocities_converge_to_the_analytic_rates_seam_included():
    # Central differences are second order: doubling the frame rate divides the error by 4.
    # The seam frames must be differenced like every other frame: their error equals that of
    # the same frame of the next (or previous) cycle, which has its true neighbours in the clip.
    worst = []
    for fps in (60.0, 120.0):
        (pos, quat, joints, loop), exact = _closed_form_walk(fps)
        n = loop.cycle_frames
        rates = clip_velocities(pos, quat, joints, loop, fps)
        errors = [np.linalg.norm(got - want, axis=1) / np.linalg.norm(want, axis=1).max()
                  for got, want in zip(rates, exact)]
        for name, error in zip(("linear", "angular", "joint"), errors):
            np.testing.assert_allclose(error[[0, -1]], error[[n, n - 1]], rtol=1e-6, err_msg=name)
        worst.append([error.max() for error in errors])
    for name, coarse, fine in zip(("linear", "angular", "joint"), *worst):
        assert coarse < 5e-3, name  # relative to the largest rate: about (2 pi / 48)^2 / 6 at 60 fps
        assert 3.8 < coarse / fine < 4.2, (name, coarse, fine)
