"""Step timing snapped to whole output frames.

A gait cycle is rarely a whole number of frames (2 x (0.17 s + 18 %) is 24.07
frames at 60 fps). We snap single and double support to whole planner timesteps
of ``substep`` frames each, so every support phase, every step and every cycle
starts exactly on a frame. The adjusted timing is recorded in each motion file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gait_generator.errors import PresetError
from gait_generator.preset import Preset

__all__ = ["FPS_RANGE", "LENGTH_RANGE", "StepTiming", "snap_timing"]

LENGTH_RANGE = (0.1, 3600.0)
"""Allowed clip lengths (s) of :func:`gait_generator.generate`; ``auto_gait_generator`` checks ``-l`` against it
before anything is written."""

FPS_RANGE = (10.0, 1000.0)
"""Allowed output frame rates (Hz) of the generator."""


@dataclass(frozen=True)
class StepTiming:
    """Frame-exact walk timing.

    Attributes:
        fps: Output frame rate (Hz).
        substep: Output frames per planner timestep.
        single_support_frames: Frames on one foot per step.
        double_support_frames: Frames on both feet between steps.
        startend_frames: Frames of the double support that starts or ends a walk from standing.
    """

    fps: float
    substep: int
    single_support_frames: int
    double_support_frames: int
    startend_frames: int

    @property
    def step_frames(self) -> int:
        """Frames per step (single + double support)."""
        return self.single_support_frames + self.double_support_frames

    @property
    def cycle_frames(self) -> int:
        """Frames per gait cycle (two steps)."""
        return 2 * self.step_frames

    @property
    def step_duration(self) -> float:
        """Seconds per step."""
        return self.step_frames / self.fps

    def as_dict(self, preset: Preset) -> dict[str, Any]:
        """Timing record for the file, with what the preset asked for."""
        out = asdict(self)
        out.update(
            single_support_duration=self.single_support_frames / self.fps,
            double_support_duration=self.double_support_frames / self.fps,
            step_duration=self.step_duration,
            cycle_frames=self.cycle_frames,
            requested_single_support_duration=preset.single_support_duration,
            requested_double_support_ratio=preset.double_support_ratio,
        )
        return out

    def describe(self) -> str:
        """One line for the terminal."""
        return (
            f"step timing snapped to frames: single support {self.single_support_frames} frames "
            f"({self.single_support_frames / self.fps:.4f} s), double support {self.double_support_frames} frames "
            f"({self.double_support_frames / self.fps:.4f} s), cycle {self.cycle_frames} frames at {self.fps:g} fps"
        )


def snap_timing(preset: Preset, fps: float) -> StepTiming:
    """Snap a preset's step timing to whole planner timesteps of whole frames.

    Phases are whole multiples of ``substep = round(fps / 30)`` frames (1/30 s at
    60 fps), so the same preset gives the same timing at 60, 120 or 240 fps and a
    clip regenerated at a higher rate holds the same motion.

    Args:
        preset: The walk preset.
        fps: Output frame rate (Hz).

    Raises:
        PresetError: The frame rate is not a number in :data:`FPS_RANGE` (the one check of
            the generator's fps).
    """
    lo, hi = FPS_RANGE
    if not (isinstance(fps, (int, float)) and lo <= fps <= hi):
        shown = fps if isinstance(fps, (int, float)) else f"{fps!r} (not a number)"
        raise PresetError(f"fps = {shown} is outside the allowed range [{lo:g}, {hi:g}]")
    fps = float(fps)
    substep = max(1, round(fps / 30.0))
    ss = max(2 * substep, round(preset.single_support_duration * fps / substep) * substep)
    ds = round(preset.double_support_ratio * ss / substep) * substep
    se = max(substep, round(preset.startend_double_support_ratio * ss / substep) * substep)
    return StepTiming(fps=float(fps), substep=substep, single_support_frames=int(ss), double_support_frames=int(ds),
                      startend_frames=int(se))
