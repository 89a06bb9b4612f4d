"""Tests of BackendManagerBase and BackendComponent: building, failures, lifecycle, reporting."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import pytest

from adb_manager.components import BackendComponent
from adb_manager.errors import (
    BuildError,
    ComponentClassError,
    DeclarationError,
    DuplicateComponentError,
)
from adb_manager.imports import ClassPathError
from adb_manager.manager import BackendManagerBase
from adb_manager.status import ComponentStatus, State

MANAGER_LOGGER = "adb_manager.manager"
HOOKS = ("post_manager_init", "post_tasks_init", "post_final_init")


class Recorder(BackendComponent):
    """A component that notes each call in ``config["events"]`` and raises in ``FAIL_IN``."""

    FAIL_IN: ClassVar[str | None] = None

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        self.events: list[str] = config["events"]
        self.note("__init__")
        super().__init__(manager, config)

    def note(self, call: str) -> None:
        self.events.append(f"{self.NAME or type(self).__name__}.{call}")
        if call == self.FAIL_IN:
            raise RuntimeError(f"{self.NAME} broke in {call}")

    def component_init(self) -> None:
        self.note("component_init")

    def post_manager_init(self) -> None:
        self.note("post_manager_init")

    def post_tasks_init(self) -> None:
        self.note("post_tasks_init")

    def post_final_init(self) -> None:
        self.note("post_final_init")

    def close(self) -> None:
        self.note("close")


class Storage(Recorder):
    NAME = "storage_manager"
    FEATURES = ("storage",)


class Sequences(Recorder):
    NAME = "sequence_manager"
    FEATURES = ("sequences", "provisioning")
    DEPENDS_ON = ("storage_manager",)


class Unnamed(Recorder):
    pass


class Holder:
    class Nested(Recorder):
        NAME = "nested"
        FEATURES = ("nesting",)


def component(
    name: str,
    *,
    features: Iterable[str] = (),
    depends_on: Iterable[str] = (),
    required: bool = True,
    fail_in: str | None = None,
) -> type[Recorder]:
    """A Recorder subclass named after ``name`` ('a' gives class A, path test_manager:A)."""
    namespace = {
        "NAME": name,
        "FEATURES": tuple(features),
        "DEPENDS_ON": tuple(depends_on),
        "REQUIRED": required,
        "FAIL_IN": fail_in,
    }
    return type(name.upper(), (Recorder,), namespace)


def path_of(cls: type) -> str:
    """The class path the manager reports for a class of this module."""
    return f"{__name__}:{cls.__qualname__}"


def built(cls: type[Recorder], *features: str, depends_on: tuple[str, ...] = ()) -> ComponentStatus:
    """The status of a required component of ``cls`` that was built."""
    return ComponentStatus(
        name=str(cls.NAME),
        class_path=path_of(cls),
        state=State.BUILT,
        required=True,
        features=features,
        depends_on=depends_on,
    )


def logged(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[tuple[int, str]]:
    """Level and message of each manager log record at ``level`` or above, in order."""
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == MANAGER_LOGGER and record.levelno >= level
    ]


@pytest.fixture
def events() -> list[str]:
    """The call log the Recorder components of a test write to."""
    return []


@pytest.fixture
def manager(events: list[str]) -> BackendManagerBase:
    """An empty manager whose configuration carries the call log."""
    return BackendManagerBase({"events": events})


# Building


def test_build_returns_the_manager_so_calls_chain(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """build() returns the manager itself, and chained calls build in order."""
    assert manager.build(Storage).build(Sequences) is manager
    assert list(manager.components) == ["storage_manager", "sequence_manager"]
    assert events == [
        "storage_manager.__init__",
        "storage_manager.component_init",
        "sequence_manager.__init__",
        "sequence_manager.component_init",
    ]
    assert manager.status == (
        built(Storage, "storage"),
        built(Sequences, "sequences", "provisioning", depends_on=("storage_manager",)),
    )


def test_built_component_is_attached_under_its_name(manager: BackendManagerBase) -> None:
    """A built component is the manager attribute named by NAME, with the manager and config."""
    manager.build(Storage)
    storage = manager.storage_manager  # type: ignore[attr-defined]
    assert type(storage) is Storage
    assert storage.manager is manager
    assert storage.config is manager.config
    assert dict(manager.components) == {"storage_manager": storage}
    with pytest.raises(TypeError):
        manager.components["other"] = storage  # type: ignore[index]


def test_name_argument_names_a_class_without_name(manager: BackendManagerBase) -> None:
    """A class without NAME is attached under the name= argument."""
    manager.build(Unnamed, name="helper")
    assert type(manager.helper) is Unnamed  # type: ignore[attr-defined]
    assert [status.name for status in manager.status] == ["helper"]
    assert manager.status[0].class_path == path_of(Unnamed)


def test_class_without_name_and_no_name_argument_raises(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A class with no NAME built without name= raises ComponentClassError and builds nothing."""
    with pytest.raises(ComponentClassError) as raised:
        manager.build(Unnamed)
    assert str(raised.value) == "Unnamed has no NAME; pass name="
    assert (events, manager.status) == ([], ())


def test_name_argument_agreeing_with_name_is_accepted(manager: BackendManagerBase) -> None:
    """name= equal to the class's NAME builds the component under that name."""
    manager.build(Storage, name="storage_manager")
    assert list(manager.components) == ["storage_manager"]


def test_name_argument_disagreeing_with_name_raises(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """name= that differs from the class's NAME raises ComponentClassError before building."""
    with pytest.raises(ComponentClassError) as raised:
        manager.build(Storage, name="store")
    assert str(raised.value) == "Storage is named 'storage_manager' by its NAME, not 'store'"
    assert (events, manager.status, dict(manager.components)) == ([], (), {})
    assert not hasattr(manager, "store")


def test_class_path_string_is_built_like_the_class(manager: BackendManagerBase) -> None:
    """A 'module:Qualname' string, nested qualnames included, builds the class it names."""
    manager.build(f"{__name__}:Storage").build(f"{__name__}:Holder.Nested")
    assert type(manager.storage_manager) is Storage  # type: ignore[attr-defined]
    assert type(manager.nested) is Holder.Nested  # type: ignore[attr-defined]
    assert [s.class_path for s in manager.status] == [
        f"{__name__}:Storage",
        f"{__name__}:Holder.Nested",
    ]


@pytest.mark.parametrize(
    ("candidate", "shown"),
    [
        (int, "<class 'int'>"),
        (BackendManagerBase, "<class 'adb_manager.manager.BackendManagerBase'>"),
        ("os.path:join", "'os.path:join'"),
    ],
)
def test_build_rejects_what_is_not_a_component_class(
    manager: BackendManagerBase, candidate: Any, shown: str
) -> None:
    """build() of something that is not a BackendComponent subclass raises ComponentClassError."""
    with pytest.raises(ComponentClassError) as raised:
        manager.build(candidate)
    assert str(raised.value) == (
        f"{shown} is not a component class: it must derive from BackendComponent"
    )
    assert manager.status == ()


@pytest.mark.parametrize(
    ("class_required", "argument", "expected"),
    [
        (True, None, True),
        (False, None, False),
        (True, False, False),
        (False, True, True),
    ],
)
def test_required_argument_overrides_class_required(
    manager: BackendManagerBase, class_required: bool, argument: bool | None, expected: bool
) -> None:
    """required= decides whether a component is required; without it the class's REQUIRED does."""
    manager.build(component("a", required=class_required), required=argument)
    assert [(s.name, s.required, s.state) for s in manager.status] == [("a", expected, State.BUILT)]


def test_required_false_argument_makes_a_required_class_skippable(
    manager: BackendManagerBase,
) -> None:
    """A class with REQUIRED = True that fails under required=False is skipped, not fatal."""
    manager.build(component("a", required=True, fail_in="__init__"), required=False)
    assert [(s.name, s.state) for s in manager.status] == [("a", State.SKIPPED)]


def test_required_true_argument_makes_an_optional_class_fatal(manager: BackendManagerBase) -> None:
    """A class with REQUIRED = False that fails under required=True raises BuildError."""
    with pytest.raises(BuildError) as raised:
        manager.build(component("a", required=False, fail_in="__init__"), required=True)
    assert (raised.value.component, raised.value.root) == ("a", "a")


# Features


def test_features_are_sorted_unique_and_a_tuple(manager: BackendManagerBase) -> None:
    """Class FEATURES plus features= of built components give a sorted tuple without repeats."""
    extra = ["mid", "alpha"]
    manager.build(component("a", features=("zeta", "alpha")), features=extra)
    manager.build(component("b", features=("alpha",)))
    extra.append("late")
    assert manager.features == ("alpha", "mid", "zeta")
    assert type(manager.features) is tuple
    assert manager.status[0].features == ("zeta", "alpha", "mid")


def test_feature_providers_lists_each_feature_with_its_components(
    manager: BackendManagerBase,
) -> None:
    """feature_providers maps each sorted feature to its built providers, read-only."""
    manager.build(component("a", features=("zeta", "alpha")), features=["mid"])
    manager.build(component("b", features=("alpha",)))
    providers = manager.feature_providers
    assert list(providers.items()) == [("alpha", ("a", "b")), ("mid", ("a",)), ("zeta", ("a",))]
    with pytest.raises(TypeError):
        providers["new"] = ("a",)  # type: ignore[index]
    assert manager.features == tuple(providers)


# COMPONENTS


def test_components_list_is_built_at_construction_in_order(events: list[str]) -> None:
    """COMPONENTS entries, classes or class paths with options, are built in order by __init__."""

    class Manager(BackendManagerBase):
        COMPONENTS = [
            {"class": Storage},
            {"class": f"{__name__}:Sequences"},
            {"class": f"{__name__}:Holder.Nested", "required": False, "features": ["extra"]},
            {"class": Unnamed, "name": "helper", "depends_on": ["nested"]},
        ]

    manager = Manager({"events": events})
    assert list(manager.components) == ["storage_manager", "sequence_manager", "nested", "helper"]
    assert [event for event in events if event.endswith("__init__")] == [
        "storage_manager.__init__",
        "sequence_manager.__init__",
        "nested.__init__",
        "Unnamed.__init__",
    ]
    assert manager.status[2:] == (
        ComponentStatus(
            name="nested",
            class_path=path_of(Holder.Nested),
            state=State.BUILT,
            required=False,
            features=("nesting", "extra"),
        ),
        ComponentStatus(
            name="helper",
            class_path=path_of(Unnamed),
            state=State.BUILT,
            required=True,
            depends_on=("nested",),
        ),
    )
    assert manager.features == ("extra", "nesting", "provisioning", "sequences", "storage")


def test_components_list_failures_follow_the_build_rules(events: list[str]) -> None:
    """A failing optional COMPONENTS entry is skipped and a failing required one aborts __init__."""

    class Tolerant(BackendManagerBase):
        COMPONENTS = [{"class": component("a", fail_in="__init__"), "required": False}]

    assert [(s.name, s.state) for s in Tolerant({"events": events}).status] == [
        ("a", State.SKIPPED)
    ]

    class Strict(BackendManagerBase):
        COMPONENTS = [{"class": Storage}, {"class": component("a", fail_in="__init__")}]

    events.clear()
    with pytest.raises(BuildError) as raised:
        Strict({"events": events})
    assert raised.value.component == "a"
    assert events == [
        "storage_manager.__init__",
        "storage_manager.component_init",
        "a.__init__",
        "storage_manager.close",
    ]


ENTRY_KEYS = "['after', 'class', 'depends_on', 'features', 'name', 'required', 'requires_features']"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "x"},
            f"Manager.COMPONENTS entry {{'name': 'x'}}: needs 'class' and takes only {ENTRY_KEYS}",
        ),
        (
            {"class": Storage, "requires": True},
            f"Manager.COMPONENTS entry {{'class': {Storage!r}, 'requires': True}}: needs 'class'"
            f" and takes only {ENTRY_KEYS}",
        ),
        (
            {"class": int},
            "<class 'int'> is not a component class: it must derive from BackendComponent",
        ),
        (
            {"class": "os.path:join"},
            "'os.path:join' is not a component class: it must derive from BackendComponent",
        ),
    ],
    ids=["no-class", "unknown-key", "not-a-component", "path-to-a-function"],
)
def test_bad_components_entry_raises_component_class_error(
    events: list[str], entry: dict[str, Any], message: str
) -> None:
    """A COMPONENTS entry without a usable component class raises ComponentClassError."""

    class Manager(BackendManagerBase):
        COMPONENTS = [entry]

    with pytest.raises(ComponentClassError) as raised:
        Manager({"events": events})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "entry",
    [Storage, f"{__name__}:Storage", None],
    ids=["bare-class", "bare-path", "none"],
)
def test_components_entry_that_is_not_a_mapping_raises_component_class_error(
    events: list[str], entry: Any
) -> None:
    """A COMPONENTS entry that is not a mapping raises ComponentClassError naming COMPONENTS."""

    class Manager(BackendManagerBase):
        COMPONENTS = [entry]

    with pytest.raises(ComponentClassError, match=r"^Manager\.COMPONENTS entry "):
        Manager({"events": events})
    assert events == []


def test_components_entry_with_an_unimportable_path_raises_class_path_error(
    events: list[str],
) -> None:
    """A COMPONENTS class path whose module does not exist raises ClassPathError."""

    class Manager(BackendManagerBase):
        COMPONENTS = [{"class": "no_such_module_for_adb_tests:Thing"}]

    with pytest.raises(ClassPathError) as raised:
        Manager({"events": events})
    assert str(raised.value).startswith(
        "cannot import 'no_such_module_for_adb_tests:Thing': no module named"
        " 'no_such_module_for_adb_tests'"
    )
    assert raised.value.path == "no_such_module_for_adb_tests:Thing"


@pytest.mark.parametrize(
    "bad_entry",
    [{"name": "oops"}, {"class": Storage}],
    ids=["bad-entry", "duplicate-entry"],
)
def test_components_entry_error_closes_what_was_already_built(
    events: list[str], bad_entry: dict[str, Any]
) -> None:
    """When a COMPONENTS entry raises, the components already built are closed in reverse order."""

    class Manager(BackendManagerBase):
        COMPONENTS = [{"class": Storage}, {"class": component("a")}, bad_entry]

    with pytest.raises((ComponentClassError, DuplicateComponentError)):
        Manager({"events": events})
    assert [event for event in events if event.endswith(".close")] == [
        "a.close",
        "storage_manager.close",
    ]


# Names


def test_duplicate_name_raises(manager: BackendManagerBase, events: list[str]) -> None:
    """A second component with a declared name raises DuplicateComponentError, building nothing."""
    manager.build(component("a"))
    with pytest.raises(DuplicateComponentError) as raised:
        manager.build(Unnamed, name="a")
    assert raised.value.name == "a"
    assert str(raised.value) == "component 'a': a component of that name was already declared"
    assert events == ["a.__init__", "a.component_init"]
    assert [s.name for s in manager.status] == ["a"]


def test_duplicate_of_a_skipped_or_disabled_name_raises(manager: BackendManagerBase) -> None:
    """Names of skipped and disabled components are taken too, for build and record_disabled."""
    manager.build(component("a", fail_in="__init__"), required=False)
    manager.record_disabled("d", "pkg.mod:D")
    with pytest.raises(DuplicateComponentError, match="^component 'a': a component of that"):
        manager.build(component("a"))
    with pytest.raises(DuplicateComponentError, match="^component 'd': a component of that"):
        manager.build(component("d"))
    with pytest.raises(DuplicateComponentError, match="^component 'a': a component of that"):
        manager.record_disabled("a", "pkg.mod:A")


@pytest.mark.parametrize(
    "name",
    ["build", "features", "close", "start", "status", "describe", "components", "config", "name"],
)
def test_name_taken_by_the_manager_raises(manager: BackendManagerBase, name: str) -> None:
    """A component named like a manager method, property or attribute raises, building nothing."""
    before = getattr(manager, name)
    with pytest.raises(DuplicateComponentError) as raised:
        manager.build(Unnamed, name=name)
    assert str(raised.value) == f"component {name!r}: the name is taken by the manager itself"
    assert manager.status == ()
    assert getattr(manager, name) == before


def test_name_taken_by_a_manager_subclass_raises(events: list[str]) -> None:
    """A name clashing with a method a manager subclass defines raises DuplicateComponentError."""

    class Manager(BackendManagerBase):
        def reindex(self) -> None:
            """A manager-specific method."""

    with pytest.raises(DuplicateComponentError, match="the name is taken by the manager itself"):
        Manager({"events": events}).build(component("reindex"))


# Failures


def test_failing_optional_component_is_skipped_with_a_warning(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """An optional component whose __init__ raises is skipped, logged, unattached, featureless."""
    failing = component("a", features=("alpha",), fail_in="__init__")
    manager.build(Storage).build(failing, required=False).build(component("b"))
    reason = "A() raised RuntimeError: a broke in __init__"
    assert logged(caplog) == [(logging.WARNING, f"optional component a skipped: {reason}")]
    assert list(manager.components) == ["storage_manager", "b"]
    assert not hasattr(manager, "a")
    assert manager.features == ("storage",)
    assert manager.feature_providers == {"storage": ("storage_manager",)}
    assert manager.status[1] == ComponentStatus(
        name="a",
        class_path=path_of(failing),
        state=State.SKIPPED,
        required=False,
        features=("alpha",),
        reason=reason,
        root="a",
    )
    assert "a.close" not in events


def test_exception_without_message_is_named_by_its_type(manager: BackendManagerBase) -> None:
    """A cause raised without a message is described by its exception type alone."""

    class Silent(BackendComponent):
        NAME = "silent"

        def component_init(self) -> None:
            raise KeyError

    manager.build(Silent, required=False)
    assert manager.status[0].reason == "component_init raised KeyError"


def test_dependents_of_a_skipped_component_are_skipped_with_the_root_cause(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """a fails, b (DEPENDS_ON a) and c (depends_on=b) are skipped, c's reason naming root 'a'."""
    a = component("a", fail_in="__init__")
    b = component("b", depends_on=("a",), features=("beta",))
    c = component("c")
    manager.build(a, required=False).build(b, required=False)
    manager.build(c, required=False, depends_on=["b"]).build(component("d"))
    cause = "A() raised RuntimeError: a broke in __init__"
    b_reason = f"depends on 'a', which failed: {cause}"
    c_reason = f"depends on 'b', not built because 'a' failed: {cause}"
    assert [(s.name, s.state, s.root, s.reason) for s in manager.status] == [
        ("a", State.SKIPPED, "a", cause),
        ("b", State.SKIPPED, "a", b_reason),
        ("c", State.SKIPPED, "a", c_reason),
        ("d", State.BUILT, None, None),
    ]
    assert [s.depends_on for s in manager.status] == [(), ("a",), ("b",), ()]
    assert logged(caplog) == [
        (logging.WARNING, f"optional component a skipped: {cause}"),
        (logging.WARNING, f"optional component b skipped: {b_reason}"),
        (logging.WARNING, f"optional component c skipped: {c_reason}"),
    ]
    assert events == ["a.__init__", "d.__init__", "d.component_init"]
    assert list(manager.components) == ["d"]
    assert manager.features == ()


def test_dependency_not_built_before_is_a_failure_of_its_own(manager: BackendManagerBase) -> None:
    """A dependency that was never declared fails the dependent, which is its own root."""
    manager.build(component("b", depends_on=("later",)), required=False)
    manager.build(component("c", depends_on=("b",)), required=False)
    assert [(s.name, s.root, s.reason) for s in manager.status] == [
        ("b", "b", "depends on 'later', which was not built before it"),
        (
            "c",
            "b",
            "depends on 'b', which failed: depends on 'later', which was not built before it",
        ),
    ]


def test_dependency_on_a_disabled_component_skips_the_dependent(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A component depending on a disabled one is not built, with a reason naming the disabled."""
    manager.record_disabled("d", "pkg.mod:D").build(
        component("e", depends_on=("d",)), required=False
    )
    assert [(s.name, s.state, s.root, s.reason) for s in manager.status] == [
        ("d", State.DISABLED, None, "disabled in the spec"),
        ("e", State.SKIPPED, "e", "depends on 'd', which is disabled"),
    ]
    assert events == []


def test_failing_required_component_raises_after_closing_in_reverse_order(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A required failure closes what was built, last first, and raises BuildError with a report."""
    manager.build(Storage).build(component("a", fail_in="__init__"), required=False)
    manager.build(component("b"))
    events.clear()
    with pytest.raises(BuildError) as raised:
        manager.build(component("c", features=("gamma",), fail_in="__init__"))
    cause = "C() raised RuntimeError: c broke in __init__"
    error = raised.value
    assert (error.component, error.root, error.reason) == ("c", "c", cause)
    assert str(error) == f"required component 'c' was not built: {cause}"
    assert events == ["c.__init__", "b.close", "storage_manager.close"]
    assert [(s.name, s.state, s.reason) for s in error.report] == [
        ("storage_manager", State.BUILT, None),
        ("a", State.SKIPPED, "A() raised RuntimeError: a broke in __init__"),
        ("b", State.BUILT, None),
        ("c", State.FAILED, cause),
    ]
    assert error.report[3].root == "c"
    assert error.report[3].features == ("gamma",)
    assert error.report == manager.status
    assert logged(caplog, logging.ERROR) == [
        (logging.ERROR, f"required component c failed: {cause}")
    ]
    manager.close()
    assert events == ["c.__init__", "b.close", "storage_manager.close"]


def test_required_dependent_of_a_failed_optional_aborts_with_the_optional_as_root(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A required component depending on a skipped optional raises BuildError rooted at it."""
    manager.build(Storage).build(component("a", fail_in="component_init"), required=False)
    with pytest.raises(BuildError) as raised:
        manager.build(component("b", depends_on=("a",)))
    cause = "component_init raised RuntimeError: a broke in component_init"
    reason = f"depends on 'a', which failed: {cause}"
    error = raised.value
    assert (error.component, error.root, error.reason) == ("b", "a", reason)
    assert str(error) == f"required component 'b' was not built: {reason}"
    assert [(s.name, s.state, s.root) for s in error.report] == [
        ("storage_manager", State.BUILT, None),
        ("a", State.SKIPPED, "a"),
        ("b", State.FAILED, "a"),
    ]
    assert events[-1] == "storage_manager.close"
    assert "b.__init__" not in events


def test_required_end_of_a_dependency_chain_names_the_root(manager: BackendManagerBase) -> None:
    """a fails, b is skipped, and a required c on b raises BuildError with root 'a'."""
    manager.build(component("a", fail_in="__init__"), required=False)
    manager.build(component("b", depends_on=("a",)), required=False)
    with pytest.raises(BuildError) as raised:
        manager.build(component("c", depends_on=("b",)))
    assert (raised.value.component, raised.value.root) == ("c", "a")
    assert raised.value.reason == (
        "depends on 'b', not built because 'a' failed: A() raised RuntimeError: a broke in __init__"
    )


def test_component_init_failure_closes_that_instance_and_skips_it(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """An optional component whose component_init raises is closed, skipped and not attached."""
    manager.build(component("a", fail_in="component_init"), required=False)
    assert events == ["a.__init__", "a.component_init", "a.close"]
    assert manager.status[0].state is State.SKIPPED
    assert manager.status[0].reason == (
        "component_init raised RuntimeError: a broke in component_init"
    )
    assert not hasattr(manager, "a")
    manager.close()
    assert events == ["a.__init__", "a.component_init", "a.close"]


def test_required_component_init_failure_closes_it_then_the_others(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A required component_init failure closes that instance, then the built ones in reverse."""
    manager.build(Storage).build(component("b"))
    with pytest.raises(BuildError) as raised:
        manager.build(component("c", fail_in="component_init"))
    assert raised.value.reason == "component_init raised RuntimeError: c broke in component_init"
    assert events[-5:] == [
        "c.__init__",
        "c.component_init",
        "c.close",
        "b.close",
        "storage_manager.close",
    ]


# Lifecycle


def test_start_runs_each_hook_across_all_built_components_before_the_next(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """start() runs the three hooks in order, each over every built component in build order."""
    manager.build(component("a")).build(component("x", fail_in="__init__"), required=False)
    manager.build(component("b")).build(component("c"))
    events.clear()
    assert manager.start() is manager
    assert events == [f"{name}.{hook}" for hook in HOOKS for name in ("a", "b", "c")]
    manager.start()
    assert len(events) == 9


def test_failing_hook_raises_build_error_and_closes_everything(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A required component's failing hook stops start(), closes all in reverse, raises."""
    manager.build(component("a")).build(component("b", fail_in="post_tasks_init"))
    manager.build(component("c"))
    events.clear()
    with pytest.raises(BuildError) as raised:
        manager.start()
    reason = "post_tasks_init raised RuntimeError: b broke in post_tasks_init"
    error = raised.value
    assert (error.component, error.root, error.reason) == ("b", "b", reason)
    assert isinstance(error.__cause__, RuntimeError)
    assert events == [
        "a.post_manager_init",
        "b.post_manager_init",
        "c.post_manager_init",
        "a.post_tasks_init",
        "b.post_tasks_init",
        "c.close",
        "b.close",
        "a.close",
    ]
    assert [(s.name, s.state.value) for s in error.report] == [
        ("a", "built"),
        ("b", "failed"),
        ("c", "built"),
    ]
    assert logged(caplog) == [(logging.ERROR, f"required component b withdrawn: {reason}")]


def test_close_runs_in_reverse_build_order_once(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """close() closes built components last first, and a second close() does nothing."""
    manager.build(component("a")).build(component("b")).build(component("c"))
    events.clear()
    manager.close()
    manager.close()
    assert events == ["c.close", "b.close", "a.close"]


def test_exception_in_one_close_does_not_stop_the_others(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A close() that raises is logged at ERROR and the other components are still closed."""
    manager.build(component("a")).build(component("b", fail_in="close")).build(component("c"))
    events.clear()
    manager.close()
    assert events == ["c.close", "b.close", "a.close"]
    assert logged(caplog) == [
        (logging.ERROR, "component b: close() raised RuntimeError: b broke in close")
    ]


def test_context_manager_closes_on_exit(events: list[str]) -> None:
    """Leaving a with block closes the manager, which __enter__ returned."""
    with BackendManagerBase({"events": events}) as manager:
        manager.build(component("a")).build(component("b"))
    assert events[-2:] == ["b.close", "a.close"]


def test_context_manager_closes_when_the_block_raises(events: list[str]) -> None:
    """An exception in a with block closes the manager and still propagates."""
    with pytest.raises(LookupError), BackendManagerBase({"events": events}) as manager:
        manager.build(component("a"))
        raise LookupError("in the block")
    assert events[-1] == "a.close"


# Reporting


def test_describe_is_json_ready_and_lists_every_component(manager: BackendManagerBase) -> None:
    """describe() gives name, features, providers and each component's outcome, as JSON data."""
    named = BackendManagerBase(manager.config, name="demo")
    named.build(Storage, features=["blobs"])
    named.build(component("a", features=("alpha",), fail_in="__init__"), required=False)
    named.build(component("b", depends_on=("a",)), required=False)
    assert (
        named.record_disabled(
            "d", "pkg.mod:D", required=False, features=["delta"], depends_on=["storage_manager"]
        )
        is named
    )
    description = named.describe()
    assert json.loads(json.dumps(description)) == description
    cause = "A() raised RuntimeError: a broke in __init__"
    assert description == {
        "name": "demo",
        "features": ["blobs", "storage"],
        "providers": {"blobs": ["storage_manager"], "storage": ["storage_manager"]},
        "methods": {},
        "components": [
            {
                "name": "storage_manager",
                "class": path_of(Storage),
                "state": "built",
                "required": True,
                "features": ["storage", "blobs"],
                "depends_on": [],
                "requires_features": [],
                "reason": None,
                "undeclared_uses": [],
            },
            {
                "name": "a",
                "class": path_of(component("a")),
                "state": "skipped",
                "required": False,
                "features": ["alpha"],
                "depends_on": [],
                "requires_features": [],
                "reason": cause,
                "undeclared_uses": [],
            },
            {
                "name": "b",
                "class": path_of(component("b")),
                "state": "skipped",
                "required": False,
                "features": [],
                "depends_on": ["a"],
                "requires_features": [],
                "reason": f"depends on 'a', which failed: {cause}",
                "undeclared_uses": [],
            },
            {
                "name": "d",
                "class": "pkg.mod:D",
                "state": "disabled",
                "required": False,
                "features": ["delta"],
                "depends_on": ["storage_manager"],
                "requires_features": [],
                "reason": "disabled in the spec",
                "undeclared_uses": [],
            },
        ],
    }


def test_describe_never_includes_configuration_values(events: list[str]) -> None:
    """The configuration handed to components does not appear in describe()."""
    manager = BackendManagerBase({"events": events, "password": "hunter2"}).build(Storage)
    assert "hunter2" not in json.dumps(manager.describe())


def test_disabled_component_is_reported_not_built(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """record_disabled() adds a disabled status and neither builds, attaches nor adds features."""
    manager.record_disabled("d", "pkg.mod:D", features=["delta", "delta"])
    assert manager.status == (
        ComponentStatus(
            name="d",
            class_path="pkg.mod:D",
            state=State.DISABLED,
            required=True,
            features=("delta",),
            reason="disabled in the spec",
        ),
    )
    assert (events, manager.features, dict(manager.components)) == ([], (), {})
    assert not hasattr(manager, "d")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"required": "no"}, "required must be True, False or None, not 'no'"),
        ({"features": ["Bad_Feature"]}, "features of Plain: malformed name(s) ['Bad_Feature']"),
        ({"features": "search"}, "expected a list of names, not the string 'search'"),
        ({"depends_on": ["Not-A-Name"]}, "depends_on of Plain: malformed name(s)"),
        ({"name": "Bad-Name"}, "'Bad-Name' is not a component name"),
    ],
)
def test_build_holds_arguments_to_the_spec_rules(arguments: dict[str, Any], words: str) -> None:
    """build() refuses what a spec would refuse: non-boolean required, malformed names."""

    class Plain(BackendComponent):
        pass

    with pytest.raises(DeclarationError) as raised:
        BackendManagerBase().build(Plain, **{"name": "plain", **arguments})
    assert words in str(raised.value)


def test_build_checks_the_class_declarations() -> None:
    """A class whose FEATURES is a string or malformed is refused before it is built."""

    class Stringly(BackendComponent):
        NAME = "stringly"
        FEATURES = "storage"  # type: ignore[assignment]

    with pytest.raises(DeclarationError) as raised:
        BackendManagerBase().build(Stringly)
    assert str(raised.value) == (
        "Stringly: FEATURES must be a list or tuple of names, not 'storage'"
    )
