"""The components of a spec as a graph, rendered as a Mermaid flowchart or a Graphviz digraph.

Nodes are the components, in declared order, each required, optional or disabled, labelled with
the features it provides. Edges point the way the build goes: ``a -> b`` means ``a`` is built
before ``b``. Hard edges (``depends_on``, ``requires_features`` and their class-level
counterparts) are drawn solid, soft ones (``after``, ``before``) dashed; a feature requirement's
edge is labelled with the feature. Disabled components make no edges, as in validation.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Sequence
from pathlib import Path

import attrs

from adb_manager.diagnostics import Diagnostic
from adb_manager.errors import SpecError
from adb_manager.model import ComponentSpec, salvage_component
from adb_manager.ordering import ordering_edges, provided_features
from adb_manager.plan import class_declarations, import_classes
from adb_manager.validation import ValidationOptions, ValidationResult, validate_file

#: Ordering errors do not keep a graph from being drawn: showing them is what it is for.
DRAWN_DESPITE = frozenset({"order-violation", "cycle"})


class Status(str, enum.Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    DISABLED = "disabled"


@attrs.frozen
class GraphNode:
    name: str
    status: Status
    features: tuple[str, ...] = ()


@attrs.frozen
class GraphEdge:
    """``first`` is built before ``then``; ``label`` names the feature or the soft constraint."""

    first: str
    then: str
    hard: bool
    label: str | None = None


@attrs.frozen
class ComponentGraph:
    """The components and their constraints; ``errors`` are the order violations and cycles
    that the graph draws, as validation reports them."""

    name: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    errors: tuple[Diagnostic, ...] = ()


def graph_file(
    path: str | os.PathLike[str], options: ValidationOptions | None = None
) -> ComponentGraph:
    """The component graph of a spec file.

    The spec is validated with ``options`` (classes are imported unless ``import_classes=False``,
    and then their ``REQUIRED``, ``FEATURES`` and declared dependencies count). Raises
    :class:`~adb_manager.errors.SpecError` when it has errors other than order violations and
    cycles, and :class:`~adb_manager.errors.UnreadableSpecError` when it cannot be read.
    """
    result = validate_file(path, options)
    blocking = [d for d in result.diagnostics if d.is_error and d.code not in DRAWN_DESPITE]
    if blocking or result.loaded is None:
        raise SpecError(result.source, _errors_first(result.diagnostics))
    drawn = tuple(d for d in result.diagnostics if d.is_error)
    return attrs.evolve(component_graph(result), errors=drawn)


def _errors_first(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: not d.is_error)


def component_graph(result: ValidationResult) -> ComponentGraph:
    """The graph of a validated spec (its ``loaded`` data), order violations and cycles drawn."""
    assert result.loaded is not None
    data = result.loaded.data
    raw = data.get("components")
    components = [
        c for c in (salvage_component(i) for i in (raw if isinstance(raw, list) else [])) if c
    ]
    options = result.options
    classes = (
        import_classes(components, options.search_path, options.allow_modules)
        if options.import_classes
        else {}
    )
    declarations = class_declarations(classes)
    nodes = []
    for component in components:
        cls = classes.get(component.name)
        features = tuple(sorted(provided_features(component, declarations)))
        nodes.append(GraphNode(component.name, _status(component, cls), features))
    edges = []
    for edge in ordering_edges(components, declarations):
        label = (
            edge.feature if edge.feature is not None else (edge.kind.value if edge.soft else None)
        )
        edges.append(GraphEdge(edge.first, edge.then, not edge.soft, label))
    manager = data.get("manager")
    name = manager.get("name") if isinstance(manager, dict) else None
    return ComponentGraph(
        name if isinstance(name, str) else Path(result.source).stem,
        tuple(nodes),
        tuple(dict.fromkeys(edges)),
    )


def _status(component: ComponentSpec, cls: type | None) -> Status:
    if not component.enabled:
        return Status.DISABLED
    required = component.required
    if required is None:
        required = bool(getattr(cls, "REQUIRED", True))
    return Status.REQUIRED if required else Status.OPTIONAL


# Mermaid

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9_ .,:/=+-]")
_MERMAID_CLASSES = {
    Status.REQUIRED: "fill:#dbeafe,stroke:#1e3a8a,stroke-width:2px",
    Status.OPTIONAL: "fill:#fef9c3,stroke:#854d0e,stroke-dasharray:4 2",
    Status.DISABLED: "fill:#e5e7eb,stroke:#6b7280,color:#6b7280,stroke-dasharray:2 2",
}


def mermaid_text(text: str) -> str:
    """``text`` for a double-quoted Mermaid label: every character that could end the label or
    be read as markup is written as an entity code."""
    return "".join(c if _MERMAID_SAFE.fullmatch(c) else f"#{ord(c)};" for c in text)


def render_mermaid(graph: ComponentGraph) -> str:
    """A Mermaid flowchart, top to bottom in build order; node ids are ``c0``, ``c1``... in
    declared order, so that no component name can break the syntax."""
    ids = {node.name: f"c{number}" for number, node in enumerate(graph.nodes)}
    lines = ["flowchart TD"]
    for node in graph.nodes:
        label = mermaid_text(node.name)
        if node.features:
            label += "<br/><i>" + mermaid_text(", ".join(node.features)) + "</i>"
        label += "<br/>" + node.status.value
        lines.append(f'  {ids[node.name]}["{label}"]:::{node.status.value}')
    for edge in graph.edges:
        arrow = "-->" if edge.hard else "-.->"
        label = f'|"{mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {ids[edge.first]} {arrow}{label} {ids[edge.then]}")
    for status, style in _MERMAID_CLASSES.items():
        lines.append(f"  classDef {status.value} {style}")
    return "\n".join(lines) + "\n"


# Graphviz

_DOT_NODES = {
    Status.REQUIRED: 'shape=box, style="rounded,bold"',
    Status.OPTIONAL: 'shape=box, style="rounded,dashed"',
    Status.DISABLED: 'shape=box, style="rounded,dotted", fontcolor=gray50, color=gray50',
}


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string: quotes and backslashes escaped, line breaks
    and other control characters written as escapes that Graphviz shows literally."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\\\x{ord(m.group()):02x}", escaped)
    return f'"{escaped}"'


def render_dot(graph: ComponentGraph) -> str:
    """A Graphviz digraph, ranked top to bottom in build order."""
    lines = [
        f"digraph {dot_string(graph.name)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in graph.nodes:
        label = dot_string(node.name)[:-1]
        if node.features:
            label += "\\n" + dot_string(", ".join(node.features))[1:-1]
        label += f'\\n({node.status.value})"'
        lines.append(f"  {dot_string(node.name)} [label={label}, {_DOT_NODES[node.status]}];")
    for edge in graph.edges:
        attributes = ["style=solid" if edge.hard else "style=dashed"]
        if edge.label:
            attributes.append(f"label={dot_string(edge.label)}")
        first, then = dot_string(edge.first), dot_string(edge.then)
        lines.append(f"  {first} -> {then} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS = {"mermaid": render_mermaid, "dot": render_dot}
