"""Benchmark one 10 s clip at 60 fps: time (median of several), IK iterations per frame, ZMP corrections.

Prints JSON. For comparison it also times, in the same run, the scheme today's
scripts use: tick placo's IK at 1 kHz with 10 solves per tick on the same walk's
targets (``--baseline-seconds`` of it, scaled to a 10 s clip). Report the ratio,
not the absolute numbers: these machines are noisy.

Usage: python benchmarks/bench_generate.py [--robot mini_biped] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait_generator import generate
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from robots import list_robots, load_robot

COMMANDS = [(0.04, 0.0, 0.0), (-0.02, 0.0, 0.0), (0.0, 0.01, 0.0), (0.0, 0.0, 0.15), (0.03, -0.01, -0.1)]


def bench_robot(name: str, runs: int, baseline_seconds: float) -> dict:
    robot = load_robot(name)
    preset = "medium"
    t = time.perf_counter()
    generate(robot=name, preset=preset, dx=0.0)  # warm-up: loads the placo model once per process
    first = time.perf_counter() - t
    times, iterations, passes = [], [], []
    from gait_generator.preset import load_preset

    for i in range(runs):
        p = load_preset(robot.spec.presets[preset])
        dx, dy, dtheta = COMMANDS[i % len(COMMANDS)]
        scale = (p.max_dx_forward if dx > 0 else p.max_dx_backward, p.max_dy, p.max_dtheta)
        cmd = (dx / 0.06 * scale[0], dy / 0.03 * scale[1], dtheta / 0.3 * scale[2])
        t = time.perf_counter()
        m = generate(robot=name, preset=preset, dx=cmd[0], dy=cmd[1], dtheta=cmd[2], length=10.0, seed=i)
        times.append(time.perf_counter() - t)
        iterations.append(m.meta["ik_iterations_per_frame"])
        passes.append(m.meta["zmp_correction_iterations"] + 1)
    median = statistics.median(times)
    result = {
        "robot": name,
        "clip_seconds": 10.0,
        "fps": 60,
        "runs": runs,
        "first_clip_s_including_model_load": first,
        "median_s_per_clip": median,
        "min_s_per_clip": min(times),
        "ik_iterations_per_solved_frame": statistics.mean(iterations),
        "ik_frames_solved_per_pass": m.meta["ik_frames_solved"],
        "ik_passes_per_clip": statistics.mean(passes),
        "multibody_zmp_error_max_m": m.meta["multibody_zmp_error_max"],
        "zmp_support_margin_min_m": m.meta["zmp_support_margin_min"],
    }
    if baseline_seconds > 0:
        result.update(baseline(name, preset, baseline_seconds, median))
    return result


def baseline(name: str, preset: str, seconds: float, ours: float) -> dict:
    """Time the 1 kHz tick + 10 IK solves per tick scheme on the same walk's targets and model."""
    import numpy as np

    from gait_generator.cycle import steady_cycle
    from gait_generator.lipm import GRAVITY, Periodic, solve_lipm
    from gait_generator.preset import load_preset
    from gait_generator.timing import snap_timing
    from motions.planar import Planar

    robot = load_robot(name)
    p = load_preset(robot.spec.presets[preset])
    timing = snap_timing(p, 60)
    s = wholebody_ik(robot)
    s.reset(p, 0)
    cycle = steady_cycle(FootstepPlanner(robot, p), s.feet_frames(), p, timing, 0.6 * p.max_dx_forward, 0.0, 0.0)
    timeline = cycle.timeline
    frames = np.arange(timeline.frames + 1)
    feet = timeline.feet(frames)
    zmp, _ = timeline.zmp_reference()
    offset = Planar.from_matrix(cycle.offset)
    lipm = solve_lipm(zmp, float(np.sqrt(GRAVITY / p.com_height)), Periodic(offset.rotation(), offset.translation))
    com = np.column_stack([lipm(frames / 60.0), np.full(len(frames), p.com_height)])  # the pendulum's CoM
    s.move_base_to(feet.poses[0, 1], "right")
    ticks = int(seconds * 1000)
    t = time.perf_counter()
    for k in range(ticks):
        i = int(k * 60 / 1000) % len(frames)
        for _ in range(10):
            s.solve(feet.poses[i, 0], feet.poses[i, 1], com[i], np.eye(3), 1, 1.0, 1.0)  # one solver iteration
    elapsed = (time.perf_counter() - t) * 10.0 / seconds
    return {"baseline_1khz_x10_s_per_clip": elapsed, "speedup_vs_baseline": elapsed / ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robot", action="append", help="robot(s) to benchmark (default: all registered)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline-seconds", type=float, default=2.0,
                        help="seconds of 1 kHz ticking to time for the baseline (0 to skip)")
    args = parser.parse_args()
    names = args.robot or list_robots()
    print(json.dumps({"bench": "generate", "results": [bench_robot(n, args.runs, args.baseline_seconds) for n in names]},
                     indent=2))


if __name__ == "__main__":
    main()
