"""The base class of every component a manager is made of."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase


class BackendComponent:
    """A sub-component of a backend manager.

    Subclasses declare, as class attributes:

    - ``NAME``: the manager attribute the component is attached as (a spec's ``name`` must match);
    - ``FEATURES``: the kebab-case features it provides;
    - ``DEPENDS_ON``: names of components that must be built before it;
    - ``REQUIRES_FEATURES``: features that some component built before it must provide;
    - ``REQUIRED``: whether its failure aborts the manager, unless the spec or ``build()`` says;
    - ``CONFIG_KEY``: the section of the configuration it reads, if it reads one;
    - ``CONFIG_SCHEMA``: a JSON Schema (draft 2020-12) of that section, checked by validation and
      offered to editors by ``adb-manager schema --installed``.

    Methods marked with :func:`manager_method` are offered on the manager while it is built.

    It is constructed with the manager and the whole configuration, and reads the sections it
    needs. Raising from ``__init__`` or ``component_init`` means it could not be built.
    """

    NAME: ClassVar[str | None] = None
    FEATURES: ClassVar[Sequence[str]] = ()
    DEPENDS_ON: ClassVar[Sequence[str]] = ()
    REQUIRES_FEATURES: ClassVar[Sequence[str]] = ()
    REQUIRED: ClassVar[bool] = True
    CONFIG_KEY: ClassVar[str | None] = None
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any] | None] = None

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        self.manager = manager
        self.config = config

    def component_init(self) -> None:
        """Called right after construction, before the next component is built."""

    def post_manager_init(self) -> None:
        """Called on every built component once the manager is complete."""

    def post_tasks_init(self) -> None:
        """Called on every built component once tasks are registered."""

    def post_final_init(self) -> None:
        """The last call before the application is handed over."""

    def close(self) -> None:
        """Release what the component holds; called in reverse build order."""


def declaration_problems(cls: type[BackendComponent]) -> list[str]:
    """What is wrong with a component class's NAME, FEATURES, DEPENDS_ON and REQUIRED, by the
    rules the spec schema sets for the same values; empty when they are well formed."""
    from adb_manager.schema import defined_pattern

    problems = []
    name = cls.NAME
    if name is not None and not (
        isinstance(name, str) and defined_pattern("componentName").match(name)
    ):
        problems.append(f"NAME {name!r} is not a snake_case component name")
    declared = (
        ("FEATURES", "featureName"),
        ("DEPENDS_ON", "componentName"),
        ("REQUIRES_FEATURES", "featureName"),
    )
    for attribute, kind in declared:
        values = getattr(cls, attribute)
        if not isinstance(values, list | tuple):
            problems.append(f"{attribute} must be a list or tuple of names, not {values!r}")
            continue
        pattern = defined_pattern(kind)
        bad = [v for v in values if not isinstance(v, str) or not pattern.match(v)]
        if bad:
            problems.append(f"{attribute} holds malformed name(s) {bad!r}")
    required: object = cls.REQUIRED
    if not isinstance(required, bool):
        problems.append(f"REQUIRED must be True or False, not {required!r}")
    problems.extend(_config_problems(cls))
    return problems


def _config_problems(cls: type[BackendComponent]) -> list[str]:
    """What is wrong with CONFIG_KEY and CONFIG_SCHEMA: a schema must be valid draft 2020-12
    and say which section it describes."""
    import jsonschema

    key: object = cls.CONFIG_KEY
    schema: object = cls.CONFIG_SCHEMA
    if key is not None and not (isinstance(key, str) and key):
        return [f"CONFIG_KEY must be a non-empty string, not {key!r}"]
    if schema is None:
        return []
    if not isinstance(schema, Mapping):
        return [f"CONFIG_SCHEMA must be a mapping, not {type(schema).__name__}"]
    if key is None:
        return ["CONFIG_SCHEMA without a CONFIG_KEY naming the section it describes"]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        return [f"CONFIG_SCHEMA is not a valid JSON Schema: {error.message}"]
    return []


def is_component_class(candidate: object) -> bool:
    """Whether ``candidate`` is a class the builder can build."""
    return isinstance(candidate, type) and issubclass(candidate, BackendComponent)


_MANAGER_METHOD = "__adb_manager_method__"

_Method = TypeVar("_Method", bound=Callable[..., Any])


@overload
def manager_method(function: _Method, /) -> _Method: ...


@overload
def manager_method(*, name: str | None = None) -> Callable[[_Method], _Method]: ...


def manager_method(
    function: _Method | None = None, /, *, name: str | None = None
) -> _Method | Callable[[_Method], _Method]:
    """Offer a component's method on the manager, as ``manager.<name>()``.

    The method is bound to the component and set on that manager instance only, once the
    component is built; no class is changed. ``name`` defaults to the method's own name::

        class Aliases(BackendComponent):
            @manager_method
            def prepare_aliases(self) -> None: ...
    """

    def mark(method: _Method) -> _Method:
        if not inspect.isfunction(method):
            raise TypeError(
                f"@manager_method marks plain methods, not {type(method).__name__} objects:"
                " put it below @classmethod, @staticmethod or @property, or use a method"
            )
        offered = name or method.__name__
        if not offered.isidentifier() or offered.startswith("_"):
            raise ValueError(f"manager method name {offered!r} must be a public identifier")
        setattr(method, _MANAGER_METHOD, offered)
        return method

    return mark(function) if function is not None else mark


def manager_methods(cls: type[BackendComponent]) -> dict[str, str]:
    """The methods a component class offers on the manager: offered name to attribute name."""
    # Static look-ups, through the class dictionaries along the MRO, the nearest first: no
    # descriptor or class-level __getattr__ runs while classes are read.
    found: dict[str, object] = {}
    for klass in cls.__mro__:
        for attribute, value in vars(klass).items():
            found.setdefault(attribute, value)
    offered: dict[str, str] = {}
    for attribute in sorted(found):
        method = found[attribute]
        if not inspect.isfunction(method):
            continue
        # A mark set by manager_method() lives in the function's own dictionary.
        offered_name = vars(method).get(_MANAGER_METHOD)
        if isinstance(offered_name, str):
            offered[offered_name] = attribute
    return offered


class WrappedComponent(BackendComponent):
    """A component made of an existing object: a client, or a manager from another library.

    Subclasses create the object in :meth:`wrap`; it is available as ``self.wrapped``, and any
    attribute the component does not have itself is looked up on it. ``close()`` closes the
    wrapped object when it has a ``close`` method::

        class SearchComponent(WrappedComponent):
            NAME = "es"

            def wrap(self, config):
                return SearchClient(config["es"]["url"])
    """

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        wrapped = self.wrap(config)
        if wrapped is None or wrapped is self:
            raise TypeError(f"{type(self).__name__}.wrap() must return the object to wrap")
        self.wrapped: Any = wrapped

    def wrap(self, config: Mapping[str, Any]) -> Any:
        """The object to wrap, made from the configuration."""
        raise NotImplementedError(f"{type(self).__name__} must define wrap()")

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes the component lacks. Special names and the wrapped object
        # itself are never forwarded, so that copying or a half-built instance cannot recurse.
        if name.startswith("__") or name == "wrapped" or "wrapped" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self.__dict__["wrapped"], name)

    def close(self) -> None:
        wrapped = self.__dict__.get("wrapped")
        try:
            close = inspect.getattr_static(wrapped, "close", None)
        except Exception:
            close = None
        if close is not None and wrapped is not None:
            wrapped.close()
