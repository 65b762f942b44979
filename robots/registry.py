"""Registry of built-in robots, keyed by name. The CLIs read their choices from here."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from robots.errors import RobotSpecError
from robots.robot import Robot, validate_robot
from robots.spec import load_spec

__all__ = ["BUILTIN_ROBOTS", "list_robots", "load_robot", "spec_path"]

_HERE = Path(__file__).parent

BUILTIN_ROBOTS: dict[str, Path] = {
    "mini_biped": _HERE / "mini_biped" / "mini_biped.yaml",
    "mini_biped5": _HERE / "mini_biped5" / "mini_biped5.yaml",
    "g1": _HERE / "g1" / "g1.yaml",
}
"""Built-in robot name -> spec file."""


def list_robots() -> list[str]:
    """Names of the built-in robots, sorted."""
    return sorted(BUILTIN_ROBOTS)


def spec_path(name_or_path: str | Path) -> Path:
    """Resolve a registered robot name or a spec file path to the spec file.

    Raises:
        RobotSpecError: Neither a registered name nor an existing ``.yaml`` file.
    """
    key = str(name_or_path)
    if key in BUILTIN_ROBOTS:
        return BUILTIN_ROBOTS[key]
    path = Path(key)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise RobotSpecError(f"{path}: robot spec file not found")
        return path.resolve()
    raise RobotSpecError(f"unknown robot '{key}': expected one of {list_robots()} or a path to a spec .yaml file")


@cache
def _load(path: Path, mtime_ns: int, size: int) -> Robot:
    return validate_robot(load_spec(path))


def load_robot(name_or_path: str | Path) -> Robot:
    """Load (once per process, while the spec file is unchanged) and validate a robot.

    Args:
        name_or_path: A name from :func:`list_robots` or a spec YAML file.

    Raises:
        RobotSpecError: Unknown robot, or an invalid spec (see :mod:`robots.spec`).
    """
    path = spec_path(name_or_path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise RobotSpecError(f"{path}: cannot read robot spec file ({exc.strerror or exc})") from exc
    return _load(path, stat.st_mtime_ns, stat.st_size)
