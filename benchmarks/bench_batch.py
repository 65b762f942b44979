"""Benchmark the batch driver: a random batch of 10 s clips at -j 1, -j 2 and on a dask LocalCluster.

Prints JSON: clips/s per configuration, parallel efficiency of -j 2 over -j 1
(speed-up / 2), peak resident memory of each worker process (ru_maxrss, MiB), and
whether every configuration wrote byte-identical files. These machines are noisy:
compare ratios, not absolute numbers.

Usage: python benchmarks/bench_batch.py [--clips 200] [--robot mini_biped] [--length 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait_generator.batch import BatchSettings, run_batch
from gait_generator.preset import resolve_preset
from gait_generator.sweep import make_jobs, random_commands
from robots import load_robot


def peak_rss() -> tuple[int, float]:
    """``(pid, peak resident memory in MiB)`` of the calling process (Linux reports KiB)."""
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _loky_worker_memory(n_jobs: int) -> dict[int, float]:
    import joblib

    # loky reuses its worker processes, so these tasks land on the batch's workers.
    seen = joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(_slow_peak_rss)() for _ in range(8 * n_jobs))
    return dict(seen)


def _slow_peak_rss() -> tuple[int, float]:
    time.sleep(0.05)
    return peak_rss()


def bench(args: argparse.Namespace) -> dict:
    robot = load_robot(args.robot)
    preset = resolve_preset(robot.spec.presets, "medium", robot.name)
    commands = random_commands(args.clips, preset.command_range, 0)
    jobs = make_jobs([(preset.name, preset.name)], [commands], 0)
    result: dict = {"robot": robot.name, "clips": args.clips, "clip_seconds": args.length, "cpus": os.cpu_count()}
    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, n_jobs, backend in (("j1", 1, "loky"), ("j2", 2, "loky"), ("dask_j2", 2, "dask")):
            out = Path(tmp) / label
            out.mkdir()
            settings = BatchSettings(robot=args.robot, output=out, length=args.length, fps=60.0, with_start=False)
            memory: dict[int, float] = {}
            if backend == "dask":
                batch, seconds = _run_dask(jobs, preset, robot.name, settings, n_jobs, memory)
            else:
                t = time.perf_counter()
                batch = run_batch(jobs, {preset.name: preset}, robot.name, settings, n_jobs=n_jobs, progress=False)
                seconds = time.perf_counter() - t
                # Measured after the timed batch: the probe's own tasks must not count.
                memory = {peak_rss()[0]: peak_rss()[1]} if n_jobs == 1 else _loky_worker_memory(n_jobs)
            result[label] = {
                "seconds": seconds,
                "clips_per_s": batch.count("ok") / seconds,
                "ok": batch.count("ok"),
                "failed": batch.count("failed"),
                "peak_rss_mib_per_worker": sorted(round(v, 1) for v in memory.values()),
            }
            outputs[label] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    result["parallel_efficiency_j2"] = result["j2"]["clips_per_s"] / result["j1"]["clips_per_s"] / 2
    result["dask_vs_j2"] = result["dask_j2"]["clips_per_s"] / result["j2"]["clips_per_s"]
    result["identical_outputs"] = outputs["j1"] == outputs["j2"] == outputs["dask_j2"]
    return result


def _run_dask(jobs, preset, robot_name, settings, n_jobs, memory):
    """Run on a LocalCluster (startup included in the time) and read each worker's peak memory."""
    from dask.distributed import Client, LocalCluster

    t = time.perf_counter()
    with LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        batch = run_batch(jobs, {preset.name: preset}, robot_name, settings, n_jobs=n_jobs, backend="dask",
                          scheduler=cluster.scheduler_address, progress=False)
        seconds = time.perf_counter() - t
        memory.update({pid: rss for pid, rss in client.run(peak_rss).values()})
    return batch, seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clips", type=int, default=200)
    p.add_argument("--robot", default="mini_biped")
    p.add_argument("--length", type=float, default=10.0)
    print(json.dumps(bench(p.parse_args()), indent=1))


if __name__ == "__main__":
    main()
