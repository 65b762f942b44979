"""Result records of the validator: one :class:`CheckResult` per check, one :class:`MotionResult` per motion."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ERROR", "FAIL", "PASS", "CheckResult", "MotionResult"]

PASS = "pass"
FAIL = "fail"
ERROR = "error"


def _clean(value: Any) -> Any:
    """JSON-safe scalar: numpy to Python, non-finite floats to None."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float):
        return float(f"{value:.6g}")
    return value


@dataclass
class CheckResult:
    """Outcome of one check.

    Attributes:
        name: Check name, also the reason code (e.g. ``"stance_slip"``).
        stage: ``"kinematic"``, ``"dynamic"`` or ``"physics"``.
        passed: Whether the motion passes this check.
        metrics: Measured values; keys carry their unit (``_m``, ``_rad``, ...).
        reason: Why it failed (empty when passed).
    """

    name: str
    stage: str
    passed: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    def __post_init__(self) -> None:
        self.metrics = {k: _clean(v) for k, v in self.metrics.items()}


@dataclass
class MotionResult:
    """Everything the validator found about one motion.

    Attributes:
        file: Path of the motion file as given (or resolved from the index).
        robot: Robot the motion was validated against ("" if unknown).
        status: ``"pass"``, ``"fail"`` (a check failed) or ``"error"`` (could
            not be validated: unreadable, non-finite, wrong robot).
        reasons: ``"<check>: <message>"`` for every failed check, or the error.
        checks: Every check run, in order.
        clip_seconds: Duration of the clip, ``(T - 1) / fps`` (s).
        wall_seconds: Time spent validating it (s).
        index_id: Id of the motion in its index, if it came from one.
        sha256: Hex SHA-256 of the file's bytes as validated ("" if unread).
    """

    file: str
    robot: str = ""
    status: str = PASS
    reasons: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    clip_seconds: float = 0.0
    wall_seconds: float = 0.0
    index_id: int | None = None
    sha256: str = ""

    @property
    def failed_checks(self) -> list[str]:
        """Names of the checks that failed."""
        return [c.name for c in self.checks if not c.passed]

    def check(self, name: str) -> CheckResult:
        """The result of check ``name``.

        Raises:
            KeyError: The check was not run.
        """
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"check {name!r} was not run; ran {[c.name for c in self.checks]}")

    def finish(self) -> MotionResult:
        """Set ``status`` and ``reasons`` from the checks (unless already an error)."""
        if self.status != ERROR:
            self.reasons = [f"{c.name}: {c.reason}" for c in self.checks if not c.passed]
            self.status = FAIL if self.reasons else PASS
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: status, reasons, failed checks, metrics per check."""
        doc = asdict(self)
        doc["failed_checks"] = self.failed_checks
        doc["clip_seconds"] = _clean(self.clip_seconds)
        doc["wall_seconds"] = _clean(self.wall_seconds)
        doc["checks"] = {c.name: {"stage": c.stage, "passed": c.passed, "reason": c.reason, "metrics": c.metrics}
                         for c in self.checks}
        return doc
