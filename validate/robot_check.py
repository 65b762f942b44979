"""``gait_robot check``: is a robot spec ready to generate motions? One step per question.

Steps, in order (each gives one :class:`Step`, pass or fail, with its key numbers):

* ``spec``: the spec loads against its URDF (:func:`robots.load_robot`) and its
  MuJoCo model compiles (:func:`robots.mjcf.model`); the inertia repairs MuJoCo
  needed (:func:`robots.mjcf.compiler_fixes`) are listed below it;
* ``collisions``: the self-collision setting and the body pairs it excludes
  (:func:`robots.mjcf.excluded_pairs`; informative, it always passes);
* ``stand``: the robot holds its initial posture on its actuators for
  :data:`STAND_SECONDS` (:func:`validate.stand.stand`);
* ``clip <preset>``: per preset, a forward clip at half the preset's
  ``max_dx_forward`` (:data:`CLIP_SECONDS` by default) is generated with
  :func:`gait_generator.generate` and passes :func:`validate.validate_motion`,
  physics replay included.

The HTML preview of ``--html`` is made by the command line
(:mod:`validate.robot_cli`), which sits above ``viz``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from motions import Motion
from motions.errors import GaitGeneratorError
from robots import Robot

__all__ = ["CLIP_SECONDS", "STAND_SECONDS", "Step", "check_clip", "check_collisions", "check_spec", "check_stand"]

STAND_SECONDS = 2.0
"""Simulated time of the stand step (s)."""

CLIP_SECONDS = 4.0
"""Default length of each preset's clip (s; looping clips are rounded to whole cycles)."""


@dataclass(frozen=True)
class Step:
    """Outcome of one check step.

    Attributes:
        name: Step name, e.g. ``"stand"`` or ``"clip medium"``.
        passed: Whether the step passed.
        summary: One line with the key numbers, or why it failed.
        details: Further lines printed indented below the step (e.g. excluded pairs).
    """

    name: str
    passed: bool
    summary: str
    details: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        """The step as report lines: ``ok  <name>  <summary>`` (or ``FAIL``), then the details."""
        head = f"{'ok' if self.passed else 'FAIL':<4}  {self.name:<13} {self.summary}"
        return [head, *(f"{'':<20}{line}" for line in self.details)]


def check_spec(name_or_path: str | Path) -> tuple[Step, Robot | None]:
    """Load the robot and compile its MuJoCo model.

    Args:
        name_or_path: A registered robot name or a spec YAML file.

    Returns:
        The step and the robot (None when it does not load).
    """
    from robots import load_robot, mjcf

    try:
        robot = load_robot(name_or_path)
        model = mjcf.model(robot)
    except GaitGeneratorError as exc:
        return Step("spec", False, str(exc)), None
    mass = float(model.body_subtreemass[0])
    fixes = mjcf.compiler_fixes(robot)
    geometry = robot.spec.collisions.geometry
    summary = (f"{robot.name}: loads; MuJoCo model compiles ({mass:.2f} kg, {len(robot.joint_names)} joints, "
               f"{model.nbody - 1} bodies, presets {', '.join(robot.spec.presets)})"
               + (f"; repaired: {len(fixes)}" if fixes else "")
               + ("; collision geometry: the links' visual geometry" if geometry == "visual" else ""))
    return Step("spec", True, summary, fixes), robot


def check_collisions(robot: Robot) -> Step:
    """Report the self-collision setting and the excluded body pairs (always passes)."""
    from robots import mjcf

    pairs = mjcf.excluded_pairs(robot)
    mode = robot.spec.collisions.mode
    what = {
        "auto": "pairs touching in the initial posture are excluded",
        "none": "no two robot bodies collide",
        "all": "every pair of robot bodies collides",
    }[mode]
    summary = f"self: {mode} ({what}); {len(pairs)} pair{'s' if len(pairs) != 1 else ''} excluded"
    return Step("collisions", True, summary, tuple(p.line() for p in pairs))


def check_stand(robot: Robot, duration: float = STAND_SECONDS) -> Step:
    """Hold the initial posture in MuJoCo for ``duration`` seconds; pass if the robot stays up."""
    from validate.stand import stand

    result = stand(robot, duration)
    numbers = (f"trunk drop {result.trunk_drop_m * 1e3:.1f} mm, CoM drift {result.com_drift_m * 1e3:.1f} mm, "
               f"tilt {result.tilt_deg:.1f} deg")
    if result.stayed_up:
        summary = f"stays up {result.duration_s:.1f} s holding the initial posture: {numbers}"
    else:
        summary = f"falls after {result.simulated_s:.2f} s of {result.duration_s:.1f} s: {numbers}"
    return Step("stand", result.stayed_up, summary)


def check_clip(name_or_path: str | Path, robot: Robot, preset: str,
               length: float = CLIP_SECONDS) -> tuple[Step, Motion | None]:
    """Generate a forward clip of ``preset`` at half its ``max_dx_forward`` and validate it.

    Args:
        name_or_path: The robot as the user gave it (name or spec file); passed on
            to the generator and to the validator, so unregistered robots work.
        robot: The loaded robot.
        preset: One of ``robot.spec.presets``.
        length: Clip length (s).

    Returns:
        The step and the clip (None when generation failed).
    """
    import gait_generator
    from gait_generator.preset import load_preset
    from validate.runner import validate_motion

    name = f"clip {preset}"
    try:
        dx = round(load_preset(robot.spec.presets[preset]).max_dx_forward / 2.0, 3)
        motion = gait_generator.generate(robot=str(name_or_path), preset=preset, dx=dx, length=length)
    except GaitGeneratorError as exc:
        return Step(name, False, f"generation fails: {exc}"), None
    result = validate_motion(motion, robot=str(name_or_path))
    head = f"dx {dx:.3f} m/step, {motion.span:.1f} s: validation {result.status}"
    metrics = next((c.metrics for c in result.checks if c.name == "physics_replay"), None)
    if metrics:
        head += (f" (physics replay: up {metrics['open_loop_survival_s']:.1f} of {metrics['simulated_s']:.1f} s, "
                 f"drift {metrics['open_loop_drift_m']:.3f} m)")
    ok = result.status == "pass"
    return Step(name, ok, head, () if ok else tuple(result.reasons)), motion
