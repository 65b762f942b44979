"""The package version: one value in gait_generator.version, the same as the installed distribution's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import gait_generator
from gait_generator.version import __version__


def test_version_matches_pyproject_and_the_package() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert __version__ == pyproject["project"]["version"]
    assert gait_generator.__version__ is __version__
