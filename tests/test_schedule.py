"""Command schedules and standing clips: files, layout, per-frame labels, quality and physics (real placo, MuJoCo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import gait_generator
from gait_generator.cli import main as generator_main
from gait_generator.errors import CommandError, ScheduleError
from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import resolve_preset
from gait_generator.schedule import load_schedule
from gait_generator.scheduled import generate_schedule, generate_stand
from gait_generator.timing import snap_timing
from motions import Motion, load
from motions.index import read_index
from motions.planar import Planar
from motions.storage import to_bytes
from robots import load_robot
from tests.quality import SLIP_TOL, check_clip, stance_runs
from validate.cli import main as validate_main


def velocity_schedule(forward: float, backward: float, wz: float, walk: float) -> list[dict]:
    """Stand 1 s, forward, forward and turning, backward (each ``walk`` s), stand 1 s."""
    return [
        {"duration": 1.0, "stand": True},
        {"duration": walk, "velocity": [forward, 0.0, 0.0]},
        {"duration": walk, "velocity": [forward, 0.0, wz]},
        {"duration": walk, "velocity": [-backward, 0.0, 0.0]},
        {"duration": 1.0, "stand": True},
    ]


def medium_speeds(robot: str) -> tuple[float, float]:
    """60 % of the medium preset's top forward and backward speeds (m/s)."""
    walker = load_robot(robot)
    preset = resolve_preset(walker.spec.presets, "medium", walker.name)
    step = snap_timing(preset, 60).step_duration
    return 0.6 * preset.max_dx_forward / step, 0.6 * preset.max_dx_backward / step


def written_and_validated(tmp: Path, robot: str, schedule: list[dict], stand: bool = False) -> Path:
    """Write the schedule's clip (and a 2 s standing clip) with auto_gait_generator, then run gait_validate."""
    path = tmp / "walk_about.yaml"
    path.write_text(yaml.safe_dump({"segments": schedule}))
    out = tmp / "out"
    assert generator_main(["--robot", robot, "--schedule", str(path), "-o", str(out)]) == 0
    if stand:
        assert generator_main(["--robot", robot, "--stand", "-l", "2", "-o", str(out)]) == 0
    assert validate_main([str(out)]) == 0  # kinematic, dynamic and physics (open-loop MuJoCo replay) checks
    for entry in read_index(out / "index.json").entries:
        assert entry.status == "ok" and entry.validation.status == "pass"
        assert entry.validation.open_loop_survived is True  # the physics replay ran, and the robot stayed up
    return out


def check_labels(motion: Motion) -> None:
    """command_per_frame and gait_phase of a schedule clip against its planned steps and segments."""
    t, fps = motion.num_frames, motion.fps
    cycle = 2 * motion.meta["schedule"]["step_frames"]
    phase, command = motion.gait_phase, motion.command_per_frame
    assert phase.shape == (t,) and command.shape == (t, 3)
    # Walking exactly from a run's first lift-off to its closing step's touchdown; NaN (standing) elsewhere.
    walking = np.zeros(t, dtype=bool)
    steps = motion.meta["schedule_steps"]
    first = steps[0]["lift_frame"]
    for i, step in enumerate(steps):
        if step["closing"]:
            walking[first : step["land_frame"]] = True
            first = steps[i + 1]["lift_frame"] if i + 1 < len(steps) else None
    np.testing.assert_array_equal(np.isfinite(phase), walking)
    assert motion.contacts[~walking].all()  # standing: both feet planted
    assert np.all((phase[walking] >= 0.0) & (phase[walking] < 1.0))
    for a, b in stance_runs(walking):
        assert phase[a] == 0.0  # each walk starts at phase 0 (the left foot lifts)
        np.testing.assert_allclose(np.diff(phase[a:b]) % 1.0, 1.0 / cycle, atol=1e-12)
    # The command in force: a walking segment's velocity on its frames, zeros on stand frames.
    expected = np.zeros((t, 3))
    for segment in motion.meta["schedule"]["segments"]:
        if "steps" in segment:
            expected[segment["start_frame"] : segment["start_frame"] + segment["frames"]] = segment["velocity_command"]
    np.testing.assert_array_equal(command, expected)
    assert not command[~walking].any()
    assert motion.times[-1] == (t - 1) / fps


def check_transitions(motion: Motion, robot: str) -> None:
    """The first step of every walking segment uses that segment's command, and lands where placo's rule puts it."""
    walker = load_robot(robot)
    planner = FootstepPlanner(walker, resolve_preset(walker.spec.presets, "medium", walker.name))
    steps = {s["lift_frame"]: s for s in motion.meta["schedule_steps"]}
    feet = motion.footsteps
    changes = 0
    for segment in motion.meta["schedule"]["segments"]:
        if "steps" not in segment:
            continue
        step = steps[segment["start_frame"]]  # the step lifting as the segment starts
        assert step["command"] == segment["step_command"]
        side = 0 if step["side"] == "left" else 1
        land = int(np.flatnonzero((feet.side == side) & np.isclose(feet.t_start * motion.fps, step["land_frame"]))[0])
        stance = int(np.flatnonzero((feet.side == 1 - side) & (feet.t_start * motion.fps <= step["lift_frame"] + 1e-9)
                                    & (feet.t_end * motion.fps >= step["land_frame"] - 1e-9))[0])
        pose = Planar(feet.pos[stance, 0], feet.pos[stance, 1], feet.yaw[stance]).pose()
        want = planner.next_footstep("left" if side == 1 else "right", pose, *segment["step_command"])
        np.testing.assert_allclose(feet.pos[land, :2], want[:2, 3], atol=1e-9)
        assert abs(Planar.from_matrix(want).yaw - feet.yaw[land]) < 1e-9
        changes += 1
    assert changes >= 3


def check_quality(motion: Motion, robot: str) -> None:
    check_clip(motion, load_robot(robot))  # slip, floor, knees, joint limits, velocities vs positions, quats
    assert motion.meta["stance_slip_max_m"] <= SLIP_TOL
    lowest = min(motion.left_foot_pos[:, 2].min(), motion.right_foot_pos[:, 2].min())
    assert lowest >= -1e-4  # no penetration
    assert not motion.loop.looping and motion.contacts[0].all() and motion.contacts[-1].all()
    np.testing.assert_allclose(motion.root_lin_vel[[0, -1]], 0.0, atol=1e-9)  # at rest at both ends


@pytest.fixture(scope="module")
def mini_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    forward, backward = medium_speeds("mini_biped")
    return written_and_validated(tmp_path_factory.mktemp("mini"), "mini_biped",
                                 velocity_schedule(forward, backward, 0.5, 1.0), stand=True)


def test_mini_biped_schedule_quality_labels_and_transitions(mini_folder: Path) -> None:
    index = read_index(mini_folder / "index.json")
    entries = {e.file: e for e in index.entries}
    assert set(entries) == {"walk_about_medium.npz", "stand_medium.npz"}
    assert all(e.status == "ok" and e.validation.status == "pass" for e in entries.values())
    motion = load(mini_folder / "walk_about_medium.npz")
    assert motion.meta["with_start"] and motion.meta["schedule"]["lead_in_frames"] == 0
    assert [s.get("steps") for s in motion.meta["schedule"]["segments"]] == [None, 5, 5, 5, None]  # 1 s of 0.2 s steps
    assert motion.num_frames == round(5.0 * motion.fps) + 1
    check_quality(motion, "mini_biped")
    check_labels(motion)
    check_transitions(motion, "mini_biped")
    achieved = motion.root_pos[-1, 0] - motion.root_pos[0, 0]
    assert achieved > 0.0  # forward 1 s, turning 1 s, backward 1 s (slower): net progress


def test_standing_clip_shifts_the_weight_between_the_feet(mini_folder: Path) -> None:
    motion = load(mini_folder / "stand_medium.npz")
    check_clip(motion, load_robot("mini_biped"))
    assert motion.num_frames == 121 and motion.contacts.all()
    assert np.isnan(motion.gait_phase).all() and not motion.command_per_frame.any()
    feet_y = (motion.left_foot_pos[0, 1], motion.right_foot_pos[0, 1])
    assert motion.zmp[:, 1].max() > 0.5 * feet_y[0] and motion.zmp[:, 1].min() < 0.5 * feet_y[1]  # foot to foot
    assert motion.com_pos[:, 1].max() > 0.2 * feet_y[0] and motion.com_pos[:, 1].min() < 0.2 * feet_y[1]
    np.testing.assert_allclose(motion.com_pos[[0, -1], :2], motion.zmp[[0, -1]], atol=1e-6)  # at rest at both ends
    assert motion.meta["standing"]["weight_shifts"] >= 2


def test_stop_stand_and_restart_rest_between_the_walks() -> None:
    schedule = [{"duration": 0.6, "velocity": [0.15, 0.0, 0.0]}, {"duration": 1.0, "stand": True},
                {"duration": 0.6, "step": [0.0, 0.02, 0.0]}]
    motion = generate_schedule("mini_biped", "medium", schedule)
    check_quality(motion, "mini_biped")
    check_labels(motion)
    record = motion.meta["schedule"]
    sd = motion.meta["timing"]["startend_frames"]
    s = motion.meta["timing"]["single_support_frames"]
    assert record["lead_in_frames"] == sd and record["lead_out_frames"] == s + sd
    stand = record["segments"][1]
    quiet = np.arange(stand["start_frame"] + s + sd, stand["start_frame"] + stand["frames"] - sd + 1)
    assert len(quiet) > 1 and motion.contacts[quiet].all() and np.isnan(motion.gait_phase[quiet]).all()
    assert np.abs(motion.com_pos[quiet] - motion.com_pos[quiet[0]]).max() < 1e-9  # still, between walks
    np.testing.assert_allclose(motion.joint_vel[quiet], 0.0, atol=1e-5)


def test_g1_schedule_quality_and_physics(tmp_path: Path) -> None:
    forward, backward = medium_speeds("g1")
    out = written_and_validated(tmp_path, "g1", velocity_schedule(forward, backward, 0.3, 1.3))
    motion = load(out / "walk_about_medium.npz")
    check_quality(motion, "g1")
    check_labels(motion)
    check_transitions(motion, "g1")


def test_schedule_clips_are_byte_identical_run_to_run() -> None:
    schedule = [{"duration": 0.4, "velocity": [0.1, 0.0, 0.3]}, {"duration": 0.4, "step": [-0.02, 0.0, 0.0]}]
    assert to_bytes(generate_schedule("mini_biped", "medium", schedule)) == \
        to_bytes(generate_schedule("mini_biped", "medium", schedule))


def test_generated_clips_carry_labels() -> None:
    looping = gait_generator.generate("mini_biped", dx=0.03, dtheta=0.1, length=1.0)
    c = looping.loop.cycle_frames
    k = np.arange(looping.num_frames)
    np.testing.assert_array_equal(looping.gait_phase, (k % c) / c)
    a = looping.achieved
    np.testing.assert_array_equal(looping.command_per_frame, np.tile([a.vx, a.vy, a.yaw_rate], (len(k), 1)))
    start = gait_generator.generate("mini_biped", dx=0.03, length=1.0, with_start=True)
    sd = start.meta["start_frames"]
    assert np.isnan(start.gait_phase[:sd]).all() and not start.command_per_frame[:sd].any()
    np.testing.assert_allclose(start.gait_phase[sd:], ((k[: start.num_frames - sd]) % c) / c, atol=1e-15)
    assert (start.command_per_frame[sd:] == start.command_per_frame[sd]).all() and start.command_per_frame[sd, 0] > 0


@pytest.mark.parametrize(("schedule", "match"), [
    ([{"duration": 0.4, "velocity": [1.0, 0.0, 0.0]}], r"segments\[0\]: velocity \(1 m/s, 0 m/s, 0 rad/s\) needs .*max_dx"),
    ([{"duration": 1.0, "stand": True}, {"duration": 0.4, "step": [0.0, 0.0, 0.5]}], r"segments\[1\]: .*max_dtheta"),
    ([{"duration": 0.4, "step": [0.0, 0.03, 0.3]}], r"segments\[0\]: .*feet too close"),
])
def test_commands_beyond_the_preset_or_too_close_name_the_segment(schedule: list, match: str) -> None:
    with pytest.raises(CommandError, match=match):
        generate_schedule("mini_biped", "medium", schedule)


def test_five_joint_legs_refuse_schedules_and_standing_clips() -> None:
    with pytest.raises(CommandError, match="five-joint legs"):
        generate_schedule("mini_biped5", "medium", [{"duration": 1.0, "velocity": [0.1, 0.0, 0.0]}])
    with pytest.raises(CommandError, match="five-joint legs"):
        generate_stand("mini_biped5", "medium", 2.0)


@pytest.mark.parametrize(("text", "match"), [
    ("- {duration: 1.0, stand: true, speed: 2}\n", r"key 'segments\[0\]': unknown key\(s\) \['speed'\]"),
    ("- {duration: -1.0, stand: true}\n", r"key 'segments\[0\].duration': -1.0 s is outside the allowed range"),
    ("- {duration: 1.0, velocity: [0.1, 0.0]}\n", r"key 'segments\[0\].velocity': expected a list of 3 numbers"),
    ("[]\n", r"key 'segments': expected a non-empty list of segments"),
    ("segments: []\n", r"key 'segments': expected a non-empty list of segments"),
    ("- {duration: 1.0, stand: true\n  x: [\n", r"not valid YAML"),
    ("- {duration: 1.0, stand: false}\n", r"key 'segments\[0\].stand': expected true"),
    ("- {duration: 1.0, velocity: [0.1, 0, 0], step: [0.01, 0, 0]}\n", r"give exactly one of"),
    ("- {duration: 1.0, velocity: [0.1, 0, 99]}\n", r"key 'segments\[0\].velocity': velocity: wz = 99"),
    ("- {duration: 1.0, stand: true}\n", r"no segment walks"),
    ("steps: []\n", r"unknown key\(s\) \['steps'\]"),
])
def test_bad_schedule_files_name_the_file_and_key(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScheduleError, match=match) as caught:
        load_schedule(path)
    assert str(caught.value).startswith(str(path))
    assert generator_main(["--schedule", str(path), "-o", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_example_schedule_is_valid() -> None:
    example = load_schedule(Path(__file__).parents[1] / "docs" / "examples" / "schedule.yaml")
    assert [s.kind for s in example.segments] == ["stand", "velocity", "velocity", "stand", "step", "stand"]
