"""The fuzz corpus of issue 16: a fixed list of hostile runs of every command-line tool, built by code.

:func:`build` writes each case's files under a root folder (contents from
``tests/fuzz_inputs.py``) and returns the :class:`Case` list.
``tests/test_fuzz_corpus.py`` runs each case through the real ``main()`` of its
tool in a forked child with a memory cap and a timeout (``tests/fuzz_runner.py``)
and checks: an accepted exit code, no traceback, a one-line message naming the
file or flag, time and peak RSS within the case's limits, files that existed
before unchanged, no output where nothing should be written, and no staging file
left. :data:`CATEGORIES` lists what is covered.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests import fuzz_inputs as fi

CATEGORIES = {
    "yaml_bomb": "nested YAML aliases (billion laughs) in every YAML file a tool reads",
    "depth": "5000-deep nesting in YAML and JSON (presets, specs, commands, thresholds, mappings, index)",
    "big_number": "integers of 401 digits (float() overflows)",
    "utf8": "bytes that are not UTF-8 (presets, specs, CSV, YAML, JSON, thresholds, mappings, index)",
    "urdf": "URDF joint loops, a detached cycle holding a foot, bad numbers, deep or entity-bomb XML",
    "regex": "actuator patterns that backtrack catastrophically",
    "arguments": "lengths, seeds, counts, steps and command values out of range",
    "index": "index.json entries without 'file' or of the wrong type",
    "npz": "motion files: a zip bomb, a lying .npy header, fps=1e300, bad meta, corrupt archives",
    "disk": "outputs that cannot be written: a full disk, a file where a folder should be",
    "batch": "a folder of good and malformed motions: the good one is graded, the report written",
}

FAST, SMALL = 2.0, 300
"""Limits of the must-show cases (s after the tool's imports, MB peak RSS): bombs."""

GEN, VAL, RET, PRE, ROB = "auto_gait_generator", "gait_validate", "gait_retarget", "gait_preview", "gait_robot"


@dataclass
class Case:
    """One run of one tool on hostile input.

    Attributes:
        name: Unique id, also the case's folder under the corpus root.
        category: Key of :data:`CATEGORIES`.
        tool: Console script name.
        args: Arguments; ``{d}`` is the case folder, ``{good}`` a good motion file.
        names: Text a single line of the tool's output must contain (the file or flag).
        codes: Accepted exit codes.
        seconds: Wall-time limit, counted after the tool's imports.
        megabytes: Peak RSS limit of the run (imports included).
        keep: Files (relative to the case folder) that must be unchanged.
        absent: Paths (relative) that must not exist afterwards.
        fsize: File-size limit in bytes (RLIMIT_FSIZE: a full disk), or None.
        graded: ``{file name: status}`` the JSON report ``report.json`` must hold.
    """

    name: str
    category: str
    tool: str
    args: list[str]
    names: str
    codes: tuple[int, ...] = (1, 2)
    seconds: float = 20.0
    megabytes: int = 600
    keep: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    fsize: int | None = None
    graded: dict[str, str] = field(default_factory=dict)


def _yaml_cases(add: Callable[..., None]) -> None:
    """Bombs, deep nesting, huge integers and invalid UTF-8 in every YAML (and JSON command) file."""
    out = ["-o", "{d}/out"]
    readers = {  # how each tool reads a YAML file of each kind: (tool, args, file name, how to embed a value)
        "preset": (GEN, [*out, "-n", "1", "--preset", "{d}/p.yaml"], "p.yaml", lambda v: fi.preset_with("com_height", v)),
        "spec_gen": (GEN, [*out, "-n", "1", "--robot", "{d}/s.yaml"], "s.yaml", lambda v: fi.spec_with("name", v)),
        "commands": (GEN, [*out, "--commands", "{d}/c.yaml"], "c.yaml", lambda v: f"- {v}\n"),
        "thresholds": (VAL, ["{good}", "--no-index", "--thresholds", "{d}/t.yaml"], "t.yaml",
                       lambda v: f"kinematic:\n  sole_penetration_max_m: {v}\n"),
        "spec_val": (VAL, ["{good}", "--no-index", "--robot", "{d}/s.yaml"], "s.yaml", lambda v: fi.spec_with("name", v)),
        "mapping": (RET, ["{good}", *out, "--robot", "mini_biped", "--format", "mimickit", "--mapping", "{d}/m.yaml"],
                    "m.yaml", lambda v: f"joints:\n  left_knee: {v}\n"),
        "spec_ret": (RET, ["{good}", *out, "--robot", "{d}/s.yaml", "--format", "mimickit"], "s.yaml",
                     lambda v: fi.spec_with("name", v)),
        "spec_pre": (PRE, ["{good}", "--robot", "{d}/s.yaml", "--html", "{d}/out"], "s.yaml",
                     lambda v: fi.spec_with("name", v)),
        "spec_check": (ROB, ["check", "{d}/s.yaml"], "s.yaml", lambda v: fi.spec_with("name", v)),
    }
    for kind, (tool, args, name, embed) in readers.items():
        add(f"bomb_{kind}", "yaml_bomb", tool, args, name, {name: embed(fi.bomb_list())},
            seconds=FAST, megabytes=SMALL, absent=["out"])
    for kind in ("preset", "spec_gen", "commands", "thresholds", "mapping", "spec_check"):
        tool, args, name, embed = readers[kind]
        add(f"deep_{kind}", "depth", tool, args, name, {name: embed(fi.deep())}, absent=["out"])
        add(f"utf8_{kind}", "utf8", tool, args, name, {name: fi.BAD_UTF8 + embed("1.0").encode()}, absent=["out"])
    for kind in ("preset", "commands", "thresholds", "mapping"):
        tool, args, name, embed = readers[kind]
        add(f"big_{kind}", "big_number", tool, args, name, {name: embed(fi.BIG)}, absent=["out"])
    big_spec = fi.spec_text().replace("xy_step: 0.02", f"xy_step: {fi.BIG}")
    add("big_spec", "big_number", GEN, [*out, "-n", "1", "--robot", "{d}/s.yaml"], "s.yaml", {"s.yaml": big_spec},
        absent=["out"])
    json_args = [*out, "--commands", "{d}/c.json"]
    add("deep_commands_json", "depth", GEN, json_args, "c.json", {"c.json": "[" + fi.deep() + "]"}, absent=["out"])
    add("big_commands_json", "big_number", GEN, json_args, "c.json", {"c.json": f"[[{fi.BIG}, 0, 0]]"}, absent=["out"])
    add("utf8_commands_json", "utf8", GEN, json_args, "c.json", {"c.json": b'[[0.01, 0, 0], ["\xff", 0, 0]]'},
        absent=["out"])
    csv_args = [*out, "--commands", "{d}/c.csv"]
    add("big_commands_csv", "big_number", GEN, csv_args, "c.csv", {"c.csv": f"{fi.BIG},0,0\n"}, absent=["out"])
    add("utf8_commands_csv", "utf8", GEN, csv_args, "c.csv", {"c.csv": b"dx,dy,dtheta\n0.01,0,0\n0.02,\xff,0\n"},
        absent=["out"])
    add("csv_1e300", "arguments", GEN, csv_args, "c.csv", {"c.csv": "1e300,0,0\n"}, absent=["out"])


def _urdf_cases(add: Callable[..., None]) -> None:
    spec = {"s.yaml": fi.spec_text(urdf="robot.urdf")}
    for name, text in fi.urdf_cases().items():
        add(name, "urdf", GEN, ["-o", "{d}/out", "-n", "1", "--robot", "{d}/s.yaml"], "robot.urdf",
            {**spec, "robot.urdf": text}, absent=["out"])
        add(f"{name}_init", "urdf", ROB, ["init", "{d}/robot.urdf", "-o", "{d}/out.yaml"], "robot.urdf",
            {"robot.urdf": text}, absent=["out.yaml"])
    for name in ("urdf_joint_loop", "urdf_detached_foot_cycle"):
        add(f"{name}_check", "urdf", ROB, ["check", "{d}/s.yaml"], "robot.urdf",
            {**spec, "robot.urdf": fi.urdf_cases()[name]})
    for name, pattern in (("regex_alternation", "(a|a)*b"), ("regex_nested", "(.*_)+knee")):
        text = fi.spec_text().replace('joints: ".*"', f'joints: "{pattern}"')
        add(name, "regex", GEN, ["-o", "{d}/out", "-n", "1", "--robot", "{d}/s.yaml"], "s.yaml", {"s.yaml": text},
            seconds=FAST, absent=["out"])
        add(f"{name}_check", "regex", ROB, ["check", "{d}/s.yaml"], "s.yaml", {"s.yaml": text}, seconds=FAST)


def _argument_cases(add: Callable[..., None]) -> None:
    out = ["-o", "{d}/out"]
    for name, flags, names in (
        ("length_0", ["-l", "0"], "--length"), ("length_negative", ["-l", "-5"], "--length"),
        ("length_nan", ["-l", "nan"], "--length"), ("length_inf", ["-l", "inf"], "--length"),
        ("length_1e6", ["-l", "1e6"], "--length"), ("seed_negative", ["--seed", "-1"], "--seed"),
        ("jobs_0", ["-j", "0"], "-j"), ("n_0", ["-n", "0"], "-n"), ("n_1e9", ["-n", "1000000000"], "-n"),
        ("fps_nan", ["--fps", "nan"], "fps"), ("max_dx_1e300", ["--max_dx", "1e300"], "--max-dx"),
        ("sweep_step_tiny", ["--sweep", "--xy_step", "1e-300"], "--sweep"),
    ):
        add(name, "arguments", GEN, [*out, *flags], names, {}, seconds=FAST, absent=["out"])


def _index_cases(add: Callable[..., None], lib: Path) -> None:
    text = (lib / "index.json").read_text()
    first = text.index('"file"')
    variants = {
        "index_no_file": text[:first] + '"filename"' + text[first + 6:],
        "index_motions_number": '{"format": "gait_generator.index", "version": 2, "robot": "mini_biped", "motions": 5}',
        "index_entry_string": '{"format": "gait_generator.index", "version": 2, "robot": "mini_biped", "motions": ["x"]}',
        "index_file_number": text[:first] + '"file": 123, "old_file"' + text[first + 6:],
        "index_deep": fi.deep(),
        "index_big_int": text.replace('"id": 0', f'"id": {fi.BIG}', 1),
        "index_not_utf8": text.replace('"robot"', '"rob\udcffot"', 1),
    }
    tools = [(VAL, ["{d}/lib", "--report", "{d}/r.json"]), (RET, ["{d}/lib", "-o", "{d}/out", "--robot", "mini_biped",
                                                                   "--format", "mimickit"]),
             (PRE, ["{d}/lib", "--plot", "{d}/out"])]
    for i, (name, body) in enumerate(variants.items()):
        tool, args = tools[i % len(tools)]
        data = body.encode("utf-8", "surrogateescape")
        add(name, "index", tool, args, "index.json", {"lib/index.json": data, "lib/": lib},
            keep=["lib/index.json"], absent=["out", "r.json"])


def _npz_cases(add: Callable[..., None], files: dict[str, str]) -> None:
    tools = {
        VAL: lambda f: [f"{{d}}/{f}", "--no-index"],
        RET: lambda f: [f"{{d}}/{f}", "-o", "{d}/out", "--robot", "mini_biped", "--format", "mimickit"],
        PRE: lambda f: [f"{{d}}/{f}", "--html", "{d}/out"],
    }
    for i, (case, file) in enumerate(files.items()):
        bomb = case in ("npz_zip_bomb", "npz_header_1e12")
        for j, (tool, args) in enumerate(tools.items()):
            if bomb or j == i % len(tools):  # bombs in every tool, the rest spread over the tools
                add(f"{case}_{tool.split('_')[1]}", "npz", tool, args(file), file, {file: file},
                    seconds=FAST if bomb else 20.0, megabytes=SMALL if bomb else 600, absent=["out"])


def _disk_cases(add: Callable[..., None], lib: Path) -> None:
    add("disk_full_index", "disk", VAL, ["{d}/lib", "--no-physics"], "index.json", {"lib/": lib}, fsize=256,
        keep=["lib/index.json"])
    report = {"report.json": "{}\n"}
    add("disk_full_report", "disk", VAL, ["{good}", "--no-index", "--no-physics", "--report", "{d}/report.json"],
        "report.json", report, fsize=2048, keep=["report.json"])
    add("disk_report_under_file", "disk", VAL, ["{good}", "--no-index", "--no-physics", "--report",
                                                "{d}/afile/report.json"], "report.json", {"afile": "x"})
    add("disk_output_is_file", "disk", GEN, ["-o", "{d}/afile", "-n", "1"], "afile", {"afile": "x"}, keep=["afile"])
    add("disk_full_generate", "disk", GEN, ["-o", "{d}/out", "-n", "1", "-l", "1"], "out", {"out/keep.txt": "x"},
        fsize=8192, keep=["out/keep.txt"], seconds=60.0)
    add("disk_full_retarget", "disk", RET, ["{good}", "-o", "{d}/out", "--robot", "mini_biped", "--format", "mimickit"],
        "out", {}, fsize=4096, absent=["out"])
    add("disk_full_preview", "disk", PRE, ["{good}", "--html", "{d}/x.html"], "x.html", {"x.html": "old"}, fsize=1024,
        keep=["x.html"])


def build(root: Path, good: Path, lib: Path) -> list[Case]:
    """Write every case's files under ``root`` and return the cases.

    Args:
        root: Empty folder for the corpus.
        good: A valid motion file (mini_biped).
        lib: A folder written by ``auto_gait_generator`` (``index.json`` and its clip).

    Returns:
        The cases, in a fixed order; every category has at least one.
    """
    cases: list[Case] = []
    bad = root / "_npz"
    bad.mkdir(parents=True)
    npz_files = fi.npz_cases(good, bad)

    def add(name: str, category: str, tool: str, args: list[str], names: str, files: dict[str, object],
            **limits: object) -> None:
        folder = root / name
        folder.mkdir()
        for rel, content in files.items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):  # a folder to copy in (without overwriting written files)
                shutil.copytree(content, target, dirs_exist_ok=True, ignore=lambda d, n: [x for x in n if (target / x).exists()])
            elif content in npz_files.values():
                shutil.copy(bad / str(content), target)
            else:
                target.write_bytes(content if isinstance(content, bytes) else str(content).encode())
        cases.append(Case(name, category, tool, args, names, **limits))  # type: ignore[arg-type]

    _yaml_cases(add)
    _urdf_cases(add)
    _argument_cases(add)
    _index_cases(add, lib)
    _npz_cases(add, npz_files)
    _disk_cases(add, lib)
    mixed = {"good.npz": good.read_bytes(), **{f: f for f in npz_files.values()}}
    add("batch_good_and_malformed", "batch", VAL, ["{d}", "--report", "{d}/report.json", "--no-index"], "bomb.npz",
        mixed, codes=(1,), seconds=60.0, graded={"good.npz": "pass", **{f: "error" for f in npz_files.values()}})
    assert {c.category for c in cases} == set(CATEGORIES), "every category has a case"
    return cases
