"""Tests for robots.qpos: the floating-base qpos layout, where xyzw meets MuJoCo's wxyz."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from motions.errors import MotionFormatError
from robots.qpos import split_qpos, stack_qpos

_FLOATING = """
<mujoco><worldbody><body name="base"><freejoint name="root"/><geom size="0.1"/>
  <body name="a"><joint name="j0" axis="0 1 0"/><geom size="0.05"/>
    <body name="b"><joint name="j1" axis="1 0 0"/><geom size="0.05"/></body></body>
</body></worldbody></mujoco>
"""


@pytest.fixture(scope="module")
def model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_string(_FLOATING)


def test_stack_stores_the_quaternion_scalar_first_and_split_inverts_it(model: mujoco.MjModel) -> None:
    rng = np.random.default_rng(3)
    pos = rng.normal(size=(5, 3))
    quat = rng.normal(size=(5, 4))
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    joints = rng.normal(size=(5, 2))
    qpos = stack_qpos(model, pos, quat, joints)
    assert qpos.shape == (5, model.nq)
    np.testing.assert_array_equal(qpos[:, 3], quat[:, 3])
    np.testing.assert_array_equal(qpos[:, 4:7], quat[:, 0:3])
    back = split_qpos(model, qpos)
    for got, want in zip(back, (pos, quat, joints)):
        np.testing.assert_array_equal(got, want)


def test_wrong_shapes_and_models_without_a_free_joint_are_refused(model: mujoco.MjModel) -> None:
    with pytest.raises(MotionFormatError, match=r"joint_pos: expected shape \(1, 2\), got \(1, 3\)"):
        stack_qpos(model, [[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 1.0]], [[0.0, 0.0, 0.0]])
    with pytest.raises(MotionFormatError, match="qpos: expected shape"):
        split_qpos(model, np.zeros((2, model.nq + 1)))
    fixed = mujoco.MjModel.from_xml_string('<mujoco><worldbody><body><joint axis="0 0 1"/><geom size="0.1"/></body>'
                                           "</worldbody></mujoco>")
    with pytest.raises(MotionFormatError, match="no free joint"):
        split_qpos(fixed, np.zeros((1, fixed.nq)))
