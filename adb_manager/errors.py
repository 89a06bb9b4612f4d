"""The exceptions that adb_manager raises; all derive from :class:`AdbManagerError`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adb_manager.diagnostics import Diagnostic
    from adb_manager.status import ComponentStatus


class AdbManagerError(Exception):
    """Base class of every error raised by adb_manager."""


class SpecError(AdbManagerError, ValueError):
    """A spec failed validation; ``diagnostics`` holds every finding, errors and warnings."""

    def __init__(self, source: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.source = source
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0] if errors else None
        summary = f"{source}: {len(errors)} error(s)"
        if first is not None:
            where = f"{first.line}:{first.column} ({first.pointer or '/'})"
            summary += f"; first at {where}: [{first.code}] {first.message}"
        super().__init__(summary)


class ComponentClassError(AdbManagerError, TypeError):
    """A class given to the builder is not a usable component class."""


class DeclarationError(AdbManagerError, ValueError):
    """A name, feature or flag given to the builder breaks the rules a spec would be held to."""


class DuplicateComponentError(AdbManagerError, ValueError):
    """A component name is already taken on the manager."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"component {name!r}: {reason}")


class BuildError(AdbManagerError, RuntimeError):
    """A required component could not be built; the manager was closed.

    ``component`` names the required component that failed (or that depends on the failure),
    ``root`` the component whose failure started it, and ``report`` holds the status of every
    component up to that point, in build order.
    """

    def __init__(
        self,
        component: str,
        root: str,
        reason: str,
        report: Sequence[ComponentStatus],
        *,
        subject: str = "required component",
        outcome: str = "was not built",
    ) -> None:
        self.component = component
        self.root = root
        self.reason = reason
        self.report = tuple(report)
        super().__init__(f"{subject} {component!r} {outcome}: {reason}")


class UnreadableSpecError(AdbManagerError, OSError):
    """A spec file could not be opened or read."""

    def __init__(self, source: str, reason: str, *, problem: str = "cannot read the file") -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {problem}: {reason}")


def describe_error(error: BaseException) -> str:
    """``Type: message`` of an exception, even one whose ``str()`` raises."""
    try:
        text = str(error)
    except Exception:
        text = "<message unavailable: str() raised>"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
