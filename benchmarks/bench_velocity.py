"""Benchmark velocity commands: 30 random (vx, vy, wz) per robot, measured independently of the generator.

Per robot, 30 velocities drawn in its medium preset's range (turning with forward
speed included), each generated with ``generate(velocity=...)``. The achieved mean
body-frame velocity is recomputed from root positions (forward differences across
the loop seam) and quaternion headings (scipy), not from the stored velocities,
and compared with the issue's tolerance: 2 % per axis, at least 5 mm/s and
0.01 rad/s. For contrast, the naive conversion ``step = v * T`` is measured on
the same commands. Prints JSON: worst error over tolerance, median errors,
fit solves and seconds per clip.

Usage: python benchmarks/bench_velocity.py [--robots mini_biped,g1] [--n 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait_generator import generate
from gait_generator.preset import resolve_preset
from gait_generator.timing import snap_timing
from gait_generator.velocity import VelocityCommand, velocity_tolerance
from robots import load_robot
from tests.test_velocity import measured_velocity


def _draws(robot: str, n: int) -> list[tuple[float, float, float]]:
    walker = load_robot(robot)
    preset = resolve_preset(walker.spec.presets, "medium", walker.name)
    step_time = snap_timing(preset, 60).step_frames / 60.0
    rng = np.random.default_rng(11)
    out = []
    for i in range(n):
        r = {k: (lo * 0.9 / step_time, hi * 0.9 / step_time) for k, (lo, hi) in preset.command_range.items()}
        vx = rng.uniform(0.2 * r["dx"][1], r["dx"][1]) if i % 3 == 0 else rng.uniform(*r["dx"])  # a third turn while walking forward
        wz = rng.uniform(*r["dtheta"])
        vy = rng.uniform(*r["dy"]) if i % 2 else 0.0
        out.append((round(vx, 4), round(vy, 4), round(wz, 4)))
    return out


def bench(robot: str, n: int) -> dict[str, object]:
    ratios, naive_ratios, solves, seconds, planar = [], [], [], [], []
    failed = []
    for command in _draws(robot, n):
        tolerance = np.array(velocity_tolerance(VelocityCommand(*command)))
        start = time.perf_counter()
        try:
            motion = generate(robot, "medium", velocity=command, length=4.0)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports every outcome
            failed.append({"command": command, "error": str(exc)[:200]})
            continue
        seconds.append(time.perf_counter() - start)
        error = np.abs(measured_velocity(motion) - np.array(command))
        ratios.append(float((error / tolerance).max()))
        planar.append(float(np.hypot(*error[:2]) / max(np.hypot(*command[:2]), 1e-9)))
        solves.append(motion.meta["velocity_fit_solves"])
        step_time = motion.loop.cycle_frames / motion.fps / 2
        naive = generate(robot, "medium", dx=command[0] * step_time, dy=command[1] * step_time,
                         dtheta=command[2] * step_time, length=4.0)
        naive_ratios.append(float((np.abs(measured_velocity(naive) - np.array(command)) / tolerance).max()))
    return {"commands": n, "failed": failed, "within_tolerance": sum(r <= 1.0 for r in ratios),
            "worst_error_over_tolerance": round(max(ratios), 4), "median_error_over_tolerance": round(statistics.median(ratios), 4),
            "median_planar_error_fraction": round(statistics.median(planar), 6),
            "naive_within_tolerance": sum(r <= 1.0 for r in naive_ratios),
            "naive_worst_error_over_tolerance": round(max(naive_ratios), 3),
            "fit_solves_median": statistics.median(solves), "fit_solves_max": max(solves),
            "seconds_per_clip_median": round(statistics.median(seconds), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robots", default="mini_biped,g1")
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps({robot: bench(robot, args.n) for robot in args.robots.split(",")}, indent=2))


if __name__ == "__main__":
    main()
