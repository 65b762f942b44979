"""Matplotlib plots of clips and of motion libraries, reusable by other reports.

Every ``plot_*`` function draws into an :class:`~matplotlib.axes.Axes` it is given
and returns it; :func:`motion_figure` and :func:`coverage_figure` lay them out;
:func:`figure_png` turns any figure into PNG bytes. Only the Agg backend is used
(figures are created with :class:`matplotlib.figure.Figure`, never pyplot), so
nothing needs a display. Units: m, rad, s.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from motions import Motion
from motions.config import finite_number
from motions.index import MotionEntry, SkippedCommand
from motions.planar import Planar
from robots.soles import SolePolygons

__all__ = [
    "COVERAGE_PANELS",
    "MOTION_PANELS",
    "LibraryPoint",
    "commanded_velocity",
    "coverage_figure",
    "figure_png",
    "motion_figure",
    "plot_coverage",
    "plot_foot_heights",
    "plot_joint_angles",
    "plot_plan",
    "plot_velocity",
    "step_duration",
]

MOTION_PANELS = ("CoM and ZMP over footsteps", "Joint angles", "Foot heights and contacts", "Commanded vs achieved velocity")
"""Titles of the four panels of :func:`motion_figure`, in order."""

COVERAGE_PANELS = ("Forward velocity vx", "Lateral velocity vy", "Yaw rate")
"""Titles of the panels of :func:`coverage_figure`."""

SIDE_COLOURS = ("#3b7dd8", "#d8553b")
STATUS_COLOURS = {"ok": "#1fa34a", "passed": "#1fa34a", "pass": "#1fa34a", "failed": "#d62728",
                  "fail": "#d62728", "skipped": "#7f7f7f", "unvalidated": "#1f77b4"}


def _heading_yaw(quat_xyzw: np.ndarray) -> np.ndarray:
    """Yaw (rad) of each body x axis projected on the ground; quaternions xyzw."""
    x, y, z, w = quat_xyzw.T
    return np.arctan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def step_duration(motion: Motion) -> float:
    """Duration of one step (s): ``meta["timing"]["step_duration"]``, else the median footstep spacing."""
    timing = motion.meta.get("timing")
    value = timing.get("step_duration") if isinstance(timing, dict) else None  # meta is read from a file: check it
    if finite_number(value) and value > 0.0:
        return float(value)
    starts = np.sort(motion.footsteps.t_start)
    gaps = np.diff(starts)
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.size else float("nan")


def commanded_velocity(motion: Motion) -> tuple[float, float, float]:
    """The command as velocities: (dx, dy, dtheta) per step divided by the step duration (m/s, m/s, rad/s)."""
    duration = step_duration(motion)
    c = motion.command
    return c.dx / duration, c.dy / duration, c.dtheta / duration


def plot_plan(ax: Axes, motion: Motion, soles: SolePolygons | None = None) -> Axes:
    """CoM and ZMP in the ground plane over the planned footsteps (left blue, right red).

    Each footstep is drawn as its sole's contact polygon (``soles``, from the robot's
    collision geometry, :func:`robots.soles.sole_polygons`), or as a 0.1 x 0.05 m
    rectangle when no robot is at hand.
    """
    default = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]]) * [0.05, 0.025]
    steps = motion.footsteps
    for i in range(steps.num_steps):
        outline = soles.side(int(steps.side[i])) if soles is not None else default
        corners = Planar(steps.pos[i, 0], steps.pos[i, 1], steps.yaw[i]).apply(outline)
        colour = SIDE_COLOURS[int(steps.side[i])]
        ax.add_patch(Polygon(corners, closed=True, facecolor=colour, alpha=0.2, edgecolor=colour))
    ax.plot(motion.com_pos[:, 0], motion.com_pos[:, 1], color="#1fa34a", label="CoM")
    ax.plot(motion.zmp[:, 0], motion.zmp[:, 1], color="#b03bd8", label="ZMP")
    ax.plot([], [], color=SIDE_COLOURS[0], label="left steps")
    ax.plot([], [], color=SIDE_COLOURS[1], label="right steps")
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(MOTION_PANELS[0])
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_joint_angles(ax: Axes, motion: Motion, joints: Sequence[str] | None = None) -> Axes:
    """Joint angles over time; by default every joint that moves (range > 1e-6 rad)."""
    names = list(joints) if joints is not None else [
        n for n in motion.joint_names if np.ptp(motion.joint(n)) > 1e-6
    ]
    for name in names:
        ax.plot(motion.times, motion.joint(name), label=name, linewidth=1.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("angle (rad)")
    ax.set_title(MOTION_PANELS[1])
    if names:
        ax.legend(loc="upper right", fontsize="xx-small", ncol=2)
    return ax


def _contact_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) frame runs where ``flags`` is true."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2], edges[1::2]))


def plot_foot_heights(ax: Axes, motion: Motion) -> Axes:
    """Sole heights over time with each foot's contact phases shaded in its colour."""
    dt = 1.0 / motion.fps
    for side, (name, pos) in enumerate((("left", motion.left_foot_pos), ("right", motion.right_foot_pos))):
        ax.plot(motion.times, pos[:, 2], color=SIDE_COLOURS[side], label=f"{name} sole z")
        for start, stop in _contact_runs(motion.contacts[:, side]):
            ax.axvspan(start * dt, (stop - 1) * dt + dt / 2, color=SIDE_COLOURS[side], alpha=0.12, linewidth=0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("height (m)")
    ax.set_title(MOTION_PANELS[2])
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_velocity(ax: Axes, motion: Motion) -> Axes:
    """Root velocity in the heading frame over time against the commanded and achieved means."""
    yaw = _heading_yaw(motion.root_quat)
    heading_vel = Planar(0.0, 0.0, yaw).rotate_inverse(motion.root_lin_vel[:, :2])
    vx, vy = heading_vel[:, 0], heading_vel[:, 1]
    cmd = commanded_velocity(motion)
    achieved = (motion.achieved.vx, motion.achieved.vy, motion.achieved.yaw_rate)
    series = (("vx (m/s)", vx, "#1f77b4"), ("vy (m/s)", vy, "#ff7f0e"), ("yaw rate (rad/s)", motion.root_ang_vel[:, 2], "#2ca02c"))
    for (label, values, colour), want, got in zip(series, cmd, achieved):
        ax.plot(motion.times, values, color=colour, linewidth=0.8, alpha=0.6, label=label)
        ax.axhline(want, color=colour, linestyle="--", linewidth=1.2)
        ax.axhline(got, color=colour, linestyle=":", linewidth=1.5)
    ax.plot([], [], color="k", linestyle="--", label="commanded")
    ax.plot([], [], color="k", linestyle=":", label="achieved mean")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("velocity")
    ax.set_title(MOTION_PANELS[3])
    ax.legend(loc="upper right", fontsize="x-small", ncol=2)
    return ax


def motion_figure(motion: Motion, *, soles: SolePolygons | None = None, title: str | None = None) -> Figure:
    """The four panels of :data:`MOTION_PANELS` for one clip, on a 12 x 9 inch figure."""
    fig = Figure(figsize=(12, 9), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    plot_plan(axes[0, 0], motion, soles)
    plot_joint_angles(axes[0, 1], motion)
    plot_foot_heights(axes[1, 0], motion)
    plot_velocity(axes[1, 1], motion)
    if title:
        fig.suptitle(title)
    return fig


@dataclass(frozen=True)
class LibraryPoint:
    """One motion of a library for :func:`plot_coverage`.

    Attributes:
        commanded: (vx, vy, yaw_rate) commanded, m/s, m/s, rad/s.
        achieved: (vx, vy, yaw_rate) achieved, or None when the motion failed or was skipped.
        status: Validation status if known, else the index status (``ok``, ``failed``), or ``skipped``.
        name: File name, for reports.
    """

    commanded: tuple[float, float, float]
    achieved: tuple[float, float, float] | None
    status: str
    name: str = ""

    @classmethod
    def from_motion(cls, motion: Motion, status: str = "unvalidated", name: str = "") -> LibraryPoint:
        a = motion.achieved
        return cls(commanded_velocity(motion), (a.vx, a.vy, a.yaw_rate), status, name)

    @classmethod
    def from_index_entry(cls, entry: MotionEntry, step_duration_s: float) -> LibraryPoint:
        """From an index entry (per-step command divided by ``step_duration_s``)."""
        c, a = entry.command, entry.achieved
        commanded = (c.dx / step_duration_s, c.dy / step_duration_s, c.dtheta / step_duration_s)
        achieved = (a.vx, a.vy, a.yaw_rate) if a is not None else None
        status = entry.validation.status if entry.validation is not None else entry.status
        return cls(commanded, achieved, status, entry.file)

    @classmethod
    def from_skipped(cls, row: SkippedCommand, step_duration_s: float) -> LibraryPoint:
        """From a skipped command (no motion: beyond its preset's step limits), per step over ``step_duration_s``."""
        commanded = (row.dx / step_duration_s, row.dy / step_duration_s, row.dtheta / step_duration_s)
        return cls(commanded, None, "skipped", f"{row.preset} #{row.id}")


def plot_coverage(ax: Axes, points: Sequence[LibraryPoint], component: int) -> Axes:
    """Commanded (x) against achieved (y) ``component`` (0 vx, 1 vy, 2 yaw rate), coloured by status.

    Motions without an achieved velocity (failed, skipped) are drawn as crosses on
    the x axis at their commanded value.
    """
    statuses = sorted({p.status for p in points})
    for status in statuses:
        colour = STATUS_COLOURS.get(status, None)
        done = [p for p in points if p.status == status and p.achieved is not None]
        missing = [p for p in points if p.status == status and p.achieved is None]
        if done:
            ax.scatter([p.commanded[component] for p in done], [p.achieved[component] for p in done],  # type: ignore[index]
                       s=14, color=colour, label=f"{status} ({len(done)})")
        if missing:
            ax.scatter([p.commanded[component] for p in missing], [0.0] * len(missing), marker="x", s=18,
                       color=colour, label=f"{status}, no motion ({len(missing)})")
    values = [p.commanded[component] for p in points] + [p.achieved[component] for p in points if p.achieved]
    if values:
        lo, hi = min(values), max(values)
        ax.plot([lo, hi], [lo, hi], color="k", linewidth=0.8, linestyle="--", label="achieved = commanded")
    unit = "rad/s" if component == 2 else "m/s"
    ax.set_xlabel(f"commanded ({unit})")
    ax.set_ylabel(f"achieved ({unit})")
    ax.set_title(COVERAGE_PANELS[component])
    ax.legend(loc="best", fontsize="x-small")
    return ax


def coverage_figure(points: Sequence[LibraryPoint], *, title: str | None = None) -> Figure:
    """The three :data:`COVERAGE_PANELS` (vx, vy, yaw rate) for a library, on a 15 x 5 inch figure."""
    fig = Figure(figsize=(15, 5), layout="constrained")
    FigureCanvasAgg(fig)
    for component, ax in enumerate(fig.subplots(1, 3)):
        plot_coverage(ax, points, component)
    if title:
        fig.suptitle(title)
    return fig


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes (Agg), ``dpi`` pixels per inch."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
