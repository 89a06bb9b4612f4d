"""Rendering diagnostics, plans and build reports for people and for programs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from adb_manager.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    # For annotations only: the command line imports the reporters before any command runs.
    from adb_manager.plan import PlanStep
    from adb_manager.status import ComponentStatus

# Control characters, and the ones that reorder text, would let a message forge or hide lines.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` on one line, with every control character escaped."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def format_diagnostic(diagnostic: Diagnostic) -> str:
    """``PATH:LINE:COL: SEVERITY[CODE] MESSAGE``, the form compilers and editors understand."""
    d = diagnostic
    where = f"{printable(d.file)}:{d.line}:{d.column}"
    return f"{where}: {d.severity.value}[{d.code}] {printable(d.message)}"


@attrs.frozen
class Run:
    """What one validation run covered: its findings, and the files it read or could not."""

    diagnostics: Sequence[Diagnostic]
    files: int
    unreadable: int = 0

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summarise(run: Run) -> str:
    """``2 errors, 1 warning, 0 infos in 3 files``, and the files that could not be read."""
    parts = ", ".join(_plural(run.count(s), s.value) for s in Severity)
    summary = f"{parts} in {_plural(run.files, 'file')}"
    if run.unreadable:
        summary += f"; {_plural(run.unreadable, 'file')} could not be read"
    return summary


def report_text(run: Run, out: TextIO, err: TextIO) -> None:
    for diagnostic in run.diagnostics:
        out.write(format_diagnostic(diagnostic) + "\n")
    err.write(summarise(run) + "\n")


def report_json(run: Run, out: TextIO, err: TextIO) -> None:
    document = {
        "diagnostics": [d.to_dict() for d in run.diagnostics],
        "summary": {
            "files": run.files,
            "unreadable": run.unreadable,
            **{s.value + "s": run.count(s) for s in Severity},
        },
    }
    write_json(document, out)


Reporter = Callable[[Run, TextIO, TextIO], None]

REPORTERS: dict[str, Reporter] = {"text": report_text, "json": report_json}


def write_json(document: Any, out: TextIO) -> None:
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def render_plan(name: str, steps: Sequence[PlanStep], *, imported: bool = True) -> str:
    """The plan as a table people read: build order, required or optional, and consequences."""
    lines = [f"build plan for {name}:"]
    if not imported:
        lines.append(
            "  (classes not imported: their FEATURES, DEPENDS_ON and REQUIRED are not shown;"
            " an unset required reads as required)"
        )
    number = 0
    for step in steps:
        if not step.enabled:
            lines.append(f"   -  {step.name} (disabled, not built)")
            continue
        number += 1
        kind = "required" if step.required else "optional"
        features = ", ".join(step.features) or "no features"
        lines.append(f"  {number:>2}. {step.name} [{kind}] {step.class_path}: {features}")
        if step.depends_on:
            lines.append(f"      needs: {', '.join(step.depends_on)}")
        if step.requires_features:
            lines.append(f"      needs features: {', '.join(step.requires_features)}")
        if not step.required:
            lines.append(f"      if it fails: {_consequence(step)}")
    return "\n".join(lines) + "\n"


def _consequence(step: PlanStep) -> str:
    if not step.skipped_with:
        return "skipped alone"
    also = ", ".join(step.skipped_with)
    if step.aborts:
        return f"the build aborts (required dependents among: {also})"
    return f"skipped together with {also}"


def render_status(
    name: str,
    features: Sequence[str],
    statuses: Sequence[ComponentStatus],
    methods: Mapping[str, str] | None = None,
) -> str:
    """The outcome of a build as text: each component's state, then the features and the
    manager methods."""
    lines = [f"{name}:"]
    for status in statuses:
        line = f"  {status.state.value:<8} {status.name}"
        if status.reason:
            line += f": {printable(status.reason)}"
        lines.append(line)
        if status.undeclared_uses:
            lines.append(f"           uses undeclared: {', '.join(status.undeclared_uses)}")
    lines.append(f"features: {', '.join(features) or 'none'}")
    if methods:
        offered = ", ".join(f"{method}() from {owner}" for method, owner in methods.items())
        lines.append(f"methods: {offered}")
    return "\n".join(lines) + "\n"
