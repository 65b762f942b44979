"""Fork server of the fuzz corpus: import one tool once, then run each case in a forked child with limits.

Usage: ``python -m tests.fuzz_runner CASES.json RESULTS.json`` (or ``--launch``:
one fresh command, see :func:`launch`). ``CASES.json``
holds ``{"tool": name, "cases": [...]}``; each case gives its folder, argument
list, time limit, optional file-size limit and the files its stdout and stderr
go to. Each child runs the tool's real ``main(argv)`` as its console script
would (an uncaught exception prints a traceback and exits 1), in its own process
group, with its address space capped at the server's plus :data:`MEMORY_CAP`
(a runaway case fails fast instead of swapping the machine). The server records
each child's exit code, wall time from fork to exit and peak RSS (``wait4``;
it includes the pages shared with the server, i.e. the tool's imports) and
kills a child, with its process group, at its time limit.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import sys
import time
import traceback

ENTRIES = {
    "auto_gait_generator": "gait_generator.cli",
    "gait_validate": "validate.cli",
    "gait_retarget": "retarget.cli",
    "gait_preview": "viz.cli",
    "gait_robot": "validate.robot_cli",
}
"""Console script -> module of its ``main``, as in ``pyproject.toml``."""

PRELOAD = {
    "auto_gait_generator": ["robots", "gait_generator.batch", "gait_generator.pipeline", "gait_generator.timing"],
    "gait_validate": ["robots", "validate.runner", "validate.physics"],
    "gait_retarget": ["robots", "retarget.export"],
    "gait_preview": ["robots"],
    "gait_robot": ["robots", "validate.robot_check"],
}
"""Modules each ``main`` imports lazily: imported once here, so a case's time is its own work."""

MEMORY_CAP = 2 << 30
"""Address space a child may add to the server's (bytes)."""


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(tool: str, main, case: dict) -> None:
    """Run in the forked child; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        os.chdir(case["dir"])
        for fd, path in ((1, case["stdout"]), (2, case["stderr"])):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(handle, fd)
            os.close(handle)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        cap = _vm_size() + MEMORY_CAP
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        if case.get("fsize"):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG, as on a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (case["fsize"], case["fsize"]))
        sys.argv = [tool, *case["args"]]
        try:
            result = main(case["args"])
        except SystemExit as exc:
            result = exc.code
        if result is None:
            code = 0
        elif isinstance(result, int):
            code = result
        else:
            print(result, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001  what the interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _run(tool: str, main, case: dict) -> dict:
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(tool, main, case)
    timed_out = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > case["seconds"] and not timed_out:
            timed_out = True
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.005)
    seconds = time.monotonic() - start
    try:  # whatever the child left in its process group
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return {
        "name": case["name"],
        "code": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "seconds": seconds,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def launch(result_path: str, cap_mb: int, command: list[str]) -> int:
    """Run ``command`` as a fresh process, capped at ``cap_mb`` MB of address space; record its rusage.

    The command is forked from this small process rather than from pytest:
    Linux carries a forked child's resident size over ``exec`` into its peak
    RSS, so a child forked from a 2 GB test process would report 2 GB.

    Writes ``{"code", "wall", "cpu", "rss_mb"}`` (exit code, wall and CPU
    seconds, peak RSS in MB) to ``result_path``; returns 0.
    """
    cap = cap_mb << 20
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(result_path, "w") as handle:
        json.dump({"code": os.waitstatus_to_exitcode(status), "wall": time.monotonic() - start,
                   "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}, handle)
    return 0


def measured(command: list[str], cap_mb: int, result_path: str, **popen: object) -> dict:
    """Run ``command`` through :func:`launch` in a fresh interpreter; its exit code, times and peak RSS."""
    import subprocess

    subprocess.run([sys.executable, __file__, "--launch", result_path, str(cap_mb), "--", *command], check=True,
                   **popen)  # type: ignore[arg-type]
    with open(result_path) as handle:
        return json.load(handle)


def main(argv: list[str]) -> int:
    """Run every case of ``argv[0]`` and write the results to ``argv[1]`` (or ``--launch``, see :func:`launch`)."""
    if argv and argv[0] == "--launch":
        return launch(argv[1], int(argv[2]), argv[4:])
    with open(argv[0]) as handle:
        job = json.load(handle)
    tool = job["tool"]
    main_function = importlib.import_module(ENTRIES[tool]).main
    for module in PRELOAD[tool]:
        importlib.import_module(module)
    results = [_run(tool, main_function, case) for case in job["cases"]]
    with open(argv[1], "w") as handle:
        json.dump(results, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
