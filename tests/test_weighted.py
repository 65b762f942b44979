"""Five-joint legs: the weighted frame targets and the exactness of its differenced rates."""

from __future__ import annotations

import numpy as np
import pytest

from gait_generator import generate, weighted


class _Enough(Exception):
    """Raised by a spy once it has seen what its test checks: the rest of the solve is not needed."""


def test_soles_are_stiff_but_a_swinging_sole_eases_its_orientation_in_mid_swing(monkeypatch):
    seen = []
    original = weighted.targets_at

    def spy(timeline, com_traj, preset, frame):
        out = original(timeline, com_traj, preset, frame)
        seen.append((frame, [timeline.swing_progress(frame, side) for side in (0, 1)], out[4]))
        if {round(f) for f, _, _ in seen} >= set(range(timeline.frames + 1)):
            raise _Enough  # every frame of the cycle (one ZMP correction pass) seen
        return out

    monkeypatch.setattr(weighted, "targets_at", spy)
    with pytest.raises(_Enough):
        generate(robot="mini_biped5", preset="medium", dx=0.02, length=1.0)
    for frame, progress, w in seen:
        np.testing.assert_array_equal(w[:, 0], weighted.SOLE_WEIGHT)  # positions always stiff
        for side in (0, 1):
            if progress[side] is None:
                assert w[side, 1] == weighted.SOLE_WEIGHT
            else:
                assert weighted.SWING_ORIENTATION_WEIGHT <= w[side, 1] <= weighted.SOLE_WEIGHT
                if abs(progress[side] - 0.5) < 0.02:
                    assert w[side, 1] < 2 * weighted.SWING_ORIENTATION_WEIGHT
                if min(progress[side], 1 - progress[side]) < 0.02:  # held flat at lift-off and touchdown
                    assert w[side, 1] > 0.9 * weighted.SOLE_WEIGHT


def test_differenced_rates_match_independent_solves_half_a_millisecond_away(monkeypatch):
    checked = []
    original = weighted.solve_frame

    def spy(ik, body, timeline, com_traj, preset, k, first):
        state, rates = original(ik, body, timeline, com_traj, preset, k, first)
        progress = [timeline.swing_progress(k, side) for side in (0, 1)]
        # mid-swing frames (at a lift-off or touchdown the swing target's acceleration jumps)
        if any(p is not None and 0.2 < p < 0.8 for p in progress) and len(checked) < 2:
            now = ik.configuration
            h = 5e-4
            roots = []
            for shift in (-h, 0.0, h):
                targets = weighted.targets_at(timeline, com_traj, preset, k + shift * timeline.fps)
                roots.append(ik.solve_weighted(*targets, 300, 1e-12).root_pos)
            ik.configuration = now
            vel = (roots[2] - roots[0]) / (2 * h)
            acc = (roots[2] - 2 * roots[1] + roots[0]) / h**2
            checked.append((rates.root_lin_vel, vel, rates.root_lin_acc, acc))
            if len(checked) == 2:
                raise _Enough
        return state, rates

    monkeypatch.setattr(weighted, "solve_frame", spy)
    with pytest.raises(_Enough):
        generate(robot="mini_biped5", preset="medium", dx=0.03, length=1.0)
    assert len(checked) == 2
    for vel, fd_vel, acc, fd_acc in checked:
        np.testing.assert_allclose(vel, fd_vel, atol=1e-3 * max(np.abs(fd_vel).max(), 1e-2))
        np.testing.assert_allclose(acc, fd_acc, atol=1e-3 * max(np.abs(fd_acc).max(), 0.1))


def test_a_start_from_standing_is_refused_for_five_joint_legs():
    from gait_generator.errors import CommandError

    with pytest.raises(CommandError, match="with_start is not available for five-joint legs"):
        generate(robot="mini_biped5", preset="medium", dx=0.02, length=2.0, with_start=True)
