"""The base class of every component a manager is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase


class BackendComponent:
    """A sub-component of a backend manager.

    Subclasses declare, as class attributes:

    - ``NAME``: the manager attribute the component is attached as (a spec's ``name`` must match);
    - ``FEATURES``: the kebab-case features it provides;
    - ``DEPENDS_ON``: names of components that must be built before it;
    - ``REQUIRED``: whether its failure aborts the manager, unless the spec or ``build()`` says.

    It is constructed with the manager and the whole configuration, and reads the sections it
    needs. Raising from ``__init__`` or ``component_init`` means it could not be built.
    """

    NAME: ClassVar[str | None] = None
    FEATURES: ClassVar[Sequence[str]] = ()
    DEPENDS_ON: ClassVar[Sequence[str]] = ()
    REQUIRED: ClassVar[bool] = True

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
    for attribute, kind in (("FEATURES", "featureName"), ("DEPENDS_ON", "componentName")):
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
    return problems


def is_component_class(candidate: object) -> bool:
    """Whether ``candidate`` is a class the builder can build."""
    return isinstance(candidate, type) and issubclass(candidate, BackendComponent)
