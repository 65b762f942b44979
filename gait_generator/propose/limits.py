"""Swing, crouch, step limits and cadence of a proposed preset, fitted to the URDF's joint ranges and velocities.

Froude scaling carries the reference robot's steps and cadence over, not its
joints: a robot whose ankle dorsiflexes 30 degrees, or whose hip yaw turns at
0.32 rad/s, cannot walk them. A walk *fits* when, solved by
:class:`~gait_generator.propose.stride.StrideModel` (the legs along a steady walk), every
sole target is reached, every leg joint stays :data:`RANGE_MARGIN` inside its
limits, the legs stay :data:`LEG_CLEARANCE` apart, and every leg joint moves at
most :data:`VELOCITY_ROOM` of its URDF velocity limit. Each preset is fitted in
this order, each step only where a joint needs it:

1. **swing**: if the largest forward step does not fit the ranges, it and
   ``foot_height`` are shrunk by one common factor (the walk's geometry made
   smaller, ``foot_height`` not below :data:`MIN_FOOT_HEIGHT`) until the pair
   fits, keeping the scaled crouch (straighter crouches made Romeo's open-loop
   replays fall);
2. **crouch**: only if that factor is below :data:`SWING_KEEP`, the knee bend
   nearest the scaled one (a :data:`CROUCH_STEP` grid up to the reference
   robot's bend) at which the forward step fits, else comes nearest, and the
   factor found there;
3. **cadence**: ``single_support_duration`` is lengthened as far as walking in
   place needs to move the joints slowly enough, and further for the forward and
   backward steps, up to :data:`CADENCE_STRETCH` times the longer of the two
   and at most ``PENDULUM_SPAN / omega`` (``omega^2 = g / com_height``: the
   inverted pendulum diverges as ``exp(omega t)`` in an open-loop replay; joint
   rates scale with the inverse of the single support), but not so far that the
   longer sway takes walking in place out of range. The lateral walk
   stays the scaled one: the double support keeps its duration and the feet come
   closer (down to two sole widths) so that the CoM sways as far as in the scaled
   walk (a longer single support carries it further towards the stance sole).
   Measured on Romeo with 0.59 s of single support: 10 of 18 random clips fell in
   the open-loop replay with the scaled double support ratio and feet spacing,
   3 of 18 with either one changed, 1 of 18 with both (and this crouch rule);
4. **range**: each step limit (``max_dx_forward``, ``max_dx_backward``,
   ``max_dy``, ``max_dtheta``) is the largest fraction of its value whose walk
   (that step alone) fits the ranges and leg clearance;
5. **speed**: step limits too fast at that cadence are shortened until they are
   not;
6. **command range**: the scaled ``command_range`` inside the new limits, then
   shrunk by one common factor until its corners (every combination of its
   bounds: the commands of a random batch that ask most of the legs; the robot
   is taken as mirror-symmetric) fit.

Fractions are found by bisection to 1/64, lengths rounded down to the mm and
angles to the mrad; the single support is rounded up to the ms. Units: m, rad, s.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gait_generator.lipm import GRAVITY
from gait_generator.preset import PRESET_KEYS
from gait_generator.propose.analysis import Analysis
from gait_generator.propose.rules import (
    CADENCE_STRETCH,
    CROUCH_STEP,
    LEG_CLEARANCE,
    MIN_FOOT_HEIGHT,
    PENDULUM_SPAN,
    RANGE_MARGIN,
    SWING_KEEP,
    VELOCITY_ROOM,
)
from gait_generator.propose.stride import Stride, StrideModel, WalkShape

__all__ = ["AXES", "Fit", "fit_preset"]

AXES = {"max_dx_forward": (1.0, 0.0, 0.0), "max_dx_backward": (-1.0, 0.0, 0.0), "max_dy": (0.0, 1.0, 0.0),
        "max_dtheta": (0.0, 0.0, 1.0)}
"""Step limit key -> unit command it scales."""

_BISECTIONS = 6
_SHAPE_KEYS = ("com_height", "foot_height", "single_support_duration", "double_support_ratio", "feet_spacing")
_LONGEST = PRESET_KEYS["single_support_duration"].hi

Command = tuple[float, float, float]


@dataclass
class Fit:
    """What :func:`fit_preset` changed in a preset.

    Attributes:
        changed: Key -> why it changed (only the keys that changed).
        postures: Leg postures (rad) along the walks of the fitted preset's step limits and command range corners.
    """

    changed: dict[str, str] = field(default_factory=dict)
    postures: list[dict[str, float]] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """Header comment lines: what the joints limited (empty when nothing changed)."""
        if not self.changed:
            return []
        return ["Fitted to the joints' ranges and velocity limits (gait_generator/propose/limits.py): "
                + "; ".join(f"{key}: {why}" for key, why in self.changed.items()) + "."]


def _floor(value: float) -> float:
    """``value`` rounded towards zero to 3 decimals."""
    return math.copysign(math.floor(round(abs(value), 6) * 1000.0) / 1000.0, value) + 0.0


def _largest(ok: Callable[[float], bool]) -> float:
    """Largest fraction in [0, 1] (bisection, 1/64) for which ``ok`` holds; 1 if it holds at 1, 0 if nowhere."""
    if ok(1.0):
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


class _Fitter:
    """The walks of one preset's values, solved once each (rules in the module docstring)."""

    def __init__(self, an: Analysis, v: dict[str, Any], held: dict[str, float]) -> None:
        self.an, self.v, self.held = an, v, held
        self.velocity = {j: an.model.info.joints[j].velocity for j in (*an.left.joints, *an.right.joints)}
        self._cache: dict[tuple[Any, ...], Stride] = {}
        self._models: dict[tuple[float, ...], StrideModel] = {}
        self._bends = {v["com_height"]: an.bend_for(v["com_height"])}  # com_height (m) -> knee bend (rad)

    def stride(self, cmd: Command, **changes: float) -> Stride:
        """The walk of ``cmd`` with the preset's values, or with ``changes`` to them."""
        values = {**self.v, **changes}
        shape_key = tuple(values[k] for k in _SHAPE_KEYS)
        key = (tuple(round(c, 9) for c in cmd), *shape_key)
        if key not in self._cache:
            if shape_key not in self._models:
                an = self.an
                bend = self.bend_of(values["com_height"])
                shape = WalkShape(com_height=values["com_height"], single_support=values["single_support_duration"],
                                  bend=bend, foot_height=values["foot_height"], feet_spacing=values["feet_spacing"],
                                  double_support_ratio=values["double_support_ratio"], rise=values["foot_rise_ratio"],
                                  trunk_pitch=math.radians(values["trunk_pitch_deg"]))
                crouch = {**an.bent(an.left, bend), **an.bent(an.right, bend)}
                self._models[shape_key] = StrideModel(an.model, (an.left, an.right), self.held, crouch, shape)
            self._cache[key] = self._models[shape_key].evaluate(key[0])
        return self._cache[key]

    def excess(self, cmd: Command, **changes: float) -> float:
        """How far (rad) the walk of ``cmd`` takes a joint past its range less the margin (inf: a sole missed)."""
        st = self.stride(cmd, **changes)
        return st.range_excess if st.reached else math.inf

    def in_range(self, cmd: Command, **changes: float) -> bool:
        """The walk of ``cmd`` reaches its soles, keeps the joints in range and the legs :data:`LEG_CLEARANCE` apart."""
        return self.excess(cmd, **changes) <= 0.0 and self.stride(cmd, **changes).leg_gap >= LEG_CLEARANCE

    def fits(self, cmd: Command) -> bool:
        """The walk of ``cmd`` is :meth:`in_range` and moves the joints slowly enough."""
        st = self.stride(cmd)
        return (self.in_range(cmd)
                and st.rate_limit(self.velocity)[1] <= VELOCITY_ROOM * self.v["single_support_duration"])

    def walking(self) -> list[dict[str, float]]:
        """Leg postures of the walks solved with the final values, for commands within the final limits."""
        v, out = self.v, []
        final = tuple(v[k] for k in _SHAPE_KEYS)
        bounds = ((-v["max_dx_backward"], v["max_dx_forward"]), (-v["max_dy"], v["max_dy"]),
                  (-v["max_dtheta"], v["max_dtheta"]))
        for key, st in self._cache.items():
            inside = all(lo - 2e-3 <= c <= hi + 2e-3 for c, (lo, hi) in zip(key[0], bounds))
            if key[1:] == final and inside:
                out.extend(st.postures)
        return out

    def scaled(self, key: str, k: float = 1.0) -> Command:
        unit = AXES[key]
        return (unit[0] * k * self.v[key], unit[1] * k * self.v[key], unit[2] * k * self.v[key])

    def bend_of(self, com_height: float) -> float:
        """Knee bend (rad) of the crouch whose CoM is ``com_height`` (m) above the soles."""
        if com_height not in self._bends:
            self._bends[com_height] = self.an.bend_for(com_height)
        return self._bends[com_height]

    def com_at(self, bend: float) -> float:
        """com_height (m, rounded down to the mm) of the crouch with the knees bent ``bend`` rad."""
        com = math.floor(round(self.an.crouch(bend), 4) * 1000.0) / 1000.0
        self._bends.setdefault(com, bend)
        return com


def fit_preset(an: Analysis, v: dict[str, Any], held: dict[str, float], deepest: float, min_spacing: float) -> Fit:
    """Fit one scaled preset's swing, crouch, step limits, cadence and command range to the legs (rules above).

    Args:
        an: The robot's analysis.
        v: The preset's values (keys of ``docs/presets.md``); changed in place.
        held: Angles (rad) of the joints not driven.
        deepest: Deepest knee bend (rad) the crouch may take: the reference robot's at this preset.
        min_spacing: Narrowest ``feet_spacing`` (m): two sole widths.

    Returns:
        What changed and why.
    """
    f = _Fitter(an, v, held)
    fit = Fit()
    _fit_crouch(f, fit, deepest)
    _fit_steps(f, fit, min_spacing)
    _fit_command_range(f, fit)
    fit.postures = f.walking()
    return fit


def _fit_crouch(f: _Fitter, fit: Fit, deepest: float) -> None:
    """Steps 1 and 2: the crouch, and a lower swing (with a shorter step) if no crouch fits the forward step."""
    v = f.v
    h0, step = v["foot_height"], v["max_dx_forward"]
    forward = (step, 0.0, 0.0)
    if f.in_range(forward):
        return
    bend0 = f.bend_of(v["com_height"])

    lowest = min(MIN_FOOT_HEIGHT, h0)

    def shrink(com: float) -> float:
        return _largest(lambda g: f.in_range((g * step, 0.0, 0.0), com_height=com,
                                             foot_height=max(_floor(g * h0), lowest)))

    bend, g = bend0, shrink(v["com_height"])
    if g < SWING_KEEP:
        grid = [float(b) for b in np.arange(CROUCH_STEP, max(deepest, bend0) + 1e-9, CROUCH_STEP)]
        bends = sorted({bend0, *grid}, key=lambda b: (abs(b - bend0), -b))  # nearest the scaled crouch first
        scores = [f.excess(forward, com_height=f.com_at(b)) for b in bends]
        bend = bends[int(np.argmin(scores))]  # the first of equals: nearest the scaled crouch
        fitting = next((b for b, e in zip(bends, scores) if e <= 0.0), None)
        bend, g = (fitting, 1.0) if fitting is not None else (bend, shrink(f.com_at(bend)))
    if bend != bend0:
        v["com_height"] = f.com_at(bend)
        fit.changed["com_height"] = (
            f"knees bent {bend:.2f} rad instead of {bend0:.2f}, the crouch nearest it at which "
            + (f"the largest forward step ({step:g} m) fits the joints' ranges" if g == 1.0 else
               f"the largest forward step ({step:g} m) comes nearest the joints' ranges"))
    if g < 1.0:
        v["foot_height"] = max(_floor(g * h0), lowest)
        joint = f.stride(forward, foot_height=h0).range_joint
        fit.changed["foot_height"] = (f"{h0:g} lowered to {v['foot_height']:g} (x{g:.2f}, with the forward step): "
                                      f"a higher swing takes {joint} within {RANGE_MARGIN:g} rad of its range")


def _sway(com_height: float, single: float, double: float) -> float:
    """Peak lateral CoM excursion over a single support, as a fraction of the stance sole's lateral offset.

    The linear inverted pendulum of :meth:`~gait_generator.propose.stride.StrideModel._sway`: ``single`` and ``double``
    support durations (s).
    """
    omega = math.sqrt(GRAVITY / com_height)
    c = omega * math.tanh(omega * single / 2.0) * double
    return 1.0 - (1.0 - c / (2.0 + c)) / math.cosh(omega * single / 2.0)


def _set_cadence(f: _Fitter, fit: Fit, scaled: tuple[float, float, float], period: float,
                 min_spacing: float) -> None:
    """Lengthen the single support to ``period`` (s), keeping the scaled walk's lateral dynamics.

    The double support keeps its scaled duration (the weight moves across as fast
    as in the scaled walk) and the feet come closer (down to ``min_spacing``) so
    that the CoM sways as far as in the scaled walk: a longer single support
    otherwise carries the CoM further towards the stance sole.

    Args:
        scaled: The scaled single support (s), double support ratio and feet spacing (m).
    """
    v = f.v
    t0, ratio0, spacing0 = scaled
    before = _sway(v["com_height"], t0, ratio0 * t0)
    v["single_support_duration"] = period
    v["double_support_ratio"] = math.floor(ratio0 * t0 / period * 1000.0) / 1000.0
    after = _sway(v["com_height"], period, v["double_support_ratio"] * period)
    v["feet_spacing"] = max(_floor(spacing0 * before / after), min_spacing, 0.0)
    fit.changed["double_support_ratio"] = (f"{ratio0:g} lowered to {v['double_support_ratio']:g} with the longer "
                                           f"single support: the double support keeps its {ratio0 * t0:.3f} s")
    if v["feet_spacing"] < spacing0:
        fit.changed["feet_spacing"] = (
            f"{spacing0:g} narrowed to {v['feet_spacing']:g} with the longer single support, so that the CoM sways "
            f"no farther than at the scaled cadence ({before * spacing0 / 2 * 1000:.0f} mm)"
            + (f", but not below two sole widths ({min_spacing:g} m)" if v["feet_spacing"] == min_spacing else ""))


def _fit_steps(f: _Fitter, fit: Fit, min_spacing: float) -> None:
    """Steps 3 to 5: the cadence (and the lateral walk with it), step limits in range, then slow enough."""
    v = f.v
    t0 = v["single_support_duration"]
    keys = [key for key in AXES if v[key] > 0.0]
    k_range = {key: _largest(lambda k, key=key: f.in_range(f.scaled(key, k))) for key in keys}
    joint, seconds = f.stride((0.0, 0.0, 0.0)).rate_limit(f.velocity)
    still = seconds / VELOCITY_ROOM
    need, which = still, "walking in place"
    omega = math.sqrt(GRAVITY / v["com_height"])
    longest = max(min(CADENCE_STRETCH * max(t0, still), PENDULUM_SPAN / omega), t0, still)
    for key in ("max_dx_forward", "max_dx_backward"):
        if key in keys:
            j, seconds = f.stride(f.scaled(key, k_range[key])).rate_limit(f.velocity)
            if min(seconds / VELOCITY_ROOM, longest) > need:
                need, joint, which = min(seconds / VELOCITY_ROOM, longest), j, f"the {key} step"
    if need > t0:
        scaled, still_cmd = (t0, v["double_support_ratio"], v["feet_spacing"]), (0.0, 0.0, 0.0)
        shortest = max(t0, still)

        def at(period: float) -> float:
            period = min(math.ceil(period * 1000.0) / 1000.0, _LONGEST)
            _set_cadence(f, fit, scaled, period, min_spacing)
            return period

        period, swayed = at(need), ""
        if not f.in_range(still_cmd):  # the longer single support sways the CoM further: keep that in range
            swayed = f" (shorter than the {need:.3f} s it needs: {f.stride(still_cmd).range_joint} keeps its range)"
            k = _largest(lambda k: at(shortest + k * (need - shortest)) > 0.0 and f.in_range(still_cmd))
            period = at(shortest + k * (need - shortest))
        for _ in range(5):  # the walk changes a little with the cadence: check, and lengthen a little more
            if f.fits(still_cmd):
                break
            period = at(period * 1.02)
        fit.changed["single_support_duration"] = (
            f"{t0:g} lengthened to {v['single_support_duration']:g}: {which} moves {joint} at more than "
            f"{VELOCITY_ROOM:.0%} of its velocity limit" + (
                f" (at most {longest:.3f} s: x{CADENCE_STRETCH:g} what walking in place needs, and "
                f"{PENDULUM_SPAN:g} / omega)" if need >= longest - 1e-9 else "")
            + swayed)
        k_range = {key: _largest(lambda k, key=key: f.in_range(f.scaled(key, k))) for key in keys}
    for key in keys:
        k = k_range[key] * _largest(lambda s, key=key: f.fits(f.scaled(key, s * k_range[key])))
        if k < 1.0:
            slow = k < k_range[key]
            st = f.stride(f.scaled(key, k_range[key] if slow else 1.0))
            reason = (f"{st.rate_limit(f.velocity)[0]} under {VELOCITY_ROOM:.0%} of its velocity limit" if slow else
                      f"{st.legs_near[0]} and {st.legs_near[1]} {LEG_CLEARANCE * 1000:g} mm apart"
                      if st.leg_gap < LEG_CLEARANCE and st.range_excess <= 0.0 else
                      f"{st.range_joint} {RANGE_MARGIN:g} rad inside its range")
            new = _floor(k * v[key])
            fit.changed[key] = f"{v[key]:g} shortened to {new:g} to keep {reason}"
            v[key] = new


def _fit_command_range(f: _Fitter, fit: Fit) -> None:
    """Step 6: the command range inside the step limits, shrunk until its corners fit."""
    v = f.v
    cr = v["command_range"]
    bounds = {"dx": (-v["max_dx_backward"], v["max_dx_forward"]), "dy": (-v["max_dy"], v["max_dy"]),
              "dtheta": (-v["max_dtheta"], v["max_dtheta"])}
    for axis, (lo, hi) in bounds.items():
        cr[axis] = [max(cr[axis][0], lo), min(cr[axis][1], hi)]

    def corners_fit(k: float) -> bool:
        # Left and right legs are mirror images: a corner's mirror (dy and dtheta negated) asks the same of the
        # other leg, and every walk is solved with each leg swinging, so the corners with dtheta >= 0 suffice.
        turns = sorted({k * b for b in cr["dtheta"] if b >= 0.0} or {0.0})
        corners = sorted(itertools.product(sorted({k * b for b in cr["dx"]}), sorted({k * b for b in cr["dy"]}),
                                           turns), key=lambda c: -abs(c[0]))
        return all(f.fits(c) for c in corners)

    k = _largest(corners_fit)
    if k < 1.0:
        for axis in cr:
            cr[axis] = [_floor(k * cr[axis][0]), _floor(k * cr[axis][1])]
        fit.changed["command_range"] = f"x{k:.2f}, so that its corners fit the joints too"
