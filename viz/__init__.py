"""Preview stage: live meshcat playback, self-contained HTML export and matplotlib plots.

Public API (imported lazily, so ``import viz`` stays cheap):

* :func:`preview_first` - preview the first motion of a generated folder;
* :class:`ClipScene` - the meshcat scene of a clip (robot, footsteps, CoM/ZMP, support, contacts);
* :func:`play` - real-time playback in a ``meshcat.Visualizer``;
* :func:`export_html` / :func:`animation_html` - one offline HTML page with a player for a clip;
* :func:`export_library_html` / :func:`library_html` - one offline HTML page for a whole library;
* :class:`MeshcatServer` - a meshcat server bound to 127.0.0.1 only;
* :mod:`viz.plots` - reusable plots (``motion_figure``, ``coverage_figure``, ``figure_png``).

The command line is ``gait_preview`` (:func:`viz.cli.main`); see ``docs/preview.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "ClipScene",
    "MeshcatServer",
    "animation_html",
    "export_html",
    "export_library_html",
    "library_html",
    "play",
    "plots",
    "preview_first",
]

_WHERE = {
    "ClipScene": "viz.scene",
    "MeshcatServer": "viz.server",
    "animation_html": "viz.export",
    "export_html": "viz.export",
    "export_library_html": "viz.library_page",
    "library_html": "viz.library_page",
    "play": "viz.player",
    "preview_first": "viz.preview",
}


def __getattr__(name: str) -> Any:
    if name == "plots":
        return import_module("viz.plots")
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'viz' has no attribute {name!r}")
