"""A finding is one result of a health check: what was checked, how it went, what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    fix: str | None = None
    subject: str | None = None  # the path, URL or model the finding is about

    def to_dict(self) -> dict[str, str | None]:
        return {k: (str(v) if v is not None else None) for k, v in asdict(self).items()}


def ok(check: str, message: str, subject: str | None = None) -> Finding:
    return Finding(check, Severity.OK, message, None, subject)


def problem(
    check: str, message: str, fix: str, subject: str | None = None, *, warning: bool = False
) -> Finding:
    return Finding(check, Severity.WARNING if warning else Severity.ERROR, message, fix, subject)
