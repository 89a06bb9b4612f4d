"""Tests of the manager's mechanisms: wrapped components, manager methods, the lifecycle,
editing COMPONENTS, required features and the check of declared against actual uses."""

from __future__ import annotations

import copy
import json
import logging
import threading
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, cast

import pytest

from adb_manager.components import (
    BackendComponent,
    WrappedComponent,
    manager_method,
    manager_methods,
)
from adb_manager.errors import (
    AdbManagerError,
    BuildError,
    DeclarationError,
    DuplicateComponentError,
)
from adb_manager.manager import BackendManagerBase
from adb_manager.status import State

MANAGER_LOGGER = "adb_manager.manager"
HOOKS = ("post_manager_init", "post_tasks_init", "post_final_init")
UNDECLARED = (
    "component {user} uses component {used} without declaring it"
    " (depends_on, after or requires_features)"
)
NO_PROVIDER = "requires the feature 'search', which no component built before it provides"
SEARCH_BY_A = "requires the feature 'search', provided by 'a'"


class Probe(BackendComponent):
    """A component that notes each call in ``config["events"]`` as ``<name>.<call>``.

    ``REACH`` maps a call to the components it reaches for while running: ``"a"`` reads
    ``manager.a``, ``"components:a"`` reads ``manager.components["a"]``. ``FAIL_IN`` names the
    call that raises ``RuntimeError``.
    """

    FAIL_IN: ClassVar[str | None] = None
    REACH: ClassVar[Mapping[str, Sequence[str]]] = types.MappingProxyType({})

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        self.events: list[str] = config["events"]
        self.note("__init__")

    def note(self, call: str) -> None:
        self.events.append(f"{self.NAME}.{call}")
        for used in self.REACH.get(call, ()):
            kind, _, name = used.rpartition(":")
            if kind == "components":
                self.manager.components[name]
            else:
                getattr(self.manager, name)
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


def component(
    name: str,
    *,
    features: Iterable[str] = (),
    depends_on: Iterable[str] = (),
    requires_features: Iterable[str] = (),
    required: bool = True,
    fail_in: str | None = None,
    reach: Mapping[str, Sequence[str]] | None = None,
    base: type[Probe] = Probe,
) -> type[Probe]:
    """A subclass of ``base`` named ``name`` (its class is ``name.capitalize()``)."""
    namespace = {
        "NAME": name,
        "FEATURES": tuple(features),
        "DEPENDS_ON": tuple(depends_on),
        "REQUIRES_FEATURES": tuple(requires_features),
        "REQUIRED": required,
        "FAIL_IN": fail_in,
        "REACH": types.MappingProxyType(dict(reach or {})),
    }
    return cast("type[Probe]", type(name.capitalize(), (base,), namespace))


def logged(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[tuple[int, str]]:
    """Level and message of each manager log record at ``level`` or above, in order."""
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == MANAGER_LOGGER and record.levelno >= level
    ]


def states(manager: BackendManagerBase) -> list[tuple[str, str, str | None, str | None]]:
    """Name, state, root and reason of every declared component, in declaration order."""
    return [(s.name, s.state.value, s.root, s.reason) for s in manager.status]


def broke(name: str, call: str) -> str:
    """The reason a Probe named ``name`` failing in the hook ``call`` is given."""
    return f"{call} raised RuntimeError: {name} broke in {call}"


@pytest.fixture
def events() -> list[str]:
    """The call log the Probe components of a test write to."""
    return []


@pytest.fixture
def config(events: list[str]) -> dict[str, Any]:
    """A configuration carrying the call log and a URL for the wrapped client."""
    return {"events": events, "url": "http://search:9200", "seen": []}


@pytest.fixture
def manager(config: dict[str, Any]) -> BackendManagerBase:
    """An empty manager of that configuration."""
    return BackendManagerBase(config)


# WrappedComponent


class Client:
    """A stand-in for a library client: data, methods, special methods and a counted close()."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.config = "the client's config"
        self.closed = 0

    def ping(self) -> str:
        return f"pong from {self.url}"

    def whoami(self) -> str:
        return "client"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __len__(self) -> int:
        return 7

    def close(self) -> None:
        self.closed += 1


class Closeless:
    """A wrapped object without a close() method."""

    def __init__(self) -> None:
        self.value = 42


class Search(WrappedComponent):
    NAME = "search"

    def wrap(self, config: Mapping[str, Any]) -> Client:
        return Client(config["url"])

    def whoami(self) -> str:
        return "component"


class Plain(WrappedComponent):
    NAME = "plain"

    def wrap(self, config: Mapping[str, Any]) -> Closeless:
        return Closeless()


class Refused(WrappedComponent):
    """A wrap() that raises after noting the half-built instance in ``config["seen"]``."""

    NAME = "refused"
    REQUIRED = False

    def wrap(self, config: Mapping[str, Any]) -> Client:
        config["seen"].append(self)
        self.half_built = True
        raise ConnectionError("connection refused")


def test_wrap_result_is_available_as_wrapped(manager: BackendManagerBase) -> None:
    """The object wrap() returns is the component's ``wrapped`` attribute."""
    search = manager.build(Search).search
    assert type(search) is Search
    assert type(search.wrapped) is Client
    assert search.wrapped.url == "http://search:9200"
    assert search.wrapped.closed == 0


def test_attribute_access_is_forwarded_to_the_wrapped_object(
    manager: BackendManagerBase,
) -> None:
    """Data and methods the component lacks are read from the wrapped object."""
    search = manager.build(Search).search
    assert search.url == "http://search:9200"
    assert search.closed == 0
    assert search.ping() == "pong from http://search:9200"
    assert search.ping.__self__ is search.wrapped
    assert manager.build(Plain).plain.value == 42


def test_the_components_own_attributes_win_over_the_wrapped_ones(
    manager: BackendManagerBase, config: dict[str, Any]
) -> None:
    """The component's own methods and attributes shadow the wrapped object's of that name."""
    search = manager.build(Search).search
    assert search.whoami() == "component"
    assert search.wrapped.whoami() == "client"
    assert search.config is manager.config
    assert search.config == config
    assert search.wrapped.config == "the client's config"
    assert search.manager is manager


@pytest.mark.parametrize("name", ["__enter__", "__exit__", "__len__", "__custom__"])
def test_special_names_are_not_forwarded(manager: BackendManagerBase, name: str) -> None:
    """Names starting with a double underscore raise AttributeError, even when wrapped has them."""
    search = manager.build(Search).search
    with pytest.raises(AttributeError) as raised:
        getattr(search, name)
    assert str(raised.value) == f"'Search' object has no attribute {name!r}"
    with pytest.raises(TypeError, match=r"^object of type 'Search' has no len\(\)$"):
        len(search)


def test_missing_attribute_raises_attribute_error(manager: BackendManagerBase) -> None:
    """An attribute neither the component nor the wrapped object has raises AttributeError."""
    search = manager.build(Search).search
    with pytest.raises(AttributeError) as raised:
        search.no_such_thing  # noqa: B018
    assert str(raised.value) == "'Client' object has no attribute 'no_such_thing'"
    assert not hasattr(search, "no_such_thing")


def test_copying_an_instance_does_not_recurse(manager: BackendManagerBase) -> None:
    """copy.copy of a built component gives a component sharing the wrapped object."""
    search = manager.build(Search).search
    copied = copy.copy(search)
    assert type(copied) is Search
    assert copied is not search
    assert copied.wrapped is search.wrapped
    assert copied.ping() == "pong from http://search:9200"


def test_instance_without_wrapped_raises_attribute_error_without_recursing() -> None:
    """An instance never initialised has no ``wrapped`` and forwards nothing, copied or not."""
    bare = Search.__new__(Search)
    for candidate in (bare, copy.copy(bare)):
        for name in ("wrapped", "url", "ping", "__deepcopy__"):
            with pytest.raises(AttributeError) as raised:
                getattr(candidate, name)
            assert str(raised.value) == f"'Search' object has no attribute {name!r}"
        candidate.close()


def test_wrap_that_raises_leaves_a_half_built_instance_that_forwards_nothing(
    manager: BackendManagerBase, config: dict[str, Any]
) -> None:
    """The instance whose wrap() raised lacks ``wrapped``, forwards nothing and closes nothing."""
    manager.build(Refused)
    [half] = config["seen"]
    assert "wrapped" not in vars(half)
    assert half.half_built is True
    for candidate in (half, copy.copy(half)):
        for name in ("wrapped", "url", "close_all"):
            with pytest.raises(AttributeError) as raised:
                getattr(candidate, name)
            assert str(raised.value) == f"'Refused' object has no attribute {name!r}"
        assert candidate.close() is None


def test_close_closes_the_wrapped_object_once(manager: BackendManagerBase) -> None:
    """Closing the manager closes the wrapped client once, and a second close does nothing."""
    search = manager.build(Search).search
    client = search.wrapped
    manager.close()
    manager.close()
    assert client.closed == 1


def test_close_without_a_wrapped_close_does_nothing(manager: BackendManagerBase) -> None:
    """A wrapped object without close() makes the component's close() a silent no-op."""
    plain = manager.build(Plain).plain
    assert plain.close() is None
    manager.close()
    assert vars(plain.wrapped) == {"value": 42}


def test_optional_wrap_that_raises_is_skipped_like_a_constructor(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """An optional component whose wrap() raises is skipped with the exception in its reason."""
    manager.build(Search).build(Refused)
    reason = "Refused() raised ConnectionError: connection refused"
    assert states(manager) == [
        ("search", "built", None, None),
        ("refused", "skipped", "refused", reason),
    ]
    assert list(manager.components) == ["search"]
    assert not hasattr(manager, "refused")
    assert logged(caplog) == [(logging.WARNING, f"optional component refused skipped: {reason}")]


def test_required_wrap_that_raises_aborts_the_manager(manager: BackendManagerBase) -> None:
    """A required component whose wrap() raises raises BuildError and closes the others."""
    search = manager.build(Search).search
    with pytest.raises(BuildError) as raised:
        manager.build(Refused, required=True)
    error = raised.value
    reason = "Refused() raised ConnectionError: connection refused"
    assert (error.component, error.root, error.reason) == ("refused", "refused", reason)
    assert str(error) == f"required component 'refused' was not built: {reason}"
    assert isinstance(error.__cause__, ConnectionError)
    assert search.wrapped.closed == 1


def test_wrapped_component_without_wrap_is_skipped(manager: BackendManagerBase) -> None:
    """A WrappedComponent subclass that does not define wrap() fails like a constructor."""
    unwrapped = type("Unwrapped", (WrappedComponent,), {"NAME": "unwrapped"})
    manager.build(unwrapped, required=False)
    reason = "Unwrapped() raised NotImplementedError: Unwrapped must define wrap()"
    assert states(manager) == [("unwrapped", "skipped", "unwrapped", reason)]


# Manager methods


class Aliases(Probe):
    NAME = "aliases"

    @manager_method
    def prepare_aliases(self) -> Aliases:
        self.note("prepare_aliases")
        return self

    @manager_method(name="alias_count")
    def count(self, extra: int = 0) -> int:
        return 3 + extra


class MoreAliases(Probe):
    NAME = "more_aliases"

    @manager_method
    def prepare_aliases(self) -> None:
        self.note("prepare_aliases")


class OwnAliases(BackendManagerBase):
    """A manager that defines one of the methods Aliases offers."""

    def prepare_aliases(self) -> str:
        return "the manager's own"


def test_manager_methods_lists_offered_names_with_their_attributes() -> None:
    """Both decorator forms mark a method: the bare one by its name, the other by ``name``."""
    assert manager_methods(Aliases) == {
        "prepare_aliases": "prepare_aliases",
        "alias_count": "count",
    }
    assert manager_methods(Probe) == {}
    assert manager_methods(MoreAliases) == {"prepare_aliases": "prepare_aliases"}


def test_manager_method_calls_the_components_bound_method(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """After build, manager.<method>() runs the component's method with the component as self."""
    manager.build(Aliases)
    events.clear()
    assert manager.prepare_aliases() is manager.aliases
    assert manager.alias_count() == 3
    assert manager.alias_count(extra=2) == 5
    assert events == ["aliases.prepare_aliases"]
    assert not hasattr(manager, "count")


def test_methods_and_describe_map_each_method_to_its_component(
    manager: BackendManagerBase,
) -> None:
    """``methods`` (read-only) and describe()["methods"] map each method to its component."""
    assert dict(manager.methods) == {}
    manager.build(Aliases).build(component("other"))
    expected = {"prepare_aliases": "aliases", "alias_count": "aliases"}
    assert dict(manager.methods) == expected
    assert manager.describe()["methods"] == expected
    with pytest.raises(TypeError):
        manager.methods["prepare_aliases"] = "other"  # type: ignore[index]


def test_methods_are_bound_per_manager_and_no_class_is_changed(config: dict[str, Any]) -> None:
    """Each manager's method is bound to its own component, and no class gains an attribute."""

    class Sub(BackendManagerBase):
        pass

    base_before = dict(vars(BackendManagerBase))
    sub_before = dict(vars(Sub))
    aliases_before = dict(vars(Aliases))
    first = BackendManagerBase(config).build(Aliases)
    second = Sub(config).build(Aliases)
    third = Sub(config).build(component("other"))
    assert first.prepare_aliases() is first.aliases
    assert second.prepare_aliases() is second.aliases
    assert first.aliases is not second.aliases
    assert first.prepare_aliases.__self__ is first.aliases
    assert second.prepare_aliases.__self__ is second.aliases
    assert not hasattr(third, "prepare_aliases")
    assert not hasattr(third, "alias_count")
    assert dict(third.methods) == {}
    assert dict(vars(BackendManagerBase)) == base_before
    assert dict(vars(Sub)) == sub_before
    assert dict(vars(Aliases)) == aliases_before
    assert not hasattr(BackendManagerBase, "prepare_aliases")
    assert not hasattr(Sub, "prepare_aliases")


def test_same_method_from_two_components_is_refused_before_building_the_second(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A second component offering a taken method name raises DeclarationError, unbuilt."""
    manager.build(Aliases)
    events.clear()
    with pytest.raises(DeclarationError) as raised:
        manager.build(MoreAliases)
    assert str(raised.value) == (
        "'more_aliases' offers the manager method 'prepare_aliases', which 'aliases' offers too"
    )
    assert events == []
    assert [s.name for s in manager.status] == ["aliases"]
    assert list(manager.components) == ["aliases"]
    assert dict(manager.methods) == {"prepare_aliases": "aliases", "alias_count": "aliases"}
    assert manager.prepare_aliases() is manager.aliases


def test_same_method_from_two_components_list_entries_closes_the_first(
    config: dict[str, Any], events: list[str]
) -> None:
    """Two COMPONENTS entries offering one method abort construction, closing what was built."""

    class Clashing(BackendManagerBase):
        COMPONENTS = [{"class": Aliases}, {"class": MoreAliases}]

    with pytest.raises(DeclarationError, match="^'more_aliases' offers the manager method"):
        Clashing(config)
    assert events == ["aliases.__init__", "aliases.component_init", "aliases.close"]


def test_manager_subclass_defining_the_method_wins_with_a_warning(
    config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A method the manager class defines itself is kept, and a WARNING names it."""
    manager = OwnAliases(config).build(Aliases)
    assert manager.prepare_aliases() == "the manager's own"
    assert manager.alias_count() == 3
    assert dict(manager.methods) == {"alias_count": "aliases"}
    assert manager.describe()["methods"] == {"alias_count": "aliases"}
    assert logged(caplog) == [
        (
            logging.WARNING,
            "OwnAliases defines prepare_aliases itself: the method that component aliases offers"
            " is not bound",
        )
    ]


def test_withdrawn_component_loses_its_methods(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """An optional component withdrawn in start() no longer offers its methods."""
    flaky = component("aliases", base=Aliases, required=False, fail_in="post_tasks_init")
    manager.build(flaky).start()
    assert not hasattr(manager, "prepare_aliases")
    assert not hasattr(manager, "alias_count")
    assert "prepare_aliases" not in vars(manager)
    assert dict(manager.methods) == {}
    assert manager.describe()["methods"] == {}


@pytest.mark.parametrize("offered", ["_components", "_statuses"])
def test_underscore_method_name_cannot_overwrite_the_managers_state(
    manager: BackendManagerBase, offered: str
) -> None:
    """A method offered under a private name is refused instead of replacing manager internals:
    by the decorator, and by the builder for a mark set by hand."""

    def clobber(self: Probe) -> str:
        return "clobbered"

    with pytest.raises(ValueError, match="must be a public identifier"):
        manager_method(name=offered)(clobber)
    clobber.__adb_manager_method__ = offered  # type: ignore[attr-defined]
    namespace = {"NAME": "clobber", "clobber": clobber}
    clobbering = cast("type[Probe]", type("Clobber", (Probe,), namespace))
    manager.build(component("first"))
    with pytest.raises(DeclarationError, match=repr(offered)):
        manager.build(clobbering)
    assert list(manager.components) == ["first"]
    assert [s.name for s in manager.status] == ["first"]


# Lifecycle


def test_hooks_run_across_all_components_in_build_order_from_build_and_components(
    config: dict[str, Any], events: list[str]
) -> None:
    """Each hook runs over every built component before the next, the same from both routes."""
    a, b, c = component("a"), component("b"), component("c")
    x = component("x", required=False, fail_in="__init__")

    class Declared(BackendManagerBase):
        COMPONENTS = [{"class": a}, {"class": x}, {"class": b}, {"class": c}]

    expected = [
        "a.__init__",
        "a.component_init",
        "x.__init__",
        "b.__init__",
        "b.component_init",
        "c.__init__",
        "c.component_init",
        *[f"{name}.{hook}" for hook in HOOKS for name in "abc"],
        "c.close",
        "b.close",
        "a.close",
    ]
    with BackendManagerBase(config).build(a).build(x).build(b).build(c) as built:
        built.start()
    from_build = list(events)
    events.clear()
    with Declared(config) as declared:
        declared.start()
    assert from_build == expected
    assert events == expected


def test_optional_component_failing_a_hook_is_withdrawn(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """It is closed once, skipped with the hook's error, loses its features and later hooks."""
    manager.build(component("a", features=["storage"]))
    manager.build(
        component("b", features=["search", "storage"], required=False, fail_in="post_tasks_init")
    )
    manager.build(component("c"))
    events.clear()
    assert manager.start() is manager
    reason = broke("b", "post_tasks_init")
    assert events == [
        "a.post_manager_init",
        "b.post_manager_init",
        "c.post_manager_init",
        "a.post_tasks_init",
        "b.post_tasks_init",
        "b.close",
        "c.post_tasks_init",
        "a.post_final_init",
        "c.post_final_init",
    ]
    assert states(manager) == [
        ("a", "built", None, None),
        ("b", "skipped", "b", reason),
        ("c", "built", None, None),
    ]
    assert manager.features == ("storage",)
    assert dict(manager.feature_providers) == {"storage": ("a",)}
    assert list(manager.components) == ["a", "c"]
    with pytest.raises(AttributeError, match="^'BackendManagerBase' object has no attribute 'b'$"):
        manager.b  # noqa: B018
    assert logged(caplog) == [(logging.WARNING, f"optional component b withdrawn: {reason}")]
    events.clear()
    manager.close()
    assert events == ["c.close", "a.close"]


def test_withdrawal_takes_dependents_and_feature_users_in_reverse_order(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Hard dependents and users of a lost feature leave with the root, closed last first."""
    manager.build(component("a", features=["search"], required=False, fail_in="post_tasks_init"))
    manager.build(component("b", depends_on=["a"], required=False))
    manager.build(component("c", required=False), requires_features=["search"])
    manager.build(component("d", features=["storage"]))
    manager.build(component("e", depends_on=["b"], required=False))
    events.clear()
    manager.start()
    root_reason = broke("a", "post_tasks_init")
    needs = f"needs 'a', withdrawn because it failed: {root_reason}"
    assert events == [
        *[f"{name}.post_manager_init" for name in "abcde"],
        "a.post_tasks_init",
        "e.close",
        "c.close",
        "b.close",
        "a.close",
        "d.post_tasks_init",
        "d.post_final_init",
    ]
    assert states(manager) == [
        ("a", "skipped", "a", root_reason),
        ("b", "skipped", "a", needs),
        ("c", "skipped", "a", needs),
        ("d", "built", None, None),
        ("e", "skipped", "a", needs),
    ]
    assert manager.features == ("storage",)
    assert list(manager.components) == ["d"]
    assert logged(caplog) == [
        (logging.WARNING, f"optional component a withdrawn: {root_reason}"),
        (logging.WARNING, f"optional component b withdrawn: {needs}"),
        (logging.WARNING, f"optional component c withdrawn: {needs}"),
        (logging.WARNING, f"optional component e withdrawn: {needs}"),
    ]
    events.clear()
    manager.close()
    assert events == ["d.close"]


def test_required_dependent_of_a_withdrawn_component_aborts_start(
    manager: BackendManagerBase, events: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """start() closes everything, each once in reverse order, then raises BuildError."""
    manager.build(component("a", required=False, fail_in="post_tasks_init"))
    manager.build(component("b", depends_on=["a"]))
    manager.build(component("c"))
    events.clear()
    with pytest.raises(BuildError) as raised:
        manager.start()
    reason = f"needs 'a', withdrawn because it failed: {broke('a', 'post_tasks_init')}"
    error = raised.value
    assert (error.component, error.root, error.reason) == ("b", "a", reason)
    assert str(error) == f"required component 'b' was withdrawn: {reason}"
    assert isinstance(error.__cause__, RuntimeError)
    assert events == [
        *[f"{name}.post_manager_init" for name in "abc"],
        "a.post_tasks_init",
        "c.close",
        "b.close",
        "a.close",
    ]
    assert [(s.name, s.state, s.root) for s in error.report] == [
        ("a", State.SKIPPED, "a"),
        ("b", State.FAILED, "a"),
        ("c", State.BUILT, None),
    ]
    assert logged(caplog) == [(logging.ERROR, f"required component b withdrawn: {reason}")]
    manager.close()
    assert events.count("a.close") == 1
    with pytest.raises(AdbManagerError, match="^manager 'backend' is closed; build a new one$"):
        manager.build(component("d"))


def test_feature_user_stays_while_another_provider_remains(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A component requiring a feature two components provide survives losing one of them."""
    manager.build(component("a", features=["search"], required=False, fail_in="post_tasks_init"))
    manager.build(component("b", features=["search"]))
    manager.build(component("c", requires_features=["search"], required=False))
    manager.start()
    assert states(manager) == [
        ("a", "skipped", "a", broke("a", "post_tasks_init")),
        ("b", "built", None, None),
        ("c", "built", None, None),
    ]
    assert dict(manager.feature_providers) == {"search": ("b",)}
    assert "c.post_final_init" in events
    assert events.count("a.close") == 1


def test_feature_user_leaves_when_a_later_provider_leaves_with_the_root(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A feature user is withdrawn when its provider goes and the only other one goes too."""
    manager.build(component("a", features=["search"], required=False, fail_in="post_tasks_init"))
    manager.build(component("c", requires_features=["search"], required=False))
    manager.build(component("d", features=["search"], depends_on=["a"], required=False))
    manager.start()
    needs = f"needs 'a', withdrawn because it failed: {broke('a', 'post_tasks_init')}"
    assert manager.features == ()
    assert states(manager) == [
        ("a", "skipped", "a", broke("a", "post_tasks_init")),
        ("c", "skipped", "a", needs),
        ("d", "skipped", "a", needs),
    ]
    assert list(manager.components) == []


# Editing COMPONENTS

Store = component("store", features=["storage"])
Index = component("index", features=["search"], requires_features=["storage"])
Cache = component("cache", features=["caching"])
MemoryStore = component("memory_store", features=["storage"])


class Full(BackendManagerBase):
    COMPONENTS: ClassVar[Sequence[Mapping[str, Any]]] = [
        {"class": Store, "features": ["extra"]},
        {"class": f"{__name__}:Index", "required": False},
        {"class": Cache, "name": "cache"},
    ]


def entries(manager_class: type[BackendManagerBase]) -> list[dict[str, Any]]:
    """A plain copy of a manager class's COMPONENTS entries."""
    return [dict(entry) for entry in manager_class.COMPONENTS]


# As stored: read-only, lists made tuples.
FULL = [
    {"class": Store, "features": ("extra",)},
    {"class": f"{__name__}:Index", "required": False},
    {"class": Cache, "name": "cache"},
]


def test_components_written_as_a_list_is_a_tuple_of_read_only_entries() -> None:
    """A subclass's COMPONENTS list becomes a tuple whose entries refuse assignment."""
    assert type(Full.COMPONENTS) is tuple
    assert entries(Full) == FULL
    for entry in Full.COMPONENTS:
        assert type(entry) is types.MappingProxyType
        with pytest.raises(TypeError, match="does not support item assignment"):
            entry["class"] = Cache  # type: ignore[index]
    assert type(BackendManagerBase.COMPONENTS) is tuple


def test_components_without_returns_a_new_tuple_and_leaves_the_parent(
    config: dict[str, Any],
) -> None:
    """components_without drops the named entries into a new tuple; the parent is unchanged."""
    before = Full.COMPONENTS
    edited = Full.components_without("index")
    assert type(edited) is tuple
    assert edited is not before
    assert [dict(entry) for entry in edited] == [FULL[0], FULL[2]]

    class Lean(Full):
        COMPONENTS = Full.components_without("index")

    assert Full.COMPONENTS is before
    assert entries(Full) == FULL
    assert type(Lean.COMPONENTS) is tuple
    assert entries(Lean) == [FULL[0], FULL[2]]
    for entry in Lean.COMPONENTS:
        with pytest.raises(TypeError, match="does not support item assignment"):
            entry["required"] = False  # type: ignore[index]
    lean = Lean(config)
    assert [s.name for s in lean.status] == ["store", "cache"]
    assert list(lean.components) == ["store", "cache"]
    assert lean.features == ("caching", "extra", "storage")
    assert [s.name for s in Full(config).status] == ["store", "index", "cache"]
    assert Full.components_without("store", "cache") == (Full.COMPONENTS[1],)


def test_components_replacing_swaps_one_entry_and_leaves_the_parent(
    config: dict[str, Any],
) -> None:
    """components_replacing puts a read-only copy of the new entry in place of the named one."""
    before = Full.COMPONENTS
    replacement: dict[str, Any] = {"class": MemoryStore}

    class Memory(Full):
        COMPONENTS = Full.components_replacing("store", replacement)

    replacement["required"] = False
    assert Full.COMPONENTS is before
    assert entries(Full) == FULL
    assert entries(Memory) == [{"class": MemoryStore}, FULL[1], FULL[2]]
    with pytest.raises(TypeError, match="does not support item assignment"):
        Memory.COMPONENTS[0]["class"] = Store  # type: ignore[index]
    memory = Memory(config)
    assert [(s.name, s.state.value) for s in memory.status] == [
        ("memory_store", "built"),
        ("index", "built"),
        ("cache", "built"),
    ]
    assert type(memory.memory_store) is MemoryStore


def test_string_entries_are_matched_by_their_class_name(config: dict[str, Any]) -> None:
    """An entry given as a 'module:Qualname' string is found under its class's NAME."""
    replaced = Full.components_replacing("index", {"class": f"{__name__}:MemoryStore"})
    assert [dict(entry) for entry in replaced] == [
        FULL[0],
        {"class": f"{__name__}:MemoryStore"},
        FULL[2],
    ]
    assert [dict(entry) for entry in Full.components_without("index")] == [FULL[0], FULL[2]]

    class Swapped(Full):
        COMPONENTS = replaced

    assert [s.name for s in Swapped(config).status] == ["store", "memory_store", "cache"]


def test_editing_an_unknown_name_raises_declaration_error() -> None:
    """Removing or replacing a name the list does not declare raises DeclarationError."""
    with pytest.raises(DeclarationError) as raised:
        Full.components_without("store", "nope", "gone")
    assert str(raised.value) == "Full.COMPONENTS declares no 'nope'"
    with pytest.raises(DeclarationError) as raised:
        Full.components_without("indx")
    assert str(raised.value) == "Full.COMPONENTS declares no 'indx'; did you mean 'index'?"
    with pytest.raises(DeclarationError) as raised:
        Full.components_replacing("index", {"class": Cache})
    assert str(raised.value) == (
        "the entry replacing 'index' in Full.COMPONENTS builds 'cache',"
        " which another entry already builds"
    )
    with pytest.raises(DeclarationError) as raised:
        Full.components_replacing("nope", {"class": Cache})
    assert str(raised.value) == "Full.COMPONENTS declares no 'nope'"
    with pytest.raises(
        DeclarationError, match="^BackendManagerBase.COMPONENTS declares no 'store'$"
    ):
        BackendManagerBase.components_without("store")


def test_editing_a_list_inside_a_subclass_entry_does_not_reach_the_parent() -> None:
    """A list value inside a subclass's entry cannot be edited into the parent's entry."""

    class Lean(Full):
        COMPONENTS = Full.components_without("index")

    features = Lean.COMPONENTS[0]["features"]
    if isinstance(features, list):
        features.append("leaked")
    assert list(Full.COMPONENTS[0]["features"]) == ["extra"]


# requires_features in the builder


@pytest.mark.parametrize("how", ["class FEATURES", "features="])
def test_required_feature_is_satisfied_by_an_earlier_provider(
    manager: BackendManagerBase, how: str
) -> None:
    """A provider built before, by its class FEATURES or by features=, satisfies the requirement."""
    if how == "features=":
        manager.build(component("a"), features=["search"])
    else:
        manager.build(component("a", features=["search"]))
    manager.build(component("b"), requires_features=["search"])
    manager.build(component("c", requires_features=["search"]))
    assert [(s.name, s.state.value, s.requires_features) for s in manager.status] == [
        ("a", "built", ()),
        ("b", "built", ("search",)),
        ("c", "built", ("search",)),
    ]
    assert manager.describe()["components"][1]["requires_features"] == ["search"]


@pytest.mark.parametrize("how", ["class REQUIRES_FEATURES", "requires_features="])
def test_unprovided_feature_skips_an_optional_component(
    manager: BackendManagerBase,
    events: list[str],
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    """Without an earlier provider, an optional component is skipped unbuilt, naming the feature."""
    manager.build(component("a", features=["storage"]))
    if how == "requires_features=":
        manager.build(component("b", required=False), requires_features=["search"])
    else:
        manager.build(component("b", required=False, requires_features=["search"]))
    manager.build(component("late", features=["search"]))
    assert states(manager) == [
        ("a", "built", None, None),
        ("b", "skipped", "b", NO_PROVIDER),
        ("late", "built", None, None),
    ]
    assert "b.__init__" not in events
    assert logged(caplog) == [(logging.WARNING, f"optional component b skipped: {NO_PROVIDER}")]


def test_unprovided_feature_aborts_on_a_required_component(
    manager: BackendManagerBase, events: list[str]
) -> None:
    """A required component whose feature nobody built before provides raises BuildError."""
    manager.build(component("a"))
    with pytest.raises(BuildError) as raised:
        manager.build(component("b", requires_features=["search"]))
    error = raised.value
    assert (error.component, error.root, error.reason) == ("b", "b", NO_PROVIDER)
    assert str(error) == f"required component 'b' was not built: {NO_PROVIDER}"
    assert events == ["a.__init__", "a.component_init", "a.close"]


def test_failed_provider_is_the_root_of_a_skipped_feature_user(
    manager: BackendManagerBase,
) -> None:
    """A feature user whose provider failed is skipped with that provider as the root."""
    manager.build(component("a", features=["search"], required=False, fail_in="__init__"))
    manager.build(component("b", requires_features=["search"], required=False))
    failed = "A() raised RuntimeError: a broke in __init__"
    assert states(manager) == [
        ("a", "skipped", "a", failed),
        ("b", "skipped", "a", f"{SEARCH_BY_A}, which failed: {failed}"),
    ]
    with pytest.raises(BuildError) as raised:
        manager.build(component("c", requires_features=["search"]))
    assert (raised.value.component, raised.value.root) == ("c", "a")


def test_provider_skipped_for_its_own_dependency_names_the_first_failure(
    manager: BackendManagerBase,
) -> None:
    """When the provider was skipped because of another failure, that failure is the root."""
    manager.build(component("x", required=False, fail_in="component_init"))
    manager.build(component("a", features=["search"], depends_on=["x"], required=False))
    manager.build(component("b", requires_features=["search"], required=False))
    failed = "component_init raised RuntimeError: x broke in component_init"
    assert states(manager) == [
        ("x", "skipped", "x", failed),
        ("a", "skipped", "x", f"depends on 'x', which failed: {failed}"),
        (
            "b",
            "skipped",
            "x",
            f"{SEARCH_BY_A}, not built because 'x' failed: {failed}",
        ),
    ]


def test_a_built_provider_wins_over_a_failed_one(manager: BackendManagerBase) -> None:
    """One built provider is enough even when another provider of the feature failed."""
    manager.build(component("a", features=["search"], required=False, fail_in="__init__"))
    manager.build(component("b", features=["search"]))
    manager.build(component("c", requires_features=["search"]))
    assert [(s.name, s.state.value) for s in manager.status] == [
        ("a", "skipped"),
        ("b", "built"),
        ("c", "built"),
    ]


# Declared against actual use


def test_undeclared_use_is_logged_once_per_pair_and_reported(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """A component reaching for undeclared components gets one WARNING per pair and a report."""
    reach = {
        "__init__": ["a"],
        "component_init": ["components:a", "a"],
        "post_manager_init": ["b"],
        "post_final_init": ["components:b", "a"],
    }
    manager.build(component("a")).build(component("b"))
    manager.build(component("c", reach=reach)).start()
    assert logged(caplog) == [
        (logging.WARNING, UNDECLARED.format(user="c", used="a")),
        (logging.WARNING, UNDECLARED.format(user="c", used="b")),
    ]
    assert [(s.name, s.undeclared_uses) for s in manager.status] == [
        ("a", ()),
        ("b", ()),
        ("c", ("a", "b")),
    ]
    assert [c["undeclared_uses"] for c in manager.describe()["components"]] == [[], [], ["a", "b"]]


@pytest.mark.parametrize("call", ["__init__", "component_init", *HOOKS])
@pytest.mark.parametrize("used", ["a", "components:a"])
def test_undeclared_use_is_seen_in_the_constructor_and_every_hook(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture, call: str, used: str
) -> None:
    """An undeclared use is noted whichever call makes it, by attribute or by components[...]."""
    manager.build(component("a")).build(component("b", reach={call: [used]})).start()
    assert logged(caplog) == [(logging.WARNING, UNDECLARED.format(user="b", used="a"))]
    assert manager.describe()["components"][1]["undeclared_uses"] == ["a"]


def test_two_users_of_one_component_are_each_reported(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """Each user of a component is its own pair, logged and reported separately."""
    manager.build(component("a"))
    manager.build(component("b", reach={"__init__": ["a"]}))
    manager.build(component("c", reach={"post_tasks_init": ["a", "b"]}))
    manager.start()
    assert logged(caplog) == [
        (logging.WARNING, UNDECLARED.format(user="b", used="a")),
        (logging.WARNING, UNDECLARED.format(user="c", used="a")),
        (logging.WARNING, UNDECLARED.format(user="c", used="b")),
    ]
    assert [s.undeclared_uses for s in manager.status] == [(), ("a",), ("a", "b")]


def test_undeclared_use_by_a_skipped_component_is_reported(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """A component that reached for another before failing still has the use in its status."""
    manager.build(component("a"))
    manager.build(component("b", required=False, fail_in="__init__", reach={"__init__": ["a"]}))
    reason = "B() raised RuntimeError: b broke in __init__"
    assert logged(caplog) == [
        (logging.WARNING, UNDECLARED.format(user="b", used="a")),
        (logging.WARNING, f"optional component b skipped: {reason}"),
    ]
    assert [(s.name, s.state.value, s.undeclared_uses) for s in manager.status] == [
        ("a", "built", ()),
        ("b", "skipped", ("a",)),
    ]


def test_declared_uses_produce_nothing(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """Uses declared by depends_on, after= or a required feature's provider are not reported."""
    everywhere = ["__init__", "component_init", *HOOKS]
    reach = {call: ["a", "components:a"] for call in everywhere}
    manager.build(component("a", features=["search"]))
    manager.build(component("b", depends_on=["a"], reach=reach))
    manager.build(component("c", reach=reach), after=["a"])
    manager.build(component("d", requires_features=["search"], reach=reach))
    manager.build(component("e", reach=reach), depends_on=["a"])
    itself = {call: ["f", "components:f"] for call in everywhere[1:]}
    manager.build(component("f", reach=itself))
    manager.start()
    manager.close()
    assert logged(caplog) == []
    assert [s.undeclared_uses for s in manager.status] == [()] * 6
    assert [c["undeclared_uses"] for c in manager.describe()["components"]] == [[]] * 6


def test_declared_uses_from_components_entries_produce_nothing(
    config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """``after`` and ``depends_on`` in COMPONENTS entries declare uses like build() arguments."""
    reach = {"__init__": ["a"], "post_final_init": ["components:a"]}

    class Declared(BackendManagerBase):
        COMPONENTS = [
            {"class": component("a")},
            {"class": component("b", reach=reach), "after": ["a"]},
            {"class": component("c", reach=reach), "depends_on": ["a"]},
        ]

    Declared(config).start()
    assert logged(caplog) == []


def test_use_from_outside_any_component_produces_nothing(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """User code reading components after build or between hooks is not a component's use."""
    manager.build(component("a")).build(component("b"))
    assert manager.a is manager.components["a"]
    assert dict(manager.components) == {"a": manager.a, "b": manager.b}
    manager.start()
    assert manager.b is manager.components["b"]
    assert logged(caplog) == []
    assert [s.undeclared_uses for s in manager.status] == [(), ()]


def test_start_after_close_is_refused(manager: BackendManagerBase, events: list[str]) -> None:
    """Hooks never run on components that were already closed."""
    manager.build(component("a"))
    manager.close()
    events.clear()

    with pytest.raises(AdbManagerError, match="is closed"):
        manager.start()
    assert events == []


def test_asking_whether_a_component_is_there_is_not_a_use(
    manager: BackendManagerBase, caplog: pytest.LogCaptureFixture
) -> None:
    """A membership test on manager.components is no undeclared use."""

    class Asking(Probe):
        NAME = "asking"

        def component_init(self) -> None:
            self.events.append(f"asking sees a: {'a' in self.manager.components}")

    manager.build(component("a")).build(Asking)

    assert "asking sees a: True" in manager.config["events"]
    assert [s.undeclared_uses for s in manager.status] == [(), ()]
    assert logged(caplog) == []


def test_a_component_named_like_a_bound_method_is_refused(manager: BackendManagerBase) -> None:
    """The refusal names the component whose manager method holds the name."""

    class Offering(Probe):
        NAME = "offering"

        @manager_method
        def refresh(self) -> str:
            return "refreshed"

    manager.build(Offering)
    with pytest.raises(DuplicateComponentError) as raised:
        manager.build(component("refresh"))
    assert str(raised.value) == (
        "component 'refresh': the name is a manager method that 'offering' offers"
    )


def test_manager_method_marks_only_plain_methods() -> None:
    """Marking a classmethod, staticmethod or property is refused at class definition."""
    for wrapper in (classmethod, staticmethod, property):
        with pytest.raises(TypeError, match="marks plain methods"):
            manager_method(wrapper(lambda *args: None))  # type: ignore[arg-type]


def test_components_from_a_generator_are_kept_and_frozen(config: dict[str, Any]) -> None:
    """A COMPONENTS generator is read once into a tuple; iterable values become tuples."""
    Store = component("store")

    class FromGenerator(BackendManagerBase):
        COMPONENTS = ({"class": c, "features": (f for f in ["extra"])} for c in [Store])

    assert len(FromGenerator.COMPONENTS) == 1
    assert FromGenerator.COMPONENTS[0]["features"] == ("extra",)
    first, second = FromGenerator(config), FromGenerator(config)
    assert first.features == second.features == ("extra",)


def test_a_method_named_like_a_manager_instance_attribute_is_not_bound(
    config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """An attribute the manager set on itself wins over a component's method, with a warning."""

    class WithCache(BackendManagerBase):
        def __init__(self, config: Mapping[str, Any]) -> None:
            self.cache = {"k": 1}
            super().__init__(config)

    class OffersCache(Probe):
        NAME = "offers_cache"

        @manager_method
        def cache(self) -> str:
            return "method"

    manager = WithCache(config).build(OffersCache)

    assert manager.cache == {"k": 1}
    assert "offers_cache" in caplog.text and "not bound" in caplog.text


def test_a_component_that_hangs_fails_after_the_timeout(config: dict[str, Any]) -> None:
    """With a timeout, a constructor or hook that does not return is a failure of its component;
    hooks of the others still run, and the manager closes what it built."""
    release = threading.Event()

    class Hanging(Probe):
        NAME = "hanging"
        REQUIRED = False

        def post_tasks_init(self) -> None:
            release.wait(5)

    manager = BackendManagerBase(config, timeout=0.2)
    manager.build(component("a")).build(Hanging).build(component("b"))
    try:
        manager.start()
        hanging = next(s for s in manager.status if s.name == "hanging")
        assert (hanging.state, hanging.reason) == (
            State.SKIPPED,
            "post_tasks_init raised TimeoutError: post_tasks_init did not return within 0.2 s",
        )
        assert "b.post_final_init" in config["events"]
    finally:
        release.set()
        manager.close()


def test_components_cannot_change_the_shared_configuration(config: dict[str, Any]) -> None:
    """The configuration handed to components is read-only: a change fails that component
    (skipped when optional, naming the step), and the others read what was given."""

    class Meddling(Probe):
        NAME = "meddling"
        REQUIRED = False

        def component_init(self) -> None:
            self.config["url"] = "http://elsewhere"

    config["nested"] = {"depth": 1}
    manager = BackendManagerBase(config).build(Meddling).build(component("after"))

    meddling = manager.status[0]
    assert (meddling.state, meddling.reason) == (
        State.SKIPPED,
        "component_init raised TypeError: the configuration is read-only: components share it",
    )
    assert manager.config["url"] == "http://search:9200"
    with pytest.raises(TypeError):
        manager.config["nested"]["depth"] = 2  # type: ignore[index]
    assert json.loads(json.dumps(manager.config))["nested"] == {"depth": 1}
    config["url"] = "changed by the caller afterwards"
    assert manager.config["url"] == "http://search:9200"


def test_the_configuration_cannot_be_reinitialised(manager: BackendManagerBase) -> None:
    """Calling __init__ again on the shared configuration is refused like any other change."""
    with pytest.raises(TypeError, match="read-only"):
        manager.config.__init__(url="elsewhere")  # type: ignore[misc]
    assert manager.config["url"] == "http://search:9200"
