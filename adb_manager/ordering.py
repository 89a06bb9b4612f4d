"""Ordering rules between components, as a graph: which must be declared before which.

An edge ``Edge(first, then, ...)`` says that ``first`` must be declared (and built) before
``then``. ``depends_on`` entries are hard edges; ``after`` and ``before`` entries are soft: they
bind only when the other component is in the spec and enabled, and they never make a component
be skipped. Every ordering rule of the project is stated here and enforced through these edges.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

import attrs

from adb_manager.model import ComponentSpec


class EdgeKind(str, enum.Enum):
    DEPENDS_ON = "depends_on"
    AFTER = "after"
    BEFORE = "before"
    CLASS_DEPENDS_ON = "DEPENDS_ON"


@attrs.frozen
class Edge:
    """``first`` must come before ``then``; ``owner`` holds the constraint, at ``index`` of its
    ``kind`` list (``None`` for a class-level ``DEPENDS_ON``).
    """

    first: str
    then: str
    kind: EdgeKind
    owner: str
    index: int | None = None

    @property
    def soft(self) -> bool:
        return self.kind in (EdgeKind.AFTER, EdgeKind.BEFORE)

    @property
    def target(self) -> str:
        """The component named in the owner's constraint."""
        return self.then if self.owner == self.first else self.first

    def describe(self) -> str:
        """The constraint as written: "alpha depends_on beta"."""
        return f"{self.owner} {self.kind.value} {self.target}"


def ordering_edges(
    components: Sequence[ComponentSpec],
    class_depends_on: Mapping[str, Sequence[str]] | None = None,
) -> list[Edge]:
    """The binding ordering edges between the enabled components.

    Constraints naming the component itself, an unknown or a disabled component make no edge:
    they are reported on their own. ``class_depends_on`` adds each class's ``DEPENDS_ON``.
    """
    enabled = {c.name for c in components if c.enabled}
    edges: list[Edge] = []
    for component in components:
        if not component.enabled:
            continue
        lists = (
            (EdgeKind.DEPENDS_ON, component.depends_on),
            (EdgeKind.AFTER, component.after),
            (EdgeKind.BEFORE, component.before),
        )
        for kind, targets in lists:
            for index, target in enumerate(targets):
                if target == component.name or target not in enabled:
                    continue
                if kind is EdgeKind.BEFORE:
                    edges.append(Edge(component.name, target, kind, component.name, index))
                else:
                    edges.append(Edge(target, component.name, kind, component.name, index))
        declared = set(component.depends_on)
        for target in (class_depends_on or {}).get(component.name, ()):
            if target in enabled and target != component.name and target not in declared:
                edges.append(
                    Edge(target, component.name, EdgeKind.CLASS_DEPENDS_ON, component.name)
                )
    return edges


def order_violations(order: Sequence[str], edges: Iterable[Edge]) -> list[Edge]:
    """The edges that ``order`` (a declaration order of names) breaks."""
    position = {name: index for index, name in enumerate(order)}
    return [e for e in edges if position[e.first] > position[e.then]]


def strongly_connected_components(nodes: Sequence[str], edges: Iterable[Edge]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that long chains do not exhaust the stack."""
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    for edge in edges:
        successors[edge.then].append(edge.first)
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index_of:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, next_child = work.pop()
            if next_child == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = successors[node]
            if next_child < len(children):
                work.append((node, next_child + 1))
                child = children[next_child]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if low[node] == index_of[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


@attrs.frozen
class Cycle:
    """Components that constrain each other in a circle.

    ``path`` is one closed path of edges through them, starting at the earliest declared member
    and read as "comes after": ``a -> b`` means ``a`` must come after ``b``. ``edges`` holds every
    edge between members, ``path`` ones included.
    """

    path: tuple[Edge, ...]
    members: frozenset[str]
    edges: tuple[Edge, ...]

    def parallel(self, step: Edge) -> list[Edge]:
        """Every edge that orders the same two components as ``step``, in the same direction."""
        return [e for e in self.edges if (e.first, e.then) == (step.first, step.then)]

    def is_broken_without(self, removed: Sequence[Edge]) -> bool:
        """Whether the members would no longer form any circle without ``removed``."""
        kept = [e for e in self.edges if e not in removed]
        groups = strongly_connected_components(sorted(self.members), kept)
        return all(len(group) == 1 for group in groups)


def find_cycles(order: Sequence[str], edges: Sequence[Edge]) -> list[Cycle]:
    """One :class:`Cycle` for every group of components that constrain each other in a circle,
    in the declared order of their earliest member."""
    position = {name: index for index, name in enumerate(order)}
    cycles = []
    for group in strongly_connected_components(order, edges):
        if len(group) < 2:
            continue
        members = frozenset(group)
        inner = tuple(e for e in edges if e.first in members and e.then in members)
        start = min(group, key=position.__getitem__)
        path = tuple(_shortest_cycle_through(start, inner, position))
        cycles.append(Cycle(path, members, inner))
    cycles.sort(key=lambda cycle: position[cycle.path[0].then])
    return cycles


def _shortest_cycle_through(
    start: str, edges: Sequence[Edge], position: Mapping[str, int]
) -> list[Edge]:
    outgoing: dict[str, list[Edge]] = {}
    for edge in sorted(edges, key=lambda e: (position[e.first], e.kind.value)):
        outgoing.setdefault(edge.then, []).append(edge)
    came_by: dict[str, Edge] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for edge in outgoing.get(node, ()):
            if edge.first == start:
                path = [edge]
                while path[-1].then != start:
                    path.append(came_by[path[-1].then])
                return list(reversed(path))
            if edge.first not in came_by:
                came_by[edge.first] = edge
                queue.append(edge.first)
    raise AssertionError(f"{start} is in a strongly connected group but on no cycle")


def hard_dependents(
    components: Sequence[ComponentSpec], edges: Iterable[Edge], of: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """For each component (of those named in ``of``, else all), every enabled component that
    needs it, directly or not, in declared order: what is not built when it fails.
    """
    needed_by: dict[str, list[str]] = {}
    for edge in edges:
        if not edge.soft:
            needed_by.setdefault(edge.first, []).append(edge.then)
    position = {c.name: index for index, c in enumerate(components)}
    result: dict[str, list[str]] = {}
    for name in of if of is not None else (c.name for c in components):
        reached: set[str] = set()
        queue = deque(needed_by.get(name, ()))
        while queue:
            dependent = queue.popleft()
            if dependent not in reached:
                reached.add(dependent)
                queue.extend(needed_by.get(dependent, ()))
        result[name] = sorted(reached, key=position.__getitem__)
    return result
