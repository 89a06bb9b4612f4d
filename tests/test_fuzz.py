"""Fuzzing: any input gives diagnostics, never an exception, and positions inside the file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adb_manager import BuildError, ValidationOptions, from_spec, validate_file, validate_text
from adb_manager.diagnostics import Diagnostic
from adb_manager.plan import make_plan

ARTIFACTDB = Path(__file__).resolve().parent.parent / "examples/artifactdb"
EXAMPLE = (ARTIFACTDB / "artifactdb.yaml").read_text(encoding="utf-8")
CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
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
    _check(json.dumps(document))


_EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(EXAMPLE) - 1),
        st.sampled_from(["insert", "delete", "swap"]),
        st.sampled_from(_TOKENS),
    ),
    min_size=1,
    max_size=6,
)


def _mutated(edits: list[tuple[int, str, str]]) -> str:
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
    return "".join(text)


@given(_EDITS)
def test_mutations_of_the_example_give_diagnostics(edits: list[tuple[int, str, str]]) -> None:
    """Random edits of the example spec give diagnostics, never an exception."""
    _check(_mutated(edits))


@settings(max_examples=25)
@given(_EDITS)
def test_mutations_that_validate_build_or_fail_cleanly(edits: list[tuple[int, str, str]]) -> None:
    """A mutated example that validates builds, or fails with BuildError; nothing else."""
    options = ValidationOptions(search_path=(str(ARTIFACTDB),))
    result = validate_text(_mutated(edits), "fuzz.yaml", options)
    if result.spec is None:
        return
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # the example's data paths are relative to the current directory
        try:
            from_spec(result.spec, options=options).close()
        except BuildError:
            pass
        finally:
            os.chdir(here)


@pytest.mark.parametrize("path", sorted(CORPUS.iterdir()), ids=lambda path: path.name)
def test_inputs_that_once_failed_give_diagnostics(path: Path) -> None:
    """Every input kept in the corpus, each of which once broke a check, is handled."""
    result = validate_file(path, NO_IMPORT)

    assert result.diagnostics
    assert all(d.line >= 1 and d.column >= 1 for d in result.diagnostics)
