"""Stage 3 of generate(): the solved walk in the clip's world frame, tiled or cut, with its footsteps."""

from __future__ import annotations

import numpy as np
import pytest

from motions.rotations import yaw_from_quat
from tests.stages import LENGTH, stages


@pytest.mark.parametrize("with_start", [False, True])
def test_the_clip_starts_under_the_root_heading_along_x(with_start):
    frames = stages(with_start).clip.frames
    np.testing.assert_allclose(frames.root_pos[0, :2], 0.0, atol=1e-12)
    assert abs(float(yaw_from_quat(frames.root_quat[0]))) < 1e-12
    assert np.all(np.sum(frames.root_quat[1:] * frames.root_quat[:-1], axis=1) > 0)  # signs continuous


def test_whole_cycles_repeat_moved_by_the_loop_offset():
    run = stages()
    clip, n = run.clip, run.timing.cycle_frames
    assert clip.loop.looping and clip.loop.cycle_frames == n
    assert clip.loop.num_cycles == round(LENGTH * run.timing.fps / n) == len(clip.frames.root_pos) // n
    frames = clip.frames
    for k in range(1, clip.loop.num_cycles):
        now, later = slice(0, n), slice(k * n, (k + 1) * n)
        for name in ("root_pos", "left", "right", "com"):
            np.testing.assert_allclose(clip.loop.transform_positions(getattr(frames, name)[now], k),
                                       getattr(frames, name)[later], atol=1e-12, err_msg=name)
        for name in ("root_lin_vel", "root_ang_vel", "root_lin_acc", "root_ang_acc"):
            np.testing.assert_allclose(clip.loop.transform_vectors(getattr(frames, name)[now], k),
                                       getattr(frames, name)[later], atol=1e-12, err_msg=name)
        np.testing.assert_allclose(clip.loop.transform_quats(frames.root_quat[now], k), frames.root_quat[later],
                                   atol=1e-12)
        np.testing.assert_array_equal(frames.joints[now], frames.joints[later])
    # The solve's last frame is the next cycle's first: in the clip, frame 0 moved by the loop offset.
    # (A rigid move keeps the distance the root travels over one cycle.)
    solved = run.solve.frames
    travel = np.linalg.norm(clip.loop.transform_positions(frames.root_pos[0], 1) - frames.root_pos[0])
    assert travel == pytest.approx(np.linalg.norm(solved.root_pos[n] - solved.root_pos[0]), abs=1e-6)  # IK closure


@pytest.mark.parametrize("with_start", [False, True])
def test_footsteps_are_where_the_soles_stand(with_start):
    clip = stages(with_start).clip
    steps, frames, fps = clip.footsteps, clip.frames, stages(with_start).timing.fps
    total = len(frames.root_pos)
    assert steps.num_steps > 0 and np.all(np.diff(steps.t_start) >= 0)
    assert np.all(steps.t_end >= 0) and np.all(steps.t_start <= (total - 1) / fps)  # each one planted in the clip
    for side, pos, start, end in zip(steps.side, steps.pos, steps.t_start, steps.t_end):
        planted = np.arange(max(0, round(start * fps)), min(total - 1, round(end * fps)) + 1)
        sole = (frames.left, frames.right)[side][planted]
        np.testing.assert_allclose(sole, np.broadcast_to(pos, sole.shape), atol=1e-5)


def test_a_clip_from_standing_is_cut_at_its_length():
    run = stages(with_start=True)
    assert not run.clip.loop.looping
    assert len(run.clip.frames.root_pos) == round(LENGTH * run.timing.fps) + 1
    assert run.solve.solved_frames > len(run.clip.frames.root_pos)  # the walk stops after the clip
