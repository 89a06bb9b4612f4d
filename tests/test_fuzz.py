"""Fuzzing: any input gives diagnostics, never an exception, and positions inside the file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from adb_manager import ValidationOptions, validate_text
from adb_manager.diagnostics import Diagnostic
from adb_manager.plan import make_plan

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "examples/artifactdb/artifactdb.yaml"
).read_text(encoding="utf-8")
NO_IMPORT = ValidationOptions(import_classes=False)

# Characters that matter to YAML, and some that are traps: a tab, a BOM, a NUL, a Cyrillic a.
_TOKENS = list(" :-[]{}#&*!|>'\",?%@`\t\n") + ["\ufeff", "\x00", "\u0430", "yes", "~", "<<", "---"]

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _check(text: str) -> list[Diagnostic]:
    """Validate, plan when valid, and check every diagnostic is positioned inside the text."""
    result = validate_text(text, "fuzz.yaml", NO_IMPORT)
    if result.spec is not None:
        make_plan(result.spec)
    # YAML breaks lines at \r too; splitlines() knows every break YAML might count.
    lines = len(text.splitlines()) + 1
    for diagnostic in result.diagnostics:
        assert 1 <= diagnostic.line <= lines, diagnostic
        assert diagnostic.column >= 1, diagnostic
        diagnostic.message.encode("utf-8")
    return list(result.diagnostics)


@given(st.binary(max_size=300))
def test_random_bytes_give_diagnostics(data: bytes) -> None:
    """Any bytes, read as far as they decode, give diagnostics and no exception."""
    _check(data.decode("utf-8", errors="replace"))


@given(_json_values)
def test_random_documents_give_diagnostics(document: object) -> None:
    """Any YAML document built from JSON values validates without an exception."""
    import json

    _check(json.dumps(document))


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(EXAMPLE) - 1),
            st.sampled_from(["insert", "delete", "swap"]),
            st.sampled_from(_TOKENS),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutations_of_the_example_give_diagnostics(
    edits: list[tuple[int, str, str]],
) -> None:
    """Random edits of the example spec give diagnostics, never an exception."""
    text = list(EXAMPLE)
    for position, kind, token in edits:
        position %= max(len(text), 1)
        if kind == "insert":
            text[position:position] = token
        elif kind == "delete":
            del text[position : position + len(token)]
        elif text:
            other = (position * 7 + 3) % len(text)
            text[position], text[other] = text[other], text[position]
    _check("".join(text))
