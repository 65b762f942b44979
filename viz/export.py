"""Export a clip as one self-contained, offline HTML file with the animation.

The scene is built in a loopback meshcat server (:class:`viz.server.MeshcatServer`),
animated with :class:`meshcat.animation.Animation` and exported with
``Visualizer.static_html()``, which inlines meshcat's viewer JavaScript and every
scene command. The file needs no network and no other file.

Time hook: opening the file with ``#t=<seconds>`` (e.g. ``preview.html#t=0.5``)
pauses the animation at that time, for stills and tests.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import meshcat
from meshcat.animation import Animation

from gait_generator.errors import OutputError
from motions import Motion
from motions.atomic import atomic_write_text
from robots import Robot
from viz.scene import ClipScene
from viz.server import MeshcatServer

__all__ = ["TIME_HOOK", "animation_html", "export_html"]

TIME_HOOK = """
<script>
// gait_preview: open with #t=<seconds> to pause the animation at that time.
(function () {
  var match = /[#&]t=([0-9.eE+-]+)/.exec(window.location.hash);
  if (!match) { return; }
  var t = parseFloat(match[1]);
  function hold() {
    var animator = window.viewer && window.viewer.animator;
    if (!animator || animator.actions.length === 0) { setTimeout(hold, 20); return; }
    animator.pause();
    animator.seek(t);
    window.gaitPreviewTime = t;
  }
  hold();
})();
</script>
"""
"""Script appended to the exported page (see the module docstring)."""

LOOP_PLAY_REPETITIONS = 1_000_000
"""meshcat repetitions of the baked animation when ``loop`` is set (practically forever)."""


def animation_html(
    motion: Motion, robot: Robot, *, repetitions: int = 1, speed: float = 1.0, loop: bool = False
) -> str:
    """Build the animated scene of ``motion`` and return meshcat's static HTML.

    Args:
        motion: The clip.
        robot: Its robot.
        repetitions: Repetitions of the clip baked into the animation, each moved
            by the loop offset (a non-looping clip replays in place).
        speed: Playback speed factor (1 = real time), > 0.
        loop: Replay the baked animation over and over in the page.

    Returns:
        The HTML text, with :data:`TIME_HOOK` appended.
    """
    if not speed > 0:
        raise ValueError(f"speed: {speed}, expected > 0")
    scene = ClipScene(motion, robot, repetitions=repetitions)
    frames = motion.num_frames
    with MeshcatServer() as server:
        with contextlib.redirect_stdout(io.StringIO()):
            vis = meshcat.Visualizer(zmq_url=server.zmq_url)
        scene.draw(vis)
        anim = Animation(default_framerate=motion.fps * speed)
        state = None
        for n in range(repetitions):
            for k in range(frames):
                target = anim.at_frame(vis, n * frames + k)
                if state is None:
                    scene.hide_support(target)
                state = scene.set_frame(target, k, n, previous=state)
        vis.set_animation(anim, play=True, repetitions=LOOP_PLAY_REPETITIONS if loop else 1)
        html = vis.static_html()
    closing = html.rfind("</body>")
    return html[:closing] + TIME_HOOK + html[closing:]


def export_html(
    motion: Motion, robot: Robot, out: str | Path, *, repetitions: int = 1, speed: float = 1.0, loop: bool = False
) -> Path:
    """Write :func:`animation_html` to ``out`` atomically.

    Raises:
        OutputError: ``out``'s folder does not exist or cannot be written.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    html = animation_html(motion, robot, repetitions=repetitions, speed=speed, loop=loop)
    try:
        return atomic_write_text(out, html)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the HTML preview: {exc}") from exc
