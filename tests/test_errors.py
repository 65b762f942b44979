"""The error hierarchy: one root in a leaf module, one ``errors.py`` per stage, builtin bases kept."""

from __future__ import annotations

import importlib
import inspect

import pytest

import gait_generator
from motions.errors import GaitGeneratorError

ERROR_MODULES = ("motions.errors", "robots.errors", "gait_generator.errors", "retarget.errors", "validate.errors")

# class -> (module it lives in, builtin or project bases it must keep)
EXPECTED = {
    "GaitGeneratorError": ("motions.errors", (Exception,)),
    "MotionFormatError": ("motions.errors", (ValueError,)),
    "IndexFormatError": ("motions.errors", ("MotionFormatError",)),
    "LibraryError": ("motions.errors", (ValueError,)),
    "OutputError": ("motions.errors", (OSError,)),
    "LockError": ("motions.errors", ("OutputError",)),
    "RobotSpecError": ("robots.errors", (ValueError,)),
    "MeshError": ("robots.errors", ("RobotSpecError",)),
    "UntrustedPathError": ("robots.errors", ("RobotSpecError",)),
    "PresetError": ("gait_generator.errors", (ValueError,)),
    "CommandError": ("gait_generator.errors", (ValueError,)),
    "CommandFileError": ("gait_generator.errors", (ValueError,)),
    "ScheduleError": ("gait_generator.errors", ("CommandFileError",)),
    "PlanningError": ("gait_generator.errors", (RuntimeError,)),
    "ProposalError": ("gait_generator.errors", ("RobotSpecError",)),
    "RetargetError": ("retarget.errors", (ValueError,)),
    "ValidationError": ("validate.errors", ()),
    "ThresholdError": ("validate.errors", ("ValidationError", ValueError)),
    "MotionInputError": ("validate.errors", ("ValidationError", ValueError)),
}


def _classes() -> dict[str, type]:
    found = {}
    for name in ERROR_MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            value = getattr(module, attr)
            assert inspect.isclass(value) and value.__module__ == name, f"{name}.{attr} is defined elsewhere"
            found[attr] = value
    return found


def test_each_errors_module_exports_exactly_the_errors_it_defines() -> None:
    for name in ERROR_MODULES:
        module = importlib.import_module(name)
        defined = {attr for attr, value in vars(module).items()
                   if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name}
        assert set(module.__all__) == defined, name


def test_every_error_lives_where_expected_and_keeps_its_bases() -> None:
    classes = _classes()
    assert set(classes) == set(EXPECTED)
    for name, (module, bases) in EXPECTED.items():
        cls = classes[name]
        assert cls.__module__ == module
        assert issubclass(cls, GaitGeneratorError)
        for base in bases:
            assert issubclass(cls, classes[base] if isinstance(base, str) else base), (name, base)


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"GaitGeneratorError"}))
def test_one_except_clause_catches_every_error(name: str) -> None:
    cls = _classes()[name]
    with pytest.raises(GaitGeneratorError, match="the message is kept"):
        raise cls("the message is kept")


def test_the_generator_package_still_offers_the_common_errors() -> None:
    for name in ("GaitGeneratorError", "PresetError", "CommandError", "RobotSpecError", "MotionFormatError",
                 "PlanningError", "OutputError"):
        assert getattr(gait_generator, name) is _classes()[name]
