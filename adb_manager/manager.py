"""The backend manager and its chainable builder."""

from __future__ import annotations

import logging
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import attrs

from adb_manager.components import (
    BackendComponent,
    declaration_problems,
    is_component_class,
    manager_methods,
)
from adb_manager.configuration import read_only
from adb_manager.errors import (
    AdbManagerError,
    BuildError,
    ComponentClassError,
    DeclarationError,
    DuplicateComponentError,
    describe_error,
)
from adb_manager.imports import class_path_of, import_object
from adb_manager.schema import defined_pattern
from adb_manager.secrets import Redactor
from adb_manager.status import ComponentStatus, State
from adb_manager.suggestions import did_you_mean

logger = logging.getLogger(__name__)

_Manager = TypeVar("_Manager", bound="BackendManagerBase")
_Result = TypeVar("_Result")

ENTRY_KEYS = frozenset(
    {"class", "required", "name", "features", "depends_on", "requires_features", "after"}
)
_HOOKS = ("post_manager_init", "post_tasks_init", "post_final_init")


@attrs.define
class _Failure:
    """Why a component was not built: the component whose failure started it, and how."""

    root: str
    reason: str
    cause: BaseException | None = None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _names(values: Iterable[str], kind: str, where: str) -> tuple[str, ...]:
    """``values`` checked against the spec schema's pattern for ``kind``, as the spec would be."""
    if isinstance(values, str):
        raise DeclarationError(f"{where}: expected a list of names, not the string {values!r}")
    names = tuple(values)
    pattern = defined_pattern(kind)
    bad = [name for name in names if not isinstance(name, str) or not pattern.match(name)]
    if bad:
        raise DeclarationError(f"{where}: malformed name(s) {bad!r}; expected {pattern.pattern}")
    return names


def _frozen(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of a ``COMPONENTS`` entry, its lists made tuples, so nothing in it is
    shared with the entry it was copied from."""
    return types.MappingProxyType({k: _frozen_value(v) for k, v in entry.items()})


def _frozen_value(value: Any) -> Any:
    if isinstance(value, str | bytes | type | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def entry_name(entry: object) -> str | None:
    """The name a ``COMPONENTS`` entry builds under, when it can be told without importing."""
    if not isinstance(entry, Mapping):
        return None
    name = entry.get("name")
    if isinstance(name, str):
        return name
    cls = entry.get("class")
    if isinstance(cls, type) and issubclass(cls, BackendComponent) and isinstance(cls.NAME, str):
        return cls.NAME
    if isinstance(cls, str):
        imported = import_object(cls)
        if is_component_class(imported):
            assert isinstance(imported, type)
            named: object = getattr(imported, "NAME", None)
            return named if isinstance(named, str) else None
    return None


class _UsedComponents(Mapping[str, BackendComponent]):
    """The built components, read-only; reading one notes who used it (declared-use check)."""

    def __init__(self, manager: BackendManagerBase) -> None:
        self._manager = manager

    def __getitem__(self, name: str) -> BackendComponent:
        component = self._manager._components[name]
        self._manager._note_use(name)
        return component

    def __contains__(self, name: object) -> bool:
        # Asking whether a component is there is not using it.
        return name in self._manager._components

    def __iter__(self) -> Iterator[str]:
        return iter(self._manager._components)

    def __len__(self) -> int:
        return len(self._manager._components)


class BackendManagerBase:
    """A manager made of components, built one by one in order.

    Components come from the class-level ``COMPONENTS`` list, built in order at construction, and
    from chained :meth:`build` calls::

        manager = BackendManagerBase(config).build(StorageComponent).build(Notifier, required=False)
        manager.start()

    Each built component is reachable as an attribute named after it, and the methods it marks
    with :func:`~adb_manager.components.manager_method` as methods of this manager. A required
    component that cannot be built aborts the manager with :class:`~adb_manager.errors.BuildError`,
    after closing what was built, in reverse order; an optional one is skipped with a WARNING
    log, and so are the components that depend on it.
    """

    COMPONENTS: ClassVar[Sequence[Mapping[str, Any]]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass gets its own read-only copy: editing it cannot reach a parent's list, and
        # no entry can be written into. Malformed entries are left for construction to report.
        declared = cls.__dict__.get("COMPONENTS")
        if declared is None or isinstance(declared, str | Mapping):
            return
        try:
            entries = list(declared)
        except TypeError:
            return  # not iterable: reported when the manager is created
        if all(isinstance(e, Mapping) for e in entries):
            cls.COMPONENTS = tuple(_frozen(e) for e in entries)
        else:
            cls.COMPONENTS = tuple(entries)

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        name: str = "backend",
        timeout: float | None = None,
    ) -> None:
        self.name = name
        # Seconds a component's constructor, hook or close() may take; None waits for ever.
        self.timeout = timeout
        # One read-only copy, handed to every component: none can change what others read.
        self.config: Mapping[str, Any] = read_only(config if config is not None else {})
        self._components: dict[str, BackendComponent] = {}
        self._statuses: dict[str, ComponentStatus] = {}
        self._failures: dict[str, _Failure] = {}
        self._methods: dict[str, str] = {}
        # The built components providing each feature, and the place each was built in.
        self._feature_index: dict[str, list[str]] = {}
        self._built_at: dict[str, int] = {}
        # Each class checked, with the methods it offers: read once however many it builds.
        self._class_methods: dict[type[BackendComponent], Mapping[str, str]] = {}
        self._reserved = type(self).reserved_names()
        self._declared_uses: dict[str, frozenset[str]] = {}
        self._undeclared_uses: dict[str, list[str]] = {}
        self._current: str | None = None
        self._redact = Redactor.for_config(self.config)
        self._started = False
        self._closed = False
        declared: object = type(self).COMPONENTS
        if isinstance(declared, str) or not isinstance(declared, Iterable):
            raise ComponentClassError(f"{type(self).__name__}.COMPONENTS must be a list of entries")
        try:
            for entry in declared:
                self._build_entry(entry)
        except BaseException:
            # The caller gets no manager to close: release what was built before re-raising.
            self.close()
            raise

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: built components are found here, so that a
        # component reaching for another one is seen.
        components = self.__dict__.get("_components", {})
        if name in components:
            self._note_use(name)
            return components[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def reserved_names(cls) -> frozenset[str]:
        """Names a component or a manager method cannot take: the manager's own attributes."""
        return frozenset(n for n in dir(cls) if not n.startswith("_")) | {"name", "config"}

    # Editing COMPONENTS

    @classmethod
    def components_without(cls, *names: str) -> tuple[Mapping[str, Any], ...]:
        """This class's ``COMPONENTS`` without the named entries, as a new tuple::

        class Lean(Base):
            COMPONENTS = Base.components_without("es")
        """
        found = [entry_name(entry) for entry in cls.COMPONENTS]
        for name in names:
            cls._require_entry(name, found)
        return tuple(e for e in cls.COMPONENTS if entry_name(e) not in names)

    @classmethod
    def _require_entry(cls, name: str, found: Sequence[str | None]) -> None:
        if name not in found:
            hint = did_you_mean(name, [n for n in found if n is not None])
            raise DeclarationError(f"{cls.__name__}.COMPONENTS declares no {name!r}{hint}")

    @classmethod
    def components_replacing(
        cls, name: str, entry: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], ...]:
        """This class's ``COMPONENTS`` with the entry named ``name`` replaced by ``entry``, as a
        new tuple; the parent's list is not changed."""
        names = [entry_name(e) for e in cls.COMPONENTS]
        cls._require_entry(name, names)
        replacement = _frozen(entry)
        new_name = entry_name(replacement)
        if new_name != name and new_name in names:
            raise DeclarationError(
                f"the entry replacing {name!r} in {cls.__name__}.COMPONENTS builds {new_name!r},"
                " which another entry already builds"
            )
        return tuple(
            replacement if n == name else e for n, e in zip(names, cls.COMPONENTS, strict=True)
        )

    # Building

    def build(
        self: _Manager,
        component_class: type[BackendComponent] | str,
        required: bool | None = None,
        name: str | None = None,
        features: Iterable[str] = (),
        depends_on: Iterable[str] = (),
        requires_features: Iterable[str] = (),
        after: Iterable[str] = (),
    ) -> _Manager:
        """Build one component and attach it; returns the manager, so that calls chain.

        ``required`` overrides the class's ``REQUIRED``; ``features``, ``depends_on`` and
        ``requires_features`` add to the class's ``FEATURES``, ``DEPENDS_ON`` and
        ``REQUIRES_FEATURES``; ``after`` names components it may use without depending on them.
        ``name`` must agree with the class's ``NAME`` when the class sets one.
        """
        if self._closed:
            raise AdbManagerError(f"manager {self.name!r} is closed; build a new one")
        if required is not None and not isinstance(required, bool):
            raise DeclarationError(f"required must be True, False or None, not {required!r}")
        cls = self._component_class(component_class)
        where = cls.__name__
        status = ComponentStatus(
            name=self._component_name(cls, name),
            class_path=class_path_of(cls),
            state=State.BUILT,
            required=cls.REQUIRED if required is None else required,
            features=_unique(
                [*cls.FEATURES, *_names(features, "featureName", f"features of {where}")]
            ),
            depends_on=_unique(
                [*cls.DEPENDS_ON, *_names(depends_on, "componentName", f"depends_on of {where}")]
            ),
            requires_features=_unique(
                [
                    *cls.REQUIRES_FEATURES,
                    *_names(requires_features, "featureName", f"requires_features of {where}"),
                ]
            ),
        )
        offered = self._class_methods[cls]
        self._check_methods(offered, status.name)
        failure = self._unmet_dependency(status)
        if failure is None:
            self._declared_uses[status.name] = frozenset(
                [*status.depends_on, *_names(after, "componentName", f"after of {where}")]
                + self._providers(status.requires_features)
            )
            failure = self._construct(cls, status, offered)
        if failure is None:
            self._statuses[status.name] = status
            self._built_at[status.name] = len(self._built_at)
            for feature in status.features:
                self._feature_index.setdefault(feature, []).append(status.name)
            logger.info("built component %s", status.name)
        else:
            self._record_failure(status, failure)
        return self

    def _build_entry(self, entry: Mapping[str, Any]) -> None:
        if not isinstance(entry, Mapping):
            raise ComponentClassError(
                f"{type(self).__name__}.COMPONENTS entry {entry!r}: must be a mapping with 'class'"
            )
        unknown = set(entry) - ENTRY_KEYS
        if unknown or "class" not in entry:
            raise ComponentClassError(
                f"{type(self).__name__}.COMPONENTS entry {dict(entry)!r}: needs 'class' and takes"
                f" only {sorted(ENTRY_KEYS)}"
            )
        self.build(
            entry["class"],
            required=entry.get("required"),
            name=entry.get("name"),
            features=entry.get("features", ()),
            depends_on=entry.get("depends_on", ()),
            requires_features=entry.get("requires_features", ()),
            after=entry.get("after", ()),
        )

    def _component_class(self, candidate: type[BackendComponent] | str) -> type[BackendComponent]:
        resolved = import_object(candidate) if isinstance(candidate, str) else candidate
        if not is_component_class(resolved):
            raise ComponentClassError(
                f"{candidate!r} is not a component class: it must derive from BackendComponent"
            )
        assert isinstance(resolved, type)
        if resolved not in self._class_methods:
            problems = declaration_problems(resolved)
            if problems:
                raise DeclarationError(f"{resolved.__name__}: {'; '.join(problems)}")
            self._class_methods[resolved] = manager_methods(resolved)
        return resolved

    def _component_name(self, cls: type[BackendComponent], name: str | None) -> str:
        if name is not None and cls.NAME is not None and name != cls.NAME:
            raise ComponentClassError(
                f"{cls.__qualname__} is named {cls.NAME!r} by its NAME, not {name!r}"
            )
        chosen = name or cls.NAME
        if not chosen:
            raise ComponentClassError(f"{cls.__qualname__} has no NAME; pass name=")
        if not isinstance(chosen, str) or not defined_pattern("componentName").match(chosen):
            raise DeclarationError(f"{chosen!r} is not a component name: use snake_case")
        if chosen in self._statuses:
            raise DuplicateComponentError(chosen, "a component of that name was already declared")
        if chosen in self._methods:
            reason = f"the name is a manager method that {self._methods[chosen]!r} offers"
            raise DuplicateComponentError(chosen, reason)
        if chosen in self._reserved or chosen in vars(self):
            raise DuplicateComponentError(chosen, "the name is taken by the manager itself")
        return chosen

    def _check_methods(self, methods: Mapping[str, str], name: str) -> None:
        """Refuse, before building, a manager method that another component already offers."""
        for offered in methods:
            if not offered.isidentifier() or offered.startswith("_"):
                raise DeclarationError(
                    f"{name!r} offers the manager method {offered!r}: a manager method name"
                    " must be a public identifier"
                )
            other = self._methods.get(offered)
            if other is not None:
                raise DeclarationError(
                    f"{name!r} offers the manager method {offered!r}, which {other!r} offers too"
                )
            if offered in self._statuses or offered == name:
                raise DeclarationError(
                    f"{name!r} offers the manager method {offered!r}, the name of a component"
                )

    def _providers(self, features: Iterable[str]) -> list[str]:
        """The built components providing any of ``features``, in build order; looked up in the
        index, so that building n components stays linear in n."""
        found = {name for feature in set(features) for name in self._feature_index.get(feature, ())}
        built = [name for name in found if name in self._components]
        return sorted(built, key=self._built_at.__getitem__)

    def _unmet_dependency(self, status: ComponentStatus) -> _Failure | None:
        for dependency in status.depends_on:
            if dependency not in self._components:
                return self._missing(status.name, dependency, f"depends on {dependency!r}")
        for feature in status.requires_features:
            if self._providers([feature]):
                continue
            failed = [
                s.name
                for s in self._statuses.values()
                if feature in s.features and s.state in (State.SKIPPED, State.FAILED)
            ]
            words = f"requires the feature {feature!r}"
            if failed:
                return self._missing(status.name, failed[0], f"{words}, provided by {failed[0]!r}")
            reason = f"{words}, which no component built before it provides"
            return _Failure(status.name, reason)
        return None

    def _missing(self, name: str, dependency: str, words: str) -> _Failure:
        """Why ``name`` cannot be built without ``dependency``, told from the root cause."""
        earlier = self._failures.get(dependency)
        if earlier is not None:
            root = self._failures[earlier.root]
            if earlier.root == dependency:
                reason = f"{words}, which failed: {root.reason}"
            else:
                reason = f"{words}, not built because {earlier.root!r} failed: {root.reason}"
            return _Failure(earlier.root, reason, root.cause)
        previous = self._statuses.get(dependency)
        if previous is not None and previous.state is State.DISABLED:
            return _Failure(name, f"{words}, which is disabled")
        return _Failure(name, f"{words}, which was not built before it")

    def _construct(
        self, cls: type[BackendComponent], status: ComponentStatus, methods: Mapping[str, str]
    ) -> _Failure | None:
        self._current = status.name
        try:
            component = self._call(status.name, "__init__", lambda: cls(self, self.config))
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            reason = f"{cls.__qualname__}() raised {self._describe(error)}"
            return _Failure(status.name, reason, error)
        finally:
            self._current = None
        # The component is reachable while its component_init runs, as it will be afterwards.
        self._components[status.name] = component
        self._current = status.name
        try:
            self._call(status.name, "component_init", component.component_init)
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            del self._components[status.name]
            self._close_one(status.name, component)
            reason = f"component_init raised {self._describe(error)}"
            return _Failure(status.name, reason, error)
        finally:
            self._current = None
        self._bind_methods(status.name, component, methods)
        return None

    def _bind_methods(
        self, name: str, component: BackendComponent, methods: Mapping[str, str]
    ) -> None:
        for offered, attribute in methods.items():
            if offered in self._reserved or offered in vars(self):
                logger.warning(
                    "%s defines %s itself: the method that component %s offers is not bound",
                    type(self).__name__,
                    offered,
                    name,
                )
                continue
            # Bound on this instance only: no class is changed, other managers do not see it.
            self.__dict__[offered] = getattr(component, attribute)
            self._methods[offered] = name

    def _unbind_methods(self, name: str) -> None:
        for offered in [m for m, owner in self._methods.items() if owner == name]:
            del self._methods[offered]
            self.__dict__.pop(offered, None)

    def _record_failure(self, status: ComponentStatus, failure: _Failure) -> None:
        self._failures[status.name] = failure
        state = State.FAILED if status.required else State.SKIPPED
        self._statuses[status.name] = attrs.evolve(
            status, state=state, reason=failure.reason, root=failure.root
        )
        if not status.required:
            logger.warning("optional component %s skipped: %s", status.name, failure.reason)
            return
        logger.error("required component %s failed: %s", status.name, failure.reason)
        report = self.status
        self.close()
        raise BuildError(status.name, failure.root, failure.reason, report) from failure.cause

    def record_disabled(
        self: _Manager,
        name: str,
        class_path: str,
        *,
        required: bool = True,
        features: Iterable[str] = (),
        depends_on: Iterable[str] = (),
        requires_features: Iterable[str] = (),
    ) -> _Manager:
        """Note a component that is declared but disabled; it is reported, not built."""
        if name in self._statuses:
            raise DuplicateComponentError(name, "a component of that name was already declared")
        self._statuses[name] = ComponentStatus(
            name=name,
            class_path=class_path,
            state=State.DISABLED,
            required=required,
            features=_unique(features),
            depends_on=_unique(depends_on),
            requires_features=_unique(requires_features),
            reason="disabled in the spec",
        )
        return self

    # Declared against actual use

    def _note_use(self, used: str) -> None:
        user = self._current
        if user is None or used == user or used in self._declared_uses.get(user, ()):
            return
        noted = self._undeclared_uses.setdefault(user, [])
        if used in noted:
            return
        noted.append(used)
        logger.warning(
            "component %s uses component %s without declaring it"
            " (depends_on, after or requires_features)",
            user,
            used,
        )

    # Lifecycle

    def start(self: _Manager) -> _Manager:
        """Run ``post_manager_init``, ``post_tasks_init`` and ``post_final_init`` on every built
        component, in build order, each hook across all components before the next.

        A hook that raises on an optional component withdraws it: it is closed, its features
        and methods are gone, and so are the components that need it. On a required one, the
        manager is closed and :class:`BuildError` raised.
        """
        if self._closed:
            raise AdbManagerError(f"manager {self.name!r} is closed; build a new one")
        if self._started:
            return self
        self._started = True
        for hook in _HOOKS:
            for name in list(self._components):
                if name in self._components:  # not withdrawn by an earlier failure
                    self._run_hook(name, hook)
        return self

    def _run_hook(self, name: str, hook: str) -> None:
        self._current = name
        try:
            self._call(name, hook, getattr(self._components[name], hook))
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            reason = f"{hook} raised {self._describe(error)}"
            self._withdraw(name, _Failure(name, reason, error))
        finally:
            self._current = None

    def _needing(self, root: str) -> list[str]:
        """``root`` and the built components that cannot stay without it, in build order. As
        when building, only providers built before a component satisfy its required features."""
        gone = {root}
        order = list(self._components)
        for index, name in enumerate(order):
            status = self._statuses[name]
            if name in gone:
                continue
            earlier = set(order[:index]) - gone
            lost_dependency = any(d in gone for d in status.depends_on)
            lost_feature = any(
                not [p for p in self._providers([f]) if p in earlier]
                for f in status.requires_features
            )
            if lost_dependency or lost_feature:
                gone.add(name)
        return [name for name in order if name in gone]

    def _withdraw(self, root: str, failure: _Failure) -> None:
        """Take a component that failed a hook out of the manager, with what needs it."""
        leaving = self._needing(root)
        self._failures[root] = failure
        for name in leaving:
            reason = failure.reason
            if name != root:
                reason = f"needs {root!r}, withdrawn because it failed: {failure.reason}"
                self._failures[name] = _Failure(root, reason, failure.cause)
            state = State.FAILED if self._statuses[name].required else State.SKIPPED
            self._statuses[name] = attrs.evolve(
                self._statuses[name], state=state, reason=reason, root=root
            )
        required = [name for name in leaving if self._statuses[name].required]
        if required:
            reason = self._failures[required[0]].reason
            logger.error("required component %s withdrawn: %s", required[0], reason)
            report = self.status
            self.close()
            raise BuildError(
                required[0], root, reason, report, outcome="was withdrawn"
            ) from failure.cause
        for name in leaving:  # logged from the root cause on, closed last built first
            logger.warning("optional component %s withdrawn: %s", name, self._failures[name].reason)
        for name in reversed(leaving):
            self._unbind_methods(name)
            self._close_one(name, self._components.pop(name))

    def close(self) -> None:
        """Close every built component, in reverse build order; errors are logged, not raised."""
        if self._closed:
            return
        self._closed = True
        for name, component in reversed(list(self._components.items())):
            self._close_one(name, component)

    def _close_one(self, name: str, component: BackendComponent) -> None:
        try:
            self._call(name, "close", component.close)
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            logger.error("component %s: close() raised %s", name, self._describe(error))

    def _call(self, name: str, step: str, function: Callable[[], _Result]) -> _Result:
        """Run one step of a component's life, bounded by ``timeout`` when one is set.

        A step past the timeout raises :class:`TimeoutError`; its thread cannot be stopped and
        is left to finish in the background, as a daemon.
        """
        if self.timeout is None:
            return function()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = function()
            except BaseException as error:
                outcome["error"] = error

        worker = threading.Thread(target=run, name=f"adb-manager {name}.{step}", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise TimeoutError(f"{step} did not return within {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        result: _Result = outcome["value"]
        return result

    def _describe(self, error: BaseException) -> str:
        """An exception in words, without the configuration's secrets it may quote."""
        return self._redact(describe_error(error))

    def __enter__(self: _Manager) -> _Manager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Reporting

    @property
    def components(self) -> Mapping[str, BackendComponent]:
        """The built components by name, in build order."""
        return _UsedComponents(self)

    @property
    def methods(self) -> Mapping[str, str]:
        """The manager methods that built components offer, with the component offering each."""
        return types.MappingProxyType(self._methods)

    @property
    def status(self) -> tuple[ComponentStatus, ...]:
        """What happened to every declared component, in declaration order."""
        return tuple(
            attrs.evolve(s, undeclared_uses=tuple(self._undeclared_uses.get(s.name, ())))
            for s in self._statuses.values()
        )

    @property
    def feature_providers(self) -> Mapping[str, tuple[str, ...]]:
        """Each feature the instance offers, with the built components that provide it."""
        providers: dict[str, list[str]] = {}
        for status in self._statuses.values():
            if status.state is State.BUILT:
                for feature in status.features:
                    providers.setdefault(feature, []).append(status.name)
        return types.MappingProxyType({f: tuple(providers[f]) for f in sorted(providers)})

    @property
    def features(self) -> tuple[str, ...]:
        """The features this instance offers, sorted; only built components contribute."""
        return tuple(self.feature_providers)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready status of the instance: its features, its manager methods and every
        component's outcome. No configuration value is included."""
        return {
            "name": self.name,
            "features": list(self.features),
            "providers": {f: list(names) for f, names in self.feature_providers.items()},
            "methods": dict(self._methods),
            "components": [status.to_dict() for status in self.status],
        }
