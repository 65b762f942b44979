"""The export format registry: every registered format through the CLI, and a new format added from outside."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from motions import Motion, load
from motions.synthetic import synthetic_walk
from retarget import (
    FORMATS,
    ClipFile,
    ExportFormat,
    ExportRun,
    get_format,
    register_format,
    retarget,
)
from retarget import formats as formats_module
from retarget.cli import build_parser, main
from retarget.errors import RetargetError
from retarget.mapping import JointMapping, resolve_mapping
from retarget.resample import resample
from robots import load_robot

ROBOT = "mini_biped"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """A straight and a turning looping clip with the robot's joints (analytic, so no planner is needed)."""
    folder = tmp_path_factory.mktemp("motions")
    joints = load_robot(ROBOT).joint_names
    for name, yaw_rate in (("straight", 0.0), ("turn", 0.3)):
        synthetic_walk(fps=60.0, cycle_frames=40, num_cycles=2, yaw_rate=yaw_rate, joint_names=joints).save(
            folder / f"{name}.npz")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- every registered format ----------------------------------------------------------------------

def test_the_builtin_formats_are_registered_in_choice_order():
    builtin = {"mimickit": (".pkl", None), "awd": (".json", None), "gmr": (".pkl", None), "mjlab": (".npz", 50.0),
               "motion": (".npz", None), "isaaclab": (".npz", None)}
    assert list(FORMATS)[:6] == list(builtin)
    assert {name: (FORMATS[name].extension, FORMATS[name].default_fps) for name in builtin} == builtin
    assert [name for name in builtin if FORMATS[name].samples_itself] == ["mjlab", "isaaclab"]
    assert [name for name in builtin if FORMATS[name].takes_joint_order] == ["mjlab", "isaaclab"]


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_registered_format_round_trips_through_the_cli(clips, tmp_path, name, capsys):
    """The CLI writes exactly what the format object builds: clips, sidecars and a manifest naming them."""
    fmt = FORMATS[name]
    out = tmp_path / "out"
    assert main([str(clips), "-o", str(out), "--robot", ROBOT, "--format", name]) == 0
    assert f"wrote 2 {name} clips" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    robot = load_robot(ROBOT)
    run = ExportRun(format=fmt, robot=robot, wrap=True, out=out.absolute(), fps=fmt.default_fps)
    assert manifest["format"] == name and manifest["joint_order"] == list(run.joint_order)
    entries = manifest["motions"]
    assert [e["file"] for e in entries] == [f"straight{fmt.extension}", f"turn{fmt.extension}"]
    for entry in entries:
        motion = load(Path(entry["source"]))
        if fmt.default_fps is not None and not fmt.samples_itself:
            motion = resample(motion, fmt.default_fps)
        expected = fmt.write_clip(motion, resolve_mapping(robot, motion.meta["robot"]), run, entry["weight"])
        assert (out / entry["file"]).read_bytes() == expected.data
        fps = motion.fps if expected.fps is None else expected.fps
        assert (entry["frames"], entry["note"], entry["fps"]) == (expected.frames, expected.note, fps)
        assert entry.get("time_scale") == expected.time_scale
    sidecars = fmt.sidecars(run, entries)
    before = _snapshot(out)
    assert sorted(before) == sorted([e["file"] for e in entries] + list(sidecars) + ["manifest.json"])
    for file, content in sidecars.items():
        assert before[file] == (content if isinstance(content, bytes) else content.encode())
    assert main([str(clips), "-o", str(out), "--robot", ROBOT, "--format", name]) == 0
    assert _snapshot(out) == before  # deterministic: a rerun replaces the output with the same bytes


def test_the_cli_takes_choices_and_help_from_the_registry():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "format")
    assert list(action.choices) == list(FORMATS)
    text = parser.format_help()
    for fmt in FORMATS.values():
        assert f"{fmt.name} (*{fmt.extension}):" in text
    assert "(default: keep each clip's rate; mjlab: 50, isaaclab: its own, see below)" in " ".join(text.split())


def test_mimickit_builds_the_mjcf_once_per_run(clips, tmp_path, monkeypatch):
    calls = []
    real = formats_module.mjcf_xml
    monkeypatch.setattr(formats_module, "mjcf_xml", lambda robot: calls.append(robot.name) or real(robot))
    retarget(clips, tmp_path / "o", robot=ROBOT, format="mimickit")
    assert calls == [ROBOT] and (tmp_path / "o" / f"{ROBOT}.xml").is_file()


# --- a format added from outside ------------------------------------------------------------------

def _csv_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    """Root position and the mapped joints, one CSV row per frame."""
    joints, _ = mapping.apply(motion, list(run.joint_order))
    rows = np.hstack([motion.root_pos, joints])
    lines = [",".join(["x", "y", "z", *run.joint_order])] + [",".join(repr(float(v)) for v in row) for row in rows]
    return ClipFile(("\n".join(lines) + "\n").encode(), len(rows), f"{len(rows)} rows, weight {weight:.3f}")


def _csv_sidecars(run: ExportRun, entries: list[dict[str, Any]]) -> dict[str, str]:
    return {"clips.txt": "".join(f"{run.out / e['file']} {e['frames']}\n" for e in entries)}


def _csv_format(name: str = "csv_test", sidecars: Any = _csv_sidecars) -> ExportFormat:
    return ExportFormat(
        name=name,
        extension=".csv",
        summary="root position and joints as CSV (test format)",
        frames="the clip's T frames at 30 frames/s",
        write_clip=_csv_clip,
        sidecars=sidecars,
        joint_order=lambda run: sorted(run.robot.joint_names),
        default_fps=30.0,
    )


@pytest.fixture
def registered():
    """Register test formats; remove them again afterwards."""
    added: list[str] = []

    def add(fmt: ExportFormat) -> ExportFormat:
        added.append(register_format(fmt).name)
        return fmt

    yield add
    for name in added:
        FORMATS.pop(name)


def test_a_new_format_exports_end_to_end(clips, tmp_path, registered, capsys):
    fmt = registered(_csv_format())
    assert list(FORMATS)[-1] == "csv_test" and get_format("csv_test") is fmt
    out = tmp_path / "o"
    manifest = retarget(clips, out, robot=ROBOT, format="csv_test", weights="uniform")
    robot = load_robot(ROBOT)
    order = sorted(robot.joint_names)
    assert manifest["format"] == "csv_test" and manifest["joint_order"] == order
    assert sorted(p.name for p in out.iterdir()) == ["clips.txt", "manifest.json", "straight.csv", "turn.csv"]
    lines = []
    for entry in manifest["motions"]:
        expected = resample(load(clips / (Path(entry["file"]).stem + ".npz")), 30.0)  # the format's default rate
        header, *_ = (out / entry["file"]).read_text().splitlines()
        table = np.loadtxt(io.StringIO((out / entry["file"]).read_text()), delimiter=",", skiprows=1)
        assert header.split(",") == ["x", "y", "z", *order]
        assert entry["fps"] == expected.fps and entry["frames"] == expected.num_frames == len(table)
        assert entry["note"] == f"{len(table)} rows, weight 0.500"
        np.testing.assert_array_equal(table[:, :3], expected.root_pos)
        np.testing.assert_array_equal(table[:, 3:], np.stack([expected.joint(n) for n in order], axis=1))
        lines.append(f"{out.absolute() / entry['file']} {entry['frames']}\n")
    assert (out / "clips.txt").read_text() == "".join(lines)
    # The CLI offers it too, with its help, and an explicit --fps overrides its default rate.
    assert "csv_test (*.csv): root position and joints as CSV" in build_parser().format_help()
    assert main([str(clips / "straight.npz"), "-o", str(out), "--robot", ROBOT, "--format", "csv_test",
                 "--fps", "15"]) == 0
    assert "wrote 1 csv_test clip to" in capsys.readouterr().out
    assert json.loads((out / "manifest.json").read_text())["motions"][0]["fps"] == 15.0


def test_registering_a_taken_name_is_refused(registered):
    registered(_csv_format())
    with pytest.raises(ValueError, match="'csv_test' is already registered"):
        register_format(_csv_format())
    with pytest.raises(ValueError, match="'mimickit' is already registered"):
        register_format(_csv_format(name="mimickit"))
    assert FORMATS["mimickit"].extension == ".pkl"


@pytest.mark.parametrize("changes, message", [
    ({"name": "CSV test"}, "format name 'CSV test'"),
    ({"name": ""}, "format name ''"),
    ({"extension": "csv"}, "extension 'csv'"),
    ({"extension": "./x"}, "extension './x'"),
    ({"extension": ".."}, "extension '..'"),
    ({"default_fps": 0.0}, "default_fps 0.0"),
    ({"default_fps": float("nan")}, "default_fps nan"),
])
def test_a_malformed_format_is_refused(changes, message):
    fields = {"name": "csv_test", "extension": ".csv", "summary": "s", "frames": "f", "write_clip": _csv_clip}
    with pytest.raises(ValueError, match=message):
        ExportFormat(**(fields | changes))


def test_an_unknown_name_lists_the_registered_formats(registered):
    registered(_csv_format())
    choices = r"\['mimickit', 'awd', 'gmr', 'mjlab', 'motion', 'isaaclab', 'csv_test'\]"
    with pytest.raises(ValueError, match=r"'bvh'.*" + choices):
        get_format("bvh")


@pytest.mark.parametrize("sidecar", ["manifest.json", "straight.csv", "../escape.txt", "sub/../x.txt", "/abs.txt",
                                     "straight.csv/x.txt", "sub//x.txt", ".."])
def test_a_sidecar_must_be_a_file_of_its_own(clips, tmp_path, registered, sidecar):
    registered(_csv_format(name="csv_bad", sidecars=lambda run, entries: {sidecar: "x"}))
    with pytest.raises(RetargetError, match="csv_bad"):
        retarget(clips, tmp_path / "o", robot=ROBOT, format="csv_bad")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock"]  # nothing written, no staging left


def test_sidecars_may_fill_folders_and_hold_bytes(clips, tmp_path, registered):
    """A sidecar path may name a folder inside the output (MimicKit's ``meshes/``), and bytes are written as is."""
    files = {"assets/mesh.bin": b"\x00\x01binary", "assets/deeper/note.txt": "text\n", "index.txt": "i\n"}
    registered(_csv_format(name="csv_tree", sidecars=lambda run, entries: files))
    retarget(clips, tmp_path / "o", robot=ROBOT, format="csv_tree")
    assert {k: v for k, v in _snapshot(tmp_path / "o").items() if k in files} == {
        k: v if isinstance(v, bytes) else v.encode() for k, v in files.items()}
    registered(_csv_format(name="csv_clash", sidecars=lambda run, entries: {"a": "file", "a/b": "in a folder a"}))
    with pytest.raises(RetargetError, match="csv_clash"):
        retarget(clips, tmp_path / "o2", robot=ROBOT, format="csv_clash")


def test_joint_order_is_refused_by_a_format_without_one(clips, tmp_path):
    with pytest.raises(ValueError, match="joint_order: applies to --format mjlab or isaaclab only, not awd"):
        retarget(clips, tmp_path / "o", robot=ROBOT, format="awd", joint_order=tmp_path / "order.yaml")
