"""Properties of the chained builder, on random components that may fail to construct.

The expected outcome is computed here from the stated rules: components are built in call order;
one whose constructor raises, or whose hard dependency was not built, is skipped when optional and
aborts the build when required, and ``root`` names the component that failed on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import event, given
from strategies import ComponentPlan, component_plans

from adb_manager import BackendComponent, BackendManagerBase, BuildError, State

Log = list[tuple[str, str]]


def make_component_class(plan: ComponentPlan, log: Log) -> type[BackendComponent]:
    """A component class for ``plan`` that logs its construction and its close() calls."""

    class Generated(BackendComponent):
        NAME = plan.name
        REQUIRED = plan.class_required
        DEPENDS_ON = plan.class_depends_on

        def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
            log.append(("construct", plan.name))
            if plan.raises:
                raise RuntimeError(f"{plan.name} cannot start")
            super().__init__(manager, config)

        def close(self) -> None:
            log.append(("close", plan.name))

    Generated.__name__ = Generated.__qualname__ = f"Generated{plan.name.capitalize()}"
    return Generated


@dataclass
class Expected:
    """What the rules say happens: each processed component's (name, state, root), in order."""

    statuses: list[tuple[str, State, str | None]] = field(default_factory=list)
    constructed: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    abort: tuple[str, str] | None = None


def expected_outcome(plans: Sequence[ComponentPlan]) -> Expected:
    """Apply the builder rules by hand; the first unmet hard dependency gives the root."""
    expected = Expected()
    root_of: dict[str, str] = {}
    for plan in plans:
        unmet = [name for name in plan.dependencies if name not in expected.built]
        if unmet:
            root = root_of[unmet[0]]
        else:
            expected.constructed.append(plan.name)
            if not plan.raises:
                expected.built.append(plan.name)
                expected.statuses.append((plan.name, State.BUILT, None))
                continue
            root = plan.name
        root_of[plan.name] = root
        state = State.FAILED if plan.required else State.SKIPPED
        expected.statuses.append((plan.name, state, root))
        if plan.required:
            expected.abort = (plan.name, root)
            break
    return expected


@dataclass
class Run:
    """What happened: the manager, the BuildError if any, and the construct/close log."""

    manager: BackendManagerBase
    error: BuildError | None
    log: Log


def run_build(plans: Sequence[ComponentPlan]) -> Run:
    """Build every planned component with chained build() calls, in declared order."""
    log: Log = []
    classes = [make_component_class(plan, log) for plan in plans]
    manager = BackendManagerBase({"section": {"key": "value"}})
    chained = manager
    error = None
    try:
        for plan, cls in zip(plans, classes, strict=True):
            chained = chained.build(
                cls, required=plan.required_override, depends_on=plan.call_depends_on
            )
            assert chained is manager
    except BuildError as caught:
        error = caught
    return Run(manager, error, log)


def calls(log: Log, what: str) -> list[str]:
    return [name for kind, name in log if kind == what]


@given(component_plans())
def test_built_skipped_and_aborting_components_follow_the_rules(
    plans: tuple[ComponentPlan, ...],
) -> None:
    """Exactly the right components are built, skipped or abort, each failure with its root."""
    expected = expected_outcome(plans)
    run = run_build(plans)
    event("aborted" if expected.abort else "completed")
    event(f"{sum(s is State.SKIPPED for _, s, _ in expected.statuses)} skipped")
    if expected.abort and expected.abort[0] != expected.abort[1]:
        event("aborted by a required component whose dependency failed")
    links = {name for name, state, root in expected.statuses if root not in (None, name)}
    if any(name in p.dependencies for p in plans for name in links):
        event("a failure passed on through an intermediate link")
    if expected.abort is None:
        assert run.error is None
        statuses = run.manager.status
        assert list(run.manager.components) == expected.built
        for name in expected.built:
            assert getattr(run.manager, name) is run.manager.components[name]
    else:
        assert run.error is not None, "the build should have raised BuildError"
        assert (run.error.component, run.error.root) == expected.abort
        statuses = run.error.report
    assert [(s.name, s.state, s.root) for s in statuses] == expected.statuses
    by_name = {status.name: status for status in statuses}
    for status in statuses:
        plan = next(p for p in plans if p.name == status.name)
        assert status.required is plan.required
        assert status.depends_on == plan.dependencies
        if status.state is State.BUILT:
            assert status.reason is None
            continue
        assert status.reason
        # The root failed on its own: it is not an intermediate link of a dependency chain.
        assert status.root is not None and by_name[status.root].root == status.root
        assert next(p for p in plans if p.name == status.root).raises
    for plan in plans:
        if plan.name not in expected.built:
            assert plan.name not in vars(run.manager)


@given(component_plans())
def test_constructors_run_in_declared_order_only_when_dependencies_were_built(
    plans: tuple[ComponentPlan, ...],
) -> None:
    """Constructors are called once each, in declared order, for components whose deps are built."""
    expected = expected_outcome(plans)
    run = run_build(plans)
    constructed = calls(run.log, "construct")
    assert constructed == expected.constructed
    declared = [plan.name for plan in plans]
    assert constructed == sorted(constructed, key=declared.index)


@given(component_plans())
def test_close_runs_in_reverse_build_order_on_built_components_only(
    plans: tuple[ComponentPlan, ...],
) -> None:
    """An abort closes every built component in reverse order; nothing unbuilt is ever closed."""
    expected = expected_outcome(plans)
    run = run_build(plans)
    reverse_built = list(reversed(expected.built))
    if run.error is not None:
        assert calls(run.log, "close") == reverse_built
        run.manager.close()
        assert calls(run.log, "close") == reverse_built, "a second close() closes nothing"
    else:
        assert calls(run.log, "close") == [], "a completed build closes nothing"
        run.manager.close()
        assert calls(run.log, "close") == reverse_built
