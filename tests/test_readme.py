"""The README's quick start stays true: two commands, and CI runs the second one."""

from pathlib import Path

ROOT = Path(__file__).parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    install_run, install_test = quick_start_commands()
    assert "auto_gait_generator" in install_run and "pip install" in install_run
    assert "pytest" in install_test and "pip install" in install_test
    assert install_test in (ROOT / ".ci" / "run").read_text()
