"""Properties of ``requires_features``, on random specs and component classes with features.

A required feature is met by any enabled component declared (or built) earlier that provides it.
The expected findings, builds and plans are computed here from those stated rules, never by
calling ``adb_manager.ordering``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise, permutations
from typing import Any

from hypothesis import event, example, given, note
from strategies import (
    Constraint,
    FeatureBuildPlan,
    FeatureComponent,
    RenderedSpec,
    feature_build_plans,
    feature_spec_data,
    feature_specs,
    reachable,
    render_feature_yaml,
    valid_feature_specs,
)

from adb_manager import (
    BackendComponent,
    BackendManagerBase,
    BuildError,
    Diagnostic,
    Severity,
    State,
    ValidationOptions,
    validate_text,
)
from adb_manager.model import structure_spec
from adb_manager.ordering import lost_with, lost_with_each
from adb_manager.plan import make_plan

NO_IMPORT = ValidationOptions(import_classes=False)
ORDERING_CODES = frozenset({"order-violation", "cycle"})
_CYCLE_PATH = re.compile(r"^ordering cycle ([a-z0-9_]+(?: -> [a-z0-9_]+)+): ")
_CYCLE_STEP = re.compile(
    r"([a-z0-9_]+) (?:depends_on ([a-z0-9_]+)"
    r"|requires_features ([a-z0-9-]+) \(from ([a-z0-9_]+)\)) at line (\d+)"
)


# The rules, stated independently


@dataclass(frozen=True)
class Requirement:
    """Entry ``index`` of ``owner``'s ``requires_features``, which names ``feature``."""

    owner: str
    index: int
    feature: str


def requirements(components: Sequence[FeatureComponent]) -> list[Requirement]:
    """Every requires_features entry, in declared order."""
    return [
        Requirement(c.name, index, feature)
        for c in components
        for index, feature in enumerate(c.requires_features)
    ]


def providers(components: Sequence[FeatureComponent], requirement: Requirement) -> list[str]:
    """The other components that provide the required feature, in declared order."""
    return [
        c.name
        for c in components
        if c.name != requirement.owner and requirement.feature in c.features
    ]


def earlier_providers(
    components: Sequence[FeatureComponent], requirement: Requirement
) -> list[str]:
    """The providers of the required feature declared before the component requiring it."""
    names = [c.name for c in components]
    before = names[: names.index(requirement.owner)]
    return [p for p in providers(components, requirement) if p in before]


def dependencies(components: Sequence[FeatureComponent]) -> list[Constraint]:
    """One constraint per depends_on entry naming another component."""
    names = {c.name for c in components}
    return [
        Constraint(c.name, "depends_on", index, target, target, c.name)
        for c in components
        for index, target in enumerate(c.depends_on)
        if target in names and target != c.name
    ]


def bound_providers(
    components: Sequence[FeatureComponent], requirement: Requirement, after: dict[str, set[str]]
) -> list[str]:
    """The providers a requirement binds to: of several, only those that the dependencies
    (``after``) do not put after its owner, if any; of those, the earlier ones if any, else
    all of them."""
    possible = providers(components, requirement)
    if len(possible) > 1:
        possible = [p for p in possible if p not in after[requirement.owner]] or possible
    earlier = set(earlier_providers(components, requirement))
    return [p for p in possible if p in earlier] or possible


def constraints(components: Sequence[FeatureComponent]) -> list[Constraint]:
    """Every ordering constraint: one per depends_on entry naming another component, and one
    per provider that binds a requirement: the earlier providers if any, else all of them; and
    of several, only those that the dependencies do not put after the component, if any."""
    found = dependencies(components)
    after = reachable([c.name for c in components], found)
    for requirement in requirements(components):
        bound = bound_providers(components, requirement, after)
        found += [
            Constraint(
                requirement.owner, "requires_features", requirement.index, p, p, requirement.owner
            )
            for p in bound
        ]
    return found


def satisfied_by(order: Sequence[str], components: Sequence[FeatureComponent]) -> bool:
    """Whether declaring in ``order`` meets every dependency and every provided requirement."""
    by_name = {c.name: c for c in components}
    placed: set[str] = set()
    for name in order:
        component = by_name[name]
        if not all(d in placed for d in component.depends_on):
            return False
        for feature in component.requires_features:
            requirement = Requirement(name, 0, feature)
            others = providers(components, requirement)
            if others and not placed & set(others):
                return False
        placed.add(name)
    return True


def satisfiable(components: Sequence[FeatureComponent]) -> bool:
    """Whether some declaration order meets everything: placing a component never hurts the
    others, so placing any ready one, greedily, finds such an order when there is one."""
    placed: list[str] = []
    remaining = [c.name for c in components]
    while remaining:
        ready = [n for n in remaining if satisfied_by([*placed, n], components)]
        if not ready:
            return False
        placed.append(ready[0])
        remaining.remove(ready[0])
    return True


def cycle_group_of(
    components: Sequence[FeatureComponent], found: Sequence[Constraint]
) -> dict[str, frozenset[str]]:
    """For each component, the components that it reaches and that reach it (itself included)."""
    names = [c.name for c in components]
    reach = reachable(names, found)
    return {
        name: frozenset({name} | {other for other in reach[name] if name in reach[other]})
        for name in names
    }


def validate(components: Sequence[FeatureComponent]) -> tuple[RenderedSpec, list[Diagnostic]]:
    """Render the components as YAML and validate the text without importing classes."""
    rendered = render_feature_yaml(components)
    note(rendered.text)
    result = validate_text(rendered.text, "spec.yaml", NO_IMPORT)
    return rendered, list(result.diagnostics)


def line_of(rendered: RenderedSpec, owner: str, kind: str, index: int) -> int:
    return rendered.entry_lines[(owner, kind, index)]


# Validation


@given(feature_specs())
def test_no_ordering_error_exactly_when_every_provided_requirement_has_an_earlier_provider(
    components: tuple[FeatureComponent, ...],
) -> None:
    """No order-violation or cycle is reported exactly when every dependency and every provided
    requirement is met by an earlier component."""
    order = [c.name for c in components]
    met = satisfied_by(order, components)
    event("order meets every requirement" if met else "order leaves a requirement unmet")
    _, diagnostics = validate(components)
    ordering = [d for d in diagnostics if d.code in ORDERING_CODES]
    assert all(d.severity is Severity.ERROR for d in ordering)
    assert (not ordering) == met, ordering


@given(feature_specs())
@example(  # c0 needs f1 from c1 or c2, declared later; c0 and c1 need each other.
    (
        FeatureComponent("c0", features=("f2",), requires_features=("f1",)),
        FeatureComponent("c1", features=("f1",), requires_features=("f2",)),
        FeatureComponent("c2", features=("f1",)),
    )
)
def test_each_unmet_requirement_outside_a_cycle_gets_one_order_violation_at_its_entry(
    components: tuple[FeatureComponent, ...],
) -> None:
    """Every unmet entry, a dependency or a provided requirement, with a target outside its own
    cycle group gets exactly one order-violation at its line, naming those targets."""
    rendered, diagnostics = validate(components)
    position = {c.name: index for index, c in enumerate(components)}
    group = cycle_group_of(components, constraints(components))
    after = reachable([c.name for c in components], dependencies(components))
    expected: dict[int, set[str]] = {}
    for c in components:
        for index, target in enumerate(c.depends_on):
            broken = position[target] > position[c.name]
            if broken and target not in group[c.name]:
                expected[line_of(rendered, c.name, "depends_on", index)] = {target}
    for requirement in requirements(components):
        later = bound_providers(components, requirement, after)
        if set(later) & set(earlier_providers(components, requirement)):
            continue
        outside = {p for p in later if p not in group[requirement.owner]}
        if later and not outside:
            event("an unmet requirement covered by its cycle")
        elif outside and len(outside) < len(later):
            event("an unmet requirement partly covered by its cycle")
        if outside:
            line = line_of(rendered, requirement.owner, "requires_features", requirement.index)
            expected[line] = outside
    event(f"{len(expected)} order violation(s) expected")
    reported = [d for d in diagnostics if d.code == "order-violation"]
    assert Counter(d.line for d in reported) == Counter(expected.keys())
    for diagnostic in reported:
        for target in expected[diagnostic.line]:
            assert repr(target) in diagnostic.message, diagnostic.message


@given(feature_specs())
def test_unknown_feature_exactly_at_requirements_no_other_component_provides(
    components: tuple[FeatureComponent, ...],
) -> None:
    """An unknown-feature info is reported at each requirement no other component provides, and
    nowhere else; such a requirement takes no part in ordering."""
    rendered, diagnostics = validate(components)
    unprovided = [r for r in requirements(components) if not providers(components, r)]
    if any(r.feature in c.features for r in unprovided for c in components if c.name == r.owner):
        event("a component requires a feature only it provides")
    expected = Counter(line_of(rendered, r.owner, "requires_features", r.index) for r in unprovided)
    unknown = [d for d in diagnostics if d.code == "unknown-feature"]
    assert Counter(d.line for d in unknown) == expected
    assert all(d.severity is Severity.INFO for d in unknown)
    assert not [d for d in diagnostics if d.code in ORDERING_CODES and d.line in expected]


@given(feature_specs(depends_on=True))
def test_every_reported_cycle_is_a_real_cycle_of_dependencies_and_bound_requirements(
    components: tuple[FeatureComponent, ...],
) -> None:
    """Each cycle spells a closed path whose every step is a depends_on entry or a requirement
    bound to that provider, listed at its own line; one cycle per cycle group."""
    rendered, diagnostics = validate(components)
    found = constraints(components)
    group = cycle_group_of(components, found)
    groups = {g for g in group.values() if len(g) > 1}
    event(f"{len(groups)} cycle group(s)")
    entry_at = {line: entry for entry, line in rendered.entry_lines.items()}
    specs = {c.name: c for c in components}
    reported = []
    for diagnostic in (d for d in diagnostics if d.code == "cycle"):
        match = _CYCLE_PATH.match(diagnostic.message)
        assert match is not None, diagnostic.message
        path = match.group(1).split(" -> ")
        assert path[0] == path[-1] and len(path) >= 3
        assert len(set(path[:-1])) == len(path) - 1, "a cycle visits each component once"
        # "a -> b" reads "a must come after b": a constraint with first b and then a.
        pairs = list(pairwise(path))
        for later, earlier in pairs:
            assert any(k.first == earlier and k.then == later for k in found), (later, earlier)
        first_lines = {
            line_of(rendered, k.owner, k.kind, k.index)
            for k in found
            if (k.then, k.first) == pairs[0]
        }
        assert diagnostic.line in first_lines
        # Each step lists every constraint between its two components, in path order.
        stepped: list[tuple[str, str]] = []
        listed: set[Constraint] = set()
        for owner, target, feature, provider, line in _CYCLE_STEP.findall(diagnostic.message):
            entry_owner, kind, index = entry_at[int(line)]
            assert entry_owner == owner
            if target:
                assert kind == "depends_on" and specs[owner].depends_on[index] == target
            else:
                assert kind == "requires_features"
                assert specs[owner].requires_features[index] == feature
                target = provider
            constraint = Constraint(owner, kind, index, target, target, owner)
            assert constraint in found, f"{constraint} binds no edge"
            listed.add(constraint)
            pair = (owner, target)
            if not stepped or stepped[-1] != pair:
                stepped.append(pair)
        assert stepped == pairs, diagnostic.message
        assert listed == {k for k in found if (k.then, k.first) in pairs}, diagnostic.message
        reported.append(group[path[0]])
        assert set(path) <= group[path[0]]
    assert sorted(reported, key=sorted) == sorted(groups, key=sorted)


@given(feature_specs(depends_on=True))
def test_a_spec_that_no_declaration_order_satisfies_gets_a_cycle(
    components: tuple[FeatureComponent, ...],
) -> None:
    """When no order at all meets every dependency and provided requirement, a cycle is
    reported; whenever the declared order does not, a cycle or an order-violation is."""
    possible = satisfiable(components)
    if len(components) <= 5:
        names = [c.name for c in components]
        assert possible == any(satisfied_by(order, components) for order in permutations(names))
    met = satisfied_by([c.name for c in components], components)
    _, diagnostics = validate(components)
    codes = {d.code for d in diagnostics}
    if not possible:
        event("no declaration order works")
        assert "cycle" in codes, diagnostics
    elif "cycle" in codes:
        event("a cycle reported although another order works")
    if not met:
        assert codes & ORDERING_CODES, diagnostics


# Building


def make_feature_class(plan: FeatureBuildPlan, log: list[str]) -> type[BackendComponent]:
    """A component class for ``plan`` that logs its construction, and raises if planned."""

    class Generated(BackendComponent):
        NAME = plan.name
        FEATURES = plan.class_features
        REQUIRES_FEATURES = plan.class_requires
        REQUIRED = plan.class_required

        def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
            log.append(plan.name)
            if plan.raises:
                raise RuntimeError(f"{plan.name} cannot start")
            super().__init__(manager, config)

    Generated.__name__ = Generated.__qualname__ = f"Generated{plan.name.capitalize()}"
    return Generated


@dataclass
class ExpectedBuild:
    """What the rules say: each processed component's (name, state, root), in build order."""

    statuses: list[tuple[str, State, str | None]] = field(default_factory=list)
    constructed: list[str] = field(default_factory=list)
    abort: tuple[str, str] | None = None
    on_its_own: set[str] = field(default_factory=set)


def expected_build(plans: Sequence[FeatureBuildPlan]) -> ExpectedBuild:
    """Build by hand: a component is constructed only when each feature it requires is provided
    by a component built before it; otherwise its root is the root of the first earlier provider
    that was not built, or itself when there was none."""
    expected = ExpectedBuild()
    built: list[FeatureBuildPlan] = []
    not_built: list[FeatureBuildPlan] = []
    root_of: dict[str, str] = {}
    for plan in plans:
        root = None
        for feature in plan.requires:
            if any(feature in p.features for p in built):
                continue
            failed = [p for p in not_built if feature in p.features]
            root = root_of[failed[0].name] if failed else plan.name
            if not failed:
                expected.on_its_own.add(plan.name)
            break
        if root is None:
            expected.constructed.append(plan.name)
            if not plan.raises:
                built.append(plan)
                expected.statuses.append((plan.name, State.BUILT, None))
                continue
            root = plan.name
            expected.on_its_own.add(plan.name)
        root_of[plan.name] = root
        not_built.append(plan)
        expected.statuses.append(
            (plan.name, State.FAILED if plan.required else State.SKIPPED, root)
        )
        if plan.required:
            expected.abort = (plan.name, root)
            break
    return expected


@given(feature_build_plans())
@example(  # c1 needs f1 from c0, which was skipped for want of f2: its root is c0.
    (
        FeatureBuildPlan("c0", ("f1",), (), ("f2",), (), False, None, False),
        FeatureBuildPlan("c1", (), (), ("f1",), (), False, None, False),
    )
)
def test_components_requiring_features_are_built_only_after_a_provider(
    plans: tuple[FeatureBuildPlan, ...],
) -> None:
    """Exactly the expected components are built or skipped, a required one that cannot be
    aborts with BuildError, and each root is a component that failed on its own."""
    expected = expected_build(plans)
    log: list[str] = []
    manager = BackendManagerBase()
    error = None
    try:
        for plan in plans:
            manager.build(
                make_feature_class(plan, log),
                required=plan.required_override,
                features=plan.call_features,
                requires_features=plan.call_requires,
            )
    except BuildError as caught:
        error = caught
    event("aborted" if expected.abort else "completed")
    skipped = [name for name, state, _ in expected.statuses if state is State.SKIPPED]
    event(f"{len(skipped)} skipped")
    if any(root not in (None, name) for name, _, root in expected.statuses):
        event("a failure passed on through a provider")
    if error is None:
        assert expected.abort is None, "the build should have raised BuildError"
        statuses = manager.status
        built = [name for name, state, _ in expected.statuses if state is State.BUILT]
        assert list(manager.components) == built
    else:
        assert (error.component, error.root) == expected.abort
        statuses = error.report
    assert [(s.name, s.state, s.root) for s in statuses] == expected.statuses
    assert log == expected.constructed
    by_plan = {plan.name: plan for plan in plans}
    by_status = {s.name: s for s in statuses}
    for status in statuses:
        assert status.features == by_plan[status.name].features
        assert status.requires_features == by_plan[status.name].requires
        if status.state is State.BUILT:
            continue
        assert status.root is not None and status.root in expected.on_its_own
        assert by_status[status.root].root == status.root
        # The root raised, or requires a feature that no component declared before it provides.
        root = by_plan[status.root]
        earlier = plans[: plans.index(root)]
        assert root.raises or any(not any(f in p.features for p in earlier) for f in root.requires)


# Planning


def not_built(failed: str | None, components: Sequence[FeatureComponent]) -> set[str]:
    """The components not built when ``failed`` fails (or none does): ``failed`` itself, and
    those with a dependency not built or a required feature no earlier built one provides."""
    lost: set[str] = set()
    kept: list[FeatureComponent] = []
    for component in components:
        if (
            component.name == failed
            or set(component.depends_on) & lost
            or any(not any(f in c.features for c in kept) for f in component.requires_features)
        ):
            lost.add(component.name)
        else:
            kept.append(component)
    return lost


def expected_lost(failed: str, components: Sequence[FeatureComponent]) -> list[str]:
    """The components lost because ``failed`` fails: not built then, but built otherwise."""
    lost = not_built(failed, components) - not_built(None, components) - {failed}
    return [c.name for c in components if c.name in lost]


@given(valid_feature_specs())
@example(  # c0 requires f1, which no component provides: c1's failure cannot touch it.
    (
        FeatureComponent("c0", requires_features=("f1",)),
        FeatureComponent("c1", required=False),
    )
)
def test_plan_lists_what_each_optional_failure_takes_down(
    components: tuple[FeatureComponent, ...],
) -> None:
    """For each enabled optional step, skipped_with is what simulating its failure loses, and
    aborts tells whether a required component is among them."""
    data = feature_spec_data(components)
    note(repr(data))
    steps = make_plan(structure_spec(data), None)
    assert [s.name for s in steps] == [c.name for c in components]
    required = {c.name: c.required is not False for c in components}
    for step in steps:
        if step.required:
            assert step.skipped_with == ()
            continue
        lost = expected_lost(step.name, components)
        event("an optional failure loses another component" if lost else "loses nothing else")
        assert list(step.skipped_with) == lost, step
        assert step.aborts == any(required[name] for name in lost)


@given(feature_specs())
def test_losses_of_every_component_at_once_are_each_component_s_own(
    components: tuple[FeatureComponent, ...],
) -> None:
    """lost_with_each, which indexes the spec once, gives what lost_with gives for each name, in
    any declaration order, broken ones and cycles included."""
    spec = structure_spec(feature_spec_data(components))
    names = [c.name for c in components]
    assert lost_with_each(names, spec.components) == {
        name: lost_with(name, spec.components) for name in names
    }
