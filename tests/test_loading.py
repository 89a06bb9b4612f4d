"""Tests of adb_manager.loading: positions, YAML 1.2 semantics, and broken or hostile input."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

from adb_manager.diagnostics import Diagnostic, Severity
from adb_manager.errors import UnreadableSpecError
from adb_manager.loading import Limits, Position, load_file, load_text
from adb_manager.reorder import reorder_file
from adb_manager.validation import ValidationOptions, validate_file

ERROR = Severity.ERROR


def where(diagnostics: list[Diagnostic]) -> list[tuple[int, int, str, str]]:
    """Line, column, code and pointer of each diagnostic, in order."""
    return [(d.line, d.column, d.code, d.pointer) for d in diagnostics]


def write(path: Path, content: str | bytes) -> Path:
    """Write text as UTF-8 (newlines untranslated) or bytes as they are; returns the path."""
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# Positions


BLOCK = """\
a: 1
b:
  c: [1, [2, 3]]
  d:
    - x
    - - y
      - z
"""


def test_block_style_records_key_and_value_positions_by_pointer() -> None:
    """Block mappings and nested block and flow lists record 1-based key and value positions."""
    spec, diagnostics = load_text(BLOCK)
    assert diagnostics == []
    assert spec is not None
    assert spec.source == "<string>"
    assert spec.data == {"a": 1, "b": {"c": [1, [2, 3]], "d": ["x", ["y", "z"]]}}
    assert spec.key_positions == {
        "/a": Position(1, 1),
        "/b": Position(2, 1),
        "/b/c": Position(3, 3),
        "/b/d": Position(4, 3),
    }
    assert spec.value_positions == {
        "": Position(1, 1),
        "/a": Position(1, 4),
        "/b": Position(3, 3),
        "/b/c": Position(3, 6),
        "/b/c/0": Position(3, 7),
        "/b/c/1": Position(3, 10),
        "/b/c/1/0": Position(3, 11),
        "/b/c/1/1": Position(3, 14),
        "/b/d": Position(5, 5),
        "/b/d/0": Position(5, 7),
        "/b/d/1": Position(6, 7),
        "/b/d/1/0": Position(6, 9),
        "/b/d/1/1": Position(7, 9),
    }


def test_flow_style_records_key_and_value_positions_by_pointer() -> None:
    """A flow mapping with nested flow mappings and lists records every key and value position."""
    spec, diagnostics = load_text("{a: 1, b: {c: [1, {d: e}]}}")
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1, "b": {"c": [1, {"d": "e"}]}}
    assert spec.key_positions == {
        "/a": Position(1, 2),
        "/b": Position(1, 8),
        "/b/c": Position(1, 12),
        "/b/c/1/d": Position(1, 20),
    }
    assert spec.value_positions == {
        "": Position(1, 1),
        "/a": Position(1, 5),
        "/b": Position(1, 11),
        "/b/c": Position(1, 15),
        "/b/c/0": Position(1, 16),
        "/b/c/1": Position(1, 19),
        "/b/c/1/d": Position(1, 23),
    }


def test_pointer_tokens_escape_slash_and_tilde() -> None:
    """Keys holding '/' and '~' appear in pointers as '~1' and '~0' (RFC 6901)."""
    spec, diagnostics = load_text("a/b: 1\nc~d:\n  e: 2\n")
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a/b": 1, "c~d": {"e": 2}}
    assert spec.key_positions == {
        "/a~1b": Position(1, 1),
        "/c~0d": Position(2, 1),
        "/c~0d/e": Position(3, 3),
    }
    assert spec.value_positions["/a~1b"] == Position(1, 6)
    assert spec.value_positions["/c~0d/e"] == Position(3, 6)


def test_position_of_a_missing_node_falls_back_to_its_nearest_ancestor() -> None:
    """position() gives a key position with key=True, and an absent pointer's nearest ancestor."""
    spec, _ = load_text(BLOCK)
    assert spec is not None
    assert spec.position("/b/c", key=True) == Position(3, 3)
    assert spec.position("/b/c") == Position(3, 6)
    assert spec.position("/b/c/0", key=True) == Position(3, 7)
    assert spec.position("/b/nope/deeper") == Position(3, 3)
    assert spec.position("/nope") == Position(1, 1)
    diagnostic = spec.diagnostic("/b/d", "some-code", "a message", key=True)
    assert diagnostic == Diagnostic("<string>", 4, 3, ERROR, "some-code", "a message", "/b/d")


# YAML 1.2 semantics


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("Yes", "Yes"),
        ("0o17", 15),
        ("017", 17),
        ("0x1F", 31),
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("false", False),
        ("1e3", 1000.0),
        ("12.5", 12.5),
        ("1:20", "1:20"),
        ("'0o17'", "0o17"),
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
        ("=", "="),
    ],
)
def test_plain_scalars_follow_yaml_1_2_core_schema(written: str, expected: Any) -> None:
    """A plain scalar reads as the YAML 1.2 core schema says, with no diagnostic."""
    spec, diagnostics = load_text(f"k: {written}\n")
    assert diagnostics == []
    assert spec is not None
    value = spec.data["k"]
    assert (type(value), value) == (type(expected), expected)


# JSON


def test_json_file_loads_with_positions(tmp_path: Path) -> None:
    """A .json file loads to plain data with key and value positions."""
    path = write(tmp_path / "spec.json", '{\n  "a": 1,\n  "b": {"c": [true, null]}\n}\n')
    spec, diagnostics = load_file(path)
    assert diagnostics == []
    assert spec is not None
    assert spec.source == str(path)
    assert spec.data == {"a": 1, "b": {"c": [True, None]}}
    assert spec.key_positions == {
        "/a": Position(2, 3),
        "/b": Position(3, 3),
        "/b/c": Position(3, 9),
    }
    assert spec.value_positions == {
        "": Position(1, 1),
        "/a": Position(2, 8),
        "/b": Position(3, 8),
        "/b/c": Position(3, 14),
        "/b/c/0": Position(3, 15),
        "/b/c/1": Position(3, 21),
    }


def test_json_file_indented_with_tabs_loads(tmp_path: Path) -> None:
    """JSON allows tabs as whitespace, so a tab-indented .json file loads."""
    path = write(tmp_path / "tabs.json", '{\n\t"a": 1,\n\t"b": [1, 2]\n}\n')
    spec, diagnostics = load_file(path)
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1, "b": [1, 2]}
    assert spec.key_positions == {"/a": Position(2, 2), "/b": Position(3, 2)}
    assert spec.value_positions["/b/1"] == Position(3, 11)


def test_json_syntax_error_is_reported_at_the_json_modules_line_and_column(
    tmp_path: Path,
) -> None:
    """A JSON syntax error is one 'syntax' diagnostic at json's own line and column."""
    text = '{\n  "a": 1\n  "b": 2\n}\n'
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    assert (expected.value.lineno, expected.value.colno) == (3, 3)
    path = write(tmp_path / "broken.json", text)
    spec, diagnostics = load_file(path)
    assert spec is None
    message = "invalid JSON: Expecting ',' delimiter"
    assert diagnostics == [Diagnostic(str(path), 3, 3, ERROR, "syntax", message)]


def test_yaml_text_in_a_json_file_is_a_json_syntax_error(tmp_path: Path) -> None:
    """A .json file is read as JSON only, so YAML block syntax in it is a JSON syntax error."""
    path = write(tmp_path / "spec.json", "a: 1\n")
    spec, diagnostics = load_file(path)
    assert spec is None
    message = "invalid JSON: Expecting value"
    assert diagnostics == [Diagnostic(str(path), 1, 1, ERROR, "syntax", message)]


def test_duplicate_keys_in_json_are_reported_and_the_first_value_kept(tmp_path: Path) -> None:
    """A JSON object with a repeated key reports it at the second key and keeps the first value."""
    path = write(tmp_path / "dup.json", '{"a": 1, "a": 2}')
    spec, diagnostics = load_file(path)
    assert spec is not None
    assert spec.data == {"a": 1}
    message = "duplicate key 'a'; it was first set at line 1"
    assert diagnostics == [Diagnostic(str(path), 1, 10, ERROR, "duplicate-key", message, "/a")]


@pytest.mark.parametrize(
    "text",
    [
        '{"emoji": "\\ud83d\\ude00"}',
        '{"key"\n  : 1}',
        '{"' + "k" * 1100 + '": 1}',
    ],
    ids=["surrogate-pair-escape", "colon-on-next-line", "key-over-1024-chars"],
)
def test_valid_json_loads_to_what_the_json_module_reads(tmp_path: Path, text: str) -> None:
    """Every document json.loads accepts loads to the same data, with no error; where the YAML
    reader cannot give positions, an info says so."""
    path = write(tmp_path / "valid.json", text)
    spec, diagnostics = load_file(path)
    assert [(d.severity, d.code) for d in diagnostics] in ([], [(Severity.INFO, "no-positions")])
    assert spec is not None
    assert spec.data == json.loads(text)


# Documents that are not a single mapping


@pytest.mark.parametrize(
    "content",
    ["", "# only a comment\n# and another\n", "  \n\n"],
    ids=["empty", "comments-only", "blank-lines"],
)
def test_empty_file_is_reported(tmp_path: Path, content: str) -> None:
    """A file with no document is one 'empty' diagnostic at 1:1."""
    path = write(tmp_path / "spec.yaml", content)
    spec, diagnostics = load_file(path)
    assert spec is None
    message = "the file is empty; a spec needs version and components"
    assert diagnostics == [Diagnostic(str(path), 1, 1, ERROR, "empty", message)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("~\n", "null"),
        ("null\n", "null"),
        ("- a\n- b\n", "a list"),
        ("[a, b]\n", "a list"),
        ("just words\n", "a string"),
        ("42\n", "an integer"),
    ],
)
def test_document_that_is_not_a_mapping_is_reported(text: str, found: str) -> None:
    """A null, list or scalar document is one 'not-a-mapping' diagnostic naming what it is."""
    spec, diagnostics = load_text(text, "spec.yaml")
    assert spec is None
    message = f"a spec must be a mapping with version and components; found {found}"
    assert diagnostics == [Diagnostic("spec.yaml", 1, 1, ERROR, "not-a-mapping", message)]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\n---\nb: 2\n", 3),
        ("---\na: 1\n---\nb: 2\n", 4),
    ],
)
def test_several_documents_are_reported_at_the_second_document(text: str, line: int) -> None:
    """A second YAML document is one 'multiple-documents' diagnostic where it starts."""
    spec, diagnostics = load_text(text, "spec.yaml")
    assert spec is None
    message = "a spec file holds one YAML document; found a second one here"
    assert diagnostics == [Diagnostic("spec.yaml", line, 1, ERROR, "multiple-documents", message)]


def test_document_end_marker_alone_is_a_single_document() -> None:
    """A '...' end marker with nothing after it leaves a single document."""
    spec, diagnostics = load_text("a: 1\n...\n")
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1}


# Syntax and encoding


def test_tab_indentation_is_a_syntax_error_that_mentions_tabs() -> None:
    """A tab used for indentation is a 'syntax' diagnostic at the tab that mentions tabs."""
    spec, diagnostics = load_text("a:\n\tb: 1\n", "spec.yaml")
    assert spec is None
    assert where(diagnostics) == [(2, 1, "syntax", "")]
    assert diagnostics[0].message.startswith("invalid YAML: ")
    assert "tabs" in diagnostics[0].message


def test_yaml_syntax_error_is_positioned_at_the_problem() -> None:
    """A YAML syntax error is one 'syntax' diagnostic at ruamel's problem mark."""
    spec, diagnostics = load_text("a: 1\nb: c: d\n", "spec.yaml")
    assert spec is None
    message = "invalid YAML: mapping values are not allowed here"
    assert diagnostics == [Diagnostic("spec.yaml", 2, 5, ERROR, "syntax", message)]


def test_utf8_bom_is_accepted_by_load_text_and_load_file(tmp_path: Path) -> None:
    """A leading UTF-8 byte order mark is dropped and does not shift columns."""
    spec, diagnostics = load_text("\ufeffa: 1\n")
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1}
    assert (spec.key_positions["/a"], spec.value_positions["/a"]) == (
        Position(1, 1),
        Position(1, 4),
    )
    path = write(tmp_path / "bom.yaml", b"\xef\xbb\xbfa: 1\nb: [x]\n")
    spec, diagnostics = load_file(path)
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1, "b": ["x"]}
    assert spec.key_positions == {"/a": Position(1, 1), "/b": Position(2, 1)}
    assert spec.value_positions["/b/0"] == Position(2, 5)


def test_utf8_bom_is_accepted_in_json_files(tmp_path: Path) -> None:
    """A .json file starting with a UTF-8 byte order mark loads."""
    path = write(tmp_path / "bom.json", b'\xef\xbb\xbf{"a": 1}')
    spec, diagnostics = load_file(path)
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1}
    assert spec.value_positions["/a"] == Position(1, 7)


def test_crlf_line_endings_are_accepted_with_correct_lines(tmp_path: Path) -> None:
    """CRLF line endings count as one line break each and leave columns unchanged."""
    path = write(tmp_path / "crlf.yaml", b"a: 1\r\nb:\r\n  - x\r\n  - y\r\nc: {d: 2}\r\n")
    spec, diagnostics = load_file(path)
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1, "b": ["x", "y"], "c": {"d": 2}}
    assert spec.key_positions == {
        "/a": Position(1, 1),
        "/b": Position(2, 1),
        "/c": Position(5, 1),
        "/c/d": Position(5, 5),
    }
    assert spec.value_positions == {
        "": Position(1, 1),
        "/a": Position(1, 4),
        "/b": Position(3, 3),
        "/b/0": Position(3, 5),
        "/b/1": Position(4, 5),
        "/c": Position(5, 4),
        "/c/d": Position(5, 8),
    }


def test_crlf_line_endings_give_correct_lines_in_diagnostics(tmp_path: Path) -> None:
    """A diagnostic in a CRLF file is on the right line."""
    path = write(tmp_path / "crlf.yaml", b"a: 1\r\nb: 2\r\na: 3\r\n")
    spec, diagnostics = load_file(path)
    assert spec is not None
    message = "duplicate key 'a'; it was first set at line 1"
    assert diagnostics == [Diagnostic(str(path), 3, 1, ERROR, "duplicate-key", message, "/a")]


def test_non_utf8_bytes_are_reported_at_their_position(tmp_path: Path) -> None:
    """A byte that is not UTF-8 is one 'not-utf8' diagnostic at its line and column."""
    path = write(tmp_path / "latin1.yaml", b"a: 1\nb: x\xffy\n")
    spec, diagnostics = load_file(path)
    assert spec is None
    message = "file is not UTF-8 text: byte 0xff cannot be decoded"
    assert diagnostics == [Diagnostic(str(path), 2, 5, ERROR, "not-utf8", message)]


def test_non_utf8_bytes_after_a_bom_are_reported_at_their_position(tmp_path: Path) -> None:
    """The byte order mark does not shift the reported position or byte of a bad byte."""
    path = write(tmp_path / "latin1.yaml", b"\xef\xbb\xbfa: 1\nb: x\xffy\n")
    spec, diagnostics = load_file(path)
    assert spec is None
    message = "file is not UTF-8 text: byte 0xff cannot be decoded"
    assert diagnostics == [Diagnostic(str(path), 2, 5, ERROR, "not-utf8", message)]


# Keys


def duplicate(line: int, column: int, key: str, first: int, pointer: str) -> Diagnostic:
    """The 'duplicate-key' diagnostic of spec.yaml for a key repeated at line:column."""
    message = f"duplicate key {key!r}; it was first set at line {first}"
    return Diagnostic("spec.yaml", line, column, ERROR, "duplicate-key", message, pointer)


def test_every_duplicate_key_is_reported_at_the_repeat_and_the_first_value_kept() -> None:
    """Each repeated key is a 'duplicate-key' at the repeat naming the first line; first wins."""
    text = "a: 1\nb:\n  c: 2\n  c: 3\na: 4\na: 5\n"
    spec, diagnostics = load_text(text, "spec.yaml")
    assert spec is not None
    assert spec.data == {"a": 1, "b": {"c": 2}}
    assert spec.key_positions["/a"] == Position(1, 1)
    assert spec.value_positions["/a"] == Position(1, 4)
    assert spec.key_positions["/b/c"] == Position(3, 3)
    assert diagnostics == [
        duplicate(4, 3, "c", 3, "/b/c"),
        duplicate(5, 1, "a", 1, "/a"),
        duplicate(6, 1, "a", 1, "/a"),
    ]


def test_quoted_and_plain_spellings_of_a_key_are_duplicates() -> None:
    """'a' and "a" are the same key, so the quoted repeat is a duplicate."""
    spec, diagnostics = load_text('a: 1\n"a": 2\n')
    assert spec is not None
    assert spec.data == {"a": 1}
    assert where(diagnostics) == [(2, 1, "duplicate-key", "/a")]


def test_non_string_keys_are_reported_and_dropped() -> None:
    """Integer, null, boolean and collection keys are each a 'key-not-string' diagnostic."""
    text = "1: a\nnull: b\ntrue: c\n[x, y]: d\nname: e\n"
    spec, diagnostics = load_text(text, "spec.yaml")
    assert spec is not None
    assert spec.data == {"name": "e"}
    assert where(diagnostics) == [
        (1, 1, "key-not-string", ""),
        (2, 1, "key-not-string", ""),
        (3, 1, "key-not-string", ""),
        (4, 1, "key-not-string", ""),
    ]
    assert [d.message for d in diagnostics] == [
        "mapping keys must be strings; '1' reads as an integer, quote it",
        "mapping keys must be strings; 'null' reads as null, quote it",
        "mapping keys must be strings; 'true' reads as a boolean, quote it",
        "mapping keys must be strings",
    ]


def test_non_string_key_in_a_nested_mapping_points_at_the_mapping() -> None:
    """A non-string key's diagnostic carries the pointer of the mapping that holds it."""
    spec, diagnostics = load_text("outer:\n  inner:\n    2: x\n")
    assert spec is not None
    assert spec.data == {"outer": {"inner": {}}}
    assert where(diagnostics) == [(3, 5, "key-not-string", "/outer/inner")]


def test_merge_keys_are_reported_and_not_merged() -> None:
    """A '<<' merge key is a 'merge-key' diagnostic and its keys are not merged in."""
    text = "base: &b {a: 1}\nx:\n  <<: *b\n  c: 2\n"
    spec, diagnostics = load_text(text, "spec.yaml")
    assert spec is not None
    assert spec.data == {"base": {"a": 1}, "x": {"c": 2}}
    message = "merge keys (<<) are not part of YAML 1.2; write the keys out"
    assert diagnostics == [Diagnostic("spec.yaml", 3, 3, ERROR, "merge-key", message, "/x")]


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    """A quoted '<<' is a plain string key, not a merge."""
    spec, diagnostics = load_text("'<<': 1\n")
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"<<": 1}


# Tags


@pytest.mark.parametrize(
    ("template", "column", "pointer"),
    [
        ('x: !!python/object/apply:os.system ["touch {path}"]\n', 4, "/x"),
        ('x: !!python/object/apply:builtins.open ["{path}", "w"]\n', 4, "/x"),
        ('x: !!python/object/new:builtins.open ["{path}", "w"]\n', 4, "/x"),
        ("x: !!python/object/apply:builtins.open {{args: ['{path}', 'w']}}\n", 4, "/x"),
        ('x: [!!python/object/apply:os.system ["touch {path}"]]\n', 5, "/x/0"),
    ],
    ids=["os-system", "open-apply", "open-new", "open-kwds", "nested"],
)
def test_python_tags_are_refused_and_execute_nothing(
    tmp_path: Path, template: str, column: int, pointer: str
) -> None:
    """A python tag that would create a file is 'tag-not-allowed' and leaves no file behind."""
    target = tmp_path / "pwned"
    spec_path = write(tmp_path / "evil.yaml", template.format(path=target))
    _, diagnostics = load_file(spec_path)
    assert not target.exists()
    assert where(diagnostics) == [(1, column, "tag-not-allowed", pointer)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.yaml"]


@pytest.mark.parametrize(
    ("text", "tag", "column", "pointer"),
    [
        ("x: !!python/name:os.system\n", "!!python/name:os.system", 4, "/x"),
        ('x: !!python/object/apply:os.system ["hi"]\n', "!!python/object/apply:os.system", 4, "/x"),
        ("x: !!python/object:os.Thing {a: 1}\n", "!!python/object:os.Thing", 4, "/x"),
        ("x: !!binary aGk=\n", "!!binary", 4, "/x"),
        ("x: !!set {a, b}\n", "!!set", 4, "/x"),
        ("x: [1, !custom 2]\n", "!custom", 8, "/x/1"),
    ],
    ids=["scalar", "sequence", "mapping", "binary", "set", "local-tag"],
)
def test_tags_outside_the_core_schema_are_reported(
    text: str, tag: str, column: int, pointer: str
) -> None:
    """A node tagged outside the YAML core schema is one 'tag-not-allowed' diagnostic at it."""
    _, diagnostics = load_text(text, "spec.yaml")
    assert where(diagnostics) == [(1, column, "tag-not-allowed", pointer)]
    full_tag = tag.replace("!!", "tag:yaml.org,2002:")
    message = f"tag {full_tag!r} is not allowed; a spec holds plain YAML values only"
    assert diagnostics[0].message == message


@pytest.mark.parametrize("text", ["x: !!int abc\n", "x: !!float abc\n", "x: !!bool maybe\n"])
def test_core_tag_on_a_value_it_cannot_read_is_a_diagnostic(text: str) -> None:
    """An explicit core tag on a value it cannot read gives one error there instead of raising."""
    _, diagnostics = load_text(text, "spec.yaml")
    assert [(d.line, d.column, d.pointer, d.is_error) for d in diagnostics] == [(1, 4, "/x", True)]


def test_explicit_core_tags_are_allowed() -> None:
    """Explicit core-schema tags on scalars are plain values and need no diagnostic."""
    spec, diagnostics = load_text("a: !!str 12\nb: !!int '7'\nc: !!null ''\n")
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": "12", "b": 7, "c": None}


# Limits


def billion_laughs() -> str:
    """The classic alias bomb: nine levels of ten aliases, 10**9 strings once expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, current in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{current}: &{current} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_stops_at_the_default_node_limit() -> None:
    """A billion-laughs document stops at the default 500,000-node limit with 'too-many-nodes'."""
    spec, diagnostics = load_text(billion_laughs(), "bomb.yaml")
    assert spec is None
    message = (
        "the document expands to more than 500000 nodes: it is too long,"
        " or aliases repeat large anchors"
    )
    assert diagnostics == [
        Diagnostic("bomb.yaml", 1, 64, ERROR, "too-many-nodes", message, "/f/3/3/8/8/8/8")
    ]


def test_alias_bomb_stops_at_a_small_node_limit() -> None:
    """With Limits(max_nodes=100), expansion stops at the 101st node, positioned at its anchor."""
    spec, diagnostics = load_text(billion_laughs(), "bomb.yaml", limits=Limits(max_nodes=100))
    assert spec is None
    message = (
        "the document expands to more than 100 nodes: it is too long,"
        " or aliases repeat large anchors"
    )
    assert diagnostics == [
        Diagnostic("bomb.yaml", 1, 71, ERROR, "too-many-nodes", message, "/b/7/9")
    ]


def test_a_long_file_stops_while_it_is_read() -> None:
    """A file with more nodes than the limit is refused before all of it is composed."""
    spec, diagnostics = load_text("a: [" + "1, " * 50 + "1]\n", limits=Limits(max_nodes=10))
    assert spec is None
    assert where(diagnostics) == [(1, 29, "too-many-nodes", "")]


def test_node_limit_counts_every_node_including_the_last_allowed() -> None:
    """A document of exactly max_nodes nodes loads and one more node fails."""
    assert load_text("a: [1, 2]\n", limits=Limits(max_nodes=4))[1] == []
    spec, diagnostics = load_text("a: [1, 2, 3]\n", limits=Limits(max_nodes=4))
    assert spec is None
    assert where(diagnostics) == [(1, 11, "too-many-nodes", "")]


def test_recursive_alias_stops_at_the_depth_limit() -> None:
    """An anchor that contains its own alias stops at the depth limit instead of looping."""
    spec, diagnostics = load_text("a: &a [*a]\n", limits=Limits(max_depth=3))
    assert spec is None
    message = "nesting is deeper than 3 levels"
    assert diagnostics == [Diagnostic("<string>", 1, 4, ERROR, "too-deep", message, "/a/0/0/0")]


def test_nesting_deeper_than_max_depth_is_reported_at_the_first_too_deep_node() -> None:
    """With Limits(max_depth=5) five levels below the root load and a sixth is 'too-deep'."""
    limits = Limits(max_depth=5)
    ok = "a:\n  b:\n    c:\n      d:\n        e: 1\n"
    spec, diagnostics = load_text(ok, limits=limits)
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": {"b": {"c": {"d": {"e": 1}}}}}
    deep = "a:\n  b:\n    c:\n      d:\n        e:\n          f: 1\n"
    spec, diagnostics = load_text(deep, "deep.yaml", limits=limits)
    assert spec is None
    message = "nesting is deeper than 5 levels"
    assert diagnostics == [
        Diagnostic("deep.yaml", 6, 14, ERROR, "too-deep", message, "/a/b/c/d/e/f")
    ]


def test_flow_nesting_deeper_than_max_depth_is_reported() -> None:
    """Flow lists nested past Limits(max_depth=5) are 'too-deep' at the innermost allowed+1 node."""
    spec, diagnostics = load_text("a: [[[[[1]]]]]\n", limits=Limits(max_depth=5))
    assert spec is None
    assert where(diagnostics) == [(1, 9, "too-deep", "/a/0/0/0/0/0")]


def test_ten_thousand_levels_of_yaml_flow_nesting_is_too_deep_not_a_crash() -> None:
    """10,000 nested flow lists give one 'too-deep' diagnostic rather than a RecursionError."""
    text = "a: " + "[" * 10_000 + "]" * 10_000 + "\n"
    spec, diagnostics = load_text(text, "deep.yaml")
    assert spec is None
    message = "YAML nesting is too deep"
    assert diagnostics == [Diagnostic("deep.yaml", 1, 1, ERROR, "too-deep", message)]


def test_ten_thousand_levels_of_json_nesting_is_too_deep_not_a_crash(tmp_path: Path) -> None:
    """10,000 nested JSON arrays give one 'too-deep' diagnostic rather than a RecursionError."""
    path = write(tmp_path / "deep.json", '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}")
    spec, diagnostics = load_file(path)
    assert spec is None
    message = "JSON nesting is too deep"
    assert diagnostics == [Diagnostic(str(path), 1, 1, ERROR, "too-deep", message)]


def test_file_larger_than_max_bytes_is_reported_before_decoding(tmp_path: Path) -> None:
    """A file over Limits(max_bytes) is 'file-too-large' at 1:1, even when it is not UTF-8."""
    limits = Limits(max_bytes=10)
    path = write(tmp_path / "big.yaml", b"a: 12345678\n")
    spec, diagnostics = load_file(path, limits=limits)
    assert spec is None
    message = "file is larger than the limit of 10 bytes"
    assert diagnostics == [Diagnostic(str(path), 1, 1, ERROR, "file-too-large", message)]
    binary = write(tmp_path / "binary.yaml", b"\xff" * 11)
    assert load_file(binary, limits=limits)[1] == [
        Diagnostic(str(binary), 1, 1, ERROR, "file-too-large", message)
    ]


def test_file_of_exactly_max_bytes_loads(tmp_path: Path) -> None:
    """A file of exactly Limits(max_bytes) bytes is within the limit."""
    path = write(tmp_path / "exact.yaml", b"a: 1234567\n")
    assert path.stat().st_size == 11
    spec, diagnostics = load_file(path, limits=Limits(max_bytes=11))
    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"a": 1234567}


def test_missing_file_raises_unreadable_spec_error(tmp_path: Path) -> None:
    """A file that does not exist raises UnreadableSpecError, an OSError, naming file and reason."""
    path = tmp_path / "missing.yaml"
    with pytest.raises(UnreadableSpecError) as raised:
        load_file(path)
    assert isinstance(raised.value, OSError)
    assert raised.value.source == str(path)
    assert raised.value.reason == "No such file or directory"
    assert str(raised.value) == f"{path}: cannot read the file: No such file or directory"


def test_directory_raises_unreadable_spec_error(tmp_path: Path) -> None:
    """A directory given as the spec raises UnreadableSpecError."""
    with pytest.raises(UnreadableSpecError) as raised:
        load_file(tmp_path)
    assert raised.value.source == str(tmp_path)
    assert raised.value.reason == "not a regular file"


def test_json_that_yaml_cannot_position_still_reports_duplicates(tmp_path: Path) -> None:
    """Duplicate keys are reported even when positions are unavailable."""
    path = write(tmp_path / "dup.json", '{"' + "k" * 1100 + '": 1, "a": 1, "a": 2}')
    _, diagnostics = load_file(path)

    assert [(d.line, d.code) for d in diagnostics] == [(1, "no-positions"), (1, "duplicate-key")]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"a": NaN}', "invalid JSON: NaN is not a JSON number"),
        ('{"a": ' + "9" * 5000 + "}", "invalid JSON: a number is too long"),
    ],
)
def test_json_numbers_python_would_accept_are_refused(
    tmp_path: Path, text: str, words: str
) -> None:
    """NaN, Infinity and integers too long to convert are syntax errors, not crashes."""
    _, diagnostics = load_file(write(tmp_path / "n.json", text))

    assert [d.code for d in diagnostics] == ["syntax"]
    assert diagnostics[0].message.startswith(words)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_lone_surrogates_are_reported_and_escaped(tmp_path: Path, suffix: str) -> None:
    """A string with half a UTF-16 pair is an error at its value, and is kept escaped."""
    spec, diagnostics = load_file(write(tmp_path / f"s{suffix}", '{"name": "x\\ud800"}'))

    assert spec is not None
    assert spec.data == {"name": "x\\ud800"}
    assert [(d.line, d.column, d.code, d.pointer) for d in diagnostics] == [
        (1, 10, "invalid-string", "/name")
    ]


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    """A named pipe is not read (it would block); it is an unreadable spec."""
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableSpecError) as raised:
        load_file(fifo)
    assert raised.value.reason == "not a regular file"


def test_a_yaml_11_directive_is_refused() -> None:
    """%YAML 1.1 would turn yes into true: it is refused at its line."""
    _, diagnostics = load_text("# spec\n%YAML 1.1\n---\nrequired: yes\n", "s.yaml")

    assert [(d.line, d.column, d.code) for d in diagnostics] == [(2, 1, "yaml-version")]


def test_characters_yaml_forbids_are_positioned() -> None:
    """A NUL byte in YAML is reported at its own line and column, on one line."""
    _, diagnostics = load_text("version: 1\ncomponents: [a\x00]\n", "s.yaml")

    assert [(d.line, d.column, d.code) for d in diagnostics] == [(2, 15, "syntax")]
    assert "\n" not in diagnostics[0].message


def test_empty_values_are_positioned_at_their_key() -> None:
    """A key with no value has its value's position on its own line, not the next one."""
    spec, _ = load_text("a:\nb:\n  c:\n", "s.yaml")

    assert spec is not None
    assert spec.position("/a") == Position(1, 1)
    assert spec.position("/b/c") == Position(3, 3)


def test_a_trailing_document_marker_is_reported_inside_the_file() -> None:
    """An empty second document is reported on the file's last line, not past it."""
    _, diagnostics = load_text("version: 1\ncomponents: []\n---\n", "s.yaml")

    assert [(d.line, d.code) for d in diagnostics] == [(3, "multiple-documents")]


def test_dates_and_merge_signs_are_strings_as_keys_and_values() -> None:
    """Plain dates and a lone << read as strings wherever they stand."""
    spec, diagnostics = load_text("2001-01-01: <<\n=: 1\n", "s.yaml")

    assert diagnostics == []
    assert spec is not None
    assert spec.data == {"2001-01-01": "<<", "=": 1}


def test_text_over_the_size_limit_is_refused() -> None:
    """load_text applies the same size limit as load_file."""
    _, diagnostics = load_text("a: " + "x" * 100 + "\n", "s.yaml", limits=Limits(max_bytes=50))

    assert [d.code for d in diagnostics] == ["file-too-large"]


def test_an_anchor_defined_again_is_valid_and_prints_no_warning(tmp_path: Path) -> None:
    """YAML lets an anchor be redefined; no Python warning escapes the loader or fmt."""
    spec = tmp_path / "anchors.yaml"
    spec.write_text(
        "version: 1\n"
        "components:\n"
        '  - &k {name: b, class: "x:Y", depends_on: [a]}\n'
        '  - &k {name: a, class: "x:Y"}\n',
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = validate_file(spec, ValidationOptions(import_classes=False))
        reordered = reorder_file(spec, ValidationOptions(import_classes=False))

    assert [d.code for d in result.diagnostics] == ["order-violation"]
    assert [move.name for move in reordered.moves] == ["a"]
