"""The backend manager and its chainable builder."""

from __future__ import annotations

import logging
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import attrs

from adb_manager.components import BackendComponent, declaration_problems, is_component_class
from adb_manager.errors import (
    AdbManagerError,
    BuildError,
    ComponentClassError,
    DeclarationError,
    DuplicateComponentError,
)
from adb_manager.imports import class_path_of, import_object
from adb_manager.schema import defined_pattern
from adb_manager.status import ComponentStatus, State

logger = logging.getLogger(__name__)

_Manager = TypeVar("_Manager", bound="BackendManagerBase")

_ENTRY_KEYS = frozenset({"class", "required", "name", "features", "depends_on"})
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


def _describe_exception(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class BackendManagerBase:
    """A manager made of components, built one by one in order.

    Components come from the class-level ``COMPONENTS`` list, built in order at construction, and
    from chained :meth:`build` calls::

        manager = BackendManagerBase(config).build(StorageComponent).build(Notifier, required=False)

    Each built component is attached as an attribute named after it. A required component that
    cannot be built aborts the manager with :class:`~adb_manager.errors.BuildError`, after closing
    what was built, in reverse order; an optional one is skipped with a WARNING log, and so are the
    components that depend on it.
    """

    COMPONENTS: ClassVar[Sequence[Mapping[str, Any]]] = ()

    def __init__(self, config: Mapping[str, Any] | None = None, *, name: str = "backend") -> None:
        self.name = name
        self.config: Mapping[str, Any] = config if config is not None else {}
        self._components: dict[str, BackendComponent] = {}
        self._statuses: dict[str, ComponentStatus] = {}
        self._failures: dict[str, _Failure] = {}
        self._started = False
        self._closed = False
        try:
            for entry in type(self).COMPONENTS:
                self._build_entry(entry)
        except BaseException:
            # The caller gets no manager to close: release what was built before re-raising.
            self.close()
            raise

    @classmethod
    def reserved_names(cls) -> frozenset[str]:
        """Names a component cannot take: the manager's own attributes."""
        return frozenset(n for n in dir(cls) if not n.startswith("_")) | {"name", "config"}

    # Building

    def build(
        self: _Manager,
        component_class: type[BackendComponent] | str,
        required: bool | None = None,
        name: str | None = None,
        features: Iterable[str] = (),
        depends_on: Iterable[str] = (),
    ) -> _Manager:
        """Build one component and attach it; returns the manager, so that calls chain.

        ``required`` overrides the class's ``REQUIRED``; ``features`` and ``depends_on`` add to the
        class's ``FEATURES`` and ``DEPENDS_ON``; ``name`` must agree with the class's ``NAME``
        when the class sets one.
        """
        if self._closed:
            raise AdbManagerError(f"manager {self.name!r} is closed; build a new one")
        if required is not None and not isinstance(required, bool):
            raise DeclarationError(f"required must be True, False or None, not {required!r}")
        cls = self._component_class(component_class)
        features = (*cls.FEATURES, *_names(features, "featureName", f"features of {cls.__name__}"))
        depends_on = (
            *cls.DEPENDS_ON,
            *_names(depends_on, "componentName", f"depends_on of {cls.__name__}"),
        )
        component_name = self._component_name(cls, name)
        is_required = cls.REQUIRED if required is None else required
        status = ComponentStatus(
            name=component_name,
            class_path=class_path_of(cls),
            state=State.BUILT,
            required=is_required,
            features=_unique(features),
            depends_on=_unique(depends_on),
        )
        failure = self._unmet_dependency(status) or self._construct(cls, status)
        if failure is None:
            self._statuses[component_name] = status
            logger.info("built component %s", component_name)
        else:
            self._record_failure(status, failure)
        return self

    def _build_entry(self, entry: Mapping[str, Any]) -> None:
        if not isinstance(entry, Mapping):
            raise ComponentClassError(
                f"{type(self).__name__}.COMPONENTS entry {entry!r}: must be a mapping with 'class'"
            )
        unknown = set(entry) - _ENTRY_KEYS
        if unknown or "class" not in entry:
            raise ComponentClassError(
                f"{type(self).__name__}.COMPONENTS entry {dict(entry)!r}: needs 'class' and takes"
                f" only {sorted(_ENTRY_KEYS)}"
            )
        self.build(
            entry["class"],
            required=entry.get("required"),
            name=entry.get("name"),
            features=entry.get("features", ()),
            depends_on=entry.get("depends_on", ()),
        )

    def _component_class(self, candidate: type[BackendComponent] | str) -> type[BackendComponent]:
        resolved = import_object(candidate) if isinstance(candidate, str) else candidate
        if not is_component_class(resolved):
            raise ComponentClassError(
                f"{candidate!r} is not a component class: it must derive from BackendComponent"
            )
        assert isinstance(resolved, type)
        problems = declaration_problems(resolved)
        if problems:
            raise DeclarationError(f"{resolved.__name__}: {'; '.join(problems)}")
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
        if chosen in self.reserved_names() or chosen in vars(self):
            raise DuplicateComponentError(chosen, "the name is taken by the manager itself")
        return chosen

    def _unmet_dependency(self, status: ComponentStatus) -> _Failure | None:
        for dependency in status.depends_on:
            if dependency in self._components:
                continue
            earlier = self._failures.get(dependency)
            if earlier is not None and earlier.root == dependency:
                reason = f"depends on {dependency!r}, which failed: {earlier.reason}"
                return _Failure(earlier.root, reason, self._failures[earlier.root].cause)
            if earlier is not None:
                root_reason = self._failures[earlier.root].reason
                reason = (
                    f"depends on {dependency!r}, not built because {earlier.root!r} failed:"
                    f" {root_reason}"
                )
                return _Failure(earlier.root, reason, self._failures[earlier.root].cause)
            previous = self._statuses.get(dependency)
            if previous is not None and previous.state is State.DISABLED:
                return _Failure(status.name, f"depends on {dependency!r}, which is disabled")
            return _Failure(
                status.name, f"depends on {dependency!r}, which was not built before it"
            )
        return None

    def _construct(self, cls: type[BackendComponent], status: ComponentStatus) -> _Failure | None:
        try:
            component = cls(self, self.config)
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            reason = f"{cls.__qualname__}() raised {_describe_exception(error)}"
            return _Failure(status.name, reason, error)
        try:
            component.component_init()
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            self._close_one(status.name, component)
            reason = f"component_init raised {_describe_exception(error)}"
            return _Failure(status.name, reason, error)
        self._components[status.name] = component
        setattr(self, status.name, component)
        return None

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
            reason="disabled in the spec",
        )
        return self

    # Lifecycle

    def start(self: _Manager) -> _Manager:
        """Run ``post_manager_init``, ``post_tasks_init`` and ``post_final_init`` on every built
        component, in build order, each hook across all components before the next.

        A hook that raises closes the manager and raises :class:`BuildError`.
        """
        if self._started:
            return self
        self._started = True
        for hook in _HOOKS:
            for name, component in list(self._components.items()):
                try:
                    getattr(component, hook)()
                except KeyboardInterrupt:
                    raise
                except BaseException as error:
                    reason = f"{hook} raised {_describe_exception(error)}"
                    logger.error("component %s: %s", name, reason)
                    report = self.status
                    self.close()
                    raise BuildError(name, name, reason, report) from error
        return self

    def close(self) -> None:
        """Close every built component, in reverse build order; errors are logged, not raised."""
        if self._closed:
            return
        self._closed = True
        for name, component in reversed(list(self._components.items())):
            self._close_one(name, component)

    @staticmethod
    def _close_one(name: str, component: BackendComponent) -> None:
        try:
            component.close()
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            logger.error("component %s: close() raised %s", name, _describe_exception(error))

    def __enter__(self: _Manager) -> _Manager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Reporting

    @property
    def components(self) -> Mapping[str, BackendComponent]:
        """The built components by name, in build order."""
        return types.MappingProxyType(self._components)

    @property
    def status(self) -> tuple[ComponentStatus, ...]:
        """What happened to every declared component, in declaration order."""
        return tuple(self._statuses.values())

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
        """A JSON-ready status of the instance: its features and every component's outcome."""
        return {
            "name": self.name,
            "features": list(self.features),
            "providers": {f: list(names) for f, names in self.feature_providers.items()},
            "components": [status.to_dict() for status in self._statuses.values()],
        }
