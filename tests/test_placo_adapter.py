"""The placo adapter package: placo is pinned, and nothing outside the package imports it."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gait_generator.placo_adapter import PLACO_VERSION

ROOT = Path(__file__).parents[1]


def _pinned_placo() -> str:
    """The placo version pinned in pyproject.toml's dependencies (``placo==X``)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [m.group(1) for d in deps if (m := re.fullmatch(r"\s*placo\s*==\s*([^\s;,]+)\s*", d))]
    assert len(pins) == 1, f"placo must be pinned exactly once with ==, dependencies: {deps}"
    return pins[0]


def test_the_installed_placo_is_the_pinned_one():
    pinned = _pinned_placo()
    assert importlib.metadata.version("placo") == pinned, "reinstall the project: placo's API changes between releases"
    assert PLACO_VERSION == pinned


def test_only_the_adapter_imports_placo():
    pattern = re.compile(r"^\s*(import placo|from placo)", re.MULTILINE)
    users = sorted(
        p.relative_to(ROOT).as_posix()
        for folder in ("gait_generator", "motions", "robots", "retarget", "validate", "viz")
        for p in (ROOT / folder).rglob("*.py")
        if pattern.search(p.read_text())
    )
    assert users and all(u.startswith("gait_generator/placo_adapter/") for u in users), users


@pytest.mark.parametrize("module", ["retarget", "retarget.export", "gait_generator.dynamics"])
def test_module_does_not_load_placo(module):
    # Exporting (and the pinocchio-only dynamics) must work without loading the IK.
    code = (f"import sys, {module}; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] == 'placo' or m.startswith('gait_generator.placo_adapter')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
