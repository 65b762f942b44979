"""Fingerprint a fixed set of clips and their exports, to prove a refactor changed no output byte.

Generates 30 clips (every built-in robot x preset, looping and ``with_start``,
straight, sideways and turning commands scaled to each preset's limits), saves
them, exports them in every ``gait_retarget`` format, and prints JSON: the
SHA-256 of every file written, by relative path. Run it before and after a
change; ``--compare BEFORE.json`` exits 1 and lists the files that differ.

Usage:
    python benchmarks/identical_outputs.py -o /tmp/fp > before.json
    python benchmarks/identical_outputs.py -o /tmp/fp2 --compare before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait_generator import generate
from gait_generator.preset import load_preset
from retarget import FORMATS, retarget
from robots import list_robots, load_robot

KINDS = (("forward", 0.8, 0.0, 0.0), ("sideways", 0.0, 0.8, 0.0), ("turning", 0.5, 0.0, 0.8))
"""(name, fraction of max_dx_forward, of max_dy, of max_dtheta)."""


def clip_set() -> list[tuple[str, str, str, tuple[float, float, float], bool]]:
    """(file stem, robot, preset, (dx, dy, dtheta), with_start) for at least 30 clips."""
    out = []
    for robot in sorted(list_robots()):
        spec = load_robot(robot).spec
        for preset in sorted(spec.presets):
            p = load_preset(spec.presets[preset])
            for kind, fx, fy, ft in KINDS:
                cmd = (round(fx * p.max_dx_forward, 4), round(fy * p.max_dy, 4), round(ft * p.max_dtheta, 4))
                if kind == "sideways" and p.max_dy == 0.0:
                    cmd = (0.0, 0.0, round(0.5 * p.max_dtheta, 4))  # five-joint legs: no sidesteps
                out.append((f"{robot}_{preset}_{kind}", robot, preset, cmd, False))
            if len(spec.driven_joints) != 10:  # five-joint legs cannot start from standing
                out.append((f"{robot}_{preset}_start", robot, preset, cmd, True))
    return out


def write_all(root: Path) -> dict[str, str]:
    """Generate, save and export everything under ``root``; SHA-256 per relative path."""
    for stem, robot, preset, (dx, dy, dtheta), with_start in clip_set():
        folder = root / "clips" / robot
        folder.mkdir(parents=True, exist_ok=True)
        generate(robot=robot, preset=preset, dx=dx, dy=dy, dtheta=dtheta, length=4.0,
                 with_start=with_start).save(folder / f"{stem}.npz")
    for robot in sorted(list_robots()):
        for fmt in FORMATS:
            retarget(root / "clips" / robot, root / "exports" / robot / fmt, robot=robot, format=fmt)
    return {str(p.relative_to(root)): _digest(p, root) for p in sorted(root.rglob("*")) if p.is_file()}


def _digest(path: Path, root: Path) -> str:
    """SHA-256 of a file; in text formats the output folder's absolute path is replaced by ``<OUT>``."""
    data = path.read_bytes()
    if path.suffix in (".yaml", ".json", ".xml", ".csv", ".txt"):
        data = data.replace(str(root.resolve()).encode(), b"<OUT>").replace(str(root).encode(), b"<OUT>")
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, required=True, help="empty folder to write into")
    parser.add_argument("--compare", type=Path, help="fingerprints printed by an earlier run")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out}: not empty")
    hashes = write_all(args.out)
    print(json.dumps({"files": len(hashes), "sha256": hashes}, indent=1, sort_keys=True))
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text())["sha256"]
    differ = sorted(k for k in set(before) | set(hashes) if before.get(k) != hashes.get(k))
    for name in differ:
        print(f"differs: {name}", file=sys.stderr)
    print(f"{len(differ)} of {len(set(before) | set(hashes))} files differ", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
