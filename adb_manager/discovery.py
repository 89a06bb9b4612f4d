"""Components that installed packages register by name.

A distribution registers a component class under the entry-point group ``adb_manager.components``::

    [project.entry-points."adb_manager.components"]
    "artifactdb.storage" = "artifactdb_demo.storages:StorageComponent"

A spec's ``class`` may then be the registered name. Reading the registrations imports nothing
(they are metadata); describing a component imports its class.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import attrs

from adb_manager.components import BackendComponent, declaration_problems, is_component_class
from adb_manager.errors import describe_error
from adb_manager.imports import ClassPathError, import_object
from adb_manager.schema import defined_pattern
from adb_manager.suggestions import did_you_mean

logger = logging.getLogger(__name__)

GROUP = "adb_manager.components"


@attrs.frozen
class Registration:
    """A registered name, the class path it stands for, and the distribution that registers it."""

    name: str
    class_path: str
    distribution: str


def registrations() -> dict[str, Registration]:
    """Every registered component name, sorted, from the installed distributions' metadata.

    Nothing is imported. When two distributions register one name, the one found first on
    ``sys.path`` wins, as Python's own imports would, and the other is logged at WARNING.
    """
    found: dict[str, Registration] = {}
    for point in entry_points(group=GROUP):
        registration = Registration(point.name, point.value, _distribution(point))
        first = found.setdefault(point.name, registration)
        if first is not registration and first.class_path != registration.class_path:
            logger.warning(
                "component name %r is registered by %s and by %s; using %s",
                point.name,
                first.distribution,
                registration.distribution,
                first.class_path,
            )
    return dict(sorted(found.items()))


def _distribution(point: EntryPoint) -> str:
    dist = point.dist
    if dist is None:
        return "an unknown distribution"
    return f"{dist.metadata['Name']} {dist.version}"


def resolve_registered(name: str) -> object:
    """The object registered under ``name``; :class:`ClassPathError` when there is none.

    A registered name is trusted as the installed ``adb-manager`` command itself is: installing
    the distribution that registers it was the decision to run its code. So it is imported
    without the import policy that applies to class paths written in a spec.
    """
    registration = resolve_registered_name(name)
    logger.debug("%s is registered by %s as %s", name, registration.distribution, registration)
    return import_object(registration.class_path)


def resolve_registered_name(
    name: str, registered: Mapping[str, Registration] | None = None
) -> Registration:
    """The registration of ``name`` among ``registered`` (by default, what is installed),
    without importing anything; :class:`ClassPathError` when no installed package registers it.
    """
    registered = registrations() if registered is None else registered
    registration = registered.get(name)
    if registration is None:
        hint = did_you_mean(name, list(registered))
        reason = (
            f"no installed package registers a component named {name!r} (write a class as"
            f" package.module:Qualname, or install the package that registers it){hint}"
        )
        raise ClassPathError(name, reason)
    return registration


@attrs.frozen
class InstalledComponent:
    """What a registered component class declares, for listings and editors' schemas."""

    name: str
    class_path: str
    distribution: str
    summary: str
    component_name: str | None
    features: tuple[str, ...]
    depends_on: tuple[str, ...]
    requires_features: tuple[str, ...]
    required: bool
    config_key: str | None
    config_schema: Mapping[str, Any] | None

    def facts(self) -> list[tuple[str, str]]:
        """What the class declares, as (label, value) pairs for people; "-" for nothing."""
        return [
            ("name", self.component_name or "(any)"),
            ("features", ", ".join(self.features) or "-"),
            ("depends on", ", ".join(self.depends_on) or "-"),
            ("requires features", ", ".join(self.requires_features) or "-"),
            ("required", "yes" if self.required else "no"),
            ("configuration", f"config.{self.config_key}" if self.config_key else "-"),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": self.class_path,
            "distribution": self.distribution,
            "summary": self.summary,
            "component_name": self.component_name,
            "features": list(self.features),
            "depends_on": list(self.depends_on),
            "requires_features": list(self.requires_features),
            "required": self.required,
            "config_key": self.config_key,
            "config_schema": self.config_schema,
        }


@attrs.frozen
class Unusable:
    """A registration whose class could not be imported or is not a well-formed component."""

    name: str
    class_path: str
    reason: str


def installed_components() -> tuple[list[InstalledComponent], list[Unusable]]:
    """Every registered component, described from its class (which imports it), and the
    registrations that do not name a usable component class."""
    described: list[InstalledComponent] = []
    unusable: list[Unusable] = []
    for registration in registrations().values():
        if not defined_pattern("registeredName").match(registration.name):
            # A spec could not name it: validate would refuse what the listing offers.
            reason = "its name is not a registered name a spec can use (lowercase, '.', '_', '-')"
            unusable.append(Unusable(registration.name, registration.class_path, reason))
            continue
        try:
            cls = import_object(registration.class_path)
        except ClassPathError as error:
            unusable.append(Unusable(registration.name, registration.class_path, error.reason))
            continue
        reason = _unusable_reason(cls)
        if reason:
            unusable.append(Unusable(registration.name, registration.class_path, reason))
            continue
        assert isinstance(cls, type) and issubclass(cls, BackendComponent)
        described.append(_describe(registration, cls))
    return described, unusable


def _unusable_reason(cls: object) -> str:
    if not is_component_class(cls):
        return "it is not a BackendComponent subclass"
    assert isinstance(cls, type) and issubclass(cls, BackendComponent)
    try:
        return "; ".join(declaration_problems(cls))
    except Exception as error:
        return f"reading its declarations raised {describe_error(error)}"


def _describe(registration: Registration, cls: type[BackendComponent]) -> InstalledComponent:
    return InstalledComponent(
        name=registration.name,
        class_path=registration.class_path,
        distribution=registration.distribution,
        summary=summary(cls),
        component_name=cls.NAME,
        features=tuple(cls.FEATURES),
        depends_on=tuple(cls.DEPENDS_ON),
        requires_features=tuple(cls.REQUIRES_FEATURES),
        required=cls.REQUIRED,
        config_key=cls.CONFIG_KEY,
        config_schema=cls.CONFIG_SCHEMA,
    )


def summary(cls: type) -> str:
    """The first paragraph of a class's docstring, on one line; empty when it has none."""
    doc = inspect.getdoc(cls) or ""
    if cls.__doc__ is None:
        return ""  # getdoc would return an inherited docstring: BackendComponent's own
    return " ".join(doc.split("\n\n", 1)[0].split())
