"""Properties of the ordering checks, on random constraint graphs in random declaration orders.

The expected findings are computed here from the stated rules (brute force over the constraints
and a reachability closure of the graph), never by calling ``adb_manager.ordering``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise, permutations

from hypothesis import event, example, given, note
from strategies import (
    Constraint,
    DeclaredComponent,
    RenderedSpec,
    binding_constraints,
    ordering_specs,
    reachable,
    render_yaml,
)

from adb_manager import Diagnostic, Severity, ValidationOptions, validate_text

NO_IMPORT = ValidationOptions(import_classes=False)
ORDERING_CODES = frozenset({"order-violation", "cycle"})
_CYCLE_PATH = re.compile(r"^ordering cycle ([a-z0-9_]+(?: -> [a-z0-9_]+)+): ")
_CYCLE_STEP = re.compile(r"([a-z0-9_]+) (depends_on|after|before) ([a-z0-9_]+) at line (\d+)")


def validate(components: Sequence[DeclaredComponent]) -> tuple[RenderedSpec, list[Diagnostic]]:
    """Render the components as YAML and validate the text without importing classes."""
    rendered = render_yaml(components)
    note(rendered.text)
    result = validate_text(rendered.text, "generated.yaml", NO_IMPORT)
    return rendered, list(result.diagnostics)


def cyclic_groups(
    components: Sequence[DeclaredComponent], constraints: Sequence[Constraint]
) -> list[frozenset[str]]:
    """The groups of two or more components that each reach one another: one per cycle group."""
    names = [c.name for c in components]
    reach = reachable(names, constraints)
    groups: list[frozenset[str]] = []
    for name in names:
        if name not in reach[name]:
            continue
        group = frozenset({name} | {other for other in reach[name] if name in reach[other]})
        if group not in groups:
            groups.append(group)
    return groups


def positions(components: Sequence[DeclaredComponent]) -> dict[str, int]:
    return {component.name: index for index, component in enumerate(components)}


def pointer_of(components: Sequence[DeclaredComponent], constraint: Constraint) -> str:
    index = positions(components)[constraint.owner]
    return f"/components/{index}/{constraint.kind}/{constraint.index}"


@given(ordering_specs())
def test_no_ordering_error_exactly_when_the_order_satisfies_every_constraint(
    components: tuple[DeclaredComponent, ...],
) -> None:
    """No order-violation or cycle is reported exactly when the order breaks no constraint."""
    position = positions(components)
    constraints = binding_constraints(components)
    satisfied = all(position[c.first] < position[c.then] for c in constraints)
    event("order satisfies every constraint" if satisfied else "order breaks a constraint")
    _, diagnostics = validate(components)
    ordering = [d for d in diagnostics if d.code in ORDERING_CODES]
    assert all(d.severity is Severity.ERROR for d in ordering)
    assert (not ordering) == satisfied, ordering


@given(ordering_specs())
@example(  # Two separate cycles, and c0 after c2 broken between them: found by this test.
    (
        DeclaredComponent("c0", after=("c1", "c2")),
        DeclaredComponent("c1", after=("c0",)),
        DeclaredComponent("c2", after=("c3",)),
        DeclaredComponent("c3", after=("c2",)),
    )
)
def test_each_broken_constraint_is_reported_at_its_own_list_entry(
    components: tuple[DeclaredComponent, ...],
) -> None:
    """Every broken constraint outside a cycle gets one order-violation at its entry's line."""
    rendered, diagnostics = validate(components)
    position = positions(components)
    constraints = binding_constraints(components)
    groups = cyclic_groups(components, constraints)

    def in_one_cycle(constraint: Constraint) -> bool:
        return any({constraint.first, constraint.then} <= group for group in groups)

    broken = [
        c for c in constraints if position[c.first] > position[c.then] and not in_one_cycle(c)
    ]
    event(f"{len(broken)} order violation(s) expected")
    if any(c.first in g and c.then in h for c in broken for g in groups for h in groups):
        event("a broken constraint between two different cycle groups")
    expected = Counter((rendered.line_of(c), pointer_of(components, c)) for c in broken)
    reported = [d for d in diagnostics if d.code == "order-violation"]
    assert Counter((d.line, d.pointer) for d in reported) == expected
    by_line = {rendered.line_of(c): c for c in broken}
    for diagnostic in reported:
        constraint = by_line[diagnostic.line]
        assert repr(constraint.owner) in diagnostic.message
        assert repr(constraint.target) in diagnostic.message


@given(ordering_specs())
def test_every_reported_cycle_path_is_a_real_cycle_of_constraints(
    components: tuple[DeclaredComponent, ...],
) -> None:
    """Each cycle message spells a closed path whose every step is a real constraint entry."""
    rendered, diagnostics = validate(components)
    constraints = binding_constraints(components)
    by_line = {rendered.line_of(c): c for c in constraints}
    for diagnostic in (d for d in diagnostics if d.code == "cycle"):
        match = _CYCLE_PATH.match(diagnostic.message)
        assert match is not None, diagnostic.message
        path = match.group(1).split(" -> ")
        assert path[0] == path[-1] and len(path) >= 3
        assert len(set(path[:-1])) == len(path) - 1, "a cycle visits each component once"
        # "a -> b" reads "a must come after b": a constraint with first b and then a.
        pairs = list(pairwise(path))
        for later, earlier in pairs:
            assert any(c.first == earlier and c.then == later for c in constraints), (
                later,
                earlier,
            )
        first_step = {rendered.line_of(c) for c in constraints if (c.then, c.first) == pairs[0]}
        assert diagnostic.line in first_step
        # Each step lists every constraint between its two components, in path order.
        stepped = []
        for owner, kind, target, line in _CYCLE_STEP.findall(diagnostic.message):
            constraint = by_line[int(line)]
            assert (constraint.owner, constraint.kind, constraint.target) == (owner, kind, target)
            pair = (constraint.then, constraint.first)
            if not stepped or stepped[-1] != pair:
                stepped.append(pair)
        assert stepped == pairs, diagnostic.message


@given(ordering_specs())
def test_one_cycle_diagnostic_for_each_group_of_components_in_a_cycle(
    components: tuple[DeclaredComponent, ...],
) -> None:
    """A cyclic graph gets exactly one cycle diagnostic per cycle group; an acyclic one, none."""
    _, diagnostics = validate(components)
    constraints = binding_constraints(components)
    groups = cyclic_groups(components, constraints)
    event(f"{len(groups)} cycle group(s)")
    if len(components) <= 6:
        # Cross-check the closure: a graph is acyclic exactly when some order satisfies it all.
        names = [c.name for c in components]
        satisfiable = any(
            all(order.index(c.first) < order.index(c.then) for c in constraints)
            for order in map(list, permutations(names))
        )
        assert satisfiable == (not groups)
    reported = []
    for diagnostic in (d for d in diagnostics if d.code == "cycle"):
        match = _CYCLE_PATH.match(diagnostic.message)
        assert match is not None, diagnostic.message
        members = set(match.group(1).split(" -> "))
        owning = [group for group in groups if members <= group]
        assert len(owning) == 1, (members, groups)
        reported.append(owning[0])
    assert sorted(reported, key=sorted) == sorted(groups, key=sorted)
    if groups:
        assert reported
    else:
        assert not reported


@given(ordering_specs(strays=False))
def test_disabled_components_bind_no_soft_constraint_and_fail_hard_ones(
    components: tuple[DeclaredComponent, ...],
) -> None:
    """depends_on a disabled component is a disabled-dependency error; after/before one is not."""
    rendered, diagnostics = validate(components)
    enabled = {c.name for c in components if c.enabled}
    hard: set[int] = set()
    soft: set[int] = set()
    for component in components:
        if not component.enabled:
            continue
        for kind in ("depends_on", "after", "before"):
            for index, target in enumerate(component.targets(kind)):
                if target not in enabled:
                    line = rendered.entry_lines[(component.name, kind, index)]
                    (hard if kind == "depends_on" else soft).add(line)
    event("depends_on a disabled component" if hard else "no depends_on a disabled component")
    event("soft constraint to a disabled component" if soft else "no soft one to a disabled one")
    disabled_dependency = [d for d in diagnostics if d.code == "disabled-dependency"]
    assert sorted(d.line for d in disabled_dependency) == sorted(hard)
    assert all(d.severity is Severity.ERROR for d in disabled_dependency)
    assert not [d for d in diagnostics if d.line in soft and d.severity is not Severity.INFO]
    assert sorted(d.line for d in diagnostics if d.code == "disabled-reference") == sorted(soft)
    # Nothing that names a disabled component takes part in ordering.
    assert not [d for d in diagnostics if d.code in ORDERING_CODES and d.line in hard | soft]
