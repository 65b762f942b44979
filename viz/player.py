"""Live playback of a clip in a meshcat viewer, at real time (or a speed factor).

The frame shown at wall time ``t`` after the start is ``floor(t * speed * fps)``;
frames are skipped rather than slowed down when drawing falls behind. Repetition
``n`` of a looping clip is drawn moved by the loop offset applied ``n`` times,
so the walk continues instead of jumping back to the start.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from motions import Motion
from viz.kinematics import loop_transform
from viz.scene import ClipScene

__all__ = ["play"]


def play(
    scene: ClipScene,
    vis,
    *,
    speed: float = 1.0,
    loop: bool = False,
    max_repetitions: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Play ``scene`` in ``vis`` (a ``meshcat.Visualizer`` the scene was drawn in).

    Args:
        scene: The clip's scene, already sent with ``scene.draw(vis)``.
        vis: The visualizer.
        speed: Playback speed factor, > 0 (1 = real time).
        loop: Keep playing repetitions (until interrupted or ``max_repetitions``).
        max_repetitions: Stop after this many repetitions (None: 1 without
            ``loop``, forever with it).
        clock: Monotonic clock in seconds.
        sleep: Sleep function in seconds.

    Returns:
        Number of frames drawn.
    """
    if not speed > 0:
        raise ValueError(f"speed: {speed}, expected > 0")
    motion: Motion = scene.motion
    frames = motion.num_frames
    limit = max_repetitions if max_repetitions is not None else (None if loop else 1)
    state = None
    shown_rep = 0
    drawn = 0
    start = clock()
    last = -1
    while True:
        index = int((clock() - start) * speed * motion.fps)
        if limit is not None and index >= limit * frames:
            index = limit * frames - 1
            if index == last:
                return drawn
        if index != last:
            rep, k = divmod(index, frames)
            if rep != shown_rep:
                vis[scene.plan_path(0)].set_transform(loop_transform(motion, rep))
                shown_rep = rep
            state = scene.set_frame(vis, k, rep, previous=state)
            drawn += 1
            last = index
        next_time = start + (last + 1) / (speed * motion.fps)
        sleep(max(0.0, next_time - clock()))
