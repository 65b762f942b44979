"""The validation report: JSON (every metric of every motion + summary) and a self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from motions.atomic import atomic_write_text
from motions.console import ReasonGroups
from validate.result import ERROR, FAIL, PASS, MotionResult
from validate.thresholds import Thresholds

__all__ = ["error_text", "failure_lines", "report_document", "summary", "write_html", "write_json"]


def _metric(result: MotionResult, check: str, key: str) -> Any:
    try:
        return result.check(check).metrics.get(key)
    except KeyError:
        return None


def summary(results: list[MotionResult], worst: int = 10) -> dict[str, Any]:
    """Counts, pass rate, failures per check, physics statistics and the worst offenders."""
    total = len(results)
    counts = {s: sum(r.status == s for r in results) for s in (PASS, FAIL, ERROR)}
    per_check: dict[str, int] = {}
    for r in results:
        for name in r.failed_checks:
            per_check[name] = per_check.get(name, 0) + 1
    survived = [v for r in results if (v := _metric(r, "physics_replay", "open_loop_survived")) is not None]
    standing = [r for r in results if _metric(r, "physics_replay", "open_loop_survived")]
    drift = [v for r in standing if (v := _metric(r, "physics_replay", "open_loop_drift_m")) is not None]
    yaw = [v for r in standing if (v := _metric(r, "physics_replay", "open_loop_yaw_drift_deg")) is not None]
    ranked = sorted((r for r in results if r.status != PASS),
                    key=lambda r: (r.status != ERROR, -len(r.reasons), r.file))
    clip = sum(r.clip_seconds for r in results)
    wall = sum(r.wall_seconds for r in results)
    return {
        "motions": total,
        "counts": counts,
        "pass_rate": counts[PASS] / total if total else None,
        "failures_per_check": dict(sorted(per_check.items(), key=lambda kv: -kv[1])),
        "physics": {
            "replayed": len(survived),
            "open_loop_survival_rate": float(np.mean(survived)) if survived else None,
            "open_loop_drift_m_median": float(np.median(drift)) if drift else None,
            "open_loop_yaw_drift_deg_median": float(np.median(yaw)) if yaw else None,
        },
        "clip_seconds": clip,
        "worker_seconds": wall,
        "worst_offenders": [{"file": r.file, "status": r.status, "reasons": r.reasons} for r in ranked[:worst]],
    }


def error_text(result: MotionResult) -> str:
    """Why ``result`` could not be validated, without the ``error:`` tag and the file name it starts with."""
    text = result.reasons[0] if result.reasons else "unknown error"
    text = text.removeprefix("error: ")
    return text.removeprefix(f"{result.file}: ")


def failure_lines(results: list[MotionResult], verbose: bool = False, kept_in: Sequence[str] = ()) -> list[str]:
    """Lines about the motions that did not pass, for a terminal.

    Without ``verbose``: per status, one line per failed check (``fail``) or
    per error message (``error``, numbers aside) with its count and up to three
    file names (:class:`motions.console.ReasonGroups`). With ``verbose``: one
    line per motion, ``<status> <file>: <reasons>``.

    Args:
        results: The results, in a stable order (it picks the examples).
        verbose: List every motion.
        kept_in: Where every reason is kept (``index.json``, the report), for the header.
    """
    if verbose:
        return [f"{r.status} {r.file}: " + (error_text(r) if r.status == ERROR else "; ".join(r.reasons))
                for r in results if r.status != PASS]
    kept = f"every reason is in {' and '.join(kept_in)}; " if kept_in else ""
    lines = []
    for status, by in ((FAIL, "check"), (ERROR, "reason")):
        groups = ReasonGroups()
        motions = 0
        for k, r in enumerate(results):
            if r.status == status:
                motions += 1
                for reason in (r.failed_checks if status == FAIL else [error_text(r)]):
                    groups.add(reason, Path(r.file).name, order=k)
        if motions:
            lines.append(f"{status} {motions}, by {by} ({kept}-v lists each motion):")
            lines += groups.lines(indent="  ")
    return lines


def report_document(results: list[MotionResult], thresholds: Thresholds) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    return {
        "format": "gait_validate.report",
        "version": 1,
        "summary": summary(results),
        "thresholds": {**thresholds.as_dict(), "robots": thresholds.robots, "sources": list(thresholds.source)},
        "motions": [r.to_dict() for r in results],
    }


def write_json(path: str | Path, document: dict[str, Any]) -> Path:
    """Write the report atomically."""
    return atomic_write_text(Path(path), json.dumps(document, indent=1, sort_keys=False, allow_nan=False) + "\n")


def _plot(document: dict[str, Any]) -> str:
    """Base64 PNG: failures per check and the open-loop drift of each replay ("" if unavailable)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001  matplotlib missing or broken: the page works without the plot
        return ""
    s = document["summary"]
    drift = [m["checks"]["physics_replay"]["metrics"].get("open_loop_drift_m")
             for m in document["motions"] if "physics_replay" in m["checks"]]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    names = list(s["failures_per_check"]) or ["(none)"]
    axes[0].barh(names, [s["failures_per_check"].get(n, 0) for n in names], color="#c0504d")
    axes[0].set_xlabel("motions failing")
    axes[0].set_title("Failures per check")
    axes[1].hist([d for d in drift if d is not None] or [0], bins=20, color="#4f81bd")
    axes[1].set_xlabel("root drift after the open-loop replay (m)")
    axes[1].set_title("Physics replay drift")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


_COLUMNS = (
    ("sole_penetration", "sole_penetration_max_m", "sole pen. (m)"),
    ("stance_slip", "stance_slip_max_m", "slip (m)"),
    ("zmp_support", "zmp_margin_min_m", "ZMP margin (m)"),
    ("friction_cone", "friction_ratio_max", "friction"),
    ("physics_replay", "open_loop_survival_s", "survival (s)"),
    ("physics_replay", "open_loop_drift_m", "drift (m)"),
    ("physics_replay", "open_loop_yaw_drift_deg", "yaw drift (deg)"),
    ("physics_replay", "open_loop_speed_ratio", "speed ratio"),
    ("physics_replay", "open_loop_turn_ratio", "turn ratio"),
    ("physics_replay", "assist_force_mean_pct", "assist needed (% mg)"),
)


def write_html(path: str | Path, document: dict[str, Any]) -> Path:
    """Write a self-contained HTML page: summary, an optional embedded plot, one table row per motion."""
    s = document["summary"]
    esc = html.escape
    rows = []
    for m in document["motions"]:
        cells = [f"<td>{esc(Path(m['file']).name)}</td>", f"<td class='{m['status']}'>{m['status']}</td>"]
        for check, key, _ in _COLUMNS:
            value = m["checks"].get(check, {}).get("metrics", {}).get(key)
            cells.append(f"<td>{'' if value is None else esc(f'{value:.4g}')}</td>")
        cells.append(f"<td>{'<br>'.join(esc(r) for r in m['reasons'])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    plot = _plot(document)
    img = f"<img alt='summary plot' src='data:image/png;base64,{plot}'>" if plot else ""
    phys = s["physics"]
    head = "".join(f"<th>{esc(label)}</th>" for _, _, label in _COLUMNS)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gait_validate report</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;vertical-align:top}}th{{background:#eee}}
.pass{{color:#2a7a2a;font-weight:bold}}.fail{{color:#b22;font-weight:bold}}.error{{color:#a60;font-weight:bold}}</style>
</head><body>
<h1>gait_validate report</h1>
<p>{s['motions']} motions: {s['counts']['pass']} pass, {s['counts']['fail']} fail, {s['counts']['error']} error
(pass rate {'' if s['pass_rate'] is None else f"{s['pass_rate']:.1%}"}).
Physics replays (open loop, the robot's own actuators, nothing on the root): {phys['replayed']},
survival rate {'n/a' if phys['open_loop_survival_rate'] is None else f"{phys['open_loop_survival_rate']:.1%}"},
median drift {'n/a' if phys['open_loop_drift_m_median'] is None else f"{phys['open_loop_drift_m_median'] * 100:.1f} cm"},
median heading drift {'n/a' if phys['open_loop_yaw_drift_deg_median'] is None else f"{phys['open_loop_yaw_drift_deg_median']:.1f} deg"}.
The assist column (a stabilising root wrench, run only for clips that fail) says how much help a clip needed.</p>
<p>Failures per check: {esc(', '.join(f'{k} {v}' for k, v in s['failures_per_check'].items()) or 'none')}</p>
{img}
<table><tr><th>motion</th><th>status</th>{head}<th>reasons</th></tr>
{''.join(rows)}
</table></body></html>
"""
    return atomic_write_text(Path(path), page)
