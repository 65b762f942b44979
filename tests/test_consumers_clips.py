"""The exporter compatibility tests' clip set covers every registered robot."""

from __future__ import annotations

from robots import list_robots
from tests.consumers import EXPORT_CLIPS


def test_export_clips_cover_every_registered_robot():
    assert {robot for robot, *_ in EXPORT_CLIPS.values()} == set(list_robots())
