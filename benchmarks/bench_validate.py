"""Benchmark the validator and sweep the physics replay over random mini_biped clips.

Prints JSON: clip-seconds validated per wall-second for the kinematic + dynamic
checks and for the physics replay (single process, model compile excluded), plus
the open-loop survival rate, drift and heading drift of the sweep.

Usage: python benchmarks/bench_validate.py [--robot mini_biped] [--clips 20] [--length 10]
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
from gait_generator.preset import load_preset
from robots import load_robot
from validate.dynamic import dynamic_checks, support_mask
from validate.kinematic import kinematic_checks
from validate.physics import physics_checks
from validate.thresholds import load_thresholds
from validate.trace import robot_model, trace_motion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robot", default="mini_biped")
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--length", type=float, default=10.0, help="clip length (s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    robot = load_robot(args.robot)
    th = load_thresholds().for_robot(robot.name)
    ranges = load_preset(robot.spec.presets[args.preset]).command_range
    rng = np.random.default_rng(args.seed)
    rm = robot_model(robot)
    clips = []
    for i in range(args.clips):
        cmd = [float(rng.uniform(*ranges[k])) for k in ("dx", "dy", "dtheta")]
        clips.append((cmd, generate(robot=robot.name, preset=args.preset, dx=cmd[0], dy=cmd[1], dtheta=cmd[2],
                                    length=args.length, seed=i)))
    kin_wall = phys_wall = clip_s = phys_s = 0.0
    survived, drift, heading, failures = [], [], [], {}
    for cmd, m in clips:
        t = time.perf_counter()
        trace = trace_motion(m, rm)
        checks = kinematic_checks(m, rm, trace, th.kinematic) + dynamic_checks(m, rm, trace, th.dynamic)
        kin_wall += time.perf_counter() - t
        clip_s += m.span
        t = time.perf_counter()
        phys = physics_checks(m, rm, trace, support_mask(trace, th.dynamic), th.physics)[0]
        phys_wall += time.perf_counter() - t
        phys_s += phys.metrics["simulated_s"]
        survived.append(bool(phys.metrics["open_loop_survived"]))
        if survived[-1]:
            drift.append(phys.metrics["open_loop_drift_m"])
            heading.append(phys.metrics["open_loop_yaw_drift_deg"])
        for c in checks + [phys]:
            if not c.passed:
                failures[c.name] = failures.get(c.name, 0) + 1
    print(json.dumps({
        "robot": robot.name,
        "preset": args.preset,
        "clips": len(clips),
        "clip_length_s": args.length,
        "kinematic_dynamic_realtime_factor": round(clip_s / kin_wall, 1),
        "physics_realtime_factor": round(phys_s / phys_wall, 1),
        "open_loop_survival_rate": float(np.mean(survived)),
        "open_loop_drift_m_median_of_survivors": round(statistics.median(drift), 3) if drift else None,
        "open_loop_yaw_drift_deg_median_of_survivors": round(statistics.median(heading), 2) if heading else None,
        "failures_per_check": failures,
        "actuators": [{"joints": g.pattern, "kp": g.kp, "kv": g.kv, "effort": g.effort} for g in robot.spec.actuators],
    }, indent=1))


if __name__ == "__main__":
    main()
