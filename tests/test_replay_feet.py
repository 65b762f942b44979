"""placo and MuJoCo agree on every registered robot.

A generated clip replayed kinematically in MuJoCo must put the ``left_foot`` /
``right_foot`` sites exactly where the motion stores its soles, stance soles must
sit on the floor, and both models must carry the same total mass.
"""

from __future__ import annotations

import functools

import mujoco
import numpy as np
import placo
import pytest

from gait_generator import generate
from gait_generator.preset import load_preset
from motions import Motion
from robots import Robot, list_robots, load_robot, mjcf

FOOT_TOL = 1e-3  # m, MuJoCo site vs stored sole position
FLOOR_TOL = 1e-3  # m, stance sole height
MASS_RTOL = 0.01  # relative, placo vs MuJoCo total mass
PRESET = "medium"


@functools.cache
def _clip(name: str) -> Motion:
    """A 2 s forward clip (0.6 x the preset's largest forward step)."""
    robot = load_robot(name)
    p = load_preset(robot.spec.presets[PRESET])
    return generate(robot=name, preset=PRESET, dx=0.6 * p.max_dx_forward, length=2.0)


def _replay_sites(robot: Robot, motion: Motion) -> tuple[np.ndarray, np.ndarray]:
    """World positions (T, 3) of the ``left_foot`` and ``right_foot`` sites, frame by frame."""
    model = mjcf.model(robot)
    data = mujoco.MjData(model)
    qpos = mjcf.to_qpos(model, motion.root_pos, motion.root_quat, motion.joint_pos)
    sites = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, s) for s in ("left_foot", "right_foot")]
    assert min(sites) >= 0, "the MuJoCo model lacks a left_foot / right_foot site"
    out = np.empty((2, len(qpos), 3))
    for k, row in enumerate(qpos):
        data.qpos[:] = row
        mujoco.mj_kinematics(model, data)
        for i, site in enumerate(sites):
            out[i, k] = data.site_xpos[site]
    return out[0], out[1]


@pytest.mark.parametrize("name", list_robots())
def test_mujoco_soles_match_the_motion(name: str) -> None:
    robot = load_robot(name)
    motion = _clip(name)
    left, right = _replay_sites(robot, motion)
    for side, got, want in (("left", left, motion.left_foot_pos), ("right", right, motion.right_foot_pos)):
        err = np.linalg.norm(got - want, axis=1)
        assert err.max() <= FOOT_TOL, f"{name}: {side} sole off by {err.max() * 1e3:.3f} mm at frame {err.argmax()}"


@pytest.mark.parametrize("name", list_robots())
def test_stance_soles_are_on_the_floor(name: str) -> None:
    robot = load_robot(name)
    motion = _clip(name)
    left, right = _replay_sites(robot, motion)
    assert motion.contacts.any(axis=0).all(), "each foot should be in stance at least once in 2 s"
    for col, side, sole in ((0, "left", left), (1, "right", right)):
        z = sole[motion.contacts[:, col], 2]
        assert np.abs(z).max() < FLOOR_TOL, f"{name}: {side} stance sole at z = {z[np.abs(z).argmax()]:.2e} m"


@pytest.mark.parametrize("name", list_robots())
def test_placo_and_mujoco_masses_agree(name: str) -> None:
    robot = load_robot(name)
    placo_mass = placo.HumanoidRobot(str(robot.placo_urdf_path), placo.Flags.ignore_collisions).total_mass()
    mujoco_mass = float(mjcf.model(robot).body_subtreemass[0])
    assert mujoco_mass == pytest.approx(placo_mass, rel=MASS_RTOL)
