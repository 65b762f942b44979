"""Which robot a name means: the user's choice, or a name read from a file (trust boundary).

A robot named **inside a file** we read (a motion's ``meta["robot"]``, an index's
``robot``) resolves only through the registry (:func:`robots.list_robots`) or
through spec folders the user passed on the command line (``--robots-dir``). A
file never chooses which files on this machine get read: a name that is a path
is refused, unless the user passed that same path as ``--robot``.

A robot the **user** names (``--robot NAME|SPEC.yaml``) is trusted: a registry
name, a name found in the ``--robots-dir`` folders, or a spec file path.

Spec folders are searched in order for ``<dir>/<name>.yaml`` and
``<dir>/<name>/<name>.yaml`` (the registry's own layout); the spec found must
declare that name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from robots.errors import RobotSpecError, UntrustedPathError
from robots.registry import BUILTIN_ROBOTS, list_robots, load_robot
from robots.robot import Robot

__all__ = [
    "find_in_dirs",
    "is_robot_name",
    "load_user_robot",
    "names_robot",
    "robot_named_in_file",
]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def is_robot_name(text: str) -> bool:
    """Whether ``text`` is a plain robot name (letters, digits, ``_ . -``; no path, no ``.yaml``)."""
    return bool(_NAME.fullmatch(text)) and not text.lower().endswith((".yaml", ".yml")) and ".." not in text


def find_in_dirs(name: str, robots_dirs: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The spec file of robot ``name`` in the user's spec folders, or None (``name`` must be plain)."""
    if not is_robot_name(name):
        return None
    for folder in map(Path, robots_dirs):
        for candidate in (folder / f"{name}.yaml", folder / name / f"{name}.yaml"):
            if candidate.is_file():
                return candidate
    return None


def _load_found(name: str, spec: Path) -> Robot:
    robot = load_robot(spec)
    if robot.name != name:
        raise RobotSpecError(f"{spec}: declares robot '{robot.name}', but was found as '{name}' in --robots-dir")
    return robot


def load_user_robot(arg: str | os.PathLike[str], robots_dirs: Sequence[str | os.PathLike[str]] = ()) -> Robot:
    """A robot the user named: a registry name, a name in ``robots_dirs``, or a spec file path.

    Raises:
        RobotSpecError: Unknown name (lists the registered robots and the folders
            searched) or an invalid spec.
    """
    text = str(arg)
    if text in BUILTIN_ROBOTS:
        return load_robot(text)
    found = find_in_dirs(text, robots_dirs)
    if found is not None:
        return _load_found(text, found)
    if is_robot_name(text) and robots_dirs:
        raise RobotSpecError(f"unknown robot '{text}': not registered ({list_robots()}) and not in --robots-dir "
                             f"{[str(d) for d in robots_dirs]}")
    return load_robot(text)


def names_robot(name: str, robot: Robot, user_arg: str | os.PathLike[str]) -> bool:
    """Whether a name read from a file designates ``robot``, the user's ``--robot user_arg``.

    True for the robot's own name, the user's argument verbatim, or a path to
    the same spec file (compared without reading it).
    """
    if name in (robot.name, str(user_arg)):
        return True
    if is_robot_name(name):
        return False
    try:
        return Path(name).expanduser().resolve() == Path(robot.spec.path).resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def robot_named_in_file(name: str, source: str | os.PathLike[str], field: str = "meta.robot",
                        robots_dirs: Sequence[str | os.PathLike[str]] = ()) -> Robot:
    """Resolve a robot name read from ``source`` through the registry and ``robots_dirs`` only.

    Args:
        name: The name found in the file.
        source: The file, for the message.
        field: Where in the file, for the message (``meta.robot``, ``robot``).
        robots_dirs: The user's spec folders (``--robots-dir``).

    Raises:
        UntrustedPathError: ``name`` is a path (never followed).
        RobotSpecError: ``name`` is neither registered nor in ``robots_dirs``.
    """
    if name in BUILTIN_ROBOTS:
        return load_robot(name)
    if not is_robot_name(name):
        shown = name if len(name) <= 80 else name[:77] + "..."
        raise UntrustedPathError(
            f"{source}: {field} '{shown}' is not a robot name; a robot named in a file is looked up only in the "
            f"registry ({', '.join(list_robots())}) and in --robots-dir folders, never as a path. "
            f"Pass --robot {shown} yourself to use that spec")
    found = find_in_dirs(name, robots_dirs)
    if found is None:
        where = f" or in --robots-dir {[str(d) for d in robots_dirs]}" if robots_dirs else ""
        raise RobotSpecError(f"{source}: {field} '{name}' is not a registered robot ({', '.join(list_robots())})"
                             f"{where}; pass --robot NAME|SPEC.yaml or --robots-dir DIR")
    return _load_found(name, found)
