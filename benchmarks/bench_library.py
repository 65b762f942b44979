"""Benchmark MotionLibrary.reference(): queries per second for batches of random queries on one core.

Generates a 4 x 3 x 3 command grid of looping clips (mini_biped, medium), builds
the library in memory, then times ``reference(command, phase)`` on batches of
random in-range commands and phases (median of repeats). Also times the
inverse-distance fallback (the same clips minus one grid node). BLAS/OpenMP
threads are pinned to 1 before numpy is imported. Prints JSON.

Usage: python benchmarks/bench_library.py [--batch 4096] [--repeats 50]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait_generator import generate
from motions import MotionLibrary

GRID = [(dx, dy, dt) for dx in (-0.02, 0.0, 0.02, 0.04) for dy in (-0.01, 0.0, 0.01) for dt in (-0.1, 0.0, 0.1)]


def time_queries(lib: MotionLibrary, batch: int, repeats: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    low, high = lib.command_range()
    batches = [(rng.uniform(low, high, (batch, 3)), rng.random(batch)) for _ in range(repeats)]
    lib.reference(*batches[0])  # warm-up (lazy scipy import)
    times = []
    for command, phase in batches:
        t = time.perf_counter()
        lib.reference(command, phase)
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    return {
        "interpolation": lib.interpolation,
        "clips": len(lib),
        "batch": batch,
        "repeats": repeats,
        "median_s_per_batch": median,
        "queries_per_s": batch / median,
        "best_queries_per_s": batch / min(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    t = time.perf_counter()
    clips = [generate(robot="mini_biped", preset="medium", dx=dx, dy=dy, dtheta=dt, length=2.0) for dx, dy, dt in GRID]
    generate_s = time.perf_counter() - t
    t = time.perf_counter()
    lib = MotionLibrary(clips)
    build_s = time.perf_counter() - t
    results = [time_queries(lib, args.batch, args.repeats, args.seed),
               time_queries(MotionLibrary(clips[:-1]), args.batch, args.repeats, args.seed)]
    print(json.dumps({
        "bench": "library_reference",
        "robot": "mini_biped",
        "preset": "medium",
        "joints": lib.num_joints,
        "cycle_frames": clips[0].loop.cycle_frames,
        "generate_s": generate_s,
        "build_s": build_s,
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
