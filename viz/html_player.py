"""Assemble the self-contained HTML pages: meshcat's viewer bundle, the page player and packed data.

A page is one file with everything inlined, so it opens offline from ``file://``:

* meshcat's viewer bundle (``meshcat/viewer/dist/main.min.js``: three.js, orbit
  controls, lights and background), about 0.85 MB;
* ``viz/assets/page.css`` and ``viz/assets/player.js`` (and ``library.js`` on a
  library page);
* the data, one JSON element: ``kind`` (``"clip"`` or ``"library"``),
  ``options`` (initial ``speed``, ``loop``, ``follow``), ``robots`` (name to
  :class:`viz.page_robot.RobotGeometry` payload, written once), ``clips``
  (``name`` and packed payload, :mod:`viz.page_clip`, decoded by the page when
  shown) and, on a library page, ``library`` (:mod:`viz.library_page`).
"""

from __future__ import annotations

import html
from importlib.resources import files
from typing import Any

from viz.page_codec import page_json

__all__ = ["MESHCAT_BUNDLE", "asset", "page_html"]

MESHCAT_BUNDLE = ("meshcat", "viewer/dist/main.min.js")
"""Package and path of meshcat's viewer bundle, which the pages inline."""


def asset(name: str) -> str:
    """The text of ``viz/assets/<name>``."""
    return (files("viz") / "assets" / name).read_text(encoding="utf-8")


def _bundle() -> str:
    package, path = MESHCAT_BUNDLE
    return (files(package) / path).read_text(encoding="utf-8")


def page_html(*, title: str, data: dict[str, Any]) -> str:
    """One self-contained page showing ``data`` (see the module docstring).

    Args:
        title: The page title (escaped here).
        data: The page data; ``data["kind"] == "library"`` adds the library script.

    Returns:
        The HTML text.
    """
    scripts = [_bundle(), asset("player.js")]
    if data.get("kind") == "library":
        scripts.append(asset("library.js"))
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<title>{html.escape(title)}</title>\n<style>\n{asset('page.css')}</style>\n</head>\n",
        "<body>\n<div id=\"gp-root\"></div>\n",
        f"<script type=\"application/json\" id=\"gait-data\">{page_json(data)}</script>\n",
        *(f"<script>\n{script}\n</script>\n" for script in scripts),
        "</body>\n</html>\n",
    ]
    return "".join(parts)
