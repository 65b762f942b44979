"""Issue 16 regression corpus: every hostile input gives a one-line error, within its time and memory limits.

The cases come from ``tests/fuzz_corpus.py``; each runs the real ``main()`` of
its tool in a forked child with an address-space cap and a timeout
(``tests/fuzz_runner.py``; one fork server per tool, two tools at a time).
Checked per case: an accepted exit code, no traceback, a line naming the file
or flag, time (after the tool's imports) and peak RSS within the case's limits,
files that existed before unchanged, nothing written where nothing should be,
no staging file left, and for the batch case the grades in the report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fuzz_corpus import CATEGORIES, Case, build
from tests.fuzz_runner import ENTRIES, measured

REPO = Path(__file__).resolve().parents[1]


def _make_library(folder: Path) -> Path:
    """One real 2 s mini_biped clip and its index, written by ``auto_gait_generator``."""
    from gait_generator.cli import main

    assert main(["-n", "1", "-l", "2", "--seed", "0", "-o", str(folder)]) == 0
    return folder


def _run_tool(tool: str, cases: list[Case], root: Path, logs: Path) -> dict[str, dict]:
    spec = {"tool": tool, "cases": [{
        "name": c.name, "dir": str(root / c.name), "seconds": c.seconds, "fsize": c.fsize,
        "args": [a.replace("{d}", str(root / c.name)).replace("{good}", str(root.parent / "good.npz")) for a in c.args],
        "stdout": str(logs / f"{c.name}.out"), "stderr": str(logs / f"{c.name}.err"),
    } for c in cases]}
    (logs / f"{tool}.json").write_text(json.dumps(spec))
    done = subprocess.run([sys.executable, "-m", "tests.fuzz_runner", str(logs / f"{tool}.json"),
                           str(logs / f"{tool}.results.json")], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return {r["name"]: r for r in json.loads((logs / f"{tool}.results.json").read_text())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Case], dict[str, dict], Path, Path, dict]:
    base = tmp_path_factory.mktemp("fuzz")
    lib = _make_library(base / "lib")
    good = base / "good.npz"
    good.write_bytes(next(lib.glob("*.npz")).read_bytes())
    root, logs = base / "cases", base / "logs"
    logs.mkdir()
    cases = build(root, good, lib)
    before = {(c.name, rel): (root / c.name / rel).read_bytes() for c in cases for rel in c.keep}
    by_tool: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_tool[case.tool].append(case)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_run_tool, tool, group, root, logs) for tool, group in by_tool.items()]
        results = {name: r for f in futures for name, r in f.result().items()}
    return cases, results, root, logs, before


def _problems(case: Case, result: dict, root: Path, logs: Path, before: dict) -> list[str]:
    """Everything wrong with one case's run (empty if it behaved)."""
    out = (logs / f"{case.name}.out").read_text(errors="replace")
    err = (logs / f"{case.name}.err").read_text(errors="replace")
    folder = root / case.name
    found = []
    if result["timed_out"] or result["seconds"] > case.seconds:
        found.append(f"took {result['seconds']:.2f} s, limit {case.seconds} s")
    if result["rss_mb"] > case.megabytes:
        found.append(f"peak RSS {result['rss_mb']:.0f} MB, limit {case.megabytes} MB")
    if result["code"] not in case.codes:
        found.append(f"exit code {result['code']}, expected one of {case.codes}")
    if "Traceback" in err or "Traceback" in out:
        found.append("printed a traceback:\n" + err[-1500:])
    if not any(case.names in line for line in (out + err).splitlines()):
        found.append(f"no line names {case.names!r}: stdout {out[-300:]!r} stderr {err[-600:]!r}")
    for rel in case.keep:
        path = folder / rel
        if not path.is_file() or path.read_bytes() != before[(case.name, rel)]:
            found.append(f"{rel} was changed or removed")
    found += [f"{rel} was written" for rel in case.absent if (folder / rel).exists()]
    found += [f"staging file left: {p.relative_to(folder)}" for p in folder.rglob(".*.tmp")]
    if case.graded:
        report = json.loads((folder / "report.json").read_text())
        statuses = {Path(m["file"]).name: m["status"] for m in report["motions"]}
        if statuses != case.graded:
            found.append(f"report grades {statuses}, expected {case.graded}")
    return found


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_category_fails_cleanly_within_limits(corpus, category: str) -> None:
    cases, results, root, logs, before = corpus
    chosen = [c for c in cases if c.category == category]
    assert chosen, f"no case for {category}"
    failures = {c.name: p for c in chosen if (p := _problems(c, results[c.name], root, logs, before))}
    assert not failures, "\n".join(f"{name} ({next(c.tool for c in chosen if c.name == name)}): " + "; ".join(p)
                                   for name, p in failures.items())


FRESH = ["bomb_preset", "bomb_thresholds", "bomb_mapping", "bomb_spec_pre", "bomb_spec_check",
         "npz_zip_bomb_validate", "npz_zip_bomb_retarget", "npz_zip_bomb_preview",
         "npz_header_1e12_validate", "npz_header_1e12_retarget", "npz_header_1e12_preview"]
"""The must-show bombs, also run as the installed console scripts in fresh processes."""


FRESH_CAP = 3 << 10
"""Address-space cap of a fresh tool process (MB): a safety net; the limit checked is peak RSS."""


def test_bombs_fail_fast_and_small_in_fresh_tool_processes(corpus) -> None:
    """The YAML alias bomb (every tool that reads YAML) and both .npz bombs, in the real console scripts.

    Time and peak RSS are those of the whole process, interpreter start and
    imports included (about 0.4 to 1.3 s, 35 to 130 MB). The time checked is
    CPU time (user + system), which other processes on the machine do not
    inflate; wall time is only bounded loosely.
    """
    cases, _, root, logs, _ = corpus
    by_name = {c.name: c for c in cases}
    assert {by_name[n].tool for n in FRESH} == set(ENTRIES)
    for tool in sorted(ENTRIES):  # compile the tools' bytecode first: a fresh clone has none yet
        subprocess.run([str(Path(sys.executable).with_name(tool)), "--help"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    slow = []
    for name in FRESH:
        case = by_name[name]
        args = [a.replace("{d}", str(root / name)).replace("{good}", str(root.parent / "good.npz")) for a in case.args]
        runs = []
        for attempt in range(2):  # a busy machine only adds time: a second run, and the faster counts
            with open(logs / f"{name}.fresh.err", "wb") as err:
                r = measured([str(Path(sys.executable).with_name(case.tool)), *args], FRESH_CAP,
                             str(logs / f"{name}.fresh{attempt}.json"), cwd=root / name,
                             stdout=subprocess.DEVNULL, stderr=err)
            text = (logs / f"{name}.fresh.err").read_text(errors="replace")
            assert r["code"] in case.codes and "Traceback" not in text, (name, text[-800:])
            runs.append(r)
            if r["cpu"] < 2.0 and r["wall"] < 10.0:
                break
        r = min(runs, key=lambda run: run["cpu"])
        if r["cpu"] >= 2.0 or r["rss_mb"] >= 300 or r["wall"] >= 10.0:
            slow.append(f"{name} ({case.tool}): {r['cpu']:.2f} s CPU, {r['wall']:.2f} s wall, {r['rss_mb']:.0f} MB")
    assert not slow, slow
