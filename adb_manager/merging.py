"""Merging a spec onto the spec below it: how a child spec or a merge overlay changes its base.

Each component entry of the upper spec is an update of the lower spec's component of that name:

- ``remove: true`` drops it;
- ``replace: true`` puts the entry in its place, whole;
- any other entry is a patch: the fields it names replace the lower component's fields, and on a
  component that is absent or removed it creates one.

Updates compose like the functions they are, so that merging is associative: a patch over a
patch or over a replacement merges the fields and keeps the lower's mode, and a patch over a
removal is a replacement. A removal is kept as a tombstone (``{name, remove: true}``) while specs
are merged, so that a component removed and then added again keeps its place, as a replaced one
does; :func:`resolved` drops tombstones once the whole chain is merged.

The merged order is the lower spec's, then the names new in the upper spec in its order.
``config`` and ``manager`` mappings merge recursively; every other value of the upper spec
replaces the lower's. ``extends`` never reaches the result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import attrs

from adb_manager.diagnostics import Diagnostic, Severity
from adb_manager.loading import LoadedSpec, Position, join_pointer
from adb_manager.model import salvage_component
from adb_manager.ordering import order_keeping, ordering_edges
from adb_manager.positions import PositionList, PositionMap, position_of, position_tree

EXTENDS = "extends"
REMOVE = "remove"
REPLACE = "replace"
FLAGS = (REMOVE, REPLACE)
_DEEP = ("config", "manager")


@attrs.frozen
class Layer:
    """A spec's data and its position tree; the unit that merging works on."""

    data: dict[str, Any]
    tree: PositionMap


def layer_of(loaded: LoadedSpec) -> Layer:
    tree = position_tree(loaded)
    assert isinstance(loaded.data, dict) and isinstance(tree, PositionMap)
    return Layer(loaded.data, tree)


def diagnostic_at(
    where: Position, pointer: str, code: str, message: str, severity: Severity = Severity.ERROR
) -> Diagnostic:
    """A diagnostic at a position that names its file."""
    assert where.source is not None
    return Diagnostic(where.source, where.line, where.column, severity, code, message, pointer)


def component_name(entry: object) -> str | None:
    """The name a component entry is merged by, when it has one."""
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return str(entry["name"])
    return None


# Checking updates


def normalized(layer: Layer) -> tuple[Layer, list[Diagnostic]]:
    """The layer with ``remove: false`` and ``replace: false`` left out, and the problems of its
    flags: one that is not a boolean, both set, a name given twice (the later entry is left out)."""
    components = layer.data.get("components")
    if not isinstance(components, list):
        return layer, []
    problems: list[Diagnostic] = []
    entries: list[Any] = []
    trees = PositionList(layer.tree["components"].at)
    seen: set[str] = set()
    for index, entry in enumerate(components):
        tree = layer.tree["components"][index]
        pointer = join_pointer("/components", index)
        name = component_name(entry)
        if name is not None and name in seen:
            message = f"component {name!r} is updated twice in this spec; merge the two entries"
            problems.append(
                diagnostic_at(tree["name"], pointer + "/name", "duplicate-name", message)
            )
            continue
        if name is not None:
            seen.add(name)
            entry, tree = _checked_flags(entry, tree, pointer, problems)
        entries.append(entry)
        trees.append(tree)
    data = {**layer.data, "components": entries}
    tree = layer.tree.copy()
    tree["components"] = trees
    return Layer(data, tree), problems


def _checked_flags(
    entry: dict[str, Any], tree: PositionMap, pointer: str, problems: list[Diagnostic]
) -> tuple[dict[str, Any], PositionMap]:
    entry = dict(entry)
    tree = tree.copy()
    for flag in FLAGS:
        if flag not in entry:
            continue
        if entry[flag] is True:
            continue
        if entry[flag] is not False:
            message = f"{flag} must be true or false; found {entry[flag]!r}"
            problems.append(
                diagnostic_at(position_of(tree[flag]), f"{pointer}/{flag}", "flag-type", message)
            )
        del entry[flag], tree[flag]
        tree.keys_at.pop(flag, None)
    if entry.get(REMOVE) is True and entry.get(REPLACE) is True:
        message = f"{entry['name']!r} sets both remove and replace; it is removed"
        problems.append(
            diagnostic_at(
                position_of(tree[REPLACE]), f"{pointer}/{REPLACE}", "flag-conflict", message
            )
        )
        del entry[REPLACE], tree[REPLACE]
    return entry, tree


def base_flag_diagnostics(loaded: LoadedSpec) -> Iterator[Diagnostic]:
    """``remove`` and ``replace`` in a spec that has no base for them to act on."""
    components = loaded.data.get("components") if isinstance(loaded.data, dict) else None
    for index, entry in enumerate(components if isinstance(components, list) else []):
        for flag in FLAGS:
            if isinstance(entry, dict) and flag in entry:
                pointer = f"/components/{index}/{flag}"
                message = (
                    f"{flag} acts on a base spec, and this spec has none: add extends, or leave"
                    f" {flag} out"
                )
                yield loaded.diagnostic(pointer, "no-base", message, key=True)


# Merging


def merge(lower: Layer, upper: Layer, problems: list[Diagnostic] | None = None) -> Layer:
    """``upper`` merged onto ``lower``; see the module's description. ``problems`` collects the
    removals of components that ``lower`` does not hold."""
    data = dict(lower.data)
    tree = lower.tree.copy()
    for key, value in upper.data.items():
        if key == EXTENDS:
            continue
        below = key in data
        if below:
            tree.keys_at[key] = lower.tree.key_position(key)
        if key == "components" and below:
            data[key], tree[key] = _merged_components(
                data[key], tree[key], value, upper.tree[key], problems
            )
        elif key in _DEEP and below:
            data[key], tree[key] = _merged_mappings(data[key], tree[key], value, upper.tree[key])
        else:
            data[key], tree[key] = value, upper.tree[key]
            tree.keys_at[key] = upper.tree.key_position(key)
    return Layer(data, tree)


def _merged_mappings(lower: Any, lower_tree: Any, upper: Any, upper_tree: Any) -> tuple[Any, Any]:
    """``upper`` merged into ``lower``, key by key, when both are mappings; otherwise ``upper``.

    A mapping merged over something else replaces it, and is marked so: merged again onto a
    lower layer, it still replaces what is there. Without the mark, merging would not be
    associative (``{s: {p: 0}}``, then ``{s: 0}``, then ``{s: {}}`` would keep ``p`` or not
    depending on the grouping).
    """
    if not isinstance(upper, dict):
        return upper, upper_tree
    if not isinstance(lower, dict) or upper_tree.replaces:
        tree = upper_tree.copy()
        tree.replaces = True
        return upper, tree
    data = dict(lower)
    # The mapping is placed where the upper layer wrote it: the last writer, as for any value.
    tree = PositionMap(upper_tree.at, dict(lower_tree), lower_tree.keys_at)
    tree.replaces = lower_tree.replaces
    for key, value in upper.items():
        if key in data:
            # Merged into a key the lower mapping wrote, which stays where it was written.
            tree.keys_at[key] = lower_tree.key_position(key)
            data[key], tree[key] = _merged_mappings(data[key], tree[key], value, upper_tree[key])
        else:
            data[key], tree[key] = value, upper_tree[key]
            tree.keys_at[key] = upper_tree.key_position(key)
    return data, tree


def _merged_components(
    lower: Any, lower_tree: Any, upper: Any, upper_tree: Any, problems: list[Diagnostic] | None
) -> tuple[Any, Any]:
    if not (isinstance(lower, list) and isinstance(upper, list)):
        return upper, upper_tree
    data = list(lower)
    tree = PositionList(lower_tree.at, list(lower_tree))
    places: dict[str, int] = {}
    for index, entry in enumerate(lower):
        name = component_name(entry)
        if name is not None:
            places.setdefault(name, index)
    for index, entry in enumerate(upper):
        name = component_name(entry)
        entry_tree = upper_tree[index]
        if name is None or name not in places:
            if name is not None:
                places[name] = len(data)
                if entry.get(REMOVE) is True and problems is not None:
                    message = f"{name!r} is removed, but the spec below has no such component"
                    where = entry_tree.key_position(REMOVE)
                    pointer = f"/components/{index}/{REMOVE}"
                    problems.append(
                        diagnostic_at(where, pointer, "remove-unknown", message, Severity.WARNING)
                    )
            data.append(entry)
            tree.append(entry_tree)
            continue
        place = places[name]
        data[place], tree[place] = _updated(data[place], tree[place], entry, entry_tree)
    return data, tree


def _updated(
    lower: dict[str, Any], lower_tree: PositionMap, upper: dict[str, Any], upper_tree: PositionMap
) -> tuple[dict[str, Any], PositionMap]:
    """One component entry after an update, as the composition of the two updates."""
    if upper.get(REMOVE) is True:
        tree = PositionMap(
            upper_tree.at,
            {"name": upper_tree["name"], REMOVE: upper_tree[REMOVE]},
            {k: upper_tree.key_position(k) for k in ("name", REMOVE)},
        )
        return {"name": upper["name"], REMOVE: True}, tree
    if upper.get(REPLACE) is True:
        return upper, upper_tree
    if lower.get(REMOVE) is True:
        tree = upper_tree.copy()
        tree[REPLACE] = upper_tree.at
        return {**upper, REPLACE: True}, tree
    data = dict(lower)
    tree = lower_tree.copy()
    for key, value in upper.items():
        if key == "name":
            continue
        data[key], tree[key] = value, upper_tree[key]
        tree.keys_at[key] = upper_tree.key_position(key)
    return data, tree


# Resolving


def resolved(layer: Layer, fixed: Collection[str]) -> Layer:
    """The spec that a fully merged chain declares: removed components dropped, flags left out,
    and the components not in ``fixed`` (the names of the base at the bottom of the chain) moved
    where their ordering constraints place them, the others keeping their relative order."""
    components = layer.data.get("components")
    if not isinstance(components, list):
        return layer
    data: list[Any] = []
    trees = PositionList(layer.tree["components"].at)
    for entry, tree in zip(components, layer.tree["components"], strict=True):
        if isinstance(entry, dict) and component_name(entry) is not None:
            if entry.get(REMOVE) is True:
                continue
            if REPLACE in entry:
                entry = {k: v for k, v in entry.items() if k != REPLACE}
                tree = tree.copy()
                del tree[REPLACE]
        data.append(entry)
        trees.append(tree)
    data, trees = _placed(data, trees, fixed)
    tree = layer.tree.copy()
    tree["components"] = trees
    return Layer({**layer.data, "components": data}, tree)


def _placed(
    entries: list[Any], trees: PositionList, fixed: Collection[str]
) -> tuple[list[Any], PositionList]:
    specs = [salvage_component(entry) for entry in entries]
    names = [spec.name if spec is not None else None for spec in specs]
    if None in names or len(set(names)) != len(names) or all(n in fixed for n in names):
        return entries, trees
    components = [spec for spec in specs if spec is not None]
    order = order_keeping([c.name for c in components], fixed, ordering_edges(components))
    place = {c.name: index for index, c in enumerate(components)}
    moved = [place[name] for name in order]
    return [entries[i] for i in moved], PositionList(trees.at, [trees[i] for i in moved])
