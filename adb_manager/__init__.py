"""Declare, validate and build the components of an ArtifactDB-style backend manager."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from adb_manager.builder import build_manager, from_spec
    from adb_manager.components import BackendComponent, WrappedComponent, manager_method
    from adb_manager.diagnostics import Diagnostic, Severity
    from adb_manager.errors import (
        AdbManagerError,
        BuildError,
        ComponentClassError,
        DeclarationError,
        DuplicateComponentError,
        SpecError,
        UnreadableSpecError,
    )
    from adb_manager.graph import ComponentGraph, graph_file, render_dot, render_mermaid
    from adb_manager.imports import ClassPathError, ImportNotAllowedError
    from adb_manager.manager import BackendManagerBase
    from adb_manager.model import ComponentSpec, ManagerInfo, ManagerSpec
    from adb_manager.reorder import Move, ReorderResult, nearest_order, reorder_file, reorder_text
    from adb_manager.status import ComponentStatus, State
    from adb_manager.validation import (
        ValidationOptions,
        ValidationResult,
        validate_data,
        validate_file,
        validate_text,
    )

# Each public name and the module it lives in: a module is imported when one of its names is first
# used, so that `adb-manager --version` or `validate` loads only what the command needs.
_MODULES = {
    "AdbManagerError": "adb_manager.errors",
    "BackendComponent": "adb_manager.components",
    "BackendManagerBase": "adb_manager.manager",
    "build_manager": "adb_manager.builder",
    "BuildError": "adb_manager.errors",
    "ClassPathError": "adb_manager.imports",
    "ComponentClassError": "adb_manager.errors",
    "ComponentGraph": "adb_manager.graph",
    "ComponentSpec": "adb_manager.model",
    "ComponentStatus": "adb_manager.status",
    "DeclarationError": "adb_manager.errors",
    "Diagnostic": "adb_manager.diagnostics",
    "DuplicateComponentError": "adb_manager.errors",
    "from_spec": "adb_manager.builder",
    "graph_file": "adb_manager.graph",
    "ImportNotAllowedError": "adb_manager.imports",
    "manager_method": "adb_manager.components",
    "ManagerInfo": "adb_manager.model",
    "ManagerSpec": "adb_manager.model",
    "Move": "adb_manager.reorder",
    "nearest_order": "adb_manager.reorder",
    "render_dot": "adb_manager.graph",
    "render_mermaid": "adb_manager.graph",
    "reorder_file": "adb_manager.reorder",
    "reorder_text": "adb_manager.reorder",
    "ReorderResult": "adb_manager.reorder",
    "Severity": "adb_manager.diagnostics",
    "SpecError": "adb_manager.errors",
    "State": "adb_manager.status",
    "UnreadableSpecError": "adb_manager.errors",
    "validate_data": "adb_manager.validation",
    "validate_file": "adb_manager.validation",
    "validate_text": "adb_manager.validation",
    "ValidationOptions": "adb_manager.validation",
    "ValidationResult": "adb_manager.validation",
    "WrappedComponent": "adb_manager.components",
}

__all__ = [
    "AdbManagerError",
    "BackendComponent",
    "BackendManagerBase",
    "BuildError",
    "ClassPathError",
    "ComponentClassError",
    "ComponentGraph",
    "ComponentSpec",
    "ComponentStatus",
    "DeclarationError",
    "Diagnostic",
    "DuplicateComponentError",
    "ImportNotAllowedError",
    "ManagerInfo",
    "ManagerSpec",
    "Move",
    "ReorderResult",
    "Severity",
    "SpecError",
    "State",
    "UnreadableSpecError",
    "ValidationOptions",
    "ValidationResult",
    "__version__",
    "build_manager",
    "from_spec",
    "graph_file",
    "nearest_order",
    "render_dot",
    "render_mermaid",
    "reorder_file",
    "reorder_text",
    "validate_data",
    "validate_file",
    "validate_text",
    "WrappedComponent",
    "manager_method",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif not name.startswith("_") and name in _submodules():
        # `import adb_manager` once loaded every module: `adb_manager.loading` keeps working.
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _submodules() -> set[str]:
    import pkgutil  # only for a name that is not a public one: it costs start-up otherwise

    return {info.name for info in pkgutil.iter_modules(__path__)}


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])
