"""Moving the components of a spec's text into another order, and writing a file atomically.

Nothing is re-dumped: the text of each component is cut out of the original by the positions
ruamel.yaml's round-trip composer gives, and the pieces are put back in the new order. Every
other byte (comments, quoting, key order, line ends, the byte order mark) stays where it was.

In a block-style list a component's piece is its lines from the dash to its last line, with the
comment lines above it (from the first comment after the component before it) and the comment
lines right after it that are indented deeper than its dash. Blank lines above that first comment
stay in place, so that the list keeps its spacing. In a flow-style list (``[...]``, JSON) a piece
is the item's text from its first to its last character; what lies between items stays in place.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import tempfile
import warnings
from collections.abc import Sequence

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.error import ReusedAnchorWarning, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_BREAK = re.compile(r"\r\n|\r|\n")
_FINAL_BREAK = re.compile(r"(?:\r\n|\r|\n)\Z")
_DASH = re.compile(r"( *)-[ \t]+")


class LayoutError(Exception):
    """The components list is written in a way that cannot be rearranged line by line.

    ``offset`` is the character offset in the text where the problem was found.
    """

    def __init__(self, offset: int, reason: str) -> None:
        self.offset = offset
        self.reason = reason
        super().__init__(reason)


@attrs.frozen
class _Line:
    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def comment(self) -> bool:
        return self.text.lstrip().startswith("#")

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(" "))

    def content_at_most(self, column: int) -> bool:
        """Whether the line holds YAML content that starts at ``column`` or further left."""
        return not (self.blank or self.comment) and self.indent <= column


def _lines(text: str) -> list[_Line]:
    return [
        _Line(match.start(), match.end(), _BREAK.sub("", match.group()))
        for match in _LINE.finditer(text)
        if match.group()
    ]


def _components_node(text: str) -> tuple[Node, SequenceNode]:
    """The ``components`` key node and its list, as composed in round-trip mode."""
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    try:
        with warnings.catch_warnings():
            # An anchor defined again is valid YAML; the loader already read this text.
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            root = yaml.compose(io.StringIO(text))
    except YAMLError as error:
        raise LayoutError(0, f"the text cannot be read again ({error})") from error
    if isinstance(root, MappingNode):
        for key, value in root.value:
            if key.value == "components" and isinstance(value, SequenceNode):
                return key, value
    raise LayoutError(0, "the spec has no components list")


def permute_components(text: str, order: Sequence[int]) -> str:
    """``text`` with its components in ``order``: ``order[i]`` is the declared index of the
    component that goes to place ``i``. Raises :class:`LayoutError` when the layout cannot be
    rearranged faithfully."""
    key, sequence = _components_node(text)
    if len(order) != len(sequence.value) or sorted(order) != list(range(len(order))):
        raise LayoutError(sequence.start_mark.index, "the order does not match the components")
    if sequence.flow_style:
        return _permute_flow(text, sequence.value, order)
    return _permute_block(text, key, sequence.value, order)


def _permute_flow(text: str, items: Sequence[Node], order: Sequence[int]) -> str:
    pieces = [text[item.start_mark.index : item.end_mark.index] for item in items]
    result = [text[: items[0].start_mark.index]]
    for place, item in enumerate(items):
        result.append(pieces[order[place]])
        following = items[place + 1].start_mark.index if place + 1 < len(items) else len(text)
        result.append(text[item.end_mark.index : following])
    return "".join(result)


@attrs.frozen
class _Slot:
    """The lines [start, body) stay in place; the lines [body, end) move with the component."""

    start: int
    body: int
    end: int


def _permute_block(text: str, key: Node, items: Sequence[Node], order: Sequence[int]) -> str:
    lines = _lines(text)
    starts = [line.start for line in lines]
    slots = _block_slots(lines, starts, key, items)
    pieces = [text[lines[s.body].start : lines[s.end - 1].end] for s in slots]
    last = slots[-1]
    suffix = text[lines[last.end].start :] if last.end < len(lines) else ""
    missing_break = not suffix and not pieces[-1].endswith(("\n", "\r"))
    if missing_break:
        # The last component ends the file without a line break; wherever it goes, it needs one,
        # and whichever comes last goes without.
        found = _BREAK.search(text)
        pieces[-1] += found.group() if found else "\n"
    result = [text[: lines[slots[0].start].start]]
    for place, slot in enumerate(slots):
        result.append(text[lines[slot.start].start : lines[slot.body].start])
        result.append(pieces[order[place]])
    joined = "".join(result)
    if missing_break:
        joined = _FINAL_BREAK.sub("", joined)
    return joined + suffix


def _line_index(starts: Sequence[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low


def _block_slots(
    lines: Sequence[_Line], starts: Sequence[int], key: Node, items: Sequence[Node]
) -> list[_Slot]:
    dashes = [_dash_line(lines, starts, item) for item in items]
    column = _DASH.match(lines[dashes[0]].text)
    assert column is not None
    dash_column = len(column.group(1))
    slots: list[_Slot] = []
    start = _line_index(starts, key.start_mark.index) + 1
    for number, dash in enumerate(dashes):
        leading = lines[start:dash]
        if any(not (line.blank or line.comment) for line in leading):
            raise LayoutError(lines[start].start, "unexpected content before a component")
        body = next((start + i for i, line in enumerate(leading) if line.comment), dash)
        end = next(
            (i for i in range(dash + 1, len(lines)) if lines[i].content_at_most(dash_column)),
            len(lines),
        )
        if number + 1 < len(dashes) and end != dashes[number + 1]:
            raise LayoutError(lines[end].start, "unexpected content between two components")
        content_end = max(i for i in range(dash, end) if not (lines[i].blank or lines[i].comment))
        stop = content_end + 1
        while stop < end and lines[stop].comment and lines[stop].indent > dash_column:
            stop += 1
        slots.append(_Slot(start, body, stop))
        start = stop
    return slots


def _dash_line(lines: Sequence[_Line], starts: Sequence[int], item: Node) -> int:
    """The line of the dash that opens ``item``, which must be the item's own first line."""
    offset = item.start_mark.index
    number = _line_index(starts, offset)
    before = lines[number].text[: offset - lines[number].start]
    if not _DASH.fullmatch(before):
        raise LayoutError(offset, "a component does not start on the line of its dash")
    return number


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at ``path`` with ``data``: written to a temporary file in the same
    directory, flushed to disk, then renamed over it, so that a reader sees the old or the new
    file, never half of one. A symbolic link is followed: its target is rewritten and the link
    stays. The file keeps its permission bits; a new file gets those the umask allows."""
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    directory = os.path.dirname(target)
    descriptor, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _umask() -> int:
    # Reading the umask means setting it: put it straight back.
    current = os.umask(0o022)
    os.umask(current)
    return current


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable, where the platform allows opening a directory."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def unified_diff(original: str, changed: str, path: str) -> str:
    """A unified diff that ``patch`` applies: lines split only where YAML and JSON break them
    (not at U+2028 or NEL, as ``str.splitlines`` would), line ends kept as written, and a last
    line without a newline marked the way diff marks it."""
    lines = difflib.unified_diff(
        _LINE.findall(original), _LINE.findall(changed), fromfile=path, tofile=path
    )
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    )
