"""Helpers the demo components share: reading configuration and finding built components."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from adb_manager.components import BackendComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

ComponentT = TypeVar("ComponentT", bound=BackendComponent)


def section(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The configuration section ``name``; empty when absent or null."""
    value = config.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        kind = type(value).__name__
        raise TypeError(f"configuration section {name!r} must be a mapping, not {kind}")
    return value


def local_path(value: object, setting: str) -> Path:
    """An absolute path from a configuration setting; relative ones start at the current dir."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"configuration setting {setting!r} must be a non-empty path")
    return Path(value).expanduser().resolve()


def component(manager: BackendManagerBase, name: str, cls: type[ComponentT]) -> ComponentT:
    """The built component ``name``, checked to be a ``cls``, for typed access to it.

    Reading it counts as a use of ``name``: the component calling this must declare ``name`` in
    its ``depends_on`` or ``after``, or require a feature that ``name`` provides.
    """
    found = manager.components.get(name)
    if found is None:
        raise LookupError(f"component {name!r} is not built")
    if not isinstance(found, cls):
        kind = type(found).__qualname__
        raise TypeError(f"component {name!r} is a {kind}, not a {cls.__qualname__}")
    return found


def provider(manager: BackendManagerBase, feature: str, cls: type[ComponentT]) -> ComponentT:
    """The first built component that provides ``feature`` and is a ``cls``.

    For a component that declares ``feature`` in ``REQUIRES_FEATURES`` rather than depending on
    a component by name: every built provider of a required feature counts as declared.
    """
    names = manager.feature_providers.get(feature, ())
    if not names:
        raise LookupError(f"no built component provides the feature {feature!r}")
    for name in names:
        found = manager.components[name]
        if isinstance(found, cls):
            return found
    providers = ", ".join(names)
    raise TypeError(f"no provider of {feature!r} ({providers}) is a {cls.__qualname__}")
