"""Materialising a manager from a validated spec."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from adb_manager.errors import ComponentClassError, SpecError
from adb_manager.imports import import_object
from adb_manager.manager import BackendManagerBase
from adb_manager.model import ManagerSpec
from adb_manager.validation import ValidationOptions, validate_data, validate_file

logger = logging.getLogger(__name__)


def build_manager(
    spec: ManagerSpec, *, search_path: Sequence[str] = (), start: bool = True
) -> BackendManagerBase:
    """Build the manager a spec declares, component by component in declared order.

    Disabled components are recorded, not built. With ``start``, the lifecycle hooks run once
    every component is built. The spec should have passed validation; see :func:`from_spec`.
    """
    manager_class = import_object(spec.manager.class_path, search_path=search_path)
    if not (isinstance(manager_class, type) and issubclass(manager_class, BackendManagerBase)):
        raise ComponentClassError(f"{spec.manager.class_path!r} is not a BackendManagerBase")
    manager = manager_class(spec.config, name=spec.manager.name)
    for component in spec.components:
        if not component.enabled:
            manager.record_disabled(
                component.name,
                component.class_path,
                required=bool(component.required) if component.required is not None else True,
                features=component.features,
                depends_on=component.depends_on,
            )
            continue
        cls = import_object(component.class_path, search_path=search_path)
        manager.build(
            cls,  # type: ignore[arg-type]
            required=component.required,
            name=component.name,
            features=component.features,
            depends_on=component.depends_on,
        )
    if start:
        manager.start()
    return manager


def from_spec(
    path_or_spec: str | os.PathLike[str] | ManagerSpec | Mapping[str, Any],
    *,
    options: ValidationOptions | None = None,
    start: bool = True,
) -> BackendManagerBase:
    """Validate a spec (a file path, a :class:`ManagerSpec` or spec data), then build it.

    Raises :class:`~adb_manager.errors.SpecError` with every diagnostic when the spec has errors,
    and :class:`~adb_manager.errors.BuildError` when a required component cannot be built.
    """
    options = options or ValidationOptions()
    if isinstance(path_or_spec, ManagerSpec):
        return build_manager(path_or_spec, search_path=options.search_path, start=start)
    if isinstance(path_or_spec, Mapping):
        result = validate_data(path_or_spec, options=options)
    else:
        result = validate_file(path_or_spec, options)
    if result.spec is None:
        raise SpecError(result.source, result.diagnostics)
    return build_manager(result.spec, search_path=result.search_path, start=start)
