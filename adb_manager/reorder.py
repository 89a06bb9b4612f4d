"""The nearest valid order of a spec's components, and the spec's text rewritten in it.

The order keeps as many components as possible where they are: no valid order keeps a larger
set of components in their declared relative order, so no valid order moves fewer. A spec
whose order is already valid keeps it, and its text is returned unchanged. Only order
violations are repaired; a spec with any other error (a cycle, an unknown dependency, a schema
mistake) is left as it is, and those errors are what the result reports.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import attrs

from adb_manager.diagnostics import Diagnostic, Severity
from adb_manager.errors import UnreadableSpecError
from adb_manager.loading import LoadedSpec, read_spec_bytes
from adb_manager.merging import EXTENDS
from adb_manager.model import ComponentSpec, salvage_component
from adb_manager.ordering import Edge, lowest_first, ordering_edges
from adb_manager.plan import class_declarations, import_classes
from adb_manager.rewriting import LayoutError, permute_components
from adb_manager.validation import ValidationOptions, ValidationResult, validate_text

logger = logging.getLogger(__name__)

#: The errors that reordering repairs; every other error blocks it.
REPAIRABLE = frozenset({"order-violation"})
#: The code of a diagnostic saying that a spec's layout cannot be rewritten.
UNSUPPORTED_LAYOUT = "fmt-layout"
_BOM = "\ufeff"


def nearest_order(order: Sequence[str], edges: Sequence[Edge]) -> list[str]:
    """The valid order of ``order``'s names that keeps the most of them in place.

    ``edges`` must be acyclic. The components kept in their declared relative order form a
    largest possible set, so the result moves as few components as any valid order can (none
    when the declared order is valid). The others are placed by Kahn's algorithm, which takes,
    among the components whose predecessors are all placed, the one declared first.
    """
    return _nearest(order, [(edge.first, edge.then) for edge in edges])[0]


Pair = tuple[str, str]


def _nearest(order: Sequence[str], pairs: Sequence[Pair]) -> tuple[list[str], set[str]]:
    """The nearest valid order, and the components it keeps in place."""
    kept = _kept_in_place(order, pairs)
    chain = list(zip(kept, kept[1:], strict=False))
    return lowest_first(order, [*pairs, *chain]), set(kept)


def _predecessors(order: Sequence[str], pairs: Sequence[Pair]) -> dict[str, int]:
    """For each name, the bit set (by declared index) of every name that must come before it."""
    index = {name: number for number, name in enumerate(order)}
    direct: dict[str, set[str]] = {name: set() for name in order}
    for first, then in pairs:
        direct[then].add(first)
    before: dict[str, int] = {}
    for name in lowest_first(order, pairs):
        bits = 0
        for first in direct[name]:
            bits |= before[first] | (1 << index[first])
        before[name] = bits
    return before


def _kept_in_place(order: Sequence[str], pairs: Sequence[Pair]) -> list[str]:
    """A largest set of components that a valid order can keep in declared relative order, in
    declared order.

    Two components conflict when one is declared before the other but must come after it.
    Conflicts form a partial order, and a set can stay in place exactly when no two of its
    members conflict: a largest antichain, found through a maximum matching (Dilworth and
    Konig). Conflicts are matched from the component declared later, so that among equally
    large sets, the one kept leaves the components that must come earlier to move up.
    """
    earlier = _conflicts(order, _predecessors(order, pairs))
    left, right = _maximum_matching(earlier, len(order))
    reached_left, reached_right = _alternating_reach(earlier, left, right)
    return [
        name
        for position, name in enumerate(order)
        if position in reached_left and position not in reached_right
    ]


def _conflicts(order: Sequence[str], before: dict[str, int]) -> list[list[int]]:
    """For each position, the positions declared before it whose components must come after
    it, in declared order."""
    earlier: list[list[int]] = [[] for _ in order]
    for other, name in enumerate(order):
        # The set bits are read from the binary digits, one pass in C per component: testing
        # every pair with a shift of an n-bit number made this step cubic.
        digits = bin(before[name] >> (other + 1))[:1:-1]  # least significant digit first
        found = digits.find("1")
        while found >= 0:
            earlier[other + 1 + found].append(other)
            found = digits.find("1", found + 1)
    return earlier


def _maximum_matching(adjacent: Sequence[Sequence[int]], size: int) -> tuple[list[int], list[int]]:
    """A maximum matching of a bipartite graph, by augmenting paths found breadth first."""
    left = [-1] * size
    right = [-1] * size
    for root in range(size):
        came_from: dict[int, int] = {}
        queue = deque([root])
        seen = {root}
        free = -1
        while queue and free < 0:
            node = queue.popleft()
            for other in adjacent[node]:
                if other in came_from:
                    continue
                came_from[other] = node
                if right[other] < 0:
                    free = other
                    break
                if right[other] not in seen:
                    seen.add(right[other])
                    queue.append(right[other])
        while free >= 0:
            node = came_from[free]
            left[node], right[free], free = free, node, left[node]
    return left, right


def _alternating_reach(
    adjacent: Sequence[Sequence[int]], left: Sequence[int], right: Sequence[int]
) -> tuple[set[int], set[int]]:
    """The left and right vertices reached from unmatched left ones by alternating paths."""
    reached_left = {node for node, partner in enumerate(left) if partner < 0}
    reached_right: set[int] = set()
    queue = deque(reached_left)
    while queue:
        node = queue.popleft()
        for other in adjacent[node]:
            if other in reached_right:
                continue
            reached_right.add(other)
            if right[other] >= 0 and right[other] not in reached_left:
                reached_left.add(right[other])
                queue.append(right[other])
    return reached_left, reached_right


@attrs.frozen
class Move:
    """A component that changes place: from ``old`` to ``new`` (1-based places in the list);
    ``line`` is where it was declared."""

    name: str
    old: int
    new: int
    line: int


@attrs.frozen
class ReorderResult:
    """What reordering a spec gives.

    ``text`` is the spec in the nearest valid order, or the original text itself when it is
    already in order or cannot be reordered; ``moves`` are the components that change place;
    ``diagnostics`` the errors that keep the spec from being reordered (empty when it was);
    ``skipped`` why a spec was left alone without being in error (it extends another).
    """

    source: str
    original: str
    text: str
    order: tuple[str, ...] = ()
    moves: tuple[Move, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: str | None = None

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def blocked(self) -> bool:
        """Whether errors keep the spec from being put in order."""
        return bool(self.diagnostics)

    @property
    def unsupported(self) -> bool:
        """Whether the spec's layout is what cannot be rewritten."""
        return any(d.code == UNSUPPORTED_LAYOUT for d in self.diagnostics)


def reorder_text(
    text: str,
    source: str = "<string>",
    options: ValidationOptions | None = None,
    *,
    is_json: bool = False,
) -> ReorderResult:
    """Spec text with its components in the nearest valid order; see :func:`nearest_order`.

    The spec is validated first, with ``options`` (classes are imported unless
    ``import_classes=False``, and their ``DEPENDS_ON`` and ``REQUIRES_FEATURES`` count). Only
    order violations are repaired; any other error is returned in ``diagnostics`` with the text
    unchanged. The reordered text is validated again before it is returned.
    """
    options = options or ValidationOptions()
    result = validate_text(text, source, options, is_json=is_json)
    if result.loaded is not None and EXTENDS in result.loaded.data:
        reason = (
            "it extends another spec: its components are placed when the two are composed,"
            " so it is left as it is"
        )
        return ReorderResult(source, text, text, skipped=reason)
    blocking = tuple(d for d in result.diagnostics if d.is_error and d.code not in REPAIRABLE)
    if blocking or result.loaded is None:
        return ReorderResult(source, text, text, diagnostics=blocking)
    components = _components(result.loaded)
    names = [c.name for c in components]
    order, kept = _nearest(names, [(e.first, e.then) for e in _edges(components, result)])
    if order == names:
        return ReorderResult(source, text, text, tuple(order))
    places = {name: number for number, name in enumerate(names)}
    bom = _BOM if text.startswith(_BOM) else ""
    try:
        body = permute_components(text[len(bom) :], [places[name] for name in order])
    except LayoutError as error:
        offset = error.offset + len(bom)
        return ReorderResult(
            source, text, text, diagnostics=(_layout(text, source, offset, error),)
        )
    new_text = bom + body
    problems = _check_rewrite(result.loaded, new_text, order, source, options, is_json)
    if problems:
        return ReorderResult(source, text, text, diagnostics=problems)
    moves = _moves(names, order, kept, result.loaded)
    logger.debug("%s: %d component(s) move", source, len(moves))
    return ReorderResult(source, text, new_text, tuple(order), moves)


def reorder_file(
    path: str | os.PathLike[str], options: ValidationOptions | None = None
) -> ReorderResult:
    """A spec file's text in the nearest valid order; the file itself is not written.

    Component modules are also looked for in the file's directory, as :func:`validate_file`
    does. Raises :class:`~adb_manager.errors.UnreadableSpecError` when the file cannot be read.
    """
    options = options or ValidationOptions()
    source = str(path)
    raw = read_spec_bytes(path, options.limits)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableSpecError(source, "the file is not UTF-8 text") from error
    spec_dir = str(Path(path).resolve().parent)
    options = attrs.evolve(options, search_path=(*options.search_path, spec_dir))
    return reorder_text(text, source, options, is_json=source.endswith(".json"))


def _components(loaded: LoadedSpec) -> list[ComponentSpec]:
    raw = loaded.data.get("components")
    salvaged = (salvage_component(item) for item in (raw if isinstance(raw, list) else []))
    return [component for component in salvaged if component is not None]


def _edges(components: Sequence[ComponentSpec], result: ValidationResult) -> list[Edge]:
    """The ordering edges validation checked, class declarations included when imported."""
    options = result.options
    classes = (
        import_classes(components, options.search_path, options.allow_modules)
        if options.import_classes
        else {}
    )
    return ordering_edges(components, class_declarations(classes))


def _check_rewrite(
    loaded: LoadedSpec,
    text: str,
    order: Sequence[str],
    source: str,
    options: ValidationOptions,
    is_json: bool,
) -> tuple[Diagnostic, ...]:
    """Errors of the rewritten text, or when it does not hold the same data in the new order."""
    again = validate_text(text, source, options, is_json=is_json)
    by_name = {item["name"]: item for item in loaded.data["components"]}
    expected = {**loaded.data, "components": [by_name[name] for name in order]}
    if again.loaded is None or again.loaded.data != expected:
        message = "the components cannot be moved without changing other content"
        return (loaded.diagnostic("/components", UNSUPPORTED_LAYOUT, message),)
    errors = [d for d in again.diagnostics if d.is_error]
    return tuple(
        loaded.diagnostic(
            "/components",
            d.code,
            f"in the nearest valid order, {d.message} (line {d.line} of the reordered text)",
        )
        for d in errors
    )


def _layout(text: str, source: str, offset: int, error: LayoutError) -> Diagnostic:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    message = f"cannot reorder this layout: {error.reason}"
    return Diagnostic(source, line, column, Severity.ERROR, UNSUPPORTED_LAYOUT, message)


def _moves(
    names: Sequence[str], order: Sequence[str], kept: set[str], loaded: LoadedSpec
) -> tuple[Move, ...]:
    """The components outside the kept set, in their new order."""
    places = {name: number for number, name in enumerate(names)}
    return tuple(
        Move(name, places[name] + 1, new + 1, loaded.position(f"/components/{places[name]}").line)
        for new, name in enumerate(order)
        if name not in kept
    )
