"""Materialising a manager from a validated spec."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from adb_manager.errors import AdbManagerError, BuildError, ComponentClassError, SpecError
from adb_manager.imports import import_object
from adb_manager.manager import BackendManagerBase
from adb_manager.model import ManagerSpec, unstructure_spec
from adb_manager.validation import ValidationOptions, validate_data, validate_file

logger = logging.getLogger(__name__)


def build_manager(
    spec: ManagerSpec,
    *,
    search_path: Sequence[str] = (),
    allowed: Sequence[str] | None = None,
    start: bool = True,
    timeout: float | None = None,
) -> BackendManagerBase:
    """Build the manager a spec declares, component by component in declared order.

    Disabled components are recorded, not built. With ``start``, the lifecycle hooks run once
    every component is built. The spec should have passed validation; see :func:`from_spec`.
    """
    manager = _create_manager(spec, search_path, allowed, timeout)
    # Many components may share a class: each class path is resolved once per build.
    classes: dict[str, object] = {}
    try:
        for component in spec.components:
            if component.enabled:
                path = component.class_path
                if path not in classes:
                    classes[path] = import_object(path, search_path=search_path, allowed=allowed)
                manager.build(
                    classes[path],  # type: ignore[arg-type]
                    required=component.required,
                    name=component.name,
                    features=component.features,
                    depends_on=component.depends_on,
                    requires_features=component.requires_features,
                    after=component.after,
                )
            else:
                manager.record_disabled(
                    component.name,
                    component.class_path,
                    required=component.required is not False,
                    features=component.features,
                    depends_on=component.depends_on,
                    requires_features=component.requires_features,
                )
        if start:
            manager.start()
    except BaseException:
        # Whatever stops the build, what was built is released.
        manager.close()
        raise
    return manager


def _create_manager(
    spec: ManagerSpec,
    search_path: Sequence[str],
    allowed: Sequence[str] | None,
    timeout: float | None,
) -> BackendManagerBase:
    path = spec.manager.class_path
    manager_class = import_object(path, search_path=search_path, allowed=allowed)
    if not (isinstance(manager_class, type) and issubclass(manager_class, BackendManagerBase)):
        raise ComponentClassError(f"{path!r} is not a BackendManagerBase")
    try:
        # Passed only when set, so that a manager subclass with its own __init__ keeps working.
        extra = {} if timeout is None else {"timeout": timeout}
        return manager_class(spec.config, name=spec.manager.name, **extra)
    except (KeyboardInterrupt, AdbManagerError):
        raise
    except BaseException as error:
        reason = f"{manager_class.__name__}() raised {type(error).__name__}: {error}"
        raise BuildError(path, path, reason, (), subject="manager class") from error


def from_spec(
    path_or_spec: str | os.PathLike[str] | ManagerSpec | Mapping[str, Any],
    *,
    options: ValidationOptions | None = None,
    start: bool = True,
    timeout: float | None = None,
) -> BackendManagerBase:
    """Validate a spec (a file path, a :class:`ManagerSpec` or spec data), then build it.

    ``timeout`` bounds, in seconds, each constructor, hook and ``close()`` of a component.
    Raises :class:`~adb_manager.errors.SpecError` with every diagnostic when the spec has errors,
    and :class:`~adb_manager.errors.BuildError` when a required component cannot be built.
    """
    options = options or ValidationOptions()
    if isinstance(path_or_spec, ManagerSpec):
        result = validate_data(unstructure_spec(path_or_spec), options=options)
    elif isinstance(path_or_spec, Mapping):
        result = validate_data(path_or_spec, options=options)
    else:
        result = validate_file(path_or_spec, options)
    if result.spec is None:
        raise SpecError(result.source, result.diagnostics)
    return build_manager(
        result.spec,
        search_path=result.search_path,
        allowed=result.options.allow_modules,
        start=start,
        timeout=timeout,
    )
