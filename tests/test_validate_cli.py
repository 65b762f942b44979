"""gait_validate's messages: one ``error:`` per problem, the path once, plurals, grouped failures (validate.cli)."""

from __future__ import annotations

import pytest

from validate.cli import main
from validate.report import error_text, failure_lines
from validate.result import ERROR, FAIL, PASS, CheckResult, MotionResult


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"not a zip")
    return path


def test_an_unreadable_file_is_named_once(bad, capsys) -> None:
    assert main([str(bad), "--no-physics"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "1 motion: 0 pass, 0 fail, 1 error (pass rate 0.0%)",
        "error 1, by reason (-v lists each motion):",
        "     1  not a motion .npz archive (no zip header; truncated, corrupt or another format) (x.npz)",
    ]


def test_verbose_lists_each_motion_with_its_path_once(bad, capsys) -> None:
    assert main([str(bad), "--no-physics", "-v"]) == 1
    out = capsys.readouterr().out
    assert f"error {bad}: not a motion .npz archive" in out and out.count(str(bad)) == 1
    assert "ERROR" not in out and "error: " not in out


@pytest.mark.parametrize(("args", "message"), [
    (["{missing}"], "gait_validate: error: {missing}: no such motion file, directory or index\n"),
    (["{missing}", "-j", "0"], ("gait_validate: error: -j 0: expected a number of worker processes >= 1, or -1 "
                                "for all cores\n")),
])
def test_bad_arguments_print_one_error_line_and_nothing_else(tmp_path, capsys, args, message) -> None:
    missing = str(tmp_path / "missing.npz")
    assert main([a.format(missing=missing) for a in args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == message.format(missing=missing)


def result(name: str, status: str, checks: tuple[str, ...] = (), error: str = "") -> MotionResult:
    r = MotionResult(file=f"/lib/{name}", status=status,
                     checks=[CheckResult(c, "kinematic", False, reason=f"{c} off by {len(name)}.5 mm") for c in checks])
    if status == ERROR:
        r.reasons = [f"error: /lib/{name}: {error}"]
    return r.finish()


def test_failures_are_grouped_by_check_and_errors_by_message() -> None:
    results = [result("a.npz", FAIL, ("stance_slip",)), result("b.npz", PASS),
               result("c.npz", FAIL, ("stance_slip", "zmp_support")), result("d.npz", ERROR, error="3 frames, need 3+"),
               result("e.npz", ERROR, error="4 frames, need 3+"), result("f.npz", FAIL, ("stance_slip",))]
    assert [r.status for r in results] == [FAIL, PASS, FAIL, ERROR, ERROR, FAIL]
    assert error_text(results[3]) == "3 frames, need 3+"
    assert failure_lines(results, kept_in=["index.json"]) == [
        "fail 3, by check (every reason is in index.json; -v lists each motion):",
        "     3  stance_slip (a.npz, c.npz, f.npz)",
        "     1  zmp_support (c.npz)",
        "error 2, by reason (every reason is in index.json; -v lists each motion):",
        "     2  # frames, need #+ (d.npz, e.npz)",
    ]
    assert failure_lines(results, verbose=True)[1:4] == [
        "fail /lib/c.npz: stance_slip: stance_slip off by 5.5 mm; zmp_support: zmp_support off by 5.5 mm",
        "error /lib/d.npz: 3 frames, need 3+",
        "error /lib/e.npz: 4 frames, need 3+",
    ]
    assert failure_lines([results[1]]) == []
