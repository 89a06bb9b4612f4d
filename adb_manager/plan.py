"""The build plan of a spec: what would be built, in which order, and what fails together."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence

import attrs

from adb_manager.components import BackendComponent
from adb_manager.imports import ClassPathError, import_object
from adb_manager.model import ComponentSpec, ManagerSpec
from adb_manager.ordering import ClassDeclarations, lost_with_each


@attrs.frozen
class PlanStep:
    """One component of the plan. ``skipped_with`` lists the components that would not be built
    if this one failed; ``aborts`` tells whether such a failure would abort the whole manager.
    """

    name: str
    class_path: str
    enabled: bool
    required: bool
    features: tuple[str, ...]
    depends_on: tuple[str, ...]
    requires_features: tuple[str, ...] = ()
    skipped_with: tuple[str, ...] = ()
    aborts: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "class": self.class_path,
            "enabled": self.enabled,
            "required": self.required,
            "features": list(self.features),
            "depends_on": list(self.depends_on),
            "requires_features": list(self.requires_features),
            "skipped_with": list(self.skipped_with),
            "aborts": self.aborts,
        }


ClassLookup = Callable[[str], "type[BackendComponent] | None"]


def class_declarations(classes: Mapping[str, type[BackendComponent] | None]) -> ClassDeclarations:
    """What the given classes declare, by component name."""
    known = {name: cls for name, cls in classes.items() if cls is not None}
    return ClassDeclarations(
        depends_on={name: tuple(cls.DEPENDS_ON) for name, cls in known.items()},
        features={name: tuple(cls.FEATURES) for name, cls in known.items()},
        requires_features={name: tuple(cls.REQUIRES_FEATURES) for name, cls in known.items()},
    )


def import_classes(
    components: Sequence[ComponentSpec], search_path: Sequence[str], allowed: Sequence[str]
) -> dict[str, type[BackendComponent] | None]:
    """Each component's class, imported under the same policy as validation; ``None`` where it
    cannot be imported or is not a component class."""
    found: dict[str, type[BackendComponent] | None] = {}
    for component in components:
        cls: object = None
        with contextlib.suppress(ClassPathError):
            cls = import_object(component.class_path, search_path=search_path, allowed=allowed)
        is_component = isinstance(cls, type) and issubclass(cls, BackendComponent)
        found[component.name] = cls if isinstance(cls, type) and is_component else None
    return found


def make_plan(spec: ManagerSpec, lookup: ClassLookup | None = None) -> list[PlanStep]:
    """The plan of a valid spec, in build order; nothing is instantiated.

    ``lookup`` maps a class path to its class, so that the class's ``REQUIRED``, ``FEATURES``,
    ``DEPENDS_ON`` and ``REQUIRES_FEATURES`` count; without it, only what the spec says counts,
    and an unset ``required`` reads as true.
    """
    classes = {c.name: lookup(c.class_path) if lookup else None for c in spec.components}
    declarations = class_declarations(classes)
    steps = [_step(component, classes[component.name]) for component in spec.components]
    by_name = {step.name: step for step in steps}
    # Only an optional component's failure has consequences worth listing; a required one's
    # aborts the build whatever depends on it.
    optional = [step.name for step in steps if step.enabled and not step.required]
    losses = lost_with_each(optional, spec.components, declarations)
    planned = []
    for step in steps:
        if step.name in losses:
            lost = losses[step.name]
            aborts = any(by_name[name].required for name in lost)
            step = attrs.evolve(step, skipped_with=tuple(lost), aborts=aborts)
        planned.append(step)
    return planned


def _step(component: ComponentSpec, cls: type[BackendComponent] | None) -> PlanStep:
    class_features: Sequence[str] = cls.FEATURES if cls else ()
    class_depends: Sequence[str] = cls.DEPENDS_ON if cls else ()
    class_requires: Sequence[str] = cls.REQUIRES_FEATURES if cls else ()
    required = component.required
    if required is None:
        required = cls.REQUIRED if cls else True
    return PlanStep(
        name=component.name,
        class_path=component.class_path,
        enabled=component.enabled,
        required=required,
        features=tuple(dict.fromkeys([*class_features, *component.features])),
        depends_on=tuple(dict.fromkeys([*component.depends_on, *class_depends])),
        requires_features=tuple(dict.fromkeys([*component.requires_features, *class_requires])),
    )
