"""Position trees: where each node of a spec was written, in a tree of the same shape as its data.

A spec composed from several files (a base, a child, overlays, included files) is built by
operations on its data: merges by component name, JSON Patch operations, includes. Applying the
same operations to a tree that mirrors the data keeps every node's position, file included,
through all of them; the tree is then flattened back into the pointer maps of a
:class:`~adb_manager.loading.LoadedSpec`.

A mapping's tree is a :class:`PositionMap`, a list's a :class:`PositionList`; each holds its
children's trees and its own position. A scalar's tree is its :class:`Position`.
"""

from __future__ import annotations

from typing import Any

from adb_manager.loading import LoadedSpec, Position, join_pointer


class PositionMap(dict[str, Any]):
    """The positions of a mapping: its children's trees by key, its own position (``at``) and
    the positions of its keys (``keys_at``; a key missing there is placed at its value)."""

    def __init__(
        self,
        at: Position,
        items: dict[str, Any] | None = None,
        keys_at: dict[str, Position] | None = None,
    ) -> None:
        super().__init__(items or {})
        self.at = at
        self.keys_at: dict[str, Position] = dict(keys_at or {})
        # Set when merging put this mapping over a value that was not one: it then replaces
        # whatever is below it in any further merge, rather than merging into it.
        self.replaces = False

    def key_position(self, key: str) -> Position:
        if key in self.keys_at:
            return self.keys_at[key]
        return position_of(self[key])

    def copy(self) -> PositionMap:
        copied = PositionMap(self.at, dict(self), self.keys_at)
        copied.replaces = self.replaces
        return copied


class PositionList(list[Any]):
    """The positions of a list: its items' trees and its own position (``at``)."""

    def __init__(self, at: Position, items: list[Any] | None = None) -> None:
        super().__init__(items or [])
        self.at = at


def position_of(tree: Any) -> Position:
    """The position of the node a tree is about."""
    if isinstance(tree, PositionMap | PositionList):
        return tree.at
    assert isinstance(tree, Position)
    return tree


def position_tree(loaded: LoadedSpec) -> Any:
    """The tree of ``loaded``'s data, every position naming its file."""
    return _tree(loaded, loaded.data, "")


def _tree(loaded: LoadedSpec, data: Any, pointer: str) -> Any:
    at = _stamped(loaded, loaded.position(pointer))
    if isinstance(data, dict):
        return PositionMap(
            at,
            {k: _tree(loaded, v, join_pointer(pointer, k)) for k, v in data.items()},
            {
                k: _stamped(loaded, loaded.position(join_pointer(pointer, k), key=True))
                for k in data
            },
        )
    if isinstance(data, list):
        return PositionList(
            at, [_tree(loaded, v, join_pointer(pointer, i)) for i, v in enumerate(data)]
        )
    return at


def _stamped(loaded: LoadedSpec, where: Position) -> Position:
    if where.source is not None:
        return where
    return Position(where.line, where.column, loaded.source)


def uniform_tree(data: Any, at: Position) -> Any:
    """A tree placing every node of ``data`` at ``at``: for values with no text behind them."""
    if isinstance(data, dict):
        return PositionMap(at, {k: uniform_tree(v, at) for k, v in data.items()})
    if isinstance(data, list):
        return PositionList(at, [uniform_tree(v, at) for v in data])
    return at


def flattened(source: str, data: Any, tree: Any) -> LoadedSpec:
    """A loaded spec of ``data`` whose positions are those of ``tree``."""
    loaded = LoadedSpec(source, data)
    _flatten(tree, "", loaded)
    return loaded


def _flatten(tree: Any, pointer: str, loaded: LoadedSpec) -> None:
    loaded.value_positions[pointer] = position_of(tree)
    if isinstance(tree, PositionMap):
        for key, child in tree.items():
            child_pointer = join_pointer(pointer, key)
            loaded.key_positions[child_pointer] = tree.key_position(key)
            _flatten(child, child_pointer, loaded)
    elif isinstance(tree, PositionList):
        for index, child in enumerate(tree):
            _flatten(child, join_pointer(pointer, index), loaded)


def sources_under(tree: Any) -> set[str]:
    """Every file that a node of the tree, or one of its keys, was written in."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        found.add(position_of(node).source or "")
        if isinstance(node, PositionMap):
            found.update(p.source or "" for p in node.keys_at.values())
            stack.extend(node.values())
        elif isinstance(node, PositionList):
            stack.extend(node)
    found.discard("")
    return found
