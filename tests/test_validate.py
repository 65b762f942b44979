"""The validator on real generated motions and on injected faults (real MuJoCo, no mocks)."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import pytest

from gait_generator import generate
from motions import Motion
from motions.derivatives import angular_velocity_world, finite_difference
from motions.index import MotionEntry, record_motions
from robots import load_robot
from validate import load_thresholds, validate_file, validate_motion
from validate.cli import main
from validate.errors import ThresholdError
from validate.result import ERROR, FAIL, PASS


@functools.cache
def clip(robot: str = "mini_biped", preset: str = "medium", dx: float = 0.03, dtheta: float = 0.1) -> Motion:
    return generate(robot=robot, preset=preset, dx=dx, dtheta=dtheta, length=3.0, seed=3)


def with_velocities(m: Motion, **changes: np.ndarray) -> Motion:
    """Replace arrays and recompute the velocities from the new positions at the clip's fps.

    The exact accelerations no longer match the new positions, so they are dropped
    (the validator then differences the positions).
    """
    m = dataclasses.replace(m, **changes, joint_acc=None, root_lin_acc=None, root_ang_acc=None)
    return dataclasses.replace(
        m,
        root_lin_vel=finite_difference(m.root_pos, m.fps),
        root_ang_vel=angular_velocity_world(m.root_quat, m.fps),
        joint_vel=finite_difference(m.joint_pos, m.fps),
    )


def kin_dyn(m: Motion):
    return validate_motion(m, physics=False)


@pytest.mark.parametrize("robot", ["mini_biped", "g1"])
@pytest.mark.parametrize("preset", ["slow", "medium", "fast"])
def test_generated_motions_pass_kinematic_and_dynamic_checks(robot, preset):
    result = kin_dyn(clip(robot, preset))
    assert result.status == PASS, result.reasons
    stages = {c.stage for c in result.checks}
    assert stages == {"kinematic", "dynamic"}
    assert len(result.checks) >= 17


def _single_support(m: Motion, foot: int) -> tuple[int, int]:
    """Longest run of frames where only ``foot`` is in contact."""
    mask = m.contacts[:, foot] & ~m.contacts[:, 1 - foot]
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    runs = list(zip(edges[::2], edges[1::2]))
    return max(runs, key=lambda r: r[1] - r[0])


def knee_flipped(m: Motion) -> Motion:
    q = m.joint_pos.copy()
    j = m.joint_index(load_robot("mini_biped").spec.knees[0])
    q[60:70, j] *= -1.0
    return with_velocities(m, joint_pos=q)


def sole_in_floor(m: Motion) -> Motion:
    down = np.array([0.0, 0.0, -0.005])
    return with_velocities(m, root_pos=m.root_pos + down, left_foot_pos=m.left_foot_pos + down,
                           right_foot_pos=m.right_foot_pos + down, com_pos=m.com_pos + down)


def root_teleported(m: Motion) -> Motion:
    p = m.root_pos.copy()
    p[80] += [0.05, 0.0, 0.0]
    return dataclasses.replace(m, root_pos=p)


def stance_foot_slides(m: Motion) -> Motion:
    a, b = _single_support(m, 0)
    shift = np.zeros((m.num_frames, 3))
    shift[a:b, 1] = np.linspace(0.0, 0.02, b - a)
    shift[b:, 1] = 0.02
    return with_velocities(m, root_pos=m.root_pos + shift, left_foot_pos=m.left_foot_pos + shift,
                           right_foot_pos=m.right_foot_pos + shift, com_pos=m.com_pos + shift)


def joint_beyond_limit(m: Motion) -> Motion:
    q = m.joint_pos.copy()
    j = m.joint_index("left_hip_yaw")
    upper = load_robot("mini_biped").joint_limits("left_hip_yaw")[1]
    q[40:46, j] = upper + 0.1
    return with_velocities(m, joint_pos=q)


def com_outside_support(m: Motion) -> Motion:
    return dataclasses.replace(m, com_pos=m.com_pos + [0.0, 0.12, 0.0])


def fps_doubled(m: Motion) -> Motion:
    return dataclasses.replace(m, fps=2 * m.fps)


@pytest.mark.parametrize("fault, reason", [
    (knee_flipped, "knee_direction"),
    (sole_in_floor, "sole_penetration"),
    (root_teleported, "root_teleport"),
    (stance_foot_slides, "stance_slip"),
    (joint_beyond_limit, "joint_limit"),
    (com_outside_support, "zmp_support"),
    (fps_doubled, "fps_consistency"),
])
def test_injected_faults_are_caught_with_the_right_reason(fault, reason):
    result = kin_dyn(fault(clip()))
    assert result.status == FAIL
    assert reason in result.failed_checks, result.reasons
    assert any(r.startswith(f"{reason}: ") for r in result.reasons)


def test_fps_doubled_reason_names_the_metadata():
    result = kin_dyn(fps_doubled(clip()))
    check = result.check("fps_consistency")
    assert check.metrics["velocity_ratio"] == pytest.approx(0.5, abs=0.02)
    assert "fps metadata" in check.reason


def test_slide_is_measured_in_metres():
    slip = kin_dyn(stance_foot_slides(clip())).check("stance_slip").metrics["stance_slip_max_m"]
    assert slip == pytest.approx(0.02, abs=0.002)


def test_physics_replay_reports_survival_drift_and_ratios():
    result = validate_motion(clip(), physics=True)
    check = result.check("physics_replay")
    metrics = check.metrics
    for key in ("open_loop_survival_s", "open_loop_drift_m", "open_loop_yaw_drift_deg",
                "open_loop_contact_agreement_frac", "open_loop_speed_ratio"):
        assert metrics[key] is not None and metrics[key] >= 0.0, key
    assert metrics["simulated_s"] == pytest.approx(10.0, abs=0.05)  # looping clip tiled to 10 s
    assert check.passed and metrics["open_loop_survived"], check.reason
    assert 0.85 <= metrics["open_loop_speed_ratio"] <= 1.15
    assert "assist_force_mean_pct" not in metrics  # the assisted diagnostic runs only when the open loop fails


def _write_nan_copy(src: Path, dst: Path) -> None:
    with np.load(src, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["root_pos"] = arrays["root_pos"].copy()
    arrays["root_pos"][10:15] = np.nan
    np.savez(dst, **arrays)


def test_corrupt_inputs_give_per_motion_errors_and_the_batch_goes_on(tmp_path):
    good = clip().save(tmp_path / "good.npz")
    clip("g1").save(tmp_path / "other_robot.npz")
    data = good.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    _write_nan_copy(good, tmp_path / "nan.npz")
    report = tmp_path / "report.json"
    code = main([str(tmp_path), "--robot", "mini_biped", "--no-physics", "--report", str(report)])
    assert code == 1
    doc = json.loads(report.read_text())
    status = {Path(m["file"]).name: m for m in doc["motions"]}
    assert status["good.npz"]["status"] == PASS
    for name, words in (("truncated.npz", "truncated.npz"), ("nan.npz", "root_pos"),
                        ("other_robot.npz", "'g1'")):
        assert status[name]["status"] == ERROR
        assert words in status[name]["reasons"][0], status[name]["reasons"]
    assert doc["summary"]["counts"] == {"pass": 1, "fail": 0, "error": 3}


def test_cli_writes_validation_into_the_index_and_reports(tmp_path):
    entries = []
    for i, m in enumerate([clip(), fps_doubled(clip())]):
        name = f"clip_{i}.npz"
        m.save(tmp_path / name)
        entries.append(MotionEntry.from_motion(i, name, m))
    entries.append(MotionEntry.failed(2, "never_made.npz", "medium", (0.0, 0.0, 0.0), "planning failed"))
    record_motions(tmp_path, "mini_biped", entries, keep_validation=False)
    report, page = tmp_path / "r.json", tmp_path / "r.html"
    code = main([str(tmp_path / "index.json"), "-j", "2", "--report", str(report), "--html", str(page)])
    assert code == 1
    index = json.loads((tmp_path / "index.json").read_text())["motions"]
    # clip_0 passes every kinematic and dynamic check; the physics replay grades it.
    assert set(index[0]["validation"]["failed_checks"]) <= {"physics_replay"}
    assert index[1]["validation"]["status"] == FAIL
    assert "fps_consistency" in index[1]["validation"]["failed_checks"]
    assert "validation" not in index[2]
    assert "open_loop_survived" in index[0]["validation"] and "open_loop_drift_m" in index[0]["validation"]
    doc = json.loads(report.read_text())
    assert doc["summary"]["pass_rate"] in (0.0, 0.5)
    assert doc["motions"][0]["checks"]["physics_replay"]["metrics"]["simulated_s"] > 0
    text = page.read_text()
    assert "<table>" in text and "clip_1.npz" in text and "fps_consistency" in text


def test_single_file_and_default_robot_from_meta(tmp_path):
    path = clip("mini_biped", "slow").save(tmp_path / "one.npz")
    result = validate_file(path, physics=False)
    assert result.status == PASS and result.robot == "mini_biped"


def test_thresholds_defaults_document_units_and_reject_bad_files(tmp_path):
    th = load_thresholds()
    assert th.dynamic.friction_coefficient > 0
    assert th.for_robot("mini_biped").kinematic.joint_velocity_limit_frac >= 1.0
    bad = tmp_path / "bad.yaml"
    bad.write_text("kinematic:\n  stance_slip_max: 0.01\n")
    with pytest.raises(ThresholdError, match=r"bad.yaml: key 'kinematic': unknown key\(s\) \['stance_slip_max'\]"):
        load_thresholds(bad)
    bad.write_text("dynamic:\n  friction_coefficient: high\n")
    with pytest.raises(ThresholdError, match=r"bad.yaml.*dynamic\.friction_coefficient.*number"):
        load_thresholds(bad)
    bad.write_text("robots:\n  g1:\n    physics:\n      enabled: 1\n")
    with pytest.raises(ThresholdError, match=r"robots\.g1\.physics\.enabled"):
        load_thresholds(bad)
    good = tmp_path / "good.yaml"
    good.write_text("kinematic:\n  stance_slip_max_m: 0.03\n")
    assert load_thresholds(good).kinematic.stance_slip_max_m == 0.03
    assert main([str(tmp_path / "missing.npz"), "--thresholds", str(bad)]) == 2


def test_defaults_file_must_set_every_threshold(tmp_path, monkeypatch):
    import yaml

    from validate import thresholds

    data = yaml.safe_load(thresholds.DEFAULT_PATH.read_text())
    del data["dynamic"]["friction_coefficient"]
    broken = tmp_path / "thresholds.yaml"
    broken.write_text(yaml.safe_dump(data))
    monkeypatch.setattr(thresholds, "DEFAULT_PATH", broken)
    thresholds._defaults.cache_clear()
    try:
        with pytest.raises(ThresholdError, match=r"key 'dynamic': missing key\(s\) \['friction_coefficient'\]"):
            load_thresholds()
    finally:
        thresholds._defaults.cache_clear()
