"""motions.velocities: loop-aware central differences agree with the true rates, seam included."""

from __future__ import annotations

import numpy as np

from motions.loop import Loop
from motions.rotations import quat_from_yaw
from motions.synthetic import synthetic_walk
from motions.velocities import achieved_velocity, angular_rate, clip_velocities, position_rate


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


def test_matches_what_a_motion_stores():
    m = synthetic_walk(fps=60, cycle_frames=48, num_cycles=2, yaw_rate=0.3)
    lin, ang, jv = clip_velocities(m.root_pos, m.root_quat, m.joint_pos, m.loop, m.fps)
    np.testing.assert_array_equal(lin, m.root_lin_vel)
    np.testing.assert_array_equal(ang, m.root_ang_vel)
    np.testing.assert_array_equal(jv, m.joint_vel)
