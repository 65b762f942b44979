"""Export a clip as one self-contained, offline HTML page with a player.

The page (:func:`viz.html_player.page_html`) inlines meshcat's viewer bundle,
the page player and the clip: the robot's geometry once, with decimated meshes
(:mod:`viz.page_robot`), and per frame only the body poses, CoM, ZMP, contacts
and the camera's followed point (:mod:`viz.page_clip`). A 10 s G1 clip page is
about 1.4 MB (meshcat's static export made 10.6 MB). The player has
play/pause, a time slider, a speed control, and a camera that follows the
robot (a smoothed follow of the root's planar position), with a toggle to fix
it; the view orbits with the mouse.

URL hash: ``#t=<seconds>`` (e.g. ``preview.html#t=0.5``) opens the page paused
at that time, for stills and tests; ``follow=0`` starts with the camera fixed
(``#t=1&follow=0``); ``speed=<x>`` sets the speed.
"""

from __future__ import annotations

from pathlib import Path

from motions import Motion
from motions.atomic import atomic_write_text
from motions.errors import OutputError
from robots import Robot
from viz.html_player import page_html
from viz.page_clip import clip_payload
from viz.page_robot import robot_geometry

__all__ = ["animation_html", "export_html"]


def animation_html(
    motion: Motion, robot: Robot, *, repetitions: int = 1, speed: float = 1.0, loop: bool = False,
    name: str | None = None,
) -> str:
    """The page of ``motion``: the robot, its plan and a player.

    Args:
        motion: The clip.
        robot: Its robot.
        repetitions: Repetitions of the clip in the player's timeline, each moved
            by the loop offset (a non-looping clip replays in place).
        speed: Initial playback speed factor (1 = real time), > 0.
        loop: Start with looping on: the timeline replays over and over.
        name: Shown above the player and in the title (default: the robot and preset).

    Returns:
        The HTML text.

    Raises:
        ValueError: ``speed`` <= 0 or ``repetitions`` < 1.
        MotionFormatError: The clip's joints are not the robot's.
    """
    if not speed > 0:
        raise ValueError(f"speed: {speed}, expected > 0")
    name = name or f"{robot.name} {motion.meta.get('preset', '')} clip".replace("  ", " ")
    geometry = robot_geometry(robot)
    data = {
        "kind": "clip",
        "options": {"speed": speed, "loop": loop, "follow": True},
        "robots": {geometry.name: geometry.payload},
        "clips": [{"name": name, "payload": clip_payload(motion, robot, geometry, name=name, repetitions=repetitions)}],
    }
    return page_html(title=f"{name} - gait_preview", data=data)


def export_html(
    motion: Motion, robot: Robot, out: str | Path, *, repetitions: int = 1, speed: float = 1.0, loop: bool = False,
    name: str | None = None,
) -> Path:
    """Write :func:`animation_html` to ``out`` atomically.

    Raises:
        OutputError: ``out``'s folder does not exist or cannot be written.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    html = animation_html(motion, robot, repetitions=repetitions, speed=speed, loop=loop, name=name)
    try:
        return atomic_write_text(out, html)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the HTML preview: {exc}") from exc
