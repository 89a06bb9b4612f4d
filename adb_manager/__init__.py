"""Declare, validate and build the components of an ArtifactDB-style backend manager."""

from __future__ import annotations

__version__ = "0.1.0"

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
