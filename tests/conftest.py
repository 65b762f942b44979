"""Shared fixtures: generated walks cached for the whole test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``walk(robot, preset, dx=0, dtheta=0, length=2.0, with_start=False, yaw=0.0)``: a generated clip's file.

    ``yaw`` turns the clip about the world z axis (:func:`tests.consumers.rotated`), e.g. so that its
    heading crosses +-180 degrees. Each distinct clip is generated once per session.
    """
    import gait_generator
    from tests.consumers import rotated

    folder = tmp_path_factory.mktemp("walks")
    cache: dict[tuple, Path] = {}

    def make(robot: str, preset: str = "medium", dx: float = 0.0, dtheta: float = 0.0, length: float = 2.0,
             with_start: bool = False, yaw: float = 0.0) -> Path:
        key = (robot, preset, dx, dtheta, length, with_start, yaw)
        if key not in cache:
            motion = gait_generator.generate(robot=robot, preset=preset, dx=dx, dtheta=dtheta, length=length,
                                             with_start=with_start)
            if yaw:
                motion = rotated(motion, yaw)
            name = f"{robot}_{preset}_{dx:g}_{dtheta:g}_{length:g}_{int(with_start)}_{yaw:g}".replace("-", "m")
            path = folder / name / f"{name}.npz"
            path.parent.mkdir()
            motion.save(path)
            cache[key] = path
        return cache[key]

    return make
