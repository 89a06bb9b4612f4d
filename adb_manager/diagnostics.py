"""Diagnostics: what is wrong, where, and how bad it is."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs


class Severity(str, enum.Enum):
    """How much a diagnostic matters; errors fail validation, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@attrs.frozen(order=False)
class Diagnostic:
    """One finding about a spec, positioned at the node it is about.

    ``line`` and ``column`` are 1-based. ``pointer`` is the RFC 6901 JSON pointer of the node,
    ``""`` for the document itself. ``code`` is stable across releases; ``message`` is for people.
    """

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    pointer: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "pointer": self.pointer,
        }


def has_errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> bool:
    """Whether any diagnostic fails validation (warnings too when ``strict``)."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in failing for d in diagnostics)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file, line and column order, each reported once."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)
