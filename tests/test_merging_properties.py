"""Properties of merging specs by component name: the algebra that extends chains and overlays
rest on."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import spec_layers

from adb_manager.loading import Position
from adb_manager.merging import Layer, merge, resolved
from adb_manager.positions import PositionMap, flattened, uniform_tree


def layer(data: dict[str, Any], number: int) -> Layer:
    """A layer whose every node is at line ``number`` of its own file."""
    tree = uniform_tree(data, Position(number, 1, f"layer{number}.yaml"))
    assert isinstance(tree, PositionMap)
    return Layer(data, tree)


def same(one: Layer, other: Layer) -> bool:
    """Equal data, and every node at the same position."""
    first = flattened("spec.yaml", one.data, one.tree)
    second = flattened("spec.yaml", other.data, other.tree)
    return (one.data, first.key_positions, first.value_positions) == (
        other.data,
        second.key_positions,
        second.value_positions,
    )


@given(spec_layers(), spec_layers(), spec_layers())
def test_merging_is_associative(
    first: dict[str, Any], second: dict[str, Any], third: dict[str, Any]
) -> None:
    """Merging a chain gives the same spec, positions included, however it is grouped."""
    a, b, c = layer(first, 1), layer(second, 2), layer(third, 3)

    assert same(merge(merge(a, b), c), merge(a, merge(b, c)))


@given(spec_layers(base=True), spec_layers(), spec_layers())
def test_resolving_a_chain_does_not_depend_on_grouping(
    root: dict[str, Any], second: dict[str, Any], third: dict[str, Any]
) -> None:
    """The effective spec of base <- child <- grandchild is the same grouped either way."""
    a, b, c = layer(root, 1), layer(second, 2), layer(third, 3)
    fixed = {entry["name"] for entry in root.get("components", [])}

    assert same(resolved(merge(merge(a, b), c), fixed), resolved(merge(a, merge(b, c)), fixed))


@given(spec_layers(base=True))
def test_a_child_that_names_nothing_is_its_base(root: dict[str, Any]) -> None:
    """A child with only extends merges into exactly its base."""
    base = layer(root, 1)

    assert same(merge(base, layer({"extends": "base.yaml"}, 2)), base)


@given(spec_layers(base=True), st.sampled_from(["alpha", "beta"]), st.booleans())
def test_removing_then_adding_again_is_replacing(
    root: dict[str, Any], name: str, enabled: bool
) -> None:
    """Removing a component and adding it back, in two overlays, is replacing it in one."""
    base = layer(root, 1)
    entry = {"name": name, "class": "m:New", "enabled": enabled}
    fixed = {e["name"] for e in root.get("components", [])}
    removed = merge(base, layer({"components": [{"name": name, "remove": True}]}, 2))
    added_again = merge(removed, layer({"components": [entry]}, 3))
    replaced = merge(base, layer({"components": [{**entry, "replace": True}]}, 3))

    assert same(resolved(added_again, fixed), resolved(replaced, fixed))
