"""Reading a spec file into plain data, remembering where every node was written.

YAML is read as YAML 1.2 by ruamel.yaml's composer only: the node graph is turned into plain Python
values here, so that no tag can construct an object, every key keeps its line and column, duplicate
keys are all reported, and aliases cannot expand without bound.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import stat
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from adb_manager.diagnostics import Diagnostic, Severity
from adb_manager.errors import UnreadableSpecError

# Re-exported: Limits was defined here first.
from adb_manager.limits import Limits as Limits

logger = logging.getLogger(__name__)

_CORE = "tag:yaml.org,2002:"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
_STR = _CORE + "str"
# ruamel.yaml resolves plain dates and times to timestamps, and a lone "=" to YAML 1.1's value
# type, even in YAML 1.2, whose core schema has neither: such a value is the string it is.
_READ_AS_STRING = {_CORE + "timestamp", _CORE + "value", _CORE + "merge"}


#: The tag that includes another file's content in place of a configuration value.
INCLUDE_TAG = "!include"


@attrs.frozen
class Position:
    """A 1-based line and column in a file; ``source`` names the file when it is not the spec's
    own, as in a spec composed from several files (``None``: the spec's own file)."""

    line: int
    column: int
    source: str | None = None


@attrs.define
class LoadedSpec:
    """A spec's data as plain values, with the position of every key and value by JSON pointer.

    ``includes`` maps the pointer of each ``!include`` value to the path it names; the value is
    that path until the include is resolved (see :mod:`adb_manager.includes`).
    """

    source: str
    data: Any
    key_positions: dict[str, Position] = attrs.field(factory=dict)
    value_positions: dict[str, Position] = attrs.field(factory=dict)
    includes: dict[str, str] = attrs.field(factory=dict)

    def position(self, pointer: str, *, key: bool = False) -> Position:
        """Where the node at ``pointer`` was written; its key's position when ``key``.

        A pointer to a node that does not exist (a missing key) falls back to its nearest ancestor.
        """
        table = self.key_positions if key else self.value_positions
        if pointer in table:
            return table[pointer]
        if key and pointer in self.value_positions:
            return self.value_positions[pointer]
        while pointer:
            pointer = pointer.rpartition("/")[0]
            if pointer in self.value_positions:
                return self.value_positions[pointer]
        return Position(1, 1)

    def diagnostic(
        self,
        pointer: str,
        code: str,
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        key: bool = False,
    ) -> Diagnostic:
        """A diagnostic positioned at the node at ``pointer`` (or its key), in the file that
        node was written in."""
        where = self.position(pointer, key=key)
        return Diagnostic(
            self.file_of(where), where.line, where.column, severity, code, message, pointer
        )

    def file_of(self, where: Position) -> str:
        """The file a position is in."""
        return where.source if where.source is not None else self.source


def count_nodes(value: Any, most: int) -> int:
    """How many nodes ``value`` holds, counting stopped once past ``most``; iterative, so that
    no nesting can exhaust the stack."""
    count = 0
    pending = [value]
    while pending and count <= most:
        node = pending.pop()
        count += 1
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return count


def deepest(value: Any, most: int) -> int:
    """The depth of ``value``'s deepest node, the root being at 0, as the loader counts it;
    counting stopped once past ``most``."""
    found = 0
    pending = [(value, 0)]
    while pending and found <= most:
        node, depth = pending.pop()
        found = max(found, depth)
        if isinstance(node, dict | list):
            children = node.values() if isinstance(node, dict) else node
            pending.extend((child, depth + 1) for child in children)
    return found


def beyond_limits(data: Any, limits: Limits) -> tuple[str, str] | None:
    """(code, message) when ``data``, however it was put together, holds more nodes or nests
    deeper than ``limits`` allow."""
    if count_nodes(data, limits.max_nodes) > limits.max_nodes:
        return "too-many-nodes", f"the spec holds more than {limits.max_nodes} nodes"
    if deepest(data, limits.max_depth) > limits.max_depth:
        return "too-deep", f"the spec nests deeper than {limits.max_depth} levels"
    return None


def escape_pointer_token(token: str | int) -> str:
    """One RFC 6901 reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(parent: str, token: str | int) -> str:
    return f"{parent}/{escape_pointer_token(token)}"


class _LoadFailed(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def load_file(
    path: str | os.PathLike[str],
    *,
    limits: Limits | None = None,
    any_value: bool = False,
    source: str | None = None,
) -> tuple[LoadedSpec | None, list[Diagnostic]]:
    """Read a YAML or JSON spec file.

    Returns the loaded spec, or ``None`` when it could not be read as a single mapping (as any
    single value with ``any_value``), with every diagnostic found on the way. Diagnostics name
    the file ``source``, ``path`` by default. Raises :class:`UnreadableSpecError` when the file
    cannot be opened.
    """
    limits = limits or Limits()
    source = str(path) if source is None else source
    raw = _read_regular_file(path, source, limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        message = f"file is larger than the limit of {limits.max_bytes} bytes"
        return None, [Diagnostic(source, 1, 1, Severity.ERROR, "file-too-large", message)]
    body = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _offset_position(body, error.start)
        message = f"file is not UTF-8 text: byte 0x{body[error.start]:02x} cannot be decoded"
        return None, [Diagnostic(source, line, column, Severity.ERROR, "not-utf8", message)]
    is_json = source.endswith(".json")
    return load_text(text, source, limits=limits, is_json=is_json, any_value=any_value)


def read_spec_bytes(path: str | os.PathLike[str], limits: Limits | None = None) -> bytes:
    """The bytes of a spec file, at most one more than ``limits.max_bytes``, so that a file over
    the limit is known to be. Raises :class:`UnreadableSpecError` when it cannot be read."""
    limits = limits or Limits()
    return _read_regular_file(path, str(path), limits.max_bytes + 1)


def _read_regular_file(path: str | os.PathLike[str], source: str, most: int) -> bytes:
    """At most ``most`` bytes of a regular file; a FIFO or a device is refused, not waited on."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise UnreadableSpecError(source, reason or str(error)) from error
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UnreadableSpecError(source, "not a regular file")
    with os.fdopen(descriptor, "rb") as stream:
        try:
            return stream.read(most)
        except OSError as error:
            raise UnreadableSpecError(source, error.strerror or str(error)) from error


def load_text(
    text: str,
    source: str = "<string>",
    *,
    limits: Limits | None = None,
    is_json: bool = False,
    any_value: bool = False,
) -> tuple[LoadedSpec | None, list[Diagnostic]]:
    """Read spec text; see :func:`load_file`."""
    limits = limits or Limits()
    text = text.removeprefix("\ufeff")
    if len(text) > limits.max_bytes:
        message = f"the spec is larger than the limit of {limits.max_bytes} bytes"
        return None, [Diagnostic(source, 1, 1, Severity.ERROR, "file-too-large", message)]
    directive = _YAML_DIRECTIVE.search(text)
    if directive is not None and directive.group(1) != "1.2":
        line = text.count("\n", 0, directive.start()) + 1
        message = f"%YAML {directive.group(1)} is not supported: a spec is YAML 1.2"
        return None, [Diagnostic(source, line, 1, Severity.ERROR, "yaml-version", message)]
    if not text.strip():
        message = "the file is empty; a spec needs version and components"
        return None, [Diagnostic(source, 1, 1, Severity.ERROR, "empty", message)]
    if is_json:
        spec, diagnostics = _load_json(text, source, limits)
    else:
        spec, diagnostics = _load_yaml(text, source, limits)
    if not any_value:
        spec, diagnostics = _require_mapping(spec, diagnostics)
    if spec is not None and isinstance(spec.data, dict | list):
        diagnostics += _escape_lone_surrogates(spec, spec.data, "")
    return spec, diagnostics


def _escape_lone_surrogates(spec: LoadedSpec, value: Any, pointer: str) -> list[Diagnostic]:
    """Report strings holding half of a UTF-16 pair, which no output can encode, and replace
    them with their escaped form so that nothing downstream fails on them."""
    found: list[Diagnostic] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        child = join_pointer(pointer, key)
        if isinstance(item, dict | list):
            found += _escape_lone_surrogates(spec, item, child)
        elif isinstance(item, str) and _LONE_SURROGATE.search(item):
            value[key] = item.encode("utf-8", "backslashreplace").decode("utf-8")
            message = f"{value[key]!r} holds a lone UTF-16 surrogate, which is not text"
            found.append(spec.diagnostic(child, "invalid-string", message))
    return found


def _load_yaml(
    text: str, source: str, limits: Limits
) -> tuple[LoadedSpec | None, list[Diagnostic]]:
    try:
        root = _compose_single_document(text, source, limits)
    except _LoadFailed as failure:
        return None, [failure.diagnostic]
    spec = LoadedSpec(source, None)
    builder = _DataBuilder(spec, limits)
    try:
        spec.data = builder.build(root)
    except _LoadFailed as failure:
        return None, [*builder.diagnostics, failure.diagnostic]
    return spec, builder.diagnostics


def _require_mapping(
    spec: LoadedSpec | None, diagnostics: list[Diagnostic]
) -> tuple[LoadedSpec | None, list[Diagnostic]]:
    if spec is None or isinstance(spec.data, dict):
        return spec, diagnostics
    found = describe_kind(spec.data)
    message = f"a spec must be a mapping with version and components; found {found}"
    return None, [*diagnostics, spec.diagnostic("", "not-a-mapping", message)]


def _first_value_wins(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result.setdefault(key, value)
    return result


def _load_json(
    text: str, source: str, limits: Limits
) -> tuple[LoadedSpec | None, list[Diagnostic]]:
    """JSON gives the values; the same text read as YAML, which JSON nearly is a subset of,
    gives their positions and reports duplicate keys."""
    duplicates: list[str] = []
    try:
        data = json.loads(
            text,
            object_pairs_hook=lambda pairs: _first_value_wins(pairs, duplicates),
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        message = f"invalid JSON: {error.msg}"
        position = (error.lineno, error.colno)
        return None, [Diagnostic(source, *position, Severity.ERROR, "syntax", message)]
    except ValueError as error:
        # parse_constant's refusal, or an integer longer than Python converts.
        reason = "a number is too long" if "digits" in str(error) else str(error)
        message = f"invalid JSON: {reason}"
        return None, [Diagnostic(source, 1, 1, Severity.ERROR, "syntax", message)]
    except RecursionError:
        message = "JSON nesting is too deep"
        return None, [Diagnostic(source, 1, 1, Severity.ERROR, "too-deep", message)]
    spec, diagnostics = _load_yaml(text, source, limits)
    if spec is None and any(d.code != "syntax" for d in diagnostics):
        return None, diagnostics
    if spec is None:
        # Valid JSON that the YAML reader refuses (a key over 1024 characters, a line break
        # before a colon): keep the values, say that positions are missing.
        spec = LoadedSpec(source, None)
        reason = diagnostics[0].message.removeprefix("invalid YAML: ")
        message = f"positions are unavailable for this file ({reason}); findings are at 1:1"
        diagnostics = [Diagnostic(source, 1, 1, Severity.INFO, "no-positions", message)]
        diagnostics += [
            Diagnostic(source, 1, 1, Severity.ERROR, "duplicate-key", f"duplicate key {key!r}")
            for key in duplicates
        ]
    spec.data = data
    return spec, diagnostics


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _NodeLimitReached(Exception):
    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class _BoundedComposer(Composer):
    """Stops composing once the file holds more nodes than the limit, before the whole node
    graph of a huge file is in memory."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        # YAML lets an anchor be defined again (an alias names the latest); ruamel.yaml would
        # print a Python warning for it, outside any diagnostic.
        self.warn_double_anchors = False
        is_key = parent is not None and index is None
        if not is_key:  # keys are not counted, as in the expanded document
            self.nodes_composed = getattr(self, "nodes_composed", 0) + 1
        if not is_key and self.nodes_composed > self.loader.node_limit:
            mark = self.parser.peek_event().start_mark
            raise _NodeLimitReached(mark.line + 1, mark.column + 1)
        return super().compose_node(parent, index)


def _compose_single_document(text: str, source: str, limits: Limits) -> Node:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    yaml.Composer = _BoundedComposer
    yaml.node_limit = limits.max_nodes  # type: ignore[attr-defined]
    documents: list[Node] = []
    try:
        for document in yaml.compose_all(io.StringIO(text)):
            documents.append(document)
            if len(documents) > 1:
                line, column = _within(*_mark(document), text)
                message = "a spec file holds one YAML document; found a second one here"
                code = "multiple-documents"
                raise _LoadFailed(Diagnostic(source, line, column, Severity.ERROR, code, message))
    except MarkedYAMLError as error:
        raise _LoadFailed(_syntax_diagnostic(error, source)) from error
    except ReaderError as error:
        # Characters YAML does not allow at all (NUL, most control characters).
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        code_point = error.character if isinstance(error.character, int) else ord(error.character)
        message = f"invalid YAML: character U+{code_point:04X} is not allowed in YAML"
        diagnostic = Diagnostic(source, line, column, Severity.ERROR, "syntax", message)
        raise _LoadFailed(diagnostic) from error
    except YAMLError as error:
        message = "invalid YAML: " + " ".join(str(error).split())
        raise _LoadFailed(Diagnostic(source, 1, 1, Severity.ERROR, "syntax", message)) from error
    except RecursionError as error:
        raise _LoadFailed(
            Diagnostic(source, 1, 1, Severity.ERROR, "too-deep", "YAML nesting is too deep")
        ) from error
    except _NodeLimitReached as error:
        message = f"the file holds more than {limits.max_nodes} nodes"
        diagnostic = Diagnostic(
            source, error.line, error.column, Severity.ERROR, "too-many-nodes", message
        )
        raise _LoadFailed(diagnostic) from error
    if not documents:
        message = "the file is empty; a spec needs version and components"
        raise _LoadFailed(Diagnostic(source, 1, 1, Severity.ERROR, "empty", message))
    return documents[0]


def _within(line: int, column: int, text: str) -> tuple[int, int]:
    """A 1-based position inside the text: an empty last document starts past its end."""
    lines = max(len(text.splitlines()), 1)
    return (line, column) if line <= lines else (lines, 1)


def _syntax_diagnostic(error: MarkedYAMLError, source: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = " ".join(str(part) for part in (error.context, error.problem) if part)
    message = "invalid YAML: " + " ".join((problem or str(error)).split())
    if "'\\t'" in message:
        message += "; indent with spaces, YAML does not allow tabs there"
    elif "expected <block end>" in message:
        message += "; check the indentation of this line against the lines above"
    return Diagnostic(source, line, column, Severity.ERROR, "syntax", message)


class _DataBuilder:
    """Turns a composed node graph into plain values, recording positions and problems."""

    def __init__(self, spec: LoadedSpec, limits: Limits) -> None:
        self.spec = spec
        self.limits = limits
        self.diagnostics: list[Diagnostic] = []
        self.nodes_seen = 0
        self.yaml = YAML(typ="safe", pure=True)
        self.yaml.version = (1, 2)

    def build(self, root: Node) -> Any:
        return self._value(root, "", 0)

    def _fail(self, node: Node, code: str, message: str, pointer: str) -> _LoadFailed:
        line, column = _mark(node)
        return _LoadFailed(
            Diagnostic(self.spec.source, line, column, Severity.ERROR, code, message, pointer)
        )

    def _report(self, node: Node, code: str, message: str, pointer: str) -> None:
        line, column = _mark(node)
        self.diagnostics.append(
            Diagnostic(self.spec.source, line, column, Severity.ERROR, code, message, pointer)
        )

    def _value(self, node: Node, pointer: str, depth: int) -> Any:
        self.nodes_seen += 1
        if self.nodes_seen > self.limits.max_nodes:
            message = (
                f"the document expands to more than {self.limits.max_nodes} nodes: it is too"
                " long, or aliases repeat large anchors"
            )
            raise self._fail(node, "too-many-nodes", message, pointer)
        if depth > self.limits.max_depth:
            message = f"nesting is deeper than {self.limits.max_depth} levels"
            raise self._fail(node, "too-deep", message, pointer)
        self.spec.value_positions.setdefault(pointer, Position(*_mark(node)))
        if isinstance(node, MappingNode):
            self._check_collection_tag(node, "map", pointer)
            return self._mapping(node, pointer, depth)
        if isinstance(node, SequenceNode):
            self._check_collection_tag(node, "seq", pointer)
            return [
                self._value(item, join_pointer(pointer, index), depth + 1)
                for index, item in enumerate(node.value)
            ]
        return self._scalar(node, pointer)

    def _check_collection_tag(self, node: Node, kind: str, pointer: str) -> None:
        if node.tag == INCLUDE_TAG:
            message = f"{INCLUDE_TAG} takes a relative file path, not a {describe_node(node)}"
            self._report(node, "include-invalid", message, pointer)
        elif node.tag != _CORE + kind:
            message = f"tag {node.tag!r} is not allowed; a spec holds plain YAML values only"
            self._report(node, "tag-not-allowed", message, pointer)

    def _scalar(self, node: Node, pointer: str) -> Any:
        if node.tag == INCLUDE_TAG:
            self.spec.includes[pointer] = str(node.value)
            return str(node.value)
        if node.tag in _READ_AS_STRING or node.tag == _STR:
            # A string is its text: the constructor, which dispatches per tag, is not needed.
            return str(node.value)
        if node.tag not in _SCALAR_TAGS:
            message = f"tag {node.tag!r} is not allowed; a spec holds plain YAML values only"
            self._report(node, "tag-not-allowed", message, pointer)
            return str(node.value)
        try:
            return self.yaml.constructor.construct_object(node, deep=True)
        except (ValueError, KeyError, YAMLError):
            # An explicit core tag on a value that is not of its type: `!!int abc`.
            message = f"{node.value!r} is not a valid {node.tag.rpartition(':')[2]}"
            self._report(node, "invalid-value", message, pointer)
            return str(node.value)

    def _mapping(self, node: MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, ScalarNode] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, pointer)
            if key is None:
                continue
            child = join_pointer(pointer, key)
            if key in first_seen:
                line = first_seen[key].start_mark.line + 1
                message = f"duplicate key {key!r}; it was first set at line {line}"
                self._report(key_node, "duplicate-key", message, child)
                continue
            first_seen[key] = key_node
            self.spec.key_positions[child] = Position(*_mark(key_node))
            if (
                isinstance(value_node, ScalarNode)
                and value_node.value == ""
                and not value_node.style
            ):
                # An empty value has no text of its own; its mark is wherever the next token is.
                self.spec.value_positions[child] = Position(*_mark(key_node))
            result[key] = self._value(value_node, child, depth + 1)
        return result

    def _key(self, key_node: Node, pointer: str) -> str | None:
        if key_node.tag == _CORE + "merge":
            message = "merge keys (<<) are not part of YAML 1.2; write the keys out"
            self._report(key_node, "merge-key", message, pointer)
            return None
        if not isinstance(key_node, ScalarNode):
            self._report(key_node, "key-not-string", "mapping keys must be strings", pointer)
            return None
        if key_node.tag in _READ_AS_STRING:
            return str(key_node.value)
        if key_node.tag == INCLUDE_TAG:
            message = f"{INCLUDE_TAG} includes a value, not a key"
            self._report(key_node, "include-invalid", message, pointer)
            return None
        if key_node.tag not in _SCALAR_TAGS:
            self._scalar(key_node, pointer)
            return None
        if key_node.tag != _CORE + "str":
            value = self._scalar(key_node, pointer)
            message = (
                f"mapping keys must be strings; {key_node.value!r} reads as {describe_kind(value)},"
                " quote it"
            )
            self._report(key_node, "key-not-string", message, pointer)
            return None
        return str(key_node.value)


def describe_node(node: Node) -> str:
    return "mapping" if isinstance(node, MappingNode) else "list"


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _offset_position(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters) of a byte offset in UTF-8 text."""
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, column


def describe_kind(value: object) -> str:
    """How a value reads, in words: 'a string', 'an integer', 'null'..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
